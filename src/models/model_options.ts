/**
 * Options shared by the server-backed models (`OpenAIServerModel`,
 * `AzureOpenAIServerModel`, `InferenceClientModel`). This file imports no
 * provider package, so both subpath exports can re-export it.
 *
 * @module
 */

import type { GenerateOptions, MessageRole } from "./model.ts";

/**
 * Sampling parameters sent with each request. Set them on the model as
 * defaults, and override them per call in `generate(messages, options)`.
 */
export interface CompletionParameters {
  /** Sampling temperature, usually between 0 and 2. */
  temperature?: number;
  /** Maximum number of tokens to generate (`max_tokens`, or `max_completion_tokens` for reasoning models). */
  maxTokens?: number;
  /** Nucleus sampling probability mass. */
  topP?: number;
  /** Seed for reproducible sampling, where the server supports it. */
  seed?: number;
  /** Penalises tokens by how often they appeared so far. */
  frequencyPenalty?: number;
  /** Penalises tokens that appeared at all so far. */
  presencePenalty?: number;
  /** Reasoning effort of reasoning models (`reasoning_effort`). */
  reasoningEffort?: "none" | "minimal" | "low" | "medium" | "high";
  /**
   * Extra fields merged last into the JSON request body, for server-specific
   * parameters (e.g. `{ top_k: 20 }` for vLLM, `{ keep_alive: "5m" }` for Ollama).
   */
  extraBody?: Record<string, unknown>;
}

/** Per-call options of the server-backed models: the agent's options plus sampling overrides. */
export interface ServerGenerateOptions extends GenerateOptions, CompletionParameters {}

/**
 * What {@linkcode ServerModelOptions.onRetry} is told about a retry, before
 * its wait starts.
 */
export interface RetryInfo {
  /** The model the request is for. */
  modelId: string;
  /** The attempt about to be made: 2 for the first retry. */
  attempt: number;
  /** The most attempts the request gets: `maxRetries` + 1. */
  maxAttempts: number;
  /** How long the model waits before that attempt, in milliseconds. */
  delayMs: number;
  /**
   * Why the last attempt failed, without any credential, e.g.
   * `"status 503: overloaded"` or
   * `"cannot reach http://localhost:11434/v1: connection refused"`.
   */
  reason: string;
  /** The HTTP status of the failed attempt, when the server answered. */
  status?: number;
}

/** Options every server-backed model accepts. */
export interface ServerModelOptions extends CompletionParameters {
  /**
   * Renames roles before sending, for servers that reject some of them,
   * e.g. `{ system: "user" }`.
   */
  customRoleConversions?: Partial<Record<MessageRole, MessageRole>>;
  /** Sends every message content as one string (image parts are dropped). Default `false`. */
  flattenMessagesAsText?: boolean;
  /**
   * Retries after a 408, 409, 429, a 5xx, a connection failure or a timeout,
   * with exponential backoff and jitter, honouring `Retry-After`. Default 3.
   */
  maxRetries?: number;
  /** First backoff delay in milliseconds; it doubles on each retry, up to 60 000. Default 1 000. */
  retryDelayMs?: number;
  /**
   * Called before each retry, when its wait starts, so that an application
   * can show it: a server that is down otherwise means several silent
   * seconds before the error. The model itself never prints. The listener
   * should return quickly; what it throws is ignored, so a failing log line
   * cannot fail the request.
   *
   * @example Showing each retry on stderr
   * ```ts
   * import { OpenAIServerModel } from "@smoldeno/agents/models/openai";
   *
   * // A port nothing listens on, like a local server that is not started.
   * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
   * const apiBase = `http://127.0.0.1:${listener.addr.port}/v1`;
   * listener.close();
   *
   * const seen: number[] = [];
   * const model = new OpenAIServerModel({
   *   modelId: "qwen2.5-coder:7b",
   *   apiBase,
   *   maxRetries: 2,
   *   retryDelayMs: 10,
   *   onRetry: ({ attempt, maxAttempts, delayMs, reason }) => {
   *     seen.push(attempt);
   *     // e.g. "retrying in 8 ms (cannot reach http://127.0.0.1:…/v1: connection refused), 2/3"
   *     console.error(`retrying in ${delayMs} ms (${reason}), ${attempt}/${maxAttempts}`);
   *   },
   * });
   * await model.generate([{ role: "user", content: "Hi" }]).catch(() => {});
   * console.log(seen); // [2, 3]
   * ```
   */
  onRetry?: (info: RetryInfo) => void;
  /** Client-side rate limit shared by all calls of this model instance, parallel ones included. */
  requestsPerMinute?: number;
  /**
   * How long to wait for the server to answer, or, when streaming, for the
   * next chunk, before giving up (and retrying). Default 120 000 ms.
   */
  timeoutMs?: number;
  /**
   * Whether the server accepts the `stop` parameter. Detected from `modelId`
   * when omitted: OpenAI's o-series and gpt-5 models (and xAI's grok-3-mini,
   * grok-4) reject it. Stop sequences are always also applied client-side,
   * streaming included.
   */
  supportsStopParameter?: boolean;
  /** Asks for a final usage chunk when streaming (`stream_options.include_usage`). Default `true`. */
  includeStreamUsage?: boolean;
}

/**
 * Options passed through to the `openai` client of `OpenAIServerModel`
 * and `AzureOpenAIServerModel`.
 */
export interface OpenAIClientOptions {
  /** Headers sent with every request. */
  defaultHeaders?: Record<string, string>;
  /** Query parameters added to every request. */
  defaultQuery?: Record<string, string>;
  /** A custom `fetch`, e.g. one that logs or goes through a proxy. */
  fetch?: typeof fetch;
  /** Extra `fetch` init of every request, e.g. `{ client: Deno.createHttpClient({ proxy }) }`. */
  fetchOptions?: Omit<RequestInit, "signal" | "body" | "headers" | "method">;
}
