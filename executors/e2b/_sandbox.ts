// The small slice of the E2B SDK that E2BExecutor uses, as interfaces, so the
// real `e2b` package can be loaded lazily and tests can inject a fake. The
// shapes match `Sandbox`, `sandbox.files` and `sandbox.commands` of npm:e2b 2.x.

/** A finished foreground command. */
export interface E2BCommandResult {
  /** Exit code of the command. */
  exitCode: number;
  /** Everything it printed to stdout. */
  stdout: string;
  /** Everything it printed to stderr. */
  stderr: string;
}

/** A background command (`commands.run(cmd, { background: true })`). */
export interface E2BCommandHandle {
  /** Process id inside the sandbox. */
  readonly pid: number;
  /** Resolves when the command ends; rejects on a non-zero exit (CommandExitError). */
  wait(): Promise<E2BCommandResult>;
  /** SIGKILLs the command. */
  kill(): Promise<boolean>;
}

/** Options of `commands.run` that we use. */
export interface E2BRunOptions {
  /** Return a handle at once instead of waiting for the command to end. */
  background?: boolean;
  /** Keep stdin open for `sendStdin`. */
  stdin?: boolean;
  /** Working directory. */
  cwd?: string;
  /** Environment variables of the command. */
  envs?: Record<string, string>;
  /** Command timeout in ms; 0 disables it. */
  timeoutMs?: number;
  /** Receives stdout as decoded text. */
  onStdout?: (data: string) => void | Promise<void>;
  /** Receives stderr as decoded text. */
  onStderr?: (data: string) => void | Promise<void>;
}

/** `sandbox.commands`. */
export interface E2BCommands {
  /** Starts a command in the background. */
  run(cmd: string, opts: E2BRunOptions & { background: true }): Promise<E2BCommandHandle>;
  /** Runs a command to completion. */
  run(cmd: string, opts?: E2BRunOptions & { background?: false }): Promise<E2BCommandResult>;
  /** Writes to a background command's stdin. */
  sendStdin(pid: number, data: string | Uint8Array): Promise<void>;
  /** Closes a background command's stdin. */
  closeStdin(pid: number): Promise<void>;
}

/** `sandbox.files`. */
export interface E2BFiles {
  /** Writes a file, creating its parent directories. */
  write(
    path: string,
    data: string | ArrayBuffer | Blob | ReadableStream,
    opts?: E2BWriteOptions,
  ): Promise<unknown>;
}

/** Options of `files.write` that we use. */
export interface E2BWriteOptions {
  /** Gives up on the upload after this many ms (the SDK's default is 60 000). */
  requestTimeoutMs?: number;
  /** Compresses the upload (needs a recent envd; the SDK falls back otherwise). */
  gzip?: boolean;
}

/** A running sandbox. */
export interface E2BSandbox {
  /** E2B's id of the sandbox. */
  readonly sandboxId: string;
  /** The sandbox's file system. */
  readonly files: E2BFiles;
  /** Processes in the sandbox. */
  readonly commands: E2BCommands;
  /** Ends the sandbox. */
  kill(): Promise<boolean>;
}

/** What `Sandbox.create(template, opts)` receives from us. */
export interface E2BCreateOptions {
  /** The E2B API key (stays on the host). */
  apiKey?: string;
  /** Lifetime of the sandbox, in ms. */
  timeoutMs?: number;
  /** Whether the sandbox may reach the internet. */
  allowInternetAccess?: boolean;
  /** Default environment of the sandbox's commands. */
  envs?: Record<string, string>;
  /** Labels shown in E2B's dashboard and listings. */
  metadata?: Record<string, string>;
}

/** Creates a sandbox; the default loads npm:e2b and calls `Sandbox.create`. */
export type E2BSandboxFactory = (
  template: string,
  options: E2BCreateOptions,
) => Promise<E2BSandbox>;

/** The real factory: npm:e2b is imported only when an E2BExecutor starts. */
export const createE2BSandbox: E2BSandboxFactory = async (template, options) => {
  const { Sandbox } = await import("e2b");
  return await Sandbox.create(template, options) as unknown as E2BSandbox;
};
