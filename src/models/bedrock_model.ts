/**
 * Models on Amazon Bedrock through its Converse API (Claude, Nova, Llama,
 * Mistral, …), with the official `@aws-sdk/client-bedrock-runtime` client.
 * Import from `@smoldeno/agents/models/bedrock`; the main entry point does
 * not load the AWS SDK.
 *
 * Credentials come from the AWS default chain unless given: the
 * environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
 * `AWS_SESSION_TOKEN`), a profile (`AWS_PROFILE` or `profile`, from
 * `~/.aws/credentials` and `~/.aws/config`, SSO included), web identity,
 * and container or instance roles. The region comes from `region`,
 * `AWS_REGION`, or the profile.
 *
 * @example Claude on Bedrock, credentials from the environment
 * ```ts
 * import { AmazonBedrockModel } from "@smoldeno/agents/models/bedrock";
 *
 * await using model = new AmazonBedrockModel({
 *   modelId: "us.anthropic.claude-sonnet-4-20250514-v1:0",
 *   region: "us-east-1",
 *   maxTokens: 4096,
 * });
 * console.log(model.modelId); // nothing is sent before the first call
 * ```
 *
 * @module
 */

import {
  BedrockRuntimeClient,
  type BedrockRuntimeClientConfig,
} from "@aws-sdk/client-bedrock-runtime";
import type { ChatMessage, ChatMessageStreamDelta, GenerateOptions, Model } from "./model.ts";
import type { ServerModelOptions } from "./model_options.ts";
import { ChatCore, validateServerModelOptions } from "./_chat_core.ts";
import { bedrockTransport } from "./_bedrock_transport.ts";
import { checkHttpUrl, readEnv } from "./_settings.ts";

export type { CompletionParameters, RetryInfo, ServerModelOptions } from "./model_options.ts";

/** An AWS access key, with the session token of temporary credentials. */
export interface AwsCredentials {
  /** The access key id, e.g. `"AKIA…"` or `"ASIA…"`. */
  accessKeyId: string;
  /** The secret access key; never shown in errors, logs or `JSON.stringify`. */
  secretAccessKey: string;
  /** The session token of temporary credentials (STS, SSO, roles). */
  sessionToken?: string;
  /** When temporary credentials expire; a provider function is called again after. */
  expiration?: Date;
}

/** Sampling parameters that Converse takes, set on the model or per call. */
export interface BedrockCompletionParameters {
  /** Sampling temperature (`inferenceConfig.temperature`). */
  temperature?: number;
  /** Most tokens to generate (`inferenceConfig.maxTokens`). Some models need it, e.g. Claude. */
  maxTokens?: number;
  /** Nucleus sampling probability mass (`inferenceConfig.topP`). */
  topP?: number;
  /**
   * More Converse request fields, merged last, e.g.
   * `{ guardrailConfig: { guardrailIdentifier: "gr-1", guardrailVersion: "1" } }`,
   * `{ additionalModelRequestFields: { top_k: 200 } }` for model-specific
   * parameters, `{ performanceConfig: { latency: "optimized" } }`.
   * Objects that the model also builds (`inferenceConfig`, `outputConfig`)
   * are merged with them.
   */
  extraBody?: Record<string, unknown>;
}

/** Per-call options of {@linkcode AmazonBedrockModel}: the agent's options plus sampling overrides. */
export interface BedrockGenerateOptions extends GenerateOptions, BedrockCompletionParameters {}

/** Options of {@linkcode AmazonBedrockModel}. */
export interface AmazonBedrockModelOptions extends
  Omit<
    ServerModelOptions,
    | "seed"
    | "frequencyPenalty"
    | "presencePenalty"
    | "reasoningEffort"
    | "extraBody"
    | "supportsStopParameter"
    | "includeStreamUsage"
  >,
  BedrockCompletionParameters {
  /**
   * A Bedrock model id, inference profile id or ARN, e.g.
   * `"us.anthropic.claude-sonnet-4-20250514-v1:0"` or `"amazon.nova-pro-v1:0"`.
   */
  modelId: string;
  /** The AWS region, e.g. `"us-east-1"`. Default: `AWS_REGION`, then the profile's region. */
  region?: string;
  /**
   * Explicit credentials, or a function that returns them (called again when
   * they expire). Default: the AWS default chain.
   */
  credentials?: AwsCredentials | (() => Promise<AwsCredentials>);
  /** A profile of `~/.aws/credentials` / `~/.aws/config` for the default chain. Default: `AWS_PROFILE`. */
  profile?: string;
  /** Another endpoint, e.g. a VPC endpoint or a local test server: `"https://bedrock-runtime.vpce-….amazonaws.com"`. */
  endpoint?: string;
  /**
   * More settings of the AWS client (`BedrockRuntimeClientConfig`:
   * `requestHandler`, `logger`, `useFipsEndpoint`, …). Retries are this
   * model's (`maxRetries`), so the client's own stay off; the options above
   * win over the same settings here.
   */
  clientConfig?: BedrockClientConfig;
}

/** Settings passed through to the AWS client's constructor. */
export interface BedrockClientConfig {
  /**
   * The HTTP handler. The default, on `node:http2`, suits Bedrock; a
   * `NodeHttpHandler` from `@smithy/node-http-handler` gives HTTP/1.1 and proxies.
   */
  requestHandler?: unknown;
  /** Receives the client's own log lines. */
  logger?: {
    debug(...content: unknown[]): void;
    info(...content: unknown[]): void;
    warn(...content: unknown[]): void;
    error(...content: unknown[]): void;
  };
  /** Any other setting of `BedrockRuntimeClientConfig`. */
  [setting: string]: unknown;
}

const NOT_IN_CONVERSE = ["seed", "frequencyPenalty", "presencePenalty", "reasoningEffort"] as const;

function unsupported(options: Record<string, unknown>): TypeError | undefined {
  const found = NOT_IN_CONVERSE.find((key) => options[key] !== undefined);
  if (!found) return undefined;
  return new TypeError(
    `Invalid ${found}: Bedrock's Converse API has no such parameter; pass model-specific ` +
      `fields as extraBody: { additionalModelRequestFields: { … } }`,
  );
}

function checkCredentials(credentials: unknown): void {
  if (credentials === undefined || typeof credentials === "function") return;
  const given = credentials as Partial<AwsCredentials> | null;
  if (
    given === null || typeof given !== "object" ||
    typeof given.accessKeyId !== "string" || given.accessKeyId === "" ||
    typeof given.secretAccessKey !== "string" || given.secretAccessKey === ""
  ) {
    // Never echo what was passed: it may hold a secret.
    throw new TypeError(
      "Invalid credentials: expected { accessKeyId, secretAccessKey, sessionToken? } with " +
        "non-empty strings, or a function returning them; omit credentials to use the AWS " +
        "default chain (environment, profile, roles)",
    );
  }
}

/**
 * A model on Amazon Bedrock, through the Converse and ConverseStream APIs.
 * Supports native tool calls (`toolConfig`), JSON-schema replies
 * (`outputConfig`), images (png, jpeg, gif, webp, as bytes or base64),
 * system prompts, stop sequences, streaming with tool-call deltas, token
 * usage, retries with backoff after throttling and server errors, a
 * client-side rate limit and an idle timeout.
 *
 * Failures reject with `AgentGenerationError` carrying the HTTP `status` and
 * Bedrock's error name and message (`"ThrottlingException: Too many
 * requests"`); no credential appears in errors, in `JSON.stringify(model)`
 * or in `Deno.inspect(model)`. Aborting the call's `signal` rejects with the
 * signal's reason. The AWS client keeps HTTP/2 connections open:
 * `await using` (or `close()`) closes them.
 *
 * Converse has no seed or penalty parameters; model-specific ones go in
 * `extraBody.additionalModelRequestFields`. Models that do not accept a
 * system prompt take `customRoleConversions: { system: "user" }`. With tools,
 * the model is asked to call one (`toolChoice: "required"` becomes
 * `{ any: {} }`), which Claude, Nova and Mistral Large accept; for other
 * models pass `toolChoice: "auto"`.
 *
 * @example Calling a model (needs AWS credentials and network)
 * ```ts ignore
 * import { AmazonBedrockModel } from "@smoldeno/agents/models/bedrock";
 *
 * await using model = new AmazonBedrockModel({ modelId: "amazon.nova-lite-v1:0", region: "us-east-1" });
 * const reply = await model.generate([{ role: "user", content: "Say hi" }]);
 * console.log(reply.content, reply.tokenUsage);
 * ```
 *
 * @example A guardrail and a model-specific parameter
 * ```ts
 * import { AmazonBedrockModel } from "@smoldeno/agents/models/bedrock";
 *
 * await using model = new AmazonBedrockModel({
 *   modelId: "anthropic.claude-3-haiku-20240307-v1:0",
 *   region: "eu-west-1",
 *   credentials: { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "example-secret-key" },
 *   extraBody: {
 *     guardrailConfig: { guardrailIdentifier: "gr-1", guardrailVersion: "1" },
 *     additionalModelRequestFields: { top_k: 200 },
 *   },
 * });
 * console.log(JSON.stringify(model)); // no secret in there
 * ```
 */
export class AmazonBedrockModel implements Model, AsyncDisposable {
  /** The Bedrock model id, inference profile or ARN. */
  readonly modelId: string;
  /** The region, when given or found in `AWS_REGION`; otherwise the profile's. */
  readonly region: string | undefined;
  /** The endpoint override, if any. */
  readonly endpoint: string | undefined;
  readonly #client: BedrockRuntimeClient;
  readonly #core: ChatCore;

  /**
   * Creates the model; nothing is sent, and no credential is looked up,
   * until the first call.
   *
   * @throws {TypeError} when `modelId` is empty, `endpoint` is not an http(s) URL, `credentials`
   * are malformed, or a parameter Converse lacks (`seed`, penalties) is set.
   * @throws {RangeError} when a numeric option is out of range.
   */
  constructor(options: AmazonBedrockModelOptions) {
    if (options === null || typeof options !== "object") {
      throw new TypeError(
        `Invalid options: expected an object such as { modelId: "amazon.nova-pro-v1:0" }, got ${options}`,
      );
    }
    const refused = unsupported(options as unknown as Record<string, unknown>);
    if (refused) throw refused;
    if (options.region !== undefined && (typeof options.region !== "string" || !options.region)) {
      throw new TypeError(
        `Invalid region: expected a region such as "us-east-1", got ${
          JSON.stringify(options.region)
        }`,
      );
    }
    if (options.endpoint !== undefined) {
      checkHttpUrl("endpoint", options.endpoint, "https://bedrock-runtime.us-east-1.amazonaws.com");
    }
    checkCredentials(options.credentials);
    this.modelId = options.modelId;
    this.region = options.region ?? readEnv("AWS_REGION") ?? readEnv("AWS_DEFAULT_REGION");
    this.endpoint = options.endpoint?.replace(/\/+$/, "");
    const config = { ...options.clientConfig, maxAttempts: 1 } as BedrockRuntimeClientConfig;
    if (this.region) config.region = this.region;
    if (this.endpoint) config.endpoint = this.endpoint;
    if (options.credentials) config.credentials = options.credentials;
    if (options.profile) config.profile = options.profile;
    // Checked before the client exists, so that bad options leave nothing to close.
    validateServerModelOptions(options);
    this.#client = new BedrockRuntimeClient(config);
    const endpoint = this.endpoint ??
      (this.region ? `Amazon Bedrock in ${this.region}` : "Amazon Bedrock");
    this.#core = new ChatCore(bedrockTransport(this.#client, this.modelId, endpoint), {
      ...options,
      supportsStopParameter: true,
      secrets: secretsOf(options.credentials),
      checkCall: (call) => unsupported(call as Record<string, unknown>),
    });
  }

  /** Produces one reply; `raw` holds Bedrock's Converse response. */
  async generate(messages: ChatMessage[], options?: BedrockGenerateOptions): Promise<ChatMessage> {
    const message = await this.#core.generate(messages, options);
    const raw = message.raw as { response?: unknown } | undefined;
    if (raw?.response) message.raw = raw.response;
    return message;
  }

  /** Streams one reply: text and tool-call fragments, then token usage. */
  generateStream(
    messages: ChatMessage[],
    options?: BedrockGenerateOptions,
  ): AsyncGenerator<ChatMessageStreamDelta, void, undefined> {
    return this.#core.generateStream(messages, options);
  }

  /** Closes the AWS client's connections. Calls after this fail. */
  close(): void {
    this.#client.destroy();
  }

  /** Closes the AWS client's connections, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  /** Serializable settings, without credentials. */
  toJSON(): { type: string; modelId: string; region?: string; endpoint?: string } {
    return {
      type: "AmazonBedrockModel",
      modelId: this.modelId,
      ...(this.region ? { region: this.region } : {}),
      ...(this.endpoint ? { endpoint: this.endpoint } : {}),
    };
  }
}

function secretsOf(credentials: AmazonBedrockModelOptions["credentials"]): string[] {
  const secrets = ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_BEARER_TOKEN_BEDROCK"]
    .map(readEnv)
    .filter((value): value is string => value !== undefined);
  if (credentials && typeof credentials === "object") {
    secrets.push(credentials.secretAccessKey);
    if (credentials.sessionToken) secrets.push(credentials.sessionToken);
  }
  return secrets;
}

/**
 * Alias of {@linkcode AmazonBedrockModel}, the name smolagents uses.
 *
 * @example Using the smolagents name
 * ```ts
 * import { AmazonBedrockServerModel } from "@smoldeno/agents/models/bedrock";
 *
 * await using model = new AmazonBedrockServerModel({ modelId: "amazon.nova-pro-v1:0", region: "us-west-2" });
 * console.log(model.region); // "us-west-2"
 * ```
 */
export const AmazonBedrockServerModel: typeof AmazonBedrockModel = AmazonBedrockModel;
/** Alias of {@linkcode AmazonBedrockModel}. */
export type AmazonBedrockServerModel = AmazonBedrockModel;
