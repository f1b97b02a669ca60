// The chat transport of AISdkModel: calls the language model's doGenerate and
// doStream directly and reads the results back into the chat-completions
// shapes the shared engine understands. Not `generateText`/`streamText`: they
// retry on their own (twice by default), run a tool loop and download image
// URLs, all of which the engine or the agent already does, and they would
// pull the whole `ai` package into every import.

import { APICallError, LoadAPIKeyError } from "@ai-sdk/provider";
import type {
  LanguageModelV4,
  LanguageModelV4GenerateResult,
  LanguageModelV4StreamPart,
  LanguageModelV4Usage,
} from "@ai-sdk/provider";
import type { ChatTransport, ProviderFailure } from "./_chat_core.ts";
import type { AISdkFinishReason, AISdkProviderOptions, AISdkUsage } from "./_ai_sdk_types.ts";
import type { WireChunk, WireCompletion, WireReplyToolCall, WireUsage } from "./_wire.ts";
import { type AISdkExtras, toCallOptions } from "./_ai_sdk_request.ts";
import { parseRetryAfter } from "./_retry.ts";
import { networkFailureReason } from "./_network_error.ts";

/** The key of a completion under which the provider's own result travels to `raw`. */
export const AI_SDK_RESULT: unique symbol = Symbol("aiSdkResult");

/** What `raw` holds on a reply of AISdkModel. */
export interface AISdkRawResult {
  /** The provider, e.g. `"anthropic.messages"`. */
  provider: string;
  /** Why generation stopped, unified and as the provider said it. */
  finishReason: AISdkFinishReason;
  /** Token counts in the AI SDK's detailed shape (cache reads and writes, reasoning). */
  usage: AISdkUsage;
  /** Response id, model id and timestamp, when the provider sent them. */
  response?: { id?: string; modelId?: string; timestamp?: Date };
  /** Provider-specific metadata, e.g. Anthropic's cache token counts. */
  providerMetadata?: AISdkProviderOptions;
  /** Settings the provider ignored. */
  warnings: unknown[];
  /** Everything the model produced, reasoning included (AI SDK content parts). */
  content: unknown[];
}

/** A transport over `model`; `defaults` are the model-level AI SDK extras. */
export function aiSdkTransport(model: LanguageModelV4, defaults: AISdkExtras): ChatTransport {
  return {
    complete: async (body, context) => {
      const result = await model.doGenerate({
        ...toCallOptions(body, defaults),
        abortSignal: context.signal,
      });
      return completionOf(result, model.provider);
    },
    stream: async (body, context) => {
      const { stream } = await model.doStream({
        ...toCallOptions(body, defaults),
        abortSignal: context.signal,
      });
      return wireChunks(stream);
    },
    describeError: (error) => describeAISdkError(error, model.provider),
  };
}

function wireUsage(usage: LanguageModelV4Usage | undefined): WireUsage | undefined {
  if (!usage) return undefined;
  return {
    prompt_tokens: usage.inputTokens?.total ?? 0,
    completion_tokens: usage.outputTokens?.total ?? 0,
  };
}

function completionOf(result: LanguageModelV4GenerateResult, provider: string): WireCompletion {
  let text = "";
  const toolCalls: WireReplyToolCall[] = [];
  for (const part of result.content) {
    if (part.type === "text") text += part.text;
    else if (part.type === "tool-call" && !part.providerExecuted) {
      toolCalls.push({
        id: part.toolCallId,
        type: "function",
        function: { name: part.toolName, arguments: part.input },
      });
    }
  }
  const raw: AISdkRawResult = {
    provider,
    finishReason: result.finishReason,
    usage: result.usage,
    response: result.response && {
      id: result.response.id,
      modelId: result.response.modelId,
      timestamp: result.response.timestamp,
    },
    providerMetadata: result.providerMetadata,
    warnings: result.warnings,
    content: result.content,
  };
  const completion: WireCompletion & { [AI_SDK_RESULT]: AISdkRawResult } = {
    choices: [{
      message: {
        content: result.structuredOutputText ?? (text === "" && toolCalls.length ? null : text),
        tool_calls: toolCalls.length ? toolCalls : null,
      },
      finish_reason: result.finishReason?.raw ?? null,
    }],
    usage: wireUsage(result.usage),
    [AI_SDK_RESULT]: raw,
  };
  return completion;
}

/**
 * The stream parts as chat-completions chunks. Tool calls get stream
 * indexes in the order they start; a call that arrives whole (no input
 * deltas) is sent whole.
 */
async function* wireChunks(
  stream: ReadableStream<LanguageModelV4StreamPart>,
): AsyncGenerator<WireChunk, void, undefined> {
  const reader = stream.getReader();
  const indexes = new Map<string, number>();
  const streamedInput = new Set<string>();
  const call = (part: WireReplyToolCall): WireChunk => ({
    choices: [{ delta: { tool_calls: [part] } }],
  });
  try {
    for (;;) {
      const { done, value: part } = await reader.read();
      if (done) return;
      switch (part.type) {
        case "text-delta":
          if (part.delta) yield { choices: [{ delta: { content: part.delta } }] };
          break;
        case "tool-input-start": {
          if (part.providerExecuted) break;
          const index = indexes.size;
          indexes.set(part.id, index);
          yield call({ index, id: part.id, function: { name: part.toolName, arguments: "" } });
          break;
        }
        case "tool-input-delta": {
          const index = indexes.get(part.id);
          if (index === undefined || !part.delta) break;
          streamedInput.add(part.id);
          yield call({ index, function: { arguments: part.delta } });
          break;
        }
        case "tool-call": {
          if (part.providerExecuted) break;
          const index = indexes.get(part.toolCallId);
          if (index === undefined) {
            const next = indexes.size;
            indexes.set(part.toolCallId, next);
            yield call({
              index: next,
              id: part.toolCallId,
              function: { name: part.toolName, arguments: part.input },
            });
          } else if (!streamedInput.has(part.toolCallId)) {
            yield call({ index, function: { arguments: part.input } });
          }
          break;
        }
        case "finish":
          yield { choices: [], usage: wireUsage(part.usage) };
          break;
        case "error":
          throw new StreamPartError(part.error);
      }
    }
  } finally {
    // Stops the provider reading a body nobody wants any more.
    await reader.cancel().catch(() => {});
  }
}

/** An `error` part of a stream: what the provider reported mid-stream. */
class StreamPartError extends Error {
  constructor(readonly error: unknown) {
    super(messageOf(error));
  }
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (error !== null && typeof error === "object") {
    const message = (error as { message?: unknown }).message;
    if (typeof message === "string" && message !== "") return message;
    return JSON.stringify(error) ?? String(error);
  }
  return String(error);
}

/** What an error of a provider package means, in the engine's terms. */
export function describeAISdkError(error: unknown, provider: string): ProviderFailure {
  if (error instanceof StreamPartError) {
    if (APICallError.isInstance(error.error)) return describeAISdkError(error.error, provider);
    // Providers report failures that start after the HTTP 200 (Anthropic's
    // `overloaded_error` event) with the status the same failure gets as a reply.
    const status = (error.error as { statusCode?: unknown } | null)?.statusCode;
    return typeof status !== "number"
      ? { kind: "invalid", message: `the stream reported an error: ${error.message}` }
      : { kind: "http", status, message: error.message };
  }
  if (APICallError.isInstance(error)) {
    if (typeof error.statusCode === "number") {
      return {
        kind: "http",
        status: error.statusCode,
        message: error.message,
        retryAfterMs: parseRetryAfter(
          error.responseHeaders ? new Headers(error.responseHeaders) : undefined,
        ),
      };
    }
    const where = originOf(error.url) ?? provider;
    const reason = error.cause === undefined ? error.message : networkFailureReason(error.cause);
    return error.isRetryable
      ? { kind: "connection", message: `cannot reach ${where}: ${reason}` }
      : { kind: "invalid", message: error.message };
  }
  if (LoadAPIKeyError.isInstance(error)) {
    return { kind: "invalid", message: `missing credentials: ${error.message}` };
  }
  // fetch rejects with a TypeError when the connection drops mid-body.
  if (error instanceof TypeError) {
    return {
      kind: "connection",
      message: `connection to ${provider} failed: ${networkFailureReason(error)}`,
    };
  }
  return { kind: "invalid", message: messageOf(error) };
}

// Only the origin: some providers put credentials in the query string.
function originOf(url: string | undefined): string | undefined {
  if (!url || !URL.canParse(url)) return undefined;
  return new URL(url).origin;
}
