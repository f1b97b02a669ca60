/**
 * The host side of one running sandbox: speaks `_protocol.ts` over any
 * process whose stdio we hold, however it was launched (Deno subprocess,
 * `docker run -i`, an E2B process). Launchers own spawning, temp dirs and
 * memory limits; this file owns frames, steps, tools and timeouts, and turns
 * failures into errors with `_errors.ts`.
 *
 * @module
 */

import { AsyncLocalStorage } from "node:async_hooks";
import { AgentExecutionError } from "../../src/errors.ts";
import type { CodeOutput } from "../../src/executor.ts";
import type { Tool } from "../../src/tool.ts";
import type { ImportPattern } from "./_imports.ts";
import { RawOutput, StderrTail } from "./_raw_output.ts";
import type { ProcessExit, SandboxProcess } from "./_process.ts";
import { exitFailure, type KillReason, RESTART_NOTE, stepError } from "./_errors.ts";
import { StepClock } from "./_step_clock.ts";
import {
  decodeValue,
  DEFAULT_MAX_FRAME_BYTES,
  encodeValue,
  FrameReader,
  newSessionKey,
  parseRunnerFrame,
  PROTOCOL_VERSION,
  type RunnerFrame,
} from "./_protocol.ts";

export type { ProcessExit, SandboxProcess } from "./_process.ts";
export { RESTART_NOTE } from "./_errors.ts";

// Launchers unref their child (status and stdio reads), so an idle sandbox
// never keeps the host program alive: a script that forgets close() still
// ends, and the runner then exits because its stdin closed. While the host
// waits on the sandbox (start, a request, a step, close), the session holds
// this ref'd interval instead, so awaiting it cannot end the program early.
const KEEP_ALIVE_MS = 2 ** 30;

// Deno's own panic report ("thread 'main' panicked at cli/lib.rs:…"): a bug
// of the runtime, not of the code it was given.
const RUNTIME_PANIC = /^thread '[^']*'(?: \(\d+\))? panicked at /m;
const startPanics = new WeakSet<Error>();

/**
 * True when `error` is a sandbox that died of a Deno runtime panic before it
 * was ready: no user code had run, so starting again loses nothing.
 */
export function isStartupPanic(error: unknown): boolean {
  return error instanceof Error && startPanics.has(error);
}

/** Options of {@linkcode RunnerSession.start}. */
export interface RunnerSessionOptions {
  /** Cap on the logs of one step, in characters. */
  maxOutputLength: number;
  /** Cap on one runner frame, in bytes. */
  maxFrameBytes?: number;
  /** How long the runner may take to say it is ready. Default 30 000 ms. */
  startupTimeoutMs?: number;
  /** Extra text for `permission` errors: what option grants the permission. */
  permissionHint?: (permission: string | undefined) => string;
  /** Extra text for `import` errors: what is authorized. */
  importHint?: () => string;
  /**
   * The parsed `authorizedImports`, enforced by the runner on computed
   * `import()` calls too (`_transform.ts` rewrites them). Omitted: the
   * runner checks nothing at run time and only the host's static check applies.
   */
  authorizedImports?: readonly ImportPattern[];
  /**
   * Cap on the argument bytes of tool calls in flight at once; calls past it
   * fail in the sandbox with a catchable error, so sandboxed code cannot make
   * the host hold unbounded data. Default 64 MiB.
   */
  maxInFlightToolBytes?: number;
  /** Cap on the number of tool calls in flight at once (same reason). Default 4096. */
  maxInFlightToolCalls?: number;
  /**
   * Cap on the Workers the code runs at once (see `guardRealm`): past it
   * `new Worker()` throws a catchable `WouldBlock`. Omitted: no cap.
   */
  maxWorkers?: number;
}

/** Options of {@linkcode RunnerSession.execute}. */
export interface SessionExecuteOptions {
  /**
   * Kill the sandbox after this many milliseconds of its own work: wall
   * time, except that while host tool calls are in flight only the
   * sandbox's CPU time counts (when the process can report it).
   */
  timeoutMs: number;
  /** Cancels the step: the sandbox is killed, the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Marks errors of this step as following a restart (earlier state is gone). */
  afterRestart?: boolean;
}

interface PendingStep {
  id: number;
  resolve(value: CodeOutput): void;
  reject(error: unknown): void;
  /** Aborted when the step ends: what tools get as their signal (made on first use). */
  signal(): AbortSignal;
  afterRestart: boolean;
  clock: StepClock;
  /**
   * Runs a function in the async context `execute` was called in: tool
   * calls arrive from the sandbox's stdout, outside it, and would otherwise
   * lose the caller's context (an OpenTelemetry span, an AsyncLocalStorage
   * store) on the way.
   */
  inCallerContext: <R>(fn: () => R) => R;
}

/** A live runner: one at a time per executor; dead after any kill. */
export class RunnerSession {
  #proc: SandboxProcess;
  #options: RunnerSessionOptions;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #encoder = new TextEncoder();
  #tools: Record<string, Tool> = {};
  #step: PendingStep | null = null;
  #stepSeq = 0;
  #msgSeq = 0;
  #acks = new Map<number, () => void>();
  #raw: RawOutput;
  #stderrTail = new StderrTail();
  #killReason: KillReason | null = null;
  #killMessage = "";
  #exit: ProcessExit | null = null;
  #ready: { resolve(): void; reject(e: unknown): void } | null = null;
  #pumps: Promise<void>[] = [];
  #inFlightBytes = 0;
  #inFlightCalls = 0;
  #unsettled: number | null = null;
  #lastSettled = 0;
  #onSettled: (() => void) | null = null;
  #holds = 0;
  #keepAlive: ReturnType<typeof setInterval> | undefined;
  #writing = false;
  #pipeBroken = false;
  #queued = "";
  /** Settles when the process has ended and its output is drained. */
  readonly closed: Promise<void>;

  private constructor(proc: SandboxProcess, options: RunnerSessionOptions) {
    this.#proc = proc;
    this.#options = options;
    this.#raw = new RawOutput(options);
    this.#writer = proc.stdin.getWriter();
    this.#writer.closed.catch(() => {});
    const key = newSessionKey();
    const reader = new FrameReader(key, options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
    this.#send({
      t: "hello",
      v: PROTOCOL_VERSION,
      key,
      maxOutputLength: options.maxOutputLength,
      maxFrameBytes: options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
      imports: options.authorizedImports ?? null,
      maxWorkers: options.maxWorkers ?? null,
    });
    this.#pumps.push(this.#pumpStdout(reader));
    if (proc.stderr) this.#pumps.push(this.#pumpStderr(proc.stderr));
    this.closed = proc.exited.then(async (exit) => {
      this.#exit = exit;
      await Promise.all(this.#pumps);
      // Release the pipe now: nobody can read what we would still write.
      await this.#writer.abort().catch(() => {});
      this.#onExit();
      // Not held any more: nothing keeps the unref'd keep-alive interval.
      if (this.#holds === 0 && this.#keepAlive !== undefined) {
        clearInterval(this.#keepAlive);
        this.#keepAlive = undefined;
      }
    });
  }

  /**
   * Takes over a just-started runner process: sends the hello with a fresh
   * key and waits for the runner's authenticated `ready`. Kills the process
   * and rejects with a `crashed` error if it does not come.
   */
  static async start(proc: SandboxProcess, options: RunnerSessionOptions): Promise<RunnerSession> {
    const session = new RunnerSession(proc, options);
    const ready = new Promise<void>((resolve, reject) => session.#ready = { resolve, reject });
    const timer = setTimeout(() => {
      session.#kill("crashed", "The sandbox did not start in time");
    }, options.startupTimeoutMs ?? 30_000);
    try {
      await session.#hold(ready);
      return session;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Keeps the host's event loop alive until `work` settles (see KEEP_ALIVE_MS). */
  async #hold<T>(work: Promise<T>): Promise<T> {
    // One interval per session, ref'd while held: cheaper than a new one per step.
    if (this.#holds++ === 0) {
      if (this.#keepAlive === undefined) this.#keepAlive = setInterval(() => {}, KEEP_ALIVE_MS);
      else Deno.refTimer(this.#keepAlive);
    }
    try {
      return await work;
    } finally {
      if (--this.#holds === 0) {
        if (this.#exit === null) Deno.unrefTimer(this.#keepAlive!);
        else {
          clearInterval(this.#keepAlive);
          this.#keepAlive = undefined;
        }
      }
    }
  }

  /** True until the process has been killed or has exited. */
  get alive(): boolean {
    return this.#killReason === null && this.#exit === null;
  }

  /** Defines the tools in the sandbox (replacing earlier ones). */
  async setTools(tools: Record<string, Tool>): Promise<void> {
    this.#tools = { ...tools };
    const list = Object.entries(tools).map(([name, t]) => ({
      name,
      params: Object.keys(t.inputs ?? {}),
    }));
    await this.#request({ t: "tools", tools: list });
  }

  /** Defines variables in the sandbox. */
  async setVariables(variables: Record<string, unknown>): Promise<void> {
    await this.#request({ t: "vars", vars: encodeValue(variables) });
  }

  /** Runs one prepared (JavaScript) step. */
  execute(code: string, options: SessionExecuteOptions): Promise<CodeOutput> {
    if (this.#step) return Promise.reject(new Error("Another step is already running"));
    if (!this.alive) return Promise.reject(this.#deadError());
    options.signal?.throwIfAborted();
    const id = ++this.#stepSeq;
    this.#raw.clear();
    return this.#hold(
      new Promise<CodeOutput>((resolve, reject) => {
        // Most steps call no tool: the controller is made on the first call.
        let controller: AbortController | undefined;
        const proc = this.#proc;
        const clock = new StepClock({
          timeoutMs: options.timeoutMs,
          cpuMs: proc.cpuMs ? () => proc.cpuMs!() : undefined,
          onTimeout: () =>
            this.#kill(
              "timeout",
              `The code ran longer than the ${options.timeoutMs} ms timeout (time spent in host tools is not counted)`,
            ),
        });
        const onAbort = () => this.#kill("abort", "The step was aborted");
        options.signal?.addEventListener("abort", onAbort, { once: true });
        const cleanup = () => {
          clock.stop();
          options.signal?.removeEventListener("abort", onAbort);
          controller?.abort();
          this.#step = null;
        };
        this.#step = {
          id,
          signal: () => (controller ??= new AbortController()).signal,
          clock,
          afterRestart: options.afterRestart ?? false,
          inCallerContext: AsyncLocalStorage.snapshot(),
          resolve: (v) => {
            cleanup();
            resolve(v);
          },
          reject: (e) => {
            cleanup();
            reject(e === "abort" ? options.signal?.reason : e);
          },
        };
        this.#send({ t: "exec", id, code });
      }),
    );
  }

  /** True while a step runs (the memory/CPU watchdog treats other times as idle). */
  get stepRunning(): boolean {
    return this.#step !== null || this.#unsettled !== null;
  }

  /**
   * Waits up to `graceMs` for the code of a step that answered early (its
   * `final_answer` was caught and the code went on) to stop. False means it
   * is still running: the caller should restart the sandbox.
   */
  async settle(graceMs: number): Promise<boolean> {
    if (this.#unsettled === null || !this.alive) return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await this.#hold(
      new Promise<void>((resolve) => {
        this.#onSettled = resolve;
        timer = setTimeout(resolve, graceMs);
      }),
    );
    clearTimeout(timer);
    this.#onSettled = null;
    return this.#unsettled === null;
  }

  /**
   * Waits until the process has ended and its output is drained, keeping the
   * host's event loop alive meanwhile (`closed` itself does not: the child's
   * status is unref'd, so a bare `await session.closed` could end the program).
   */
  ended(): Promise<void> {
    return this.#hold(this.closed);
  }

  /** Kills the process (idempotent) and waits until it is gone. */
  async close(): Promise<void> {
    this.#kill("closed", "The executor was closed");
    await this.#hold(this.closed);
  }

  /** Kills the process because it used too much memory (called by a watchdog). */
  killForMemory(message: string): void {
    this.#kill("memory", message);
  }

  /** Kills the process because it kept working between steps (called by a watchdog). */
  killForIdleCpu(message: string): void {
    this.#kill("crashed", message);
  }

  #kill(reason: KillReason, message: string): void {
    if (this.#killReason === null && this.#exit === null) {
      this.#killReason = reason;
      this.#killMessage = message;
    }
    try {
      this.#proc.kill();
    } catch {
      // Already gone.
    }
  }

  #send(message: unknown): void {
    const line = JSON.stringify(message) + "\n";
    // One write at a time: lines sent while one is in flight (the replies of
    // 1000 parallel tool calls) go out together in the next write, so the
    // runner reads them in one chunk. A lone line goes out at once.
    if (this.#writing) {
      if (!this.#pipeBroken) this.#queued += line;
      return;
    }
    this.#write(line);
  }

  #write(text: string): void {
    this.#writing = true;
    this.#writer.write(this.#encoder.encode(text)).then(() => {
      this.#writing = false;
      const next = this.#queued;
      this.#queued = "";
      if (next) this.#write(next);
    }, () => {
      // The pipe is gone (the process died): nothing more can be written,
      // so nothing more is kept (#writing stays true).
      this.#pipeBroken = true;
      this.#queued = "";
    });
  }

  #request(message: Record<string, unknown>): Promise<void> {
    if (!this.alive) return Promise.reject(this.#deadError());
    const id = ++this.#msgSeq;
    return this.#hold(
      new Promise((resolve) => {
        this.#acks.set(id, resolve);
        this.#send({ ...message, id });
      }),
    );
  }

  async #pumpStdout(reader: FrameReader): Promise<void> {
    try {
      for await (const chunk of this.#proc.stdout) {
        for (const ev of reader.push(chunk)) {
          if (ev.type === "text") this.#raw.add(ev.text);
          else this.#onFrame(ev.message, ev.bytes);
        }
      }
    } catch {
      // The stream broke because the process died; exit handling reports it.
    }
    for (const ev of reader.flush()) if (ev.type === "text") this.#raw.add(ev.text);
  }

  async #pumpStderr(stream: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of stream) {
        const text = decoder.decode(chunk, { stream: true });
        this.#raw.add(text);
        this.#stderrTail.add(text);
      }
    } catch {
      // See #pumpStdout.
    }
  }

  #onFrame(message: unknown, bytes: number): void {
    const frame = parseRunnerFrame(message);
    if (typeof frame === "string") {
      this.#kill("crashed", `The sandbox sent an invalid frame: ${frame}`);
      return;
    }
    switch (frame.t) {
      case "ready":
        this.#ready?.resolve();
        this.#ready = null;
        return;
      case "ack":
        this.#acks.get(frame.id)?.();
        this.#acks.delete(frame.id);
        return;
      case "call":
        this.#onCall(frame, bytes);
        return;
      case "calls": {
        // Each call is charged its share of the frame, as a lone call frame is.
        let total = 0;
        for (const c of frame.calls) total += c.size;
        for (const c of frame.calls) {
          this.#onCall(
            { t: "call", step: frame.step, id: c.id, tool: c.tool, args: c.args },
            Math.ceil(bytes * (total > 0 ? c.size / total : 1 / frame.calls.length)),
          );
        }
        return;
      }
      case "settled":
        this.#lastSettled = frame.step;
        if (frame.step === this.#unsettled) {
          this.#unsettled = null;
          this.#onSettled?.();
        }
        return;
      case "done":
        this.#onDone(frame);
        return;
    }
  }

  async #onCall(frame: Extract<RunnerFrame, { t: "call" }>, bytes: number): Promise<void> {
    const step = this.#step;
    const reply = (body: Record<string, unknown>) => {
      if (this.alive) this.#send({ t: "ret", id: frame.id, ...body });
    };
    const fail = (name: string, message: string) => reply({ ok: false, error: { name, message } });
    if (!step || step.id !== frame.step) {
      return fail("Error", `Cannot call tool "${frame.tool}": no step is running`);
    }
    const tool = Object.hasOwn(this.#tools, frame.tool) && frame.tool !== "final_answer"
      ? this.#tools[frame.tool]
      : undefined;
    if (!tool) {
      const names = Object.keys(this.#tools).filter((n) => n !== "final_answer");
      return fail(
        "ReferenceError",
        `Cannot find tool "${frame.tool}": available tools are ${
          names.map((n) => `"${n}"`).join(", ") || "none"
        }`,
      );
    }
    const maxCalls = this.#options.maxInFlightToolCalls ?? 4096;
    if (this.#inFlightCalls >= maxCalls) {
      return fail(
        "RangeError",
        `Cannot call tool "${frame.tool}": ${maxCalls} tool calls are already in flight, the limit; await earlier calls first`,
      );
    }
    const budget = this.#options.maxInFlightToolBytes ?? 64 * 1024 * 1024;
    if (this.#inFlightBytes + bytes > budget) {
      return fail(
        "RangeError",
        `Cannot call tool "${frame.tool}": ${
          Math.round((this.#inFlightBytes + bytes) / 1048576)
        } MB of tool arguments would be in flight, over the ${
          Math.round(budget / 1048576)
        } MB limit; await earlier calls first`,
      );
    }
    this.#inFlightBytes += bytes;
    this.#inFlightCalls++;
    step.clock.toolStarted();
    try {
      await this.#runTool(tool, frame, step, reply, fail);
    } finally {
      step.clock.toolFinished();
      this.#inFlightBytes -= bytes;
      this.#inFlightCalls--;
    }
  }

  async #runTool(
    tool: Tool,
    frame: Extract<RunnerFrame, { t: "call" }>,
    step: PendingStep,
    reply: (body: Record<string, unknown>) => void,
    fail: (name: string, message: string) => void,
  ): Promise<void> {
    let args: unknown;
    try {
      args = decodeValue(frame.args);
    } catch (e) {
      return fail(
        "TypeError",
        `Invalid arguments for tool "${frame.tool}": ${(e as Error).message}`,
      );
    }
    if (args === null || typeof args !== "object" || Array.isArray(args)) {
      return fail("TypeError", `Tool "${frame.tool}" takes an object of arguments`);
    }
    try {
      const value = await step.inCallerContext(() =>
        tool.call(args as Record<string, unknown>, { signal: step.signal() })
      );
      reply({ ok: true, value: encodeValue(value) });
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      fail(err.name, err.message);
    }
  }

  async #onDone(frame: Extract<RunnerFrame, { t: "done" }>): Promise<void> {
    const step = this.#step;
    if (!step || step.id !== frame.step) return;
    // An early answer: the code may still be running (see settle()).
    if (frame.ok && frame.final && frame.step !== this.#lastSettled) this.#unsettled = frame.step;
    const logs = frame.logs + this.#raw.logs();
    if (!frame.ok) {
      step.reject(stepError(frame.error, logs, step.afterRestart, this.#options));
      return;
    }
    let value: unknown;
    try {
      value = decodeValue(frame.value);
    } catch (e) {
      this.#kill("crashed", `The sandbox sent an invalid value: ${(e as Error).message}`);
      return;
    }
    const hostFinal = this.#tools.final_answer;
    if (frame.final && hostFinal) {
      // A user-supplied final_answer tool transforms the answer on the host.
      const key = Object.keys(hostFinal.inputs ?? {})[0] ?? "answer";
      step.clock.toolStarted();
      try {
        value = await step.inCallerContext(() =>
          hostFinal.call({ [key]: value }, { signal: step.signal() })
        );
      } catch (e) {
        step.reject(
          new AgentExecutionError(`final_answer failed: ${(e as Error).message}`, {
            kind: "runtime",
            logs,
            cause: e,
          }),
        );
        return;
      }
    }
    step.resolve({ output: value, logs, isFinalAnswer: frame.final });
  }

  #deadError(): AgentExecutionError {
    return new AgentExecutionError(
      `The sandbox is not running (${this.#killMessage || "it exited"})`,
      { kind: "crashed", stateLost: true },
    );
  }

  #onExit(): void {
    const exit = this.#exit ?? { code: null, signal: null };
    const stderrTail = this.#stderrTail.text();
    const { kind, message, quotesStderr } = exitFailure(
      this.#killReason,
      this.#killMessage,
      exit,
      stderrTail,
    );
    const logs = this.#raw.logs();
    const error = new AgentExecutionError(`${message}\n${RESTART_NOTE}`, {
      kind,
      logs,
      stateLost: true,
    });
    if (this.#ready) {
      const detail = !quotesStderr && stderrTail.trim()
        ? `: ${stderrTail.trim().slice(-1000)}`
        : "";
      const failure = new AgentExecutionError(`The sandbox failed to start (${message})${detail}`, {
        kind: "crashed",
        logs,
        stateLost: true,
      });
      if (this.#killReason === null && RUNTIME_PANIC.test(stderrTail)) startPanics.add(failure);
      this.#ready.reject(failure);
      this.#ready = null;
    }
    for (const resolve of this.#acks.values()) resolve();
    this.#acks.clear();
    if (this.#step) this.#step.reject(this.#killReason === "abort" ? "abort" : error);
  }
}
