// Starts the sandbox runner inside an E2B sandbox and exposes its channel as
// a byte stream on the host. The E2B SDK only offers a process's stdin/stdout,
// and stdio is reachable by the model's code (it can print anything), so the
// runner talks to a unix socket inside the VM exactly as it does locally, and a
// tiny relay process, which runs no user code, pipes that socket to its own
// stdin/stdout. Forged prints of the code land in the runner's logs, never in
// the protocol.

import type { E2BCommandHandle, E2BSandbox } from "./_e2b_sandbox.ts";

/** Source of the relay uploaded next to the runner. */
export const RELAY_SOURCE = `// smoldeno relay: pipes one unix-socket connection to stdin/stdout.
const path = Deno.args[0];
const listener = Deno.listen({ transport: "unix", path });
console.error("smoldeno-relay-ready");
const conn = await listener.accept();
listener.close();
await Promise.race([
  Deno.stdin.readable.pipeTo(conn.writable).catch(() => {}),
  conn.readable.pipeTo(Deno.stdout.writable).catch(() => {}),
]);
Deno.exit(0);
`;

const READY = "smoldeno-relay-ready";

/** What to run in the sandbox. */
export interface E2BLaunch {
  /** Files written into the per-executor directory, by name. */
  files: Record<string, string>;
  /** The runner's argv after the deno binary, given the directory and socket path. */
  args: (dir: string, socketPath: string) => string[];
  /** Written to the runner's stdin, which is then closed. */
  stdin?: string;
  /** Give up when the relay is not ready by then. */
  startTimeoutMs: number;
  /** Receives the runner's stdout/stderr (untrusted logs). */
  onOutput?: (chunk: Uint8Array, stream: "stdout" | "stderr") => void;
}

/** The host end of a runner started in E2B. */
export interface E2BProcess {
  /** Bytes the runner sent (through the relay). */
  readable: ReadableStream<Uint8Array>;
  /** Bytes for the runner (through the relay). */
  writable: WritableStream<Uint8Array>;
  /** SIGKILLs the runner and the relay. */
  kill(): Promise<void>;
  /** Resolves with the runner's exit code once it has ended. */
  exited: Promise<{ code: number }>;
}

/** Quotes one argument for the sandbox's `/bin/bash -l -c`. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** Starts relay and runner in `sandbox` with the given Deno binary path. */
export async function startE2BProcess(
  sandbox: E2BSandbox,
  deno: string,
  launch: E2BLaunch,
): Promise<E2BProcess> {
  const dir = `/tmp/smoldeno-${crypto.randomUUID()}`;
  const socketPath = `${dir}/rpc.sock`;
  const encoder = new TextEncoder();
  await sandbox.commands.run(`mkdir -m 700 -p ${shellQuote(dir)}`);
  for (const [name, text] of Object.entries({ ...launch.files, "relay.ts": RELAY_SOURCE })) {
    await sandbox.files.write(`${dir}/${name}`, text);
  }

  let toHost!: ReadableStreamDefaultController<Uint8Array>;
  const readable = new ReadableStream<Uint8Array>({ start: (c) => (toHost = c) });
  let ready!: () => void;
  const relayReady = new Promise<void>((resolve) => (ready = resolve));
  let stderrSeen = "";
  const relay = await sandbox.commands.run(
    [
      deno,
      "run",
      "--no-prompt",
      "--no-config",
      "--no-lock",
      "--no-remote",
      "--no-npm",
      `--allow-read=${socketPath}`,
      `--allow-write=${socketPath}`,
      `--allow-net=unix:${socketPath}`,
      `${dir}/relay.ts`,
      socketPath,
    ].map(shellQuote).join(" "),
    {
      background: true,
      stdin: true,
      timeoutMs: 0,
      onStdout: (data) => {
        try {
          toHost.enqueue(encoder.encode(data));
        } catch { /* the host side was closed */ }
      },
      onStderr: (data) => {
        stderrSeen = (stderrSeen + data).slice(-4096);
        if (stderrSeen.includes(READY)) ready();
      },
    },
  );
  const relayEnded = settle(relay).then((r) => {
    try {
      toHost.close();
    } catch { /* already closed */ }
    return r;
  });

  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      relayReady,
      relayEnded.then(() => {
        throw new Error(`Cannot start the E2B relay: it exited early: ${stderrSeen.trim()}`);
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(`Cannot start the E2B relay: not ready within ${launch.startTimeoutMs} ms`),
            ),
          launch.startTimeoutMs,
        );
      }),
    ]);
  } catch (error) {
    await relay.kill().catch(() => false);
    throw error;
  } finally {
    clearTimeout(timer);
  }

  const runner = await sandbox.commands.run(
    [deno, ...launch.args(dir, socketPath)].map(shellQuote).join(" "),
    {
      background: true,
      stdin: true,
      timeoutMs: 0,
      onStdout: (data) => launch.onOutput?.(encoder.encode(data), "stdout"),
      onStderr: (data) => launch.onOutput?.(encoder.encode(data), "stderr"),
    },
  );
  await sandbox.commands.sendStdin(runner.pid, launch.stdin ?? "");
  await sandbox.commands.closeStdin(runner.pid);

  const writable = new WritableStream<Uint8Array>({
    write: (chunk) => sandbox.commands.sendStdin(relay.pid, chunk),
  });
  const exited = settle(runner).then(async (r) => {
    await relay.kill().catch(() => false);
    await relayEnded;
    return r;
  });
  return {
    readable,
    writable,
    exited,
    kill: async () => {
      await Promise.all([runner.kill().catch(() => false), relay.kill().catch(() => false)]);
    },
  };
}

// wait() rejects with CommandExitError on a non-zero exit; we only want the code.
async function settle(handle: E2BCommandHandle): Promise<{ code: number }> {
  try {
    return { code: (await handle.wait()).exitCode };
  } catch (error) {
    const code = (error as { exitCode?: unknown }).exitCode;
    return { code: typeof code === "number" ? code : -1 };
  }
}
