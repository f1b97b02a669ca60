/**
 * Tools: what an agent can call. A tool is any object satisfying
 * {@linkcode Tool}; {@linkcode tool} builds one from a schema and a function
 * and infers the function's argument type from the schema.
 *
 * @module
 */

/** The value types a tool input or output can have. */
export type ToolValueType =
  | "string"
  | "boolean"
  | "integer"
  | "number"
  | "image"
  | "audio"
  | "array"
  | "object"
  | "any"
  | "null";

/** Describes one input of a tool. */
export interface ToolInput {
  /** The input's type, or several accepted types. */
  type: ToolValueType | readonly ToolValueType[];
  /** What the input means, shown to the model. */
  description: string;
  /** Whether the input may be omitted or null. */
  nullable?: boolean;
  /** Accepted values, for string or number inputs. */
  enum?: readonly (string | number)[];
  /** JSON schema of the items, for array inputs. */
  items?: Record<string, unknown>;
  /** JSON schema of the properties, for object inputs. */
  properties?: Record<string, unknown>;
}

/** A tool's inputs, keyed by argument name. */
export type ToolInputs = Record<string, ToolInput>;

/** Options of {@linkcode Tool.call}. */
export interface ToolCallOptions {
  /** Cancels the call. */
  signal?: AbortSignal;
}

/**
 * What an agent can call. Object literals can satisfy it; built-in tools are
 * made by {@linkcode tool} or extend {@linkcode BaseTool}.
 */
export interface Tool {
  /** Name seen by the model: a valid identifier, snake_case by convention. */
  readonly name: string;
  /** What the tool does, shown to the model. */
  readonly description: string;
  /** The tool's inputs. */
  readonly inputs: ToolInputs;
  /** The type of what the tool returns. */
  readonly outputType: ToolValueType;
  /** JSON schema of the output, for structured outputs. */
  readonly outputSchema?: Record<string, unknown>;
  /** Validates `args` against `inputs` (throwing `AgentToolCallError`), then runs the tool. */
  call(args: Record<string, unknown>, options?: ToolCallOptions): Promise<unknown>;
}
