/**
 * The events an agent run produces. `agent.stream()` yields them, `run()`
 * drains them, and the logger, the web UI and the CLI render them. Every event
 * is plain data discriminated on `type`, so a consumer can `switch` on it and
 * send it over a wire as JSON (only the `output` of a final answer or a code
 * step may hold a value that JSON cannot represent, such as bytes).
 *
 * @module
 */

import type { BudgetStop } from "./errors.ts";
import type { ChatMessageStreamDelta, TokenUsage, ToolCall } from "./models/model.ts";

export type { BudgetStop } from "./errors.ts";

/** When something started and ended, in milliseconds since the epoch. */
export interface Timing {
  /** Start time (`Date.now()`). */
  startTime: number;
  /** End time, once finished. */
  endTime?: number;
  /** `endTime - startTime`, once finished. */
  duration?: number;
}

/**
 * An error as plain data, so memory and events stay serializable. `name` is
 * the error class (`"AgentExecutionError"`, …) and `kind` its typed failure
 * kind, when it has one.
 */
export interface ErrorData {
  /** The error's class name. */
  name: string;
  /** The error's message. */
  message: string;
  /** For execution errors: how the code failed (`"runtime"`, `"permission"`, …). */
  kind?: string;
  /** For tool errors: the tool involved. */
  toolName?: string;
  /** For permission errors: the denied Deno permission (`"net"`, …). */
  permission?: string;
}

/** Which model call a stream delta or a model output belongs to. */
export type ModelCallPhase = "action" | "planning" | "final_answer";

/** How a run ended. */
export type RunState = "success" | "max_steps_error" | "interrupted" | "budget_exceeded";

/** A run started. */
export interface RunStartEvent {
  /** Discriminant. */
  type: "run_start";
  /** The task as given to `run()`. */
  task: string;
  /** The agent's name, for managed agents. */
  agentName?: string;
  /** The model's identifier. */
  modelId: string;
  /** The step limit of this run. */
  maxSteps: number;
  /** False when the run continues the previous conversation. */
  reset: boolean;
  /** How many images were attached to the task. */
  imageCount: number;
  /** Names of the `additionalArgs` given to the sandbox as variables. */
  additionalArgs: string[];
}

/** An action step started. */
export interface StepStartEvent {
  /** Discriminant. */
  type: "step_start";
  /** 1-based step number within the run. */
  stepNumber: number;
  /** The step limit of this run. */
  maxSteps: number;
}

/** A fragment of the model's reply arrived (only when the model streams). */
export interface ModelStreamDeltaEvent {
  /** Discriminant. */
  type: "model_stream_delta";
  /** The step the call belongs to. */
  stepNumber: number;
  /** Which call this is. */
  phase: ModelCallPhase;
  /** The fragment. */
  delta: ChatMessageStreamDelta;
}

/** The model's complete reply for an action step or the final-answer fallback. */
export interface ModelOutputEvent {
  /** Discriminant. */
  type: "model_output";
  /** The step the reply belongs to. */
  stepNumber: number;
  /** Which call this is. */
  phase: ModelCallPhase;
  /** The text of the reply. */
  content: string;
  /** Native tool calls in the reply. */
  toolCalls?: ToolCall[];
  /** Tokens used by this call, when reported. */
  tokenUsage?: TokenUsage;
}

/** A plan was written (the first one, or an update every `planningInterval` steps). */
export interface PlanningEvent {
  /** Discriminant. */
  type: "planning";
  /** The step after which the plan was written (1 for the initial plan). */
  stepNumber: number;
  /** `"initial"` for the first plan of a task, `"update"` afterwards. */
  kind: "initial" | "update";
  /** The plan's text. */
  plan: string;
  /** How long planning took. */
  timing: Timing;
  /** Tokens used by planning. */
  tokenUsage?: TokenUsage;
}

/** The CodeAgent is about to run code. */
export interface CodeActionEvent {
  /** Discriminant. */
  type: "code_action";
  /** The step. */
  stepNumber: number;
  /** The code, as extracted from the reply. */
  code: string;
}

/** What a code execution printed and returned. */
export interface CodeOutputEvent {
  /** Discriminant. */
  type: "code_output";
  /** The step. */
  stepNumber: number;
  /** What the code printed. */
  logs: string;
  /** The last expression's value, or the final answer. */
  output: unknown;
  /** True when the code called `final_answer`. */
  isFinalAnswer: boolean;
}

/** The agent is about to call a tool or a managed agent. */
export interface ToolCallEvent {
  /** Discriminant. */
  type: "tool_call";
  /** The step. */
  stepNumber: number;
  /** Links the call to its result. */
  id: string;
  /** The tool's name. */
  name: string;
  /** The arguments, after state-variable substitution. */
  arguments: Record<string, unknown> | string;
}

/** A tool call (ToolCallingAgent) finished. */
export interface ToolResultEvent {
  /** Discriminant. */
  type: "tool_result";
  /** The step. */
  stepNumber: number;
  /** The id of the matching `tool_call` event. */
  id: string;
  /** The tool's name. */
  name: string;
  /** What the model will read about this call. */
  observation: string;
  /** The tool's result, when it succeeded. */
  output?: unknown;
  /** The error, when it failed. */
  error?: ErrorData;
}

/** The text the model will read about the step's action. */
export interface ObservationEvent {
  /** Discriminant. */
  type: "observation";
  /** The step. */
  stepNumber: number;
  /** The observation text. */
  observation: string;
}

/**
 * A step failed: unparseable reply, failed code, failed tool call, or a
 * rejected final answer. The model sees it and tries again.
 */
export interface ErrorEvent {
  /** Discriminant. */
  type: "error";
  /** The step. */
  stepNumber: number;
  /** The error. */
  error: ErrorData;
}

/** An action step finished. */
export interface StepEndEvent {
  /** Discriminant. */
  type: "step_end";
  /** The step. */
  stepNumber: number;
  /** How long the step took. */
  timing: Timing;
  /** Tokens used by the step's model call. */
  tokenUsage?: TokenUsage;
  /** True when the step produced the accepted final answer. */
  isFinalAnswer: boolean;
}

/** The run produced its answer (accepted by every final-answer check). */
export interface FinalAnswerEvent {
  /** Discriminant. */
  type: "final_answer";
  /** The answer. */
  output: unknown;
}

/** A run ended; always the last event of a run that did not throw. */
export interface RunEndEvent {
  /** Discriminant. */
  type: "run_end";
  /** How the run ended. */
  state: RunState;
  /** The answer (the fallback answer for `max_steps_error`, null when interrupted). */
  output: unknown;
  /** Number of action steps taken in this run. */
  stepCount: number;
  /** Tokens used by the whole run, summed over every model call. */
  tokenUsage: TokenUsage;
  /** How long the run took. */
  timing: Timing;
  /** The limit reached, when the run ended with `budget_exceeded`. */
  budgetStop?: BudgetStop;
}

/**
 * An event of a managed agent's run, as its manager's stream carries it
 * while the managed agent works on a task the manager gave it. Wrapping keeps
 * the managed run's `final_answer` and `run_end` apart from the manager's own.
 * When the managed agent manages agents in turn, their events arrive wrapped
 * twice: the nesting depth is the number of wrappers.
 */
export interface ManagedAgentEvent {
  /** Discriminant. */
  type: "managed_agent_event";
  /** The manager's step during which the managed agent ran. */
  stepNumber: number;
  /** The managed agent's name (the name the manager calls it by). */
  agentName: string;
  /** The managed agent's event. */
  event: AgentEvent;
}

/**
 * Everything an agent run reports, in order. A run yields `run_start`, then
 * for each step `planning` (when due), `step_start`, `model_stream_delta`*,
 * `model_output`, the action's events, `step_end`; then `final_answer` and
 * `run_end`. While a managed agent works for the run, its events arrive as
 * they happen, each wrapped in a `managed_agent_event`.
 *
 * @example Rendering events by type
 * ```ts
 * import type { AgentEvent } from "@smoldeno/agents";
 *
 * function describe(event: AgentEvent): string {
 *   switch (event.type) {
 *     case "step_start":
 *       return `Step ${event.stepNumber}`;
 *     case "final_answer":
 *       return `Answer: ${String(event.output)}`;
 *     default:
 *       return event.type;
 *   }
 * }
 * console.log(describe({ type: "step_start", stepNumber: 1, maxSteps: 5 })); // "Step 1"
 * ```
 */
export type AgentEvent =
  | RunStartEvent
  | StepStartEvent
  | ModelStreamDeltaEvent
  | ModelOutputEvent
  | PlanningEvent
  | CodeActionEvent
  | CodeOutputEvent
  | ToolCallEvent
  | ToolResultEvent
  | ObservationEvent
  | ErrorEvent
  | StepEndEvent
  | FinalAnswerEvent
  | RunEndEvent
  | ManagedAgentEvent;

/** The `type` tags of {@linkcode AgentEvent}. */
export type AgentEventType = AgentEvent["type"];
