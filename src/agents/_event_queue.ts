// Events that arrive while a step is busy (a managed agent's, reported from
// inside a tool call) wait here until the stream can yield them, so a
// consumer sees them as they happen rather than after the step.

/** A first-in first-out queue that can interrupt a wait for something else. */
export class EventQueue<T> {
  #items: T[] = [];
  #wake?: () => void;

  /** Queues an item and wakes a pending {@linkcode race}. */
  push(item: T): void {
    this.#items.push(item);
    this.#wake?.();
  }

  /** How many items wait. */
  get size(): number {
    return this.#items.length;
  }

  /** Takes every queued item, oldest first. */
  drain(): T[] {
    return this.#items.splice(0);
  }

  /**
   * Settles with `promise`'s value, or with `undefined` as soon as an item is
   * queued (at once when one already is). `promise` keeps its handler, so a
   * later rejection is never unhandled.
   */
  async race<R>(promise: Promise<R>): Promise<R | undefined> {
    if (this.#items.length > 0) {
      promise.catch(() => {});
      return undefined;
    }
    const woken = Promise.withResolvers<undefined>();
    this.#wake = () => woken.resolve(undefined);
    try {
      return await Promise.race([promise, woken.promise]);
    } finally {
      this.#wake = undefined;
    }
  }
}

/**
 * Yields `main`'s events with the queue's merged in as they arrive (queued
 * ones first when both are ready) and returns `main`'s result. When the
 * consumer leaves while `main` is busy producing its next event, `onBusyExit`
 * runs (to abort that work) and `main` is closed once it settles.
 */
export async function* withQueued<T, R>(
  main: AsyncGenerator<T, R>,
  queue: EventQueue<T>,
  onBusyExit: () => void,
): AsyncGenerator<T, R> {
  let pending: Promise<IteratorResult<T, R>> | undefined;
  try {
    while (true) {
      pending ??= main.next();
      const next = await queue.race(pending);
      // Guarded: `yield*` over even an empty array costs an async iterator.
      if (queue.size > 0) yield* queue.drain();
      if (next === undefined) continue;
      pending = undefined;
      if (next.done) return next.value;
      yield next.value;
    }
  } finally {
    if (pending) {
      onBusyExit();
      await pending.catch(() => {});
    }
    await main.return(undefined as R);
  }
}
