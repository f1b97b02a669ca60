/**
 * The value encoding of the sandbox protocol: JSON plus tagged objects for
 * what JSON lacks (see `_protocol.ts` for the tags). Both functions are
 * self-contained because the runner embeds their source.
 *
 * @module
 */

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
