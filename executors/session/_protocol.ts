/**
 * The wire protocol between a host and the sandbox runner (`_runner.ts`),
 * shared by every executor that runs the runner: Deno subprocess, Docker, E2B.
 *
 * ## Launching the runner
 *
 * 1. Write `runnerSource()` (from `_runner.ts`) to a file the sandbox cannot
 *    write, e.g. `runner.js`. Never make the model's code a module of the
 *    entry graph: evaluated code is permission-checked, the entry graph is not.
 * 2. Start it with the argv of `buildSandboxCommand()` (`_permissions.ts`):
 *    `deno run --no-prompt --no-config --no-lock --unstable-worker-options
 *    ... runner.js`, whose flags are the user's grants and nothing more (the
 *    runner needs no permission of its own).
 *    Its stdin, stdout and stderr are the only channel (E2B has nothing else).
 * 3. Write the hello line first: `{"t":"hello","v":1,"key":"<64 hex chars>",
 *    "maxOutputLength":50000,"maxFrameBytes":33554432}` + `\n`. The key is a
 *    fresh random secret per process; the runner's channel worker (a
 *    permission-less Worker the user's code cannot reach) reads it before any
 *    user code exists.
 * 4. Read stdout with a {@linkcode FrameReader}. The first authenticated
 *    frame is `{"t":"ready","v":1}`. Or simply use `RunnerSession.start()`
 *    (`_session.ts`), which does all of this over any {@linkcode SandboxProcess}.
 *
 * ## Frames
 *
 * Host → runner: one JSON object per line (`\n`). Only the host can write to
 * the runner's stdin; user code may *read* stdin and steal a frame, which
 * only stalls its own step until the timeout.
 *
 * Runner → host: `\x1eSMOLDENO1 <seq> <mac> <json>\n` on stdout, where `seq`
 * counts from 1 without gaps and `mac` is base64url(HMAC-SHA256(key,
 * `<seq> <json>`)). User code can write anything to stdout but does not know
 * the key, so the host treats every line without a valid MAC (or with a
 * replayed/out-of-order seq) as plain output text. A valid MAC on an invalid
 * frame means the runner itself is broken: the host kills it (`crashed`).
 *
 * Host → runner messages: `hello`; `exec {id, code}` (JavaScript already
 * prepared by `prepareCode()`); `tools {tools: [{name, params}]}`;
 * `vars {vars}`; `ret {id, ok, value | error: {name, message}}` (tool result).
 * Runner → host: `ready`; `ack {id}` (tools/vars installed); `call {step, id,
 * tool, args}`; `calls {step, list: [{id, tool, args}, …], sizes: […]}` (the
 * tool calls the code made in one go, one MAC for all; `sizes[i]` is the
 * length of call i's JSON, by which each call is charged its share of the
 * frame's bytes); `done {step, ok, value, final, logs}` or `done {step, ok:
 * false, error: {kind, name, message, stack, line, column, permission}, logs}`.
 *
 * ## Values
 *
 * Values cross as JSON with tagged objects for what JSON lacks
 * ({@linkcode encodeValue}): `{"$t":"undefined"}`, `{"$t":"number","v":"NaN"}`
 * (also `Infinity`, `-Infinity`, `-0`), `{"$t":"bigint","v":"12"}`,
 * `{"$t":"date","v":"<ISO>"}`, `{"$t":"bytes","v":"<base64>"}` (Uint8Array;
 * other typed arrays and ArrayBuffer arrive as Uint8Array of their bytes),
 * `{"$t":"map","v":[[k,v],…]}`, `{"$t":"set","v":[…]}`,
 * `{"$t":"regexp","v":"<source>","flags":"g"}`, `{"$t":"error","name","message","stack"}`
 * (decodes to an Error), `{"$t":"text","v":"<description>"}` for what cannot
 * cross (functions, symbols, circular references, too-deep values: decodes
 * to the description string), and `{"$t":"object","v":{…}}` for a plain
 * object that itself has a `$t` key. Class instances cross as plain objects
 * of their own enumerable properties.
 *
 * @module
 */

import { hmacSha256 } from "../sandbox/_hmac.ts";

export { hmacSha256 } from "../sandbox/_hmac.ts";
export { decodeValue, encodeValue } from "../sandbox/_values.ts";

/** Protocol version spoken by this host and `_runner.ts`. */
export const PROTOCOL_VERSION = 1;
/** Marks the start of an authenticated runner frame on stdout. */
export const FRAME_MARKER = "\x1eSMOLDENO1 ";
const MARKER_BYTES = new TextEncoder().encode(FRAME_MARKER);
/** Default cap on one frame, in bytes. */
export const DEFAULT_MAX_FRAME_BYTES: number = 32 * 1024 * 1024;
/** Deepest value nesting accepted by {@linkcode decodeValue}. */
export const MAX_VALUE_DEPTH = 200;

/** Error details the runner reports for a failed step. */
export interface RunnerError {
  kind: "syntax" | "runtime" | "permission" | "import" | "memory";
  name: string;
  message: string;
  stack?: string;
  line?: number;
  column?: number;
  permission?: string;
}

/**
 * One call of a `calls` frame. `size` is the length of the call's JSON in the
 * frame; the host charges each call its share of the frame's bytes by it.
 */
export interface BatchedCall {
  id: number;
  tool: string;
  args: unknown;
  size: number;
}

/** A validated frame from the runner. */
export type RunnerFrame =
  | { t: "ready"; v: number }
  | { t: "ack"; id: number }
  | { t: "settled"; step: number }
  | { t: "call"; step: number; id: number; tool: string; args: unknown }
  | { t: "calls"; step: number; calls: BatchedCall[] }
  | {
    t: "done";
    step: number;
    ok: true;
    value: unknown;
    final: boolean;
    logs: string;
  }
  | { t: "done"; step: number; ok: false; error: RunnerError; logs: string };

/** Computes the MAC of a runner frame: base64url(HMAC-SHA256(key, `${seq} ${json}`)). */
export function frameMac(keyHex: string, seq: number, json: string): string {
  return base64url(hmacSha256(hexToBytes(keyHex))(new TextEncoder().encode(`${seq} ${json}`)));
}

function base64url(bytes: Uint8Array): string {
  // deno-lint-ignore no-explicit-any
  const u = bytes as any;
  if (typeof u.toBase64 === "function") {
    return u.toBase64({ alphabet: "base64url", omitPadding: true });
  }
  let bin = "";
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
  return btoa(bin).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** Builds one authenticated runner frame line, as the runner writes it. */
export function signFrame(keyHex: string, seq: number, message: unknown): string {
  const json = JSON.stringify(message);
  return `${FRAME_MARKER}${seq} ${frameMac(keyHex, seq, json)} ${json}\n`;
}

/** Something read from the runner's stdout. */
export type ReaderEvent =
  | { type: "text"; text: string }
  | { type: "frame"; message: unknown; bytes: number };

/**
 * Splits a runner's stdout into authenticated frames and plain text. Lines
 * that are not valid frames for this key (no marker, bad MAC, wrong seq) are
 * returned as text; lines longer than `maxFrameBytes` are cut to text.
 */
export class FrameReader {
  #mac: (message: Uint8Array) => Uint8Array;
  #lineDecoder = new TextDecoder();
  #nextSeq = 1;
  #maxFrameBytes: number;
  #chunks: Uint8Array[] = [];
  #size = 0;
  #overflow = false;
  #decoder = new TextDecoder();

  /** Creates a reader for frames signed with `keyHex`. */
  constructor(keyHex: string, maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES) {
    this.#mac = hmacSha256(hexToBytes(keyHex));
    this.#maxFrameBytes = maxFrameBytes;
  }

  /** Feeds bytes; returns what they completed, in order. */
  push(chunk: Uint8Array): ReaderEvent[] {
    const events: ReaderEvent[] = [];
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(10, start);
      const end = nl === -1 ? chunk.length : nl + 1;
      let piece = chunk.subarray(start, end);
      start = end;
      if (this.#overflow) {
        // Inside an over-long line: only a marker byte can start a frame again.
        const k = piece.lastIndexOf(0x1e);
        if (k === -1) {
          this.#text(events, piece, nl === -1);
          if (nl !== -1) this.#overflow = false;
          continue;
        }
        this.#text(events, piece.subarray(0, k), true);
        this.#overflow = false;
        piece = piece.subarray(k);
      }
      if (this.#size + piece.length > this.#maxFrameBytes) {
        const line = this.#joined(piece);
        this.#chunks = [];
        this.#size = 0;
        const k = line.lastIndexOf(0x1e);
        if (k > 0 && line.length - k <= this.#maxFrameBytes) {
          this.#text(events, line.subarray(0, k), true);
          piece = line.subarray(k);
        } else {
          this.#text(events, line, nl === -1);
          this.#overflow = nl === -1;
          continue;
        }
      }
      if (nl !== -1 && this.#size === 0) {
        // A whole line within this chunk: no copy.
        this.#line(events, piece);
        continue;
      }
      this.#chunks.push(piece.slice());
      this.#size += piece.length;
      if (nl !== -1) this.#line(events, this.#joined());
    }
    return events;
  }

  #text(events: ReaderEvent[], bytes: Uint8Array, stream: boolean): void {
    const text = this.#decoder.decode(bytes, { stream });
    if (text) events.push({ type: "text", text });
  }

  /** Returns the text of an unfinished last line (call when the stream ends). */
  flush(): ReaderEvent[] {
    if (this.#size === 0) return [];
    const line = this.#joined();
    this.#chunks = [];
    this.#size = 0;
    return [{ type: "text", text: this.#decoder.decode(line) }];
  }

  #joined(extra?: Uint8Array): Uint8Array {
    const parts = extra ? [...this.#chunks, extra] : this.#chunks;
    if (parts.length === 1) return parts[0];
    const out = new Uint8Array(this.#size + (extra?.length ?? 0));
    let o = 0;
    for (const c of parts) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }

  #line(events: ReaderEvent[], line: Uint8Array): void {
    this.#chunks = [];
    this.#size = 0;
    // The runner's JSON escapes control characters, so the last marker byte
    // on a line starts the real frame even if user bytes preceded it.
    const at = line.lastIndexOf(0x1e);
    if (at !== -1) {
      const frame = this.#verify(line.subarray(at, line.length - 1));
      if (frame !== undefined) {
        if (at > 0) events.push({ type: "text", text: this.#decoder.decode(line.subarray(0, at)) });
        events.push({ type: "frame", message: frame, bytes: line.length - at });
        return;
      }
    }
    events.push({ type: "text", text: this.#decoder.decode(line) });
  }

  #verify(bytes: Uint8Array): unknown {
    // Checked on the bytes, decoded only once authenticated.
    const m = MARKER_BYTES.length;
    if (bytes.length <= m) return undefined;
    for (let i = 0; i < m; i++) if (bytes[i] !== MARKER_BYTES[i]) return undefined;
    const s1 = bytes.indexOf(32, m);
    const s2 = s1 < 0 ? -1 : bytes.indexOf(32, s1 + 1);
    if (s1 <= m || s2 < 0) return undefined;
    const seqText = String(this.#nextSeq);
    if (s1 - m !== seqText.length) return undefined;
    for (let i = 0; i < seqText.length; i++) {
      if (bytes[m + i] !== seqText.charCodeAt(i)) return undefined;
    }
    // The MAC covers `<seq> <json>`: the seq and its space, then the JSON.
    const json = bytes.subarray(s2 + 1);
    const signed = new Uint8Array(s1 + 1 - m + json.length);
    signed.set(bytes.subarray(m, s1 + 1));
    signed.set(json, s1 + 1 - m);
    const expected = base64url(this.#mac(signed));
    // Constant-time comparison: no early exit on the first differing character.
    let diff = (s2 - s1 - 1) ^ expected.length;
    for (let i = 0; i < expected.length; i++) {
      diff |= expected.charCodeAt(i) ^ (bytes[s1 + 1 + i] | 0);
    }
    if (diff !== 0) return undefined;
    this.#nextSeq++;
    try {
      return JSON.parse(this.#lineDecoder.decode(json));
    } catch {
      return { t: "invalid-json" };
    }
  }
}

/**
 * Validates an authenticated runner message. Returns the frame, or a string
 * saying what is wrong (the host then treats the runner as crashed).
 */
export function parseRunnerFrame(message: unknown): RunnerFrame | string {
  if (message === null || typeof message !== "object" || Array.isArray(message)) {
    return "frame is not an object";
  }
  const m = message as Record<string, unknown>;
  const int = (k: string) => Number.isSafeInteger(m[k]) && (m[k] as number) >= 0;
  switch (m.t) {
    case "ready":
      return m.v === PROTOCOL_VERSION ? { t: "ready", v: PROTOCOL_VERSION } : "unsupported version";
    case "ack":
      return int("id") ? { t: "ack", id: m.id as number } : "ack without id";
    case "settled":
      return int("step") ? { t: "settled", step: m.step as number } : "settled without step";
    case "call":
      if (!int("step") || !int("id")) return "call without step or id";
      if (typeof m.tool !== "string" || !/^[A-Za-z_$][\w$]{0,127}$/.test(m.tool)) {
        return "call with an invalid tool name";
      }
      return { t: "call", step: m.step as number, id: m.id as number, tool: m.tool, args: m.args };
    case "calls": {
      const list = m.list;
      const sizes = m.sizes;
      if (
        !int("step") || !Array.isArray(list) || !Array.isArray(sizes) || list.length < 2 ||
        sizes.length !== list.length
      ) return "calls without step, list or sizes";
      const calls: BatchedCall[] = new Array(list.length);
      for (let i = 0; i < list.length; i++) {
        const c = list[i] as Record<string, unknown> | null;
        const size = sizes[i];
        if (
          c === null || typeof c !== "object" || !Number.isSafeInteger(c.id) ||
          (c.id as number) < 0 || !Number.isSafeInteger(size) || (size as number) < 0
        ) return "calls with an invalid call";
        if (typeof c.tool !== "string" || !/^[A-Za-z_$][\w$]{0,127}$/.test(c.tool)) {
          return "call with an invalid tool name";
        }
        calls[i] = { id: c.id as number, tool: c.tool, args: c.args, size: size as number };
      }
      return { t: "calls", step: m.step as number, calls };
    }
    case "done": {
      if (!int("step") || typeof m.logs !== "string" || typeof m.ok !== "boolean") {
        return "done without step, ok or logs";
      }
      if (m.ok) {
        return {
          t: "done",
          step: m.step as number,
          ok: true,
          value: m.value,
          final: m.final === true,
          logs: m.logs,
        };
      }
      const e = m.error as Record<string, unknown> | null;
      const kinds = ["syntax", "runtime", "permission", "import", "memory"];
      if (
        e === null || typeof e !== "object" || !kinds.includes(e.kind as string) ||
        typeof e.message !== "string" || typeof e.name !== "string"
      ) return "done with an invalid error";
      const num = (v: unknown) =>
        Number.isSafeInteger(v) && (v as number) > 0 ? v as number : undefined;
      return {
        t: "done",
        step: m.step as number,
        ok: false,
        logs: m.logs,
        error: {
          kind: e.kind as RunnerError["kind"],
          name: e.name,
          message: e.message,
          stack: typeof e.stack === "string" ? e.stack : undefined,
          line: num(e.line),
          column: num(e.column),
          permission: typeof e.permission === "string" ? e.permission : undefined,
        },
      };
    }
    default:
      return `unknown frame type ${JSON.stringify(String(m.t)).slice(0, 40)}`;
  }
}

/** Decodes a hex string to bytes. */
export function hexToBytes(hex: string): Uint8Array {
  if (!/^(?:[0-9a-f]{2})+$/i.test(hex)) throw new TypeError("Invalid hex key");
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Makes a fresh random session key (32 bytes, hex). */
export function newSessionKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
