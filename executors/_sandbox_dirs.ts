/**
 * Where executors keep their private files: `<temp>/smoldeno-sandboxes/sbx-*`
 * (runner, DENO_DIR, owner record), one parent that every sandbox is denied,
 * and the sweep that removes what a crashed host left behind.
 *
 * @module
 */

let rootPath: string | undefined;

/** The root, once {@linkcode sandboxesRoot} created it in this process. */
export function knownSandboxesRoot(): string | undefined {
  return rootPath;
}

/** `<system temp dir>/smoldeno-sandboxes`, created once (mode 0700). */
export async function sandboxesRoot(): Promise<string> {
  if (rootPath) return rootPath;
  const probe = await Deno.makeTempDir({ prefix: "smoldeno-probe-" });
  await Deno.remove(probe);
  const root = `${probe.replace(/[\\/][^\\/]*$/, "")}/smoldeno-sandboxes`;
  await Deno.mkdir(root, { recursive: true, mode: 0o700 });
  rootPath = root;
  await sweepOrphans(root);
  return root;
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
      const owner = JSON.parse(await Deno.readTextFile(`${dir}/owner.json`));
      if (!Number.isSafeInteger(owner.pid) || owner.pid === Deno.pid) continue;
      const alive = await Deno.stat(`/proc/${owner.pid}`).then(() => true, () => false);
      if (alive) continue;
      if (typeof owner.workDir === "string" && /smoldeno-work-[^/\\]*$/.test(owner.workDir)) {
        await Deno.remove(owner.workDir, { recursive: true }).catch(() => {});
      }
      await Deno.remove(dir, { recursive: true });
    } catch {
      // Not ours, half-written, or being removed by its owner: leave it.
    }
  }
}
