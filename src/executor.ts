/**
 * The contract every code executor implements. The CodeAgent talks only to
 * this interface; `DenoExecutor` is the default, Docker and E2B executors are
 * interchangeable implementations.
 *
 * @module
 */

import type { PermissionRequest } from "./errors.ts";
import type { Tool } from "./tool.ts";

/**
 * The answer to a {@linkcode PermissionRequest}: `"deny"` (the step fails as
 * before), `"once"` (granted to this sandbox, for the rest of the run) or
 * `"always"` (also granted to the sandboxes of later runs).
 */
export type PermissionDecision = "deny" | "once" | "always";

/**
 * Decides a permission request of a step's code. It may ask a person; it is
 * given up on after the executor's `permissionRequestTimeoutMs` (a denial),
 * and a handler that throws denies too.
 */
export type PermissionRequestHandler = (
  request: PermissionRequest,
  options: { signal: AbortSignal },
) => PermissionDecision | Promise<PermissionDecision>;

/** What one `execute` call produced. */
export interface CodeOutput {
  /** The value of the last expression, or the argument of `final_answer`. */
  output: unknown;
  /** Everything the code printed, in order, truncated to the executor's limit. */
  logs: string;
  /** True when the code called `final_answer`. */
  isFinalAnswer: boolean;
}

/** Options of {@linkcode Executor.execute}. */
export interface ExecuteOptions {
  /** Cancels the execution; the sandbox is killed and restarted on next use. */
  signal?: AbortSignal;
}

/**
 * Runs model-written code. Tools stay on the host: the sandbox calls them over
 * a channel owned by the executor.
 *
 * `execute` rejects with `AgentExecutionError` (with a typed `kind` and the
 * partial `logs`) when the code fails; after any failure the executor is
 * usable again.
 */
export interface Executor extends AsyncDisposable {
  /** Makes each tool callable from the code as an async function of the same name. */
  sendTools(tools: Record<string, Tool>): Promise<void>;
  /** Makes each value available to the code as a variable of the same name. */
  sendVariables(variables: Record<string, unknown>): Promise<void>;
  /** Runs one step of code, keeping the state of earlier steps. */
  execute(code: string, options?: ExecuteOptions): Promise<CodeOutput>;
  /** Stops the sandbox and frees everything it holds. Idempotent. */
  close(): Promise<void>;
}
