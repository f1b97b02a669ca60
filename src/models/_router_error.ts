// What a router's failures are: the error when every deployment failed, and
// the rule that decides which failures move a call to the next deployment.

import { AgentGenerationError } from "../errors.ts";
import { isRetryableStatus } from "./_retry.ts";
import type { RouteFailure } from "./_router_types.ts";

/**
 * Every deployment failed a call with an error that merits a fallback.
 * `failures` says what each one said, in the order they were tried; `status`
 * is the last one's.
 *
 * @example Reading what each deployment said
 * ```ts
 * import { RouterError } from "@smoldeno/agents/models/router";
 *
 * const error = new RouterError('All 2 deployments of "router" failed', {
 *   failures: [
 *     { deployment: "a", status: 503, message: "overloaded" },
 *     { deployment: "b", message: "connection refused" },
 *   ],
 * });
 * console.log(error.failures.map((failure) => failure.deployment)); // ["a", "b"]
 * ```
 */
export class RouterError extends AgentGenerationError {
  /** What each deployment tried said. */
  readonly failures: readonly RouteFailure[];
  /** Creates a router error. */
  constructor(message: string, options: ErrorOptions & { failures: readonly RouteFailure[] }) {
    super(message, { cause: options.cause, status: options.failures.at(-1)?.status });
    this.name = "RouterError";
    this.failures = options.failures;
  }
}

/**
 * The default fallback rule (see {@linkcode RouterModelOptions.shouldFallBack}).
 *
 * @example
 * ```ts
 * import { isFallbackError } from "@smoldeno/agents/models/router";
 * import { AgentGenerationError } from "@smoldeno/agents";
 *
 * console.log(isFallbackError(new AgentGenerationError("busy", { status: 429 }))); // true
 * console.log(isFallbackError(new AgentGenerationError("bad key", { status: 401 }))); // false
 * ```
 */
export function isFallbackError(error: unknown): boolean {
  if (error instanceof AgentGenerationError) {
    return error.status === undefined || isRetryableStatus(error.status);
  }
  return error instanceof Error && error.name === "TimeoutError";
}
