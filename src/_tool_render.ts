// Renders tools for models: as TypeScript declarations (the CodeAgent prompt,
// where the model calls tools as async functions) and as OpenAI-style
// function schemas (native tool calling).

import type { Tool, ToolInput, ToolValueType } from "./tool_types.ts";

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const ONE_LINE_LIMIT = 100;

// Tools' inputs and outputs are not type-checked in the sandbox (types are
// stripped), so `any` reads better to a model than `unknown`, which would
// invite needless casts.
const TS_TYPES: Record<ToolValueType, string> = {
  string: "string",
  boolean: "boolean",
  integer: "number",
  number: "number",
  array: "any[]",
  object: "Record<string, any>",
  null: "null",
  image: '{ type: "image"; mimeType: string; data: Uint8Array }',
  audio: '{ type: "audio"; mimeType: string; data: Uint8Array }',
  any: "any",
};

/**
 * Renders a tool as a TypeScript declaration with JSDoc, the way the
 * CodeAgent prompt shows tools to the model. Optional inputs are optional
 * properties, integer inputs say so in their doc, enums become literal
 * unions, and `items`/`properties`/`outputSchema` become precise types.
 *
 * @example
 * ```ts
 * import { tool, toolToTypeScript } from "@smoldeno/agents";
 *
 * const getWeather = tool({
 *   name: "get_weather",
 *   description: "Weather report for a city.",
 *   inputs: { city: { type: "string", description: "City name" } },
 *   outputType: "string",
 *   forward: ({ city }) => `Sunny in ${city}`,
 * });
 * const declaration = toolToTypeScript(getWeather);
 * console.log(declaration.split("\n").at(-1));
 * // declare function get_weather(args: { city: string }): Promise<string>;
 * console.log(declaration.includes("@param args.city City name")); // true
 * ```
 */
export function toolToTypeScript(tool: Tool): string {
  const doc = [...docLines(tool.description)];
  const entries = Object.entries(tool.inputs);
  if (entries.length > 0) doc.push("");
  for (const [name, input] of entries) {
    const notes = [
      input.nullable ? "Optional." : "",
      typesOf(input).includes("integer") && input.enum === undefined ? "An integer." : "",
    ].filter(Boolean);
    const text = [...notes, input.description.trim()].join(" ");
    const [first, ...rest] = docLines(text);
    doc.push(`@param args.${name} ${first}`, ...rest.map((line) => `  ${line}`));
  }
  const outputDescription = typeof tool.outputSchema?.description === "string"
    ? tool.outputSchema.description
    : undefined;
  if (outputDescription) {
    const [first, ...rest] = docLines(outputDescription);
    doc.push(`@returns ${first}`, ...rest.map((line) => `  ${line}`));
  }
  const comment = ["/**", ...doc.map((line) => (line ? ` * ${line}` : " *")), " */"].join("\n");

  const output = tool.outputSchema
    ? schemaToTypeScript(tool.outputSchema)
    : TS_TYPES[tool.outputType];
  const props = entries.map(([name, input]) =>
    `${propertyKey(name)}${input.nullable ? "?" : ""}: ${inputToTypeScript(input)}`
  );
  const head = `declare function ${tool.name}(`;
  const tail = `): Promise<${output}>;`;
  if (props.length === 0) return `${comment}\n${head}${tail}`;
  const oneLine = `${head}args: { ${props.join("; ")} }${tail}`;
  if (oneLine.length <= ONE_LINE_LIMIT && !oneLine.includes("\n")) return `${comment}\n${oneLine}`;
  return `${comment}\n${head}args: {\n${props.map((p) => `  ${indent(p)};`).join("\n")}\n}${tail}`;
}

/** An OpenAI-style function schema, the form native tool-calling APIs take. */
export interface JsonSchemaTool {
  /** Always `"function"`. */
  type: "function";
  /** The function. */
  function: {
    /** The tool's name. */
    name: string;
    /** What the tool does. */
    description: string;
    /** JSON schema of the argument object. */
    parameters: {
      type: "object";
      properties: Record<string, Record<string, unknown>>;
      required: string[];
      additionalProperties: false;
    };
  };
}

/**
 * Renders a tool as an OpenAI-style function schema for native tool calling.
 * Nullable inputs are left out of `required` and accept `null`; `any` inputs
 * have no type constraint; `image` and `audio` inputs are strings naming a
 * variable that holds the value (the ToolCallingAgent substitutes it), since
 * a model cannot write bytes in JSON.
 *
 * @example
 * ```ts
 * import { tool, toolToJsonSchema } from "@smoldeno/agents";
 *
 * const getWeather = tool({
 *   name: "get_weather",
 *   description: "Weather report for a city.",
 *   inputs: { city: { type: "string", description: "City name" } },
 *   outputType: "string",
 *   forward: ({ city }) => `Sunny in ${city}`,
 * });
 * console.log(toolToJsonSchema(getWeather).function.parameters);
 * // { type: "object", properties: { city: { type: "string", description: "City name" } },
 * //   required: ["city"], additionalProperties: false }
 * ```
 */
export function toolToJsonSchema(tool: Tool): JsonSchemaTool {
  const properties: Record<string, Record<string, unknown>> = {};
  const required: string[] = [];
  for (const [name, input] of Object.entries(tool.inputs)) {
    properties[name] = inputToJsonSchema(input);
    if (!input.nullable) required.push(name);
  }
  return {
    type: "function",
    function: {
      name: tool.name,
      description: tool.description,
      parameters: { type: "object", properties, required, additionalProperties: false },
    },
  };
}

function inputToJsonSchema(input: ToolInput): Record<string, unknown> {
  const types = typesOf(input);
  const media = types.filter((t) => t === "image" || t === "audio");
  const jsonTypes = [
    ...new Set(types.map((t) => (t === "image" || t === "audio" ? "string" : t))),
  ].filter((t) => t !== "any");
  if (input.nullable && !jsonTypes.includes("null")) jsonTypes.push("null");
  const schema: Record<string, unknown> = {};
  // With "any" among the types nothing is excluded, so no type constraint.
  if (!types.includes("any") && jsonTypes.length > 0) {
    schema.type = jsonTypes.length === 1 ? jsonTypes[0] : jsonTypes;
  }
  schema.description = media.length > 0
    ? `${input.description} (${
      media.join(" or ")
    }: pass the name of the variable that holds it, as a string)`
    : input.description;
  if (input.enum !== undefined) {
    schema.enum = input.nullable ? [...input.enum, null] : [...input.enum];
  }
  if (input.items !== undefined) schema.items = structuredClone(input.items);
  if (input.properties !== undefined) schema.properties = structuredClone(input.properties);
  return schema;
}

function inputToTypeScript(input: ToolInput): string {
  if (input.enum !== undefined) return input.enum.map((v) => JSON.stringify(v)).join(" | ");
  const parts = typesOf(input).map((type) => {
    if (type === "array" && input.items) return arrayOf(schemaToTypeScript(input.items));
    if (type === "object" && input.properties) {
      return schemaToTypeScript({ type: "object", properties: input.properties });
    }
    return TS_TYPES[type];
  });
  return union(parts);
}

/** Turns a JSON schema into the TypeScript type a model would expect. */
function schemaToTypeScript(schema: unknown, depth = 0): string {
  if (depth > 8 || typeof schema !== "object" || schema === null) return "any";
  const s = schema as Record<string, unknown>;
  if ("const" in s) return JSON.stringify(s.const) ?? "any";
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
  const variants = Array.isArray(s.anyOf) ? s.anyOf : Array.isArray(s.oneOf) ? s.oneOf : undefined;
  if (variants) return union(variants.map((v) => schemaToTypeScript(v, depth + 1)));
  const types = Array.isArray(s.type) ? s.type : [s.type];
  return union(types.map((type) => {
    switch (type) {
      case "string":
        return "string";
      case "number":
      case "integer":
        return "number";
      case "boolean":
        return "boolean";
      case "null":
        return "null";
      case "array":
        return s.items ? arrayOf(schemaToTypeScript(s.items, depth + 1)) : "any[]";
      case "object": {
        if (typeof s.properties === "object" && s.properties !== null) {
          const required = Array.isArray(s.required) ? s.required : [];
          const props = Object.entries(s.properties).map(([key, value]) =>
            `${propertyKey(key)}${required.includes(key) ? "" : "?"}: ${
              schemaToTypeScript(value, depth + 1)
            }`
          );
          return props.length === 0 ? "Record<string, any>" : `{ ${props.join("; ")} }`;
        }
        if (typeof s.additionalProperties === "object") {
          return `Record<string, ${schemaToTypeScript(s.additionalProperties, depth + 1)}>`;
        }
        return "Record<string, any>";
      }
      default:
        return "any";
    }
  }));
}

function union(parts: string[]): string {
  const unique = [...new Set(parts)];
  return unique.includes("any") ? "any" : unique.join(" | ");
}

function arrayOf(item: string): string {
  return /^[\w.]+(\[\])*$/.test(item) ? `${item}[]` : `Array<${item}>`;
}

function propertyKey(key: string): string {
  return IDENTIFIER.test(key) ? key : JSON.stringify(key);
}

function indent(text: string): string {
  return text.replaceAll("\n", "\n  ");
}

function typesOf(input: ToolInput): readonly ToolValueType[] {
  return typeof input.type === "string" ? [input.type] : input.type;
}

// One JSDoc line per source line; `*/` is escaped so a description cannot end the comment.
function docLines(text: string): string[] {
  return text.trim().replaceAll("*/", "*\\/").split(/\r?\n/).map((line) => line.trimEnd());
}
