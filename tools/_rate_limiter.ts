// Spaces requests to one provider so an agent looping on searches stays polite
// and does not get its IP blocked. Calls queue; each starts at least
// `minIntervalMs` after the previous one started.

/** Sleeps `ms` milliseconds unless `signal` aborts first. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const onAbort = () => {
      clearTimeout(id);
      reject(signal!.reason);
    };
    const id = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** A queue that keeps request starts at least `minIntervalMs` apart. */
export class RateLimiter {
  #minIntervalMs: number;
  #sleep: Sleep;
  #now: () => number;
  #lastStart = -Infinity;
  #queue: Promise<void> = Promise.resolve();

  constructor(minIntervalMs: number, clock: { sleep?: Sleep; now?: () => number } = {}) {
    this.#minIntervalMs = minIntervalMs;
    this.#sleep = clock.sleep ?? sleep;
    this.#now = clock.now ?? (() => performance.now());
  }

  /** Resolves when the caller may start its request. */
  wait(signal?: AbortSignal): Promise<void> {
    const turn = this.#queue.then(async () => {
      const wait = this.#lastStart + this.#minIntervalMs - this.#now();
      if (wait > 0) await this.#sleep(wait, signal);
      this.#lastStart = this.#now();
    });
    // A cancelled waiter must not block the ones behind it.
    this.#queue = turn.catch(() => {});
    return turn;
  }
}
