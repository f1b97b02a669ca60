/**
 * `DockerExecutor`: runs the model's code in a hardened Docker container,
 * with the same runner and protocol as `DenoExecutor`, so tools, managed
 * agents and MCP sessions stay on the host.
 *
 * Why the `docker` CLI and not the Engine API over `/var/run/docker.sock`:
 * the channel to the runner is the container's stdio, and attaching stdio
 * through the Engine API needs a hijacked (upgraded) HTTP connection, which
 * `fetch` cannot do; `docker run -i` does it, honours `DOCKER_HOST`, contexts
 * and TLS settings as users expect, and adds no npm dependency (dockerode and
 * its ssh2/tar-fs tree would be the alternative). Only lifecycle operations
 * (run, kill, inspect, rm) spawn the CLI; a step costs no CLI call. The
 * runner is passed as a `data:` URL argument rather than a bind-mounted
 * file, so an engine on another machine (`dockerHost: "ssh://…"`) needs no
 * shared file system for it (only `mounts` and `authorizedImports` do; this
 * was tested with a local engine only) and nothing on the host can be
 * swapped under it.
 *
 * Lifecycle: one container per executor, started on the first `execute`,
 * named `smoldeno-<uuid>` and labelled `smoldeno.executor=1`,
 * `smoldeno.host-pid`, `smoldeno.hostname`, `smoldeno.created`. `close()`
 * removes it. If the host process dies, the runner sees its stdin close (the
 * CLI's attach ends) and SIGKILLs itself, so the container stops at once
 * (under a second in the tests); the first container a later process
 * starts on the same engine sweeps such stopped containers first (as
 * `DockerExecutor.cleanupStale()` does, by their labels). Containers are not
 * started with `--rm` because the host inspects a stopped container to tell
 * an OOM kill (kind `memory`) from its own `docker kill`. A container that
 * could not be removed because the engine stopped answering is removed at
 * the next start or `close()` once it answers again.
 *
 * @module
 */

import type { CodeOutput, ExecuteOptions, Executor } from "../src/executor.ts";
import type { Tool } from "../src/tool.ts";
import { checkNumber } from "./session/_checks.ts";
import { docker, type DockerCliOptions } from "./docker/_cli.ts";
import {
  cleanupStale,
  type CleanupStaleOptions,
  type ContainerSettings,
  DockerContainer,
  type DockerMount,
  removeContainers,
  RESERVED_PATHS,
  runnerDataUrl,
} from "./docker/_container.ts";
import { buildLocalImage, type BuildLocalImageOptions } from "./docker/_image.ts";
import { CONTAINER_CACHE_DIR, prepareImportCache } from "./docker/_import_cache.ts";
import { cacheableImports, parseImportPattern } from "./session/_imports.ts";
import {
  buildSandboxCommand,
  checkPermissions,
  type DenoPermissions,
} from "./session/_permissions.ts";
import { runnerSource } from "./sandbox/_runner.ts";
import { SessionExecutor, startError } from "./session/_session_executor.ts";

export type { BuildLocalImageOptions, CleanupStaleOptions, DockerCliOptions, DockerMount };
export type { DenoPermissions, PermissionValue } from "./session/_permissions.ts";

/**
 * The default image: the official distroless Deno image of the version this
 * package is tested with (Deno at `/bin/deno`). Where no registry is
 * reachable, pass `image: await DockerExecutor.buildLocalImage()` instead.
 */
export const DEFAULT_DOCKER_IMAGE = "denoland/deno:distroless-2.9.6";

const UNWRITABLE_DENO_DIR = "/nonexistent/deno";

/** Threads one Worker costs the sandbox: its own, and its runtime's I/O thread. */
const THREADS_PER_WORKER = 2;

/**
 * Threads (PIDs) the runner keeps for itself beside the code's Workers: the
 * init process, Deno's main thread, V8's task pool (one per CPU) and the
 * channel Worker, 6-7 in all when idle on 2 cores, plus Deno's I/O pool,
 * which grows with the async operations in flight (measured: 20 threads for
 * 50 concurrent `crypto.subtle.digest` calls, 38 for 3 000). Half the limit,
 * and never less than 16 plus the CPU count.
 */
function runtimeThreads(pidsLimit: number): number {
  return Math.max(16 + (navigator.hardwareConcurrency || 1), Math.ceil(pidsLimit / 2));
}

/**
 * How many Workers sandboxed code may run at once in a container limited to
 * `pidsLimit` processes/threads, leaving Deno's own threads room to start
 * (when one of them cannot, Deno aborts the whole sandbox): at most a
 * quarter of the limit. `DockerExecutor`'s default and largest `maxWorkers`.
 *
 * @example The Worker budget of the default 64-PID container
 * ```ts
 * import { dockerWorkerBudget } from "@smoldeno/agents/executors/docker";
 *
 * console.log(dockerWorkerBudget(64)); // 16
 * ```
 */
export function dockerWorkerBudget(pidsLimit: number): number {
  return Math.max(0, Math.floor((pidsLimit - runtimeThreads(pidsLimit)) / THREADS_PER_WORKER));
}

/** Options of {@linkcode DockerExecutor}. */
export interface DockerExecutorOptions extends DockerCliOptions {
  /**
   * Image with Deno at `/bin/deno`. Default {@linkcode DEFAULT_DOCKER_IMAGE};
   * {@linkcode DockerExecutor.buildLocalImage} builds one from the host's Deno.
   */
  image?: string;
  /** Container memory limit (cgroup, swap included), in MB. Default 512. */
  memoryLimitMb?: number;
  /** CPU share (`--cpus`). Default 1. */
  cpus?: number;
  /**
   * Process/thread limit of the container (`--pids-limit`), the kernel's
   * backstop against Worker and process bombs. Default 64.
   */
  pidsLimit?: number;
  /**
   * Cap on the Workers the code runs at once; past it `new Worker()` throws
   * a catchable `Deno.errors.WouldBlock` and the sandbox keeps its state.
   * Each Worker takes about two threads of `pidsLimit`, and Deno aborts the
   * whole sandbox when one of its own threads cannot start, so the cap keeps
   * room for them. Default and maximum: {@linkcode dockerWorkerBudget} of
   * `pidsLimit` (16 for the default 64).
   */
  maxWorkers?: number;
  /**
   * Time limit of one `execute`, in ms; the container is killed past it.
   * Default 30 000. Like DenoExecutor's: wall time while no host tool call is
   * in flight; while one is, only the container's CPU time counts (read from
   * its cgroup when the engine runs on this Linux machine; with a remote
   * engine, wall time counts during tool calls too).
   */
  timeoutMs?: number;
  /** How long starting a container may take (an image pull included). Default 60 000. */
  startupTimeoutMs?: number;
  /**
   * Docker network (`--network`). Default `"none"`: no interface but
   * loopback. To let the code reach a host, grant `permissions.net` and
   * choose a network that routes there.
   */
  network?: string;
  /** Deno permissions of the code inside the container (as for DenoExecutor). Default: none. */
  permissions?: DenoPermissions;
  /**
   * Modules the code may import (`"npm:lodash@4"`, `"node:*"`). Packages are
   * downloaded once by the host's Deno into a private cache that the
   * container mounts read-only (so the engine must share the host's file
   * system); the container itself never downloads. Default: none.
   */
  authorizedImports?: readonly string[];
  /** The host's deno, used to download `authorizedImports`. Default: the running one. */
  denoPath?: string;
  /** Host paths made visible in the container, read-only unless `readOnly: false`. */
  mounts?: readonly DockerMount[];
  /**
   * Environment variables of the container. Nothing from the host is passed
   * unless listed here; the code reads them only with `permissions.env`.
   */
  env?: Readonly<Record<string, string>>;
  /** Size of the `/tmp` tmpfs (scratch space for code granted `write`), in MB. Default 64. */
  tmpfsSizeMb?: number;
  /** Container user (`uid:gid`). Default `"65534:65534"` (nobody); never root. */
  user?: string;
  /**
   * OCI runtime of the container (`--runtime`). Containers share the host's
   * kernel; `"runsc"` (gVisor, installed on the engine) adds a user-space
   * kernel in between. Default: the engine's default runtime.
   */
  runtime?: string;
  /** Cap on the logs of one step, in characters. Default 50 000. */
  maxOutputLength?: number;
}

/**
 * Runs code in a Docker container hardened by default: no network, all
 * capabilities dropped, `no-new-privileges`, read-only root filesystem with a
 * small `/tmp` tmpfs, user 65534, PID, memory (no swap), CPU and file-size
 * limits, and `--init`. Same step semantics as `DenoExecutor`.
 *
 * @example Construct one (nothing starts until the first execute)
 * ```ts
 * import { DockerExecutor } from "@smoldeno/agents/executors/docker";
 *
 * const executor = new DockerExecutor({
 *   image: "smoldeno-deno:local", // e.g. from DockerExecutor.buildLocalImage()
 *   memoryLimitMb: 256,
 *   timeoutMs: 10_000,
 * });
 * console.log(executor.image); // "smoldeno-deno:local"
 * await executor.close();
 * ```
 *
 * @example Run steps in a container built from the host's Deno (needs a Docker engine)
 * ```ts ignore
 * import { DockerExecutor } from "@smoldeno/agents/executors/docker";
 *
 * const image = await DockerExecutor.buildLocalImage();
 * await using executor = new DockerExecutor({ image });
 * await executor.execute("const xs = [1, 2, 3];");
 * console.log((await executor.execute("xs.length")).output); // 3
 * ```
 */
export class DockerExecutor implements Executor {
  /** The image the container runs. */
  readonly image: string;
  #settings: ContainerSettings;
  #args: string[];
  #core: SessionExecutor;
  #container?: DockerContainer;
  #cache?: { dir: string; denoDir: string };
  /** Containers whose removal failed (the engine did not answer): retried. */
  #leftBehind: string[] = [];

  /**
   * Checks the options; starts nothing until the first call.
   *
   * @throws {TypeError} for malformed options (permissions, mounts, env, image).
   * @throws {RangeError} for out-of-range limits.
   */
  constructor(options: DockerExecutorOptions = {}) {
    const image = options.image ?? DEFAULT_DOCKER_IMAGE;
    if (typeof image !== "string" || !/^[\w][\w.\-/:@]*$/.test(image)) {
      throw new TypeError(`Invalid image ${JSON.stringify(image)}: expected an image reference`);
    }
    this.image = image;
    const memoryLimitMb = checkNumber("memoryLimitMb", options.memoryLimitMb ?? 512, 64, 1 << 20);
    const permissions = checkPermissions(options.permissions);
    const imports = (options.authorizedImports ?? []).map(parseImportPattern);
    const cached = cacheableImports(imports);
    if (options.denoPath !== undefined && typeof options.denoPath !== "string") {
      throw new TypeError(`Invalid denoPath: expected a string, got ${typeof options.denoPath}`);
    }
    const user = options.user ?? "65534:65534";
    if (!/^[1-9]\d*(:\d+)?$/.test(user)) {
      throw new TypeError(
        `Invalid user ${JSON.stringify(user)}: expected "uid" or "uid:gid" with a non-zero uid`,
      );
    }
    const network = options.network ?? "none";
    if (!/^[\w][\w.\-]*$/.test(network)) {
      throw new TypeError(`Invalid network ${JSON.stringify(network)}: expected a network name`);
    }
    const runtime = options.runtime;
    if (runtime !== undefined && !/^[\w][\w.\-]*$/.test(runtime)) {
      throw new TypeError(`Invalid runtime ${JSON.stringify(runtime)}: expected a runtime name`);
    }
    const env = checkEnv(options.env ?? {});
    const pidsLimit = Math.floor(checkNumber("pidsLimit", options.pidsLimit ?? 64, 16, 1 << 20));
    const budget = dockerWorkerBudget(pidsLimit);
    let maxWorkers = budget;
    if (options.maxWorkers !== undefined) {
      maxWorkers = Math.floor(checkNumber("maxWorkers", options.maxWorkers, 0, 1 << 20));
      if (maxWorkers > budget) {
        throw new RangeError(
          `Invalid maxWorkers: ${maxWorkers} Workers do not fit pidsLimit ${pidsLimit}, which ` +
            `leaves room for ${budget} (each Worker takes about ${THREADS_PER_WORKER} threads, and ` +
            `Deno keeps ${
              runtimeThreads(pidsLimit)
            } for its own); raise pidsLimit or lower maxWorkers`,
        );
      }
    }
    this.#settings = {
      dockerPath: options.dockerPath,
      dockerHost: options.dockerHost,
      image,
      memoryLimitMb: Math.floor(memoryLimitMb),
      cpus: checkNumber("cpus", options.cpus ?? 1, 0.01, 1024),
      pidsLimit,
      network,
      tmpfsSizeMb: Math.floor(checkNumber("tmpfsSizeMb", options.tmpfsSizeMb ?? 64, 8, 1 << 20)),
      user,
      runtime,
      mounts: checkMounts(options.mounts ?? []),
      env: {},
    };
    // The V8 heap cap stays below the container limit so a heap bomb fails
    // with V8's clean "out of memory" before the kernel's OOM killer.
    const command = buildSandboxCommand({
      permissions,
      memoryLimitMb: Math.max(32, Math.floor(memoryLimitMb * 0.75)),
      authorizedImports: imports.map((i) => i.source),
      runnerPath: runnerDataUrl(runnerSource()),
      // Deno writes to DENO_DIR without any permission (Cache API,
      // localStorage, module caches). A directory that cannot be created on
      // the read-only root makes each of these fail or fall back to memory,
      // so nothing fills the disk or outlives a step's data.
      denoDir: cached.length ? CONTAINER_CACHE_DIR : UNWRITABLE_DENO_DIR,
      // On a network that routes to the host, a service bound to 0.0.0.0 is
      // reachable through the host's own addresses: deny them like DenoExecutor.
      hostAddresses: network !== "none" && permissions.net === true ? hostAddresses() : [],
    });
    this.#args = command.args;
    this.#settings.env = { ...command.env, ...env };
    this.#core = new SessionExecutor({
      executorName: "DockerExecutor",
      wrapLaunchErrors: true,
      timeoutMs: checkNumber("timeoutMs", options.timeoutMs ?? 30_000, 1, 2 ** 31 - 1),
      startupTimeoutMs: checkNumber(
        "startupTimeoutMs",
        options.startupTimeoutMs ?? 60_000,
        1,
        2 ** 31 - 1,
      ),
      maxOutputLength: checkNumber(
        "maxOutputLength",
        options.maxOutputLength ?? 50_000,
        100,
        100_000_000,
      ),
      imports,
      maxWorkers,
      launch: async () => {
        if (cached.length && !this.#cache) {
          this.#cache = await prepareImportCache(cached, options.denoPath ?? Deno.execPath());
          this.#settings.mounts = [...this.#settings.mounts, {
            hostPath: this.#cache.denoDir,
            containerPath: CONTAINER_CACHE_DIR,
            readOnly: true,
          }];
        }
        await sweepOnce(this.#settings);
        this.#leftBehind = await removeContainers(this.#leftBehind, this.#settings);
        let container: DockerContainer;
        try {
          container = DockerContainer.start(this.#settings, { args: this.#args });
        } catch (error) {
          if (!(error instanceof Deno.errors.NotFound)) throw error;
          throw startError(
            "DockerExecutor",
            `the Docker CLI "${
              this.#settings.dockerPath ?? "docker"
            }" is not installed or not on PATH (install docker.io, or pass dockerPath)`,
            error,
          );
        }
        this.#container = container;
        return {
          process: container,
          attach: (session) => {
            // So timeoutMs can leave out host tool time (the container is running now).
            container.watchCpu();
            container.onOomKilled = () =>
              session.killForMemory(
                `The container was killed for exceeding its memory limit of ${this.#settings.memoryLimitMb} MB (memoryLimitMb)`,
              );
          },
          dispose: async () => {
            await container.remove();
            if (container.leftBehind) this.#leftBehind.push(container.name);
          },
        };
      },
      shutdown: async () => {
        this.#leftBehind = await removeContainers(this.#leftBehind, this.#settings);
        if (this.#cache) await Deno.remove(this.#cache.dir, { recursive: true }).catch(() => {});
      },
    });
  }

  /** Name of the running container, if one is running (for diagnostics). */
  get containerName(): string | undefined {
    return this.#core.running ? this.#container?.name : undefined;
  }

  /**
   * Starts the container now instead of at the first `execute` (idempotent;
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

  /** Runs one step of TypeScript in the container. */
  execute(code: string, options?: ExecuteOptions): Promise<CodeOutput> {
    return this.#core.execute(code, options);
  }

  /** Kills and removes the container. Idempotent. */
  close(): Promise<void> {
    return this.#core.close();
  }

  /** Same as {@linkcode DockerExecutor.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Builds (once per Deno binary) a minimal image from the host's own Deno
   * and its shared libraries, without any registry, and returns its
   * reference (`smoldeno-deno:<version>-<content hash>`).
   */
  static buildLocalImage(options?: BuildLocalImageOptions): Promise<string> {
    return buildLocalImage(options);
  }

  /**
   * Removes executor containers left behind by host processes that are gone
   * (or older than `maxAgeMs`). Returns the removed containers' names.
   */
  static cleanupStale(options?: CleanupStaleOptions): Promise<string[]> {
    return cleanupStale(options);
  }

  /** True when a Docker engine answers (`docker version` succeeds). */
  static async engineAvailable(options: DockerCliOptions = {}): Promise<boolean> {
    try {
      const result = await docker(["version", "--format", "{{.Server.Version}}"], options);
      return result.code === 0;
    } catch {
      return false;
    }
  }
}

/** Engines (by CLI and host) this process has swept for stale containers. */
const swept = new Map<string, Promise<void>>();

/**
 * Removes, once per process and engine, the containers that host processes
 * which died without `close()` left behind (SIGKILL, a power cut), before
 * this process starts its first container there. An engine that does not
 * answer is not an error here: the start that follows reports it.
 */
function sweepOnce(options: DockerCliOptions): Promise<void> {
  const key = `${options.dockerPath ?? "docker"}\0${options.dockerHost ?? ""}`;
  let sweep = swept.get(key);
  if (!sweep) {
    sweep = cleanupStale({ dockerPath: options.dockerPath, dockerHost: options.dockerHost })
      .then(() => {}, () => {
        swept.delete(key);
      });
    swept.set(key, sweep);
  }
  return sweep;
}

function checkEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  if (env === null || typeof env !== "object") {
    throw new TypeError(`Invalid env: expected an object of strings, got ${JSON.stringify(env)}`);
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) || typeof value !== "string") {
      throw new TypeError(
        `Invalid env entry ${JSON.stringify(key)}: expected a variable name and a string value`,
      );
    }
    out[key] = value;
  }
  return out;
}

function checkMounts(mounts: readonly DockerMount[]): DockerMount[] {
  if (!Array.isArray(mounts)) {
    throw new TypeError(`Invalid mounts: expected an array, got ${JSON.stringify(mounts)}`);
  }
  return mounts.map((m) => {
    for (const key of ["hostPath", "containerPath"] as const) {
      const path = m?.[key];
      // --mount values are CSV: a comma or quote would inject mount options.
      if (typeof path !== "string" || !path.startsWith("/") || /[,"\n]/.test(path)) {
        throw new TypeError(
          `Invalid mount ${key} ${
            JSON.stringify(path)
          }: expected an absolute path without commas or quotes`,
        );
      }
    }
    const reserved = RESERVED_PATHS.find((r) =>
      m.containerPath === r || m.containerPath.startsWith(`${r}/`)
    );
    if (reserved || m.containerPath === "/") {
      throw new TypeError(
        `Invalid mount containerPath "${m.containerPath}": ${
          reserved ?? "/"
        } is reserved for the sandbox itself`,
      );
    }
    return { hostPath: m.hostPath, containerPath: m.containerPath, readOnly: m.readOnly !== false };
  });
}

function hostAddresses(): string[] {
  try {
    return Deno.networkInterfaces().map((i) => i.address);
  } catch {
    return []; // no sys permission: the private ranges are denied anyway
  }
}
