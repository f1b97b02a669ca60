// The errors of the browser tools: one for the session (the browser cannot
// start or is gone), one for a tool call the model made (an observation).

import { AgentError, AgentToolExecutionError } from "../src/errors.ts";

/**
 * The browser could not be started or reached, or the session is closed.
 * A programmer-facing failure: it is thrown by {@linkcode BrowserSession}
 * methods, not shown to the model.
 *
 * @example
 * ```ts
 * import { BrowserError } from "@smoldeno/agents/tools/browser";
 *
 * const err = new BrowserError("Cannot start Chromium: not found", { reason: "launch" });
 * console.log(err.reason); // "launch"
 * ```
 */
export class BrowserError extends AgentError {
  /** What went wrong: `launch`, `connect` or `closed`. */
  readonly reason: "launch" | "connect" | "closed";
  /** Creates a browser error. */
  constructor(
    message: string,
    options: ErrorOptions & { reason: BrowserError["reason"] },
  ) {
    super(message, options);
    this.name = "BrowserError";
    this.reason = options.reason;
  }
}

/** Why a browser action failed, for {@linkcode BrowserToolError.reason}. */
export type BrowserToolErrorReason =
  | "not_found"
  | "timeout"
  | "blocked"
  | "invalid"
  | "navigation"
  | "closed";

/**
 * A browser tool could not do what the model asked (no such element, a
 * navigation that timed out, a blocked host). The agent shows the message
 * to the model as the step's error, so it can try something else.
 *
 * @example
 * ```ts
 * import { BrowserToolError } from "@smoldeno/agents/tools/browser";
 *
 * const err = new BrowserToolError('No element matches "Buy"', {
 *   toolName: "click",
 *   reason: "not_found",
 * });
 * console.log(err.toolName, err.reason); // "click" "not_found"
 * ```
 */
export class BrowserToolError extends AgentToolExecutionError {
  /** What kind of failure this is. */
  readonly reason: BrowserToolErrorReason;
  /** Creates a browser tool error. */
  constructor(
    message: string,
    options: ErrorOptions & { toolName: string; reason: BrowserToolErrorReason },
  ) {
    super(message, options);
    this.name = "BrowserToolError";
    this.reason = options.reason;
  }
}
