/**
 * The hooks a caller plugs into an agent: callbacks run after its steps, and
 * the sink that renders its events.
 *
 * @module
 */

import type { AgentEvent } from "../events.ts";
import type { ActionStep, FinalAnswerStep, PlanningStep } from "../memory.ts";
import type { MultiStepAgent } from "./multi_step_agent.ts";

/** A callback run after a step of type `S`, with the agent that ran it. */
export type StepCallback<S> = (step: S, agent: MultiStepAgent) => void | Promise<void>;

/** Step callbacks keyed by the step type they follow. */
export interface StepCallbacks {
  /** After each action step (also the max-steps fallback step). */
  action?: StepCallback<ActionStep> | StepCallback<ActionStep>[];
  /** After each planning step. */
  planning?: StepCallback<PlanningStep> | StepCallback<PlanningStep>[];
  /** After the final answer is accepted. */
  final_answer?: StepCallback<FinalAnswerStep> | StepCallback<FinalAnswerStep>[];
}

/** Anything that renders events, like {@linkcode Logger}. */
export interface AgentEventSink {
  /** Receives each event of a run, as it happens. */
  log(event: AgentEvent): void;
  /**
   * Receives warnings that belong to no run, such as a CodeAgent's default
   * executor warning about risky permissions at construction. Without it,
   * they go to a console {@linkcode Logger} at the agent's `logLevel`.
   */
  warn?(message: string): void;
}
