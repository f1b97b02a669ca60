// One connection to one MCP server: connecting with a deadline, listing
// tools, calling them with a deadline, and noticing when the server goes
// away so the error says so and connect() can start it again.

import { Client } from "@modelcontextprotocol/sdk/client";
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from "@modelcontextprotocol/sdk/client/streamableHttp.js";
// @ts-types="@modelcontextprotocol/sdk/client/sse"
import { SSEClientTransport, SseError } from "@modelcontextprotocol/sdk/client/sse.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport";
// @ts-types="@modelcontextprotocol/sdk/types"
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { DenoStdioClientTransport } from "./_mcp_stdio.ts";
import type { McpCallResult, McpToolDefinition } from "./_mcp_convert.ts";

/** The version smoldeno reports to MCP servers. */
export const CLIENT_VERSION = "0.1.0";

// How long close() waits for notifications already on their way (such as
// the cancellation of an aborted call) before it cuts the connection.
const NOTIFICATION_GRACE_MS = 2_000;

/** Starts an MCP server as a subprocess and talks to it over its stdin and stdout. */
export interface McpStdioServerParameters {
  /** Program to run, e.g. `"npx"`, `"node"`, `"deno"`, `"uvx"`. */
  command: string;
  /** Its arguments. */
  args?: string[];
  /**
   * Environment variables for the server. It inherits only `HOME`, `LOGNAME`,
   * `PATH`, `SHELL`, `TERM` and `USER` (as the MCP SDK does), never your secrets.
   */
  env?: Record<string, string>;
  /** Working directory of the server. */
  cwd?: string;
  /** Name used in errors, logs and name clashes. Defaults to the script or command name. */
  name?: string;
  /** Prepended to every tool name of this server, e.g. `"fs_"`, to avoid clashes. */
  toolPrefix?: string;
}

/** Reaches an MCP server over HTTP. */
export interface McpHttpServerParameters {
  /** The server's endpoint, e.g. `"http://127.0.0.1:3001/mcp"` (or `/sse` for legacy servers). */
  url: string | URL;
  /** `"streamable-http"` (the default) or `"sse"` for servers of the 2024-11-05 protocol. */
  transport?: "streamable-http" | "sse";
  /** Headers sent with every request, e.g. `{ Authorization: "Bearer …" }`. */
  headers?: Record<string, string>;
  /** Name used in errors, logs and name clashes. Defaults to the URL. */
  name?: string;
  /** Prepended to every tool name of this server, e.g. `"web_"`, to avoid clashes. */
  toolPrefix?: string;
}

/** How to reach one MCP server. */
export type McpServerParameters = McpStdioServerParameters | McpHttpServerParameters;

/** The state of one server of an `MCPClient`. */
export interface McpServerStatus {
  /** The server's name. */
  name: string;
  /** Whether it is connected now. */
  connected: boolean;
  /** How many tools it listed. */
  toolCount: number;
  /** Process id of a running stdio server. */
  pid?: number;
  /** Name and version the server reported. */
  serverInfo?: { name: string; version: string };
  /** Why the connection was lost, when it was. */
  error?: string;
}

/** What a session needs from the client's options. */
export interface SessionOptions {
  connectTimeoutMs: number;
  callTimeoutMs: number;
  onStderr?: (line: string, server: string) => void;
  onProgress?: (progress: McpProgress) => void;
}

/** A progress notification from a server during a tool call. */
export interface McpProgress {
  /** The server's name. */
  server: string;
  /** The tool's name on the server. */
  tool: string;
  /** Progress so far. */
  progress: number;
  /** The total, when the server knows it. */
  total?: number;
  /** What the server is doing, when it said. */
  message?: string;
}

// Programs that run a server named by their first argument (`npx -y pkg`).
const LAUNCHERS = new Set([
  "node",
  "deno",
  "bun",
  "bunx",
  "npx",
  "pnpm",
  "yarn",
  "npm",
  "uv",
  "uvx",
  "python",
  "python3",
  "docker",
]);
const SUBCOMMANDS = new Set(["run", "x", "exec", "dlx", "tool"]);

/**
 * A short name for a server, for errors and logs: its `name`, its URL, or the
 * package or script it runs (`npx -y @scope/server-x@1.2` → `server-x`).
 */
export function serverLabel(params: McpServerParameters): string {
  if (params.name) return params.name;
  if ("url" in params) return String(params.url);
  const base = (path: string) =>
    path.split(/[\\/]/).filter((p) => p !== "" && p !== "dist" && !/^index\.[cm]?[jt]s$/.test(p))
      .at(-1) ?? path;
  const command = base(params.command).replace(/\.exe$/i, "");
  if (!LAUNCHERS.has(command)) return command;
  const target = (params.args ?? []).find((a) => !a.startsWith("-") && !SUBCOMMANDS.has(a));
  return target ? base(target).replace(/(.)@[^@]*$/, "$1") : command;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A connection to one server; survives reconnects so tools bound to it keep working. */
export class McpSession {
  readonly name: string;
  readonly params: McpServerParameters;
  tools: McpToolDefinition[] = [];
  serverInfo?: { name: string; version: string };

  #options: SessionOptions;
  #client?: Client;
  #transport?: Transport;
  #state: "idle" | "connected" | "lost" | "closed" = "idle";
  #lostReason = "";
  #connecting?: Promise<void>;

  constructor(params: McpServerParameters, options: SessionOptions) {
    this.params = params;
    this.name = serverLabel(params);
    this.#options = options;
  }

  get connected(): boolean {
    return this.#state === "connected";
  }

  status(): McpServerStatus {
    const status: McpServerStatus = {
      name: this.name,
      connected: this.connected,
      toolCount: this.tools.length,
    };
    if (this.#transport instanceof DenoStdioClientTransport && this.#transport.pid !== undefined) {
      status.pid = this.#transport.pid;
    }
    if (this.serverInfo) status.serverInfo = { ...this.serverInfo };
    if (this.#state === "lost") status.error = this.#lostReason;
    return status;
  }

  /** Notifications sent and not yet delivered (a cancellation above all). */
  readonly #notifications = new Set<Promise<void>>();

  /**
   * The SDK sends a call's cancellation without waiting for it; closing right
   * after an abort (Ctrl-C) would cut that request off, and the server would
   * go on with the call. Notifications are tracked so close() lets them out.
   */
  #tracked(transport: Transport): Transport {
    const send = transport.send.bind(transport);
    transport.send = (message, options) => {
      const sent = send(message, options);
      if (!("id" in message)) {
        this.#notifications.add(sent);
        const done = () => this.#notifications.delete(sent);
        sent.then(done, done);
      }
      return sent;
    };
    return transport;
  }

  /** Waits, at most NOTIFICATION_GRACE_MS, for the notifications on their way. */
  async #flushNotifications(): Promise<void> {
    if (this.#notifications.size === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.allSettled([...this.#notifications]),
      new Promise((resolve) => timer = setTimeout(resolve, NOTIFICATION_GRACE_MS)),
    ]);
    clearTimeout(timer);
  }

  #makeTransport(): Transport {
    return this.#tracked(this.#newTransport());
  }

  #newTransport(): Transport {
    const p = this.params;
    if ("url" in p) {
      const url = new URL(p.url);
      const requestInit: RequestInit = p.headers ? { headers: { ...p.headers } } : {};
      return p.transport === "sse"
        ? new SSEClientTransport(url, { requestInit })
        : new StreamableHTTPClientTransport(url, { requestInit });
    }
    return new DenoStdioClientTransport({
      command: p.command,
      args: p.args,
      env: p.env,
      cwd: p.cwd,
      onStderr: this.#options.onStderr && ((line) => this.#options.onStderr?.(line, this.name)),
    });
  }

  /** What the stdio process said and how it ended, for error messages. */
  #processReport(): string {
    const t = this.#transport;
    if (!(t instanceof DenoStdioClientTransport)) return "";
    const status = t.exitStatus;
    const parts: string[] = [];
    if (status) {
      parts.push(
        status.signal
          ? `the process was killed by ${status.signal}`
          : `the process exited with code ${status.code}`,
      );
    }
    const tail = t.stderrTail.split("\n").filter((l) => l.trim() !== "").slice(-3).join(" | ");
    if (tail) parts.push(`its stderr ended with: ${tail}`);
    return parts.join("; ");
  }

  /** Connects unless already connected; on failure everything opened is closed again. */
  connect(signal?: AbortSignal): Promise<void> {
    if (this.#state === "connected") return Promise.resolve();
    // Concurrent connect() calls share one attempt instead of racing two processes.
    this.#connecting ??= this.#connect(signal).finally(() => this.#connecting = undefined);
    return this.#connecting;
  }

  async #connect(signal?: AbortSignal): Promise<void> {
    await this.#closeTransport();
    const client = new Client({ name: "smoldeno", version: CLIENT_VERSION }, { capabilities: {} });
    const transport = this.#makeTransport();
    this.#client = client;
    this.#transport = transport;
    const timeout = this.#options.connectTimeoutMs;
    // Not AbortSignal.timeout(): once the SDK listens to it, Deno keeps the
    // process alive until it fires (connectTimeoutMs, 30 s by default), even
    // after disconnect(). A timer cleared when connecting ends does not.
    const deadline = new AbortController();
    const timer = setTimeout(
      () => deadline.abort(new DOMException(`No answer within ${timeout} ms`, "TimeoutError")),
      timeout,
    );
    const combined = signal ? AbortSignal.any([signal, deadline.signal]) : deadline.signal;
    try {
      await client.connect(transport, { signal: combined, timeout });
      const tools: McpToolDefinition[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.listTools(cursor ? { cursor } : {}, {
          signal: combined,
          timeout,
        });
        tools.push(...(page.tools as McpToolDefinition[]));
        cursor = page.nextCursor;
      } while (cursor);
      this.tools = tools;
      const info = client.getServerVersion();
      if (info) this.serverInfo = { name: info.name, version: info.version };
    } catch (error) {
      // Give the process a moment to exit so its exit code and stderr make the error useful.
      await this.#closeTransport();
      signal?.throwIfAborted();
      const why = deadline.signal.aborted || isTimeout(error)
        ? `no answer within ${timeout} ms (connectTimeoutMs)`
        : describeConnectError(error, this.params);
      const report = this.#processReport();
      throw new Error(
        `Cannot connect to MCP server "${this.name}": ${why}${report ? `; ${report}` : ""}`,
        { cause: error },
      );
    } finally {
      clearTimeout(timer);
    }
    this.#state = "connected";
    client.onclose = () => {
      if (this.#client !== client || this.#state !== "connected") return;
      this.#state = "lost";
      const report = this.#processReport();
      this.#lostReason = `the connection closed${report ? ` (${report})` : ""}`;
    };
  }

  /** Calls a tool by its name on the server. */
  async callTool(
    name: string,
    args: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<McpCallResult> {
    const client = this.#client;
    if (this.#state !== "connected" || !client) {
      const why = this.#state === "lost" ? `: ${this.#lostReason}` : "";
      throw new Error(
        `MCP server "${this.name}" is not connected${why}. Call connect() on the MCPClient to reconnect`,
      );
    }
    const timeout = this.#options.callTimeoutMs;
    try {
      return await client.callTool({ name, arguments: args }, undefined, {
        signal,
        timeout,
        // A server reporting progress is alive: each report restarts the deadline.
        resetTimeoutOnProgress: true,
        onprogress: (p) =>
          this.#options.onProgress?.({
            server: this.name,
            tool: name,
            progress: p.progress,
            ...(p.total !== undefined ? { total: p.total } : {}),
            ...(p.message !== undefined ? { message: p.message } : {}),
          }),
      }) as McpCallResult;
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (isTimeout(error)) {
        throw new Error(
          `MCP tool "${name}" on server "${this.name}" timed out after ${timeout} ms (callTimeoutMs)`,
          { cause: error },
        );
      }
      // The close handler may run just after the pending call is rejected.
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (this.#stateNow() === "closed") {
        throw new Error(`MCP server "${this.name}" was disconnected during "${name}"`, {
          cause: error,
        });
      }
      if (this.#stateNow() === "lost" || isLinkFailure(error)) {
        const lostHere = this.#state === "connected";
        if (lostHere) {
          this.#state = "lost";
          this.#lostReason = `the last call failed: ${describe(error)}`;
        }
        if (this.#transport instanceof DenoStdioClientTransport) await this.#waitForExit();
        const report = this.#processReport();
        // The failed write may beat the exit notice: the exit says more.
        if (lostHere && report) this.#lostReason = `the connection closed (${report})`;
        throw new Error(
          `MCP server "${this.name}" stopped answering during "${name}": ${
            report || describe(error)
          }. Call connect() on the MCPClient to reconnect`,
          { cause: error },
        );
      }
      throw new Error(`MCP tool "${name}" on server "${this.name}" failed: ${describe(error)}`, {
        cause: error,
      });
    }
  }

  /** The state now: a method, so checks after an await are not narrowed away. */
  #stateNow(): "idle" | "connected" | "lost" | "closed" {
    return this.#state;
  }

  /** Waits briefly for a dying process so its exit code is known. */
  async #waitForExit(): Promise<void> {
    const t = this.#transport;
    if (!(t instanceof DenoStdioClientTransport)) return;
    for (let i = 0; i < 20 && !t.exitStatus; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  async #closeTransport(): Promise<void> {
    const client = this.#client;
    const transport = this.#transport;
    this.#client = undefined;
    if (!client) return;
    await this.#flushNotifications();
    try {
      await client.close();
    } catch {
      // Closing a dead connection may fail; the transport is closed below either way.
    }
    await transport?.close().catch(() => {});
  }

  /** Closes the connection (and ends a stdio server). Safe to call more than once. */
  async close(): Promise<void> {
    // Set first, so calls that fail because of the close say so.
    this.#state = "closed";
    await this.#closeTransport();
  }
}

/**
 * Whether the connection itself failed (process gone, HTTP unreachable or
 * refusing the session), as opposed to the server answering with an error.
 */
function isLinkFailure(error: unknown): boolean {
  if (error instanceof McpError) return error.code === ErrorCode.ConnectionClosed;
  return error instanceof TypeError || error instanceof StreamableHTTPError ||
    error instanceof SseError;
}

function isTimeout(error: unknown): boolean {
  return error instanceof McpError && error.code === ErrorCode.RequestTimeout;
}

function describeConnectError(error: unknown, params: McpServerParameters): string {
  if (error instanceof Deno.errors.NotFound && "command" in params) {
    return `command "${params.command}" was not found`;
  }
  if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
    return `${describe(error)} (grant the permission, e.g. --allow-run or --allow-net)`;
  }
  return describe(error);
}
