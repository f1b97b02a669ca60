/**
 * {@linkcode InferenceClientModel}: open models through Hugging Face
 * Inference Providers (the router at `https://router.huggingface.co/v1`) or
 * a dedicated Inference Endpoint, with the official `@huggingface/inference`
 * client. Import from `@smoldeno/agents/models/hf`; the main entry point
 * does not load `@huggingface/inference`.
 *
 * @example Choosing a provider
 * ```ts
 * import { InferenceClientModel } from "@smoldeno/agents/models/hf";
 *
 * const model = new InferenceClientModel({ provider: "together", token: "hf_example" });
 * console.log(model.modelId); // "Qwen/Qwen3-Coder-480B-A35B-Instruct"
 * ```
 *
 * @module
 */

import {
  InferenceClient,
  InferenceClientHubApiError,
  InferenceClientInputError,
  InferenceClientProviderApiError,
  InferenceClientRoutingError,
  type InferenceProviderOrPolicy,
} from "@huggingface/inference";
import type { ChatMessage, ChatMessageStreamDelta, Model } from "./model.ts";
import type { ServerGenerateOptions, ServerModelOptions } from "./model_options.ts";
import {
  type AttemptContext,
  ChatCore,
  type ChatTransport,
  type ProviderFailure,
} from "./_chat_core.ts";
import { checkHttpUrl, readEnv } from "./_settings.ts";
import { parseRetryAfter } from "./_retry.ts";
import { networkFailureReason } from "./_network_error.ts";
import type { WireChunk, WireCompletion } from "./_wire.ts";

export type {
  CompletionParameters,
  RetryInfo,
  ServerGenerateOptions,
  ServerModelOptions,
} from "./model_options.ts";

/**
 * The model used when `modelId` is omitted: a strong open coding model
 * served by several providers.
 *
 * @example The default model
 * ```ts
 * import { DEFAULT_HF_MODEL_ID, InferenceClientModel } from "@smoldeno/agents/models/hf";
 *
 * const model = new InferenceClientModel({ token: "hf_example" });
 * console.log(model.modelId === DEFAULT_HF_MODEL_ID); // true
 * ```
 */
export const DEFAULT_HF_MODEL_ID = "Qwen/Qwen3-Coder-480B-A35B-Instruct";

/**
 * Providers known to accept `response_format` with a JSON schema. With
 * another explicit provider, `responseFormat` is refused before sending.
 *
 * @example Checking a provider before asking for JSON
 * ```ts
 * import { STRUCTURED_OUTPUT_PROVIDERS } from "@smoldeno/agents/models/hf";
 *
 * console.log(STRUCTURED_OUTPUT_PROVIDERS.includes("cerebras")); // true
 * ```
 */
export const STRUCTURED_OUTPUT_PROVIDERS: readonly string[] = [
  "cerebras",
  "fireworks-ai",
  "groq",
  "hf-inference",
  "nebius",
  "novita",
  "nscale",
  "sambanova",
  "scaleway",
  "together",
];

/** An inference provider name such as `"together"`, or `"auto"`. */
export type HfInferenceProvider = InferenceProviderOrPolicy;

/** Options of {@linkcode InferenceClientModel}. */
export interface InferenceClientModelOptions extends ServerModelOptions {
  /** Hub model id. Default {@linkcode DEFAULT_HF_MODEL_ID}. */
  modelId?: string;
  /**
   * Inference provider (`"together"`, `"groq"`, `"cerebras"`, …) or `"auto"`
   * (default: the first provider in your Hub settings that serves the model).
   */
  provider?: HfInferenceProvider;
  /**
   * Hugging Face token (`hf_…`), or a provider's own key. Default: `HF_TOKEN`
   * (read only with `--allow-env`).
   */
  token?: string;
  /**
   * URL of a dedicated Inference Endpoint or any server speaking the
   * OpenAI-compatible `/v1/chat/completions` API (TGI, vLLM). Excludes `provider`.
   */
  endpointUrl?: string;
  /** Organization billed for the requests (`X-HF-Bill-To`). */
  billTo?: string;
  /** Custom `fetch`, e.g. for a proxy. */
  fetch?: typeof fetch;
}

/**
 * A model served by Hugging Face Inference Providers or an Inference
 * Endpoint. Same features as `OpenAIServerModel`: native tool calling,
 * `responseFormat` (refused for providers not in
 * {@linkcode STRUCTURED_OUTPUT_PROVIDERS}), images, streaming with usage,
 * retries, rate limit, stop sequences, and the token kept out of errors and
 * serializations.
 *
 * @example A dedicated endpoint
 * ```ts
 * import { InferenceClientModel } from "@smoldeno/agents/models/hf";
 *
 * const model = new InferenceClientModel({
 *   modelId: "tgi",
 *   endpointUrl: "https://my-endpoint.endpoints.huggingface.cloud",
 *   timeoutMs: 60_000,
 * });
 * console.log(model.endpointUrl); // "https://my-endpoint.endpoints.huggingface.cloud"
 * ```
 *
 * @example Calling a model (needs HF_TOKEN and network)
 * ```ts ignore
 * import { InferenceClientModel } from "@smoldeno/agents/models/hf";
 *
 * const model = new InferenceClientModel({ provider: "auto", maxTokens: 500 });
 * const reply = await model.generate([{ role: "user", content: "Write a haiku about Deno" }]);
 * console.log(reply.content);
 * ```
 */
export class InferenceClientModel implements Model {
  /** The Hub model id. */
  readonly modelId: string;
  /** The provider, when one was chosen. */
  readonly provider?: HfInferenceProvider;
  /** The dedicated endpoint, when used. */
  readonly endpointUrl?: string;
  /** The billed organization, when set. */
  readonly billTo?: string;
  readonly #core: ChatCore;

  /**
   * Creates the model; nothing is sent until the first call.
   *
   * @throws {TypeError} when both `provider` and `endpointUrl` are given, `endpointUrl` is not a
   * URL, or the router is used without a token (or with a provider key and no provider).
   * @throws {RangeError} when a numeric option is out of range.
   */
  constructor(options: InferenceClientModelOptions = {}) {
    if (options === null || typeof options !== "object") {
      throw new TypeError(`Invalid options: expected an object, got ${options}`);
    }
    this.modelId = options.modelId ?? DEFAULT_HF_MODEL_ID;
    if (options.endpointUrl !== undefined) {
      if (options.provider !== undefined) {
        throw new TypeError(
          `Cannot use both provider "${options.provider}" and endpointUrl: pass only one of them`,
        );
      }
      checkHttpUrl("endpointUrl", options.endpointUrl, "http://localhost:8080");
      this.endpointUrl = options.endpointUrl;
    }
    if (options.provider !== undefined) this.provider = options.provider;
    if (options.billTo !== undefined) this.billTo = options.billTo;
    const token = options.token ?? readEnv("HF_TOKEN");
    if (this.endpointUrl === undefined) {
      if (!token) {
        throw new TypeError(
          "Missing Hugging Face token: pass token, or set HF_TOKEN and run with --allow-env",
        );
      }
      // The router picks a provider only for Hugging Face tokens; a provider's
      // own key must say which provider it belongs to.
      if (!token.startsWith("hf_") && (options.provider ?? "auto") === "auto") {
        throw new TypeError(
          'Cannot route a provider key with provider "auto": pass the provider it belongs to (e.g. provider: "together"), or use a Hugging Face token (hf_…)',
        );
      }
    }
    const client = new InferenceClient(token ?? "");
    const transport = hfTransport(client, {
      modelId: this.modelId,
      provider: options.provider,
      endpointUrl: this.endpointUrl,
      billTo: options.billTo,
      fetch: options.fetch ?? globalThis.fetch,
    });
    this.#core = new ChatCore(transport, {
      ...options,
      modelId: this.modelId,
      secrets: [token],
      checkCall: (call) => refuseResponseFormat(options.provider, call),
    });
  }

  /** Produces one reply. */
  generate(messages: ChatMessage[], options?: ServerGenerateOptions): Promise<ChatMessage> {
    return this.#core.generate(messages, options);
  }

  /** Streams one reply: content and tool-call fragments, then token usage. */
  generateStream(
    messages: ChatMessage[],
    options?: ServerGenerateOptions,
  ): AsyncGenerator<ChatMessageStreamDelta, void, undefined> {
    return this.#core.generateStream(messages, options);
  }

  /** Serializable settings, without the token. */
  toJSON(): { type: string; modelId: string; provider?: string; endpointUrl?: string } {
    return {
      type: "InferenceClientModel",
      modelId: this.modelId,
      ...(this.provider ? { provider: this.provider } : {}),
      ...(this.endpointUrl ? { endpointUrl: this.endpointUrl } : {}),
    };
  }
}

function refuseResponseFormat(
  provider: HfInferenceProvider | undefined,
  options: ServerGenerateOptions,
): TypeError | undefined {
  if (
    !options.responseFormat || provider === undefined || provider === "auto" ||
    STRUCTURED_OUTPUT_PROVIDERS.includes(provider)
  ) return undefined;
  return new TypeError(
    `Provider "${provider}" does not support responseFormat: use one of ${
      STRUCTURED_OUTPUT_PROVIDERS.map((p) => `"${p}"`).join(", ")
    }, or an endpointUrl`,
  );
}

interface HfSettings {
  modelId: string;
  provider?: InferenceProviderOrPolicy;
  endpointUrl?: string;
  billTo?: string;
  fetch: typeof fetch;
}

function hfTransport(client: InferenceClient, settings: HfSettings): ChatTransport {
  const args = (body: Record<string, unknown>) => ({
    ...body,
    model: settings.modelId,
    ...(settings.provider ? { provider: settings.provider } : {}),
    ...(settings.endpointUrl ? { endpointUrl: settings.endpointUrl } : {}),
  });
  // The client's errors do not keep the response headers; this fetch records
  // them so that Retry-After can be honoured.
  const options = (context: AttemptContext) => ({
    signal: context.signal,
    billTo: settings.billTo,
    retry_on_error: false,
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      const response = await settings.fetch(input, init);
      context.responseHeaders = response.headers;
      return response;
    },
  });
  const endpoint = settings.endpointUrl ?? "the Hugging Face router";
  return {
    complete: (body, context) =>
      client.chatCompletion(args(body) as never, options(context)) as Promise<WireCompletion>,
    stream: (body, context) =>
      client.chatCompletionStream(args(body) as never, options(context)) as AsyncIterable<
        WireChunk
      >,
    describeError: (error, context) => describeHfError(error, context, endpoint),
  };
}

function describeHfError(
  error: unknown,
  context: AttemptContext,
  endpoint: string,
): ProviderFailure {
  // Hub errors come from the provider lookup made before the request.
  if (
    error instanceof InferenceClientProviderApiError || error instanceof InferenceClientHubApiError
  ) {
    return {
      kind: "http",
      status: error.httpResponse.status,
      message: providerMessage(error.httpResponse.body) ??
        error.message.replace(/^Failed to perform inference: /, ""),
      retryAfterMs: parseRetryAfter(context.responseHeaders),
    };
  }
  if (error instanceof InferenceClientInputError || error instanceof InferenceClientRoutingError) {
    return { kind: "invalid", message: error.message };
  }
  if (error instanceof TypeError) {
    // Without response headers the server never answered: it was not reached.
    const reason = networkFailureReason(error);
    return {
      kind: "connection",
      message: context.responseHeaders
        ? `connection to ${endpoint} failed: ${reason}`
        : `cannot reach ${endpoint}: ${reason}`,
    };
  }
  return { kind: "invalid", message: error instanceof Error ? error.message : String(error) };
}

function providerMessage(body: unknown): string | undefined {
  if (typeof body === "string") return body || undefined;
  if (body === null || typeof body !== "object") return undefined;
  const { error, message, detail } = body as Record<string, unknown>;
  if (typeof error === "string") return error;
  if (
    error && typeof error === "object" &&
    typeof (error as { message?: unknown }).message === "string"
  ) {
    return (error as { message: string }).message;
  }
  if (typeof message === "string") return message;
  if (typeof detail === "string") return detail;
  return undefined;
}
