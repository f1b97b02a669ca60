// Tests that need a host program to die (or to forget close()) run it as a
// separate `deno run` whose source comes over stdin, with this repository's
// deno.json so its imports resolve.

/** Starts `script` as a host program (all permissions); its stdin is closed once written. */
export async function startHostProgram(
  script: string,
  stderr: "null" | "piped",
): Promise<Deno.ChildProcess> {
  const host = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", new URL("../../deno.json", import.meta.url).pathname, "-"],
    stdin: "piped",
    stdout: "piped",
    stderr,
  }).spawn();
  const w = host.stdin.getWriter();
  await w.write(new TextEncoder().encode(script));
  await w.close();
  return host;
}
