// Looking at processes and temp dirs from outside, for the tests that check
// a run left nothing behind (Linux: reads /proc).

/** The PIDs of every descendant of process `pid`. */
export function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) found.push(Number(entry.name), ...childrenOf(Number(entry.name)));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/** Whether `pid` is running (a zombie counts as ended). */
export function isAlive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return !/^\d+ \(.*\) Z/.test(stat); // a zombie is dead, only not yet reaped
  } catch {
    return false;
  }
}

/** The smoldeno directories (sandbox dirs, work dirs) that process `pid` made and has not removed. */
export async function dirsLeftBy(pid: number): Promise<string[]> {
  const probe = await Deno.makeTempDir();
  await Deno.remove(probe);
  const temp = probe.replace(/[\\/][^\\/]*$/, "");
  const found: string[] = [];
  for (const [dir, prefix] of [[temp, "smoldeno-work-"], [`${temp}/smoldeno-sandboxes`, "sbx-"]]) {
    try {
      for await (const entry of Deno.readDir(dir)) {
        if (entry.name.startsWith(`${prefix}${pid}-`)) found.push(`${dir}/${entry.name}`);
      }
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  return found;
}
