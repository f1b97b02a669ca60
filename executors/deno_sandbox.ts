/**
 * `DenoSandboxExecutor`: runs the model's code in a Deno Deploy sandbox (a
 * Linux microVM in Deno's cloud, npm:@deno/sandbox) with the same runner and
 * protocol as `DenoExecutor`, so tools, managed agents and MCP sessions stay
 * on the host and only the code travels.
 *
 * The SDK is loaded only when a sandbox starts. One sandbox per executor,
 * created on the first `execute` with outbound network closed (`allowNet:
 * []`); the runner is written into it and started with the sandbox's own
 * Deno and the same `deno run` flags as every other backend, and the
 * protocol flows over the runner's stdin/stdout. A timeout kills the runner
 * and the next step starts a new one in the same sandbox. `close()` kills the
 * sandbox; with the default `sandboxTimeout: "session"` it also ends by
 * itself when the host's connection drops, and the next step then starts a
 * new sandbox.
 *
 * @module
 */

import type { CodeOutput, ExecuteOptions, Executor } from "../src/executor.ts";
import type { Tool } from "../src/tool.ts";
import { checkNumber } from "./session/_checks.ts";
import { connectionLostReason, startDenoSandboxProcess } from "./deno_sandbox/_process.ts";
import {
  createDenoSandbox,
  type DenoSandbox,
  type DenoSandboxCreateOptions,
  type DenoSandboxFactory,
} from "./deno_sandbox/_sandbox.ts";
import { parseImportPattern } from "./session/_imports.ts";
import {
  buildSandboxCommand,
  checkPermissions,
  type DenoPermissions,
} from "./session/_permissions.ts";
import { runnerSource } from "./sandbox/_runner.ts";
import { type LaunchedRunner, SessionExecutor } from "./session/_session_executor.ts";

export type {
  DenoSandbox,
  DenoSandboxChildProcess,
  DenoSandboxCreateOptions,
  DenoSandboxFactory,
  DenoSandboxFs,
  DenoSandboxProcessStatus,
  DenoSandboxSpawnOptions,
} from "./deno_sandbox/_sandbox.ts";
export type { DenoPermissions, PermissionValue } from "./session/_permissions.ts";

/** Options of {@linkcode DenoSandboxExecutor}. */
export interface DenoSandboxExecutorOptions {
  /**
   * Deno Deploy access token. Default: the `DENO_DEPLOY_TOKEN` environment
   * variable. Stays on the host: never sent into the sandbox, never quoted
   * in an error.
   */
  token?: string;
  /**
   * Deno Deploy organization, needed with a personal token (`ddp_…`).
   * Default: the `DENO_DEPLOY_ORG` environment variable.
   */
  org?: string;
  /** Region of the sandbox (`"ord"`, `"ams"`). Default: Deno Deploy's. */
  region?: string;
  /**
   * Lifetime of the sandbox: `"session"` (the default) ends it when the
   * host's connection closes, so it cannot outlive a host that died; a
   * duration such as `"10m"` or `"600s"` ends it then at the latest.
   */
  sandboxTimeout?: "session" | `${number}s` | `${number}m`;
  /** Memory of the sandbox's VM, in MiB (Deno Deploy allows 768 to 4096). Default: Deno Deploy's (1280). */
  sandboxMemoryMb?: number;
  /**
   * Hosts the VM may reach (`"example.com"`, `"*.example.com:443"`,
   * `"203.0.113.1"`). Default `[]`: none. The code also needs
   * `permissions.net` for them; tools on the host are not affected.
   */
  allowNet?: readonly string[];
  /**
   * Wall-clock limit of one `execute`, in ms; the runner is killed past it.
   * Default 30 000. Time spent in host tool calls counts too: the remote
   * sandbox's CPU time cannot be read.
   */
  timeoutMs?: number;
  /** How long creating the sandbox and starting Deno may take, in ms. Default 120 000. */
  startupTimeoutMs?: number;
  /** V8 heap limit of the runner, in MB (the VM's memory bounds everything else). Default 512. */
  memoryLimitMb?: number;
  /** Deno permissions of the code inside the sandbox (as for DenoExecutor). Default: none. */
  permissions?: DenoPermissions;
  /** Modules the code may import; only `node:` built-ins work, as the runner never downloads. */
  authorizedImports?: readonly string[];
  /** Cap on the logs of one step, in characters. Default 50 000. */
  maxOutputLength?: number;
  /** Path of `deno` inside the sandbox. Default: found on its PATH or in `~/.deno/bin`. */
  denoPath?: string;
  /**
   * Creates the sandbox. Default: `Sandbox.create` of npm:@deno/sandbox;
   * inject one for tests or proxies.
   */
  createSandbox?: DenoSandboxFactory;
}

/** A sandbox made ready for runners: where its Deno is and the executor's private folder. */
interface ReadySandbox {
  sandbox: DenoSandbox;
  deno: string;
  dir: string;
  /** True once the connection to the sandbox closed (it cannot be used again). */
  lost: () => boolean;
  /** Records that the connection is gone (a runner saw it before `closed` settled). */
  markLost: () => void;
}

/**
 * Runs code in a Deno Deploy sandbox; tools still run on the host.
 *
 * @example Construct one (no sandbox is created until the first execute)
 * ```ts
 * import { DenoSandboxExecutor } from "@smoldeno/agents/executors/deno-sandbox";
 *
 * const executor = new DenoSandboxExecutor({
 *   token: "ddo_example_token",
 *   region: "ams",
 *   timeoutMs: 10_000,
 * });
 * console.log(executor.region); // "ams"
 * await executor.close();
 * ```
 *
 * @example Run steps in Deno Deploy (needs DENO_DEPLOY_TOKEN and network access to Deno Deploy)
 * ```ts ignore
 * import { DenoSandboxExecutor } from "@smoldeno/agents/executors/deno-sandbox";
 *
 * await using executor = new DenoSandboxExecutor();
 * await executor.execute("const xs = [1, 2, 3];");
 * console.log((await executor.execute("xs.length")).output); // 3
 * ```
 */
export class DenoSandboxExecutor implements Executor {
  /** The region the sandbox is created in, when one was chosen. */
  readonly region: string | undefined;
  #core: SessionExecutor;
  #sandbox?: Promise<ReadySandbox>;

  /**
   * Checks the options; creates no sandbox until the first call.
   *
   * @throws {TypeError} for malformed options or a missing token.
   * @throws {RangeError} for out-of-range limits.
   */
  constructor(options: DenoSandboxExecutorOptions = {}) {
    const region = options.region;
    if (region !== undefined && (typeof region !== "string" || !/^[a-z0-9-]+$/.test(region))) {
      throw new TypeError(
        `Invalid region ${JSON.stringify(region)}: expected a region name such as "ord" or "ams"`,
      );
    }
    this.region = region;
    const token = options.token ?? readEnv("DENO_DEPLOY_TOKEN");
    const org = options.org ?? readEnv("DENO_DEPLOY_ORG");
    if (!options.createSandbox) {
      if (!token) {
        throw new TypeError(
          "Cannot create DenoSandboxExecutor: no Deno Deploy token: pass token or set the DENO_DEPLOY_TOKEN environment variable",
        );
      }
      if (!token.startsWith("ddo_") && !org) {
        throw new TypeError(
          "Cannot create DenoSandboxExecutor: a personal Deno Deploy token needs an organization: pass org or set the DENO_DEPLOY_ORG environment variable (or use an organization token, ddo_…)",
        );
      }
    }
    const sandboxTimeout = options.sandboxTimeout ?? "session";
    if (typeof sandboxTimeout !== "string" || !/^(session|[1-9]\d*[sm])$/.test(sandboxTimeout)) {
      throw new TypeError(
        `Invalid sandboxTimeout ${
          JSON.stringify(sandboxTimeout)
        }: expected "session" or a duration such as "600s" or "10m"`,
      );
    }
    const sandboxMemoryMb = options.sandboxMemoryMb === undefined
      ? undefined
      : checkNumber("sandboxMemoryMb", options.sandboxMemoryMb, 768, 65536);
    const allowNet = [...(options.allowNet ?? [])];
    for (const host of allowNet) {
      if (typeof host !== "string" || host === "" || /[\s,/]/.test(host)) {
        throw new TypeError(
          `Invalid allowNet entry ${
            JSON.stringify(host)
          }: expected a host name or IP with an optional port, e.g. "example.com:443"`,
        );
      }
    }
    if (
      options.denoPath !== undefined && (typeof options.denoPath !== "string" || !options.denoPath)
    ) {
      throw new TypeError(
        `Invalid denoPath ${JSON.stringify(options.denoPath)}: expected a path inside the sandbox`,
      );
    }
    const memoryLimitMb = checkNumber("memoryLimitMb", options.memoryLimitMb ?? 512, 16, 65536);
    const startupTimeoutMs = checkNumber(
      "startupTimeoutMs",
      options.startupTimeoutMs ?? 120_000,
      1,
      2 ** 31 - 1,
    );
    const permissions = checkPermissions(options.permissions);
    const imports = (options.authorizedImports ?? []).map(parseImportPattern);
    const create = options.createSandbox ?? createDenoSandbox;
    // Validates permissions now; paths are filled in per sandbox.
    buildSandboxCommand({ permissions, memoryLimitMb, runnerPath: "runner.js" });
    const createOptions: DenoSandboxCreateOptions = {
      token,
      org,
      region,
      timeout: sandboxTimeout as DenoSandboxCreateOptions["timeout"],
      allowNet,
      labels: { "smoldeno-executor": "1" },
      ...(sandboxMemoryMb === undefined ? {} : { memory: `${sandboxMemoryMb}MiB` as const }),
    };

    const sandbox = async (): Promise<ReadySandbox> => {
      const current = await this.#sandbox?.catch(() => undefined);
      if (current?.lost()) {
        // The sandbox went with its connection; end it for sure and start afresh.
        this.#sandbox = undefined;
        await discard(current.sandbox);
      }
      return await (this.#sandbox ??= prepare(create, createOptions, {
        denoPath: options.denoPath,
        startupTimeoutMs,
        token,
      }).catch((error) => {
        this.#sandbox = undefined; // the next execute tries again
        throw error;
      }));
    };

    const launch = async (ready: ReadySandbox): Promise<LaunchedRunner> => {
      const { sandbox: box, deno, dir } = ready;
      // Rewritten before every start, like DenoExecutor does: a runner granted
      // write access must not plant a different runner for its successor.
      await box.fs.writeTextFile(`${dir}/runner.js`, runnerSource());
      const command = buildSandboxCommand({
        permissions,
        memoryLimitMb,
        authorizedImports: imports.map((i) => i.source),
        runnerPath: `${dir}/runner.js`,
        denoDir: `${dir}/deno_dir`,
      });
      const process = await startDenoSandboxProcess(box, {
        deno,
        args: command.args,
        env: command.env,
        cwd: `${dir}/work`,
        onConnectionLost: ready.markLost,
      });
      return {
        process,
        attach: (session) => {
          process.onOomKilled = () =>
            session.killForMemory(
              "The Deno Sandbox ran out of memory and its OOM killer ended the code (sandboxMemoryMb)",
            );
        },
        dispose: async () => {
          process.kill();
          await process.exited;
        },
      };
    };

    this.#core = new SessionExecutor({
      executorName: "DenoSandboxExecutor",
      wrapLaunchErrors: true,
      timeoutMs: checkNumber("timeoutMs", options.timeoutMs ?? 30_000, 1, 2 ** 31 - 1),
      startupTimeoutMs,
      maxOutputLength: checkNumber(
        "maxOutputLength",
        options.maxOutputLength ?? 50_000,
        100,
        100_000_000,
      ),
      imports,
      launch: async (signal) => {
        try {
          return await launch(await untilAborted(sandbox(), signal));
        } catch (error) {
          // A connection lost before the runner started costs one new sandbox, not a failed step.
          const current = await this.#sandbox?.catch(() => undefined);
          if (!current?.lost() || signal?.aborted) throw scrub(error, token);
          return await launch(await untilAborted(sandbox(), signal)).catch((e) => {
            throw scrub(e, token);
          });
        }
      },
      shutdown: async () => {
        const started = await this.#sandbox?.catch(() => undefined);
        this.#sandbox = undefined;
        if (started) await discard(started.sandbox);
      },
    });
  }

  /**
   * Starts the sandbox now instead of at the first `execute` (idempotent;
   * resolves once the runner is ready). CodeAgent calls it, without
   * awaiting, at the start of every run, so the start overlaps the first
   * model call. A failure is reported again by the next `execute`.
   */
  start(): Promise<void> {
    return this.#core.start();
  }

  /** Makes each tool callable from the code as an async function; tools run on the host. */
  sendTools(tools: Record<string, Tool>): Promise<void> {
    return this.#core.sendTools(tools);
  }

  /** Makes each value a variable of the code. */
  sendVariables(variables: Record<string, unknown>): Promise<void> {
    return this.#core.sendVariables(variables);
  }

  /** Runs one step of TypeScript in the sandbox. */
  execute(code: string, options?: ExecuteOptions): Promise<CodeOutput> {
    return this.#core.execute(code, options);
  }

  /** Stops the runner and kills the sandbox. Idempotent. */
  close(): Promise<void> {
    return this.#core.close();
  }

  /** Same as {@linkcode DenoSandboxExecutor.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Creates a sandbox, finds its Deno and makes the executor's folder, within the startup budget. */
async function prepare(
  create: DenoSandboxFactory,
  createOptions: DenoSandboxCreateOptions,
  settings: { denoPath?: string; startupTimeoutMs: number; token?: string },
): Promise<ReadySandbox> {
  const work = (async (): Promise<ReadySandbox> => {
    const sandbox = await create(createOptions);
    let lost = false;
    sandbox.closed.then(() => lost = true, () => lost = true);
    try {
      const deno = await findDeno(sandbox, settings.denoPath);
      const dir = `/tmp/smoldeno-${crypto.randomUUID()}`;
      // Deno writes to DENO_DIR without any permission (Cache API and
      // localStorage data, a cache entry per loaded module). A file where
      // it expects a directory and a directory where it expects a database
      // make each fail quietly, so nothing piles up on the VM's disk.
      for (
        const sub of [
          "work",
          "deno_dir/dep_analysis_cache_v2",
          "deno_dir/node_analysis_cache_v2",
          "deno_dir/v8_code_cache_v2",
        ]
      ) await sandbox.fs.mkdir(`${dir}/${sub}`, { recursive: true });
      await sandbox.fs.writeTextFile(`${dir}/deno_dir/location_data`, "");
      await sandbox.fs.writeTextFile(`${dir}/deno_dir/gen`, "");
      if (lost) throw new Error(connectionLostReason());
      return { sandbox, deno, dir, lost: () => lost, markLost: () => lost = true };
    } catch (error) {
      await discard(sandbox);
      throw error;
    }
  })();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let late = false;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          late = true;
          reject(
            new Error(
              `The Deno Sandbox did not start within ${settings.startupTimeoutMs} ms (startupTimeoutMs)`,
            ),
          );
        }, settings.startupTimeoutMs);
      }),
    ]);
  } catch (error) {
    // A sandbox that arrives after the deadline is ended, not leaked.
    if (late) work.then((ready) => discard(ready.sandbox), () => {});
    throw scrub(error, settings.token);
  } finally {
    clearTimeout(timer);
  }
}

/** The sandbox's Deno binary: `denoPath` if it runs, else found on PATH or in `~/.deno/bin`. */
async function findDeno(sandbox: DenoSandbox, denoPath: string | undefined): Promise<string> {
  const probe = denoPath
    ? `"$1" --version >/dev/null 2>&1 && printf '%s\\n' "$1"`
    : 'command -v deno || { test -x "$HOME/.deno/bin/deno" && echo "$HOME/.deno/bin/deno"; }';
  const child = await sandbox.spawn("sh", {
    args: ["-c", `${probe} || true`, "sh", ...(denoPath ? [denoPath] : [])],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  });
  const [out] = await Promise.all([
    child.stdout ? new Response(child.stdout).text() : Promise.resolve(""),
    child.status,
  ]);
  const path = out.trim().split("\n").pop();
  if (path) return path;
  throw new Error(
    `Cannot find Deno in the Deno Sandbox${
      denoPath ? ` at "${denoPath}"` : " on its PATH or in ~/.deno/bin"
    }: pass denoPath`,
  );
}

/** Ends a sandbox and its connection, ignoring failures (it may be gone already). */
async function discard(sandbox: DenoSandbox): Promise<void> {
  await sandbox.kill().catch(() => {});
  await sandbox.close().catch(() => {});
}

/** Rejects as soon as `signal` aborts; `work` carries on (its result is kept for the next step). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener("abort", abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
}

/**
 * `error`, or a copy without the token when its message, stack or causes
 * quote it (an SDK or proxy error echoing a request, say).
 */
function scrub(error: unknown, token: string | undefined): unknown {
  if (!token) return error;
  let quotes = false;
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    const text = e instanceof Error ? `${e.message}\n${e.stack ?? ""}` : String(e);
    if (text.includes(token)) quotes = true;
    e = e instanceof Error ? e.cause : undefined;
  }
  if (!quotes) return error;
  const message = error instanceof Error ? error.message : String(error);
  const copy = new Error(message.replaceAll(token, "[DENO_DEPLOY_TOKEN]"));
  if (error instanceof Error) copy.name = error.name;
  return copy;
}

function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name) || undefined;
  } catch {
    return undefined; // no env permission: the caller must pass the value
  }
}
