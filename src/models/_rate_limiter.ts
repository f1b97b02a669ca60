// Client-side rate limiting: evenly spaced request slots, reserved
// synchronously so that parallel calls of one model share the budget.

import { abortableSleep } from "./_retry.ts";

/** Test seams: the clock. */
export interface RateLimiterClock {
  /** Current time in milliseconds. */
  now: () => number;
  /** Waits `ms` milliseconds or rejects with the signal's reason. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Spaces requests `60 000 / requestsPerMinute` milliseconds apart. */
export class RateLimiter {
  readonly #intervalMs: number;
  readonly #clock: RateLimiterClock;
  #nextSlot = -Infinity;

  constructor(requestsPerMinute: number, clock?: RateLimiterClock) {
    if (!(requestsPerMinute > 0) || !Number.isFinite(requestsPerMinute)) {
      throw new RangeError(
        `Invalid requestsPerMinute: expected a positive number, got ${requestsPerMinute}`,
      );
    }
    this.#intervalMs = 60_000 / requestsPerMinute;
    this.#clock = clock ?? { now: () => performance.now(), sleep: abortableSleep };
  }

  /** Resolves when this caller's slot comes; the slot is reserved at call time. */
  async acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const now = this.#clock.now();
    const slot = Math.max(now, this.#nextSlot);
    this.#nextSlot = slot + this.#intervalMs;
    if (slot > now) await this.#clock.sleep(slot - now, signal);
  }
}
