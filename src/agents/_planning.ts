// Planning: when a plan is due, and the messages that ask for one. The first
// plan sees only the task; updates see the history in summary mode, so the
// old plan does not anchor the new one.

import type { AgentMemory } from "../memory.ts";
import { toMessages } from "../memory.ts";
import type { ChatMessage } from "../models/model.ts";
import { type PromptTemplates, renderPrompt } from "../prompts.ts";

/** Whether a plan is written before step `stepNumber` (1-based, within the run). */
export function isPlanningStep(stepNumber: number, interval: number | undefined): boolean {
  return interval !== undefined && (stepNumber === 1 || (stepNumber - 1) % interval === 0);
}

/** Variables shared by the planning templates. */
export interface PlanningVariables {
  task: string;
  tools: unknown[];
  managedAgents: unknown[];
}

/** Messages asking for the first plan of a task. */
export function initialPlanMessages(
  templates: PromptTemplates,
  variables: PlanningVariables,
): ChatMessage[] {
  const content = renderPrompt(
    templates.planning.initialPlan,
    { ...variables },
    "planning.initialPlan",
  );
  return [{ role: "user", content }];
}

/** Messages asking for an updated plan, given what happened so far. */
export function updatePlanMessages(
  templates: PromptTemplates,
  memory: AgentMemory,
  variables: PlanningVariables & { remainingSteps: number },
): ChatMessage[] {
  const pre = renderPrompt(
    templates.planning.updatePlanPreMessages,
    { task: variables.task },
    "planning.updatePlanPreMessages",
  );
  const post = renderPrompt(
    templates.planning.updatePlanPostMessages,
    { ...variables },
    "planning.updatePlanPostMessages",
  );
  const history = memory.steps.flatMap((step) => toMessages(step, { summaryMode: true }));
  return [{ role: "system", content: pre }, ...history, { role: "user", content: post }];
}

/** The stop marker the planning prompts ask for. */
export const END_PLAN = "<end_plan>";

/** The plan text without the end marker and surrounding blank space. */
export function cleanPlan(text: string): string {
  const end = text.indexOf(END_PLAN);
  return (end === -1 ? text : text.slice(0, end)).trim();
}
