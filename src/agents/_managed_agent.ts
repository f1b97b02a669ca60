// A managed agent seen by its manager: a tool taking `task` and optional
// `additional_args` whose result is the report rendered from the managed
// agent's templates. It runs on the host, so a CodeAgent's sandbox reaches
// it over the same channel as any tool. Calls to one agent take turns (an
// agent has one memory and one sandbox), and each call's events go to the
// manager as they happen.

import type { AgentEvent, RunState } from "../events.ts";
import type { AgentMemory } from "../memory.ts";
import { toMessages } from "../memory.ts";
import type { PromptTemplates } from "../prompts.ts";
import { renderPrompt } from "../prompts.ts";
import type { Tool, ToolCallOptions, ToolInputs } from "../tool.ts";
import { textOf } from "./_model_call.ts";
import { traceParentOf, withTraceParent } from "./_telemetry.ts";

/** What a manager needs from a managed agent. */
export interface ManagedAgentLike {
  readonly name?: string;
  readonly description?: string;
  readonly provideRunSummary: boolean;
  readonly promptTemplates: PromptTemplates;
  readonly memory: AgentMemory;
}

/** How the manager runs the agent and hears about it. */
export interface ManagedRun {
  /** Runs the agent on a task, yielding its events. */
  stream(
    task: string,
    options: { additionalArgs?: Record<string, unknown>; signal?: AbortSignal },
  ): AsyncGenerator<AgentEvent, { output: unknown; state: RunState }>;
  /** Receives each event of the run, as it happens. */
  onEvent(event: AgentEvent): void;
}

// The last call in line for each agent: a call starts when the one before it
// has ended. Shared by every manager of the agent.
const turns = new WeakMap<object, Promise<void>>();

// Runs `fn` once every earlier call of `agent` has ended; a call still waiting
// when `signal` aborts leaves the line without running.
async function inTurn<T>(
  agent: object,
  signal: AbortSignal | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  const previous = turns.get(agent) ?? Promise.resolve();
  const ended = Promise.withResolvers<void>();
  const mine = previous.then(() => ended.promise);
  turns.set(agent, mine);
  try {
    await untilAborted(previous, signal);
    return await fn();
  } finally {
    ended.resolve();
    if (turns.get(agent) === mine) turns.delete(agent);
  }
}

function untilAborted(promise: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return promise;
  signal.throwIfAborted();
  const aborted = Promise.withResolvers<void>();
  const onAbort = () => aborted.reject(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  return Promise.race([promise, aborted.promise]).finally(() =>
    signal.removeEventListener("abort", onAbort)
  );
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

/**
 * The manager's view of `agent` as a tool. Concurrent calls (the model's
 * `Promise.all`, parallel tool calls) run one after the other, in call order.
 */
export function managedAgentTool(
  agent: ManagedAgentLike & { name: string; description: string },
  run: ManagedRun,
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
      const signal = options?.signal;
      return await inTurn(agent, signal, async () => {
        // The run's span goes under the span of this call, when it is traced.
        const events = run.stream(
          task,
          withTraceParent({
            additionalArgs: extra !== null && typeof extra === "object"
              ? extra as Record<string, unknown>
              : undefined,
            signal,
          }, traceParentOf(options)),
        );
        let next = await events.next();
        while (!next.done) {
          run.onEvent(next.value);
          next = await events.next();
        }
        let report = renderPrompt(
          templates.managedAgent.report,
          { name: agent.name, finalAnswer: formatAnswer(next.value.output) },
          "managedAgent.report",
        );
        // Read in turn: the next call resets the memory.
        if (agent.provideRunSummary) report += "\n\n" + runSummary(agent.name, agent.memory);
        return report;
      });
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
