/**
 * The default executor: runs the model's TypeScript in a long-lived `deno
 * run` subprocess that can do nothing but compute and call your tools,
 * unless you grant it Deno permissions.
 *
 * @module
 */

import type { PermissionRequest } from "../src/errors.ts";
import type {
  CodeOutput,
  ExecuteOptions,
  Executor,
  PermissionRequestHandler,
} from "../src/executor.ts";
import type { Tool } from "../src/tool.ts";
import { checkNumber } from "./session/_checks.ts";
import { downloadImports } from "./session/_imports.ts";
import {
  cacheableImports,
  type ImportPattern,
  nodeBuiltinImportMap,
  parseImportPattern,
} from "./session/_imports.ts";
import {
  buildSandboxCommand,
  checkDenyLists,
  checkPermissions,
  deniedBy,
  type DenoPermissions,
  type DenyLists,
  isPrivateNetworkTarget,
  type SandboxCommand,
  sandboxV8Flags,
} from "./session/_permissions.ts";
import { runnerSource, runSelfRunner, SELF_RUNNER_FLAG } from "./sandbox/_runner.ts";
import type { SandboxProcess } from "./session/_session.ts";
import { type LaunchedRunner, SessionExecutor } from "./session/_session_executor.ts";
import { type MemoryWatchdog, readCpuMs, startMemoryWatchdog } from "./deno/_watchdog.ts";
import { spawnGroupLeader } from "./deno/_spawn.ts";
import {
  knownSandboxesRoot,
  SANDBOX_DIR_PREFIX,
  sandboxesRoot,
  WORK_DIR_PREFIX,
} from "./deno/_sandbox_dirs.ts";

export type { DenoPermissions, DenyLists, PermissionValue } from "./session/_permissions.ts";
/** The sandbox permission names, in flag order (`read`, `write`, `net`, …). */
export { PERMISSION_NAMES } from "./session/_permissions.ts";

// A program re-executed by DenoExecutor in self mode (a `deno compile`
// binary) becomes the sandbox runner here, before its own code runs.
if (Deno.args[0] === SELF_RUNNER_FLAG) await runSelfRunner(Deno.args[1] ?? "{}");

/** Resident memory the Deno runtime itself needs on top of `memoryLimitMb`. */
export const RUNTIME_OVERHEAD_MB = 256;

/** Options of {@linkcode DenoExecutor}. */
export interface DenoExecutorOptions {
  /**
   * What the code may do, per Deno permission (`read`, `write`, `net`, `env`,
   * `sys`, `run`, `ffi`, `import`: each `true` or a list). Default: nothing.
   */
  permissions?: DenoPermissions;
  /**
   * Modules the code may import: `"npm:lodash@4"`, `"jsr:@std/path@1"`,
   * `"node:*"`, `"node:path"`, `"https://esm.sh/*"`. Packages are downloaded
   * by the host when the sandbox first starts; the sandbox never downloads.
   * Default: none.
   */
  authorizedImports?: readonly string[];
  /**
   * Time limit of one `execute`, in ms; the sandbox is SIGKILLed past it
   * (the step rejects with kind `"timeout"`). Default 30 000.
   *
   * It bounds the sandbox's own work, not the host tools it waits for: wall
   * time counts while no tool call of the step is in flight; once at least
   * one has been in flight for 50 ms, and as long as one is, only the CPU
   * time the sandbox uses (all its threads, Workers included) counts. So `await managed_agent(...)` may take minutes (tools
   * have their own limits: a managed agent's `maxSteps`, MCP call timeouts,
   * the model's timeout), while a busy loop running next to a slow tool call
   * is still killed once it has burned `timeoutMs` of CPU. CPU time is read
   * from `/proc` (Linux); where it cannot be read, wall time counts during
   * tool calls too. Subprocesses started under a `run` grant are not counted.
   */
  timeoutMs?: number;
  /**
   * V8 heap limit, in MB. The whole sandbox (ArrayBuffers, WebAssembly,
   * Workers included) is also killed when its resident memory exceeds this
   * plus {@linkcode RUNTIME_OVERHEAD_MB} (sampled every 50 ms, Linux).
   * Default 512.
   */
  memoryLimitMb?: number;
  /** Cap on the logs of one step, in characters. Default 50 000. */
  maxOutputLength?: number;
  /**
   * Cap on the Workers the code runs at once; past it `new Worker()` throws
   * a catchable `Deno.errors.WouldBlock` and the sandbox keeps its state.
   * With a cap, a Worker cannot start Workers of its own. Default: no cap
   * (a Worker bomb then ends at `memoryLimitMb`, with the sandbox restarted).
   */
  maxWorkers?: number;
  /** The deno binary to run. Default: the running one (`Deno.execPath()`). */
  denoPath?: string;
  /** Working directory of the sandbox. Default: an empty private temp directory. */
  cwd?: string;
  /**
   * Start the sandbox by re-executing this program in runner mode instead of
   * running the deno binary: the default inside `deno compile` binaries
   * (`Deno.build.standalone`), which have no deno to spawn. Holds the
   * arguments placed before the runner flag (none for a compiled binary).
   * The program must import this module (mod.ts does). The sandbox then
   * starts with the binary's compile-time permissions and revokes every one
   * it was not granted before any model code runs; a list grant is only
   * honoured when the binary itself was compiled with a list for it.
   */
  selfExec?: readonly string[];
  /**
   * Receives warnings about risky grants (`run`, `ffi`, `sys`, all
   * permissions), once, at construction, and a line for every permission
   * granted or refused on request. Default: `console.warn`.
   */
  onWarning?: (message: string) => void;
  /**
   * Deny lists that win over every grant, as Deno's `--deny-*` flags: e.g.
   * `{ net: ["10.0.0.0/8", "metadata.internal"], read: ["/home/me/.ssh"] }`.
   * A permission request they cover is refused without asking.
   */
  deny?: DenyLists;
  /**
   * Decides, when a step is denied a permission, whether to grant exactly
   * what it asked for (a host and port, a file, a variable, a program):
   * `"deny"`, `"once"` (this executor) or `"always"`. On a grant the sandbox
   * restarts with it and the step runs again from its start; the step's logs
   * say so, and that earlier variables are gone. Without it a denial fails
   * the step, as before. Requests for loopback, private or this host's
   * addresses, for the executors' own files, or covered by `deny` are
   * refused without asking, and so is anything under a full grant.
   */
  onPermissionRequest?: PermissionRequestHandler;
  /** How long `onPermissionRequest` may take before the request counts as denied. Default 60 000 ms. */
  permissionRequestTimeoutMs?: number;
}

/**
 * Runs code in a permission-sandboxed, stateful Deno subprocess.
 *
 * Each step is TypeScript evaluated like in a REPL: declarations and imports
 * persist, the last expression is the output, `final_answer(x)` ends the
 * step, tools are async functions called over an authenticated channel and
 * run on the host. Failures reject with `AgentExecutionError` carrying a
 * `kind`; after a timeout, a crash or a memory kill the next step gets a
 * fresh sandbox.
 *
 * @example Running two steps that share state
 * ```ts
 * import { DenoExecutor } from "@smoldeno/agents";
 *
 * await using executor = new DenoExecutor();
 * await executor.execute("const xs: number[] = [1, 2, 3];");
 * const { output } = await executor.execute("xs.reduce((a, b) => a + b, 0)");
 * console.log(output); // 6
 * ```
 *
 * @example Giving the code a tool
 * ```ts
 * import { DenoExecutor, tool } from "@smoldeno/agents";
 *
 * const add = tool({
 *   name: "add",
 *   description: "Adds two numbers.",
 *   inputs: {
 *     a: { type: "number", description: "First term" },
 *     b: { type: "number", description: "Second term" },
 *   },
 *   outputType: "number",
 *   forward: ({ a, b }) => a + b,
 * });
 * await using executor = new DenoExecutor();
 * await executor.sendTools({ add });
 * const result = await executor.execute("final_answer(await add({ a: 2, b: 3 }))");
 * console.log(result.output, result.isFinalAnswer); // 5 true
 * ```
 */
export class DenoExecutor implements Executor {
  #permissions: DenoPermissions;
  #deny: DenyLists;
  #imports: ImportPattern[];
  /** Imports granted on request that the sandbox folder does not have yet. */
  #pendingImports: ImportPattern[] = [];
  #memoryLimitMb: number;
  #denoPath: string;
  #cwd?: string;
  #selfExec?: readonly string[];
  #core: SessionExecutor;
  #dir?: string;
  #workDir?: string;
  #watchdog?: MemoryWatchdog;
  #pid?: number;
  #onUnload = () => this.#killNow();
  // A program that ends without close(): nothing of this executor stays behind.
  #onUnloadDirs = () => {
    this.#killNow();
    for (const d of [this.#dir, this.#workDir]) {
      if (d) {
        try {
          Deno.removeSync(d, { recursive: true });
        } catch {
          // Already gone, or not ours to remove any more.
        }
      }
    }
  };

  /**
   * Checks the options; starts nothing until the first call.
   *
   * @throws {TypeError} for unknown permissions, malformed lists or import patterns.
   * @throws {RangeError} for out-of-range limits.
   */
  constructor(options: DenoExecutorOptions = {}) {
    this.#permissions = checkPermissions(options.permissions);
    this.#deny = checkDenyLists(options.deny);
    if (
      options.onPermissionRequest !== undefined && typeof options.onPermissionRequest !== "function"
    ) {
      throw new TypeError("Invalid onPermissionRequest: expected a function (request) => decision");
    }
    this.#imports = (options.authorizedImports ?? []).map(parseImportPattern);
    const timeoutMs = Math.floor(
      checkNumber("timeoutMs", options.timeoutMs ?? 30_000, 1, 2 ** 31 - 1),
    );
    this.#memoryLimitMb = Math.floor(
      checkNumber("memoryLimitMb", options.memoryLimitMb ?? 512, 16, 65536),
    );
    const maxOutputLength = Math.floor(
      checkNumber("maxOutputLength", options.maxOutputLength ?? 50_000, 100, 100_000_000),
    );
    if (options.denoPath !== undefined && typeof options.denoPath !== "string") {
      throw new TypeError(`Invalid denoPath: expected a string, got ${typeof options.denoPath}`);
    }
    this.#denoPath = options.denoPath ?? Deno.execPath();
    this.#cwd = options.cwd;
    const standalone = (Deno.build as { standalone?: boolean }).standalone === true;
    this.#selfExec = options.selfExec ?? (standalone && !options.denoPath ? [] : undefined);
    if (this.#selfExec && !Array.isArray(this.#selfExec)) {
      throw new TypeError("Invalid selfExec: expected an array of strings");
    }
    // Build once now so bad values fail here, and warn about risky grants once.
    const { warnings } = this.#command("runner.js");
    const warn = options.onWarning ?? ((m: string) => console.warn(m));
    for (const w of warnings) warn(w);
    if (this.#permissions.net && hostAddresses() === undefined) {
      warn(
        "DenoExecutor cannot list this host's network addresses (the host lacks sys permission): the sandbox's net grant may reach services of this host through its own IP addresses",
      );
    }
    if (this.#selfExec && this.#permissions.net === true) {
      warn(
        "DenoExecutor in self-exec mode cannot add --deny-net at run time: net: true also reaches loopback and private addresses unless the binary was compiled with --deny-net",
      );
    }
    this.#core = new SessionExecutor({
      executorName: "DenoExecutor",
      timeoutMs,
      maxOutputLength,
      imports: this.#imports,
      maxWorkers: options.maxWorkers === undefined
        ? undefined
        : Math.floor(checkNumber("maxWorkers", options.maxWorkers, 0, 1 << 20)),
      launch: () => this.#launch(),
      shutdown: () => this.#removeDirs(),
      onPermissionRequest: options.onPermissionRequest,
      permissionRequestTimeoutMs: options.permissionRequestTimeoutMs === undefined
        ? undefined
        : checkNumber(
          "permissionRequestTimeoutMs",
          options.permissionRequestTimeoutMs,
          1,
          2 ** 31 - 1,
        ),
      widen: (request, apply) => this.#widen(request, apply),
      onGrant: warn,
    });
  }

  /** What the sandbox may do now, grants made on request included. */
  get permissions(): DenoPermissions {
    return structuredClone({ ...this.#permissions });
  }

  /**
   * Adds exactly `request.target` to the list of its permission, for the
   * next sandbox; throws, saying why, when the request may not be granted.
   * With `apply` false, only checks (so nobody is asked about a request
   * that would be refused anyway).
   */
  #widen(request: PermissionRequest, apply: boolean): string {
    const { permission: name, target } = request;
    if (name === "import" && target !== undefined) return this.#widenImports(target, apply);
    if (!(name in { read: 1, write: 1, net: 1, env: 1, sys: 1, run: 1, ffi: 1 })) {
      throw new Error(`"${name}" cannot be granted on request`);
    }
    if (target === undefined) {
      throw new Error(
        "Deno's message named no target, and a whole permission is never granted on request",
      );
    }
    const key = name as "read" | "write" | "net" | "env" | "sys" | "run" | "ffi";
    const current = this.#permissions[key];
    if (current === true) {
      throw new Error(
        `${name} is granted in full already: a deny rule refused this, and a request cannot lift it`,
      );
    }
    if (deniedBy(this.#deny[key], name, target)) {
      throw new Error(`the deny list for ${name} covers it`);
    }
    if (name === "net" && isPrivateNetworkTarget(target, hostAddresses() ?? [])) {
      throw new Error(
        "loopback, private and this host's addresses are never granted on request: list them in permissions.net",
      );
    }
    const root = knownSandboxesRoot();
    if ((name === "read" || name === "write") && root && deniedBy([root], name, target)) {
      throw new Error("the executors' own files are never granted");
    }
    const list = Array.isArray(current) ? current : [];
    if (list.includes(target)) {
      throw new Error(`${name} ${JSON.stringify(target)} is granted already`);
    }
    const widened = checkPermissions({ ...this.#permissions, [key]: [...list, target] });
    if (apply) this.#permissions = widened;
    return `${name} ${JSON.stringify(target)}`;
  }

  /**
   * Authorizes exactly the module `specifier` (`npm:pkg@range`, `jsr:`,
   * `node:`, `https:`): never a wildcard, a local file or a deny-listed
   * host. The next sandbox gets it, downloaded first by the host.
   */
  #widenImports(specifier: string, apply: boolean): string {
    if (specifier.endsWith("*")) throw new Error("a wildcard is never granted on request");
    let pattern: ImportPattern;
    try {
      pattern = parseImportPattern(specifier);
    } catch (error) {
      throw new Error(
        (error as TypeError).message.replace(/^Invalid authorizedImports entry /, ""),
      );
    }
    if (this.#imports.some((i) => i.source === specifier)) {
      throw new Error(`import ${JSON.stringify(specifier)} is granted already`);
    }
    const host = pattern.host?.replace(/:\d+$/, "");
    if (host !== undefined && deniedBy(this.#deny.import, "import", host)) {
      throw new Error(`the deny list for import covers ${host}`);
    }
    if (
      pattern.host !== undefined && pattern.scheme !== "jsr" &&
      isPrivateNetworkTarget(pattern.host, hostAddresses() ?? [])
    ) {
      throw new Error(
        "imports from loopback, private and this host's addresses are never granted on request",
      );
    }
    if (apply) {
      this.#imports.push(pattern);
      this.#pendingImports.push(pattern);
    }
    return `import ${JSON.stringify(specifier)}`;
  }

  /** The modules the code may import now, grants made on request included. */
  get authorizedImports(): string[] {
    return this.#imports.map((i) => i.source);
  }

  /**
   * Imports granted since the sandbox folder was prepared: the import map
   * learns the node: built-ins, the host downloads the rest. A download
   * that fails takes the grant back, so later sandboxes still start.
   */
  async #preparePendingImports(dir: string): Promise<void> {
    const pending = this.#pendingImports.splice(0);
    if (pending.length === 0) return;
    try {
      await this.#writeImportMap(dir);
      const cached = cacheableImports(pending);
      if (cached.length) await downloadImports(this.#denoPath, dir, cached);
    } catch (error) {
      for (const p of pending) this.#imports.splice(this.#imports.indexOf(p), 1);
      await this.#writeImportMap(dir).catch(() => {});
      throw error;
    }
  }

  /**
   * node: built-ins outside the authorized imports resolve to a module that
   * throws, whatever imports them (eval'd code and data: modules too).
   */
  async #writeImportMap(dir: string): Promise<void> {
    const { builtinModules } = await import("node:module");
    await Deno.writeTextFile(
      `${dir}/import_map.json`,
      JSON.stringify(nodeBuiltinImportMap(this.#imports, builtinModules)),
    );
  }

  /** Process id of the running sandbox, if one is running (for diagnostics). */
  get pid(): number | undefined {
    return this.#core.running ? this.#pid : undefined;
  }

  /**
   * Starts the sandbox now instead of at the first `execute` (idempotent;
   * resolves once it is ready). Call it without awaiting to overlap the
   * sandbox's start with other work, e.g. a model call: CodeAgent does this
   * at the start of every run. A failure here is reported again by the next
   * `execute`, which retries the start.
   *
   * @example Starting the sandbox while doing something else
   * ```ts
   * import { DenoExecutor } from "@smoldeno/agents";
   *
   * await using executor = new DenoExecutor();
   * const warming = executor.start(); // not awaited yet
   * const reply = await Promise.resolve("1 + 1"); // e.g. a model call
   * await warming;
   * console.log((await executor.execute(reply)).output); // 2
   * ```
   */
  start(): Promise<void> {
    return this.#core.start();
  }

  /** Makes each tool callable from the code as an async function of the same name. */
  sendTools(tools: Record<string, Tool>): Promise<void> {
    return this.#core.sendTools(tools);
  }

  /** Makes each value (JSON data, Uint8Array, Date, Map, Set, …) a variable of the code. */
  sendVariables(variables: Record<string, unknown>): Promise<void> {
    return this.#core.sendVariables(variables);
  }

  /** Runs one step of TypeScript; see the class doc for the semantics. */
  execute(code: string, options?: ExecuteOptions): Promise<CodeOutput> {
    return this.#core.execute(code, options);
  }

  /** Kills the sandbox and removes its temp directory. Idempotent. */
  close(): Promise<void> {
    return this.#core.close();
  }

  /** Same as {@linkcode DenoExecutor.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #command(runnerPath: string): SandboxCommand {
    return buildSandboxCommand({
      permissions: this.#permissions,
      memoryLimitMb: this.#memoryLimitMb,
      authorizedImports: this.#imports.map((i) => i.source),
      runnerPath,
      hostEnv: hostEnv(Array.isArray(this.#permissions.env) ? this.#permissions.env : []),
      hostAddresses: this.#permissions.net ? hostAddresses() ?? [] : [],
      denoDir: this.#dir ? `${this.#dir}/deno_dir` : undefined,
      protectedPaths: knownSandboxesRoot() ? [knownSandboxesRoot()!] : [],
      importMapPath: this.#dir ? `${this.#dir}/import_map.json` : undefined,
      deny: this.#deny,
    });
  }

  /** Starts one sandbox process (the SessionExecutor launcher). */
  async #launch(): Promise<LaunchedRunner> {
    if (!this.#dir) await this.#prepareDir();
    const dir = this.#dir!;
    await this.#preparePendingImports(dir);
    // Rewritten before every start: a sandbox granted write access must not
    // be able to plant a different runner for its successor.
    const runnerPath = `${dir}/runner.js`;
    await Deno.writeTextFile(runnerPath, runnerSource());
    const command = this.#command(runnerPath);
    let args = command.args;
    const env = command.env;
    if (this.#selfExec) {
      args = [...this.#selfExec, SELF_RUNNER_FLAG, JSON.stringify(this.#permissions)];
      env.DENO_V8_FLAGS = sandboxV8Flags(this.#memoryLimitMb);
    }
    let child: Deno.ChildProcess;
    try {
      // Its own process group, so kill(-pid) reaches everything it started.
      child = spawnGroupLeader(this.#denoPath, {
        args,
        env,
        clearEnv: true,
        cwd: this.#cwd ?? this.#workDir,
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      });
    } catch (e) {
      throw new Error(
        `Cannot start the sandbox: "${this.#denoPath}" could not be run (${
          (e as Error).message
        }); set the denoPath option to a deno binary`,
        { cause: e },
      );
    }
    // An idle sandbox must not keep the host alive (the session holds the
    // loop while the host waits on it); it dies with the host, see _session.ts.
    child.unref();
    const pid = child.pid;
    const proc: SandboxProcess = {
      stdin: child.stdin,
      stdout: child.stdout,
      stderr: child.stderr,
      exited: child.status.then((s) => ({ code: s.signal ? null : s.code, signal: s.signal })),
      kill: () => killGroup(pid),
      // Lets timeoutMs leave out host tool time while still counting the
      // sandbox's own CPU (only where /proc can be read: otherwise the wall
      // clock keeps running during tool calls).
      cpuMs: canReadCpu(pid) ? () => readCpuMs(pid) : undefined,
    };
    this.#pid = pid;
    addEventListener("unload", this.#onUnload);
    return {
      process: proc,
      attach: (session) => {
        const limitMb = this.#memoryLimitMb + RUNTIME_OVERHEAD_MB;
        const watchdog = startMemoryWatchdog({
          pid,
          limitBytes: limitMb * 1024 * 1024,
          wholeGroup: Boolean(this.#permissions.run),
          isIdle: () => !session.stepRunning,
          onIdleCpu: (ms) =>
            session.killForIdleCpu(
              `The sandbox used ${ms} ms of CPU within a second between steps (background work such as a busy Worker or interval)`,
            ),
          onExceeded: (bytes) =>
            session.killForMemory(
              `The code used ${
                Math.round(bytes / 1048576)
              } MB of memory, over the limit of ${limitMb} MB (memoryLimitMb ${this.#memoryLimitMb} + ${RUNTIME_OVERHEAD_MB} for the runtime)`,
            ),
        });
        this.#watchdog = watchdog;
        session.closed.then(() => {
          watchdog.stop();
          removeEventListener("unload", this.#onUnload);
        });
      },
    };
  }

  async #prepareDir(): Promise<void> {
    // Every executor keeps its runner and DENO_DIR under one parent that all
    // sandboxes are denied, so a sandbox granted the temp dir cannot touch
    // another executor's files; its working directory lives apart.
    // Both names carry this process's id, so a sweep can tell they are
    // orphans even when the host died before owner.json was written, or
    // someone removed the sandbox directory without its work directory.
    const dir = await Deno.makeTempDir({
      dir: await sandboxesRoot(),
      prefix: `${SANDBOX_DIR_PREFIX}${Deno.pid}-`,
    });
    this.#dir = dir;
    addEventListener("unload", this.#onUnloadDirs);
    await Deno.mkdir(`${dir}/deno_dir`);
    if (this.#cwd === undefined) {
      this.#workDir = await Deno.makeTempDir({ prefix: `${WORK_DIR_PREFIX}${Deno.pid}-` });
    }
    await this.#writeImportMap(dir);
    // Lets a later host sweep these directories if this process dies without close().
    await Deno.writeTextFile(
      `${dir}/owner.json`,
      JSON.stringify({ pid: Deno.pid, workDir: this.#workDir ?? null }),
    );
    // Imports granted on request are downloaded by #preparePendingImports,
    // which takes them back if that fails.
    const cached = cacheableImports(this.#imports.filter((i) => !this.#pendingImports.includes(i)));
    if (cached.length) await downloadImports(this.#denoPath, dir, cached);
    // Deno writes to DENO_DIR without any permission: Cache API and
    // localStorage data (location_data), and a cache entry for every module
    // loaded, data: URLs included. A plain file where Deno expects a
    // directory, and a directory where it expects a database, make each of
    // these fail quietly (Deno falls back to memory), so nothing persists or
    // fills the disk, even when the host runs as root.
    const denoDir = `${dir}/deno_dir`;
    for (const name of await Array.fromAsync(Deno.readDir(denoDir))) {
      if (/^(?:dep_analysis|node_analysis|v8_code)_cache|^gen$/.test(name.name)) {
        await Deno.remove(`${denoDir}/${name.name}`, { recursive: true });
      }
    }
    await Deno.writeTextFile(`${denoDir}/location_data`, "");
    await Deno.writeTextFile(`${denoDir}/gen`, "");
    for (const db of ["dep_analysis_cache_v2", "node_analysis_cache_v2", "v8_code_cache_v2"]) {
      await Deno.mkdir(`${denoDir}/${db}`);
    }
  }

  #killNow(): void {
    if (this.#pid !== undefined && this.#core?.running) killGroup(this.#pid);
  }

  /** What close() frees once the sandbox is gone (the SessionExecutor shutdown). */
  async #removeDirs(): Promise<void> {
    this.#watchdog?.stop();
    removeEventListener("unload", this.#onUnload);
    removeEventListener("unload", this.#onUnloadDirs);
    if (this.#dir) await Deno.remove(this.#dir, { recursive: true }).catch(() => {});
    if (this.#workDir) await Deno.remove(this.#workDir, { recursive: true }).catch(() => {});
  }
}

function killGroup(pid: number): void {
  try {
    Deno.kill(-pid, "SIGKILL");
  } catch {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

function canReadCpu(pid: number): boolean {
  if (Deno.build.os !== "linux") return false;
  try {
    Deno.readTextFileSync(`/proc/${pid}/stat`);
    return true;
  } catch {
    return false;
  }
}

function hostEnv(names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of ["PATH", ...names]) {
    const v = Deno.env.get(n);
    if (v !== undefined) out[n] = v;
  }
  return out;
}

/** The host's own IP addresses, or undefined when the host may not read them. */
function hostAddresses(): string[] | undefined {
  try {
    return Deno.networkInterfaces().map((i) => i.address);
  } catch {
    return undefined;
  }
}
