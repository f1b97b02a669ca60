// How values and long texts appear in observations the model reads.

import { isAudioValue, isImageValue } from "../media.ts";

/**
 * A value as the model should read it: strings as is, images and sounds as a
 * short description (their bytes mean nothing as text), the rest as Deno
 * prints them.
 */
export function formatValue(value: unknown): string {
  if (typeof value === "string") return value;
  // What Deno.inspect prints for these, without its formatter's setup (most
  // tool results are small scalars).
  if (typeof value === "number") return Object.is(value, -0) ? "-0" : String(value);
  if (typeof value === "boolean" || value === null || value === undefined) return String(value);
  if (isImageValue(value) || isAudioValue(value)) {
    return `<${value.type} ${value.mimeType}, ${value.data.length} bytes>`;
  }
  return Deno.inspect(value, {
    depth: 6,
    colors: false,
    strAbbreviateSize: 10_000,
    iterableLimit: 200,
  });
}

/**
 * Cuts `text` to at most about `max` characters, keeping its start and end
 * (errors and results are often at the end) and saying how much was cut.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = Math.ceil(max / 2);
  const tail = Math.floor(max / 2);
  const cut = text.length - head - tail;
  return `${text.slice(0, head)}\n… [${cut} characters cut] …\n${text.slice(text.length - tail)}`;
}
