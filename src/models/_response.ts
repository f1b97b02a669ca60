// Reads replies in the chat-completions wire format into agent messages and
// stream deltas.

import type { ChatMessage, ChatMessageStreamDelta, TokenUsage, ToolCall } from "./model.ts";
import type { WireChunk, WireCompletion, WireUsage } from "./_wire.ts";
import { parseToolArguments, type ToolCallDeltaNormalizer } from "./_tool_call_deltas.ts";

/** Token usage in our shape, or undefined when the server sent none. */
export function tokenUsage(usage: WireUsage | null | undefined): TokenUsage | undefined {
  if (!usage) return undefined;
  return { inputTokens: usage.prompt_tokens ?? 0, outputTokens: usage.completion_tokens ?? 0 };
}

/** The assistant message of a non-streamed reply. */
export function messageFromCompletion(completion: WireCompletion): ChatMessage {
  const choice = completion.choices?.[0];
  if (!choice?.message) {
    throw new TypeError(`Invalid reply: expected "choices[0].message", got ${preview(completion)}`);
  }
  const toolCalls: ToolCall[] = (choice.message.tool_calls ?? []).map((call, index) => ({
    id: call.id ?? `call_${index}`,
    name: call.function?.name ?? "",
    arguments: parseToolArguments(call.function?.arguments),
  }));
  const message: ChatMessage = {
    role: "assistant",
    content: choice.message.content ?? (toolCalls.length ? null : ""),
    raw: completion,
  };
  if (toolCalls.length) message.toolCalls = toolCalls;
  const usage = tokenUsage(completion.usage);
  if (usage) message.tokenUsage = usage;
  return message;
}

/** The delta of one streamed chunk (content, tool-call fragments, usage). */
export function deltaFromChunk(
  chunk: WireChunk,
  normalizer: ToolCallDeltaNormalizer,
): ChatMessageStreamDelta {
  const out: ChatMessageStreamDelta = {};
  const delta = chunk.choices?.[0]?.delta;
  if (delta?.content) out.content = delta.content;
  if (delta?.tool_calls?.length) out.toolCalls = normalizer.normalize(delta.tool_calls);
  const usage = tokenUsage(chunk.usage);
  if (usage) out.tokenUsage = usage;
  return out;
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
