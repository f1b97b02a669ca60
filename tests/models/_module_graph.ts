// What a module loads, as `deno info --json` lists it: the tests that check
// that mod.ts pulls no provider's package, and each subpath only its own.
import { assert } from "../_assert.ts";

/** Every module specifier in the graph of `file` (relative to this folder, tests/models/). */
export async function moduleGraph(file: string): Promise<string[]> {
  const { stdout, success } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", new URL(file, import.meta.url).pathname],
    stdout: "piped",
    stderr: "null",
  }).output();
  assert(success, `deno info ${file} failed`);
  const graph = JSON.parse(new TextDecoder().decode(stdout)) as {
    modules: { specifier: string }[];
  };
  const specifiers = graph.modules.map((m) => m.specifier);
  assert(specifiers.length > 1, `the graph of ${file} looks empty`);
  return specifiers;
}
