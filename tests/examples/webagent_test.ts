// examples/webagent.ts run the way a user would (`deno run` in a subprocess),
// offline: the scripted model drives a real Chromium on the example's own
// local shop. Skipped, saying why, where Chromium is missing.
import { assertEquals, assertStringIncludes } from "../_assert.ts";
import { findExecutable } from "../../tools/_browser_process.ts";

const executable = findExecutable();
let skip: string | false =
  "Chromium is not installed: run .ci/chromium.sh (apt-get install -y chromium)";
try {
  if (executable && Deno.statSync(executable).isFile) skip = false;
} catch {
  // Missing: skip says so.
}
if (skip && Deno.env.get("SMOLDENO_REQUIRE_CHROMIUM") === "1") {
  Deno.test("the webagent example test must run here (SMOLDENO_REQUIRE_CHROMIUM=1)", () => {
    throw new Error(`The webagent example test must run here, but ${skip}`);
  });
} else if (skip) {
  console.warn(`SKIPPING the webagent example test: ${skip}`);
}

/** Processes whose command line carries the browser marker of host `pid`. */
function browsersOf(pid: number): number[] {
  const found: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const cmdline = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`);
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      const zombie = / Z /.test(stat.slice(stat.lastIndexOf(")")));
      if (!zombie && cmdline.includes(`--smoldeno-browser=${pid}-`)) found.push(Number(entry.name));
    } catch {
      // Ended while we looked.
    }
  }
  return found;
}

Deno.test({
  name:
    "examples/webagent.ts runs offline (scripted model), answers from the page, and leaves no browser",
  ignore: skip !== false,
  fn: async () => {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        "--config",
        new URL("../../deno.json", import.meta.url).pathname,
        new URL("../../examples/webagent.ts", import.meta.url).pathname,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      clearEnv: true,
      env: {
        PATH: Deno.env.get("PATH") ?? "",
        HOME: Deno.env.get("HOME") ?? "/tmp",
        NO_COLOR: "1",
        SMOLDENO_MODEL: "scripted",
        OLLAMA_HOST: "http://127.0.0.1:9",
      },
    }).spawn();
    const out = await child.output();
    const stdout = new TextDecoder().decode(out.stdout);
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 0, stderr);
    assertStringIncludes(
      stdout,
      "Final answer: On Saturdays the shop opens at 9:00 and closes at 13:00.",
    );
    // What the tools returned is real, not scripted.
    assertStringIncludes(stderr, 'Closed 1 pop-up: clicked "Accept all"');
    assertStringIncludes(stderr, 'showing match 1: "Saturday: 9:00 to 13:00"');
    assertStringIncludes(stderr, "Screenshots kept in memory: 2");
    assertEquals(browsersOf(child.pid), []);
  },
});
