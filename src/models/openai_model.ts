/**
 * Models served over the OpenAI chat-completions API: OpenAI itself, Azure
 * OpenAI, and every OpenAI-compatible server (Ollama, vLLM, llama.cpp
 * server, LM Studio, Together, Groq, OpenRouter, …), through the official
 * `openai` package. Import from `@smoldeno/agents/models/openai`; the main
 * entry point does not load `openai`.
 *
 * | Server | `apiBase` | `modelId` example | `apiKey` |
 * |---|---|---|---|
 * | OpenAI | (default) `https://api.openai.com/v1` | `gpt-4o`, `o3`, `gpt-5` | default `OPENAI_API_KEY` |
 * | Ollama | `http://localhost:11434/v1` | `qwen2.5-coder:7b` | none |
 * | vLLM | `http://localhost:8000/v1` | `Qwen/Qwen2.5-Coder-7B-Instruct` | none, or `--api-key` |
 * | llama.cpp server | `http://localhost:8080/v1` | any (one model per server) | none, or `--api-key` |
 * | LM Studio | `http://localhost:1234/v1` | the loaded model's id | none |
 * | Together | `https://api.together.xyz/v1` | `Qwen/Qwen2.5-Coder-32B-Instruct` | `TOGETHER_API_KEY` |
 * | Groq | `https://api.groq.com/openai/v1` | `llama-3.3-70b-versatile` | `GROQ_API_KEY` |
 * | OpenRouter | `https://openrouter.ai/api/v1` | `openai/gpt-4o`, `qwen/qwen3-coder` | `OPENROUTER_API_KEY` |
 *
 * Other servers' keys are passed explicitly, e.g.
 * `apiKey: Deno.env.get("GROQ_API_KEY")`: `OPENAI_API_KEY` is only ever sent
 * to OpenAI.
 *
 * @example Groq, with its own key
 * ```ts
 * import { OpenAIServerModel } from "@smoldeno/agents/models/openai";
 *
 * const model = new OpenAIServerModel({
 *   modelId: "llama-3.3-70b-versatile",
 *   apiBase: "https://api.groq.com/openai/v1",
 *   apiKey: "gsk_example",
 *   requestsPerMinute: 30,
 * });
 * console.log(model.apiBase); // "https://api.groq.com/openai/v1"
 * ```
 *
 * @example Pointing at a local Ollama server
 * ```ts
 * import { OpenAIServerModel } from "@smoldeno/agents/models/openai";
 *
 * const model = new OpenAIServerModel({
 *   modelId: "qwen2.5-coder:7b",
 *   apiBase: "http://localhost:11434/v1",
 * });
 * console.log(model.modelId); // "qwen2.5-coder:7b"
 * ```
 *
 * @module
 */

import OpenAI from "openai";
import type { ChatMessage, ChatMessageStreamDelta, Model } from "./model.ts";
import type {
  OpenAIClientOptions,
  ServerGenerateOptions,
  ServerModelOptions,
} from "./model_options.ts";

export type { OpenAIClientOptions } from "./model_options.ts";
import type { ChatCore } from "./_chat_core.ts";
import { openAIChatCore } from "./_openai_transport.ts";
import { checkHttpUrl, readEnv } from "./_settings.ts";

export type {
  CompletionParameters,
  RetryInfo,
  ServerGenerateOptions,
  ServerModelOptions,
} from "./model_options.ts";
export {
  AzureOpenAIModel,
  AzureOpenAIServerModel,
  type AzureOpenAIServerModelOptions,
} from "./azure_openai_model.ts";

/**
 * The default `apiBase`: OpenAI's own API.
 *
 * @example Checking which server a model talks to
 * ```ts
 * import { OPENAI_API_BASE, OpenAIServerModel } from "@smoldeno/agents/models/openai";
 *
 * const model = new OpenAIServerModel({ modelId: "gpt-4o", apiKey: "sk-example" });
 * console.log(model.apiBase === OPENAI_API_BASE); // true
 * ```
 */
export const OPENAI_API_BASE = "https://api.openai.com/v1";

/** Options of {@linkcode OpenAIServerModel}. */
export interface OpenAIServerModelOptions extends ServerModelOptions {
  /** The model id the server knows, e.g. `"gpt-4o"` or `"qwen2.5-coder:7b"`. */
  modelId: string;
  /** Base URL of the API, up to and including `/v1`. Default: OpenAI's. */
  apiBase?: string;
  /**
   * The API key. Required for OpenAI's own API, where it defaults to the
   * `OPENAI_API_KEY` environment variable (read only with `--allow-env`).
   * With another `apiBase` it must be passed explicitly, so that your OpenAI
   * key is never sent to another server; without one, no `Authorization`
   * header is sent.
   */
  apiKey?: string;
  /** OpenAI organization id (`OpenAI-Organization` header). */
  organization?: string;
  /** OpenAI project id (`OpenAI-Project` header). */
  project?: string;
  /**
   * More options of the `openai` client: `defaultHeaders`, `defaultQuery`,
   * `fetch`, `fetchOptions` (proxies), …. Retries and timeouts are handled by
   * this model instead (`maxRetries`, `timeoutMs`).
   */
  clientOptions?: OpenAIClientOptions;
}

/**
 * A model behind an OpenAI-compatible chat-completions API. Supports native
 * tool calling, JSON-schema replies, images, streaming, retries with
 * backoff, client-side rate limiting, and stop sequences even on models that
 * reject `stop` (o-series, gpt-5), where they are applied client-side.
 *
 * Failures reject with `AgentGenerationError` carrying the HTTP `status` and
 * the provider's message; the API key never appears in errors, in
 * `JSON.stringify(model)` or in `Deno.inspect(model)`. Aborting the call's
 * `signal` rejects with the signal's reason.
 *
 * @example Calling a model (needs OPENAI_API_KEY and network)
 * ```ts ignore
 * import { OpenAIServerModel } from "@smoldeno/agents/models/openai";
 *
 * const model = new OpenAIServerModel({ modelId: "gpt-4o-mini", temperature: 0 });
 * const reply = await model.generate([{ role: "user", content: "Say hi" }]);
 * console.log(reply.content, reply.tokenUsage);
 * ```
 *
 * @example Settings for a local vLLM server
 * ```ts
 * import { OpenAIServerModel } from "@smoldeno/agents/models/openai";
 *
 * const model = new OpenAIServerModel({
 *   modelId: "Qwen/Qwen2.5-Coder-7B-Instruct",
 *   apiBase: "http://localhost:8000/v1",
 *   extraBody: { top_k: 20 },
 *   requestsPerMinute: 120,
 * });
 * console.log(JSON.stringify(model)); // no key in there
 * ```
 */
export class OpenAIServerModel implements Model {
  /** The model id sent as `model`. */
  readonly modelId: string;
  /** The base URL requests go to. */
  readonly apiBase: string;
  readonly #core: ChatCore;

  /**
   * Creates the model; nothing is sent until the first call.
   *
   * @throws {TypeError} when `modelId` is empty, `apiBase` is not an http(s) URL, or no key is
   * given for OpenAI's own API.
   * @throws {RangeError} when a numeric option is out of range.
   */
  constructor(options: OpenAIServerModelOptions) {
    if (options === null || typeof options !== "object") {
      throw new TypeError(
        `Invalid options: expected an object such as { modelId: "gpt-4o" }, got ${options}`,
      );
    }
    this.modelId = options.modelId;
    if (options.apiBase !== undefined) {
      checkHttpUrl("apiBase", options.apiBase, "http://localhost:11434/v1");
    }
    this.apiBase = (options.apiBase ?? OPENAI_API_BASE).replace(/\/+$/, "");
    const apiKey = options.apiKey ??
      (this.apiBase === OPENAI_API_BASE ? readEnv("OPENAI_API_KEY") : undefined);
    if (!apiKey && this.apiBase === OPENAI_API_BASE) {
      throw new TypeError(
        "Missing API key for OpenAI: pass apiKey, or set OPENAI_API_KEY and run with --allow-env",
      );
    }
    this.#core = openAIChatCore({
      client: OpenAI,
      model: options,
      settings: {
        // Keyless servers get no Authorization header rather than a fake key.
        apiKey: apiKey ?? "unused",
        defaultHeaders: apiKey
          ? options.clientOptions?.defaultHeaders
          : { ...options.clientOptions?.defaultHeaders, Authorization: null },
        baseURL: this.apiBase,
        organization: options.organization ?? null,
        project: options.project ?? null,
      },
      endpoint: this.apiBase,
      secret: apiKey,
      // Same URL and headers on every call: built once by the client, then sent by fetch.
      fixedRequest: true,
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

  /** Serializable settings, without the key. */
  toJSON(): { type: string; modelId: string; apiBase: string } {
    return { type: "OpenAIServerModel", modelId: this.modelId, apiBase: this.apiBase };
  }
}

/**
 * Alias of {@linkcode OpenAIServerModel}, the name smolagents also uses.
 *
 * @example Using the short name
 * ```ts
 * import { OpenAIModel } from "@smoldeno/agents/models/openai";
 *
 * const model = new OpenAIModel({ modelId: "llama3.2", apiBase: "http://localhost:11434/v1" });
 * console.log(model.modelId); // "llama3.2"
 * ```
 */
export const OpenAIModel: typeof OpenAIServerModel = OpenAIServerModel;
/** Alias of {@linkcode OpenAIServerModel}. */
export type OpenAIModel = OpenAIServerModel;
