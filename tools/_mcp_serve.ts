// Serves smoldeno agents and tools to MCP clients, over stdio or Streamable
// HTTP (what they look like to clients is in _mcp_entries.ts).

import { Server } from "@modelcontextprotocol/sdk/server";
// @ts-types="@modelcontextprotocol/sdk/server/webStandardStreamableHttp"
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
// @ts-types="@modelcontextprotocol/sdk/types"
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import type { Tool } from "../src/tool.ts";
import { type AgentLike, collectEntries, type Entry, errorResult } from "./_mcp_entries.ts";
import { DenoStdioServerTransport } from "./_mcp_stdio.ts";
import { CLIENT_VERSION } from "./_mcp_session.ts";

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
  /** Port to listen on; `0` picks a free one (see {@linkcode McpHttpServerHandle.url}). */
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
