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
  /**
   * The client's completion request depends on nothing but its settings
   * (true for `OpenAI`; not for `AzureOpenAI`, whose path follows the
   * body's model): see {@linkcode OpenAITransportOptions.fixedRequest}.
   * It is used only with a fixed string key and static client options.
   */
  fixedRequest?: boolean;
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
  // The request the client builds is the same for every call when its
  // credential is a fixed string and nothing per-request is configured.
  const fixedRequest = options.fixedRequest === true &&
    typeof (options.settings as { apiKey?: unknown }).apiKey === "string" &&
    Object.keys(model.clientOptions ?? {}).every((k) => STATIC_CLIENT_OPTIONS.has(k));
  return new ChatCore(openAITransport(client, options.endpoint, { fixedRequest }), {
    ...model,
    secrets: [options.secret],
  });
}

/**
 * Client options that shape every request alike (the URL and headers
 * `buildRequest()` makes once hold them). Any other option (a custom
 * `fetch`, `fetchOptions`, a credential provider, workload identity) keeps
 * every call on the client's own request path.
 */
const STATIC_CLIENT_OPTIONS = new Set([
  "defaultHeaders",
  "defaultQuery",
  "organization",
  "project",
]);

/** Options of {@linkcode openAITransport}. */
export interface OpenAITransportOptions {
  /**
   * The client builds the same completion request every time (a fixed
   * string key, no per-request options): build it once with the client's
   * own `buildRequest()` and send later calls straight to `fetch` with those
   * URL and headers. Errors still come out as the client's `APIError`s.
   */
  fixedRequest?: boolean;
}

/** The URL and headers the client builds for a chat completion. */
interface BuiltRequest {
  url: string;
  headers: Record<string, string>;
}

async function buildCompletionRequest(client: OpenAI): Promise<BuiltRequest> {
  const { req, url } = await client.buildRequest({
    method: "post",
    path: "/chat/completions",
    body: {},
  });
  const headers: Record<string, string> = {};
  new Headers(req.headers as HeadersInit).forEach((value, name) => {
    headers[name] = value;
  });
  return { url, headers };
}

/**
 * One completion over plain `fetch`, with the client's URL and headers,
 * raising what the client raises: `APIConnectionError` when the request
 * cannot be sent, the `APIError` subclass of the status for a non-2xx reply. The openai client's per-call pipeline (option merging,
 * header building, its log formatting, its promise wrappers) costs more than
 * the fetch itself against a fast server (see bench/models_bench.ts).
 */
async function directCompletion(
  built: BuiltRequest,
  body: unknown,
  signal: AbortSignal,
): Promise<WireCompletion> {
  let response: Response;
  try {
    response = await fetch(built.url, {
      method: "POST",
      headers: built.headers,
      body: JSON.stringify(body),
      signal,
    });
  } catch (error) {
    if (signal.aborted) throw error; // ChatCore reports its own reason
    throw new APIConnectionError({ cause: error instanceof Error ? error : undefined });
  }
  if (!response.ok) {
    const text = await response.text().catch((e) => String((e as Error)?.message ?? e));
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    // As the client's makeStatusError: a body without an `error` key is the error.
    const error = json !== null && typeof json === "object" &&
        (json as { error?: unknown }).error == null
      ? { error: json }
      : json;
    throw APIError.generate(
      response.status,
      error as object,
      json === undefined ? text : undefined,
      response.headers,
    );
  }
  return await response.json() as WireCompletion;
}

/** A transport over an `openai` client; `endpoint` is named in connection errors. */
export function openAITransport(
  client: OpenAI,
  endpoint: string,
  options: OpenAITransportOptions = {},
): ChatTransport {
  let built: Promise<BuiltRequest> | undefined;
  return {
    // The raw response, parsed here: the client's own parsing arms another
    // timer and races it against the body (ChatCore's idle timeout already
    // covers reading it). Error statuses are still raised by the client.
    complete: async (body, context) => {
      if (options.fixedRequest) {
        // A failed build is not kept: the next call builds again.
        built ??= buildCompletionRequest(client).catch((e) => {
          built = undefined;
          throw e;
        });
        return await directCompletion(await built, body, context.signal);
      }
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
