// A runner started inside an E2B sandbox, seen as a SandboxProcess: the E2B
// SDK streams a background command's stdout/stderr as strings and accepts
// stdin writes, which is all `_protocol.ts` needs (its frames are UTF-8 JSON
// lines signed with a key the sandboxed code never sees, so re-encoding the
// SDK's strings gives back the exact frame bytes).

import type { E2BCommandHandle, E2BSandbox } from "./_sandbox.ts";
import type { ProcessExit, SandboxProcess } from "../session/_session.ts";

/** Quotes one argument for the sandbox's shell. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** What to start. */
export interface E2BLaunch {
  /** Deno binary inside the sandbox. */
  deno: string;
  /** Arguments after the binary. */
  args: string[];
  /** Environment of the runner. */
  env: Record<string, string>;
  /** Working directory inside the sandbox. */
  cwd: string;
}

/** Starts the runner as a background command with stdin kept open. */
export async function startE2BProcess(
  sandbox: E2BSandbox,
  launch: E2BLaunch,
): Promise<SandboxProcess> {
  const encoder = new TextEncoder();
  let out!: ReadableStreamDefaultController<Uint8Array>;
  let err!: ReadableStreamDefaultController<Uint8Array>;
  const stdout = new ReadableStream<Uint8Array>({ start: (c) => (out = c) });
  const stderr = new ReadableStream<Uint8Array>({ start: (c) => (err = c) });
  const push = (c: ReadableStreamDefaultController<Uint8Array>, data: string) => {
    try {
      c.enqueue(encoder.encode(data));
    } catch { /* already closed */ }
  };
  const handle = await sandbox.commands.run(
    [launch.deno, ...launch.args].map(shellQuote).join(" "),
    {
      background: true,
      stdin: true,
      timeoutMs: 0, // the session owns timeouts; 0 lifts the SDK's 60 s default
      cwd: launch.cwd,
      envs: launch.env,
      onStdout: (data) => push(out, data),
      onStderr: (data) => push(err, data),
    },
  );
  let killed: Promise<unknown> | undefined;
  const exited = settle(handle).then((exit) => {
    for (const c of [out, err]) {
      try {
        c.close();
      } catch { /* already closed */ }
    }
    return exit;
  });
  const stdin = new WritableStream<Uint8Array>({
    // WritableStream runs one write at a time, so frames keep their order.
    write: (chunk) => sandbox.commands.sendStdin(handle.pid, chunk),
    close: () => sandbox.commands.closeStdin(handle.pid),
  });
  return {
    stdin,
    stdout,
    stderr,
    exited,
    kill: () => {
      killed ??= handle.kill().catch(() => false);
    },
  };
}

// wait() rejects with CommandExitError on a non-zero exit; only the code matters.
async function settle(handle: E2BCommandHandle): Promise<ProcessExit> {
  try {
    return { code: (await handle.wait()).exitCode, signal: null };
  } catch (error) {
    const code = (error as { exitCode?: unknown }).exitCode;
    return { code: typeof code === "number" ? code : null, signal: null };
  }
}
