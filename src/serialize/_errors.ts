// The error of saving and loading agents and tools: a leaf, so the agent and
// tool classes can throw it without importing the loaders.

import { AgentError } from "../errors.ts";

/** What went wrong while saving or loading an agent or a tool. */
export type SerializationErrorKind =
  | "missing_file"
  | "corrupt"
  | "no_tool"
  | "not_self_contained"
  | "unsupported"
  | "import_failed"
  | "not_found"
  | "network";

/** Options of {@linkcode SerializationError}. */
export interface SerializationErrorOptions extends ErrorOptions {
  /** What went wrong. */
  kind: SerializationErrorKind;
  /** The file, folder, URL or repository concerned. */
  path?: string;
}

/**
 * Saving or loading an agent or a tool failed: a missing or corrupt file, a
 * module that exports no tool, a tool that uses names defined outside it, a
 * Hub repository that does not exist. `kind` says which; `path` says where.
 *
 * @example Telling a missing folder from a corrupt one
 * ```ts
 * import { SerializationError } from "@smoldeno/agents/serialize";
 *
 * const error = new SerializationError('Cannot load agent: "agent.json" is missing', {
 *   kind: "missing_file",
 *   path: "./my_agent/agent.json",
 * });
 * console.log(error.kind, error.name); // "missing_file" "SerializationError"
 * ```
 */
export class SerializationError extends AgentError {
  /** What went wrong. */
  readonly kind: SerializationErrorKind;
  /** The file, folder, URL or repository concerned. */
  readonly path?: string;

  /** Creates the error; it has no side effect. */
  constructor(message: string, options: SerializationErrorOptions) {
    super(message, options);
    this.name = "SerializationError";
    this.kind = options.kind;
    if (options.path !== undefined) this.path = options.path;
  }
}
