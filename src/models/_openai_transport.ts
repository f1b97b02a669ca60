// The chat transport of OpenAIServerModel and AzureOpenAIServerModel: the
// official `openai` client with its own retries off (ChatCore retries).

import { APIConnectionError, APIError, type OpenAI } from "openai";
import type { ChatTransport, ProviderFailure } from "./_chat_core.ts";
import type { WireChunk, WireCompletion } from "./_wire.ts";
import { parseRetryAfter } from "./_retry.ts";

/** A transport over an `openai` client; `endpoint` is named in connection errors. */
export function openAITransport(client: OpenAI, endpoint: string): ChatTransport {
  return {
    complete: (body, context) =>
      client.chat.completions.create(
        body as never,
        { signal: context.signal, maxRetries: 0 },
      ) as Promise<WireCompletion>,
    stream: (body, context) =>
      client.chat.completions.create(
        body as never,
        { signal: context.signal, maxRetries: 0 },
      ) as unknown as Promise<AsyncIterable<WireChunk>>,
    describeError: (error) => describeOpenAIError(error, endpoint),
  };
}

function describeOpenAIError(error: unknown, endpoint: string): ProviderFailure {
  if (error instanceof APIConnectionError) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
    return { kind: "connection", message: `cannot reach ${endpoint}${cause}` };
  }
  if (error instanceof APIError && typeof error.status === "number") {
    return {
      kind: "http",
      status: error.status,
      message: providerMessage(error),
      retryAfterMs: parseRetryAfter(error.headers),
    };
  }
  // fetch rejects with a TypeError when the connection drops mid-body.
  if (error instanceof TypeError) {
    return { kind: "connection", message: `connection to ${endpoint} failed: ${error.message}` };
  }
  return { kind: "invalid", message: error instanceof Error ? error.message : String(error) };
}

function providerMessage(error: APIError): string {
  const body = error.error as { message?: unknown } | undefined;
  if (typeof body?.message === "string" && body.message !== "") return body.message;
  // The client prefixes the status; the error already carries it.
  return error.message.replace(new RegExp(`^${error.status} `), "");
}
