// Running the CLI on a pseudo-terminal, as a person would: `script` (from
// util-linux) gives it one, where installed.

/** Whether `script` can run here. */
export function hasScript(): boolean {
  try {
    return new Deno.Command("script", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

/** Spawns `argv` on a pseudo-terminal; its stdin is what is typed, its stdout what the terminal shows. */
export function spawnOnTerminal(argv: string[]): Deno.ChildProcess {
  return new Deno.Command("script", {
    args: ["-qec", argv.map((a) => `'${a}'`).join(" "), "/dev/null"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: Deno.env.get("HOME") ?? "/tmp",
      NO_COLOR: "1",
      TERM: "dumb",
    },
  }).spawn();
}
