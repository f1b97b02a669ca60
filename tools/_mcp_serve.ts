// Serves smoldeno agents and tools to MCP clients, over stdio or Streamable
// HTTP. An agent becomes one tool taking `task`; tools keep their schemas.

import { Server } from "@modelcontextprotocol/sdk/server";
// @ts-types="@modelcontextprotocol/sdk/server/webStandardStreamableHttp"
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
// @ts-types="@modelcontextprotocol/sdk/types"
import {
  CallToolRequestSchema,
  type CallToolResult,
  ListToolsRequestSchema,
  type Tool as McpToolSchema,
} from "@modelcontextprotocol/sdk/types.js";
import type { AgentEvent } from "../src/events.ts";
import { isAudioValue, isImageValue, mediaFromDataUrl, type MediaValue } from "../src/media.ts";
import { type Tool, toolToJsonSchema, type ToolValueType } from "../src/tool.ts";
import { DenoStdioServerTransport } from "./_mcp_stdio.ts";
import { CLIENT_VERSION } from "./_mcp_session.ts";

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

/** Common options of {@linkcode serveMcp}. */
export interface ServeMcpCommonOptions {
  /** Server name reported to clients. Default `"smoldeno"`. */
  name?: string;
  /** Server version reported to clients. */
  version?: string;
}

/** Serve over this process's stdin and stdout. */
export interface ServeMcpStdioOptions extends ServeMcpCommonOptions {
  /** Selects stdio. */
  transport: "stdio";
  /**
   * While serving, `console.log` writes to stderr instead of stdout, which
   * belongs to the protocol. Default `true`.
   */
  redirectConsole?: boolean;
}

/** Serve Streamable HTTP at `/mcp`. */
export interface ServeMcpHttpOptions extends ServeMcpCommonOptions {
  /** Port to listen on; `0` picks a free one (see {@linkcode McpServerHandle.url}). */
  port: number;
  /** Interface to listen on. Default `"127.0.0.1"`. */
  hostname?: string;
  /**
   * Accepted `Host` headers, against DNS rebinding. Default: the loopback
   * names with the port when listening on a loopback address, else no check.
   */
  allowedHosts?: string[];
}

/** Options of {@linkcode serveMcp}. */
export type ServeMcpOptions = ServeMcpStdioOptions | ServeMcpHttpOptions;

/** A running MCP server. */
export interface McpServerHandle extends AsyncDisposable {
  /** Resolves when the server stops: closed, or stdin ended for stdio. */
  readonly finished: Promise<void>;
  /** Stops serving and closes every session. Safe to call more than once. */
  close(): Promise<void>;
}

/** A running MCP server on HTTP. */
export interface McpHttpServerHandle extends McpServerHandle {
  /** The endpoint, e.g. `"http://127.0.0.1:8000/mcp"`. */
  readonly url: string;
  /** The port it listens on (the one picked when `port` was 0). */
  readonly port: number;
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

interface Entry {
  definition: McpToolSchema;
  handle(
    args: Record<string, unknown>,
    context: CallContext,
  ): Promise<CallToolResult>;
}

interface CallContext {
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

function errorResult(error: unknown): CallToolResult {
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
  return {
    definition,
    async handle(args, { signal, progress }) {
      const task = args.task;
      if (typeof task !== "string" || task.trim() === "") {
        return errorResult(`Agent "${name}" needs a non-empty string "task"`);
      }
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
    },
  };
}

function collectEntries(served: Served | readonly Served[]): Map<string, Entry> {
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

function createServer(entries: Map<string, Entry>, options: ServeMcpCommonOptions): Server {
  const server = new Server(
    { name: options.name ?? "smoldeno", version: options.version ?? CLIENT_VERSION },
    { capabilities: { tools: {} } },
  );
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: [...entries.values()].map((e) => e.definition),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const { name, arguments: args = {} } = request.params;
    const entry = entries.get(name);
    if (!entry) {
      const names = [...entries.keys()].map((n) => `"${n}"`).join(", ");
      return errorResult(`Cannot find tool "${name}": available tools are ${names}`);
    }
    const token = request.params._meta?.progressToken;
    const progress = token === undefined ? undefined : async (
      value: number,
      total?: number,
      message?: string,
    ) => {
      await extra.sendNotification({
        method: "notifications/progress",
        params: {
          progressToken: token,
          progress: value,
          ...(total !== undefined ? { total } : {}),
          ...(message !== undefined ? { message } : {}),
        },
      });
    };
    return await entry.handle(args, { signal: extra.signal, progress });
  });
  return server;
}

/**
 * Serves agents and tools to MCP clients. An agent becomes one tool taking
 * `task` (with a progress notification per step when the client asks for
 * progress and the agent has `stream`); tools keep their names and schemas.
 * Errors become error results (`isError`) carrying the message.
 *
 * With `{ transport: "stdio" }` the process's stdin and stdout carry the
 * protocol (run it as the command of a client's server configuration); with
 * `{ port }` it serves Streamable HTTP at `/mcp`, on 127.0.0.1 unless
 * `hostname` says otherwise.
 *
 * Claude Desktop (`claude_desktop_config.json`) or any client taking a
 * command runs a script that calls `serveMcp(agent, { transport: "stdio" })`:
 *
 * ```json
 * { "mcpServers": { "research": {
 *   "command": "deno",
 *   "args": ["run", "--allow-net", "--allow-env", "--allow-run", "/path/to/serve_agent.ts"]
 * } } }
 * ```
 *
 * Clients that speak Streamable HTTP use `{ "url": "http://127.0.0.1:8000/mcp" }`.
 *
 * @example Serving a tool over HTTP and calling it with the official SDK client
 * ```ts
 * import { tool } from "@smoldeno/agents";
 * import { serveMcp } from "@smoldeno/agents/mcp";
 * import { Client } from "@modelcontextprotocol/sdk/client";
 * // @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
 * import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
 *
 * const greet = tool({
 *   name: "greet",
 *   description: "Greets someone.",
 *   inputs: { who: { type: "string", description: "Name" } },
 *   outputType: "string",
 *   forward: ({ who }) => `Hello, ${who}!`,
 * });
 * await using server = await serveMcp(greet, { port: 0 });
 *
 * const client = new Client({ name: "example", version: "1.0.0" });
 * await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
 * const result = await client.callTool({ name: "greet", arguments: { who: "Ada" } });
 * console.log(result.content); // [ { type: "text", text: "Hello, Ada!" } ]
 * await client.close();
 * ```
 *
 * @throws {TypeError} when nothing servable is given or two names clash.
 * @throws {RangeError} when the port is not an integer between 0 and 65535.
 */
export function serveMcp(
  agentOrTools: AgentLike | Tool | readonly (AgentLike | Tool)[],
  options: ServeMcpHttpOptions,
): Promise<McpHttpServerHandle>;
/** Serves agents and tools over this process's stdin and stdout (see the HTTP overload for details). */
export function serveMcp(
  agentOrTools: AgentLike | Tool | readonly (AgentLike | Tool)[],
  options: ServeMcpStdioOptions,
): Promise<McpServerHandle>;
/** Serves agents and tools over stdio or HTTP, as `options` says. */
export function serveMcp(
  agentOrTools: AgentLike | Tool | readonly (AgentLike | Tool)[],
  options: ServeMcpOptions,
): Promise<McpServerHandle>;
export async function serveMcp(
  agentOrTools: AgentLike | Tool | readonly (AgentLike | Tool)[],
  options: ServeMcpOptions,
): Promise<McpServerHandle> {
  const entries = collectEntries(agentOrTools);
  if (options && "transport" in options && options.transport === "stdio") {
    return await serveStdio(entries, options);
  }
  const port = (options as ServeMcpHttpOptions | undefined)?.port;
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(
      `serveMcp needs { transport: "stdio" } or { port } with a port from 0 to 65535, got ${port}`,
    );
  }
  return serveHttp(entries, options as ServeMcpHttpOptions);
}

async function serveStdio(
  entries: Map<string, Entry>,
  options: ServeMcpStdioOptions,
): Promise<McpServerHandle> {
  const server = createServer(entries, options);
  const transport = new DenoStdioServerTransport();
  // stdout carries the protocol: a stray console.log would corrupt it.
  const originalLog = console.log;
  const originalInfo = console.info;
  if (options.redirectConsole !== false) {
    console.log = console.error;
    console.info = console.error;
  }
  await server.connect(transport);
  const finished = transport.finished.then(() => {
    console.log = originalLog;
    console.info = originalInfo;
  });
  const close = async () => {
    await server.close();
    await finished;
  };
  return { finished, close, [Symbol.asyncDispose]: close };
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

function serveHttp(entries: Map<string, Entry>, options: ServeMcpHttpOptions): McpHttpServerHandle {
  const hostname = options.hostname ?? "127.0.0.1";
  const sessions = new Map<
    string,
    { transport: WebStandardStreamableHTTPServerTransport; server: Server }
  >();
  let allowedHosts = options.allowedHosts;
  const json = (status: number, message: string) =>
    Response.json({ jsonrpc: "2.0", error: { code: -32000, message }, id: null }, { status });

  const httpServer = Deno.serve(
    { port: options.port, hostname, onListen: () => {} },
    async (req) => {
      const { pathname } = new URL(req.url);
      if (pathname !== "/mcp") return json(404, `Not found: the MCP endpoint is /mcp`);
      const sessionId = req.headers.get("mcp-session-id");
      if (sessionId) {
        const session = sessions.get(sessionId);
        if (!session) return json(404, `Session not found: start a new session`);
        return await session.transport.handleRequest(req);
      }
      if (req.method !== "POST") return json(400, "Bad request: no valid session id");
      const server = createServer(entries, options);
      const transport = new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: () => crypto.randomUUID(),
        onsessioninitialized: (id) => void sessions.set(id, { transport, server }),
        onsessionclosed: (id) => void sessions.delete(id),
        ...(allowedHosts ? { enableDnsRebindingProtection: true, allowedHosts } : {}),
      });
      await server.connect(transport);
      const response = await transport.handleRequest(req);
      // A first request that was not an initialization opened no session.
      if (!transport.sessionId) await server.close();
      return response;
    },
  );
  const { port } = httpServer.addr as Deno.NetAddr;
  if (!allowedHosts && LOOPBACK.has(hostname)) {
    allowedHosts = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
  }
  const urlHost = hostname.includes(":") && !hostname.startsWith("[") ? `[${hostname}]` : hostname;
  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= (async () => {
      const open = [...sessions.values()];
      sessions.clear();
      // Open SSE streams would keep shutdown() waiting: end the sessions first.
      await Promise.all(open.map(({ server }) => server.close().catch(() => {})));
      await httpServer.shutdown();
    })();
  return {
    url: `http://${urlHost}:${port}/mcp`,
    port,
    finished: httpServer.finished,
    close,
    [Symbol.asyncDispose]: close,
  };
}
