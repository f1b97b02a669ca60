/**
 * {@linkcode AISdkModel}: any language model of the Vercel AI SDK as a
 * smoldeno {@linkcode Model}. One adapter reaches every provider package the
 * AI SDK has: Anthropic (`@ai-sdk/anthropic`), Google Gemini
 * (`@ai-sdk/google`), Amazon Bedrock (`@ai-sdk/amazon-bedrock`), Mistral,
 * Groq, xAI, DeepSeek, and any OpenAI-compatible server
 * (`@ai-sdk/openai-compatible`). Import from `@smoldeno/agents/models/ai-sdk`;
 * the main entry point loads none of it, and this module itself loads only
 * `@ai-sdk/provider` (the error classes): the provider package is yours.
 *
 * It accepts models of the current specification, `"v4"` (the provider
 * packages that go with `ai@7`). An older provider's model (`"v2"`, `"v3"`)
 * can be lifted with `wrapLanguageModel({ model, middleware: [] })` from `ai`.
 *
 * @example Anthropic's Claude (needs ANTHROPIC_API_KEY and network)
 * ```ts ignore
 * import { anthropic } from "@ai-sdk/anthropic";
 * import { AISdkModel } from "@smoldeno/agents/models/ai-sdk";
 *
 * const model = new AISdkModel({ model: anthropic("claude-sonnet-4-5"), maxTokens: 4096 });
 * const reply = await model.generate([{ role: "user", content: "Say hi" }]);
 * console.log(reply.content, reply.tokenUsage);
 * ```
 *
 * @example A hand-written language model
 * ```ts
 * import { AISdkModel } from "@smoldeno/agents/models/ai-sdk";
 * import type { LanguageModelV4 } from "@ai-sdk/provider";
 *
 * const echo: LanguageModelV4 = {
 *   specificationVersion: "v4",
 *   provider: "echo",
 *   modelId: "echo-1",
 *   supportedUrls: {},
 *   doGenerate: (options) => {
 *     const last = options.prompt.at(-1);
 *     const text = last?.role === "user" && last.content[0]?.type === "text"
 *       ? last.content[0].text
 *       : "";
 *     return Promise.resolve({
 *       content: [{ type: "text", text: `echo: ${text}` }],
 *       finishReason: { unified: "stop", raw: "stop" },
 *       usage: {
 *         inputTokens: { total: 3, noCache: 3, cacheRead: 0, cacheWrite: 0 },
 *         outputTokens: { total: 2, text: 2, reasoning: 0 },
 *       },
 *       warnings: [],
 *     });
 *   },
 *   doStream: () => Promise.reject(new Error("not streaming")),
 * };
 * const model = new AISdkModel({ model: echo });
 * const reply = await model.generate([{ role: "user", content: "hello" }]);
 * console.log(reply.content); // "echo: hello"
 * console.log(reply.tokenUsage); // { inputTokens: 3, outputTokens: 2 }
 * ```
 *
 * @module
 */

import type { LanguageModelV4 } from "@ai-sdk/provider";
import type { AISdkLanguageModel, AISdkProviderOptions } from "./_ai_sdk_types.ts";
import type { ChatMessage, ChatMessageStreamDelta, Model } from "./model.ts";
import type { ServerGenerateOptions, ServerModelOptions } from "./model_options.ts";
import { ChatCore } from "./_chat_core.ts";
import { AI_SDK_EXTRAS, type AISdkExtras } from "./_ai_sdk_request.ts";
import { AI_SDK_RESULT, type AISdkRawResult, aiSdkTransport } from "./_ai_sdk_transport.ts";

export type { AISdkRawResult } from "./_ai_sdk_transport.ts";
export type {
  CompletionParameters,
  RetryInfo,
  ServerGenerateOptions,
  ServerModelOptions,
} from "./model_options.ts";
export type {
  AISdkFinishReason,
  AISdkLanguageModel,
  AISdkProviderOptions,
  AISdkUsage,
} from "./_ai_sdk_types.ts";

/** AI SDK settings that have no equivalent among the shared sampling parameters. */
export interface AISdkCallSettings {
  /** Top-k sampling, where the provider supports it. */
  topK?: number;
  /**
   * Provider-specific options, keyed by provider, e.g.
   * `{ anthropic: { thinking: { type: "enabled", budgetTokens: 2048 } } }` or
   * `{ google: { thinkingConfig: { thinkingBudget: 0 } } }`. Per-call options
   * replace the model's.
   */
  providerOptions?: AISdkProviderOptions;
  /** Extra HTTP headers sent with the request. */
  headers?: Record<string, string>;
}

/** Per-call options of {@linkcode AISdkModel}: the agent's options, sampling and AI SDK settings. */
export interface AISdkGenerateOptions
  extends Omit<ServerGenerateOptions, "extraBody">, AISdkCallSettings {}

/** Options of {@linkcode AISdkModel}. */
export interface AISdkModelOptions
  extends Omit<ServerModelOptions, "extraBody" | "includeStreamUsage">, AISdkCallSettings {
  /**
   * The AI SDK language model, e.g. `anthropic("claude-sonnet-4-5")` or
   * `google("gemini-2.5-flash")`; its `specificationVersion` must be `"v4"`.
   */
  model: AISdkLanguageModel;
  /** The id reported to agents and named in errors. Default: the language model's `modelId`. */
  modelId?: string;
  /**
   * Provider options attached to the system message. With Anthropic,
   * `{ anthropic: { cacheControl: { type: "ephemeral" } } }` caches the
   * system prompt (which, with its tool descriptions, is the bulk of every
   * agent step's prompt).
   */
  systemMessageProviderOptions?: AISdkProviderOptions;
  /**
   * Strings that must never appear in an error, e.g. the API key given to
   * the provider package (some servers echo the key they received).
   */
  secrets?: readonly (string | undefined)[];
}

/**
 * A model behind any AI SDK provider: messages with images, native tool
 * calls, streaming with tool-call deltas, stop sequences (also applied on the
 * client), JSON-schema replies, token usage, abort, and the same retries
 * (408, 409, 429, 5xx, connection failures, timeouts; exponential backoff
 * honouring `Retry-After`), timeouts and `requestsPerMinute` as the other
 * adapters.
 *
 * It calls the provider model's `doGenerate`/`doStream` itself rather than
 * `generateText`/`streamText`, which would add their own retries and tool
 * loop on top of the agent's. Failures reject with `AgentGenerationError`
 * carrying the HTTP `status` and the provider's message; a missing key
 * says which environment variable the provider reads. `raw` on a reply is an
 * {@linkcode AISdkRawResult} (finish reason, detailed usage, provider
 * metadata, the responding model's id).
 *
 * @example Gemini (needs GOOGLE_GENERATIVE_AI_API_KEY and network)
 * ```ts ignore
 * import { google } from "@ai-sdk/google";
 * import { AISdkModel } from "@smoldeno/agents/models/ai-sdk";
 *
 * const model = new AISdkModel({ model: google("gemini-2.5-flash"), temperature: 0 });
 * const reply = await model.generate([{ role: "user", content: "Say hi" }]);
 * console.log(reply.content);
 * ```
 *
 * @example An OpenAI-compatible server through the AI SDK
 * ```ts
 * import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
 * import { AISdkModel } from "@smoldeno/agents/models/ai-sdk";
 *
 * const ollama = createOpenAICompatible({ name: "ollama", baseURL: "http://localhost:11434/v1" });
 * const model = new AISdkModel({ model: ollama("qwen2.5-coder:7b"), maxRetries: 1 });
 * console.log(model.modelId, model.provider); // "qwen2.5-coder:7b" "ollama.chat"
 * ```
 */
export class AISdkModel implements Model {
  /** The id reported to agents. */
  readonly modelId: string;
  /** The AI SDK provider id, e.g. `"anthropic.messages"`. */
  readonly provider: string;
  readonly #core: ChatCore;

  /**
   * Creates the model; nothing is sent until the first call.
   *
   * @throws {TypeError} when `model` is not an AI SDK language model of specification `"v4"`.
   * @throws {RangeError} when a numeric option is out of range.
   */
  constructor(options: AISdkModelOptions) {
    if (options === null || typeof options !== "object") {
      throw new TypeError(
        `Invalid options: expected an object such as { model: anthropic("claude-sonnet-4-5") }, got ${options}`,
      );
    }
    const model = options.model as unknown as LanguageModelV4;
    checkLanguageModel(model);
    if ((options as { extraBody?: unknown }).extraBody !== undefined) throw noExtraBody();
    if (options.topK !== undefined && !(Number.isInteger(options.topK) && options.topK >= 1)) {
      throw new RangeError(`Invalid topK: expected an integer >= 1, got ${options.topK}`);
    }
    this.modelId = options.modelId ?? model.modelId;
    this.provider = model.provider;
    const defaults: AISdkExtras = {
      topK: options.topK,
      providerOptions: options.providerOptions as AISdkExtras["providerOptions"],
      headers: options.headers,
      systemMessageProviderOptions: options
        .systemMessageProviderOptions as AISdkExtras["providerOptions"],
    };
    this.#core = new ChatCore(aiSdkTransport(model, defaults), {
      ...options,
      extraBody: undefined,
      modelId: this.modelId,
      // Providers that lack stop sequences ignore them with a warning; the
      // engine cuts the text on the client either way.
      supportsStopParameter: options.supportsStopParameter ?? true,
      secrets: options.secrets ?? [],
    });
  }

  /** Produces one reply; `raw` is an {@linkcode AISdkRawResult}. */
  async generate(messages: ChatMessage[], options?: AISdkGenerateOptions): Promise<ChatMessage> {
    const message = await this.#core.generate(messages, coreOptions(options));
    message.raw = (message.raw as { [AI_SDK_RESULT]?: AISdkRawResult })?.[AI_SDK_RESULT];
    return message;
  }

  /** Streams one reply: text and tool-call fragments, then token usage. */
  async *generateStream(
    messages: ChatMessage[],
    options?: AISdkGenerateOptions,
  ): AsyncGenerator<ChatMessageStreamDelta, void, undefined> {
    yield* this.#core.generateStream(messages, coreOptions(options));
  }

  /** Serializable settings: no credential is held here. */
  toJSON(): { type: string; modelId: string; provider: string } {
    return { type: "AISdkModel", modelId: this.modelId, provider: this.provider };
  }
}

function checkLanguageModel(model: unknown): asserts model is LanguageModelV4 {
  const candidate = model as Partial<LanguageModelV4> | null | undefined;
  if (
    candidate === null || typeof candidate !== "object" ||
    typeof candidate.doGenerate !== "function" || typeof candidate.doStream !== "function"
  ) {
    throw new TypeError(
      `Invalid model: expected an AI SDK language model such as anthropic("claude-sonnet-4-5"), got ${
        typeof model === "string" ? JSON.stringify(model) : model === null ? "null" : typeof model
      }`,
    );
  }
  const version = (candidate as { specificationVersion?: unknown }).specificationVersion;
  if (version !== "v4") {
    throw new TypeError(
      `Unsupported AI SDK model "${candidate.modelId}": expected specificationVersion "v4" (provider packages for ai@7), got ${
        JSON.stringify(version)
      }; upgrade the provider package, or wrap the model with wrapLanguageModel({ model, middleware: [] }) from "ai"`,
    );
  }
  if (typeof candidate.modelId !== "string" || candidate.modelId === "") {
    throw new TypeError(
      `Invalid model: expected a language model with a non-empty modelId, got ${
        JSON.stringify(candidate.modelId)
      }`,
    );
  }
}

function noExtraBody(): TypeError {
  return new TypeError(
    "Invalid extraBody: AISdkModel sends no raw request body; pass providerOptions instead, e.g. { anthropic: { sendReasoning: true } }",
  );
}

function coreOptions(options: AISdkGenerateOptions | undefined): ServerGenerateOptions {
  if (!options) return {};
  if ((options as { extraBody?: unknown }).extraBody !== undefined) throw noExtraBody();
  const { topK, providerOptions, headers, ...rest } = options;
  if (topK === undefined && providerOptions === undefined && headers === undefined) return rest;
  const extras: AISdkExtras = {
    topK,
    providerOptions: providerOptions as AISdkExtras["providerOptions"],
    headers,
  };
  return { ...rest, extraBody: { [AI_SDK_EXTRAS]: extras } };
}
