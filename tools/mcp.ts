/**
 * Model Context Protocol, both ways. {@linkcode MCPClient} and
 * {@linkcode ToolCollection.fromMcp} turn the tools of MCP servers (started
 * over stdio, or reached over Streamable HTTP or legacy SSE) into smoldeno
 * tools; {@linkcode serveMcp} lets any MCP client (Claude Desktop, an IDE,
 * another agent) call a smoldeno agent or tools.
 *
 * MCP sessions stay on the host. A CodeAgent's code calls MCP tools from its
 * sandbox over the executor's RPC channel, like any other tool, so every
 * executor can use them and the sandbox needs no network access for them.
 *
 * Security: a stdio server is a program you run with your user's rights, and
 * any server's tool results reach your model. Connect only to servers you
 * trust.
 *
 * @example Serving a tool and using it through MCPClient
 * ```ts
 * import { tool } from "@smoldeno/agents";
 * import { MCPClient, serveMcp } from "@smoldeno/agents/mcp";
 *
 * const add = tool({
 *   name: "add",
 *   description: "Adds two numbers.",
 *   inputs: {
 *     a: { type: "number", description: "First term" },
 *     b: { type: "number", description: "Second term" },
 *   },
 *   outputType: "number",
 *   forward: ({ a, b }) => a + b,
 * });
 *
 * await using server = await serveMcp(add, { port: 0 });
 * await using client = new MCPClient({ url: server.url });
 * await client.connect();
 * const [remoteAdd] = client.getTools();
 * console.log(await remoteAdd.call({ a: 2, b: 3 })); // "5"
 * ```
 *
 * @module
 */

import type { MessageLogger } from "../src/logger.ts";
import type { Tool } from "../src/tool.ts";
import {
  type McpProgress,
  type McpServerParameters,
  type McpServerStatus,
  McpSession,
  type McpStdioServerParameters,
  type SessionOptions,
} from "./_mcp_session.ts";
import { type McpTool, McpToolImpl } from "./_mcp_tool.ts";
import { toolsFromModule } from "../src/serialize/_tool_load.ts";

export type {
  McpHttpServerParameters,
  McpProgress,
  McpServerParameters,
  McpServerStatus,
  McpStdioServerParameters,
} from "./_mcp_session.ts";
export type { McpTool } from "./_mcp_tool.ts";
export type { McpResourceLinkValue, McpResourceValue } from "./_mcp_convert.ts";
export type { AgentLike } from "./_mcp_entries.ts";
export {
  type McpHttpServerHandle,
  type McpServerHandle,
  serveMcp,
  type ServeMcpCommonOptions,
  type ServeMcpHttpOptions,
  type ServeMcpOptions,
  type ServeMcpStdioOptions,
} from "./_mcp_serve.ts";

/** Options of {@linkcode MCPClient}. */
export interface MCPClientOptions {
  /**
   * Return a result's `structuredContent` (an object matching the tool's
   * `outputSchema`) instead of its content blocks when it has one. Default `true`.
   */
  structuredOutput?: boolean;
  /** How long connecting and listing tools may take, per server. Default 30 000 ms. */
  connectTimeoutMs?: number;
  /**
   * How long a tool call may go without an answer. Default 60 000 ms. A
   * server's progress notifications restart the clock, so long operations that
   * report progress are not cut short.
   */
  callTimeoutMs?: number;
  /**
   * Receives each line a stdio server writes to stderr. Without it or
   * `logger`, those lines are dropped (the last ones still appear in errors).
   */
  onStderr?: (line: string, server: string) => void;
  /**
   * Logs each line a stdio server writes to stderr as an info message
   * `[server] line`, e.g. a {@linkcode Logger} (sanitized, shown from
   * `LogLevel.INFO`). Works alongside `onStderr`.
   */
  logger?: MessageLogger;
  /** Receives the progress notifications servers send during tool calls. */
  onProgress?: (progress: McpProgress) => void;
}

/** Options of {@linkcode MCPClient.connect}. */
export interface MCPConnectOptions {
  /** Cancels connecting. */
  signal?: AbortSignal;
}

function stderrSink(options: MCPClientOptions): SessionOptions["onStderr"] {
  const { onStderr, logger } = options;
  if (onStderr !== undefined && typeof onStderr !== "function") {
    throw new TypeError("onStderr must be a function (line, server) => void");
  }
  if (logger !== undefined && typeof logger?.info !== "function") {
    throw new TypeError("logger must have an info(message) method, e.g. a Logger");
  }
  if (!logger) return onStderr;
  return (line, server) => {
    logger.info(`[${server}] ${line}`);
    onStderr?.(line, server);
  };
}

function checkTimeout(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive number of milliseconds, got ${value}`);
  }
  return value;
}

function checkParameters(params: McpServerParameters, index: number): void {
  const where = `Server parameters #${index + 1}`;
  if (typeof params !== "object" || params === null) {
    throw new TypeError(
      `${where} must be an object: { command, args? } for stdio or { url } for HTTP, got ${params}`,
    );
  }
  if ("url" in params) {
    try {
      const url = new URL(params.url);
      if (url.protocol !== "http:" && url.protocol !== "https:") throw new TypeError();
    } catch {
      throw new TypeError(`${where} has an invalid url "${params.url}": expected an http(s) URL`);
    }
    if (params.transport !== undefined && !["streamable-http", "sse"].includes(params.transport)) {
      throw new TypeError(
        `${where} has transport "${params.transport}": expected "streamable-http" or "sse"`,
      );
    }
  } else if (
    typeof (params as McpStdioServerParameters).command !== "string" || params.command === ""
  ) {
    throw new TypeError(
      `${where} needs a command (stdio, e.g. { command: "npx", args: ["-y", "my-server"] }) or a url (HTTP)`,
    );
  } else if (params.args !== undefined && !Array.isArray(params.args)) {
    throw new TypeError(`${where} has args that are not an array of strings`);
  }
}

/**
 * Connects to one or more MCP servers and exposes their tools as smoldeno
 * tools. Tool names are made JavaScript identifiers (`get-sum` → `get_sum`);
 * calls use the server's own names. Two servers offering the same tool name
 * is an error naming both (set `toolPrefix` on one of them).
 *
 * A tool whose result is an error (`isError`) throws with the server's
 * message, so the model sees what went wrong. When a server dies or stops
 * answering, its tools throw errors saying so while the other servers' tools
 * keep working; `connect()` starts it again, and tools obtained earlier work
 * again too.
 *
 * @example Using the tools of a stdio server
 * ```ts ignore
 * import { CodeAgent } from "@smoldeno/agents";
 * import { MCPClient } from "@smoldeno/agents/mcp";
 *
 * await using client = new MCPClient({
 *   command: "npx",
 *   args: ["-y", "@modelcontextprotocol/server-everything"],
 * });
 * await client.connect();
 * const agent = new CodeAgent({ model, tools: client.getTools() });
 * ```
 *
 * @example Bad options fail at construction
 * ```ts
 * import { MCPClient } from "@smoldeno/agents/mcp";
 *
 * try {
 *   new MCPClient({ url: "ftp://example.com" });
 * } catch (error) {
 *   console.log((error as Error).message);
 *   // Server parameters #1 has an invalid url "ftp://example.com": expected an http(s) URL
 * }
 * ```
 */
export class MCPClient implements AsyncDisposable {
  #sessions: McpSession[];
  #structuredOutput: boolean;
  #tools?: McpTool[];

  /**
   * Checks the parameters; nothing is started until {@linkcode connect}.
   *
   * @throws {TypeError} when server parameters are malformed or two servers share a name.
   * @throws {RangeError} when a timeout is not a positive number.
   */
  constructor(
    serverParameters: McpServerParameters | readonly McpServerParameters[],
    options: MCPClientOptions = {},
  ) {
    const list = Array.isArray(serverParameters) ? serverParameters : [serverParameters];
    if (list.length === 0) throw new TypeError("MCPClient needs at least one server");
    list.forEach(checkParameters);
    const sessionOptions = {
      connectTimeoutMs: checkTimeout("connectTimeoutMs", options.connectTimeoutMs, 30_000),
      callTimeoutMs: checkTimeout("callTimeoutMs", options.callTimeoutMs, 60_000),
      onStderr: stderrSink(options),
      onProgress: options.onProgress,
    };
    this.#structuredOutput = options.structuredOutput ?? true;
    this.#sessions = list.map((params: McpServerParameters) =>
      new McpSession(params, sessionOptions)
    );
    const seen = new Set<string>();
    for (const session of this.#sessions) {
      if (seen.has(session.name)) {
        throw new TypeError(
          `Two servers are named "${session.name}": give them distinct \`name\` parameters`,
        );
      }
      seen.add(session.name);
    }
  }

  /** True when every server is connected. */
  get connected(): boolean {
    return this.#sessions.every((s) => s.connected);
  }

  /** The state of each server. */
  status(): McpServerStatus[] {
    return this.#sessions.map((s) => s.status());
  }

  /**
   * Connects every server that is not connected (all of them the first time;
   * after a failure, the ones that went away) and lists their tools. If one
   * server fails, those connected by this call are closed again.
   *
   * @throws {Error} naming the server that could not be reached, or the two servers offering the same tool name.
   */
  async connect(options: MCPConnectOptions = {}): Promise<void> {
    const pending = this.#sessions.filter((s) => !s.connected);
    const results = await Promise.allSettled(pending.map((s) => s.connect(options.signal)));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failure) {
      await Promise.all(pending.map((s) => s.close()));
      throw failure.reason;
    }
    const tools: McpTool[] = [];
    const owners = new Map<string, McpSession>();
    for (const session of this.#sessions) {
      for (const definition of session.tools) {
        const mcpTool = new McpToolImpl(definition, session, {
          structuredOutput: this.#structuredOutput,
          prefix: session.params.toolPrefix,
        });
        const owner = owners.get(mcpTool.name);
        if (owner) {
          await Promise.all(pending.map((s) => s.close()));
          throw new Error(
            `Tool name "${mcpTool.name}" is offered by both MCP server "${owner.name}" and MCP server "${session.name}": set \`toolPrefix\` in the parameters of one of them`,
          );
        }
        owners.set(mcpTool.name, session);
        tools.push(mcpTool);
      }
    }
    this.#tools = tools;
  }

  /**
   * The tools of every server, in server order.
   *
   * @throws {Error} before {@linkcode connect} has succeeded.
   */
  getTools(): McpTool[] {
    if (!this.#tools) {
      throw new Error("MCPClient is not connected: call `await client.connect()` first");
    }
    return [...this.#tools];
  }

  /** Closes every connection and ends stdio servers. Safe to call more than once. */
  async disconnect(): Promise<void> {
    await Promise.all(this.#sessions.map((s) => s.close()));
  }

  /** Same as {@linkcode disconnect}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.disconnect();
  }
}

/** Options of {@linkcode ToolCollection.fromMcp}. */
export interface ToolCollectionFromMcpOptions extends MCPClientOptions {
  /**
   * Must be `true`: you confirm that you trust the server, which runs code on
   * your machine (stdio) and whose tool results reach your model.
   */
  trustRemoteCode: boolean;
}

/**
 * A set of tools that share a connection, loaded from MCP servers. Close it
 * (or use `await using`) to end the connection.
 *
 * @example Refused without the explicit opt-in
 * ```ts
 * import { ToolCollection } from "@smoldeno/agents/mcp";
 *
 * try {
 *   await ToolCollection.fromMcp({ command: "my-server" }, { trustRemoteCode: false });
 * } catch (error) {
 *   console.log((error as Error).message.startsWith("Loading tools from MCP server")); // true
 * }
 * ```
 */
export class ToolCollection implements AsyncDisposable {
  /** The tools. */
  readonly tools: Tool[];
  #client?: MCPClient;

  /** Wraps tools; {@linkcode ToolCollection.fromMcp} is the usual way to get one. */
  constructor(tools: readonly Tool[], client?: MCPClient) {
    this.tools = [...tools];
    this.#client = client;
  }

  /**
   * Connects to MCP servers and collects their tools.
   *
   * @throws {TypeError} unless `trustRemoteCode` is `true`.
   * @throws {Error} when a server cannot be reached.
   */
  static async fromMcp(
    serverParameters: McpServerParameters | readonly McpServerParameters[],
    options: ToolCollectionFromMcpOptions,
  ): Promise<ToolCollection> {
    if (options?.trustRemoteCode !== true) {
      const list = Array.isArray(serverParameters) ? serverParameters : [serverParameters];
      const names = list.map((p: McpServerParameters) =>
        `"${p?.name ?? ("url" in p ? p.url : p?.command)}"`
      ).join(", ");
      throw new TypeError(
        `Loading tools from MCP server ${names} needs { trustRemoteCode: true }: a stdio server runs ` +
          `a program on your machine with your rights, and any server's tool results reach your ` +
          `model. Pass it only for servers you trust`,
      );
    }
    const { trustRemoteCode: _, ...clientOptions } = options;
    const client = new MCPClient(serverParameters, clientOptions);
    await client.connect();
    return new ToolCollection(client.getTools(), client);
  }

  /**
   * Collects every tool a module exports — tools, tool definitions, or
   * `BaseTool` subclasses — from a path, a URL, or an `npm:`/`jsr:`
   * specifier. Importing runs the module's code in this program, hence
   * `trustRemoteCode`.
   *
   * @example Loading the tools of a module
   * ```ts
   * import { ToolCollection } from "@smoldeno/agents/mcp";
   *
   * const dir = await Deno.makeTempDir();
   * await Deno.writeTextFile(`${dir}/tools.ts`, [
   *   'export const up = { name: "up", description: "Upper-cases.", inputs: { s: { type: "string", description: "Text" } }, outputType: "string", forward: ({ s }) => s.toUpperCase() };',
   *   'export const down = { name: "down", description: "Lower-cases.", inputs: { s: { type: "string", description: "Text" } }, outputType: "string", forward: ({ s }) => s.toLowerCase() };',
   * ].join("\n"));
   * await using collection = await ToolCollection.fromModule(`${dir}/tools.ts`, { trustRemoteCode: true });
   * console.log(collection.tools.map((t) => t.name)); // ["up", "down"]
   * await Deno.remove(dir, { recursive: true });
   * ```
   *
   * @throws {TypeError} unless `trustRemoteCode` is `true`.
   * @throws {SerializationError} when the module cannot be imported or exports no tool.
   */
  static async fromModule(
    spec: string,
    options: { trustRemoteCode: boolean },
  ): Promise<ToolCollection> {
    return new ToolCollection(await toolsFromModule(spec, options));
  }

  /** Ends the connection the tools came from, if any. */
  async close(): Promise<void> {
    await this.#client?.disconnect();
  }

  /** Same as {@linkcode close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
