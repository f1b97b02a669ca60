// Streamed tool calls arrive in fragments: the id and name in one chunk, the
// JSON arguments spread over many, several calls interleaved by `index`.
// Some compatible servers omit `index` and send whole calls; both are
// normalised to index-keyed deltas here, and merged back into calls.

import type { ToolCall, ToolCallDelta } from "./model.ts";
import type { WireReplyToolCall } from "./_wire.ts";

/** Parses tool-call arguments: JSON objects are parsed, anything else is kept as a string. */
export function parseToolArguments(raw: unknown): Record<string, unknown> | string {
  if (raw !== null && typeof raw === "object" && !Array.isArray(raw)) {
    return raw as Record<string, unknown>;
  }
  const text = typeof raw === "string" ? raw : raw === undefined ? "" : JSON.stringify(raw);
  if (text.trim() === "") return {};
  try {
    const parsed = JSON.parse(text);
    return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? parsed : text;
  } catch {
    return text;
  }
}

/** Assigns indexes to wire tool-call deltas that lack one, across the chunks of one stream. */
export class ToolCallDeltaNormalizer {
  #next = 0;
  #last = -1;
  readonly #byId = new Map<string, number>();

  /** Converts one chunk's wire deltas. */
  normalize(wire: readonly WireReplyToolCall[]): ToolCallDelta[] {
    return wire.map((part) => {
      const id = part.id ?? undefined;
      let index: number;
      if (typeof part.index === "number") {
        index = part.index;
      } else if (id !== undefined && this.#byId.has(id)) {
        index = this.#byId.get(id)!;
      } else if (id !== undefined || part.function?.name) {
        index = this.#next;
      } else {
        index = Math.max(this.#last, 0);
      }
      if (id !== undefined) this.#byId.set(id, index);
      this.#last = index;
      this.#next = Math.max(this.#next, index + 1);
      const delta: ToolCallDelta = { index };
      if (id !== undefined) delta.id = id;
      if (part.function?.name) delta.name = part.function.name;
      const args = part.function?.arguments;
      if (args !== undefined && args !== null) {
        delta.arguments = typeof args === "string" ? args : JSON.stringify(args);
      }
      return delta;
    });
  }
}

/** Merges tool-call deltas by index into complete calls. */
export class ToolCallAccumulator {
  readonly #calls = new Map<number, { id?: string; name: string; arguments: string }>();

  /** Adds fragments. */
  add(deltas: readonly ToolCallDelta[]): void {
    for (const delta of deltas) {
      const call = this.#calls.get(delta.index) ?? { name: "", arguments: "" };
      if (delta.id) call.id = delta.id;
      // Names normally come whole in the first fragment; a few servers split them.
      if (delta.name) {
        call.name = call.name && call.name !== delta.name ? call.name + delta.name : delta.name;
      }
      if (delta.arguments) call.arguments += delta.arguments;
      this.#calls.set(delta.index, call);
    }
  }

  /** The merged calls, in index order, with parsed arguments. */
  toolCalls(): ToolCall[] {
    return [...this.#calls.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, call]) => ({
        id: call.id ?? `call_${index}`,
        name: call.name,
        arguments: parseToolArguments(call.arguments),
      }));
  }
}
