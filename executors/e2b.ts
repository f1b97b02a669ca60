/**
 * `E2BExecutor`: runs the model's code in an E2B sandbox (a Firecracker
 * microVM in E2B's cloud) with the same runner and protocol as
 * `DenoExecutor`, so tools, managed agents and MCP sessions stay on the host
 * and only the code travels.
 *
 * The official `npm:e2b` SDK is loaded only when a sandbox starts. One
 * sandbox per executor, created on the first `execute` with internet access
 * off; the runner is uploaded and started with Deno inside it (installed by
 * uploading the host's own Linux binary when the template has none), and the
 * protocol flows over the runner's stdin/stdout. A timeout kills the runner
 * and the next step starts a new one in the same sandbox. `close()` kills
 * the sandbox; if the host dies first, E2B ends it at `sandboxTimeoutMs`.
 *
 * @module
 */

import type { CodeOutput, ExecuteOptions, Executor } from "../src/executor.ts";
import type { Tool } from "../src/tool.ts";
import { checkNumber } from "./session/_checks.ts";
import { shellQuote, startE2BProcess } from "./e2b/_process.ts";
import { createE2BSandbox, type E2BSandbox, type E2BSandboxFactory } from "./e2b/_sandbox.ts";
import { parseImportPattern } from "./session/_imports.ts";
import {
  buildSandboxCommand,
  checkPermissions,
  type DenoPermissions,
} from "./session/_permissions.ts";
import { runnerSource } from "./sandbox/_runner.ts";
import { SessionExecutor } from "./session/_session_executor.ts";

export type {
  E2BCommandHandle,
  E2BCommandResult,
  E2BCommands,
  E2BCreateOptions,
  E2BFiles,
  E2BRunOptions,
  E2BSandbox,
  E2BSandboxFactory,
  E2BWriteOptions,
} from "./e2b/_sandbox.ts";
export type { DenoPermissions, PermissionValue } from "./session/_permissions.ts";

/** Options of {@linkcode E2BExecutor}. */
export interface E2BExecutorOptions {
  /** E2B template (sandbox image). Default `"base"`; a template with Deno starts faster. */
  template?: string;
  /** E2B API key. Default: the `E2B_API_KEY` environment variable. Never sent into the sandbox. */
  apiKey?: string;
  /** Lifetime of the sandbox in ms; E2B kills it afterwards, even if the host died. Default 600 000. */
  sandboxTimeoutMs?: number;
  /** Let the sandbox reach the internet. Default `false`; tools on the host still can. */
  allowInternetAccess?: boolean;
  /**
   * Wall-clock limit of one `execute`, in ms; the runner is killed past it.
   * Default 30 000. Time spent in host tool calls counts too: the remote
   * sandbox's CPU time cannot be read (DenoExecutor and DockerExecutor leave
   * tool time out).
   */
  timeoutMs?: number;
  /** How long creating the sandbox and starting Deno may take. Default 120 000. */
  startupTimeoutMs?: number;
  /** V8 heap limit of the runner, in MB (the VM's size bounds everything else). Default 512. */
  memoryLimitMb?: number;
  /** Deno permissions of the code inside the sandbox (as for DenoExecutor). Default: none. */
  permissions?: DenoPermissions;
  /** Modules the code may import; only `node:` built-ins work without internet access. */
  authorizedImports?: readonly string[];
  /** Cap on the logs of one step, in characters. Default 50 000. */
  maxOutputLength?: number;
  /** Path of `deno` inside the sandbox. Default: found on PATH or in `~/.deno/bin`. */
  denoPath?: string;
  /**
   * When the template has no Deno: `"upload"` copies the host's own binary
   * (a Linux x86-64 host only), `"never"` fails with a clear error.
   * Default `"upload"`.
   */
  installDeno?: "upload" | "never";
  /** Creates the sandbox. Default: `Sandbox.create` of npm:e2b; inject one for tests or proxies. */
  createSandbox?: E2BSandboxFactory;
}

/**
 * Runs code in an E2B sandbox; tools still run on the host.
 *
 * @example Construct one (no sandbox is created until the first execute)
 * ```ts
 * import { E2BExecutor } from "@smoldeno/agents/executors/e2b";
 *
 * const executor = new E2BExecutor({
 *   apiKey: "e2b_example_key",
 *   template: "my-deno-template",
 *   timeoutMs: 10_000,
 * });
 * console.log(executor.template); // "my-deno-template"
 * await executor.close();
 * ```
 *
 * @example Run steps in E2B (needs E2B_API_KEY and network access to E2B)
 * ```ts ignore
 * import { E2BExecutor } from "@smoldeno/agents/executors/e2b";
 *
 * await using executor = new E2BExecutor();
 * await executor.execute("const xs = [1, 2, 3];");
 * console.log((await executor.execute("xs.length")).output); // 3
 * ```
 */
export class E2BExecutor implements Executor {
  /** The E2B template the sandbox is created from. */
  readonly template: string;
  #core: SessionExecutor;
  #sandbox?: Promise<{ sandbox: E2BSandbox; deno: string; dir: string }>;

  /**
   * Checks the options; creates no sandbox until the first call.
   *
   * @throws {TypeError} for malformed options or a missing API key.
   * @throws {RangeError} for out-of-range limits.
   */
  constructor(options: E2BExecutorOptions = {}) {
    const template = options.template ?? "base";
    if (typeof template !== "string" || template === "") {
      throw new TypeError(`Invalid template ${JSON.stringify(template)}: expected a template name`);
    }
    this.template = template;
    const apiKey = options.apiKey ?? readEnv("E2B_API_KEY");
    if (!options.createSandbox && !apiKey) {
      throw new TypeError(
        "Cannot create E2BExecutor: no E2B API key: pass apiKey or set the E2B_API_KEY environment variable",
      );
    }
    const installDeno = options.installDeno ?? "upload";
    if (installDeno !== "upload" && installDeno !== "never") {
      throw new TypeError(
        `Invalid installDeno ${JSON.stringify(installDeno)}: expected "upload" or "never"`,
      );
    }
    const sandboxTimeoutMs = checkNumber(
      "sandboxTimeoutMs",
      options.sandboxTimeoutMs ?? 600_000,
      1_000,
      86_400_000,
    );
    const memoryLimitMb = checkNumber("memoryLimitMb", options.memoryLimitMb ?? 512, 16, 65536);
    const startupTimeoutMs = checkNumber(
      "startupTimeoutMs",
      options.startupTimeoutMs ?? 120_000,
      1,
      2 ** 31 - 1,
    );
    const permissions = checkPermissions(options.permissions);
    const imports = (options.authorizedImports ?? []).map(parseImportPattern);
    const create = options.createSandbox ?? createE2BSandbox;
    // Validates permissions now; paths are filled in per sandbox.
    buildSandboxCommand({ permissions, memoryLimitMb, runnerPath: "runner.js" });

    const sandbox = () =>
      this.#sandbox ??= (async () => {
        const sandbox = await create(template, {
          apiKey,
          timeoutMs: sandboxTimeoutMs,
          allowInternetAccess: options.allowInternetAccess ?? false,
          metadata: { "smoldeno.executor": "1" },
        });
        try {
          const deno = await findOrInstallDeno(
            sandbox,
            options.denoPath,
            installDeno,
            startupTimeoutMs,
          );
          const dir = `/tmp/smoldeno-${crypto.randomUUID()}`;
          // Deno writes to DENO_DIR without any permission (Cache API and
          // localStorage data, a cache entry per loaded module). A file where
          // it expects a directory and a directory where it expects a database
          // make each fail quietly, so nothing piles up on the VM's disk.
          const q = (path: string) => shellQuote(`${dir}/${path}`);
          await sandbox.commands.run(
            `mkdir -p ${q("work")} ${q("deno_dir/dep_analysis_cache_v2")} ` +
              `${q("deno_dir/node_analysis_cache_v2")} ${q("deno_dir/v8_code_cache_v2")} && ` +
              `: > ${q("deno_dir/location_data")} && : > ${q("deno_dir/gen")}`,
          );
          return { sandbox, deno, dir };
        } catch (error) {
          await sandbox.kill().catch(() => false);
          throw error;
        }
      })().catch((error) => {
        this.#sandbox = undefined; // the next execute tries again
        throw error;
      });

    this.#core = new SessionExecutor({
      executorName: "E2BExecutor",
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
      launch: async () => {
        const { sandbox: box, deno, dir } = await sandbox();
        // Rewritten before every start, like DenoExecutor does: a runner granted
        // write access must not plant a different runner for its successor.
        await box.files.write(`${dir}/runner.js`, runnerSource());
        const command = buildSandboxCommand({
          permissions,
          memoryLimitMb,
          authorizedImports: imports.map((i) => i.source),
          runnerPath: `${dir}/runner.js`,
          denoDir: `${dir}/deno_dir`,
        });
        const process = await startE2BProcess(box, {
          deno,
          args: command.args,
          env: command.env,
          cwd: `${dir}/work`,
        });
        return {
          process,
          dispose: async () => {
            process.kill();
            await process.exited;
          },
        };
      },
      shutdown: async () => {
        const started = await this.#sandbox?.catch(() => undefined);
        await started?.sandbox.kill().catch(() => false);
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

  /** Same as {@linkcode E2BExecutor.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name) || undefined;
  } catch {
    return undefined; // no env permission: the caller must pass the value
  }
}

async function findOrInstallDeno(
  sandbox: E2BSandbox,
  denoPath: string | undefined,
  installDeno: "upload" | "never",
  uploadTimeoutMs: number,
): Promise<string> {
  const probe = denoPath
    ? `${shellQuote(denoPath)} --version >/dev/null && echo ${shellQuote(denoPath)}`
    : 'command -v deno || { test -x "$HOME/.deno/bin/deno" && echo "$HOME/.deno/bin/deno"; }';
  const found = await sandbox.commands.run(`${probe} || true`);
  const path = found.stdout.trim().split("\n").pop();
  if (path) return path;
  if (installDeno === "never" || denoPath) {
    throw new Error(
      `Cannot find Deno in the E2B sandbox${
        denoPath ? ` at "${denoPath}"` : ""
      }: use a template with Deno installed, or installDeno: "upload"`,
    );
  }
  if (Deno.build.os !== "linux" || Deno.build.arch !== "x86_64") {
    throw new Error(
      `Cannot install Deno in the E2B sandbox: the host's Deno is for ${Deno.build.os}/${Deno.build.arch}, not linux/x86_64; use a template with Deno installed`,
    );
  }
  const target = "/tmp/smoldeno-bin/deno";
  // ~100 MB: compressed, and with the startup budget instead of the SDK's 60 s.
  await sandbox.files.write(target, new Blob([await Deno.readFile(Deno.execPath())]), {
    requestTimeoutMs: uploadTimeoutMs,
    gzip: true,
  });
  await sandbox.commands.run(`chmod 755 ${target}`);
  return target;
}
