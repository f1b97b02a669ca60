// Turns what an MCP server describes and returns into smoldeno terms: tool
// names into identifiers, JSON-schema inputs into ToolInputs, and call
// results into values an agent can use (text, structured data, media).

import type { ToolInput, ToolInputs, ToolValueType } from "../src/tool.ts";
import type { AudioValue, ImageValue } from "../src/media.ts";

/** A tool as an MCP server lists it (the fields smoldeno reads). */
export interface McpToolDefinition {
  name: string;
  title?: string;
  description?: string;
  inputSchema: JsonSchema;
  outputSchema?: JsonSchema;
}

/** A JSON schema, read loosely: servers write them by hand or generate them. */
export type JsonSchema = Record<string, unknown>;

/** One content block of an MCP tool result. */
export type McpContentBlock = { type: string; [key: string]: unknown };

/** An MCP `tools/call` result (the fields smoldeno reads). */
export interface McpCallResult {
  content?: McpContentBlock[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

/** An embedded resource from a tool result. */
export interface McpResourceValue {
  /** Discriminant. */
  type: "resource";
  /** The resource's URI. */
  uri: string;
  /** Its MIME type, when the server gave one. */
  mimeType?: string;
  /** Its content, for text resources. */
  text?: string;
  /** Its bytes, for binary resources that are neither images nor audio. */
  data?: Uint8Array;
}

/** A link to a resource the server can serve later. */
export interface McpResourceLinkValue {
  /** Discriminant. */
  type: "resource_link";
  /** The resource's URI. */
  uri: string;
  /** Its name. */
  name: string;
  /** What it is, when the server said. */
  description?: string;
  /** Its MIME type, when the server gave one. */
  mimeType?: string;
}

// Names a tool cannot take: reserved words, and the globals the sandbox's code
// relies on (the same list the core's tool validation enforces).
const RESERVED = new Set(
  ("await break case catch class const continue debugger default delete do else enum export " +
    "extends false finally for function if implements import in instanceof interface let new null " +
    "package private protected public return static super switch this throw true try typeof var " +
    "void while with yield arguments eval undefined NaN Infinity globalThis console Deno Promise " +
    "JSON Math Object Array String Number Boolean Symbol BigInt Error Function Reflect Proxy Date " +
    "RegExp Map Set")
    .split(" "),
);

/** Longest tool name native tool-calling APIs accept. */
const MAX_NAME_LENGTH = 64;

function sanitize(name: string): string {
  let id = name.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").replace(/[^A-Za-z0-9_]/g, "_");
  if (id === "") id = "_";
  if (/^[0-9]/.test(id)) id = `_${id}`;
  return id;
}

/**
 * Makes a tool name usable as a JavaScript function name and a
 * function-calling name: `get-sum` → `get_sum`, `2fa.check` → `_2fa_check`,
 * `delete` → `delete_`; at most 64 characters.
 */
export function toIdentifier(name: string, prefix = ""): string {
  let id = sanitize(prefix + name).slice(0, MAX_NAME_LENGTH);
  if (RESERVED.has(id)) id = `${id}_`;
  return id;
}

/** Makes an input name an identifier; `used` avoids two inputs getting the same one. */
function toInputName(name: string, used: Set<string>): string {
  const base = sanitize(name);
  let id = base;
  for (let i = 2; used.has(id); i++) id = `${base}_${i}`;
  used.add(id);
  return id;
}

const JSON_TYPES: Record<string, ToolValueType> = {
  string: "string",
  number: "number",
  integer: "integer",
  boolean: "boolean",
  array: "array",
  object: "object",
  null: "null",
};

/** Follows a local `$ref` (`#/$defs/X`, `#/definitions/X`); other refs are left as they are. */
function resolveRef(schema: JsonSchema, root: JsonSchema, depth = 0): JsonSchema {
  const ref = schema.$ref;
  if (typeof ref !== "string" || !ref.startsWith("#/") || depth > 20) return schema;
  let target: unknown = root;
  for (const part of ref.slice(2).split("/")) {
    target = (target as Record<string, unknown> | undefined)?.[
      part.replace(/~1/g, "/").replace(/~0/g, "~")
    ];
  }
  if (typeof target !== "object" || target === null) return schema;
  const { $ref: _, ...rest } = schema;
  return resolveRef({ ...(target as JsonSchema), ...rest }, root, depth + 1);
}

/** Inlines local refs throughout a schema so it stands alone in `items` or `properties`. */
function inlineRefs(value: unknown, root: JsonSchema, depth = 0): unknown {
  if (depth > 20 || typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => inlineRefs(v, root, depth + 1));
  const resolved = resolveRef(value as JsonSchema, root);
  return Object.fromEntries(
    Object.entries(resolved).map(([k, v]) => [k, inlineRefs(v, root, depth + 1)]),
  );
}

/** The JSON types a schema accepts, looking through `anyOf`/`oneOf` and enums. */
function schemaTypes(schema: JsonSchema, root: JsonSchema): string[] {
  const s = resolveRef(schema, root);
  const types = new Set<string>();
  if (typeof s.type === "string") types.add(s.type);
  if (Array.isArray(s.type)) { for (const t of s.type) types.add(String(t)); }
  for (const key of ["anyOf", "oneOf"] as const) {
    const variants = s[key];
    if (Array.isArray(variants)) {
      for (const variant of variants) {
        for (const t of schemaTypes(variant as JsonSchema, root)) types.add(t);
      }
    }
  }
  if (types.size === 0) {
    const values = Array.isArray(s.enum) ? s.enum : "const" in s ? [s.const] : [];
    for (const v of values) {
      types.add(v === null ? "null" : Array.isArray(v) ? "array" : typeof v);
    }
  }
  return [...types];
}

/** The `anyOf`/`oneOf` variant that is not `null`, when there is exactly one. */
function nonNullVariant(schema: JsonSchema, root: JsonSchema): JsonSchema {
  for (const key of ["anyOf", "oneOf"] as const) {
    const variants = schema[key];
    if (!Array.isArray(variants)) continue;
    const rest = variants.filter((v) =>
      !schemaTypes(v as JsonSchema, root).every((t) => t === "null")
    );
    if (rest.length === 1) return { ...resolveRef(rest[0] as JsonSchema, root), ...schema };
  }
  return schema;
}

/** Converts one property schema of an MCP input schema. */
function toInput(name: string, raw: JsonSchema, required: boolean, root: JsonSchema): ToolInput {
  const schema = nonNullVariant(resolveRef(raw, root), root);
  const types = schemaTypes(schema, root);
  const nonNull = [...new Set(types.map((t) => JSON_TYPES[t] ?? "any"))].filter((t) =>
    t !== "null"
  );
  const type: ToolInput["type"] = nonNull.length === 0 || nonNull.includes("any")
    ? "any"
    : nonNull.length === 1
    ? nonNull[0]
    : nonNull;
  let description = typeof schema.description === "string"
    ? schema.description
    : typeof schema.title === "string"
    ? schema.title
    : `The ${name} argument`;
  if ("default" in schema) description += ` (default: ${JSON.stringify(schema.default)})`;
  const input: ToolInput & { -readonly [K in keyof ToolInput]: ToolInput[K] } = {
    type,
    description,
  };
  if (!required || types.includes("null")) input.nullable = true;
  const values = Array.isArray(schema.enum) ? schema.enum : "const" in schema ? [schema.const] : [];
  // Only values of the input's own type: a mismatched enum would be rejected as a bad definition.
  const enumValues = values.filter((v): v is string | number =>
    type === "any" || (typeof v === "string" && nonNull.includes("string")) ||
    (typeof v === "number" && (nonNull.includes("number") ||
      (Number.isInteger(v) && nonNull.includes("integer"))))
  );
  if (enumValues.length > 0) input.enum = enumValues;
  if (nonNull.includes("array") && typeof schema.items === "object" && schema.items !== null) {
    input.items = inlineRefs(schema.items, root) as Record<string, unknown>;
  }
  if (
    nonNull.includes("object") && typeof schema.properties === "object" &&
    schema.properties !== null
  ) {
    input.properties = inlineRefs(schema.properties, root) as Record<string, unknown>;
  }
  return input;
}

/** The inputs of an MCP tool, and the server's names for them. */
export interface ConvertedInputs {
  /** The inputs, keyed by identifier names. */
  inputs: ToolInputs;
  /** Input name → the server's property name, where they differ. */
  renamed: Map<string, string>;
}

/** Converts an MCP tool's `inputSchema` into {@linkcode ToolInputs}. */
export function schemaToInputs(inputSchema: JsonSchema): ConvertedInputs {
  const root = inputSchema;
  const schema = resolveRef(inputSchema, root);
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
  const inputs: ToolInputs = {};
  const renamed = new Map<string, string>();
  const used = new Set<string>();
  for (const [name, property] of Object.entries(properties)) {
    const id = toInputName(name, used);
    if (id !== name) renamed.set(id, name);
    inputs[id] = toInput(name, property ?? {}, required.has(name), root);
  }
  return { inputs, renamed };
}

/**
 * Maps arguments back to the server's property names and drops those set to
 * `null` where the schema does not accept null: for an optional input, null
 * means "not given".
 */
export function toServerArguments(
  args: Record<string, unknown>,
  inputSchema: JsonSchema,
  renamed: ReadonlyMap<string, string>,
): Record<string, unknown> {
  const properties = (resolveRef(inputSchema, inputSchema).properties ?? {}) as Record<
    string,
    JsonSchema
  >;
  const result: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(args)) {
    const key = renamed.get(name) ?? name;
    if (value === undefined) continue;
    if (value === null && !schemaTypes(properties[key] ?? {}, inputSchema).includes("null")) {
      continue;
    }
    result[key] = value;
  }
  return result;
}

function decodeBase64(data: string): Uint8Array {
  return Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
}

/** Converts one content block into a value; unknown block types are passed through. */
export function contentToValue(block: McpContentBlock): unknown {
  switch (block.type) {
    case "text":
      return String(block.text ?? "");
    case "image":
    case "audio": {
      const media = {
        type: block.type,
        mimeType: String(block.mimeType ?? "application/octet-stream"),
        data: decodeBase64(String(block.data ?? "")),
      };
      return media as ImageValue | AudioValue;
    }
    case "resource": {
      const resource = (block.resource ?? {}) as Record<string, unknown>;
      const mimeType = typeof resource.mimeType === "string" ? resource.mimeType : undefined;
      if (typeof resource.blob === "string") {
        const data = decodeBase64(resource.blob);
        if (mimeType?.startsWith("image/")) return { type: "image", mimeType, data } as ImageValue;
        if (mimeType?.startsWith("audio/")) return { type: "audio", mimeType, data } as AudioValue;
        const value: McpResourceValue = { type: "resource", uri: String(resource.uri) };
        // Text sent base64-encoded is still text: the model can read it.
        if (mimeType && /^text\/|[/+](json|xml)$/.test(mimeType)) {
          value.text = new TextDecoder().decode(data);
        } else value.data = data;
        if (mimeType) value.mimeType = mimeType;
        return value;
      }
      const value: McpResourceValue = {
        type: "resource",
        uri: String(resource.uri),
        text: String(resource.text ?? ""),
      };
      if (mimeType) value.mimeType = mimeType;
      return value;
    }
    case "resource_link": {
      const link: McpResourceLinkValue = {
        type: "resource_link",
        uri: String(block.uri),
        name: String(block.name ?? block.uri),
      };
      if (typeof block.description === "string") link.description = block.description;
      if (typeof block.mimeType === "string") link.mimeType = block.mimeType;
      return link;
    }
    default:
      return block;
  }
}

/**
 * The value of a successful call: `structuredContent` when present and
 * wanted, else the content — a string when it is all text, the single value
 * when there is one block, an array of values otherwise.
 */
export function resultToValue(result: McpCallResult, structuredOutput: boolean): unknown {
  if (structuredOutput && result.structuredContent !== undefined) return result.structuredContent;
  const values = (result.content ?? []).map(contentToValue);
  if (values.every((v) => typeof v === "string")) return values.join("\n");
  return values.length === 1 ? values[0] : values;
}

/** The message of an error result: its text blocks, or a note that it had none. */
export function errorResultMessage(result: McpCallResult): string {
  const texts = (result.content ?? [])
    .filter((block) => block.type === "text")
    .map((block) => String(block.text ?? ""));
  return texts.join("\n").trim() || "the server returned an error without a message";
}
