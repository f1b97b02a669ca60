/**
 * A run: what it takes and gives back, how its input (task, additional
 * arguments, images) becomes memory, and what passes between the loop and a
 * subclass's step.
 *
 * @module
 */

import type { BudgetStop, RunState, Timing } from "../events.ts";
import type { ImageValue } from "../media.ts";
import type { ActionStep, MemoryStep, PlanningStep } from "../memory.ts";
import type { ImagePart, TokenUsage } from "../models/model.ts";

/** What one model's tokens cost, in US dollars per million tokens. */
export interface ModelPrice {
  /** Per million prompt tokens. */
  inputPerMillion: number;
  /** Per million completion tokens. */
  outputPerMillion: number;
}

/**
 * Limits of one run. Past one, the run ends cleanly with state
 * `"budget_exceeded"` and a {@linkcode BudgetStop} saying which: tokens and
 * cost are checked after each step (the agent's own model calls; a managed
 * agent's have its own budget), duration also during a step, which is then
 * cancelled. `run()` and `stream()` honour it; `step()` leaves budgets to
 * its caller.
 */
export interface RunBudget {
  /** Most prompt plus completion tokens. */
  maxTokens?: number;
  /** Most US dollars, priced with `prices` for the agent's model id. */
  maxCostUsd?: number;
  /** Most milliseconds from the run's start. */
  maxDurationMs?: number;
  /** Prices by model id; `maxCostUsd` needs the agent's model in it. */
  prices?: Readonly<Record<string, ModelPrice>>;
}

/** Options of {@linkcode MultiStepAgent.run} and {@linkcode MultiStepAgent.stream}. */
export interface RunOptions {
  /** Limits of this run, over the agent's `budget` (each limit given here replaces the agent's). */
  budget?: RunBudget;
  /**
   * Start afresh (default true): the memory of earlier runs is cleared, and
   * so is a CodeAgent's sandbox when the agent created it: the run gets a new
   * one, so no variable, function, import or additional argument of an
   * earlier run is left (the model could not know about them, and one task's
   * data must not reach the next). An executor passed in with `executor` is
   * yours and keeps its state. `false` continues the conversation: same
   * memory, same sandbox state.
   */
  reset?: boolean;
  /** Images given with the task. */
  images?: (ImagePart | ImageValue)[];
  /** Values the agent can use by name (sandbox variables for the CodeAgent). */
  additionalArgs?: Record<string, unknown>;
  /** Overrides the agent's `maxSteps` for this run. */
  maxSteps?: number;
  /**
   * Cancels the run: the current model call, code step, tool call or managed
   * agent is aborted, and the run rejects with the signal's reason (as
   * `fetch` does). Unlike `agent.interrupt()`, it does not
   * wait for the step to end.
   */
  signal?: AbortSignal;
  /** Make `run()` resolve to a {@linkcode RunResult} instead of the bare answer. */
  returnFullResult?: boolean;
}

/** Everything about a finished run. */
export interface RunResult {
  /** The answer (the fallback answer for `max_steps_error`, null when interrupted). */
  output: unknown;
  /** How the run ended. */
  state: RunState;
  /** The memory steps of this run (task, plans, actions, final answer). */
  steps: MemoryStep[];
  /** Tokens used by every model call of the run. */
  tokenUsage: TokenUsage;
  /** Start, end and duration of the run. */
  timing: Timing;
  /** The limit reached, when `state` is `"budget_exceeded"`. */
  budgetStop?: BudgetStop;
}

/**
 * Options of {@linkcode MultiStepAgent.step} when it starts a run with a
 * task: those of a run, which they mean the same as in `run()`.
 */
export type StartStepOptions = Omit<RunOptions, "returnFullResult">;

/** Options of {@linkcode MultiStepAgent.step} when it continues the run in progress. */
export interface StepOptions {
  /**
   * Cancels this step: its model call, code, tool calls or managed agent are
   * aborted and `step()` rejects with the signal's reason. The run stays open.
   */
  signal?: AbortSignal;
}

/** What one call of {@linkcode MultiStepAgent.step} did. */
export interface StepResult {
  /**
   * The action step taken, as it was written to memory; when the step limit
   * was reached, the step that wrote the fallback answer.
   */
  step: ActionStep;
  /** The plan written before the action, when one was due (`planningInterval`). */
  planningStep?: PlanningStep;
  /**
   * True when the run ended with this step: its final answer passed the
   * checks, or the step limit was reached and the fallback answer was written.
   */
  isFinalAnswer: boolean;
  /** The final answer when `isFinalAnswer`; otherwise the action's output (undefined after an error). */
  output: unknown;
  /**
   * The whole run, when it ended with this step (`state` is "success" or
   * "max_steps_error"); its timing spans the first step to this one, the time
   * between calls included.
   */
  run?: RunResult;
}

/** What a subclass's step produced. */
export interface StepOutcome {
  /** True when the action gave a final answer (still subject to the checks). */
  isFinalAnswer: boolean;
  /** The action's output, or the final answer. */
  output?: unknown;
}

/** What a subclass's step may use. */
export interface StepContext {
  /** The run's abort signal. */
  signal?: AbortSignal;
  /** Whether to stream the model's reply. */
  stream: boolean;
}

/** The task, followed by a short description of each additional argument. */
export function taskWithArgs(task: string, args: Record<string, unknown>): string {
  const names = Object.keys(args);
  if (names.length === 0) return task;
  const lines = names.map((name) => `- ${name}: ${describeValue(args[name])}`);
  return `${task}\n\nYou have been given these values, usable by name:\n${lines.join("\n")}`;
}

// A preview, not the value: big data would flood the prompt, and the model can
// print it from the sandbox when it needs more.
function describeValue(value: unknown): string {
  const text = typeof value === "string"
    ? JSON.stringify(value)
    : Deno.inspect(value, { depth: 2, colors: false, compact: true });
  return text.length > 200 ? `${text.slice(0, 200)}… (${typeof value})` : text;
}

/** An image given as a media value or a message part, as a message part. */
export function toImagePart(image: ImagePart | ImageValue): ImagePart {
  if ("data" in image) return { type: "image", image: image.data, mimeType: image.mimeType };
  return image;
}

/** Action steps taken, not counting the max-steps fallback. */
export function countActions(steps: MemoryStep[]): number {
  return steps.filter((s) => s.type === "action" && s.error?.name !== "AgentMaxStepsError").length;
}
