// The executor core shared by DenoExecutor, DockerExecutor and E2BExecutor:
// prepareCode on the host, a RunnerSession over the runner's stdio, a restart
// after a timeout/crash/memory kill, tools and variables re-sent to a fresh
// sandbox, with "how to start a runner process" supplied by the caller (a
// launcher). Tools therefore always run on the host, whatever the sandbox.

import { AgentExecutionError, type PermissionRequest } from "../../src/errors.ts";
import type {
  CodeOutput,
  ExecuteOptions,
  PermissionDecision,
  PermissionRequestHandler,
} from "../../src/executor.ts";
import type { Tool } from "../../src/tool.ts";
import { describeAuthorizedImports, type ImportPattern } from "./_imports.ts";
import { checkIdentifier } from "./_checks.ts";
import { PERMISSION_NAMES } from "./_permissions.ts";
import { isStartupPanic, RunnerSession, type SandboxProcess } from "./_session.ts";
import { prepareCode } from "./_transform.ts";

/** How long a step that answered early may keep running before the next step restarts the sandbox. */
const SETTLE_GRACE_MS = 200;

/** One started runner process and how to clean up after it. */
export interface LaunchedRunner {
  process: SandboxProcess;
  /** Called once the session exists (e.g. to report an OOM kill as kind "memory"). */
  attach?(session: RunnerSession): void;
  /** Frees what this one process held (container, temp files). */
  dispose?(): Promise<void>;
}

/** What the core needs from a concrete executor. */
export interface SessionExecutorOptions {
  /** Class name used in messages (`"DockerExecutor"`). */
  executorName: string;
  timeoutMs: number;
  maxOutputLength: number;
  /** How long a runner may take to become ready. Default: RunnerSession's. */
  startupTimeoutMs?: number;
  imports: ImportPattern[];
  /** Cap on the Workers the code runs at once (RunnerSession's `maxWorkers`). Default: none. */
  maxWorkers?: number;
  /** Starts one runner process. */
  launch(signal?: AbortSignal): Promise<LaunchedRunner>;
  /**
   * Report any failure of `launch` as an AgentExecutionError of kind
   * "crashed" (a sandbox that could not be created, as the remote executors
   * do); otherwise the launcher's own error reaches the caller unchanged.
   */
  wrapLaunchErrors?: boolean;
  /** Frees what every process shared (the E2B sandbox, private dirs), once, at close. */
  shutdown?(): Promise<void>;
  /** Decides the permission requests of denied steps; without it a denial just fails the step. */
  onPermissionRequest?: PermissionRequestHandler;
  /** How long onPermissionRequest may take before the request counts as denied. */
  permissionRequestTimeoutMs?: number;
  /**
   * Widens the next sandbox by exactly what `request` names, returning how
   * (`'net: "api.example.com:443"'`). Throws, saying why, when the request
   * may not be granted (a deny rule covers it, or it names no target).
   * With `apply` false it only checks, changing nothing.
   */
  widen?(request: PermissionRequest, apply: boolean): string;
  /** Told of every grant, as it is made. */
  onGrant?(message: string): void;
}

/** Most permission requests granted within one step (each restarts the sandbox). */
const MAX_GRANTS_PER_STEP = 8;

/** Executor behaviour over any launcher. */
export class SessionExecutor {
  #options: SessionExecutorOptions;
  #tools: Record<string, Tool> = {};
  #variables: Record<string, unknown> = {};
  #session?: RunnerSession;
  #launched?: LaunchedRunner;
  #starting?: Promise<RunnerSession>;
  #hadSession = false;
  #stateLost = false;
  #closing?: Promise<void>;

  constructor(options: SessionExecutorOptions) {
    this.#options = options;
  }

  /** True while a runner is alive (for tests and diagnostics). */
  get running(): boolean {
    return this.#session?.alive ?? false;
  }

  async start(): Promise<void> {
    this.#checkOpen();
    await this.#ensureSession();
  }

  async sendTools(tools: Record<string, Tool>): Promise<void> {
    this.#checkOpen();
    for (const [name, t] of Object.entries(tools)) {
      checkIdentifier("tool name", name);
      if (!t || typeof t.call !== "function") {
        throw new TypeError(`Invalid tool "${name}": expected an object with a call() method`);
      }
    }
    this.#tools = { ...tools };
    if (this.#session?.alive) await this.#session.setTools(this.#tools);
  }

  async sendVariables(variables: Record<string, unknown>): Promise<void> {
    this.#checkOpen();
    for (const name of Object.keys(variables)) checkIdentifier("variable name", name);
    this.#variables = { ...this.#variables, ...variables };
    if (this.#session?.alive) await this.#session.setVariables(variables);
  }

  async execute(code: string, options: ExecuteOptions = {}): Promise<CodeOutput> {
    this.#checkOpen();
    if (typeof code !== "string") {
      throw new TypeError(`Invalid code: expected a string, got ${typeof code}`);
    }
    options.signal?.throwIfAborted();
    const granted: string[] = [];
    let prepared: Awaited<ReturnType<typeof prepareCode>>;
    for (;;) {
      try {
        prepared = await prepareCode(code, this.#options.imports);
        break;
      } catch (error) {
        // An import outside the authorized list, found before the code runs.
        const grant = await this.#decide(error, granted.length, options.signal);
        if (grant === undefined) throw error;
        granted.push(grant);
        // The sandbox's own import check must learn it: the next one starts with it.
        if (this.#session?.alive) {
          await this.#session.close();
          this.#stateLost = true;
        }
      }
    }
    let session = await this.#ensureSession(options.signal);
    if (!(await session.settle(SETTLE_GRACE_MS))) {
      // The previous step answered early and its code is still running
      // (final_answer was caught): restart rather than queue behind it.
      await session.close();
      session = await this.#ensureSession(options.signal);
    }
    for (;;) {
      const afterRestart = this.#stateLost;
      try {
        const output = await session.execute(prepared.js, {
          timeoutMs: this.#options.timeoutMs,
          signal: options.signal,
          afterRestart,
        });
        if (granted.length > 0) output.logs = `${grantNote(granted)}\n${output.logs}`;
        return output;
      } catch (error) {
        const grant = await this.#decide(error, granted.length, options.signal);
        if (grant === undefined) {
          if (granted.length > 0 && error instanceof AgentExecutionError) {
            throw withNote(error, grantNote(granted));
          }
          throw error;
        }
        granted.push(grant);
        // The sandbox restarts with the wider grant; the step runs again from its start.
        await session.close();
        this.#stateLost = true;
        session = await this.#ensureSession(options.signal);
      } finally {
        this.#stateLost = !session.alive;
      }
    }
  }

  /**
   * For a permission error with a handler: asks it, and widens the next
   * sandbox on "once" or "always". Returns what was granted, or undefined
   * when the step must fail as it did (denied, refused, timed out, no handler).
   */
  async #decide(
    error: unknown,
    grants: number,
    signal: AbortSignal | undefined,
  ): Promise<string | undefined> {
    const ask = this.#options.onPermissionRequest;
    const widen = this.#options.widen;
    if (!ask || !widen || !(error instanceof AgentExecutionError)) return undefined;
    if (
      (error.kind !== "permission" && error.kind !== "import") || grants >= MAX_GRANTS_PER_STEP ||
      signal?.aborted
    ) {
      return undefined;
    }
    const request = error.permissionRequest;
    if (!request) return undefined;
    const refuse = (refusal: unknown) => {
      this.#options.onGrant?.(
        `Permission request refused: ${request.permission} ${
          JSON.stringify(request.target ?? "")
        }: ${(refusal as Error).message}`,
      );
      return undefined;
    };
    // A request that cannot be granted is refused before anyone is asked.
    try {
      widen(request, false);
    } catch (refusal) {
      return refuse(refusal);
    }
    const decision = await askWithDeadline(
      ask,
      request,
      this.#options.permissionRequestTimeoutMs ?? 60_000,
      signal,
    );
    if (decision !== "once" && decision !== "always") return undefined;
    let how: string;
    try {
      how = widen(request, true);
    } catch (refusal) {
      return refuse(refusal);
    }
    this.#options.onGrant?.(`Granted ${how} (${decision}) to the ${this.#options.executorName}`);
    return how;
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  #checkOpen(): void {
    if (this.#closing) {
      throw new Error(`Cannot use a closed ${this.#options.executorName}: create a new one`);
    }
  }

  async #ensureSession(signal?: AbortSignal): Promise<RunnerSession> {
    if (this.#session?.alive) return this.#session;
    if (this.#session) {
      // Held: nothing else may keep the loop alive while a killed sandbox ends.
      await this.#session.ended();
      await this.#launched?.dispose?.();
      this.#session = undefined;
      this.#launched = undefined;
    }
    // close() may have run while this call awaited (prepareCode, the old
    // session): starting now would leave a sandbox behind.
    this.#checkOpen();
    this.#starting ??= this.#start(signal).finally(() => this.#starting = undefined);
    return await this.#starting;
  }

  async #start(signal?: AbortSignal): Promise<RunnerSession> {
    try {
      return await this.#startOnce(signal);
    } catch (error) {
      // Deno itself can panic while a sandbox boots (seen under heavy load:
      // "Invoke in DisallowJavascriptExecutionScope"). No user code ran yet,
      // so one more start loses nothing; a second panic is reported.
      if (!isStartupPanic(error) || signal?.aborted) throw error;
      this.#checkOpen();
      return await this.#startOnce(signal);
    }
  }

  async #startOnce(signal?: AbortSignal): Promise<RunnerSession> {
    let launched: LaunchedRunner;
    try {
      launched = await this.#options.launch(signal);
    } catch (error) {
      // With wrapLaunchErrors, failing to create a sandbox is an execution
      // failure like any other: the caller gets the typed error. Either way
      // the next execute tries again.
      if (!this.#options.wrapLaunchErrors || error instanceof AgentExecutionError) throw error;
      throw startError(
        this.#options.executorName,
        (error as Error)?.message ?? String(error),
        error,
      );
    }
    let session: RunnerSession;
    try {
      session = await RunnerSession.start(launched.process, {
        maxOutputLength: this.#options.maxOutputLength,
        startupTimeoutMs: this.#options.startupTimeoutMs,
        permissionHint: (p) => permissionHint(this.#options.executorName, p),
        importHint: () => describeAuthorizedImports(this.#options.imports),
        authorizedImports: this.#options.imports,
        maxWorkers: this.#options.maxWorkers,
      });
    } catch (error) {
      await launched.dispose?.();
      throw error;
    }
    launched.attach?.(session);
    this.#launched = launched;
    this.#session = session;
    session.closed.then(() => {
      this.#stateLost = this.#hadSession;
    });
    this.#hadSession = true;
    if (Object.keys(this.#tools).length) await session.setTools(this.#tools);
    if (Object.keys(this.#variables).length) await session.setVariables(this.#variables);
    return session;
  }

  async #close(): Promise<void> {
    await this.#starting?.catch(() => {});
    try {
      if (this.#session) await this.#session.close();
      await this.#launched?.dispose?.();
    } finally {
      await this.#options.shutdown?.();
    }
  }
}

function permissionHint(executorName: string, permission: string | undefined): string {
  if (!permission || !(PERMISSION_NAMES as readonly string[]).includes(permission)) {
    return `The sandbox was not granted this permission (see the permissions option of ${executorName})`;
  }
  return `The sandbox was not granted ${permission} access; the user can grant it with the ${executorName} option permissions: { ${permission}: [...] }`;
}

/** Asks `handler`, counting a throw, a bad answer or no answer in time as "deny". */
async function askWithDeadline(
  handler: PermissionRequestHandler,
  request: PermissionRequest,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<PermissionDecision> {
  const controller = new AbortController();
  const abort = () => controller.abort(signal?.reason);
  signal?.addEventListener("abort", abort, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<PermissionDecision>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new DOMException("No answer in time", "TimeoutError"));
      resolve("deny");
    }, timeoutMs);
    controller.signal.addEventListener("abort", () => resolve("deny"), { once: true });
  });
  try {
    const answer = await Promise.race([
      Promise.resolve().then(() => handler({ ...request }, { signal: controller.signal })),
      deadline,
    ]);
    return answer === "once" || answer === "always" ? answer : "deny";
  } catch {
    return "deny";
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", abort);
    if (!controller.signal.aborted) controller.abort();
  }
}

function grantNote(granted: readonly string[]): string {
  return `[The sandbox was restarted with ${
    granted.join(", ")
  } granted, and the step ran again from its start: variables, functions and imports from earlier steps are gone.]`;
}

function withNote(error: AgentExecutionError, note: string): AgentExecutionError {
  return new AgentExecutionError(`${error.message}\n${note}`, {
    kind: error.kind,
    logs: error.logs,
    permission: error.permission,
    permissionRequest: error.permissionRequest,
    line: error.line,
    column: error.column,
    stateLost: true,
    cause: error.cause,
  });
}

/** An error for a sandbox that could not be started at all. */
export function startError(
  executorName: string,
  detail: string,
  cause?: unknown,
): AgentExecutionError {
  return new AgentExecutionError(`Cannot start the ${executorName} sandbox: ${detail}`, {
    kind: "crashed",
    stateLost: true,
    cause,
  });
}
