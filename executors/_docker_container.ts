// One hardened container running the sandbox runner. The channel is the
// container's stdio through `docker run -i` (the same authenticated frames as
// the Deno subprocess, see _protocol.ts): no port is published and no network
// is needed. The runner file sits in a per-executor host directory that is
// bind-mounted read-only.

import { docker, type DockerCliOptions, dockerCommand } from "./_docker_cli.ts";
import type { ProcessExit, SandboxProcess } from "./_session.ts";

/** Where the per-executor directory appears inside the container. */
export const CONTAINER_DIR = "/smoldeno";
/** Prefix of the per-executor host directories (followed by the host PID). */
const DIR_PREFIX = "smoldeno-docker-";
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
  mounts: readonly DockerMount[];
  env: Readonly<Record<string, string>>;
}

/** What to run inside the container. */
export interface ContainerLaunch {
  /** Files written into the per-executor directory (the runner), by name. */
  files: Record<string, string>;
  /** Arguments after `deno`, with paths under {@linkcode CONTAINER_DIR}. */
  args: string[];
}

/** Builds the hardened `docker run` arguments (SECURITY-NOTES §6.1), before the command. */
export function dockerRunArgs(
  settings: ContainerSettings,
  name: string,
  hostDir: string,
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
    `fsize=${settings.tmpfsSizeMb * 1024 * 1024}`,
    "--user",
    settings.user,
    "--workdir",
    "/tmp",
    "--entrypoint",
    "/bin/deno",
    "-v",
    `${hostDir}:${CONTAINER_DIR}:ro`,
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
  readonly #dir: string;
  readonly #stdinWriter: WritableStreamDefaultWriter<Uint8Array>;
  #killing?: Promise<void>;
  #removed?: Promise<void>;

  private constructor(
    child: Deno.ChildProcess,
    name: string,
    settings: ContainerSettings,
    dir: string,
  ) {
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
    this.#dir = dir;
    this.exited = (async (): Promise<ProcessExit> => {
      const status = await child.status;
      const exit = await inspectExit(name, status.code, settings);
      if (exit.oom) {
        this.oomKilled = true;
        this.onOomKilled?.();
      }
      return { code: exit.code, signal: null };
    })();
  }

  /**
   * Starts `docker run -i` for the runner. The container's stdio is the
   * channel, so it is ready as soon as the CLI runs; the session's startup
   * timeout covers an image that never starts.
   */
  static async start(
    settings: ContainerSettings,
    launch: ContainerLaunch,
  ): Promise<DockerContainer> {
    // The PID in the name lets cleanupStale() remove directories of dead hosts.
    const dir = await Deno.makeTempDir({ prefix: `${DIR_PREFIX}${Deno.pid}-` });
    const name = `smoldeno-${crypto.randomUUID()}`;
    try {
      for (const [file, text] of Object.entries(launch.files)) {
        await Deno.writeTextFile(`${dir}/${file}`, text);
      }
      // The unprivileged container user must read the runner; nothing in the
      // directory is secret, and it is mounted read-only.
      await Deno.chmod(dir, 0o755);
      for (const file of Object.keys(launch.files)) await Deno.chmod(`${dir}/${file}`, 0o644);
      const labels = {
        [EXECUTOR_LABEL]: "1",
        "smoldeno.host-pid": String(Deno.pid),
        "smoldeno.hostname": Deno.hostname(),
        "smoldeno.created": new Date().toISOString(),
      };
      const child = dockerCommand(
        [...dockerRunArgs(settings, name, dir, labels), ...launch.args],
        settings,
        { stdin: "piped", stdout: "piped", stderr: "piped" },
        settings.env,
      ).spawn();
      return new DockerContainer(child, name, settings, dir);
    } catch (error) {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      throw error;
    }
  }

  /** SIGKILLs the container (`docker kill`): unlike SIGTERM, code cannot trap it. */
  kill(): void {
    this.#killing ??= docker(["kill", this.name], this.#settings).then(() => {}, () => {});
  }

  /** Kills and removes the container and its host directory. Idempotent. */
  remove(): Promise<void> {
    this.#removed ??= (async () => {
      this.kill();
      await this.#killing;
      await this.exited.catch(() => {});
      await this.#stdinWriter.close().catch(() => {});
      await docker(["rm", "--force", this.name], this.#settings).catch(() => {});
      await Deno.remove(this.#dir, { recursive: true }).catch(() => {});
    })();
    return this.#removed;
  }
}

async function inspectExit(
  name: string,
  cliCode: number,
  settings: DockerCliOptions,
): Promise<{ code: number; oom: boolean }> {
  const result = await docker(
    ["inspect", "--format", "{{.State.OOMKilled}} {{.State.ExitCode}}", name],
    settings,
  );
  const [oom, code] = result.stdout.trim().split(" ");
  if (result.code !== 0 || code === undefined) return { code: cliCode, oom: false };
  return { code: Number(code), oom: oom === "true" };
}

/** Options of `DockerExecutor.cleanupStale()`. */
export interface CleanupStaleOptions extends DockerCliOptions {
  /** Also remove containers older than this, whoever owns them. Default: no age limit. */
  maxAgeMs?: number;
}

/**
 * Removes executor containers whose host process is gone (same machine, PID
 * no longer alive) or that are older than `maxAgeMs`. Returns their names.
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
  await removeDeadHostDirs();
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

// Per-executor directories of host processes that died without close().
async function removeDeadHostDirs(): Promise<void> {
  let tmp: string;
  try {
    tmp = Deno.env.get("TMPDIR") || "/tmp";
  } catch {
    return; // no env permission: leave the directories alone
  }
  try {
    for await (const entry of Deno.readDir(tmp)) {
      const match = entry.isDirectory && entry.name.match(/^smoldeno-docker-(\d+)-/);
      if (match && Number(match[1]) !== Deno.pid && !(await processAlive(Number(match[1])))) {
        await Deno.remove(`${tmp}/${entry.name}`, { recursive: true }).catch(() => {});
      }
    }
  } catch {
    // An unreadable temp directory is not ours to clean.
  }
}
