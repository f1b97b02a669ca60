/**
 * {@linkcode AzureOpenAIServerModel}: OpenAI models deployed on Azure.
 * Exported from `@smoldeno/agents/models/openai`.
 *
 * @module
 */

import { AzureOpenAI } from "openai";
import type { ChatMessage, ChatMessageStreamDelta, Model } from "./model.ts";
import type {
  OpenAIClientOptions,
  ServerGenerateOptions,
  ServerModelOptions,
} from "./model_options.ts";
import type { ChatCore } from "./_chat_core.ts";
import { openAIChatCore } from "./_openai_transport.ts";
import { checkHttpUrl, readEnv } from "./_settings.ts";

/** Options of {@linkcode AzureOpenAIServerModel}. */
export interface AzureOpenAIServerModelOptions extends ServerModelOptions {
  /** The model id sent as `model`, e.g. `"gpt-4o"`; also the deployment name unless `deployment` is set. */
  modelId: string;
  /** The deployment name in the request path. Default: `modelId`. */
  deployment?: string;
  /**
   * The resource endpoint, e.g. `https://my-resource.openai.azure.com`.
   * Default: `AZURE_OPENAI_ENDPOINT`.
   */
  azureEndpoint?: string;
  /** The API key (`api-key` header). Default: `AZURE_OPENAI_API_KEY`. */
  apiKey?: string;
  /** Microsoft Entra ID token source, instead of `apiKey`. */
  azureADTokenProvider?: () => Promise<string>;
  /** The API version, e.g. `"2024-10-21"`. Default: `OPENAI_API_VERSION` (no `AZURE_` prefix). */
  apiVersion?: string;
  /** More options of the `openai` client (`defaultHeaders`, `fetch`, `fetchOptions`, …). */
  clientOptions?: OpenAIClientOptions;
}

/**
 * A model deployed on Azure OpenAI. Behaves like `OpenAIServerModel`
 * (tools, streaming, retries, rate limit, stop sequences, key redaction);
 * requests go to `{azureEndpoint}/openai/deployments/{deployment}/chat/completions`.
 *
 * @example Settings from the environment or explicit
 * ```ts
 * import { AzureOpenAIServerModel } from "@smoldeno/agents/models/openai";
 *
 * const model = new AzureOpenAIServerModel({
 *   modelId: "gpt-4o-mini",
 *   azureEndpoint: "https://my-resource.openai.azure.com",
 *   apiKey: "<your key>",
 *   apiVersion: "2024-10-21",
 * });
 * console.log(model.deployment); // "gpt-4o-mini"
 * ```
 */
export class AzureOpenAIServerModel implements Model {
  /** The model id sent as `model`. */
  readonly modelId: string;
  /** The deployment the requests go to. */
  readonly deployment: string;
  /** The resource endpoint. */
  readonly azureEndpoint: string;
  /** The API version sent as `api-version`. */
  readonly apiVersion: string;
  readonly #core: ChatCore;

  /**
   * Creates the model; nothing is sent until the first call.
   *
   * @throws {TypeError} when the endpoint, the API version or the credentials are missing.
   */
  constructor(options: AzureOpenAIServerModelOptions) {
    if (options === null || typeof options !== "object") {
      throw new TypeError(
        `Invalid options: expected an object such as { modelId: "gpt-4o" }, got ${options}`,
      );
    }
    this.modelId = options.modelId;
    this.deployment = options.deployment ?? options.modelId;
    const endpoint = options.azureEndpoint ?? readEnv("AZURE_OPENAI_ENDPOINT");
    const apiVersion = options.apiVersion ?? readEnv("OPENAI_API_VERSION");
    const apiKey = options.azureADTokenProvider
      ? undefined
      : options.apiKey ?? readEnv("AZURE_OPENAI_API_KEY");
    if (!endpoint) {
      throw new TypeError(
        "Missing Azure endpoint: pass azureEndpoint, or set AZURE_OPENAI_ENDPOINT and run with --allow-env",
      );
    }
    if (!apiVersion) {
      throw new TypeError(
        'Missing Azure API version: pass apiVersion (e.g. "2024-10-21"), or set OPENAI_API_VERSION',
      );
    }
    if (!apiKey && !options.azureADTokenProvider) {
      throw new TypeError(
        "Missing Azure credentials: pass apiKey or azureADTokenProvider, or set AZURE_OPENAI_API_KEY",
      );
    }
    checkHttpUrl("azureEndpoint", endpoint, "https://my-resource.openai.azure.com");
    this.azureEndpoint = endpoint.replace(/\/+$/, "");
    this.apiVersion = apiVersion;
    this.#core = openAIChatCore({
      client: AzureOpenAI,
      model: options,
      settings: {
        endpoint: this.azureEndpoint,
        apiVersion,
        deployment: this.deployment,
        ...(apiKey ? { apiKey } : { azureADTokenProvider: options.azureADTokenProvider }),
      },
      endpoint: this.azureEndpoint,
      secret: apiKey,
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
  toJSON(): {
    type: string;
    modelId: string;
    deployment: string;
    azureEndpoint: string;
    apiVersion: string;
  } {
    return {
      type: "AzureOpenAIServerModel",
      modelId: this.modelId,
      deployment: this.deployment,
      azureEndpoint: this.azureEndpoint,
      apiVersion: this.apiVersion,
    };
  }
}

/**
 * Alias of {@linkcode AzureOpenAIServerModel}, the name smolagents also uses.
 *
 * @example Using the short name
 * ```ts
 * import { AzureOpenAIModel } from "@smoldeno/agents/models/openai";
 *
 * const model = new AzureOpenAIModel({
 *   modelId: "gpt-4o",
 *   azureEndpoint: "https://my-resource.openai.azure.com",
 *   apiKey: "<your key>",
 *   apiVersion: "2024-10-21",
 * });
 * console.log(model.apiVersion); // "2024-10-21"
 * ```
 */
export const AzureOpenAIModel: typeof AzureOpenAIServerModel = AzureOpenAIServerModel;
/** Alias of {@linkcode AzureOpenAIServerModel}. */
export type AzureOpenAIModel = AzureOpenAIServerModel;
