/**
 * The vocabulary of tools: the {@linkcode Tool} interface, its input and
 * value types, and the type-level helpers that infer a tool's argument types
 * from its inputs. A leaf: the tool module and its renderer and validator
 * build on it, and it imports only the media value types.
 *
 * @module
 */

import type { AudioValue, ImageValue } from "./media.ts";

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
  /**
   * Whether a call needs a person's approval first (an agent's
   * `onToolApproval` decides): `true`, or a function of the call's arguments
   * (e.g. only deletions). Without `onToolApproval`, such calls are refused.
   */
  readonly requiresApproval?: boolean | ((args: Record<string, unknown>) => boolean);
  /** Validates `args` against `inputs` (throwing `AgentToolCallError`), then runs the tool. */
  call(args: Record<string, unknown>, options?: ToolCallOptions): Promise<unknown>;
}

/** The TypeScript type of the values of one {@linkcode ToolValueType} given to a tool. */
export type ToolValue<T extends ToolValueType> = T extends "string" ? string
  : T extends "boolean" ? boolean
  : T extends "integer" | "number" ? number
  : T extends "array" ? unknown[]
  : T extends "object" ? Record<string, unknown>
  : T extends "null" ? null
  : T extends "image" ? ImageValue
  : T extends "audio" ? AudioValue
  : unknown;

/**
 * The TypeScript type of what a tool with this output type returns. Looser
 * than {@linkcode ToolValue} for objects and arrays so interfaces and readonly
 * arrays can be returned, and for `"null"` so a tool run for its effect may
 * return nothing.
 */
export type ToolOutputValue<T extends ToolValueType> = T extends "array" ? readonly unknown[]
  : T extends "object" ? object
  // A tool run for its effect may simply not return.
  : T extends "null" ? null | void
  : ToolValue<T>;

/** The TypeScript type of the values of one input: its enum members, or its type(s). */
export type ToolInputValue<I extends ToolInput> = I extends { enum: readonly (infer E)[] } ? E
  : I["type"] extends readonly (infer T extends ToolValueType)[] ? ToolValue<T>
  : I["type"] extends ToolValueType ? ToolValue<I["type"]>
  : never;

// `nullable: boolean` (a widened literal) counts as optional: claiming an
// input is always present when it may not be would be the unsafe mistake.
/** The names of the inputs that may be omitted: those with `nullable: true` (or a widened `boolean`). */
export type NullableInputKeys<I extends ToolInputs> = {
  [K in keyof I]: I[K] extends { nullable: false } ? never
    : I[K] extends { nullable: boolean } ? K
    : never;
}[keyof I];

/**
 * The argument object a tool's `forward` receives, inferred from its inputs:
 * nullable inputs become optional properties.
 */
export type ToolArgs<I extends ToolInputs> =
  & { -readonly [K in Exclude<keyof I, NullableInputKeys<I>>]: ToolInputValue<I[K]> }
  & { -readonly [K in NullableInputKeys<I>]?: ToolInputValue<I[K]> | null };
