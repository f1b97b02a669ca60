// A runner started inside a Deno Deploy sandbox, seen as a SandboxProcess:
// the SDK's ChildProcess already has byte streams for stdin, stdout and
// stderr, tunnelled over one WebSocket. What it lacks is an end when that
// WebSocket drops (pending reads then never finish), so the streams handed
// to the session are copies that close once the connection is gone, or
// shortly after the process has ended if the SDK's own streams stay open.

import type { DenoSandbox, DenoSandboxProcessStatus } from "./_sandbox.ts";
import type { ProcessExit, SandboxProcess } from "../session/_session.ts";

/** How long output may still arrive after the exit status (it travels separately). */
const OUTPUT_GRACE_MS = 2_000;

/** What to start. */
export interface DenoSandboxLaunch {
  /** Deno binary inside the sandbox. */
  deno: string;
  /** Arguments after the binary. */
  args: string[];
  /** The whole environment of the runner (the sandbox's default one is cleared). */
  env: Record<string, string>;
  /** Working directory inside the sandbox. */
  cwd: string;
  /** Called when the runner ended because the connection to the sandbox was lost. */
  onConnectionLost?: () => void;
}

/** A started runner, plus the VM's OOM verdict the exit status alone does not carry. */
export interface DenoSandboxProcess extends SandboxProcess {
  /** Called before `exited` settles when the sandbox's OOM killer ended the runner. */
  onOomKilled?: () => void;
}

/** The message of an exit caused by a lost connection (also used by the executor). */
export function connectionLostReason(detail?: string): string {
  return `The connection to the Deno Sandbox was lost${
    detail ? ` (${detail})` : ""
  }: the sandbox and the state of earlier steps are gone; the next step starts a new sandbox`;
}

/** Starts the runner with piped stdio and an environment of exactly `launch.env`. */
export async function startDenoSandboxProcess(
  sandbox: DenoSandbox,
  launch: DenoSandboxLaunch,
): Promise<DenoSandboxProcess> {
  const child = await sandbox.spawn(launch.deno, {
    args: launch.args,
    cwd: launch.cwd,
    clearEnv: true, // the sandbox's default environment names the Deploy organization
    env: launch.env,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  });
  if (!child.stdin || !child.stdout) {
    await child.kill("SIGKILL").catch(() => {});
    throw new Error("The Deno Sandbox started the runner without piped stdin/stdout");
  }
  const stdout = endWith(child.stdout);
  const stderr = child.stderr ? endWith(child.stderr) : undefined;
  let killed: Promise<unknown> | undefined;
  let lost = false;
  const result: DenoSandboxProcess = {
    stdin: child.stdin,
    stdout: stdout.readable,
    stderr: stderr?.readable,
    exited: Promise.race([
      child.status.then(
        (status) => toExit(status, () => result.onOomKilled?.()),
        (error): ProcessExit => {
          lost = true;
          return {
            code: null,
            signal: null,
            reason: connectionLostReason((error as Error)?.message),
          };
        },
      ),
      sandbox.closed.then((): ProcessExit => {
        lost = true;
        return { code: null, signal: null, reason: connectionLostReason() };
      }),
    ]).then((exit) => {
      // Over a lost connection nothing more can come; otherwise the SDK's
      // streams normally end by themselves, with the last output first.
      if (lost) launch.onConnectionLost?.();
      const grace = lost ? 0 : OUTPUT_GRACE_MS;
      stdout.end(grace);
      stderr?.end(grace);
      sandbox.closed.then(() => {
        stdout.end(0);
        stderr?.end(0);
      });
      return exit;
    }),
    kill: () => {
      // Best effort: over a dropped connection the kill fails, and `exited` settles anyway.
      killed ??= Promise.resolve().then(() => child.kill("SIGKILL")).catch(() => {});
    },
  };
  return result;
}

function toExit(status: DenoSandboxProcessStatus, onOom: () => void): ProcessExit {
  if (status.oom) onOom();
  // The SDK gives a negative code for a signal; the session wants code null then.
  return status.signal
    ? { code: null, signal: status.signal }
    : { code: status.code, signal: null };
}

/**
 * A copy of `source` that also ends `graceMs` after `end(graceMs)` is
 * called, even if the SDK's stream never says it has ended.
 */
function endWith(
  source: ReadableStream<Uint8Array>,
): { readable: ReadableStream<Uint8Array>; end(graceMs: number): void } {
  const reader = source.getReader();
  let ended = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const finish = () => {
    clearTimeout(timer);
    if (ended) return;
    ended = true;
    try {
      controller.close();
    } catch { /* already closed or errored */ }
    reader.cancel().catch(() => {});
  };
  const readable = new ReadableStream<Uint8Array>({
    start: (c) => {
      controller = c;
    },
    pull: async (c) => {
      try {
        const { done, value } = await reader.read();
        if (ended) return;
        if (done) finish();
        else c.enqueue(value);
      } catch {
        finish(); // the connection broke; the exit reports why
      }
    },
    cancel: () => {
      clearTimeout(timer);
      ended = true;
      reader.cancel().catch(() => {});
    },
  });
  return {
    readable,
    end: (graceMs) => {
      if (ended) return;
      clearTimeout(timer);
      timer = setTimeout(finish, graceMs);
      Deno.unrefTimer(timer); // never what keeps the host alive
    },
  };
}
