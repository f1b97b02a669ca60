/**
 * Text for the terminal: sanitizing what a model or a tool wrote, wrapping it
 * to a panel's width, and the short renderings (values, step footers) the
 * {@linkcode Logger} prints.
 *
 * @module
 */

import type { Timing } from "./events.ts";
import { isAudioValue, isImageValue } from "./media.ts";
import type { TokenUsage } from "./models/model.ts";

/** A step's footer line: its duration and the tokens it used, where known. */
export function footer(timing: Timing, usage: TokenUsage | undefined): string {
  const parts = [
    timing.duration !== undefined ? `Duration ${(timing.duration / 1000).toFixed(2)} seconds` : "",
    usage ? `Input tokens: ${thousands(usage.inputTokens)}` : "",
    usage ? `Output tokens: ${thousands(usage.outputTokens)}` : "",
  ].filter(Boolean);
  return parts.join(" | ");
}

/** `n` with thousands separators, as the console shows counts. */
function thousands(n: number): string {
  return n.toLocaleString("en-US");
}

/** Renders a value for display: strings as they are, media as a summary, the rest inspected. */
export function inspect(value: unknown): string {
  if (typeof value === "string") return value;
  if (isImageValue(value) || isAudioValue(value)) {
    return `[${value.type} ${value.mimeType}, ${thousands(value.data.length)} bytes]`;
  }
  return Deno.inspect(value, { colors: false, depth: 4, breakLength: 100 });
}

// Escape sequences: CSI (colours, cursor moves), OSC (titles, hyperlinks,
// clipboard) and two-character ESC sequences; in 7-bit and 8-bit forms.
const ESCAPE_SEQUENCES =
  // deno-lint-ignore no-control-regex
  /\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b\x9c]*(\x07|\x1b\\|\x9c)?|\x9d[^\x07\x1b\x9c]*(\x07|\x1b\\|\x9c)?|\x1b[ -/]*[0-~]/g;
// Other control characters (but tab and newline), and bidirectional
// overrides, which can make text display in a misleading order.
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Makes text from a model or a tool safe to print: escape sequences are
 * removed, `\r\n` becomes `\n`, and other control characters become visible
 * (`␛`, `␇`, `<U+202E>`), so they can neither drive the terminal nor hide text.
 *
 * @example
 * ```ts
 * import { sanitizeForTerminal } from "@smoldeno/agents";
 *
 * console.log(sanitizeForTerminal("\x1b[2Jdone\x07")); // "done␇"
 * ```
 */
export function sanitizeForTerminal(text: string): string {
  return text
    .replace(ESCAPE_SEQUENCES, "")
    .replace(/\r\n/g, "\n")
    .replace(CONTROL, (c) => {
      const code = c.charCodeAt(0);
      if (code < 0x20) return String.fromCharCode(0x2400 + code);
      if (code === 0x7f) return "\u2421";
      return `<U+${code.toString(16).toUpperCase().padStart(4, "0")}>`;
    });
}

/** Hard-wraps lines longer than the panel, keeping explicit line breaks. */
export function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    let rest = [...line];
    if (rest.length === 0) out.push("");
    while (rest.length > 0) {
      let cut = rest.length <= width ? rest.length : rest.lastIndexOf(" ", width);
      if (cut <= 0) cut = Math.min(width, rest.length);
      out.push(rest.slice(0, cut).join("").trimEnd());
      rest = rest.slice(cut);
      if (rest[0] === " ") rest = rest.slice(1);
    }
  }
  return out;
}

/**
 * What a complete reply adds to the text streamed before it: a code agent
 * stops the model at the closing tag (`</code>`), so the stream ends without
 * it and the complete reply puts it back. Only whitespace at the end of the
 * streamed text may differ (the agent trims it before the tag); when the
 * reply differs in more than that, nothing is added.
 */
export function unstreamedRest(streamed: string, complete: string): string {
  const max = Math.min(streamed.length, complete.length);
  let common = 0;
  while (common < max && streamed.charCodeAt(common) === complete.charCodeAt(common)) common++;
  if (streamed.slice(common).trim() !== "") return "";
  return complete.slice(common);
}
