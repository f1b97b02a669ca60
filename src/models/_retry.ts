// Retries with exponential backoff and jitter, honouring Retry-After, for
// every server-backed model. The provider clients' own retries are switched
// off so that all adapters behave the same and share one tested policy.

/** How one failed attempt may be retried. */
export interface FailureInfo {
  /** Whether trying again may help (429, 5xx, connection failure, timeout). */
  retryable: boolean;
  /** The wait the server asked for, in milliseconds. */
  retryAfterMs?: number;
}

/** The retry policy. */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** Backoff before the first retry; doubles each time. */
  initialDelayMs: number;
  /** Longest wait; a longer `Retry-After` ends the retries instead. */
  maxDelayMs: number;
}

/** Test seams: the clock and the random source. */
export interface RetryEnvironment {
  /** Waits `ms` milliseconds or rejects with the signal's reason. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Uniform random number in [0, 1). */
  random?: () => number;
}

/** Told about each retry before its wait starts. */
export type RetryListener = (error: unknown, retry: number, delayMs: number) => void;

/** HTTP statuses worth retrying: timeouts, conflicts (lock timeouts), rate limits, server errors. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/**
 * Reads `retry-after-ms`, then `Retry-After` (seconds or an HTTP date).
 * Returns milliseconds, or undefined when absent or unparsable.
 */
export function parseRetryAfter(
  headers: Headers | undefined,
  now: number = Date.now(),
): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get("retry-after-ms");
  if (ms !== null && ms.trim() !== "" && Number.isFinite(Number(ms)) && Number(ms) >= 0) {
    return Number(ms);
  }
  const value = headers.get("retry-after");
  if (value === null || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The wait before retry number `retry` (0-based): the server's `Retry-After`
 * plus up to 10 % jitter, or exponential backoff with jitter in [d/2, d].
 * Returns undefined when the server asks for more than `maxDelayMs`: waiting
 * that long inside one agent step is worse than failing clearly.
 */
export function retryDelay(
  retry: number,
  info: FailureInfo,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number | undefined {
  if (info.retryAfterMs !== undefined) {
    if (info.retryAfterMs > policy.maxDelayMs) return undefined;
    return Math.round(info.retryAfterMs * (1 + 0.1 * random()));
  }
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** retry);
  return Math.round(base / 2 + (base / 2) * random());
}

/** Waits `ms` milliseconds; rejects with the signal's reason when it aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Runs `attempt` until it succeeds, a failure is not retryable, or the
 * retries are used up; then rethrows the last error. `classify` decides what
 * each error means; `onRetry` hears of each retry (its 1-based number and
 * wait) before the wait, so a user is not left in silence.
 */
export async function withRetries<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  classify: (error: unknown) => FailureInfo,
  policy: RetryPolicy,
  options: RetryEnvironment & { signal?: AbortSignal; onRetry?: RetryListener } = {},
): Promise<T> {
  const sleep = options.sleep ?? abortableSleep;
  for (let retry = 0;; retry++) {
    try {
      return await attempt(retry);
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      const info = classify(error);
      if (!info.retryable || retry >= policy.maxRetries) throw error;
      const delay = retryDelay(retry, info, policy, options.random);
      if (delay === undefined) throw error;
      options.onRetry?.(error, retry + 1, delay);
      await sleep(delay, options.signal);
    }
  }
}
