/**
 * One browser session of the UI: its own agent (so its own memory and
 * sandbox), its upload folder, the run in progress, and the events sent to
 * its page, kept for a while so a page that reconnects catches up.
 *
 * @module
 */

import type { MultiStepAgent, RunOptions } from "../agents/multi_step_agent.ts";
import type { ErrorData } from "../events.ts";
import { errorToData } from "../memory.ts";
import type { ImageValue } from "../media.ts";
import type { ToolApprovalHandler } from "../agents/multi_step_agent.ts";
import type { PermissionRequestHandler } from "../executor.ts";
import { AskDesk } from "./_asks.ts";
import { eventToWire, type RunOutcome, type UIMessage, type WireLimits } from "./_wire.ts";
import {
  formatBytes,
  safeFileName,
  type UploadedFile,
  UploadError,
  writeUpload,
} from "./_uploads.ts";

/** What an agent factory is told about the session it makes an agent for. */
export interface UISessionInfo {
  /** The session's number on this server (1, 2, …), for logs; not a secret. */
  readonly number: number;
  /**
   * The folder the session's uploads go to (it exists, and is removed when
   * the session ends). Grant the agent's sandbox read access to it, e.g.
   * `permissions: { read: [session.uploadDir] }`, so the code can open them.
   */
  readonly uploadDir: string;
  /** Aborted when the session ends. */
  readonly signal: AbortSignal;
  /**
   * Asks the page about a permission the agent's code was denied: give it
   * as the agent's `onPermissionRequest`. The page shows exactly what was
   * asked for with Allow once / Always / Deny; a stopped run or a closed
   * session denies, and so does the executor's deadline.
   */
  readonly requestPermission: PermissionRequestHandler;
  /**
   * Asks the page to approve a tool call: give it as the agent's
   * `onToolApproval`. The page shows the tool and its arguments with
   * Approve / Refuse and a reason the model reads; a stopped run or a
   * closed session refuses, and so does the agent's `toolApprovalTimeoutMs`.
   */
  readonly requestToolApproval: ToolApprovalHandler;
}

/** Makes the agent of one browser session. */
export type AgentFactory = (session: UISessionInfo) => MultiStepAgent | Promise<MultiStepAgent>;

/** A request the session refuses, with the HTTP status to answer. */
export class RequestError extends Error {
  /** The HTTP status. */
  readonly status: number;
  /** Creates a refusal. */
  constructor(status: number, message: string) {
    super(message);
    this.name = "RequestError";
    this.status = status;
  }
}

/** The limits and callbacks a session works with. */
export interface SessionSettings {
  maxUploadBytes: number;
  maxUploads: number;
  idleTimeoutMs: number;
  disconnectGraceMs: number;
  maxReplayBytes: number;
  wire: WireLimits;
  /** Called once the session has closed, so the server forgets it. */
  onClosed: (session: UISession) => void;
  /** Receives problems that belong to no request (a run that failed, a close that failed). */
  onError: (message: string) => void;
}

/** Receives a session's event stream, already in SSE form. */
export interface Subscriber {
  /** Sends one chunk. */
  send(chunk: string): void;
  /** Ends the stream. */
  close(): void;
}

/** Why a session closed, as the page is told. */
export type CloseReason = "idle" | "disconnected" | "server_closed" | "page";

// Time a stopped run may take to unwind before the session closes its agent anyway.
const UNWIND_MS = 5_000;

/** One browser session: an agent, its uploads, its run, its event stream. */
export class UISession {
  /** The unguessable key in the session's URLs. */
  readonly key: string;
  /** The session's number, for logs. */
  readonly number: number;
  /** The upload folder. */
  readonly dir: string;
  readonly #agent: MultiStepAgent;
  readonly #desk: AskDesk;
  readonly #settings: SessionSettings;
  readonly #closing: AbortController;
  readonly #subscribers = new Set<Subscriber>();
  // The stream so far, as SSE chunks, oldest dropped past maxReplayBytes.
  readonly #log: { seq: number; chunk: string }[] = [];
  #logBytes = 0;
  #seq = 0;
  #runs = 0;
  #run?: { controller: AbortController; done: Promise<void> };
  // Whether the chat has had a task: later tasks continue its memory.
  #continued = false;
  readonly #pending: UploadedFile[] = [];
  readonly #names = new Set<string>();
  #uploads = 0;
  #idleTimer?: ReturnType<typeof setTimeout>;
  #graceTimer?: ReturnType<typeof setTimeout>;
  #closed?: Promise<void>;

  private constructor(
    key: string,
    number: number,
    dir: string,
    agent: MultiStepAgent,
    closing: AbortController,
    settings: SessionSettings,
    desk: AskDesk,
  ) {
    this.key = key;
    this.number = number;
    this.dir = dir;
    this.#agent = agent;
    this.#desk = desk;
    desk.emit = (message) => this.emit(message);
    this.#closing = closing;
    this.#settings = settings;
    this.#touch();
    // A page connects right after creating its session; one that never does is gone.
    this.#armGrace();
  }

  /**
   * Creates the session's folder and asks `factory` for its agent.
   *
   * @throws {RequestError} (500) when the factory throws or returns no agent; the folder is removed.
   */
  static async open(
    factory: AgentFactory,
    key: string,
    number: number,
    dir: string,
    settings: SessionSettings,
  ): Promise<UISession> {
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
    const closing = new AbortController();
    const desk = new AskDesk(settings.wire);
    let agent: MultiStepAgent;
    try {
      agent = await factory({
        number,
        uploadDir: dir,
        signal: closing.signal,
        requestPermission: desk.askPermission,
        requestToolApproval: desk.askApproval,
      });
      if (
        typeof agent?.stream !== "function" || typeof agent?.close !== "function" ||
        typeof agent?.interrupt !== "function"
      ) {
        await (agent as { close?: () => unknown })?.close?.();
        throw new TypeError(
          `expected an agent (a CodeAgent or ToolCallingAgent), got ${describe(agent)}`,
        );
      }
    } catch (error) {
      closing.abort();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      throw new RequestError(
        500,
        `Cannot start the agent: the agent factory failed: ${messageOf(error)}`,
      );
    }
    return new UISession(key, number, dir, agent, closing, settings, desk);
  }

  /** What the page shows about the agent. */
  describeAgent(): Record<string, unknown> {
    const agent = this.#agent;
    return {
      type: agent.constructor?.name ?? "agent",
      name: agent.name ?? null,
      modelId: agent.model?.modelId ?? "",
      tools: Object.keys(agent.tools ?? {}).filter((t) => t !== "final_answer"),
      managedAgents: Object.keys(agent.managedAgents ?? {}),
    };
  }

  /** Whether a task is running. */
  get running(): boolean {
    return this.#run !== undefined;
  }

  /** Whether the session has closed or is closing. */
  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /** Starts `task` with the pending uploads; resolves once it started. */
  startTask(task: unknown): number {
    this.#checkOpen();
    if (typeof task !== "string" || task.trim() === "") {
      throw new RequestError(400, "The task is empty: type what the agent should do");
    }
    if (this.#run) {
      throw new RequestError(
        409,
        "A task is already running: press Stop, or wait for it to end, before sending another",
      );
    }
    const files = this.#pending.splice(0);
    const runId = ++this.#runs;
    this.emit({
      type: "task",
      runId,
      task,
      files: files.map((f) => ({ name: f.name, size: f.size, kind: f.image ? "image" : "file" })),
    });
    const controller = new AbortController();
    const done = this.#drive(task, files, controller, runId).finally(() => {
      this.#run = undefined;
      this.#touch();
    });
    this.#run = { controller, done };
    this.#touch();
    return runId;
  }

  /** Stops the running task: its model call or sandbox step is cancelled now. */
  stop(): boolean {
    this.#touch();
    const run = this.#run;
    if (!run) return false;
    this.#desk.denyAll();
    this.#agent.interrupt();
    run.controller.abort(new DOMException("Stopped from the page", "AbortError"));
    return true;
  }

  async #drive(
    task: string,
    files: UploadedFile[],
    controller: AbortController,
    runId: number,
  ): Promise<void> {
    const options: RunOptions = { reset: !this.#continued, signal: controller.signal };
    this.#continued = true;
    if (files.length > 0) options.additionalArgs = { files: files.map((f) => f.path) };
    const images = files.flatMap((f): ImageValue[] => (f.image ? [f.image] : []));
    if (images.length > 0) options.images = images;
    let outcome: RunOutcome = "done";
    let error: ErrorData | undefined;
    try {
      for await (const event of this.#agent.stream(task, options)) {
        this.emit({ type: "agent", event: eventToWire(event, this.#settings.wire) });
        if (event.type === "run_end" && event.state === "interrupted") outcome = "stopped";
      }
    } catch (e) {
      if (controller.signal.aborted) {
        outcome = "stopped";
      } else {
        outcome = "failed";
        error = errorToData(e);
      }
    }
    this.emit({ type: "run_finished", runId, outcome, ...(error ? { error } : {}) });
  }

  /**
   * Answers the page's permission request `id`.
   *
   * @throws {RequestError} (400) for an answer other than once/always/deny, (404) when the request is not open.
   */
  answerPermission(id: number, decision: unknown): void {
    this.#checkOpen();
    this.#touch();
    let answered: boolean;
    try {
      answered = this.#desk.answerPermission(id, decision);
    } catch (error) {
      throw new RequestError(400, (error as Error).message);
    }
    if (!answered) {
      throw new RequestError(
        404,
        "This permission request is no longer open: it was answered, or the run stopped",
      );
    }
  }

  /**
   * Answers the page's approval request `id`.
   *
   * @throws {RequestError} (400) for a malformed answer, (404) when the request is not open.
   */
  answerApproval(id: number, approved: unknown, reason: unknown): void {
    this.#checkOpen();
    this.#touch();
    let answered: boolean;
    try {
      answered = this.#desk.answerApproval(id, approved, reason);
    } catch (error) {
      throw new RequestError(400, (error as Error).message);
    }
    if (!answered) {
      throw new RequestError(
        404,
        "This approval request is no longer open: it was answered, or the run stopped",
      );
    }
  }

  /** Saves an upload for the next task. */
  async upload(rawName: string, body: ReadableStream<Uint8Array> | null, length: number | null) {
    this.#checkOpen();
    this.#touch();
    const { maxUploadBytes, maxUploads } = this.#settings;
    if (this.#uploads >= maxUploads) {
      await body?.cancel().catch(() => {});
      throw new UploadError(
        `Too many files: a chat takes at most ${maxUploads}; start a new chat for more`,
        413,
      );
    }
    const name = safeFileName(rawName, this.#names);
    if (length !== null && length > maxUploadBytes) {
      await body?.cancel().catch(() => {});
      throw new UploadError(
        `"${name}" is too large: the limit is ${formatBytes(maxUploadBytes)} per file`,
        413,
      );
    }
    this.#names.add(name);
    this.#uploads++;
    try {
      const file = await writeUpload(body, `${this.dir}/${name}`, name, maxUploadBytes);
      if (this.closed) throw new UploadError("This chat has ended: start a new chat", 410);
      this.#pending.push(file);
      return { name: file.name, size: file.size, kind: file.image ? "image" : "file" };
    } catch (error) {
      this.#names.delete(name);
      this.#uploads--;
      throw error;
    }
  }

  /** Removes a pending upload (the page's ✕ on an attachment). */
  async removeUpload(name: string): Promise<boolean> {
    this.#checkOpen();
    this.#touch();
    const at = this.#pending.findIndex((f) => f.name === name);
    if (at === -1) return false;
    const [file] = this.#pending.splice(at, 1);
    this.#names.delete(file.name);
    this.#uploads--;
    await Deno.remove(file.path).catch(() => {});
    return true;
  }

  /** The agent's memory as JSON text, for the page's download. */
  memoryJson(): string {
    this.#touch();
    return JSON.stringify(this.#agent.memory.toJSON(), null, 2);
  }

  /** Keeps idle connections open through proxies, and finds the dead ones. */
  ping(): void {
    for (const subscriber of this.#subscribers) subscriber.send(": ping\n\n");
  }

  /** Sends `message` to every connected page and keeps it for pages that reconnect. */
  emit(message: UIMessage): void {
    const seq = ++this.#seq;
    const chunk = `id: ${seq}\ndata: ${JSON.stringify({ seq, ...message })}\n\n`;
    this.#log.push({ seq, chunk });
    this.#logBytes += chunk.length;
    while (this.#logBytes > this.#settings.maxReplayBytes && this.#log.length > 1) {
      this.#logBytes -= this.#log.shift()!.chunk.length;
    }
    for (const subscriber of this.#subscribers) subscriber.send(chunk);
  }

  /**
   * Connects a page's event stream: what it missed since `lastSeq` first,
   * then every new message. Returns the function that disconnects it.
   */
  subscribe(subscriber: Subscriber, lastSeq: number): () => void {
    this.#checkOpen();
    this.#touch();
    clearTimeout(this.#graceTimer);
    this.#graceTimer = undefined;
    subscriber.send("retry: 1000\n\n");
    const first = this.#log[0]?.seq ?? this.#seq + 1;
    if (lastSeq > 0 && lastSeq < first - 1) {
      subscriber.send(
        `data: ${
          JSON.stringify({
            seq: 0,
            type: "notice",
            message: "Some events were dropped while the page was disconnected",
          })
        }\n\n`,
      );
    }
    for (const entry of this.#log) if (entry.seq > lastSeq) subscriber.send(entry.chunk);
    this.#subscribers.add(subscriber);
    return () => {
      if (!this.#subscribers.delete(subscriber)) return;
      if (this.#subscribers.size === 0 && !this.closed) this.#armGrace();
    };
  }

  // The dropped-connection rule: a session with no page connected for
  // disconnectGraceMs is closed, stopping its run.
  #armGrace(): void {
    clearTimeout(this.#graceTimer);
    this.#graceTimer = setTimeout(() => {
      this.#graceTimer = undefined;
      if (this.#subscribers.size === 0) this.close("disconnected");
    }, this.#settings.disconnectGraceMs);
  }

  // Activity: the idle clock starts again. A running task is never idle.
  #touch(): void {
    if (this.closed) return;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      if (this.#run) this.#touch();
      else this.close("idle");
    }, this.#settings.idleTimeoutMs);
  }

  #checkOpen(): void {
    if (this.closed) throw new RequestError(410, "This chat has ended: start a new chat");
  }

  /**
   * Ends the session: stops its run, closes its agent (and so its sandbox),
   * tells the page why, and removes its upload folder. Idempotent.
   */
  close(reason: CloseReason): Promise<void> {
    this.#closed ??= this.#close(reason);
    return this.#closed;
  }

  async #close(reason: CloseReason): Promise<void> {
    clearTimeout(this.#idleTimer);
    clearTimeout(this.#graceTimer);
    this.#desk.close();
    const run = this.#run;
    if (run) {
      this.stop();
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        run.done,
        new Promise((resolve) => (timer = setTimeout(resolve, UNWIND_MS))),
      ]);
      clearTimeout(timer);
    }
    if (reason !== "page") {
      const minutes = Math.round(this.#settings.idleTimeoutMs / 60_000);
      this.emit({
        type: "session_closed",
        reason,
        message: reason === "idle"
          ? `This chat was closed after ${
            minutes >= 1 ? `${minutes} min` : `${this.#settings.idleTimeoutMs} ms`
          } without activity, with its sandbox: start a new chat`
          : reason === "disconnected"
          ? "This chat was closed: its page was disconnected for too long"
          : "The server has stopped: this chat is closed",
      });
    }
    for (const subscriber of this.#subscribers) subscriber.close();
    this.#subscribers.clear();
    this.#closing.abort();
    // The factory made them for this session: managed agents' sandboxes go too.
    for (const agent of agentTree(this.#agent)) {
      try {
        await agent.close();
      } catch (error) {
        this.#settings.onError(
          `Closing the agent of session ${this.number} failed: ${messageOf(error)}`,
        );
      }
    }
    await Deno.remove(this.dir, { recursive: true }).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) {
        this.#settings.onError(
          `Cannot remove the upload folder of session ${this.number}: ${messageOf(error)}`,
        );
      }
    });
    this.#log.length = 0;
    this.#settings.onClosed(this);
  }
}

// The agent and the agents it manages, each once, managers first.
function agentTree(root: MultiStepAgent): MultiStepAgent[] {
  const seen = new Set<MultiStepAgent>();
  const visit = (agent: MultiStepAgent) => {
    if (seen.has(agent)) return;
    seen.add(agent);
    for (const managed of Object.values(agent.managedAgents ?? {})) visit(managed);
  };
  visit(root);
  return [...seen];
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  return value.constructor?.name ?? "an object";
}
