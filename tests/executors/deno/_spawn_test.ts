import { spawnGroupLeader } from "../../../executors/deno/_spawn.ts";
import { assert, assertEquals, assertThrows } from "../../_assert.ts";

const linux = Deno.build.os === "linux";

/** Process group of `pid`, from /proc (fields after the command: state ppid pgrp). */
function pgrpOf(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
}

function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

Deno.test({
  name:
    "spawnGroupLeader() starts the program as its own process group, so kill(-pid) ends its children too",
  ignore: !linux,
  async fn() {
    // The child starts a grandchild and reports its pid, then waits.
    const child = spawnGroupLeader(Deno.execPath(), {
      args: [
        "eval",
        `const c = new Deno.Command("sleep", { args: ["30"] }).spawn();
console.log(c.pid);
await c.status;`,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    });
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    const grandchild = Number(text.trim());
    assert(grandchild > 0, `the child reported ${JSON.stringify(text)}`);
    assertEquals(pgrpOf(child.pid), child.pid);
    assertEquals(pgrpOf(grandchild), child.pid);
    Deno.kill(-child.pid, "SIGKILL");
    const status = await child.status;
    assertEquals(status.signal, "SIGKILL");
    for (let i = 0; i < 100 && alive(grandchild); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert(!alive(grandchild), "the grandchild died with its group");
    await reader.cancel().catch(() => {});
  },
});

Deno.test("spawnGroupLeader() throws NotFound for a program that does not exist, as Deno.Command does", () => {
  assertThrows(
    () => spawnGroupLeader("/nonexistent/deno", { stdin: "null", stdout: "null", stderr: "null" }),
    Deno.errors.NotFound,
  );
});
