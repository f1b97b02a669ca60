// Turns agent messages into node-llama-cpp's chat history, which the chat
// template stored in the GGUF file then renders. Tool calls and results go
// in as text: the calls as the same JSON the grammar makes the model write,
// the results as user turns naming the tool.

import type { ChatHistoryItem } from "node-llama-cpp";
import type { ChatMessage, ContentPart } from "./model.ts";

function text(content: string | ContentPart[] | null): string {
  if (content === null || typeof content === "string") return content ?? "";
  return content.map((part) => {
    if (part.type === "text") return part.text;
    throw new TypeError(
      "LlamaCppModel takes text only: remove the image parts, or serve a vision model " +
        "(e.g. with llama.cpp's llama-server) and use OpenAIServerModel",
    );
  }).join("\n");
}

/**
 * The chat history for `messages`, ending with the empty model turn to be
 * written. System messages are merged in front, followed by `extraSystem`
 * (the tools prompt); consecutive user turns are merged.
 */
export function chatHistory(
  messages: readonly ChatMessage[],
  extraSystem?: string,
): ChatHistoryItem[] {
  const system: string[] = [];
  const items: ChatHistoryItem[] = [];
  const toolNames = new Map<string, string>();
  const push = (item: ChatHistoryItem) => {
    const last = items.at(-1);
    if (item.type === "user" && last?.type === "user") last.text = `${last.text}\n\n${item.text}`;
    else items.push(item);
  };
  for (const message of messages) {
    const body = text(message.content);
    if (message.role === "system") {
      if (body) system.push(body);
    } else if (message.role === "assistant") {
      const parts = body ? [body] : [];
      for (const call of message.toolCalls ?? []) {
        toolNames.set(call.id, call.name);
        const args = typeof call.arguments === "string"
          ? call.arguments
          : JSON.stringify(call.arguments);
        parts.push(`{"name": ${JSON.stringify(call.name)}, "arguments": ${args}}`);
      }
      items.push({ type: "model", response: [parts.join("\n")] });
    } else if (message.role === "tool" && message.toolCallId) {
      const name = toolNames.get(message.toolCallId);
      push({
        type: "user",
        text: `${name ? `Tool "${name}"` : `Tool call "${message.toolCallId}"`} returned:\n${body}`,
      });
    } else {
      push({ type: "user", text: body });
    }
  }
  if (extraSystem) system.push(extraSystem);
  if (system.length) items.unshift({ type: "system", text: system.join("\n\n") });
  items.push({ type: "model", response: [] });
  return items;
}
