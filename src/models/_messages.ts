// Turns agent messages into wire messages: role conversions, tool roles,
// images as data URLs, and consecutive same-role messages merged (several
// servers reject two user messages in a row).

import type { ChatMessage, ContentPart, MessageRole } from "./model.ts";
import type { WireContentPart, WireMessage } from "./_wire.ts";

/** How messages are cleaned before sending. */
export interface MessageSettings {
  /** Role renames, e.g. `{ system: "user" }`. */
  customRoleConversions?: Partial<Record<MessageRole, MessageRole>>;
  /** Send contents as plain strings. */
  flattenMessagesAsText?: boolean;
}

/** Converts and cleans messages for an OpenAI-compatible server. */
export function toWireMessages(
  messages: readonly ChatMessage[],
  settings: MessageSettings = {},
): WireMessage[] {
  const out: WireMessage[] = [];
  for (const message of messages) {
    let role: MessageRole = settings.customRoleConversions?.[message.role] ?? message.role;
    // A tool message must answer a call; without an id it is an observation
    // the agent wrote, which servers only accept from the user.
    if (role === "tool" && !message.toolCallId) role = "user";
    const wire: WireMessage = {
      role,
      content: wireContent(message.content, settings.flattenMessagesAsText ?? false),
    };
    if (role === "tool") wire.tool_call_id = message.toolCallId;
    if (message.toolCalls?.length && role === "assistant") {
      wire.tool_calls = message.toolCalls.map((call) => ({
        id: call.id,
        type: "function",
        function: {
          name: call.name,
          arguments: typeof call.arguments === "string"
            ? call.arguments
            : JSON.stringify(call.arguments),
        },
      }));
    } else if (wire.content === null) {
      wire.content = "";
    }
    const previous = out.at(-1);
    if (previous && canMerge(previous, wire)) merge(previous, wire);
    else out.push(wire);
  }
  return out;
}

function canMerge(a: WireMessage, b: WireMessage): boolean {
  return a.role === b.role && a.role !== "tool";
}

function merge(into: WireMessage, next: WireMessage): void {
  if (next.tool_calls) into.tool_calls = [...(into.tool_calls ?? []), ...next.tool_calls];
  if (next.content === null || next.content === "") return;
  if (into.content === null || into.content === "") {
    into.content = next.content;
  } else if (typeof into.content === "string" && typeof next.content === "string") {
    into.content = `${into.content}\n${next.content}`;
  } else {
    into.content = [...asParts(into.content), ...asParts(next.content)];
  }
}

function asParts(content: string | WireContentPart[]): WireContentPart[] {
  return typeof content === "string" ? [{ type: "text", text: content }] : content;
}

function wireContent(
  content: string | ContentPart[] | null,
  flatten: boolean,
): string | WireContentPart[] | null {
  if (content === null || typeof content === "string") return content;
  if (flatten) {
    return content.flatMap((part) => part.type === "text" ? [part.text] : []).join("\n");
  }
  return content.map((part): WireContentPart =>
    part.type === "text"
      ? { type: "text", text: part.text }
      : { type: "image_url", image_url: { url: imageUrl(part.image, part.mimeType) } }
  );
}

/** A URL for an image part: URLs pass through, bytes and bare base64 become data URLs. */
export function imageUrl(image: Uint8Array | string, mimeType?: string): string {
  if (typeof image === "string") {
    if (/^(https?|data):/i.test(image)) return image;
    return `data:${mimeType ?? "image/png"};base64,${image}`;
  }
  return `data:${mimeType ?? sniffImageType(image)};base64,${encodeBase64(image)}`;
}

function sniffImageType(bytes: Uint8Array): string {
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  if (starts(0xff, 0xd8, 0xff)) return "image/jpeg";
  if (starts(0x47, 0x49, 0x46, 0x38)) return "image/gif";
  if (starts(0x52, 0x49, 0x46, 0x46) && bytes[8] === 0x57 && bytes[9] === 0x45) return "image/webp";
  return "image/png";
}

function encodeBase64(bytes: Uint8Array): string {
  let binary = "";
  // Chunked so large images do not overflow the argument limit of fromCharCode.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}
