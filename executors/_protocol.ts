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
 *    --allow-sys ... runner.js [--keep-sys]`. `--allow-sys` is needed only to
 *    connect the runner's inspector session; the runner revokes it before any
 *    user code runs unless `--keep-sys` says the user granted it.
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
 * tool, args}`; `done {step, ok, value, final, logs}` or `done {step, ok:
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

/** Protocol version spoken by this host and `_runner.ts`. */
export const PROTOCOL_VERSION = 1;
/** Marks the start of an authenticated runner frame on stdout. */
export const FRAME_MARKER = "\x1eSMOLDENO1 ";
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

/** A validated frame from the runner. */
export type RunnerFrame =
  | { t: "ready"; v: number }
  | { t: "ack"; id: number }
  | { t: "settled"; step: number }
  | { t: "call"; step: number; id: number; tool: string; args: unknown }
  | {
    t: "done";
    step: number;
    ok: true;
    value: unknown;
    final: boolean;
    logs: string;
  }
  | { t: "done"; step: number; ok: false; error: RunnerError; logs: string };

/**
 * Encodes a value as JSON-compatible data with the tags described in the
 * module doc. Self-contained on purpose: `_runner.ts` embeds its source.
 */
export function encodeValue(value: unknown, maxDepth = 100): unknown {
  const seen = new Set<object>();
  const toB64 = (bytes: Uint8Array): string => {
    // deno-lint-ignore no-explicit-any
    const u = bytes as any;
    if (typeof u.toBase64 === "function") return u.toBase64();
    let s = "";
    for (let i = 0; i < bytes.length; i += 0x8000) {
      s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    }
    return btoa(s);
  };
  const describe = (v: unknown): string => {
    try {
      return typeof v === "function"
        ? `[Function: ${(v as { name?: string }).name || "(anonymous)"}]`
        : String(v);
    } catch {
      return "[unprintable]";
    }
  };
  const enc = (v: unknown, depth: number): unknown => {
    switch (typeof v) {
      case "string":
      case "boolean":
        return v;
      case "number":
        if (Number.isNaN(v)) return { $t: "number", v: "NaN" };
        if (v === Infinity) return { $t: "number", v: "Infinity" };
        if (v === -Infinity) return { $t: "number", v: "-Infinity" };
        if (Object.is(v, -0)) return { $t: "number", v: "-0" };
        return v;
      case "undefined":
        return { $t: "undefined" };
      case "bigint":
        return { $t: "bigint", v: v.toString() };
      case "symbol":
      case "function":
        return { $t: "text", v: describe(v) };
    }
    if (v === null) return null;
    const o = v as object;
    if (depth > maxDepth) return { $t: "text", v: "[too deep]" };
    if (seen.has(o)) return { $t: "text", v: "[Circular]" };
    seen.add(o);
    try {
      if (o instanceof Uint8Array) return { $t: "bytes", v: toB64(o) };
      if (ArrayBuffer.isView(o)) {
        return { $t: "bytes", v: toB64(new Uint8Array(o.buffer, o.byteOffset, o.byteLength)) };
      }
      if (o instanceof ArrayBuffer) return { $t: "bytes", v: toB64(new Uint8Array(o)) };
      if (o instanceof Date) {
        const t = o.getTime();
        return { $t: "date", v: Number.isNaN(t) ? "Invalid Date" : o.toISOString() };
      }
      if (o instanceof RegExp) return { $t: "regexp", v: o.source, flags: o.flags };
      if (o instanceof Map) {
        return { $t: "map", v: [...o].map(([k, x]) => [enc(k, depth + 1), enc(x, depth + 1)]) };
      }
      if (o instanceof Set) return { $t: "set", v: [...o].map((x) => enc(x, depth + 1)) };
      if (o instanceof Error) {
        return {
          $t: "error",
          name: String(o.name),
          message: String(o.message),
          stack: typeof o.stack === "string" ? o.stack : undefined,
        };
      }
      if (Array.isArray(o)) {
        const out = new Array(o.length);
        for (let i = 0; i < o.length; i++) out[i] = enc(o[i], depth + 1);
        return out;
      }
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(o)) {
        out[k] = enc((o as Record<string, unknown>)[k], depth + 1);
      }
      return Object.hasOwn(out, "$t") ? { $t: "object", v: out } : out;
    } finally {
      seen.delete(o);
    }
  };
  return enc(value, 0);
}

/**
 * Decodes what {@linkcode encodeValue} produced. The input is untrusted: tags
 * are checked strictly, depth is capped, `__proto__` keys stay plain data
 * (objects are built with `Object.defineProperty`-like semantics), and any
 * malformed tag throws a `TypeError`. Self-contained: `_runner.ts` embeds it.
 */
export function decodeValue(data: unknown, maxDepth = 200): unknown {
  const fromB64 = (s: string): Uint8Array => {
    // deno-lint-ignore no-explicit-any
    const U = Uint8Array as any;
    if (typeof U.fromBase64 === "function") return U.fromBase64(s);
    const bin = atob(s);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  };
  const bad = (what: string): never => {
    throw new TypeError(`Invalid encoded value: ${what}`);
  };
  const str = (v: unknown, what: string): string => typeof v === "string" ? v : bad(what);
  const dec = (v: unknown, depth: number): unknown => {
    if (depth > maxDepth) bad(`nested deeper than ${maxDepth}`);
    if (v === null || typeof v === "string" || typeof v === "boolean") return v;
    if (typeof v === "number") return Number.isFinite(v) ? v : bad("non-finite number");
    if (typeof v !== "object") return bad(`unexpected ${typeof v}`);
    if (Array.isArray(v)) return v.map((x) => dec(x, depth + 1));
    const o = v as Record<string, unknown>;
    if (!Object.hasOwn(o, "$t")) {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(o)) {
        Object.defineProperty(out, k, {
          value: dec(o[k], depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    switch (o.$t) {
      case "undefined":
        return undefined;
      case "number":
        switch (o.v) {
          case "NaN":
            return NaN;
          case "Infinity":
            return Infinity;
          case "-Infinity":
            return -Infinity;
          case "-0":
            return -0;
        }
        return bad("number tag");
      case "bigint": {
        const s = str(o.v, "bigint tag");
        return /^-?\d{1,10000}$/.test(s) ? BigInt(s) : bad("bigint tag");
      }
      case "date":
        return new Date(str(o.v, "date tag") === "Invalid Date" ? NaN : str(o.v, "date tag"));
      case "bytes":
        try {
          return fromB64(str(o.v, "bytes tag"));
        } catch {
          return bad("bytes tag is not base64");
        }
      case "regexp":
        try {
          return new RegExp(str(o.v, "regexp tag"), str(o.flags, "regexp flags"));
        } catch {
          return bad("regexp tag");
        }
      case "map":
        if (!Array.isArray(o.v)) bad("map tag");
        return new Map(
          (o.v as unknown[]).map((e) => {
            if (!Array.isArray(e) || e.length !== 2) bad("map entry");
            const [k, x] = e as unknown[];
            return [dec(k, depth + 1), dec(x, depth + 1)];
          }),
        );
      case "set":
        if (!Array.isArray(o.v)) bad("set tag");
        return new Set((o.v as unknown[]).map((x) => dec(x, depth + 1)));
      case "error": {
        const e = new Error(str(o.message, "error message"));
        e.name = str(o.name, "error name");
        if (typeof o.stack === "string") e.stack = o.stack;
        return e;
      }
      case "text":
        return str(o.v, "text tag");
      case "object": {
        if (o.v === null || typeof o.v !== "object" || Array.isArray(o.v)) bad("object tag");
        const inner = o.v as Record<string, unknown>;
        const out: Record<string, unknown> = {};
        for (const k of Object.keys(inner)) {
          Object.defineProperty(out, k, {
            value: dec(inner[k], depth + 1),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
        return out;
      }
      default:
        return bad(`unknown tag ${JSON.stringify(o.$t)}`);
    }
  };
  return dec(data, 0);
}

/**
 * Returns a synchronous HMAC-SHA256 function for a 32-byte key, in plain
 * JavaScript. Self-contained: the runner's channel embeds its source, where
 * WebCrypto's thread-pool round trip would cost more than hashing a frame.
 */
export function hmacSha256(key: Uint8Array): (message: Uint8Array) => Uint8Array {
  // Int32 arrays and `| 0` after every addition keep V8 on small-integer
  // arithmetic (Uint32 values above 2^31 would turn into doubles).
  const K = new Int32Array([
    0x428a2f98,
    0x71374491,
    0xb5c0fbcf,
    0xe9b5dba5,
    0x3956c25b,
    0x59f111f1,
    0x923f82a4,
    0xab1c5ed5,
    0xd807aa98,
    0x12835b01,
    0x243185be,
    0x550c7dc3,
    0x72be5d74,
    0x80deb1fe,
    0x9bdc06a7,
    0xc19bf174,
    0xe49b69c1,
    0xefbe4786,
    0x0fc19dc6,
    0x240ca1cc,
    0x2de92c6f,
    0x4a7484aa,
    0x5cb0a9dc,
    0x76f988da,
    0x983e5152,
    0xa831c66d,
    0xb00327c8,
    0xbf597fc7,
    0xc6e00bf3,
    0xd5a79147,
    0x06ca6351,
    0x14292967,
    0x27b70a85,
    0x2e1b2138,
    0x4d2c6dfc,
    0x53380d13,
    0x650a7354,
    0x766a0abb,
    0x81c2c92e,
    0x92722c85,
    0xa2bfe8a1,
    0xa81a664b,
    0xc24b8b70,
    0xc76c51a3,
    0xd192e819,
    0xd6990624,
    0xf40e3585,
    0x106aa070,
    0x19a4c116,
    0x1e376c08,
    0x2748774c,
    0x34b0bcb5,
    0x391c0cb3,
    0x4ed8aa4a,
    0x5b9cca4f,
    0x682e6ff3,
    0x748f82ee,
    0x78a5636f,
    0x84c87814,
    0x8cc70208,
    0x90befffa,
    0xa4506ceb,
    0xbef9a3f7,
    0xc67178f2,
  ]);
  const W = new Int32Array(64);
  const compress = (H: Int32Array, b: Uint8Array, off: number) => {
    for (let i = 0; i < 16; i++) {
      const j = off + 4 * i;
      W[i] = (b[j] << 24) | (b[j + 1] << 16) | (b[j + 2] << 8) | b[j + 3];
    }
    for (let i = 16; i < 64; i++) {
      const w15 = W[i - 15];
      const w2 = W[i - 2];
      const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
      const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
      W[i] = (((W[i - 16] + s0) | 0) + ((W[i - 7] + s1) | 0)) | 0;
    }
    let a = H[0], b1 = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7];
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (((((h + S1) | 0) + ((e & f) ^ (~e & g))) | 0) + ((K[i] + W[i]) | 0)) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (S0 + ((a & b1) ^ (a & c) ^ (b1 & c))) | 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b1;
      b1 = a;
      a = (t1 + t2) | 0;
    }
    H[0] = (H[0] + a) | 0;
    H[1] = (H[1] + b1) | 0;
    H[2] = (H[2] + c) | 0;
    H[3] = (H[3] + d) | 0;
    H[4] = (H[4] + e) | 0;
    H[5] = (H[5] + f) | 0;
    H[6] = (H[6] + g) | 0;
    H[7] = (H[7] + h) | 0;
  };
  // Hashes `msg` continuing from `state`, which already absorbed one 64-byte block.
  const finish = (state: Int32Array, msg: Uint8Array): Uint8Array => {
    const H = state.slice();
    let off = 0;
    for (; off + 64 <= msg.length; off += 64) compress(H, msg, off);
    const rem = msg.length - off;
    const tail = new Uint8Array(rem + 9 <= 64 ? 64 : 128);
    tail.set(msg.subarray(off));
    tail[rem] = 0x80;
    const bits = (64 + msg.length) * 8;
    const hi = Math.floor(bits / 0x100000000);
    const n = tail.length;
    tail[n - 8] = hi >>> 24;
    tail[n - 7] = hi >>> 16;
    tail[n - 6] = hi >>> 8;
    tail[n - 5] = hi;
    tail[n - 4] = bits >>> 24;
    tail[n - 3] = bits >>> 16;
    tail[n - 2] = bits >>> 8;
    tail[n - 1] = bits;
    for (let o = 0; o < n; o += 64) compress(H, tail, o);
    const out = new Uint8Array(32);
    for (let i = 0; i < 8; i++) {
      out[4 * i] = H[i] >>> 24;
      out[4 * i + 1] = H[i] >>> 16;
      out[4 * i + 2] = H[i] >>> 8;
      out[4 * i + 3] = H[i];
    }
    return out;
  };
  const iv = new Int32Array([
    0x6a09e667,
    0xbb67ae85,
    0x3c6ef372,
    0xa54ff53a,
    0x510e527f,
    0x9b05688c,
    0x1f83d9ab,
    0x5be0cd19,
  ]);
  const pad = (x: number) => {
    const block = new Uint8Array(64);
    for (let i = 0; i < 64; i++) block[i] = (key[i] ?? 0) ^ x;
    const state = iv.slice();
    compress(state, block, 0);
    return state;
  };
  const inner = pad(0x36);
  const outer = pad(0x5c);
  return (message) => finish(outer, finish(inner, message));
}

/** Computes the MAC of a runner frame: base64url(HMAC-SHA256(key, `${seq} ${json}`)). */
export function frameMac(keyHex: string, seq: number, json: string): string {
  return base64url(hmacSha256(hexToBytes(keyHex))(new TextEncoder().encode(`${seq} ${json}`)));
}

function base64url(bytes: Uint8Array): string {
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
  #encoder = new TextEncoder();
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
      this.#chunks.push(piece.slice());
      this.#size += piece.length;
      if (nl !== -1) this.#line(events);
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

  #line(events: ReaderEvent[]): void {
    const line = this.#joined();
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
    const text = this.#lineDecoder.decode(bytes);
    if (!text.startsWith(FRAME_MARKER)) return undefined;
    const rest = text.slice(FRAME_MARKER.length);
    const s1 = rest.indexOf(" ");
    const s2 = rest.indexOf(" ", s1 + 1);
    if (s1 < 1 || s2 < 0) return undefined;
    const seqText = rest.slice(0, s1);
    if (seqText !== String(this.#nextSeq)) return undefined;
    const mac = rest.slice(s1 + 1, s2);
    const json = rest.slice(s2 + 1);
    const expected = base64url(this.#mac(this.#encoder.encode(`${seqText} ${json}`)));
    // Constant-time comparison: no early exit on the first differing character.
    let diff = mac.length ^ expected.length;
    for (let i = 0; i < expected.length; i++) {
      diff |= expected.charCodeAt(i) ^ (mac.charCodeAt(i) | 0);
    }
    if (diff !== 0) return undefined;
    this.#nextSeq++;
    try {
      return JSON.parse(json);
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
