/**
 * Permission requests asked on the page: the sandbox's code was denied
 * something, the page shows what, and the person answers. Each request
 * waits for one answer; a stopped run, a closed session or the executor's
 * deadline denies it.
 *
 * @module
 */

import type { PermissionDecision, PermissionRequestHandler } from "../executor.ts";
import type { UIMessage } from "./_wire.ts";

const DECISIONS: readonly string[] = ["once", "always", "deny"];

/** The open requests of one session. */
export class PermissionDesk {
  /** Sends a message to the session's pages; set once the session exists. */
  emit?: (message: UIMessage) => void;
  readonly #open = new Map<number, (decision: PermissionDecision) => void>();
  #next = 0;
  #closed = false;

  /** The handler an agent's `onPermissionRequest` takes: it asks the page. */
  readonly ask: PermissionRequestHandler = (request, { signal }) =>
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
      this.#open.set(id, finish);
      this.emit({
        type: "permission_request",
        id,
        permission: request.permission,
        target: request.target ?? null,
        message: request.message,
      });
    });

  /** How many requests wait for an answer. */
  get pending(): number {
    return this.#open.size;
  }

  /**
   * Answers request `id`. Returns false when it is not open (answered,
   * denied by a stop, or never asked).
   *
   * @throws {TypeError} when `decision` is not "once", "always" or "deny".
   */
  answer(id: number, decision: unknown): boolean {
    if (typeof decision !== "string" || !DECISIONS.includes(decision)) {
      throw new TypeError('The answer must be "once", "always" or "deny"');
    }
    const finish = this.#open.get(id);
    if (!finish) return false;
    finish(decision as PermissionDecision);
    return true;
  }

  /** Denies every open request (the run stopped). */
  denyAll(): void {
    for (const finish of [...this.#open.values()]) finish("deny");
  }

  /** Denies every open request, and every later one without asking. */
  close(): void {
    this.#closed = true;
    this.denyAll();
  }
}
