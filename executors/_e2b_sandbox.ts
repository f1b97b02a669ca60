// The small slice of the E2B SDK that E2BExecutor uses, as interfaces, so the
// real `e2b` package can be loaded lazily and tests can inject a fake. The
// shapes match `Sandbox`, `sandbox.files` and `sandbox.commands` of npm:e2b 2.x.

/** A finished foreground command. */
export interface E2BCommandResult {
  exitCode: number;
  stdout: string;
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
  background?: boolean;
  stdin?: boolean;
  cwd?: string;
  envs?: Record<string, string>;
  /** Command timeout in ms; 0 disables it. */
  timeoutMs?: number;
  onStdout?: (data: string) => void | Promise<void>;
  onStderr?: (data: string) => void | Promise<void>;
}

/** `sandbox.commands`. */
export interface E2BCommands {
  run(cmd: string, opts: E2BRunOptions & { background: true }): Promise<E2BCommandHandle>;
  run(cmd: string, opts?: E2BRunOptions & { background?: false }): Promise<E2BCommandResult>;
  sendStdin(pid: number, data: string | Uint8Array): Promise<void>;
  closeStdin(pid: number): Promise<void>;
}

/** `sandbox.files`. */
export interface E2BFiles {
  write(path: string, data: string | ArrayBuffer | Blob | ReadableStream): Promise<unknown>;
}

/** A running sandbox. */
export interface E2BSandbox {
  readonly sandboxId: string;
  readonly files: E2BFiles;
  readonly commands: E2BCommands;
  kill(): Promise<boolean>;
}

/** What `Sandbox.create(template, opts)` receives from us. */
export interface E2BCreateOptions {
  apiKey?: string;
  timeoutMs?: number;
  allowInternetAccess?: boolean;
  envs?: Record<string, string>;
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
