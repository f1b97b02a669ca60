/**
 * Typed errors raised while an agent runs. Each carries structured fields so
 * callers (and the agent loop) never need to parse an error message, and none
 * of them logs or has any other side effect when constructed.
 *
 * @module
 */

/**
 * Base class of every error an agent run can produce.
 *
 * @example Catching any agent error
 * ```ts
 * import { AgentError, AgentParsingError } from "@smoldeno/agents";
 *
 * const err: unknown = new AgentParsingError("No code block found in the reply");
 * console.log(err instanceof AgentError); // true
 * ```
 */
export class AgentError extends Error {
  /** Creates an agent error with a message and an optional cause. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "AgentError";
  }
}

/**
 * The model's reply could not be turned into an action (no code block, invalid
 * JSON tool call, …). The agent shows it to the model, which retries.
 *
 * @example
 * ```ts
 * import { AgentParsingError } from "@smoldeno/agents";
 *
 * const err = new AgentParsingError("No code block found", { reply: "Sure! Here it is." });
 * console.log(err.reply); // "Sure! Here it is."
 * ```
 */
export class AgentParsingError extends AgentError {
  /** The raw model output that failed to parse, when known. */
  readonly reply?: string;
  /** Creates a parsing error. */
  constructor(message: string, options?: ErrorOptions & { reply?: string }) {
    super(message, options);
    this.name = "AgentParsingError";
    this.reply = options?.reply;
  }
}

/** How a code execution failed; the agent never classifies errors by their text. */
export type ExecutionErrorKind =
  | "syntax"
  | "runtime"
  | "permission"
  | "timeout"
  | "memory"
  | "import"
  | "crashed";

/**
 * What a denied step asked for, parsed from Deno's own message: one
 * permission, and its target when Deno named one (`"api.example.com:443"`
 * for net, a path for read and write, a variable for env, a program for run).
 * The narrowest grant that would have allowed it is exactly this target.
 * Model code can raise such an error on purpose: a request says what the
 * code asked for, never that it needs it.
 */
export interface PermissionRequest {
  /**
   * The Deno permission (`"net"`, `"read"`, `"write"`, `"env"`, `"sys"`, `"run"`, `"ffi"`), or
   * `"import"` for a module outside the executor's authorized imports (the target is its specifier).
   */
  permission: string;
  /** What it was asked for, as Deno printed it; absent when Deno named nothing. */
  target?: string;
  /** Deno's message, as the code received it. */
  message: string;
}

/** Options of {@linkcode AgentExecutionError}. */
export interface AgentExecutionErrorOptions extends ErrorOptions {
  /** What kind of failure this is. Defaults to `"runtime"`. */
  kind?: ExecutionErrorKind;
  /** What the code printed before it failed. */
  logs?: string;
  /** The Deno permission that was denied (`"net"`, `"read"`, …), for `kind: "permission"`. */
  permission?: string;
  /** What exactly was denied, for `kind: "permission"`, when Deno's message says it. */
  permissionRequest?: PermissionRequest;
  /** 1-based line in the executed code, when known. */
  line?: number;
  /** 1-based column in the executed code, when known. */
  column?: number;
  /** True when the sandbox was restarted and the variables of earlier steps are gone. */
  stateLost?: boolean;
}

/**
 * Running the model's code failed. `kind` says how; `logs` keeps what the code
 * printed before the failure.
 *
 * @example
 * ```ts
 * import { AgentExecutionError } from "@smoldeno/agents";
 *
 * const err = new AgentExecutionError('Requires net access to "example.com"', {
 *   kind: "permission",
 *   permission: "net",
 *   logs: "fetching…\n",
 * });
 * console.log(err.kind, err.permission); // "permission" "net"
 * ```
 */
export class AgentExecutionError extends AgentError {
  /** What kind of failure this is. */
  readonly kind: ExecutionErrorKind;
  /** What the code printed before it failed. */
  readonly logs: string;
  /** The denied Deno permission, for `kind: "permission"`. */
  readonly permission?: string;
  /** What exactly was denied, for `kind: "permission"`, when Deno's message says it. */
  readonly permissionRequest?: PermissionRequest;
  /** 1-based line in the executed code, when known. */
  readonly line?: number;
  /** 1-based column in the executed code, when known. */
  readonly column?: number;
  /** True when the sandbox was restarted and earlier state is gone. */
  readonly stateLost: boolean;
  /** Creates an execution error. */
  constructor(message: string, options: AgentExecutionErrorOptions = {}) {
    super(message, options);
    this.name = "AgentExecutionError";
    this.kind = options.kind ?? "runtime";
    this.logs = options.logs ?? "";
    this.permission = options.permission;
    this.permissionRequest = options.permissionRequest;
    this.line = options.line;
    this.column = options.column;
    this.stateLost = options.stateLost ?? false;
  }
}

/**
 * A tool was called with arguments that do not match its inputs (unknown key,
 * missing required input, wrong type). The message says what was expected.
 *
 * @example
 * ```ts
 * import { AgentToolCallError } from "@smoldeno/agents";
 *
 * const err = new AgentToolCallError('Missing required input "city"', { toolName: "get_weather" });
 * console.log(err.toolName); // "get_weather"
 * ```
 */
export class AgentToolCallError extends AgentError {
  /** The tool that was called. */
  readonly toolName: string;
  /** Creates a tool-call error. */
  constructor(message: string, options: ErrorOptions & { toolName: string }) {
    super(message, options);
    this.name = "AgentToolCallError";
    this.toolName = options.toolName;
  }
}

/**
 * A tool was called correctly but threw while running. `cause` holds the
 * original error.
 *
 * @example
 * ```ts
 * import { AgentToolExecutionError } from "@smoldeno/agents";
 *
 * const err = new AgentToolExecutionError('Tool "get_weather" failed: timeout', {
 *   toolName: "get_weather",
 *   cause: new Error("timeout"),
 * });
 * console.log(err.toolName); // "get_weather"
 * ```
 */
export class AgentToolExecutionError extends AgentError {
  /** The tool that failed. */
  readonly toolName: string;
  /** Creates a tool-execution error. */
  constructor(message: string, options: ErrorOptions & { toolName: string }) {
    super(message, options);
    this.name = "AgentToolExecutionError";
    this.toolName = options.toolName;
  }
}

/**
 * The agent reached `maxSteps` without a final answer.
 *
 * @example
 * ```ts
 * import { AgentMaxStepsError } from "@smoldeno/agents";
 *
 * const err = new AgentMaxStepsError("Reached max steps: 10", { maxSteps: 10 });
 * console.log(err.maxSteps); // 10
 * ```
 */
export class AgentMaxStepsError extends AgentError {
  /** The step limit that was reached. */
  readonly maxSteps: number;
  /** Creates a max-steps error. */
  constructor(message: string, options: ErrorOptions & { maxSteps: number }) {
    super(message, options);
    this.name = "AgentMaxStepsError";
    this.maxSteps = options.maxSteps;
  }
}

/**
 * The model could not produce a reply (HTTP error, network failure, bad
 * credentials). Unlike other agent errors it ends the run: retrying the same
 * prompt would not help.
 *
 * @example
 * ```ts
 * import { AgentGenerationError } from "@smoldeno/agents";
 *
 * const err = new AgentGenerationError("Model request failed: 401 invalid api key", { status: 401 });
 * console.log(err.status); // 401
 * ```
 */
export class AgentGenerationError extends AgentError {
  /** The HTTP status of the provider's response, when there was one. */
  readonly status?: number;
  /** Creates a generation error. */
  constructor(message: string, options?: ErrorOptions & { status?: number }) {
    super(message, options);
    this.name = "AgentGenerationError";
    this.status = options?.status;
  }
}

/** The budget limit a run reached, for `state: "budget_exceeded"`. */
export interface BudgetStop {
  /** Which limit: tokens, cost or duration. */
  limit: "maxTokens" | "maxCostUsd" | "maxDurationMs";
  /** The limit's value. */
  max: number;
  /** How much the run had used when it stopped (tokens, US dollars or ms). */
  used: number;
}

/**
 * A run reached a limit of its budget (`maxTokens`, `maxCostUsd`,
 * `maxDurationMs`) and stopped cleanly. `run()` rejects with it; with
 * `returnFullResult` the result says the same (`state: "budget_exceeded"`).
 *
 * @example
 * ```ts
 * import { AgentBudgetError } from "@smoldeno/agents";
 *
 * const err = new AgentBudgetError({ limit: "maxTokens", max: 1000, used: 1100 });
 * console.log(err.budgetStop.limit, err.message); // "maxTokens" "The run stopped at its budget: …"
 * ```
 */
export class AgentBudgetError extends AgentError {
  /** Which limit was reached, and how much had been used. */
  readonly budgetStop: BudgetStop;
  /** Creates a budget error. */
  constructor(budgetStop: BudgetStop, options?: ErrorOptions) {
    const unit = budgetStop.limit === "maxCostUsd"
      ? ` US dollars (used ${budgetStop.used.toFixed(4)})`
      : budgetStop.limit === "maxDurationMs"
      ? ` ms (used ${Math.round(budgetStop.used)})`
      : ` tokens (used ${budgetStop.used})`;
    super(
      `The run stopped at its budget: ${budgetStop.limit} is ${budgetStop.max}${unit}`,
      options,
    );
    this.name = "AgentBudgetError";
    this.budgetStop = budgetStop;
  }
}
