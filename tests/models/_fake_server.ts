// Local HTTP servers that speak the OpenAI chat-completions wire format
// (JSON and server-sent events), for testing the adapters through their real
// npm clients without any network, plus the small helpers the adapter tests share.

import type { ChatMessage, ChatMessageStreamDelta } from "../../src/models/model.ts";

/** A user message with plain text. */
export const user = (content: string): ChatMessage => ({ role: "user", content });

/** Drains a model stream into an array of its deltas. */
export async function collect(
  stream: AsyncIterable<ChatMessageStreamDelta>,
): Promise<ChatMessageStreamDelta[]> {
  const deltas: ChatMessageStreamDelta[] = [];
  for await (const delta of stream) deltas.push(delta);
  return deltas;
}

/**
 * `http://127.0.0.1:<port>` where nothing listens (the port was just freed):
 * a server that is down, which refuses connections at once.
 */
export function closedOrigin(): string {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  return `http://127.0.0.1:${port}`;
}

/** A request as the server received it. */
export interface ReceivedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Headers;
  body: Record<string, unknown>;
}

/** How the server answers one request. */
export type Reply =
  | Response
  | ((request: ReceivedRequest, raw: Request) => Response | Promise<Response>);

/** A Deno.serve server on 127.0.0.1 with a random port that records every request. */
export class FakeServer implements AsyncDisposable {
  readonly requests: ReceivedRequest[] = [];
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #replies: Reply[] | ((request: ReceivedRequest, index: number) => Reply);

  constructor(replies: Reply[] | ((request: ReceivedRequest, index: number) => Reply)) {
    this.#replies = replies;
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      (raw) => this.#handle(raw),
    );
  }

  /** `http://127.0.0.1:<port>`. */
  get origin(): string {
    return `http://127.0.0.1:${this.#server.addr.port}`;
  }

  async #handle(raw: Request): Promise<Response> {
    const url = new URL(raw.url);
    const text = await raw.text();
    const request: ReceivedRequest = {
      method: raw.method,
      path: url.pathname,
      query: url.searchParams,
      headers: raw.headers,
      body: text ? JSON.parse(text) : {},
    };
    const index = this.requests.length;
    this.requests.push(request);
    const reply = Array.isArray(this.#replies)
      ? this.#replies[Math.min(index, this.#replies.length - 1)]
      : this.#replies(request, index);
    return typeof reply === "function" ? await reply(request, raw) : reply.clone();
  }

  async close(): Promise<void> {
    await this.#server.shutdown();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** A chat.completion JSON reply. */
export function completion(
  content: string | null,
  options: {
    toolCalls?: { id: string; name: string; arguments: string }[];
    usage?: { prompt_tokens: number; completion_tokens: number };
    model?: string;
  } = {},
): Response {
  const usage = options.usage ?? { prompt_tokens: 10, completion_tokens: 5 };
  return Response.json({
    id: "chatcmpl-test",
    object: "chat.completion",
    created: 1_700_000_000,
    model: options.model ?? "test-model",
    choices: [{
      index: 0,
      message: {
        role: "assistant",
        content,
        ...(options.toolCalls
          ? {
            tool_calls: options.toolCalls.map((call) => ({
              id: call.id,
              type: "function",
              function: { name: call.name, arguments: call.arguments },
            })),
          }
          : {}),
      },
      finish_reason: options.toolCalls ? "tool_calls" : "stop",
    }],
    // Real servers always report usage (the Hugging Face client checks it).
    usage: {
      ...usage,
      total_tokens: usage.prompt_tokens + usage.completion_tokens,
    },
  });
}

/** One chat.completion.chunk object. */
export function chunk(
  delta: Record<string, unknown> | null,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id: "chatcmpl-test",
    object: "chat.completion.chunk",
    created: 1_700_000_000,
    model: "test-model",
    choices: delta === null ? [] : [{ index: 0, delta, finish_reason: null }],
    ...extra,
  };
}

/** The final usage chunk sent when `stream_options.include_usage` is set. */
export function usageChunk(
  promptTokens: number,
  completionTokens: number,
): Record<string, unknown> {
  return chunk(null, {
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    },
  });
}

/**
 * A server-sent-events reply, made afresh for each request (a cloned stream
 * would not see the client cancel); `onCancel` is called if the client stops
 * reading.
 */
export function sse(
  events: Record<string, unknown>[],
  options: { done?: boolean; onCancel?: () => void; hang?: boolean } = {},
): () => Response {
  return () => sseResponse(events, options);
}

function sseResponse(
  events: Record<string, unknown>[],
  options: { done?: boolean; onCancel?: () => void; hang?: boolean },
): Response {
  const encoder = new TextEncoder();
  let i = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < events.length) {
        controller.enqueue(encoder.encode(`data: ${JSON.stringify(events[i++])}\n\n`));
        return;
      }
      if (options.hang) {
        // Keep the stream open with SSE comments (which clients ignore) until
        // the client goes away: the failed write is how the server notices.
        return new Promise((resolve) =>
          timer = setTimeout(() => {
            controller.enqueue(encoder.encode(": keep-alive\n\n"));
            resolve();
          }, 10)
        );
      }
      if (options.done ?? true) controller.enqueue(encoder.encode("data: [DONE]\n\n"));
      controller.close();
    },
    cancel() {
      clearTimeout(timer);
      options.onCancel?.();
    },
  });
  return new Response(body, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
  });
}

/** An OpenAI-style error reply. */
export function errorReply(
  status: number,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return Response.json(
    { error: { message, type: "invalid_request_error", param: null, code: null } },
    { status, headers },
  );
}

/** What the raw server does with one connection. */
export type RawReply =
  | { reset: true }
  | { json: unknown }
  | { sseThenDrop: Record<string, unknown>[] };

/**
 * A raw TCP server for failures Deno.serve cannot produce: a connection
 * closed as soon as the request arrives (a reset, as the client sees it), or
 * a chunked event stream cut off before its end. `reply` says what the n-th
 * connection gets.
 */
export class RawServer implements AsyncDisposable {
  connections = 0;
  readonly #listener: Deno.TcpListener;
  readonly #done: Promise<void>;

  constructor(reply: (index: number) => RawReply) {
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.#done = this.#serve(reply);
  }

  get origin(): string {
    return `http://127.0.0.1:${this.#listener.addr.port}`;
  }

  async #serve(reply: (index: number) => RawReply): Promise<void> {
    const encoder = new TextEncoder();
    for await (const conn of this.#listener) {
      const action = reply(this.connections++);
      try {
        await conn.read(new Uint8Array(65_536));
        if ("json" in action) {
          const bytes = encoder.encode(JSON.stringify(action.json));
          await conn.write(encoder.encode(
            `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${bytes.length}\r\nconnection: close\r\n\r\n`,
          ));
          await conn.write(bytes);
        } else if ("sseThenDrop" in action) {
          await conn.write(encoder.encode(
            "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n",
          ));
          for (const event of action.sseThenDrop) {
            const data = encoder.encode(`data: ${JSON.stringify(event)}\n\n`);
            await conn.write(encoder.encode(`${data.length.toString(16)}\r\n`));
            await conn.write(data);
            await conn.write(encoder.encode("\r\n"));
          }
          // Let the events reach the client, then close without the final
          // zero-length chunk: the body ends in the middle.
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      } catch {
        // The client may go away first.
      } finally {
        conn.close();
      }
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#listener.close();
    await this.#done.catch(() => {});
  }
}
