// One hardened container running the sandbox runner. The channel is the
// container's stdio through `docker run -i` (the same authenticated frames as
// the Deno subprocess, see _protocol.ts): no port is published and no network
// is needed. The runner travels in the command line as a `data:` URL, so
// nothing is bind-mounted for it: remote engines (DOCKER_HOST=ssh://…) work,
// the code cannot replace it, and a crashed host leaves no files behind.

import { docker, type DockerCliOptions, dockerCommand } from "./_cli.ts";
import { removeDeadCacheDirs } from "./_import_cache.ts";
import type { ProcessExit, SandboxProcess } from "../session/_session.ts";

/** Container paths reserved by the executor (mounts may not target them). */
export const RESERVED_PATHS: readonly string[] = ["/tmp", "/bin", "/proc", "/dev", "/deno-cache"];
const KILL_ATTEMPTS = 50;
const KILL_RETRY_MS = 200;
// Linux caps one argv string at 128 KiB (MAX_ARG_STRLEN).
const MAX_RUNNER_URL = 120 * 1024;
/** Label set on every container so `cleanupStale()` can find them. */
export const EXECUTOR_LABEL = "smoldeno.executor";

/** A host path made visible in the container. */
export interface DockerMount {
  /** Absolute path on the host. */
  hostPath: string;
  /** Absolute path in the container. */
  containerPath: string;
  /** Mount read-only. Default `true`: writes must be asked for. */
  readOnly?: boolean;
}

/** The container limits and isolation settings (already validated). */
export interface ContainerSettings extends DockerCliOptions {
  image: string;
  memoryLimitMb: number;
  cpus: number;
  pidsLimit: number;
  network: string;
  tmpfsSizeMb: number;
  user: string;
  /** OCI runtime (`--runtime`), e.g. gVisor's `runsc`; the engine's default when absent. */
  runtime?: string;
  mounts: readonly DockerMount[];
  env: Readonly<Record<string, string>>;
}

/** What to run inside the container. */
export interface ContainerLaunch {
  /** Arguments after `deno` (the runner given as {@linkcode runnerDataUrl}). */
  args: string[];
}

/** The runner's source as a `data:` URL for `deno run`. */
export function runnerDataUrl(source: string): string {
  const bytes = new TextEncoder().encode(source);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  const url = `data:text/javascript;base64,${btoa(binary)}`;
  if (url.length > MAX_RUNNER_URL) {
    throw new RangeError(
      `Cannot pass the runner to the container: its data: URL has ${url.length} characters, over the ${MAX_RUNNER_URL} a command-line argument can hold`,
    );
  }
  return url;
}

/** Builds the hardened `docker run` arguments (SECURITY-NOTES §6.1), before the command. */
export function dockerRunArgs(
  settings: ContainerSettings,
  name: string,
  labels: Record<string, string>,
): string[] {
  const memory = `${settings.memoryLimitMb}m`;
  const args = [
    "run",
    "-i", // stdio is the channel; stdin closing (host gone) makes the runner exit
    "--name",
    name,
    "--init", // a real PID 1 reaps and forwards signals, so no orphan survives
    "--network",
    settings.network,
    "--cap-drop",
    "ALL",
    "--security-opt",
    "no-new-privileges",
    "--read-only",
    "--tmpfs",
    `/tmp:rw,nosuid,nodev,noexec,size=${settings.tmpfsSizeMb}m,mode=1777`,
    "--pids-limit",
    String(settings.pidsLimit),
    "--memory",
    memory,
    "--memory-swap",
    memory, // equal to --memory: no swap, so the cap is a hard one
    "--cpus",
    String(settings.cpus),
    "--ulimit",
    "nofile=256:256",
    "--ulimit",
    // Twice the tmpfs: filling /tmp ends in a catchable ENOSPC, while one
    // huge file on a writable mount still meets a cap (SIGXFSZ).
    `fsize=${2 * settings.tmpfsSizeMb * 1024 * 1024}`,
    "--user",
    settings.user,
    "--workdir",
    "/tmp",
    "--entrypoint",
    "/bin/deno",
  ];
  // Names only: the values reach the CLI through its environment (see dockerCommand).
  for (const key of Object.keys(settings.env)) args.push("-e", key);
  for (const m of settings.mounts) {
    args.push(
      "--mount",
      `type=bind,source=${m.hostPath},target=${m.containerPath}${
        m.readOnly === false ? "" : ",readonly"
      }`,
    );
  }
  for (const [key, value] of Object.entries(labels)) args.push("--label", `${key}=${value}`);
  if (settings.runtime) args.push("--runtime", settings.runtime);
  args.push(settings.image);
  return args;
}

/** A running container seen as a sandbox process: its stdio is the runner's channel. */
export class DockerContainer implements SandboxProcess {
  /** The runner's stdin, through `docker run -i`. */
  readonly stdin: WritableStream<Uint8Array>;
  /** The runner's stdout (frames and untrusted output). */
  readonly stdout: ReadableStream<Uint8Array>;
  /** The runner's stderr (untrusted output). */
  readonly stderr: ReadableStream<Uint8Array>;
  /** Settles once the container has stopped (and was inspected for an OOM kill). */
  readonly exited: Promise<ProcessExit>;
  /** The container's name (`smoldeno-<uuid>`). */
  readonly name: string;
  /** Called before `exited` settles when the kernel OOM-killed the container. */
  onOomKilled?: () => void;
  /** True once the container was found OOM-killed. */
  oomKilled = false;
  readonly #settings: ContainerSettings;
  readonly #stdinWriter: WritableStreamDefaultWriter<Uint8Array>;
  #killing?: Promise<void>;
  readonly #child: Deno.ChildProcess;
  readonly #cliStatus: Promise<unknown>;
  #cliDone = false;
  #removed?: Promise<void>;
  // A program that ends without close(): the runner exits once the CLI's
  // stdin closes, and this removes the stopped container on the way out.
  readonly #onUnload = () => {
    try {
      dockerCommand(["rm", "--force", this.name], this.#settings, {
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn().unref();
    } catch {
      // No CLI to run: DockerExecutor.cleanupStale() removes it later.
    }
  };

  private constructor(child: Deno.ChildProcess, name: string, settings: ContainerSettings) {
    // Like DenoExecutor's child: an idle container must not keep the host
    // program alive (RunnerSession holds the loop while the host waits on it).
    child.unref();
    // Our own writer on the CLI's stdin, so remove() can close the pipe even
    // though the session holds a writer on the stream we expose.
    const writer = child.stdin.getWriter();
    this.#stdinWriter = writer;
    this.stdin = new WritableStream<Uint8Array>({
      write: (chunk) => writer.write(chunk),
      close: () => writer.close(),
      abort: (reason) => writer.abort(reason),
    });
    this.stdout = child.stdout;
    this.stderr = child.stderr;
    this.name = name;
    this.#settings = settings;
    this.#child = child;
    this.#cliStatus = child.status.finally(() => this.#cliDone = true);
    addEventListener("unload", this.#onUnload);
    this.exited = (async (): Promise<ProcessExit> => {
      const status = await child.status;
      const exit = await inspectExit(name, status.code, settings);
      if (exit.oom) {
        this.oomKilled = true;
        this.onOomKilled?.();
      }
      return { code: exit.code, signal: null, reason: exit.engineLost };
    })();
  }

  /**
   * Starts `docker run -i` for the runner. The container's stdio is the
   * channel, so it is ready as soon as the CLI runs; the session's startup
   * timeout covers an image that never starts.
   */
  static start(settings: ContainerSettings, launch: ContainerLaunch): DockerContainer {
    const name = `smoldeno-${crypto.randomUUID()}`;
    const labels = {
      [EXECUTOR_LABEL]: "1",
      "smoldeno.host-pid": String(Deno.pid),
      "smoldeno.hostname": Deno.hostname(),
      "smoldeno.created": new Date().toISOString(),
    };
    const child = dockerCommand(
      [...dockerRunArgs(settings, name, labels), ...launch.args],
      settings,
      { stdin: "piped", stdout: "piped", stderr: "piped" },
      settings.env,
    ).spawn();
    return new DockerContainer(child, name, settings);
  }

  #cpuFile?: { path: string; v2: boolean };
  #cpuWatch?: Promise<void>;

  /**
   * The container's CPU time so far, in ms, from its cgroup (all its
   * processes), once {@linkcode DockerContainer.watchCpu} found it; undefined
   * otherwise (a remote engine, an unknown cgroup layout). Lets timeoutMs
   * leave out host tool time (see _step_clock.ts).
   */
  cpuMs(): number | undefined {
    if (!this.#cpuFile) return undefined;
    try {
      const text = Deno.readTextFileSync(this.#cpuFile.path);
      if (!this.#cpuFile.v2) return Number(text.trim()) / 1e6; // cpuacct.usage: ns
      const m = /^usage_usec (\d+)/m.exec(text);
      return m ? Number(m[1]) / 1000 : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Finds the running container's cgroup CPU counter on this machine (cgroup
   * v2 or v1). Does nothing when the engine runs elsewhere: the cgroup path
   * must name this container's id.
   */
  watchCpu(): Promise<void> {
    this.#cpuWatch ??= this.#findCpuFile();
    return this.#cpuWatch;
  }

  async #findCpuFile(): Promise<void> {
    if (Deno.build.os !== "linux") return;
    try {
      const out = await docker(
        ["inspect", "--format", "{{.Id}} {{.State.Pid}}", this.name],
        this.#settings,
      );
      const [id, pid] = out.stdout.trim().split(" ");
      if (out.code !== 0 || !/^[0-9a-f]{64}$/.test(id ?? "") || !(Number(pid) > 0)) return;
      const lines = (await Deno.readTextFile(`/proc/${Number(pid)}/cgroup`)).split("\n");
      const candidates: { path: string; v2: boolean }[] = [];
      for (const line of lines) {
        const [, controllers, path] = line.split(":");
        if (path === undefined || !path.includes(id)) continue;
        if (controllers === "") {
          candidates.push({ path: `/sys/fs/cgroup${path}/cpu.stat`, v2: true });
        }
        if (controllers.split(",").includes("cpuacct")) {
          for (const mount of ["cpuacct", "cpu,cpuacct", "cpuacct,cpu"]) {
            candidates.push({ path: `/sys/fs/cgroup/${mount}${path}/cpuacct.usage`, v2: false });
          }
        }
      }
      for (const c of candidates) {
        this.#cpuFile = c;
        if (this.cpuMs() !== undefined) return;
      }
      this.#cpuFile = undefined;
    } catch {
      this.#cpuFile = undefined; // No access to /proc or the engine: wall time then.
    }
  }

  /** SIGKILLs the container (`docker kill`): unlike SIGTERM, code cannot trap it. */
  kill(): void {
    this.#killing ??= this.#kill();
  }

  // `docker kill` fails while `docker run` is still creating the container,
  // so retry until the CLI exits; as a last resort end the CLI itself, which
  // closes the runner's stdin and makes it exit.
  async #kill(): Promise<void> {
    for (let attempt = 0; attempt < KILL_ATTEMPTS && !this.#cliDone; attempt++) {
      await docker(["kill", this.name], this.#settings).catch(() => {});
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.#cliStatus,
        new Promise((resolve) => timer = setTimeout(resolve, KILL_RETRY_MS)),
      ]);
      clearTimeout(timer);
    }
    if (!this.#cliDone) {
      try {
        this.#child.kill("SIGKILL");
      } catch { /* already gone */ }
    }
  }

  /**
   * True when {@linkcode DockerContainer.remove} could not reach the engine
   * to remove the container: it may still exist, and the executor tries
   * again once the engine answers.
   */
  leftBehind = false;

  /** Kills and removes the container. Idempotent. */
  remove(): Promise<void> {
    this.#removed ??= (async () => {
      removeEventListener("unload", this.#onUnload);
      this.kill();
      await this.#killing;
      await this.#cpuWatch;
      await this.exited.catch(() => {});
      await this.#stdinWriter.close().catch(() => {});
      this.leftBehind = (await removeContainers([this.name], this.#settings)).length > 0;
    })();
    return this.#removed;
  }
}

/**
 * Runs `docker rm --force` on the containers and returns those it may have
 * left: the CLI failed for another reason than "no such container" (the
 * engine did not answer, most often).
 */
export async function removeContainers(
  names: readonly string[],
  settings: DockerCliOptions,
): Promise<string[]> {
  if (names.length === 0) return [];
  const result = await docker(["rm", "--force", ...names], settings).catch((e: Error) => ({
    code: -1,
    stdout: "",
    stderr: e.message,
  }));
  if (result.code === 0) return [];
  const gone = new Set(result.stdout.split("\n").map((l) => l.trim()).filter(Boolean));
  return names.filter((n) =>
    !gone.has(n) && !new RegExp(`no such container: ${n}`, "i").test(result.stderr)
  );
}

/** The first line of the CLI's own message, without its log prefix. */
function cliMessage(stderr: string): string {
  const line = stderr.trim().split("\n").find((l) => l.trim()) ?? "no message";
  return (/msg="([^"]*)"/.exec(line)?.[1] ?? line).slice(0, 300);
}

async function inspectExit(
  name: string,
  cliCode: number,
  settings: DockerCliOptions,
): Promise<{ code: number; oom: boolean; engineLost?: string }> {
  const result = await docker(
    ["inspect", "--format", "{{.State.OOMKilled}} {{.State.ExitCode}}", name],
    settings,
  );
  const [oom, code] = result.stdout.trim().split(" ");
  if (result.code === 0 && code !== undefined) return { code: Number(code), oom: oom === "true" };
  // The container cannot be inspected. If the engine is gone too, that is
  // why the sandbox ended, and the error should say so, not "crashed".
  const engine = await docker(["version", "--format", "{{.Server.Version}}"], settings);
  if (engine.code === 0) return { code: cliCode, oom: false };
  const where = settings.dockerHost ? ` at ${settings.dockerHost}` : "";
  return {
    code: cliCode,
    oom: false,
    engineLost: `The Docker engine${where} is not answering (${
      cliMessage(engine.stderr)
    }). Check that it is running, or set dockerHost; the next step starts a new container once it answers`,
  };
}

/** Options of `DockerExecutor.cleanupStale()`. */
export interface CleanupStaleOptions extends DockerCliOptions {
  /** Also remove containers older than this, whoever owns them. Default: no age limit. */
  maxAgeMs?: number;
}

/**
 * Removes executor containers whose host process is gone (same machine, PID
 * no longer alive) or that are older than `maxAgeMs`, and the import caches
 * such hosts left in the temp directory. Returns the containers' names.
 */
export async function cleanupStale(options: CleanupStaleOptions = {}): Promise<string[]> {
  const listing = await docker([
    "ps",
    "--all",
    "--filter",
    `label=${EXECUTOR_LABEL}=1`,
    "--format",
    '{{.Names}}\t{{.Label "smoldeno.host-pid"}}\t{{.Label "smoldeno.hostname"}}\t{{.Label "smoldeno.created"}}',
  ], options);
  if (listing.code !== 0) {
    throw new Error(`Cannot list Docker containers: ${listing.stderr.trim().slice(0, 500)}`);
  }
  const hostname = Deno.hostname();
  const stale: string[] = [];
  for (const line of listing.stdout.split("\n")) {
    const [name, pidText, host, created] = line.split("\t");
    if (!name) continue;
    const pid = Number(pidText);
    const age = Date.now() - Date.parse(created ?? "");
    const ownerGone = host === hostname && pid !== Deno.pid && !(await processAlive(pid));
    const tooOld = options.maxAgeMs !== undefined && age > options.maxAgeMs;
    if (ownerGone || tooOld) stale.push(name);
  }
  if (stale.length) await docker(["rm", "--force", ...stale], options);
  await removeDeadCacheDirs(processAlive);
  return stale;
}

async function processAlive(pid: number): Promise<boolean> {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (Deno.build.os === "linux") {
    try {
      await Deno.stat(`/proc/${pid}`);
      return true;
    } catch {
      return false;
    }
  }
  // `kill -0` probes without delivering a signal.
  const probe = await new Deno.Command("kill", { args: ["-0", String(pid)], stderr: "null" })
    .output().catch(() => ({ success: false }));
  return probe.success;
}
