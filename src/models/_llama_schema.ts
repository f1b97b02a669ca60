// The JSON a local model must write for tool calls and structured output,
// as the subset of JSON Schema that node-llama-cpp turns into a grammar:
// whatever the weights, the sampler can only produce text that parses and
// fits. Also the prompt text that tells the model about its tools.

import { type Tool, toolToJsonSchema } from "../tool.ts";
import type { ToolChoice } from "./model.ts";

/** A schema node node-llama-cpp's grammar builder accepts. */
export type GrammarSchema = Record<string, unknown>;

const BASIC_TYPES = new Set(["string", "number", "integer", "boolean", "null", "object", "array"]);

/**
 * Converts a JSON schema to the grammar subset: `type` lists and `anyOf`
 * become `oneOf`, `nullable` adds `null`, untyped values may be any scalar,
 * and keywords the grammar builder does not know are dropped. Every object
 * property becomes required (the builder's rule): optional inputs get a
 * `null`, which tools read as absent.
 */
export function toGrammarSchema(schema: unknown): GrammarSchema {
  if (schema === null || typeof schema !== "object" || Array.isArray(schema)) return anyScalar();
  const s = schema as Record<string, unknown>;
  if ("const" in s) return { const: s.const };
  if (Array.isArray(s.enum)) return { enum: [...s.enum] };
  const alternatives = (s.oneOf ?? s.anyOf) as unknown[] | undefined;
  if (Array.isArray(alternatives)) return { oneOf: alternatives.map(toGrammarSchema) };
  const types = (Array.isArray(s.type) ? s.type : s.type === undefined ? [] : [s.type])
    .filter((t): t is string => typeof t === "string" && BASIC_TYPES.has(t));
  if (s.nullable === true && types.length && !types.includes("null")) types.push("null");
  if (types.length === 0) return s.properties ? objectSchema(s) : anyScalar();
  const nodes = types.map((type) => typedSchema(type, s));
  return nodes.length === 1 ? nodes[0] : { oneOf: nodes };
}

function typedSchema(type: string, s: Record<string, unknown>): GrammarSchema {
  if (type === "object") return objectSchema(s);
  if (type === "array") return { type: "array", items: toGrammarSchema(s.items ?? {}) };
  return { type };
}

function objectSchema(s: Record<string, unknown>): GrammarSchema {
  const properties = s.properties as Record<string, unknown> | undefined;
  if (!properties || Object.keys(properties).length === 0) {
    return { type: "object", additionalProperties: true };
  }
  const required = new Set(Array.isArray(s.required) ? s.required : []);
  const out: Record<string, GrammarSchema> = {};
  for (const [name, value] of Object.entries(properties)) {
    const node = toGrammarSchema(value);
    out[name] = required.has(name) || isNullable(node) ? node : { oneOf: [node, { type: "null" }] };
  }
  return { type: "object", properties: out };
}

function isNullable(node: GrammarSchema): boolean {
  if (node.type === "null") return true;
  return Array.isArray(node.oneOf) && node.oneOf.some((n) => (n as GrammarSchema).type === "null");
}

function anyScalar(): GrammarSchema {
  return {
    oneOf: [{ type: "string" }, { type: "number" }, { type: "boolean" }, { type: "null" }],
  };
}

/**
 * The reply the model must write when it has tools: one call,
 * `{"name": …, "arguments": {…}}`, whose arguments fit that tool's inputs;
 * with `toolChoice: "auto"`, a plain answer `{"content": "…"}` is allowed too.
 */
export function toolCallSchema(tools: readonly Tool[], choice: ToolChoice): GrammarSchema {
  const chosen = typeof choice === "object" ? tools.filter((t) => t.name === choice.name) : tools;
  if (chosen.length === 0) {
    const name = (choice as { name: string }).name;
    throw new TypeError(
      `Invalid toolChoice: no tool is named ${JSON.stringify(name)}; the tools are ${
        tools.map((t) => JSON.stringify(t.name)).join(", ")
      }`,
    );
  }
  const calls = chosen.map((tool) => ({
    type: "object",
    properties: {
      name: { const: tool.name },
      arguments: toGrammarSchema(toolToJsonSchema(tool).function.parameters),
    },
  }));
  if (choice === "auto") {
    calls.push({ type: "object", properties: { content: { type: "string" } } } as never);
  }
  return calls.length === 1 ? calls[0] : { oneOf: calls };
}

/** The system-prompt text that lists the tools and the reply format. */
export function toolsPrompt(tools: readonly Tool[], choice: ToolChoice): string {
  const lines = tools.map((tool) => {
    const { parameters } = toolToJsonSchema(tool).function;
    return `- ${tool.name}: ${tool.description}\n  arguments: ${JSON.stringify(parameters)}`;
  });
  const answer = choice === "auto"
    ? ', or {"content": "<your answer>"} to answer without a tool'
    : "";
  return `You can call these tools:\n${lines.join("\n")}\n\n` +
    `Reply with one tool call as JSON: {"name": "<tool name>", "arguments": {…}}${answer}.`;
}

/** What a grammar-constrained reply meant: a call, or (with "auto") a plain answer. */
export type ParsedToolReply =
  | { kind: "call"; name: string; arguments: Record<string, unknown> }
  | { kind: "content"; content: string };

/** Reads a reply written under {@linkcode toolCallSchema}; throws a SyntaxError when cut short. */
export function parseToolReply(text: string): ParsedToolReply {
  const value = JSON.parse(text) as Record<string, unknown>;
  if (typeof value.name === "string") {
    const args = value.arguments;
    return {
      kind: "call",
      name: value.name,
      arguments: args !== null && typeof args === "object" && !Array.isArray(args)
        ? args as Record<string, unknown>
        : {},
    };
  }
  return { kind: "content", content: String(value.content ?? "") };
}
