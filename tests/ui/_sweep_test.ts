// The UI server's temp folders: named after their process, and swept when
// that process is gone (killed servers run no cleanup).

import { assert, assertEquals, assertMatch } from "../_assert.ts";
import { makeServerDir, sweepServerDirs } from "../../src/ui/_sweep.ts";
import { exists } from "./_agents.ts";

Deno.test({
  name: "a server's folder is named after its process, and the folders of dead servers are swept",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const ours = await makeServerDir();
    const temp = ours.replace(/\/[^/]+$/, "");
    // A pid that is surely gone: a process that has ended and been reaped.
    const child = new Deno.Command("true").spawn();
    await child.status;
    const dead = `${temp}/smoldeno-ui-${child.pid}-stale`;
    const alive = `${temp}/smoldeno-ui-1-live`;
    try {
      assertMatch(ours, new RegExp(`/smoldeno-ui-${Deno.pid}-[^/]+$`));
      await Deno.mkdir(`${dead}/3`, { recursive: true });
      await Deno.writeTextFile(`${dead}/3/upload.txt`, "left by a killed server");
      await Deno.mkdir(alive);
      await sweepServerDirs(ours);
      assertEquals(await exists(dead), false, "the dead server's folder is removed");
      assert(await exists(alive), "a live process's folder stays");
      assert(await exists(ours), "our own folder stays");
    } finally {
      for (const dir of [ours, dead, alive]) {
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      }
    }
  },
});
