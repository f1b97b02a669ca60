// The chat transport of OpenAIServerModel and AzureOpenAIServerModel, and the
// ChatCore over it: the official `openai` client with its own retries and
// timers off (ChatCore retries and times out).

import { APIConnectionError, APIError, type OpenAI } from "openai";
import {
  ChatCore,
  type ChatCoreOptions,
  type ChatTransport,
  type ProviderFailure,
} from "./_chat_core.ts";
import type { WireChunk, WireCompletion } from "./_wire.ts";
import { parseRetryAfter } from "./_retry.ts";
import { networkFailureReason } from "./_network_error.ts";

// deno-lint-ignore no-explicit-any -- a mixin's base constructor must take any arguments
type ClientClass = new (...args: any[]) => OpenAI;

/**
 * Subclasses an `openai` client class so that requests go straight to
 * `fetch`. The client's `fetchWithTimeout` arms a timer and composes the
 * caller's signal with `AbortSignal.any` on every request; ChatCore already
 * bounds each attempt with its idle timeout and its own signal, so that work
 * is redundant (about 0.04 ms per call, see /bench/models_bench.ts). The
 * client still builds, authenticates, sends (through this method) and
 * checks every request, and parses every stream.
 *
 * `customFetch` is the `fetch` given in the client options, if any: it gets
 * the request exactly as the client builds it. Deno's own `fetch` gets the
 * headers as a plain record instead of the client's `Headers` object, because
 * Deno converts a `Headers` init by iterating it, which costs about 15 µs for
 * the client's dozen headers against 1 µs for `forEach`.
 */
export function withDirectFetch<C extends ClientClass>(Base: C, customFetch?: typeof fetch): C {
  const Direct = class extends Base {
    override fetchWithTimeout(
      url: RequestInfo,
      init: RequestInit | undefined,
      _ms: number,
      controller: AbortController,
    ): Promise<Response> {
      const signal = init?.signal;
      // The client aborts its controller to cancel a stream it is reading;
      // the call's signal (ChatCore's, per attempt) must cancel it too. One
      // listener on a signal that lives as long as the attempt costs less
      // than AbortSignal.any.
      if (signal?.aborted) controller.abort(signal.reason);
      else signal?.addEventListener("abort", () => controller.abort(signal.reason), { once: true });
      // Like the client: fetch uppercases only the standard methods.
      const request: RequestInit = {
        ...init,
        method: init?.method?.toUpperCase(),
        signal: controller.signal,
      };
      if (customFetch) return customFetch(url, request);
      if (request.headers instanceof Headers) {
        const headers: Record<string, string> = {};
        request.headers.forEach((value, name) => {
          headers[name] = value;
        });
        request.headers = headers;
      }
      return fetch(url, request);
    }
  };
  // The client names itself in its User-Agent after its class.
  Object.defineProperty(Direct, "name", { value: Base.name });
  return Direct;
}

/** Input of {@linkcode openAIChatCore}. */
export interface OpenAIChatCoreOptions<C extends ClientClass> {
  /** The `openai` client class: `OpenAI` or `AzureOpenAI`. */
  client: C;
  /** The model's options; `clientOptions` go to the client. */
  model: Omit<ChatCoreOptions, "secrets"> & { clientOptions?: { fetch?: typeof fetch } };
  /** Client settings the model decides (endpoint, credentials), over `clientOptions`. */
  settings: NonNullable<ConstructorParameters<C>[0]>;
  /** Named in connection errors. */
  endpoint: string;
  /** The credential, never shown in an error. */
  secret: string | undefined;
}

/**
 * The ChatCore of a model speaking through an `openai` client. The client's
 * own retries are off and its timeout lies beyond ChatCore's, which retries
 * and times out itself; the user's `clientOptions` may change anything but
 * the model's own settings.
 */
export function openAIChatCore<C extends ClientClass>(options: OpenAIChatCoreOptions<C>): ChatCore {
  const { model } = options;
  const Client = withDirectFetch(options.client, model.clientOptions?.fetch);
  const client = new Client({
    logLevel: "off",
    timeout: Math.max(600_000, (model.timeoutMs ?? 0) + 1_000),
    ...model.clientOptions,
    ...options.settings,
    maxRetries: 0,
  });
  return new ChatCore(openAITransport(client, options.endpoint), {
    ...model,
    secrets: [options.secret],
  });
}

/** A transport over an `openai` client; `endpoint` is named in connection errors. */
export function openAITransport(client: OpenAI, endpoint: string): ChatTransport {
  return {
    // The raw response, parsed here: the client's own parsing arms another
    // timer and races it against the body (ChatCore's idle timeout already
    // covers reading it). Error statuses are still raised by the client.
    complete: async (body, context) => {
      const response = await client.chat.completions.create(
        body as never,
        { signal: context.signal },
      ).asResponse();
      return await response.json() as WireCompletion;
    },
    stream: (body, context) =>
      client.chat.completions.create(
        body as never,
        { signal: context.signal },
      ) as unknown as Promise<AsyncIterable<WireChunk>>,
    describeError: (error) => describeOpenAIError(error, endpoint),
  };
}

function describeOpenAIError(error: unknown, endpoint: string): ProviderFailure {
  if (error instanceof APIConnectionError) {
    const cause = error.cause instanceof Error ? `: ${networkFailureReason(error.cause)}` : "";
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
    return {
      kind: "connection",
      message: `connection to ${endpoint} failed: ${networkFailureReason(error)}`,
    };
  }
  if (error instanceof SyntaxError) {
    return { kind: "invalid", message: `the reply is not JSON: ${error.message}` };
  }
  return { kind: "invalid", message: error instanceof Error ? error.message : String(error) };
}

function providerMessage(error: APIError): string {
  const body = error.error as { message?: unknown } | undefined;
  if (typeof body?.message === "string" && body.message !== "") return body.message;
  // The client prefixes the status; the error already carries it.
  return error.message.replace(new RegExp(`^${error.status} `), "");
}
