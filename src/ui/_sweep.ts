/**
 * The UI server's temp folder (`smoldeno-ui-<pid>-<random>`, the uploads of
 * its sessions) and the sweep that removes those a killed server left: a
 * process ended by a signal runs no cleanup.
 *
 * @module
 */

const PREFIX = "smoldeno-ui-";

/** Creates this server's private temp folder, named after this process. */
export function makeServerDir(): Promise<string> {
  return Deno.makeTempDir({ prefix: `${PREFIX}${Deno.pid}-` });
}

/**
 * Removes the folders, beside `ours`, of UI servers whose process is gone.
 * Linux only (liveness is read from /proc); a folder that is not a plain
 * directory of this user is left alone. Best effort: never throws.
 */
export async function sweepServerDirs(ours: string): Promise<void> {
  if (Deno.build.os !== "linux") return;
  const temp = ours.replace(/[\\/][^\\/]*$/, "");
  const named = new RegExp(`^${PREFIX}(\\d+)-`);
  try {
    for await (const entry of Deno.readDir(temp)) {
      const pid = Number(named.exec(entry.name)?.[1]);
      if (!entry.isDirectory || !Number.isSafeInteger(pid) || pid === Deno.pid) continue;
      if (await exists(`/proc/${pid}`)) continue;
      const dir = `${temp}/${entry.name}`;
      const st = await Deno.lstat(dir);
      if (st.isSymlink || st.uid !== Deno.uid()) continue;
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  } catch {
    // No right to list the temp folder, or it changed meanwhile: nothing to sweep.
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}
