/**
 * `SandboxPool`: sandboxes started ahead of time, so an agent's first step
 * does not wait for a sandbox to boot. Each sandbox is handed out once and
 * never comes back: a pool never gives anyone a sandbox that ran someone
 * else's code.
 *
 * @example A warm sandbox for each agent
 * ```ts
 * import { CodeAgent, LogLevel, SandboxPool } from "@smoldeno/agents";
 * import { ScriptedModel } from "@smoldeno/agents/testing";
 *
 * await using pool = new SandboxPool({ size: 2 });
 * await pool.ready(); // optional: wait until the pool is full
 * await using executor = await pool.acquire(); // already started
 * await using agent = new CodeAgent({
 *   model: new ScriptedModel({ replies: ["<code>\nfinal_answer(6 * 7)\n</code>"] }),
 *   executor,
 *   logLevel: LogLevel.OFF,
 * });
 * console.log(await agent.run("Six times seven?")); // 42
 * ```
 *
 * @module
 */

import { DenoExecutor, type DenoExecutorOptions } from "./deno_executor.ts";
import type { Executor } from "../src/executor.ts";

/** An executor a pool can start ahead of time. */
export interface StartableExecutor extends Executor {
  /** Starts the sandbox; resolves once it is ready. */
  start(): Promise<void>;
}

/** Options of {@linkcode SandboxPool}. */
export interface SandboxPoolOptions<E extends StartableExecutor = DenoExecutor> {
  /** How many started sandboxes to keep ready (default 2, at most 64). */
  size?: number;
  /**
   * A ready sandbox unused for this long is closed and replaced by a fresh
   * one, so none grows stale (default 10 minutes).
   */
  maxIdleMs?: number;
  /** Makes one executor. Default: a `DenoExecutor` with `executorOptions`. */
  create?: () => E;
  /** Options of the default `DenoExecutor`s (ignored with `create`). */
  executorOptions?: DenoExecutorOptions;
  /**
   * Runs one step of the pool's own, `0`, in each sandbox once it has
   * started and before it is handed out (default true). A sandbox's first
   * steps pay for code both sides of the pipe have not run yet (lazy
   * compilation, cold JIT); the warm-up step pays the largest part of it in
   * the background. It declares nothing and leaves no output. Set it false
   * for executors whose every step you count or bill.
   */
  warmUp?: boolean;
}

/**
 * How long after an `acquire()` the pool starts the replacements. Starting a
 * sandbox spawns a process and keeps a core busy while it boots; done at
 * once, it competes with the first step of the sandbox just handed out (on
 * two cores that step took 7-12 ms instead of 4-5 ms).
 */
const REFILL_DELAY_MS = 50;

interface Ready<E> {
  executor: E;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Keeps `size` sandboxes started, each warmed up by one step of the pool's
 * own (see `warmUp`). `acquire()` hands one out (the caller owns and closes
 * it) and starts a replacement in the background; when none is ready, it
 * starts one for the caller. `close()` (or `await using`) closes the
 * sandboxes still in the pool.
 */
export class SandboxPool<E extends StartableExecutor = DenoExecutor> implements AsyncDisposable {
  readonly #size: number;
  readonly #maxIdleMs: number;
  readonly #create: () => E;
  readonly #warmUp: boolean;
  readonly #ready: Ready<E>[] = [];
  readonly #starting = new Set<Promise<void>>();
  #refillTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  /**
   * Checks the options and starts filling the pool.
   *
   * @throws {RangeError} for a size or idle time out of range.
   * @throws {TypeError} for a `create` that is not a function.
   */
  constructor(options: SandboxPoolOptions<E> = {}) {
    const size = options.size ?? 2;
    if (!Number.isInteger(size) || size < 1 || size > 64) {
      throw new RangeError(`Invalid size: expected an integer from 1 to 64, got ${size}`);
    }
    const maxIdleMs = options.maxIdleMs ?? 600_000;
    if (typeof maxIdleMs !== "number" || !(maxIdleMs >= 1000) || maxIdleMs > 2 ** 31 - 1) {
      throw new RangeError(
        `Invalid maxIdleMs: expected milliseconds from 1 000 to 2^31 - 1, got ${maxIdleMs}`,
      );
    }
    if (options.create !== undefined && typeof options.create !== "function") {
      throw new TypeError("Invalid create: expected a function returning an executor");
    }
    const executorOptions = options.executorOptions;
    this.#size = size;
    this.#maxIdleMs = maxIdleMs;
    this.#warmUp = options.warmUp ?? true;
    this.#create = options.create ??
      (() => new DenoExecutor({ onWarning: () => {}, ...executorOptions }) as unknown as E);
    if (options.create === undefined) {
      // Risky grants are reported once, here, not once per pooled sandbox.
      new DenoExecutor(executorOptions).close();
    }
    this.#fill();
  }

  /** Started sandboxes waiting in the pool. */
  get available(): number {
    return this.#ready.length;
  }

  /**
   * Resolves once the pool is full: every sandbox being started has started
   * (or failed to). Replacements due after an `acquire()` start now.
   */
  async ready(): Promise<void> {
    if (this.#refillTimer !== undefined) {
      clearTimeout(this.#refillTimer);
      this.#refillTimer = undefined;
      this.#fill();
    }
    while (this.#starting.size > 0) await Promise.allSettled([...this.#starting]);
  }

  /**
   * A started sandbox of its own for the caller, who closes it. Taken from the
   * pool when one is ready, otherwise started now. Replacements start in the
   * background shortly after (50 ms), not during the caller's first step.
   */
  async acquire(): Promise<E> {
    if (this.#closed) throw new Error("Cannot acquire from a closed SandboxPool: create a new one");
    const ready = this.#ready.shift();
    this.#refillSoon();
    if (ready) {
      clearTimeout(ready.timer);
      return ready.executor;
    }
    const executor = this.#create();
    try {
      await executor.start();
    } catch (error) {
      await executor.close().catch(() => {});
      throw error;
    }
    return executor;
  }

  /** Closes the sandboxes in the pool and stops refilling it. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#refillTimer);
    this.#refillTimer = undefined;
    await Promise.allSettled([...this.#starting]);
    const left = this.#ready.splice(0);
    for (const r of left) clearTimeout(r.timer);
    await Promise.allSettled(left.map((r) => r.executor.close()));
  }

  /** Same as {@linkcode SandboxPool.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #refillSoon(): void {
    if (this.#refillTimer !== undefined || this.#closed) return;
    this.#refillTimer = setTimeout(() => {
      this.#refillTimer = undefined;
      this.#fill();
    }, REFILL_DELAY_MS);
    // As the idle timers: a pool never keeps a program alive by itself.
    Deno.unrefTimer(this.#refillTimer as unknown as number);
  }

  #fill(): void {
    while (!this.#closed && this.#ready.length + this.#starting.size < this.#size) {
      const executor = this.#create();
      const started: Promise<void> = executor.start().then(async () => {
        if (this.#warmUp && !this.#closed) await executor.execute("0");
      }).then(
        () => {
          if (this.#closed) return executor.close();
          this.#ready.push({ executor, timer: this.#expire(executor) });
        },
        // A sandbox that cannot start (or fails its warm-up step) is
        // dropped; acquire() starts its own and reports the error there.
        () => executor.close().catch(() => {}),
      ).finally(() => this.#starting.delete(started));
      this.#starting.add(started);
    }
  }

  #expire(executor: E): ReturnType<typeof setTimeout> {
    const timer = setTimeout(() => {
      const i = this.#ready.findIndex((r) => r.executor === executor);
      if (i < 0) return;
      this.#ready.splice(i, 1);
      executor.close().catch(() => {});
      this.#fill();
    }, this.#maxIdleMs);
    // An idle pool never keeps a program alive.
    Deno.unrefTimer(timer as unknown as number);
    return timer;
  }
}
