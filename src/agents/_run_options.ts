/**
 * What a run takes and gives back, and what passes between the loop and a
 * subclass's step.
 *
 * @module
 */

import type { RunState, Timing } from "../events.ts";
import type { ImageValue } from "../media.ts";
import type { MemoryStep } from "../memory.ts";
import type { ImagePart, TokenUsage } from "../models/model.ts";

/** Options of {@linkcode MultiStepAgent.run} and {@linkcode MultiStepAgent.stream}. */
export interface RunOptions {
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
