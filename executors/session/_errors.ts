/**
 * How the session turns what went wrong in the sandbox into an
 * {@linkcode AgentExecutionError}: an error the code threw (with the hints
 * that say which option would have allowed it), or the process's end (killed
 * on purpose, out of memory, crashed).
 *
 * @module
 */

import {
  AgentExecutionError,
  type ExecutionErrorKind,
  type PermissionRequest,
} from "../../src/errors.ts";
import type { RunnerError } from "./_protocol.ts";
import type { ProcessExit } from "./_process.ts";

/** Appended to errors after which the sandbox restarts. */
export const RESTART_NOTE =
  "The sandbox was restarted: variables, functions and imports from earlier steps are gone.";

/** Why the session killed its sandbox. */
export type KillReason = "timeout" | "abort" | "memory" | "crashed" | "closed";

/** Extra text for errors, from the executor that knows its own options. */
export interface ErrorHints {
  /** Extra text for `permission` errors: what option grants the permission. */
  permissionHint?: (permission: string | undefined) => string;
  /** Extra text for `import` errors: what is authorized. */
  importHint?: () => string;
}

/**
 * What a permission error asked for, from Deno's message (`Requires net access
 * to "api.example.com:443", run again with the --allow-net flag`). Without a
 * quoted target the request names only the permission.
 */
export function parsePermissionRequest(
  message: string,
  permission: string | undefined,
): PermissionRequest | undefined {
  const m = /Requires (\w+) access to "((?:[^"\\]|\\.)*)"/.exec(message);
  const name = m?.[1] ?? permission;
  if (!name) return undefined;
  const request: PermissionRequest = { permission: name, message };
  if (m && m[1] === name && m[2] !== "") request.target = m[2];
  return request;
}

/** The error a step's code threw in the sandbox, as the agent sees it. */
export function stepError(
  e: RunnerError,
  logs: string,
  afterRestart: boolean,
  hints: ErrorHints,
): AgentExecutionError {
  let message = e.kind === "syntax" ? `${e.name}: ${e.message}` : e.stack || e.message;
  if (e.kind === "syntax" && e.line) message += ` (at line ${e.line}, column ${e.column})`;
  const request = e.kind === "permission"
    ? parsePermissionRequest(e.message, e.permission)
    : e.kind === "import"
    ? importRequest(e.message)
    : undefined;
  if (e.kind === "permission") {
    message = message.replace(/,? run again with the --allow-\w+ flag/, "");
    if (hints.permissionHint) {
      message += `\n${hints.permissionHint(e.permission)}`;
    }
  }
  if (e.kind === "import" && hints.importHint) {
    message += `\n${hints.importHint()}`;
  }
  if (afterRestart) message += `\n${RESTART_NOTE}`;
  return new AgentExecutionError(message, {
    kind: e.kind,
    logs,
    permission: e.permission,
    permissionRequest: request,
    line: e.line,
    column: e.column,
    stateLost: afterRestart,
  });
}

/**
 * Why the sandbox ended: the session's own reason when it killed it, else
 * what the exit status and the end of stderr say (a heap limit reads as
 * `memory`, anything else as `crashed`).
 */
export function exitFailure(
  killReason: KillReason | null,
  killMessage: string,
  exit: ProcessExit,
  stderrTail: string,
): { kind: ExecutionErrorKind; message: string; quotesStderr: boolean } {
  let kind: ExecutionErrorKind;
  let message: string;
  let quotesStderr = false;
  const oom = exit.code === 133 || exit.signal === "SIGTRAP" ||
    /out of memory|heap limit/i.test(stderrTail);
  switch (killReason) {
    case "timeout":
      kind = "timeout";
      message = killMessage;
      break;
    case "memory":
      kind = "memory";
      message = killMessage;
      break;
    case "abort":
      kind = "crashed";
      message = killMessage;
      break;
    case "crashed":
      kind = "crashed";
      message = killMessage;
      break;
    case "closed":
      kind = "crashed";
      message = killMessage;
      break;
    default: {
      kind = oom ? "memory" : "crashed";
      const status = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
      if (oom) message = "The code ran out of memory (JavaScript heap limit reached)";
      else if (exit.reason) {
        message = exit.reason;
        quotesStderr = true; // the reason is the better account; stderr only repeats it
      } else if (THREAD_ABORT.test(stderrTail)) {
        message = `The sandbox hit its process/thread limit and Deno aborted (${status}): ` +
          "Deno could not start one of its own threads. Run fewer Workers or processes at once, " +
          "or raise the sandbox's process limit (DockerExecutor's pidsLimit)";
      } else {
        message = `The sandbox exited unexpectedly (${status})`;
        const said = lastLines(stderrTail);
        if (said) {
          message += `. It printed:\n${said}`;
          quotesStderr = true;
        }
      }
    }
  }
  return { kind, message, quotesStderr };
}

/** What Deno prints when it cannot start a thread (EAGAIN under a PID limit). */
const THREAD_ABORT =
  /unable to create worker threads|can't spawn worker thread|failed to spawn thread/i;

/**
 * The end of the sandbox's stderr, for a crash message: its last lines
 * (already capped in length by `StderrTail`), without Deno's banner rules,
 * at most 1 000 characters.
 */
function lastLines(stderrTail: string): string {
  const lines = stderrTail.split("\n").filter((l) => l.trim() && !/^=+$/.test(l.trim()));
  let out = "";
  for (let i = lines.length - 1; i >= 0; i--) {
    const next = out ? `${lines[i]}\n${out}` : lines[i];
    if (next.length > 1000) break;
    out = next;
  }
  return out;
}

/** The request of an import the runner refused: `Import of "npm:x" is not authorized`. */
function importRequest(message: string): PermissionRequest | undefined {
  const target = /Import of "([^"]+)" is not authorized/.exec(message)?.[1];
  return target === undefined ? undefined : { permission: "import", target, message };
}
