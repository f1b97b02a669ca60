/**
 * Questions the page answers while a run waits: a permission the sandbox's
 * code was denied, and a tool call that needs approval. Each waits for one
 * answer; a stopped run, a closed session or the agent's deadline ends it
 * with a no.
 *
 * @module
 */

import type { ToolApprovalDecision, ToolApprovalHandler } from "../agents/multi_step_agent.ts";
import type { PermissionDecision, PermissionRequestHandler } from "../executor.ts";
import { toWire, type UIMessage, type WireLimits } from "./_wire.ts";

const DECISIONS: readonly string[] = ["once", "always", "deny"];

type Answer =
  | { kind: "permission"; finish: (decision: PermissionDecision) => void }
  | { kind: "approval"; finish: (approved: boolean, reason?: string) => void };

/** The open questions of one session. */
export class AskDesk {
  /** Sends a message to the session's pages; set once the session exists. */
  emit?: (message: UIMessage) => void;
  readonly #wire: WireLimits;
  readonly #open = new Map<number, Answer>();
  #next = 0;
  #closed = false;

  constructor(wire: WireLimits = {}) {
    this.#wire = wire;
  }

  /** The handler an agent's `onPermissionRequest` takes: it asks the page. */
  readonly askPermission: PermissionRequestHandler = (request, { signal }) =>
    new Promise<PermissionDecision>((resolve) => {
      if (this.#closed || !this.emit || signal.aborted) return resolve("deny");
      const id = ++this.#next;
      const onAbort = () => finish("deny");
      const finish = (decision: PermissionDecision) => {
        if (!this.#open.delete(id)) return;
        signal.removeEventListener("abort", onAbort);
        this.emit?.({ type: "permission_answered", id, decision });
        resolve(decision);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.#open.set(id, { kind: "permission", finish });
      this.emit({
        type: "permission_request",
        id,
        permission: request.permission,
        target: request.target ?? null,
        message: request.message,
      });
    });

  /** The handler an agent's `onToolApproval` takes: it asks the page. */
  readonly askApproval: ToolApprovalHandler = (request, { signal }) =>
    new Promise<ToolApprovalDecision>((resolve) => {
      if (this.#closed || !this.emit || signal.aborted) {
        return resolve({ approved: false, reason: "the chat was closed or the run stopped" });
      }
      const id = ++this.#next;
      const onAbort = () => finish(false, "the run stopped before an answer");
      const finish = (approved: boolean, reason?: string) => {
        if (!this.#open.delete(id)) return;
        signal.removeEventListener("abort", onAbort);
        this.emit?.({ type: "approval_answered", id, approved, reason: reason ?? null });
        resolve(reason ? { approved, reason } : approved);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.#open.set(id, { kind: "approval", finish });
      this.emit({
        type: "approval_request",
        id,
        tool: request.tool,
        args: toWire(request.args, this.#wire),
        agentName: request.agentName ?? null,
      });
    });

  /** How many questions wait for an answer. */
  get pending(): number {
    return this.#open.size;
  }

  /**
   * Answers permission request `id`. Returns false when it is not open
   * (answered, ended by a stop, or never asked).
   *
   * @throws {TypeError} when `decision` is not "once", "always" or "deny".
   */
  answerPermission(id: number, decision: unknown): boolean {
    if (typeof decision !== "string" || !DECISIONS.includes(decision)) {
      throw new TypeError('The answer must be "once", "always" or "deny"');
    }
    const open = this.#open.get(id);
    if (open?.kind !== "permission") return false;
    open.finish(decision as PermissionDecision);
    return true;
  }

  /**
   * Answers approval request `id`; a refusal's `reason` reaches the model.
   * Returns false when it is not open.
   *
   * @throws {TypeError} when `approved` is not a boolean or `reason` not a string.
   */
  answerApproval(id: number, approved: unknown, reason: unknown): boolean {
    if (typeof approved !== "boolean") {
      throw new TypeError('The answer needs "approved": true or false');
    }
    if (reason !== undefined && reason !== null && typeof reason !== "string") {
      throw new TypeError('"reason" must be a string');
    }
    const open = this.#open.get(id);
    if (open?.kind !== "approval") return false;
    const why = typeof reason === "string" && reason.trim() ? reason.trim().slice(0, 2_000) : "";
    open.finish(approved, why || undefined);
    return true;
  }

  /** Ends every open question with a no (the run stopped). */
  denyAll(): void {
    for (const open of [...this.#open.values()]) {
      if (open.kind === "permission") open.finish("deny");
      else open.finish(false, "the run was stopped");
    }
  }

  /** Ends every open question with a no, and every later one without asking. */
  close(): void {
    this.#closed = true;
    this.denyAll();
  }
}
