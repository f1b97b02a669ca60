// The request engine every server-backed model shares: rate limiting,
// retries, timeouts, stop sequences, streaming and error mapping. Adapters
// only provide a transport that sends a chat-completions body with their
// npm client and says what its errors mean.

import { AgentGenerationError } from "../errors.ts";
import type { ChatMessage, ChatMessageStreamDelta } from "./model.ts";
import type { RetryInfo, ServerGenerateOptions, ServerModelOptions } from "./model_options.ts";
import type { WireChunk, WireCompletion } from "./_wire.ts";
import {
  buildChatBody,
  type RequestSettings,
  supportsStopParameter,
  wantsMaxCompletionTokens,
} from "./_request.ts";
import { deltaFromChunk, messageFromCompletion } from "./_response.ts";
import { isRetryableStatus, type RetryPolicy, withRetries } from "./_retry.ts";
import { RateLimiter } from "./_rate_limiter.ts";
import { StopSequenceFilter, truncateAtStop } from "./_stop_sequences.ts";
import { ToolCallDeltaNormalizer } from "./_tool_call_deltas.ts";
import { redactSecrets } from "./_redact.ts";
import { IdleTimer, type IdleWaiter } from "./_idle_timer.ts";

/** What a transport gets for one attempt. */
export interface AttemptContext {
  /** Aborts on the caller's signal and on the idle timeout. */
  signal: AbortSignal;
  /** Set by transports whose errors do not carry the response headers (for `Retry-After`). */
  responseHeaders?: Headers;
}

/** What a failed attempt means, in provider-neutral terms. */
export interface ProviderFailure {
  /** `http`: the server answered with an error status; `connection`: no answer; `invalid`: refused before sending. */
  kind: "http" | "connection" | "invalid";
  /** The HTTP status, for `http`. */
  status?: number;
  /** The provider's message. */
  message: string;
  /** The wait the server asked for. */
  retryAfterMs?: number;
}

/** Sends chat-completions bodies through one provider's client. */
export interface ChatTransport {
  /** Sends a non-streamed request. */
  complete(body: Record<string, unknown>, context: AttemptContext): Promise<WireCompletion>;
  /** Sends a streamed request; the iterable yields the parsed server-sent events. */
  stream(
    body: Record<string, unknown>,
    context: AttemptContext,
  ): AsyncIterable<WireChunk> | Promise<AsyncIterable<WireChunk>>;
  /** Explains an error thrown by `complete`, `stream` or the stream's iterator. */
  describeError(error: unknown, context: AttemptContext): ProviderFailure;
}

/** Settings of the engine. */
export interface ChatCoreOptions extends ServerModelOptions {
  /** Sent as `model` and named in errors. */
  modelId: string;
  /** Strings that must never appear in an error. */
  secrets: readonly (string | undefined)[];
  /** Refuses a call before anything is sent, e.g. an unsupported option. */
  checkCall?: (options: ServerGenerateOptions) => Error | undefined;
}

const DEFAULT_TIMEOUT_MS = 120_000;
const MAX_RETRY_DELAY_MS = 60_000;

class AttemptFailure extends Error {
  constructor(readonly failure: ProviderFailure & { timedOut?: boolean }) {
    super(failure.message);
  }
}

// Every attempt's idle timeout, on one shared timer.
const idleTimer = new IdleTimer();

// One try of a request: its abort controller and idle deadline.
class Attempt implements IdleWaiter {
  readonly context: AttemptContext;
  readonly #controller = new AbortController();
  readonly #timeoutMs: number;
  readonly #callerSignal: AbortSignal | undefined;
  #deadline = Infinity;
  #watched = false;
  timedOut = false;

  constructor(timeoutMs: number, signal?: AbortSignal) {
    this.#timeoutMs = timeoutMs;
    this.context = { signal: this.#controller.signal };
    // A listener removed in finish() rather than AbortSignal.any, which
    // costs more per call and leaves a dependent signal for the collector.
    if (signal) {
      this.#callerSignal = signal;
      if (signal.aborted) this.#controller.abort(signal.reason);
      else signal.addEventListener("abort", this.#onCallerAbort, { once: true });
    }
  }

  #onCallerAbort = (): void => {
    this.#controller.abort(this.#callerSignal?.reason);
  };

  /** Whether the attempt was cancelled: timed out, or the caller aborted. */
  get aborted(): boolean {
    return this.#controller.signal.aborted;
  }

  /** When the attempt times out; Infinity while nobody waits on the server. */
  get deadline(): number {
    return this.#deadline;
  }

  // The idle deadline only runs while we wait on the server, not while a
  // stream consumer takes its time between chunks. Date.now() because it
  // is cheaper per chunk than performance.now().
  /** Starts waiting on the server. */
  wait(): void {
    this.#deadline = Date.now() + this.#timeoutMs;
    if (this.#watched) idleTimer.extend(this.#deadline);
    else {
      this.#watched = true;
      idleTimer.watch(this);
    }
  }

  /** Stops waiting: the server answered. */
  answered(): void {
    this.#deadline = Infinity;
  }

  async timed<T>(promise: Promise<T>): Promise<T> {
    this.wait();
    try {
      return await promise;
    } finally {
      this.answered();
    }
  }

  /** The deadline passed while waiting (called by the idle timer). */
  expire(): void {
    this.timedOut = true;
    this.#controller.abort(
      new DOMException(`No response within ${this.#timeoutMs} ms`, "TimeoutError"),
    );
  }

  /** Ends the attempt; `abort` also cancels a request still in flight. */
  finish(abort: boolean): void {
    idleTimer.unwatch(this);
    this.#deadline = Infinity;
    this.#callerSignal?.removeEventListener("abort", this.#onCallerAbort);
    // Aborting after a completed request would be wasted work on the hot path.
    if (abort && !this.#controller.signal.aborted) {
      this.#controller.abort(new DOMException("The stream was closed early", "AbortError"));
    }
  }
}

function hasPayload(chunk: WireChunk): boolean {
  const delta = chunk.choices?.[0]?.delta;
  return Boolean(delta?.content || delta?.tool_calls?.length || chunk.usage);
}

function checkNumber(name: string, value: number | undefined, min: number, integer = false): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
    throw new RangeError(`Invalid ${name}: expected a number >= ${min}, got ${value}`);
  }
  if (integer && !Number.isInteger(value)) {
    throw new RangeError(`Invalid ${name}: expected an integer, got ${value}`);
  }
}

/** Validates the shared options; throws `RangeError`/`TypeError` at construction. */
export function validateServerModelOptions(
  options: ServerModelOptions & { modelId?: unknown },
): void {
  if (typeof options.modelId !== "string" || options.modelId.trim() === "") {
    throw new TypeError(
      `Invalid modelId: expected a non-empty string such as "gpt-4o", got ${
        JSON.stringify(options.modelId)
      }`,
    );
  }
  checkNumber("maxRetries", options.maxRetries, 0, true);
  if (options.onRetry !== undefined && typeof options.onRetry !== "function") {
    const got = options.onRetry === null ? "null" : typeof options.onRetry;
    throw new TypeError(
      `Invalid onRetry: expected a function such as (info) => log(info.reason), got ${got}`,
    );
  }
  checkNumber("retryDelayMs", options.retryDelayMs, 0);
  checkNumber("timeoutMs", options.timeoutMs, 1);
  checkNumber("requestsPerMinute", options.requestsPerMinute, Number.MIN_VALUE);
  checkNumber("maxTokens", options.maxTokens, 1, true);
  checkNumber("temperature", options.temperature, 0);
  checkNumber("topP", options.topP, 0);
}

/** The shared request engine. */
export class ChatCore {
  readonly #transport: ChatTransport;
  readonly #modelId: string;
  readonly #secrets: readonly (string | undefined)[];
  readonly #settings: RequestSettings;
  readonly #policy: RetryPolicy;
  readonly #timeoutMs: number;
  readonly #limiter: RateLimiter | undefined;
  readonly #checkCall: ChatCoreOptions["checkCall"];
  readonly #onRetry: ((info: RetryInfo) => void) | undefined;

  constructor(transport: ChatTransport, options: ChatCoreOptions) {
    validateServerModelOptions(options);
    this.#transport = transport;
    this.#checkCall = options.checkCall;
    this.#modelId = options.modelId;
    this.#secrets = options.secrets;
    const stopParameter = options.supportsStopParameter ?? supportsStopParameter(options.modelId);
    this.#settings = {
      modelId: options.modelId,
      stopParameter,
      maxCompletionTokens: wantsMaxCompletionTokens(options.modelId),
      includeStreamUsage: options.includeStreamUsage ?? true,
      defaults: {
        temperature: options.temperature,
        maxTokens: options.maxTokens,
        topP: options.topP,
        seed: options.seed,
        frequencyPenalty: options.frequencyPenalty,
        presencePenalty: options.presencePenalty,
        reasoningEffort: options.reasoningEffort,
        extraBody: options.extraBody,
      },
      messages: {
        customRoleConversions: options.customRoleConversions,
        flattenMessagesAsText: options.flattenMessagesAsText,
      },
    };
    this.#policy = {
      maxRetries: options.maxRetries ?? 3,
      initialDelayMs: options.retryDelayMs ?? 1_000,
      maxDelayMs: MAX_RETRY_DELAY_MS,
    };
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#onRetry = options.onRetry;
    this.#limiter = options.requestsPerMinute === undefined
      ? undefined
      : new RateLimiter(options.requestsPerMinute);
  }

  /** The request body a call sends. */
  body(
    messages: readonly ChatMessage[],
    options: ServerGenerateOptions,
    stream: boolean,
  ): Record<string, unknown> {
    return buildChatBody(messages, options, this.#settings, stream);
  }

  /** One reply. */
  async generate(
    messages: readonly ChatMessage[],
    options: ServerGenerateOptions = {},
  ): Promise<ChatMessage> {
    this.#precheck(options);
    const body = this.body(messages, options, false);
    const completion = await this.#withRetries(
      options.signal,
      (attempt) => attempt.timed(this.#transport.complete(body, attempt.context)),
    );
    let message: ChatMessage;
    try {
      message = messageFromCompletion(completion);
    } catch (error) {
      throw new AgentGenerationError(
        `Model "${this.#modelId}" returned an invalid reply: ${(error as Error).message}`,
      );
    }
    if (options.stopSequences?.length && typeof message.content === "string") {
      message.content = truncateAtStop(message.content, options.stopSequences).text;
    }
    return message;
  }

  /**
   * One reply, streamed. Failures are retried until the first chunk with
   * content, a tool call or usage arrives (the opening role-only chunk does
   * not count): after that, text has reached the caller and cannot be taken back.
   */
  async *generateStream(
    messages: readonly ChatMessage[],
    options: ServerGenerateOptions = {},
  ): AsyncGenerator<ChatMessageStreamDelta, void, undefined> {
    this.#precheck(options);
    const body = this.body(messages, options, true);
    const opened = await this.#withRetries(options.signal, async (attempt) => {
      const iterable = await attempt.timed(
        Promise.resolve(this.#transport.stream(body, attempt.context)),
      );
      const iterator = iterable[Symbol.asyncIterator]();
      try {
        let first = await attempt.timed(iterator.next());
        while (!first.done && !hasPayload(first.value)) {
          first = await attempt.timed(iterator.next());
        }
        if (first.done && attempt.aborted) throw new Error("The stream was cancelled");
        return { attempt, iterator, first };
      } catch (error) {
        await iterator.return?.().catch(() => {});
        throw error;
      }
    }, true);
    const { attempt, iterator } = opened;
    let result = opened.first;
    const stops = new StopSequenceFilter(options.stopSequences ?? []);
    const normalizer = new ToolCallDeltaNormalizer();
    let complete = false;
    try {
      while (!result.done) {
        const delta = deltaFromChunk(result.value, normalizer);
        if (delta.content !== undefined) {
          const text = stops.push(delta.content);
          if (text) delta.content = text;
          else delete delta.content;
        }
        if (delta.content !== undefined || delta.toolCalls || delta.tokenUsage) yield delta;
        // Past a stop sequence the rest is unwanted: cancelling the request
        // stops the server generating (and billing) it.
        if (stops.stopped) break;
        try {
          // wait()/answered() rather than timed(): no extra promise per chunk.
          attempt.wait();
          result = await iterator.next();
          attempt.answered();
          // The openai client ends a stream quietly when its request is
          // aborted: a timeout or the caller's abort must not pass for the end.
          if (result.done && attempt.aborted) throw new Error("The stream was cancelled");
        } catch (error) {
          throw this.#generationError(
            this.#attemptFailure(error, attempt, options.signal),
            1,
            options.signal,
          );
        }
      }
      complete = result.done === true;
      const rest = stops.flush();
      if (rest) yield { content: rest };
    } finally {
      attempt.finish(!complete);
      if (!complete) await iterator.return?.().catch(() => {});
    }
  }

  #precheck(options: ServerGenerateOptions): void {
    options.signal?.throwIfAborted();
    const refused = this.#checkCall?.(options);
    if (refused) throw refused;
  }

  async #withRetries<T>(
    signal: AbortSignal | undefined,
    run: (attempt: Attempt) => Promise<T>,
    keepOpen = false,
  ): Promise<T> {
    let attempts = 0;
    try {
      return await withRetries(
        async () => {
          attempts++;
          await this.#limiter?.acquire(signal);
          const attempt = new Attempt(this.#timeoutMs, signal);
          let ok = false;
          try {
            const value = await run(attempt);
            ok = true;
            return value;
          } catch (error) {
            throw this.#attemptFailure(error, attempt, signal);
          } finally {
            if (!ok || !keepOpen) attempt.finish(!ok);
          }
        },
        (error) => {
          if (!(error instanceof AttemptFailure)) return { retryable: false };
          const { kind, status, retryAfterMs } = error.failure;
          const retryable = kind === "connection" ||
            (kind === "http" && status !== undefined && isRetryableStatus(status));
          return { retryable, retryAfterMs };
        },
        this.#policy,
        { signal, onRetry: this.#onRetry && this.#tellRetry },
      );
    } catch (error) {
      throw this.#generationError(error, attempts, signal);
    }
  }

  #tellRetry = (error: unknown, retry: number, delayMs: number): void => {
    const failure = error instanceof AttemptFailure ? error.failure : undefined;
    const message = failure?.message ?? (error instanceof Error ? error.message : String(error));
    const reason = failure?.kind === "http" && failure.status !== undefined
      ? `status ${failure.status}: ${message}`
      : message;
    try {
      this.#onRetry?.({
        modelId: this.#modelId,
        attempt: retry + 1,
        maxAttempts: this.#policy.maxRetries + 1,
        delayMs,
        reason: redactSecrets(reason, this.#secrets),
        ...(failure?.status !== undefined ? { status: failure.status } : {}),
      });
    } catch {
      // A listener's failure is its own: the request goes on (see onRetry).
    }
  };

  #attemptFailure(error: unknown, attempt: Attempt, signal?: AbortSignal): unknown {
    if (signal?.aborted) return signal.reason;
    if (error instanceof AttemptFailure) return error;
    if (attempt.timedOut) {
      return new AttemptFailure({
        kind: "connection",
        timedOut: true,
        message: `no response within ${this.#timeoutMs} ms`,
      });
    }
    return new AttemptFailure(this.#transport.describeError(error, attempt.context));
  }

  #generationError(error: unknown, attempts: number, signal?: AbortSignal): unknown {
    // Cancellation is not a failure: callers get their own abort reason back.
    if (signal?.aborted) return signal.reason;
    if (error instanceof AgentGenerationError) return error;
    const tries = attempts > 1 ? ` after ${attempts} attempts` : "";
    if (!(error instanceof AttemptFailure)) {
      const text = error instanceof Error ? error.message : String(error);
      return new AgentGenerationError(
        redactSecrets(`Model "${this.#modelId}" request failed${tries}: ${text}`, this.#secrets),
      );
    }
    const { status, message, timedOut } = error.failure;
    const what = timedOut
      ? "timed out"
      : status === undefined
      ? "failed"
      : `failed with status ${status}`;
    return new AgentGenerationError(
      redactSecrets(`Model "${this.#modelId}" request ${what}${tries}: ${message}`, this.#secrets),
      { status },
    );
  }
}
