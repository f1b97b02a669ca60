// A managed agent seen by its manager: a tool taking `task` and optional
// `additional_args` whose result is the report rendered from the managed
// agent's templates. It runs on the host, so a CodeAgent's sandbox reaches
// it over the same channel as any tool.

import type { RunState } from "../events.ts";
import type { AgentMemory } from "../memory.ts";
import { toMessages } from "../memory.ts";
import type { PromptTemplates } from "../prompts.ts";
import { renderPrompt } from "../prompts.ts";
import type { Tool, ToolCallOptions, ToolInputs } from "../tool.ts";
import { textOf } from "./_model_call.ts";

/** What a manager needs from a managed agent. */
export interface ManagedAgentLike {
  readonly name?: string;
  readonly description?: string;
  readonly provideRunSummary: boolean;
  readonly promptTemplates: PromptTemplates;
  readonly memory: AgentMemory;
  run(
    task: string,
    options: {
      additionalArgs?: Record<string, unknown>;
      signal?: AbortSignal;
      returnFullResult: true;
    },
  ): Promise<{ output: unknown; state: RunState }>;
}

const INPUTS: ToolInputs = {
  task: {
    type: "string",
    description: "The sub-task, explained in full: the team member knows nothing else.",
  },
  additional_args: {
    type: "object",
    description: "Data the team member needs (it receives these as variables).",
    nullable: true,
  },
};

/** The manager's view of `agent` as a tool. */
export function managedAgentTool(
  agent: ManagedAgentLike & { name: string; description: string },
): Tool {
  return {
    name: agent.name,
    description: agent.description,
    inputs: INPUTS,
    outputType: "string",
    async call(args: Record<string, unknown>, options?: ToolCallOptions): Promise<string> {
      const templates = agent.promptTemplates;
      const task = renderPrompt(
        templates.managedAgent.task,
        { name: agent.name, task: String(args.task ?? "") },
        "managedAgent.task",
      );
      const extra = args.additional_args;
      const result = await agent.run(task, {
        additionalArgs: extra !== null && typeof extra === "object"
          ? extra as Record<string, unknown>
          : undefined,
        signal: options?.signal,
        returnFullResult: true,
      });
      let report = renderPrompt(
        templates.managedAgent.report,
        { name: agent.name, finalAnswer: formatAnswer(result.output) },
        "managedAgent.report",
      );
      if (agent.provideRunSummary) report += "\n\n" + runSummary(agent.name, agent.memory);
      return report;
    },
  };
}

function formatAnswer(output: unknown): string {
  return typeof output === "string" ? output : Deno.inspect(output, { depth: 6, colors: false });
}

function runSummary(name: string, memory: AgentMemory): string {
  const lines = memory.steps
    .flatMap((step) => toMessages(step, { summaryMode: true }))
    .map((message) => `[${message.role}]\n${textOf(message)}`);
  return `Summary of the work of "${name}":\n<summary_of_work>\n${
    lines.join("\n---\n")
  }\n</summary_of_work>`;
}
