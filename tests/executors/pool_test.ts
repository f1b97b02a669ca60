import { SandboxPool, type StartableExecutor } from "../../executors/pool.ts";
import type { DenoExecutor } from "../../executors/deno_executor.ts";
import type { CodeOutput } from "../../src/executor.ts";
import type { Tool } from "../../src/tool.ts";
import { childrenOf, dirsLeftBy, isAlive } from "../_processes.ts";
import { assert, assertEquals, assertNotEquals, assertRejects, assertThrows } from "../_assert.ts";

Deno.test("SandboxPool hands out started sandboxes, each once, and refills behind them", async () => {
  await using pool = new SandboxPool({ size: 2 });
  await pool.ready();
  assertEquals(pool.available, 2);
  await using a = await pool.acquire();
  const pidA = a.pid;
  assert(pidA !== undefined, "an acquired sandbox is already running");
  await pool.ready();
  assertEquals(pool.available, 2);
  await using b = await pool.acquire();
  assertNotEquals(b.pid, pidA);
  // The pool's warm-up step left nothing the caller's first step can see.
  const first = await a.execute("const secret = 'from a'; 1");
  assertEquals([first.output, first.logs], [1, ""]);
  await a.close();
  // What a ran never reaches anyone else: the next ones are fresh sandboxes.
  await pool.ready();
  for (let i = 0; i < 3; i++) {
    await using next = await pool.acquire();
    assert(next.pid !== pidA);
    assertEquals((await next.execute("typeof secret")).output, "undefined");
  }
});

Deno.test("SandboxPool.close() ends the pooled sandboxes and leaves no directory; acquiring afterwards says the pool is closed", async () => {
  const before = new Set(childrenOf(Deno.pid));
  const pool = new SandboxPool({ size: 2 });
  const held = await pool.acquire();
  await pool.ready();
  const pooled = childrenOf(Deno.pid).filter((pid) => !before.has(pid) && pid !== held.pid);
  assertEquals(pooled.length, 2, "two sandboxes wait in the pool");
  await pool.close();
  await assertRejects(() => pool.acquire(), Error, "closed SandboxPool");
  assertEquals(pool.available, 0);
  for (const pid of pooled) assert(!isAlive(pid), `pooled sandbox ${pid} still runs`);
  // A sandbox handed out before is the caller's, and still works.
  assertEquals((await held.execute("2")).output, 2);
  await held.close();
  assertEquals(await dirsLeftBy(Deno.pid), []);
});

/** An executor whose start the test controls (the pool's logic, without sandboxes). */
class FakeExecutor implements StartableExecutor {
  static made = 0;
  static closed = 0;
  readonly id = ++FakeExecutor.made;
  /** The code of every step it ran, the pool's warm-up included. */
  readonly steps: string[] = [];
  constructor(readonly fail: boolean, readonly failSteps = false) {}
  start(): Promise<void> {
    return this.fail ? Promise.reject(new Error("cannot start")) : Promise.resolve();
  }
  sendTools(_tools: Record<string, Tool>): Promise<void> {
    return Promise.resolve();
  }
  sendVariables(_variables: Record<string, unknown>): Promise<void> {
    return Promise.resolve();
  }
  execute(code = ""): Promise<CodeOutput> {
    this.steps.push(code);
    if (this.failSteps) return Promise.reject(new Error("cannot run"));
    return Promise.resolve({ output: this.id, logs: "", isFinalAnswer: false });
  }
  close(): Promise<void> {
    FakeExecutor.closed++;
    return Promise.resolve();
  }
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

Deno.test("SandboxPool (with fake executors): a sandbox that cannot start is dropped, and acquire() reports its own failure", async () => {
  let failing = true;
  await using pool = new SandboxPool({ size: 1, create: () => new FakeExecutor(failing) });
  await pool.ready();
  assertEquals(pool.available, 0);
  await assertRejects(() => pool.acquire(), Error, "cannot start");
  failing = false;
  await pool.ready();
  const e = await pool.acquire();
  assertEquals((await e.execute()).output, e.id);
});

Deno.test("SandboxPool (with fake executors) runs one warm-up step of its own in each sandbox before handing it out; warmUp: false runs none", async () => {
  {
    await using pool = new SandboxPool({ size: 2, create: () => new FakeExecutor(false) });
    await pool.ready();
    const e = await pool.acquire();
    assertEquals(e.steps, ["0"]);
    await e.execute("1 + 1");
    assertEquals(e.steps, ["0", "1 + 1"]);
  }
  {
    await using pool = new SandboxPool({
      size: 2,
      warmUp: false,
      create: () => new FakeExecutor(false),
    });
    await pool.ready();
    assertEquals((await pool.acquire()).steps, []);
  }
});

Deno.test("SandboxPool (with fake executors): a sandbox whose warm-up step fails is dropped and closed", async () => {
  const closedBefore = FakeExecutor.closed;
  await using pool = new SandboxPool({ size: 2, create: () => new FakeExecutor(false, true) });
  await pool.ready();
  assertEquals(pool.available, 0);
  assertEquals(FakeExecutor.closed - closedBefore, 2);
  // acquire() then starts one for the caller, who sees what its steps do.
  const e = await pool.acquire();
  assertEquals(e.steps, []);
  await assertRejects(() => e.execute("1"), Error, "cannot run");
});

Deno.test("SandboxPool (with fake executors) starts the replacements after acquire(), not during it; ready() starts them at once", async () => {
  await using pool = new SandboxPool({ size: 2, create: () => new FakeExecutor(false) });
  await pool.ready();
  const made = FakeExecutor.made;
  await pool.acquire();
  await pool.acquire();
  // Both taken, and no replacement made yet: they would compete with the
  // caller's first step.
  assertEquals(FakeExecutor.made, made);
  assertEquals(pool.available, 0);
  await pool.ready();
  assertEquals(FakeExecutor.made, made + 2);
  assertEquals(pool.available, 2);
});

Deno.test("SandboxPool (with fake executors) refills by itself after an acquire()", async () => {
  await using pool = new SandboxPool({ size: 1, create: () => new FakeExecutor(false) });
  await pool.ready();
  await pool.acquire();
  assertEquals(pool.available, 0);
  // No ready(): the refill is due shortly after the acquire.
  const timeout = AbortSignal.timeout(10_000);
  while (pool.available === 0 && !timeout.aborted) await new Promise((r) => setTimeout(r, 10));
  assertEquals(pool.available, 1);
});

Deno.test("SandboxPool checks its options", () => {
  assertThrows(() => new SandboxPool({ size: 0 }), RangeError, "Invalid size");
  assertThrows(() => new SandboxPool({ size: 1.5 }), RangeError, "Invalid size");
  assertThrows(() => new SandboxPool({ maxIdleMs: 5 }), RangeError, "Invalid maxIdleMs");
  assertThrows(
    () => new SandboxPool({ create: "deno" as unknown as () => DenoExecutor }),
    TypeError,
    "Invalid create",
  );
  assertThrows(
    () => new SandboxPool({ executorOptions: { permissions: { nope: true } as never } }),
    TypeError,
  );
});
