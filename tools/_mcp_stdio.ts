// Deno-native stdio transports for the MCP SDK. The SDK's own stdio
// transports assume Node streams: the server one calls `_stdin.on(...)`
// (a TypeError with `Deno.stdin`) and both parse with the `Buffer` global,
// which Deno gives to npm packages but not to our code or to Web streams.
// These speak the same newline-delimited JSON-RPC over Web streams and
// `Deno.Command`, so they need no Node emulation and leak no resources.

import type { Transport } from "@modelcontextprotocol/sdk/shared/transport";
// @ts-types="@modelcontextprotocol/sdk/types"
import {
  ErrorCode,
  type JSONRPCMessage,
  JSONRPCMessageSchema,
  McpError,
} from "@modelcontextprotocol/sdk/types.js";

/** A message longer than this (10 MiB, the SDK's own limit) ends the connection. */
const MAX_LINE_CHARS = 10 * 1024 * 1024;
/** How many stderr lines of a server are kept for error messages. */
const STDERR_TAIL_LINES = 20;
/** How long a server gets to exit after its stdin closes, and again after SIGTERM. */
const EXIT_GRACE_MS = 2000;

/**
 * Splits a byte stream into lines. `TextDecoderStream` joins UTF-8
 * sequences cut across chunks, which byte-level splitting would garble.
 */
export async function* readLines(
  stream: ReadableStream<Uint8Array>,
  maxLineChars: number = MAX_LINE_CHARS,
): AsyncGenerator<string> {
  let pending = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    pending += chunk;
    let index: number;
    while ((index = pending.indexOf("\n")) !== -1) {
      yield pending.slice(0, index).replace(/\r$/, "");
      pending = pending.slice(index + 1);
    }
    if (pending.length > maxLineChars) {
      throw new RangeError(`Message exceeds ${maxLineChars} characters without a newline`);
    }
  }
  if (pending.trim() !== "") yield pending;
}

/** Parses one line into a JSON-RPC message, or throws a readable error. */
export function parseMessage(line: string): JSONRPCMessage {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new SyntaxError(`Expected a JSON-RPC message, got: ${line.slice(0, 200)}`);
  }
  return JSONRPCMessageSchema.parse(value);
}

const encoder = new TextEncoder();

/** Options of {@linkcode DenoStdioClientTransport}. */
export interface DenoStdioClientTransportOptions {
  /** Program to run. */
  command: string;
  /** Its arguments. */
  args?: readonly string[];
  /** Extra environment variables (added to a small safe default set). */
  env?: Record<string, string>;
  /** Working directory of the server. */
  cwd?: string;
  /** Receives each line the server writes to stderr. */
  onStderr?: (line: string) => void;
}

/** Environment variables a server inherits: enough to run, no secrets (as the SDK does). */
const INHERITED_ENV = Deno.build.os === "windows"
  ? [
    "APPDATA",
    "HOMEDRIVE",
    "HOMEPATH",
    "LOCALAPPDATA",
    "PATH",
    "SYSTEMROOT",
    "TEMP",
    "USERPROFILE",
  ]
  : ["HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER"];

function defaultEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of INHERITED_ENV) {
    try {
      const value = Deno.env.get(key);
      // Exported shell functions look like "() { …": never pass them on.
      if (value !== undefined && !value.startsWith("()")) env[key] = value;
    } catch {
      // Without --allow-env the server simply starts with what we were given.
    }
  }
  return env;
}

/**
 * Spawns an MCP server with `Deno.Command` and talks to it over its stdin and
 * stdout. `onclose` fires once the process has exited and its output is read.
 */
export class DenoStdioClientTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  #options: DenoStdioClientTransportOptions;
  #child?: Deno.ChildProcess;
  #writer?: WritableStreamDefaultWriter<Uint8Array>;
  #stderrTail: string[] = [];
  #status?: Deno.CommandStatus;
  #done?: Promise<void>;

  constructor(options: DenoStdioClientTransportOptions) {
    this.#options = options;
  }

  /** The server's process id while it runs. */
  get pid(): number | undefined {
    return this.#status ? undefined : this.#child?.pid;
  }

  /** How the process ended, once it has. */
  get exitStatus(): Deno.CommandStatus | undefined {
    return this.#status;
  }

  /** The last lines the server wrote to stderr. */
  get stderrTail(): string {
    return this.#stderrTail.join("\n");
  }

  start(): Promise<void> {
    if (this.#child) return Promise.reject(new Error("The transport is already started"));
    const { command, args = [], env = {}, cwd } = this.#options;
    this.#child = new Deno.Command(command, {
      args: [...args],
      env: { ...defaultEnvironment(), ...env },
      clearEnv: true,
      cwd,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#writer = this.#child.stdin.getWriter();
    // A write to a dead process fails here; the exit itself is reported by onclose.
    this.#writer.closed.catch(() => {});
    const stdout = this.#pumpStdout(this.#child.stdout);
    const stderr = this.#pumpStderr(this.#child.stderr);
    this.#done = Promise.all([this.#child.status, stdout, stderr]).then(([status]) => {
      this.#status = status;
      this.onclose?.();
    });
    return Promise.resolve();
  }

  async #pumpStdout(stream: ReadableStream<Uint8Array>): Promise<void> {
    try {
      for await (const line of readLines(stream)) {
        if (line.trim() === "") continue;
        let message: JSONRPCMessage;
        try {
          message = parseMessage(line);
        } catch (error) {
          this.onerror?.(error as Error);
          continue;
        }
        this.onmessage?.(message);
      }
    } catch (error) {
      this.onerror?.(error as Error);
      this.#kill("SIGKILL");
      await stream.cancel().catch(() => {});
    }
  }

  async #pumpStderr(stream: ReadableStream<Uint8Array>): Promise<void> {
    try {
      for await (const line of readLines(stream)) {
        this.#stderrTail.push(line);
        if (this.#stderrTail.length > STDERR_TAIL_LINES) this.#stderrTail.shift();
        this.#options.onStderr?.(line);
      }
    } catch {
      await stream.cancel().catch(() => {});
    }
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (!this.#writer || this.#status) {
      throw new McpError(
        ErrorCode.ConnectionClosed,
        "Not connected: the server process has exited",
      );
    }
    try {
      await this.#writer.write(encoder.encode(JSON.stringify(message) + "\n"));
    } catch (error) {
      // The server closed its stdin or died before we noticed its exit: to
      // the caller this is a closed connection, not an odd tool failure.
      throw new McpError(
        ErrorCode.ConnectionClosed,
        `Not connected: the server process stopped reading its input (${
          error instanceof Error ? error.message : String(error)
        })`,
      );
    }
  }

  #kill(signal: Deno.Signal): void {
    try {
      this.#child?.kill(signal);
    } catch {
      // Already gone.
    }
  }

  /** Closes stdin, then escalates to SIGTERM and SIGKILL until the server has exited. */
  async close(): Promise<void> {
    if (!this.#child || !this.#done) return;
    await this.#writer?.close().catch(() => {});
    for (const signal of ["SIGTERM", "SIGKILL"] as const) {
      if (this.#status) break;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const exited = await Promise.race([
        this.#done.then(() => true),
        new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), EXIT_GRACE_MS)),
      ]);
      clearTimeout(timer);
      if (exited) break;
      this.#kill(signal);
    }
    await this.#done;
  }
}

/** Options of {@linkcode DenoStdioServerTransport}. */
export interface DenoStdioServerTransportOptions {
  /** Where requests come from. Defaults to `Deno.stdin.readable`. */
  stdin?: ReadableStream<Uint8Array>;
  /** Where replies go. Defaults to `Deno.stdout.writable`. */
  stdout?: WritableStream<Uint8Array>;
}

/**
 * Serves MCP over this process's stdin and stdout (or given Web streams).
 * `onclose` fires when stdin ends or {@linkcode close} is called.
 */
export class DenoStdioServerTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  #stdin: ReadableStream<Uint8Array>;
  #stdout: WritableStream<Uint8Array>;
  #writer?: WritableStreamDefaultWriter<Uint8Array>;
  #abort = new AbortController();
  #reading?: Promise<void>;
  #closed = false;

  constructor(options: DenoStdioServerTransportOptions = {}) {
    this.#stdin = options.stdin ?? Deno.stdin.readable;
    this.#stdout = options.stdout ?? Deno.stdout.writable;
  }

  /** Resolves when stdin has ended or the transport was closed. */
  get finished(): Promise<void> {
    return this.#reading ?? Promise.resolve();
  }

  start(): Promise<void> {
    if (this.#reading) return Promise.reject(new Error("The transport is already started"));
    this.#writer = this.#stdout.getWriter();
    this.#reading = this.#read();
    return Promise.resolve();
  }

  async #read(): Promise<void> {
    const signal = this.#abort.signal;
    // pipeThrough with a signal lets close() stop the read and release stdin.
    const lines = new TransformStream<Uint8Array, Uint8Array>();
    this.#stdin.pipeTo(lines.writable, { signal }).catch(() => {});
    try {
      for await (const line of readLines(lines.readable)) {
        if (line.trim() === "") continue;
        let message: JSONRPCMessage;
        try {
          message = parseMessage(line);
        } catch (error) {
          this.onerror?.(error as Error);
          continue;
        }
        this.onmessage?.(message);
      }
    } catch (error) {
      if (!signal.aborted) this.onerror?.(error as Error);
    }
    this.#finish();
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#writer?.releaseLock();
    this.onclose?.();
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (!this.#writer || this.#closed) throw new Error("Not connected: the transport is closed");
    await this.#writer.write(encoder.encode(JSON.stringify(message) + "\n"));
  }

  async close(): Promise<void> {
    this.#abort.abort();
    await this.#reading;
    this.#finish();
  }
}
