// Idle timeouts of model requests, all served by one shared timer.
//
// Setting and clearing a timer around every request costs about 5 µs per
// call against a server that answers at once (measured in
// bench/models_bench.ts's setting), a tenth of a local round trip. Here a
// waiter only records its deadline; one timer, armed for the earliest
// deadline and re-armed lazily when it fires, serves every waiter. With
// requests of the same timeout the timer is touched about once per timeout
// period, not once per request, and never per streamed chunk.

/** Something that waits on a server until a deadline. */
export interface IdleWaiter {
  /** Milliseconds since the epoch (`Date.now()`) after which it has waited too long. */
  readonly deadline: number;
  /** Called once, when the deadline has passed. The waiter is unwatched first. */
  expire(): void;
}

/** A set of waiters and the one timer that expires them. */
export class IdleTimer {
  readonly #waiters = new Set<IdleWaiter>();
  readonly #now: () => number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #firesAt = Infinity;

  /** `now` is a test seam: the clock deadlines are read against. */
  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** How many waiters are watched. */
  get size(): number {
    return this.#waiters.size;
  }

  /**
   * Watches `waiter` (again) after it set a new deadline. Cheap when the timer
   * already fires before that deadline, which is the common case.
   */
  watch(waiter: IdleWaiter): void {
    const idle = this.#waiters.size === 0;
    this.#waiters.add(waiter);
    if (waiter.deadline < this.#firesAt) this.#arm(waiter.deadline);
    else if (idle && this.#timer !== undefined) Deno.refTimer(this.#timer);
  }

  /**
   * Notes a new deadline of a waiter already watched: only a compare, so
   * that it can run for every streamed chunk.
   */
  extend(deadline: number): void {
    if (deadline < this.#firesAt) this.#arm(deadline);
  }

  /**
   * Stops watching `waiter`. The timer is left to lapse, since clearing it
   * would cost what sharing it saves; with nobody watched it no longer keeps
   * the process alive, so a finished program exits at once.
   */
  unwatch(waiter: IdleWaiter): void {
    if (this.#waiters.delete(waiter) && this.#waiters.size === 0 && this.#timer !== undefined) {
      Deno.unrefTimer(this.#timer);
    }
  }

  #arm(deadline: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#firesAt = deadline;
    this.#timer = setTimeout(this.#check, Math.max(0, deadline - this.#now()));
  }

  #check = (): void => {
    this.#timer = undefined;
    this.#firesAt = Infinity;
    const now = this.#now();
    let next = Infinity;
    for (const waiter of this.#waiters) {
      const deadline = waiter.deadline;
      if (deadline <= now) {
        this.#waiters.delete(waiter);
        waiter.expire();
      } else if (deadline < next) {
        next = deadline;
      }
    }
    if (next !== Infinity) this.#arm(next);
  };
}
