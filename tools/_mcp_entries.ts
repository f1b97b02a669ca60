// How agents and tools look to MCP clients: an agent is one tool taking
// `task`; a tool keeps its schema. Results and errors become MCP content.

// @ts-types="@modelcontextprotocol/sdk/types"
import type { CallToolResult, Tool as McpToolSchema } from "@modelcontextprotocol/sdk/types.js";
import type { AgentEvent } from "../src/events.ts";
import { isAudioValue, isImageValue, mediaFromDataUrl, type MediaValue } from "../src/media.ts";
import { type Tool, toolToJsonSchema, type ToolValueType } from "../src/tool.ts";

/**
 * What {@linkcode serveMcp} needs of an agent: CodeAgent and ToolCallingAgent
 * fit. With `stream`, clients that ask for progress get a notification per step.
 */
export interface AgentLike {
  /** Tool name clients see. Default `"agent"`. */
  readonly name?: string;
  /** What the agent does, shown to clients. Give one: it is how clients decide to call it. */
  readonly description?: string;
  /** Runs a task and returns the answer. */
  run(task: string, options?: { signal?: AbortSignal }): Promise<unknown>;
  /** Runs a task, yielding its events; the `run_end` event carries the answer. */
  stream?(task: string, options?: { signal?: AbortSignal }): AsyncIterable<AgentEvent>;
}

type Served = Tool | AgentLike;

function isTool(value: Served): value is Tool {
  return typeof (value as Tool).call === "function" && typeof (value as Tool).inputs === "object";
}

function isAgent(value: Served): value is AgentLike {
  return typeof (value as AgentLike).run === "function";
}

/** An MCP tool name: letters, digits, `_`, `-` and `.`. */
function mcpName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 128) || "agent";
}

/** A served tool: its MCP definition and how to run a call. */
export interface Entry {
  definition: McpToolSchema;
  handle(
    args: Record<string, unknown>,
    context: CallContext,
  ): Promise<CallToolResult>;
}

/** What a call gets besides its arguments. */
export interface CallContext {
  signal: AbortSignal;
  progress?: (progress: number, total?: number, message?: string) => Promise<void>;
}

function base64(data: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < data.length; i += 0x8000) {
    binary += String.fromCharCode(...data.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

function text(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined) return "";
  try {
    return JSON.stringify(value, (_k, v) => v instanceof Uint8Array ? `<${v.length} bytes>` : v) ??
      String(value);
  } catch {
    return String(value);
  }
}

function mediaBlock(value: MediaValue): CallToolResult["content"][number] {
  return { type: value.type, data: base64(value.data), mimeType: value.mimeType };
}

/** Turns what a tool or agent returned into MCP content. */
function toResult(value: unknown, structured: boolean): CallToolResult {
  if (isImageValue(value) || isAudioValue(value)) return { content: [mediaBlock(value)] };
  if (Array.isArray(value) && value.some((v) => isImageValue(v) || isAudioValue(v))) {
    return {
      content: value.map((v) =>
        isImageValue(v) || isAudioValue(v)
          ? mediaBlock(v)
          : { type: "text" as const, text: text(v) }
      ),
    };
  }
  const result: CallToolResult = { content: [{ type: "text", text: text(value) }] };
  if (structured && typeof value === "object" && value !== null && !Array.isArray(value)) {
    result.structuredContent = value as Record<string, unknown>;
  }
  return result;
}

export function errorResult(error: unknown): CallToolResult {
  const message = error instanceof Error ? error.message : String(error);
  return { content: [{ type: "text", text: message }], isError: true };
}

function mediaTypes(types: ToolValueType | readonly ToolValueType[]): ToolValueType[] {
  return (typeof types === "string" ? [types] : [...types]).filter((t) =>
    t === "image" || t === "audio"
  );
}

function toolEntry(tool: Tool): Entry {
  const parameters = toolToJsonSchema(tool).function.parameters;
  const properties: Record<string, Record<string, unknown>> = { ...parameters.properties };
  const media = new Set<string>();
  for (const [name, input] of Object.entries(tool.inputs)) {
    const kinds = mediaTypes(input.type);
    if (kinds.length === 0) continue;
    media.add(name);
    // Over MCP media travel as data: URLs, not as names of sandbox variables.
    properties[name] = {
      ...properties[name],
      description: `${input.description} (${kinds.join(" or ")}: a base64 data: URL, e.g. "data:${
        kinds[0]
      }/png;base64,…")`,
    };
  }
  const outputSchema = tool.outputSchema?.type === "object" ? tool.outputSchema : undefined;
  const definition: McpToolSchema = {
    name: mcpName(tool.name),
    description: tool.description,
    inputSchema: { ...parameters, properties },
    ...(outputSchema ? { outputSchema: outputSchema as McpToolSchema["outputSchema"] } : {}),
  };
  return {
    definition,
    async handle(args, { signal }) {
      const decoded: Record<string, unknown> = { ...args };
      for (const name of media) {
        const value = decoded[name];
        if (typeof value === "string" && value.startsWith("data:")) {
          decoded[name] = mediaFromDataUrl(value);
        }
      }
      try {
        return toResult(await tool.call(decoded, { signal }), outputSchema !== undefined);
      } catch (error) {
        return errorResult(error);
      }
    },
  };
}

function agentEntry(agent: AgentLike): Entry {
  const name = mcpName(agent.name ?? "agent");
  const definition: McpToolSchema = {
    name,
    description: agent.description ??
      "Runs a smoldeno agent on a task, using its tools over several steps, and returns its answer.",
    inputSchema: {
      type: "object",
      properties: {
        task: { type: "string", description: "What the agent should do, in plain words" },
      },
      required: ["task"],
    },
  };
  const runTask = async (task: string, { signal, progress }: CallContext) => {
    if (signal.aborted) return errorResult(`Agent "${name}" was cancelled before it started`);
    try {
      if (!progress || !agent.stream) {
        await progress?.(0, undefined, "Started");
        return toResult(await agent.run(task, { signal }), false);
      }
      let output: unknown;
      for await (const event of agent.stream(task, { signal })) {
        if (event.type === "step_start") {
          await progress(
            event.stepNumber,
            event.maxSteps,
            `Step ${event.stepNumber} of ${event.maxSteps}`,
          );
        } else if (event.type === "final_answer" || event.type === "run_end") {
          output = event.output;
        }
      }
      return toResult(output, false);
    } catch (error) {
      return errorResult(error);
    }
  };
  // An agent runs one task at a time: calls from several clients wait their turn.
  let turn: Promise<unknown> = Promise.resolve();
  return {
    definition,
    handle(args, context) {
      const task = args.task;
      if (typeof task !== "string" || task.trim() === "") {
        return Promise.resolve(errorResult(`Agent "${name}" needs a non-empty string "task"`));
      }
      const result = turn.then(() => runTask(task, context));
      turn = result;
      return result;
    },
  };
}

/** The served agents and tools, by MCP name. */
export function collectEntries(served: Served | readonly Served[]): Map<string, Entry> {
  const list: readonly Served[] = Array.isArray(served) ? served : [served as Served];
  if (list.length === 0) throw new TypeError("serveMcp needs at least one agent or tool");
  const entries = new Map<string, Entry>();
  for (const item of list) {
    const entry = isTool(item) ? toolEntry(item) : isAgent(item) ? agentEntry(item) : undefined;
    if (!entry) {
      throw new TypeError(
        `serveMcp serves agents (with run()) and tools (with call() and inputs), got ${typeof item}`,
      );
    }
    const name = entry.definition.name;
    if (entries.has(name)) {
      throw new TypeError(`Two served agents or tools are named "${name}": names must be unique`);
    }
    entries.set(name, entry);
  }
  return entries;
}
