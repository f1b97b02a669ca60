/**
 * LangChain tools in smoldeno agents, and smoldeno tools in LangChain, via
 * `npm:@langchain/core`. {@linkcode fromLangChain} wraps a LangChain tool
 * (`tool()`, `DynamicStructuredTool`, `DynamicTool`, any `StructuredTool`)
 * so an agent can call it; {@linkcode toLangChainTool} goes the other way.
 * Import from `@smoldeno/agents/langchain`; the main entry point does not
 * load LangChain.
 *
 * @example A LangChain tool in a ToolCallingAgent
 * ```ts
 * import { tool as langchainTool } from "@langchain/core/tools";
 * import { z } from "zod";
 * import { LogLevel, ToolCallingAgent } from "@smoldeno/agents";
 * import { fromLangChain } from "@smoldeno/agents/langchain";
 * import { ScriptedModel } from "@smoldeno/agents/testing";
 *
 * const multiply = langchainTool(({ a, b }) => String(a * b), {
 *   name: "multiply",
 *   description: "Multiplies two numbers.",
 *   schema: z.object({ a: z.number().describe("First"), b: z.number().describe("Second") }),
 * });
 * const model = new ScriptedModel({
 *   replies: [
 *     '{"name": "multiply", "arguments": {"a": 6, "b": 7}}',
 *     '{"name": "final_answer", "arguments": {"answer": "42"}}',
 *   ],
 * });
 * const agent = new ToolCallingAgent({ model, tools: [fromLangChain(multiply)], logLevel: LogLevel.OFF });
 * console.log(await agent.run("6 times 7?")); // "42"
 * ```
 *
 * @module
 */

import { DynamicStructuredTool } from "@langchain/core/tools";
import { toJsonSchema } from "@langchain/core/utils/json_schema";
import { AgentToolExecutionError } from "../src/errors.ts";
import {
  type Tool,
  type ToolCallOptions,
  toolToJsonSchema,
  validateTool,
  validateToolArgs,
} from "../src/tool.ts";
import type { ToolInput, ToolInputs, ToolValueType } from "../src/tool_types.ts";

/** What {@linkcode fromLangChain} needs of a LangChain tool: what every LangChain tool has. */
export interface LangChainToolLike {
  /** The tool's name. */
  name: string;
  /** What the tool does. */
  description: string;
  /** Its input schema: a Zod schema or a JSON schema (absent for a plain string tool). */
  schema?: unknown;
  /** Runs the tool. */
  invoke(input: unknown, config?: { signal?: AbortSignal }): Promise<unknown>;
}

/** Options of {@linkcode fromLangChain}. */
export interface FromLangChainOptions {
  /** The name the model sees (default: the LangChain tool's, made an identifier). */
  name?: string;
}

const TYPES: Record<string, ToolValueType> = {
  string: "string",
  number: "number",
  integer: "integer",
  boolean: "boolean",
  array: "array",
  object: "object",
  null: "null",
};

function inputOf(schema: Record<string, unknown>, name: string, required: boolean): ToolInput {
  const raw = schema.type;
  const anyOf = (schema.anyOf ?? schema.oneOf) as Record<string, unknown>[] | undefined;
  let types: ToolValueType[] = [];
  let nullable = !required;
  const collect = (t: unknown) => {
    if (t === "null") nullable = true;
    else if (typeof t === "string" && TYPES[t]) types.push(TYPES[t]);
  };
  if (Array.isArray(raw)) raw.forEach(collect);
  else collect(raw);
  if (anyOf) { for (const option of anyOf) collect(option?.type); }
  types = [...new Set(types)];
  const input: ToolInput = {
    type: types.length === 0 ? "any" : types.length === 1 ? types[0] : types,
    description: typeof schema.description === "string" && schema.description.trim()
      ? schema.description
      : name,
  };
  if (nullable) input.nullable = true;
  if (Array.isArray(schema.enum)) input.enum = schema.enum as (string | number)[];
  if (schema.items && typeof schema.items === "object") {
    input.items = schema.items as Record<string, unknown>;
  }
  if (schema.properties && typeof schema.properties === "object") {
    input.properties = schema.properties as Record<string, unknown>;
  }
  return input;
}

function jsonSchemaOf(lcTool: LangChainToolLike): Record<string, unknown> | undefined {
  if (lcTool.schema === undefined) return undefined;
  try {
    return toJsonSchema(lcTool.schema as Parameters<typeof toJsonSchema>[0]) as Record<
      string,
      unknown
    >;
  } catch (error) {
    throw new TypeError(
      `Cannot wrap LangChain tool "${lcTool.name}": its schema cannot be read as JSON schema: ${
        (error as Error)?.message ?? error
      }`,
      { cause: error },
    );
  }
}

class LangChainTool implements Tool {
  readonly name: string;
  readonly description: string;
  readonly inputs: ToolInputs;
  readonly outputType: ToolValueType = "any";
  readonly #tool: LangChainToolLike;
  // A tool whose schema is a plain string takes that string, not an object.
  readonly #stringInput: boolean;

  constructor(lcTool: LangChainToolLike, options: FromLangChainOptions) {
    this.#tool = lcTool;
    this.name = options.name ?? lcTool.name.replace(/[^A-Za-z0-9_]/g, "_").replace(/^(\d)/, "_$1");
    this.description = lcTool.description;
    const schema = jsonSchemaOf(lcTool);
    const inputs: Record<string, ToolInput> = {};
    if (schema === undefined || schema.type === "string") {
      this.#stringInput = true;
      inputs.input = {
        type: "string",
        description: typeof schema?.description === "string"
          ? schema.description
          : "The tool's input",
      };
    } else {
      this.#stringInput = false;
      const required = new Set(Array.isArray(schema.required) ? schema.required as string[] : []);
      const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
      for (const [key, property] of Object.entries(properties)) {
        inputs[key] = inputOf(property ?? {}, key, required.has(key));
      }
    }
    this.inputs = inputs;
    validateTool(this);
  }

  async call(args: Record<string, unknown>, options: ToolCallOptions = {}): Promise<unknown> {
    options.signal?.throwIfAborted();
    validateToolArgs(this, args);
    const input = this.#stringInput
      ? args.input
      : Object.fromEntries(Object.entries(args).filter(([, v]) => v !== null && v !== undefined));
    try {
      return await this.#tool.invoke(
        input,
        options.signal ? { signal: options.signal } : undefined,
      );
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw new AgentToolExecutionError(
        `Tool "${this.name}" failed: ${(error as Error)?.message ?? String(error)}`,
        { toolName: this.name, cause: error },
      );
    }
  }
}

/**
 * Wraps a LangChain tool as a smoldeno tool: its Zod or JSON schema becomes
 * `inputs` (a string tool gets one `input`), and calls go to its `invoke()`,
 * cancelled with the call's signal. Its output type is `"any"`: LangChain
 * tools return what they like, usually text.
 *
 * @example Wrapping a DynamicStructuredTool with a JSON schema
 * ```ts
 * import { DynamicStructuredTool } from "@langchain/core/tools";
 * import { fromLangChain } from "@smoldeno/agents/langchain";
 *
 * const lookup = new DynamicStructuredTool({
 *   name: "lookup",
 *   description: "Looks a word up.",
 *   schema: {
 *     type: "object",
 *     properties: { word: { type: "string", description: "The word" } },
 *     required: ["word"],
 *   },
 *   func: async ({ word }) => `${word}: a word`,
 * });
 * const tool = fromLangChain(lookup);
 * console.log(tool.inputs.word.type, await tool.call({ word: "deno" })); // "string" "deno: a word"
 * ```
 *
 * @throws {TypeError} when `lcTool` is not a LangChain tool, or its name or schema cannot become a tool's.
 */
export function fromLangChain(lcTool: LangChainToolLike, options: FromLangChainOptions = {}): Tool {
  const t = lcTool as Partial<LangChainToolLike> | null;
  if (
    t === null || typeof t !== "object" || typeof t.invoke !== "function" ||
    typeof t.name !== "string"
  ) {
    throw new TypeError(
      "Cannot wrap a LangChain tool: expected a tool with a name, a description and invoke(), such as the result of tool() from @langchain/core/tools",
    );
  }
  return new LangChainTool(lcTool, options);
}

/**
 * Makes a smoldeno tool a LangChain `DynamicStructuredTool`, for LangChain
 * and LangGraph agents: its inputs become the JSON schema, its call is
 * validated as usual, and its output reaches LangChain as text (JSON for
 * non-strings), which is what LangChain puts in a tool message. The value is
 * a `DynamicStructuredTool` of `@langchain/core/tools`; its declared type is
 * the part this module relies on, so where LangChain's own types want a
 * `StructuredToolInterface`, cast it (`as DynamicStructuredTool`).
 *
 * @example Calling a smoldeno tool through LangChain
 * ```ts
 * import { tool } from "@smoldeno/agents";
 * import { toLangChainTool } from "@smoldeno/agents/langchain";
 *
 * const add = tool({
 *   name: "add",
 *   description: "Adds two numbers.",
 *   inputs: { a: { type: "number", description: "First" }, b: { type: "number", description: "Second" } },
 *   outputType: "number",
 *   forward: ({ a, b }) => a + b,
 * });
 * const lc = toLangChainTool(add);
 * console.log(lc.name, await lc.invoke({ a: 2, b: 3 })); // "add" "5"
 * ```
 *
 * @throws {TypeError} when `tool` is not a valid tool.
 */
export function toLangChainTool(tool: Tool): LangChainToolLike {
  validateTool(tool);
  const { parameters } = toolToJsonSchema(tool).function;
  return new DynamicStructuredTool({
    name: tool.name,
    description: tool.description,
    schema: parameters as unknown as Record<string, unknown>,
    func: async (input: unknown, _runManager?: unknown, config?: { signal?: AbortSignal }) => {
      const output = await tool.call(
        (input ?? {}) as Record<string, unknown>,
        config?.signal ? { signal: config.signal } : {},
      );
      return typeof output === "string" ? output : JSON.stringify(output);
    },
  });
}
