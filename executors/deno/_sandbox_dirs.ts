/**
 * Where executors keep their private files: `<temp>/smoldeno-sandboxes/sbx-*`
 * (runner, DENO_DIR, owner record), one parent that every sandbox is denied,
 * and the sweep that removes what a crashed host left behind.
 *
 * @module
 */

let rootPath: string | undefined;

/** Prefix of an executor's private directory: `sbx-<host pid>-<random>`. */
export const SANDBOX_DIR_PREFIX = "sbx-";
/** Prefix of a sandbox's working directory in the temp dir: `smoldeno-work-<host pid>-<random>`. */
export const WORK_DIR_PREFIX = "smoldeno-work-";

/** The root, once {@linkcode sandboxesRoot} created it in this process. */
export function knownSandboxesRoot(): string | undefined {
  return rootPath;
}

/**
 * `<system temp dir>/smoldeno-sandboxes`, created once (mode 0700). If that
 * path exists but is not a private directory of this user (a symlink, group
 * or world access, another owner: something planted it), a fresh private
 * directory for this process is used instead.
 */
export async function sandboxesRoot(): Promise<string> {
  if (rootPath) return rootPath;
  const probe = await Deno.makeTempDir({ prefix: "smoldeno-probe-" });
  await Deno.remove(probe);
  let root = `${probe.replace(/[\\/][^\\/]*$/, "")}/smoldeno-sandboxes`;
  try {
    await Deno.mkdir(root, { mode: 0o700 });
  } catch (e) {
    if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
  }
  if (!(await isPrivateDir(root))) root = await Deno.makeTempDir({ prefix: "smoldeno-private-" });
  rootPath = root;
  await sweepOrphans(root);
  return root;
}

async function isPrivateDir(path: string): Promise<boolean> {
  try {
    const st = await Deno.lstat(path);
    if (!st.isDirectory || st.isSymlink) return false;
    if (Deno.build.os === "windows") return true;
    if (st.mode === null || (st.mode & 0o077) !== 0) return false;
    return st.uid === Deno.uid();
  } catch {
    return false; // unknown owner (no sys permission) counts as untrusted
  }
}

/**
 * Removes the directories of executors whose host process died without
 * close(). Runs once per process, when its first sandbox starts.
 */
export async function sweepOrphans(root?: string): Promise<void> {
  root ??= await sandboxesRoot();
  if (Deno.build.os !== "linux") return; // liveness is read from /proc
  for await (const entry of Deno.readDir(root)) {
    const dir = `${root}/${entry.name}`;
    try {
      // The owner's pid is in the name (and in owner.json for older layouts),
      // so a directory whose host died before writing owner.json goes too.
      const named = new RegExp(`^${SANDBOX_DIR_PREFIX}(\\d+)-`).exec(entry.name);
      const owner = named
        ? { pid: Number(named[1]), workDir: null }
        : JSON.parse(await Deno.readTextFile(`${dir}/owner.json`));
      if (!Number.isSafeInteger(owner.pid) || owner.pid === Deno.pid) continue;
      if (await processAlive(owner.pid)) continue;
      if (typeof owner.workDir === "string" && /smoldeno-work-[^/\\]*$/.test(owner.workDir)) {
        await Deno.remove(owner.workDir, { recursive: true }).catch(() => {});
      }
      await Deno.remove(dir, { recursive: true });
    } catch {
      // Not ours, half-written, or being removed by its owner: leave it.
    }
  }
  // Working directories live in the temp dir itself, next to the root; they
  // are found by name, whether or not their sandbox directory still exists.
  const tmp = root.replace(/[\\/][^\\/]*$/, "");
  const workName = new RegExp(`^${WORK_DIR_PREFIX}(\\d+)-[^/\\\\]+$`);
  for await (const entry of Deno.readDir(tmp)) {
    const m = workName.exec(entry.name);
    if (!m || !entry.isDirectory || Number(m[1]) === Deno.pid) continue;
    try {
      const st = await Deno.lstat(`${tmp}/${entry.name}`);
      if (st.isSymlink || st.uid !== Deno.uid()) continue; // another user's: not ours to judge
      if (await processAlive(Number(m[1]))) continue;
      await Deno.remove(`${tmp}/${entry.name}`, { recursive: true });
    } catch {
      // Gone meanwhile, or not removable by us: leave it.
    }
  }
}

function processAlive(pid: number): Promise<boolean> {
  return Deno.stat(`/proc/${pid}`).then(() => true, () => false);
}
