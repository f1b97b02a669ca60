// Checks tool definitions (programmer mistakes: TypeError) and the arguments
// a model passes (model mistakes: AgentToolCallError, worded for the model).

import { AgentToolCallError } from "./errors.ts";
import { isAudioValue, isImageValue } from "./media.ts";
import type { Tool, ToolInput, ToolValueType } from "./tool_types.ts";

const VALUE_TYPES: ReadonlySet<string> = new Set<ToolValueType>([
  "string",
  "boolean",
  "integer",
  "number",
  "image",
  "audio",
  "array",
  "object",
  "any",
  "null",
]);

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

// A tool becomes a function of the same name in the sandbox, so its name must
// be declarable there and must not hide what every program relies on.
// `final_answer` is deliberately absent: a tool of that name replaces the
// agent's default final-answer tool, as in smolagents.
const RESERVED_NAMES: ReadonlySet<string> = new Set([
  // ECMAScript reserved words, strict-mode ones, and names that cannot be bound.
  ..."await break case catch class const continue debugger default delete do else enum export extends false finally for function if implements import in instanceof interface let new null package private protected public return static super switch this throw true try typeof var void while with yield arguments eval undefined NaN Infinity"
    .split(" "),
  // Globals the sandbox's own code and the model's code depend on.
  ..."globalThis console Deno Promise JSON Math Object Array String Number Boolean Symbol BigInt Error Function Reflect Proxy Date RegExp Map Set"
    .split(" "),
]);

/** The parts of a tool that {@linkcode validateTool} checks. */
export type ToolDefinitionLike = Pick<
  Tool,
  "name" | "description" | "inputs" | "outputType" | "outputSchema"
>;

/**
 * Checks a tool definition, throwing a `TypeError` that names the mistake.
 * {@linkcode tool} and {@linkcode BaseTool} call it at construction; agents
 * can call it on tools given as object literals.
 *
 * The rules: the name is a JavaScript identifier of at most 64 characters
 * (the limit of native tool-calling APIs) that is neither a reserved word
 * nor a global the sandbox needs (`console`, `Deno`, `JSON`, …); `final_answer`
 * is allowed and replaces the agent's default final-answer tool. The
 * description and every input's description are non-empty strings. Input
 * names are identifiers. Types are among `string`, `boolean`, `integer`,
 * `number`, `image`, `audio`, `array`, `object`, `any`, `null`. An input whose
 * types include `null` must say `nullable: true`. `enum` values match the
 * input's type; `items` needs type `array` and `properties` type `object`.
 *
 * @example
 * ```ts
 * import { validateTool } from "@smoldeno/agents";
 *
 * try {
 *   validateTool({ name: "class", description: "x", inputs: {}, outputType: "string" });
 * } catch (error) {
 *   console.log((error as Error).message); // Tool name "class" is a reserved word: …
 * }
 * ```
 *
 * @throws {TypeError} when the definition is invalid.
 */
export function validateTool(tool: ToolDefinitionLike): void {
  if (typeof tool !== "object" || tool === null) {
    throw new TypeError(`Cannot create a tool from ${describeValue(tool)}: expected an object`);
  }
  const { name } = tool;
  if (typeof name !== "string" || !IDENTIFIER.test(name) || name.length > 64) {
    throw new TypeError(
      `Tool name ${
        typeof name === "string" ? `"${name}"` : describeValue(name)
      } is invalid: use letters, digits and underscores, not starting with a digit, at most 64 characters (e.g. "get_weather")`,
    );
  }
  if (RESERVED_NAMES.has(name)) {
    throw new TypeError(
      `Tool name "${name}" is a reserved word or a global the sandbox needs: choose another name, e.g. "${name.toLowerCase()}_tool"`,
    );
  }
  if (typeof tool.description !== "string" || tool.description.trim() === "") {
    throw new TypeError(
      `Tool "${name}" has no description: describe what it does, the model reads it`,
    );
  }
  if (typeof tool.inputs !== "object" || tool.inputs === null || Array.isArray(tool.inputs)) {
    throw new TypeError(
      `Tool "${name}" has invalid inputs ${
        describeValue(tool.inputs)
      }: expected an object keyed by input name ({} for none)`,
    );
  }
  for (const [inputName, input] of Object.entries(tool.inputs)) {
    validateInput(name, inputName, input);
  }
  if (typeof tool.outputType !== "string" || !VALUE_TYPES.has(tool.outputType)) {
    throw new TypeError(
      `Tool "${name}" has invalid outputType ${
        JSON.stringify(tool.outputType)
      }: expected one of ${listTypes()}`,
    );
  }
  if (tool.outputSchema !== undefined && !isPlainObject(tool.outputSchema)) {
    throw new TypeError(
      `Tool "${name}" has an invalid outputSchema: expected a JSON schema object`,
    );
  }
}

function validateInput(toolName: string, inputName: string, input: ToolInput): void {
  const where = `Input "${inputName}" of tool "${toolName}"`;
  if (!IDENTIFIER.test(inputName) || inputName === "__proto__") {
    throw new TypeError(
      `${where} has an invalid name: use letters, digits and underscores, not starting with a digit`,
    );
  }
  if (!isPlainObject(input)) {
    throw new TypeError(`${where} must be an object like { type: "string", description: "…" }`);
  }
  const types = typesOf(input);
  if (types.length === 0) {
    throw new TypeError(`${where} has no type: expected one of ${listTypes()}`);
  }
  for (const type of types) {
    if (typeof type !== "string" || !VALUE_TYPES.has(type)) {
      throw new TypeError(
        `${where} has invalid type ${JSON.stringify(type)}: expected one of ${listTypes()}`,
      );
    }
  }
  if (new Set(types).size !== types.length) {
    throw new TypeError(`${where} lists a type twice: ${JSON.stringify(types)}`);
  }
  if (typeof input.description !== "string" || input.description.trim() === "") {
    throw new TypeError(`${where} has no description: describe it, the model reads it`);
  }
  if (input.nullable !== undefined && typeof input.nullable !== "boolean") {
    throw new TypeError(
      `${where} has nullable ${describeValue(input.nullable)}: expected a boolean`,
    );
  }
  if (types.includes("null") && input.nullable !== true) {
    throw new TypeError(`${where} accepts "null" but is not nullable: add nullable: true`);
  }
  if (input.enum !== undefined) validateEnum(where, types, input.enum);
  if (input.items !== undefined && (!types.includes("array") || !isPlainObject(input.items))) {
    throw new TypeError(`${where} has "items", which needs type "array" and a JSON schema object`);
  }
  if (
    input.properties !== undefined &&
    (!types.includes("object") || !isPlainObject(input.properties))
  ) {
    throw new TypeError(
      `${where} has "properties", which needs type "object" and an object of JSON schemas`,
    );
  }
}

function validateEnum(where: string, types: readonly string[], values: unknown): void {
  if (!Array.isArray(values) || values.length === 0) {
    throw new TypeError(`${where} has an invalid enum: expected a non-empty array of values`);
  }
  for (const value of values) {
    const fits = (typeof value === "string" && types.includes("string")) ||
      (typeof value === "number" && types.includes("number")) ||
      (Number.isInteger(value) && types.includes("integer")) ||
      types.includes("any");
    if (!fits) {
      throw new TypeError(
        `${where} has enum value ${JSON.stringify(value)}, which is not of its type ${
          types.map((t) => `"${t}"`).join(" or ")
        }`,
      );
    }
  }
}

/**
 * Checks the arguments of a call against a tool's inputs, throwing an
 * `AgentToolCallError` worded for the model: which input, what was expected,
 * what was given. A nullable input may be omitted, `undefined` or `null`;
 * an integer is a number; nested `items`/`properties` schemas are shown to the
 * model and checked for their `type`, `enum`, `items`, `properties` and
 * `required` keywords.
 *
 * @example
 * ```ts
 * import { validateToolArgs } from "@smoldeno/agents";
 *
 * const inputs = { city: { type: "string" as const, description: "City name" } };
 * try {
 *   validateToolArgs({ name: "get_weather", inputs }, { town: "Paris" });
 * } catch (error) {
 *   console.log((error as Error).message);
 *   // Tool "get_weather" has no input "town": its inputs are "city"
 * }
 * ```
 *
 * @throws {AgentToolCallError} when the arguments do not match.
 */
export function validateToolArgs(
  tool: Pick<Tool, "name" | "inputs">,
  args: unknown,
): asserts args is Record<string, unknown> {
  const { name, inputs } = tool;
  const inputNames = Object.keys(inputs);
  if (!isPlainObject(args)) {
    const example = inputNames.length === 0
      ? `${name}({})`
      : `${name}({ ${inputNames.map((k) => `${k}: …`).join(", ")} })`;
    throw new AgentToolCallError(
      `Tool "${name}" takes one object of named arguments, got ${
        describeValue(args)
      }: call it as ${example}`,
      { toolName: name },
    );
  }
  for (const key of Object.keys(args)) {
    if (!Object.hasOwn(inputs, key)) {
      throw new AgentToolCallError(
        `Tool "${name}" has no input "${key}": ${
          inputNames.length === 0
            ? "it takes no inputs"
            : `its inputs are ${inputNames.map((k) => `"${k}"`).join(", ")}`
        }`,
        { toolName: name },
      );
    }
  }
  for (const [key, input] of Object.entries(inputs)) {
    const value = args[key];
    if (value === undefined || (value === null && input.nullable === true)) {
      if (input.nullable === true) continue;
      throw new AgentToolCallError(
        `Tool "${name}" is missing required input "${key}": expected ${expected(input)} (${
          oneLine(input.description)
        })`,
        { toolName: name },
      );
    }
    if (!matches(input, value)) {
      throw new AgentToolCallError(
        `Input "${key}" of tool "${name}" must be ${expected(input)}: got ${describeValue(value)}`,
        { toolName: name },
      );
    }
    const nested = Array.isArray(value) && input.items
      ? schemaMismatch({ type: "array", items: input.items }, value, key)
      : isPlainObject(value) && input.properties
      ? schemaMismatch({ type: "object", properties: input.properties }, value, key)
      : undefined;
    if (nested !== undefined) {
      throw new AgentToolCallError(`Input "${key}" of tool "${name}" is invalid: ${nested}`, {
        toolName: name,
      });
    }
  }
}

function matches(input: ToolInput, value: unknown): boolean {
  const typeOk = typesOf(input).some((type) => matchesType(type, value));
  if (!typeOk) return false;
  return input.enum === undefined || input.enum.includes(value as string | number);
}

const JSON_TYPE_PHRASES: Record<string, string> = {
  string: "a string",
  number: "a number",
  integer: "an integer",
  boolean: "a boolean",
  null: "null",
  array: "an array",
  object: "an object",
};

// Checks a value against the subset of JSON schema tools use for nested
// inputs (type, enum, items, properties, required); returns what is wrong at
// which path, or undefined. Other keywords are shown to the model, not enforced.
function schemaMismatch(schema: unknown, value: unknown, path: string): string | undefined {
  if (!isPlainObject(schema)) return undefined;
  const declared: unknown[] = Array.isArray(schema.type) ? schema.type : [schema.type];
  const types = declared.filter((t): t is string =>
    typeof t === "string" && t in JSON_TYPE_PHRASES
  );
  if (types.length > 0 && !types.some((t) => matchesType(t as ToolValueType, value))) {
    return `${path} must be ${types.map((t) => JSON_TYPE_PHRASES[t]).join(" or ")}, got ${
      describeValue(value)
    }`;
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((v) => v === value)) {
    return `${path} must be one of ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}, got ${
      describeValue(value)
    }`;
  }
  if (Array.isArray(value) && schema.items !== undefined) {
    for (const [i, item] of value.entries()) {
      const problem = schemaMismatch(schema.items, item, `${path}[${i}]`);
      if (problem !== undefined) return problem;
    }
  }
  if (isPlainObject(value)) {
    const required = Array.isArray(schema.required) ? schema.required : [];
    for (const key of required) {
      if (typeof key === "string" && value[key] === undefined) return `${path}.${key} is required`;
    }
    if (isPlainObject(schema.properties)) {
      for (const [key, sub] of Object.entries(schema.properties)) {
        if (value[key] === undefined) continue;
        const problem = schemaMismatch(sub, value[key], `${path}.${key}`);
        if (problem !== undefined) return problem;
      }
    }
  }
  return undefined;
}

function matchesType(type: ToolValueType, value: unknown): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "boolean":
      return typeof value === "boolean";
    case "integer":
      return Number.isInteger(value);
    case "number":
      return typeof value === "number" && !Number.isNaN(value);
    case "array":
      return Array.isArray(value);
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value);
    case "null":
      return value === null;
    case "image":
      return isImageValue(value);
    case "audio":
      return isAudioValue(value);
    case "any":
      return value !== undefined;
  }
}

const TYPE_PHRASES: Record<ToolValueType, string> = {
  string: "a string",
  boolean: "a boolean",
  integer: "an integer",
  number: "a number",
  array: "an array",
  object: "an object",
  null: "null",
  image: 'an image ({ type: "image", mimeType, data })',
  audio: 'an audio value ({ type: "audio", mimeType, data })',
  any: "a value",
};

function expected(input: ToolInput): string {
  if (input.enum !== undefined) {
    return `one of ${input.enum.map((v) => JSON.stringify(v)).join(", ")}`;
  }
  return typesOf(input).map((t) => TYPE_PHRASES[t]).join(" or ");
}

function typesOf(input: ToolInput): readonly ToolValueType[] {
  return typeof input.type === "string"
    ? [input.type]
    : Array.isArray(input.type)
    ? input.type
    : [];
}

function listTypes(): string {
  return [...VALUE_TYPES].map((t) => `"${t}"`).join(", ");
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 80 ? `${flat.slice(0, 79)}…` : flat;
}

/** Describes a value in an error message: its kind and a short preview. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "string") {
    return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 39)}…` : value)}`;
  }
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
    return `${typeof value} ${String(value)}`;
  }
  if (Array.isArray(value)) return `an array of ${value.length} items`;
  if (isImageValue(value)) return `an image (${value.mimeType})`;
  if (isAudioValue(value)) return `an audio value (${value.mimeType})`;
  if (value instanceof Uint8Array) return `a Uint8Array of ${value.length} bytes`;
  if (typeof value === "function") return "a function";
  return "an object";
}
