/**
 * Starts the sandbox process as the leader of its own process group, so one
 * `kill(-pid)` reaches everything it started, without blocking the host.
 *
 * `Deno.Command`'s `detached: true` makes the runtime fork the whole host
 * process and call `setsid()` in the child, on the host's main thread: 4-9
 * ms per start with a quiet host and over 50 ms with a big, busy one
 * (measured), during which no other agent of the host makes progress. Without
 * `detached`, the runtime uses `posix_spawn` (under 1 ms), so where the
 * util-linux `setsid` program exists the sandbox is spawned through it
 * instead: `setsid` calls `setsid()` (it is not a group leader, so it never
 * forks) and then execs the program, which keeps the pid and becomes the
 * group leader. Elsewhere, `detached: true` as before.
 *
 * A `kill(-pid)` sent before `setsid()` ran finds no group; the caller then
 * kills the pid itself, which is all there is at that point.
 *
 * @module
 */

const SETSID_PATHS = ["/usr/bin/setsid", "/bin/setsid"];
let setsidPath: string | null | undefined;

/** The `setsid` program to spawn through, or null (not Linux, not found, cannot look). */
function findSetsid(): string | null {
  if (setsidPath !== undefined) return setsidPath;
  setsidPath = null;
  if (Deno.build.os !== "linux") return null;
  for (const path of SETSID_PATHS) {
    try {
      const info = Deno.statSync(path);
      if (info.isFile && ((info.mode ?? 0) & 0o111) !== 0) {
        setsidPath = path;
        break;
      }
    } catch {
      // Absent, or the host may not look: try the next one.
    }
  }
  return setsidPath;
}

/** True when `program` is a path to an executable file (what `setsid` would find). */
function isExecutableFile(program: string): boolean {
  if (!program.includes("/")) return false; // a bare name: PATH lookup, leave it to Deno
  try {
    const info = Deno.statSync(program);
    return info.isFile && ((info.mode ?? 0) & 0o111) !== 0;
  } catch {
    return false;
  }
}

/**
 * Spawns `program` with `options` as the leader of a new process group (and
 * session). Throws what `Deno.Command#spawn` throws when `program` cannot
 * be run.
 */
export function spawnGroupLeader(
  program: string,
  options: Omit<Deno.CommandOptions, "detached">,
): Deno.ChildProcess {
  const setsid = findSetsid();
  // Through setsid a missing program would only show as an early exit:
  // let Deno report it as a spawn failure instead.
  if (setsid !== null && isExecutableFile(program)) {
    return new Deno.Command(setsid, {
      ...options,
      args: ["--", program, ...(options.args ?? [])],
    }).spawn();
  }
  return new Deno.Command(program, { ...options, detached: true }).spawn();
}
