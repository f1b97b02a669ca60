// Planning: when a plan is due, and the messages that ask for one. The first
// plan sees only the task; updates see the history in summary mode, so the
// old plan does not anchor the new one.

import type { AgentEvent, Timing } from "../events.ts";
import type { AgentMemory, PlanningStep } from "../memory.ts";
import { toMessages } from "../memory.ts";
import type { ChatMessage, Model } from "../models/model.ts";
import { type PromptTemplates, renderPrompt } from "../prompts.ts";
import { callModel, textOf } from "./_model_call.ts";
import type { TraceScope } from "../telemetry.ts";

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

/** What writing a plan needs. */
export interface PlanContext {
  model: Model;
  templates: PromptTemplates;
  memory: AgentMemory;
  variables: PlanningVariables;
  stepNumber: number;
  maxSteps: number;
  signal?: AbortSignal;
  stream: boolean;
  /** The planning span, when the run is traced: the model call goes under it. */
  trace?: TraceScope;
}

/** Asks the model for a plan, yielding its events; returns the planning step. */
export async function* writePlan(context: PlanContext): AsyncGenerator<AgentEvent, PlanningStep> {
  const { stepNumber } = context;
  const timing: Timing = { startTime: Date.now() };
  const kind = stepNumber === 1 ? "initial" : "update";
  const messages = kind === "initial"
    ? initialPlanMessages(context.templates, context.variables)
    : updatePlanMessages(context.templates, context.memory, {
      ...context.variables,
      remainingSteps: context.maxSteps - stepNumber + 1,
    });
  const reply = yield* callModel(
    context.model,
    messages,
    { stopSequences: [END_PLAN], signal: context.signal },
    { stepNumber, phase: "planning", stream: context.stream, trace: context.trace },
  );
  timing.endTime = Date.now();
  timing.duration = timing.endTime - timing.startTime;
  const tokenUsage = reply.tokenUsage ? { tokenUsage: reply.tokenUsage } : {};
  const plan = cleanPlan(textOf(reply));
  yield { type: "planning", stepNumber, kind, plan, timing, ...tokenUsage };
  return {
    type: "planning",
    kind,
    plan,
    modelInputMessages: messages,
    modelOutputMessage: reply,
    timing,
    ...tokenUsage,
  };
}
