/**
 * What the server sends the page: agent events and the session's own
 * messages, made JSON-safe. Events hold anything a tool or the sandbox
 * returned (bytes, images, bigints, cycles): each becomes plain data the page
 * renders as text, with images and sounds as bounded `data:` URLs.
 *
 * @module
 */

import type { AgentEvent, ErrorData } from "../events.ts";
import { isAudioValue, isImageValue, mediaToDataUrl } from "../media.ts";

/** A value the page can read: JSON, nothing else. */
export type WireValue = null | boolean | number | string | WireValue[] | {
  [key: string]: WireValue;
};

/** A file attached to a task, as the page shows it. */
export interface WireFile {
  /** The file's name in the session folder. */
  name: string;
  /** Its size in bytes. */
  size: number;
  /** `"image"` when it also reached the model as an image. */
  kind: "image" | "file";
}

/** How a task ended, from the page's side. */
export type RunOutcome = "done" | "stopped" | "failed";

/** One message of a session's event stream. */
export type UIMessage =
  | { type: "agent"; event: WireValue }
  | { type: "task"; runId: number; task: string; files: WireFile[] }
  | { type: "run_finished"; runId: number; outcome: RunOutcome; error?: ErrorData }
  | { type: "session_closed"; reason: "idle" | "disconnected" | "server_closed"; message: string }
  | { type: "notice"; message: string }
  | {
    type: "permission_request";
    id: number;
    permission: string;
    target: string | null;
    message: string;
  }
  | { type: "permission_answered"; id: number; decision: "once" | "always" | "deny" }
  | {
    type: "approval_request";
    id: number;
    tool: string;
    args: WireValue;
    agentName: string | null;
  }
  | { type: "approval_answered"; id: number; approved: boolean; reason: string | null };

/** Limits on what one value may put on the wire. */
export interface WireLimits {
  /** Most characters of one string (default 200 000). */
  maxStringLength?: number;
  /** Most bytes of one image or sound sent as a `data:` URL (default 8 MB). */
  maxMediaBytes?: number;
  /** Deepest nesting kept (default 12). */
  maxDepth?: number;
}

const DEFAULTS: Required<WireLimits> = {
  maxStringLength: 200_000,
  maxMediaBytes: 8 * 1024 * 1024,
  maxDepth: 12,
};

/** An agent event as the page receives it. */
export function eventToWire(event: AgentEvent, limits: WireLimits = {}): WireValue {
  return toWire(event, { ...DEFAULTS, ...limits });
}

/**
 * Any value as JSON-safe data: images and sounds become
 * `{ $media, mimeType, src }` (or `omitted` past the size limit), other bytes
 * `{ $bytes: length }`, and what JSON cannot hold a descriptive string.
 */
export function toWire(value: unknown, limits: WireLimits = {}): WireValue {
  const all = { ...DEFAULTS, ...limits };
  return convert(value, all, 0, new Set());
}

function convert(
  value: unknown,
  limits: Required<WireLimits>,
  depth: number,
  seen: Set<object>,
): WireValue {
  switch (typeof value) {
    case "string":
      return value.length > limits.maxStringLength
        ? `${value.slice(0, limits.maxStringLength)}… (${
          value.length - limits.maxStringLength
        } more characters)`
        : value;
    case "number":
      return Number.isFinite(value) ? value : String(value);
    case "boolean":
      return value;
    case "bigint":
      return `${value}n`;
    case "undefined":
      return null;
    case "symbol":
      return value.toString();
    case "function":
      return `[function ${value.name || "anonymous"}]`;
  }
  if (value === null) return null;
  const object = value as object;
  if (isImageValue(object) || isAudioValue(object)) {
    return media(object.type, object.mimeType, object.data, limits);
  }
  // A message part ({ type: "image", image: bytes }), as memory and tool results hold them.
  const part = object as { type?: unknown; image?: unknown; mimeType?: unknown };
  if (part.type === "image" && part.image instanceof Uint8Array) {
    return media("image", String(part.mimeType ?? "image/png"), part.image, limits);
  }
  if (object instanceof Uint8Array) return { $bytes: object.length };
  if (ArrayBuffer.isView(object)) return { $bytes: object.byteLength };
  if (object instanceof ArrayBuffer) return { $bytes: object.byteLength };
  if (object instanceof Date) {
    return Number.isNaN(object.getTime()) ? "Invalid Date" : object.toISOString();
  }
  if (object instanceof Error) return { name: object.name, message: object.message };
  if (seen.has(object)) return "[circular]";
  if (depth >= limits.maxDepth) return Array.isArray(object) ? "[array]" : "[object]";
  seen.add(object);
  try {
    if (Array.isArray(object)) return object.map((v) => convert(v, limits, depth + 1, seen));
    if (object instanceof Map) {
      return [...object].map(([k, v]) => [
        convert(k, limits, depth + 1, seen),
        convert(v, limits, depth + 1, seen),
      ]);
    }
    if (object instanceof Set) return [...object].map((v) => convert(v, limits, depth + 1, seen));
    const out: { [key: string]: WireValue } = {};
    for (const [key, v] of Object.entries(object)) {
      if (v !== undefined) out[key] = convert(v, limits, depth + 1, seen);
    }
    return out;
  } finally {
    seen.delete(object);
  }
}

// Only a well-formed MIME type reaches the page's `src`: the rest of a data
// URL is base64, so nothing else in it can be markup.
const MIME = /^[a-z]+\/[a-z0-9.+-]+$/i;

function media(
  kind: "image" | "audio",
  mimeType: string,
  data: Uint8Array,
  limits: Required<WireLimits>,
): WireValue {
  const type = MIME.test(mimeType) && mimeType.toLowerCase().startsWith(`${kind}/`)
    ? mimeType.toLowerCase()
    : kind === "image"
    ? "image/png"
    : "audio/wav";
  if (data.length > limits.maxMediaBytes) {
    return {
      $media: kind,
      mimeType: type,
      omitted: `${data.length} bytes, over the ${limits.maxMediaBytes}-byte limit of the page`,
    };
  }
  const src = mediaToDataUrl(
    kind === "image"
      ? { type: "image", mimeType: type, data }
      : { type: "audio", mimeType: type, data },
  );
  return { $media: kind, mimeType: type, src };
}
