// The small slice of npm:@deno/sandbox that DenoSandboxExecutor uses, as
// interfaces, so the real SDK can be loaded lazily and tests can inject a
// fake. The shapes match `Sandbox`, `sandbox.fs` and `ChildProcess` of
// @deno/sandbox 0.13 (tests/executors/deno_sandbox_test.ts checks at compile
// time that the real classes still fit).

/** How a process in the sandbox ended (`ChildProcess.status`). */
export interface DenoSandboxProcessStatus {
  /** True for exit code 0. */
  success: boolean;
  /** Exit code; negative when a signal ended the process. */
  code: number;
  /** The signal that ended the process, or null. */
  signal: string | null;
  /** True when the sandbox's OOM killer ended the process (then `code` is 137). */
  oom?: boolean;
}

/** A process started by `sandbox.spawn()`. */
export interface DenoSandboxChildProcess {
  /** Process id inside the sandbox. */
  readonly pid: number;
  /** The process's stdin, when spawned with `stdin: "piped"`. */
  readonly stdin: WritableStream<Uint8Array> | null;
  /** The process's stdout, when spawned with `stdout: "piped"`. */
  readonly stdout: ReadableStream<Uint8Array> | null;
  /** The process's stderr, when spawned with `stderr: "piped"`. */
  readonly stderr: ReadableStream<Uint8Array> | null;
  /** Settles when the process ends; rejects when the connection to the sandbox is lost. */
  readonly status: Promise<DenoSandboxProcessStatus>;
  /** Sends a signal (default SIGTERM); does not wait for the process to end. */
  kill(signal?: "SIGKILL" | "SIGTERM"): Promise<void>;
}

/** Options of `sandbox.spawn()` that we use. */
export interface DenoSandboxSpawnOptions {
  /** Arguments after the program. */
  args?: string[];
  /** Working directory inside the sandbox. */
  cwd?: string;
  /** Start from an empty environment instead of the sandbox's default one. */
  clearEnv?: boolean;
  /** Environment variables of the process. */
  env?: Record<string, string>;
  /** `"piped"` to write to the process; the SDK's default is `"null"`. */
  stdin?: "piped" | "null";
  /** `"piped"` to read the process's stdout; the SDK's default is `"inherit"`. */
  stdout?: "piped" | "null";
  /** `"piped"` to read the process's stderr; the SDK's default is `"inherit"`. */
  stderr?: "piped" | "null";
}

/** `sandbox.fs`. */
export interface DenoSandboxFs {
  /** Writes a UTF-8 file, replacing it. */
  writeTextFile(path: string, data: string): Promise<void>;
  /** Creates a directory. */
  mkdir(path: string, options?: { recursive?: boolean }): Promise<void>;
}

/** A running Deno Deploy sandbox (the SDK's `Sandbox`). */
export interface DenoSandbox {
  /** Deno Deploy's id of the sandbox. */
  readonly id: string;
  /** Resolves when the connection to the sandbox has closed, for any reason. */
  readonly closed: Promise<void>;
  /** The sandbox's file system. */
  readonly fs: DenoSandboxFs;
  /** Starts a process in the sandbox. */
  spawn(command: string, options?: DenoSandboxSpawnOptions): Promise<DenoSandboxChildProcess>;
  /** Ends the sandbox at once. */
  kill(): Promise<void>;
  /** Closes the connection (which ends a sandbox created with timeout `"session"`). */
  close(): Promise<void>;
}

/** What `Sandbox.create(options)` receives from us. */
export interface DenoSandboxCreateOptions {
  /** The Deno Deploy access token (stays on the host). */
  token?: string;
  /** The Deno Deploy organization (needed with a personal token). */
  org?: string;
  /** Region of the sandbox (`"ord"`, `"ams"`). Default: Deno Deploy's. */
  region?: string;
  /** `"session"` (ends with the connection) or a lifetime such as `"10m"`. */
  timeout?: "session" | `${number}s` | `${number}m`;
  /** Memory of the sandbox's VM, e.g. `"1280MiB"`. Default: Deno Deploy's. */
  memory?: `${number}MiB`;
  /** Hosts the VM may reach; `[]` for none. */
  allowNet?: string[];
  /** Labels shown in Deno Deploy's dashboard and listings. */
  labels?: Record<string, string>;
}

/** Creates a sandbox; the default loads npm:@deno/sandbox and calls `Sandbox.create`. */
export type DenoSandboxFactory = (options: DenoSandboxCreateOptions) => Promise<DenoSandbox>;

/** The real factory: npm:@deno/sandbox is imported only when a DenoSandboxExecutor starts. */
export const createDenoSandbox: DenoSandboxFactory = async (options) => {
  const { Sandbox } = await import("@deno/sandbox");
  // `debug: false` keeps the SDK from logging; the region is checked by the service.
  const sandbox: DenoSandbox = await Sandbox.create({
    ...options,
    region: options.region as "ord" | "ams" | undefined,
    debug: false,
  });
  return sandbox;
};
