// Authorized npm:/remote imports for a container that has no network: the
// host downloads them once into a private DENO_DIR with its own Deno, and the
// container mounts that directory read-only as its DENO_DIR and runs with
// `--cached-only` (set by buildSandboxCommand). Read-only also means the Cache
// API and localStorage cannot write anywhere.

import { downloadImports } from "../session/_imports.ts";

/** Where the cache appears inside the container. */
export const CONTAINER_CACHE_DIR = "/deno-cache";
/** Prefix of the host directories (followed by the host PID, for cleanupStale()). */
export const CACHE_DIR_PREFIX = "smoldeno-docker-";

/** Downloads `specifiers` into a new host directory; returns the DENO_DIR to mount. */
export async function prepareImportCache(
  specifiers: readonly string[],
  denoPath: string,
): Promise<{ dir: string; denoDir: string }> {
  const dir = await Deno.makeTempDir({ prefix: `${CACHE_DIR_PREFIX}${Deno.pid}-` });
  try {
    const denoDir = `${dir}/deno_dir`;
    await downloadImports(denoPath, dir, specifiers);
    // The container runs as an unprivileged user: it must read (never write) the cache.
    await readableByAll(dir);
    return { dir, denoDir };
  } catch (error) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  }
}

async function readableByAll(path: string): Promise<void> {
  const info = await Deno.lstat(path);
  if (info.isSymlink) return;
  if (info.isDirectory) {
    await Deno.chmod(path, 0o755);
    for await (const entry of Deno.readDir(path)) await readableByAll(`${path}/${entry.name}`);
  } else {
    await Deno.chmod(path, (info.mode ?? 0o644) & 0o111 ? 0o755 : 0o644);
  }
}

/** Removes cache directories whose host process is gone (`alive` says which PIDs live). */
export async function removeDeadCacheDirs(alive: (pid: number) => Promise<boolean>): Promise<void> {
  let tmp: string;
  try {
    tmp = Deno.env.get("TMPDIR") || "/tmp";
  } catch {
    return; // no env permission: leave the directories alone
  }
  try {
    for await (const entry of Deno.readDir(tmp)) {
      const match = entry.isDirectory && entry.name.match(/^smoldeno-docker-(\d+)-/);
      if (match && Number(match[1]) !== Deno.pid && !(await alive(Number(match[1])))) {
        await Deno.remove(`${tmp}/${entry.name}`, { recursive: true }).catch(() => {});
      }
    }
  } catch {
    // An unreadable temp directory is not ours to clean.
  }
}
