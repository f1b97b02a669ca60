/**
 * The clock behind `timeoutMs`: it bounds the sandbox's own work, not the
 * time the host spends running tools for it. A CodeAgent whose code awaits a
 * managed agent (a whole sub-run with model calls) must not be killed for
 * waiting; tools have their own limits (maxSteps, MCP call timeouts, the
 * model's timeout).
 *
 * - No tool call in flight: wall-clock time counts, exactly (one timer).
 * - At least one tool call in flight for more than `pollMs` (50 ms): from
 *   then on only the CPU time the sandbox uses counts (all its threads,
 *   Workers included), sampled every `pollMs`. Shorter calls simply count as
 *   wall time, which keeps fast tool round trips free of /proc reads. A
 *   busy loop started next to a slow tool call therefore still reaches the
 *   limit, at the pace it burns CPU, while a sandbox that merely waits adds
 *   next to nothing.
 * - When the sandbox's CPU time cannot be read (`cpuMs` absent or returning
 *   undefined: not Linux, a remote sandbox, a container whose cgroup is not
 *   found yet), wall-clock time counts during tool calls too.
 *
 * @module
 */

/** Options of {@linkcode StepClock}. */
export interface StepClockOptions {
  /** The budget, in ms of sandbox time. */
  timeoutMs: number;
  /** Called once when the budget is spent. */
  onTimeout(): void;
  /** The sandbox's CPU time so far, in ms (all threads); absent or undefined: unmeasurable. */
  cpuMs?: () => number | undefined;
  /** Monotonic time in ms. Default `performance.now`. */
  now?: () => number;
  /** How often CPU time is sampled while a tool call is in flight. Default 50 ms. */
  pollMs?: number;
}

/** One step's budget; see the module doc. Stop it when the step ends. */
export class StepClock {
  #options: StepClockOptions;
  #now: () => number;
  #used = 0;
  #mark: number;
  #tools = 0;
  // CPU time counts only once a call has been in flight for pollMs: fast
  // calls (the common case) then cost no /proc read and no timer change.
  #cpuMode = false;
  #cpuMark: number | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #probe: ReturnType<typeof setTimeout> | undefined;
  #done = false;

  /** Starts counting at once. */
  constructor(options: StepClockOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
    this.#mark = this.#now();
    this.#schedule();
  }

  /** Budget spent so far, in ms. */
  get usedMs(): number {
    this.#account();
    return this.#used;
  }

  /** A host tool call of the step started. */
  toolStarted(): void {
    if (this.#done || this.#tools++ > 0 || !this.#options.cpuMs) return;
    // Wall time keeps counting until the probe sees the call still in flight.
    this.#probe ??= setTimeout(() => {
      this.#probe = undefined;
      this.#enterCpuMode();
    }, this.#options.pollMs ?? 50);
  }

  /** A host tool call of the step ended (returned or threw). */
  toolFinished(): void {
    if (this.#done || this.#tools === 0 || --this.#tools > 0 || !this.#cpuMode) return;
    this.#account();
    this.#cpuMode = false;
    this.#schedule();
  }

  /** Counts CPU instead of wall time from now on, if a call is still in flight. */
  #enterCpuMode(): void {
    if (this.#done || this.#tools === 0 || this.#cpuMode) return;
    this.#account();
    this.#cpuMode = true;
    this.#cpuMark = this.#options.cpuMs!();
    this.#schedule();
  }

  /** Accounts for the time since the last check and fires when the budget is spent. */
  check(): void {
    if (this.#done) return;
    this.#account();
    if (this.#used >= this.#options.timeoutMs) {
      this.stop();
      this.#options.onTimeout();
      return;
    }
    this.#schedule();
  }

  /** Stops the clock (idempotent); it never fires afterwards. */
  stop(): void {
    this.#done = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#probe);
    this.#timer = this.#probe = undefined;
  }

  #account(): void {
    const now = this.#now();
    if (this.#cpuMode) {
      const cpu = this.#options.cpuMs!();
      if (cpu === undefined || this.#cpuMark === undefined) this.#used += now - this.#mark;
      // A process that is gone reads as 0: count nothing rather than a negative.
      else this.#used += Math.max(0, cpu - this.#cpuMark);
      this.#cpuMark = cpu;
    } else {
      this.#used += now - this.#mark;
    }
    this.#mark = now;
  }

  #schedule(): void {
    if (this.#done) return;
    clearTimeout(this.#timer);
    const left = Math.max(0, this.#options.timeoutMs - this.#used);
    const wait = this.#cpuMode ? Math.min(left, this.#options.pollMs ?? 50) : left;
    this.#timer = setTimeout(() => this.check(), Math.ceil(wait));
  }
}
