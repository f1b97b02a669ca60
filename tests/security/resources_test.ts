// Security suite, resources: CPU (loops, storms, frozen processes, background
// work), memory (heap, ArrayBuffer, WebAssembly, Workers), output floods,
// disk (Cache API, localStorage) and state leaking from one step or executor
// into the next.

import { AgentExecutionError } from "../../src/errors.ts";
import { tool } from "../../src/tool.ts";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import {
  assertHostUnaffected,
  assertStillWorks,
  cpuTimeMs,
  expectContained,
  expectFailure,
  expectOutput,
  LIMITS,
  newExecutor,
  startCanary,
  startSuite,
} from "./_harness.ts";

const MAX_OUTPUT = 5000;

Deno.test("security: an infinite synchronous loop is killed at the timeout", async () => {
  await expectContained(
    LIMITS,
    `// Brute-force the PIN until it matches.
let pin = 0;
while (pin !== -1) pin = (pin + 1) % 10000;`,
    { kind: "timeout" },
  );
});

Deno.test("security: an infinite async loop is killed at the timeout", async () => {
  await expectContained(
    LIMITS,
    `async function poll(): Promise<never> {
  for (;;) await Promise.resolve("not ready");
}
await poll();`,
    { kind: "timeout" },
  );
});

Deno.test("security: a microtask storm that never yields is killed at the timeout", async () => {
  await expectContained(
    LIMITS,
    `function tick() { Promise.resolve().then(tick); }\ntick();\n"scheduled"`,
    { kind: "timeout" },
  );
});

Deno.test("security: awaiting a promise that never resolves is killed at the timeout", async () => {
  await expectContained(
    LIMITS,
    `const answer = await new Promise<string>(() => { /* waiting for a callback that never comes */ });\nanswer`,
    { kind: "timeout" },
  );
});

Deno.test("security: Atomics.wait forever on the main thread is killed at the timeout", async () => {
  await expectContained(
    LIMITS,
    `const cell = new Int32Array(new SharedArrayBuffer(4));\nAtomics.wait(cell, 0, 0);\n"woke"`,
    { kind: "timeout" },
  );
});

Deno.test("security: a JS heap bomb dies with kind memory", async () => {
  await expectContained(
    LIMITS,
    `const cache: number[][] = [];
for (let i = 0; ; i++) cache.push(new Array(100_000).fill(i));`,
    { kind: "memory" },
  );
});

Deno.test("security: an ArrayBuffer bomb (outside the V8 heap cap) is killed with kind memory", async () => {
  await expectContained(
    LIMITS,
    `const chunks: Uint8Array[] = [];
for (let i = 0; i < 40; i++) {
  const chunk = new Uint8Array(100 * 1024 * 1024);
  chunk.fill(1); // touch every page
  chunks.push(chunk);
}
chunks.length`,
    { kind: "memory" },
  );
});

Deno.test("security: a WebAssembly memory bomb is killed with kind memory", async () => {
  await expectContained(
    LIMITS,
    `const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
for (let page = 1; page < 32768; page++) {
  memory.grow(1);
  new Uint8Array(memory.buffer).fill(7, page * 65536);
}
memory.buffer.byteLength`,
    { kind: "memory" },
  );
});

Deno.test("security: Workers each filling their own heap are killed (memory, or timeout when slow)", async () => {
  await expectContained(
    LIMITS,
    `const src = "const keep = []; for (let i = 0; i < 40; i++) keep.push(new Array(1e6).fill(i)); postMessage('full');";
const url = URL.createObjectURL(new Blob([src], { type: "text/javascript" }));
const workers = Array.from({ length: 32 }, () => new Worker(url, { type: "module" }));
await Promise.all(workers.map((w) => new Promise((resolve) => (w.onmessage = resolve))));
"all full"`,
    { kind: ["memory", "timeout"] }, // memory, unless a loaded machine starts them slowly
  );
});

Deno.test("security: a Worker bomb of idle Workers is killed (memory, or timeout when slow)", async () => {
  await expectContained(
    LIMITS,
    `const url = URL.createObjectURL(new Blob(["setInterval(() => {}, 1000);"], { type: "text/javascript" }));
const workers: Worker[] = [];
for (let i = 0; i < 400; i++) workers.push(new Worker(url, { type: "module" }));
await new Promise((resolve) => setTimeout(resolve, 5000));
workers.length`,
    { kind: ["memory", "timeout"] }, // memory, unless a loaded machine starts them slowly
  );
});

Deno.test("security: a pending-promise storm ends as memory or timeout, contained", async () => {
  await expectContained(
    LIMITS,
    `const pending: Promise<unknown>[] = [];
for (;;) pending.push(new Promise(() => {}), new Promise(() => {}));`,
    { kind: ["memory", "timeout"] },
  );
});

Deno.test("security: an endless console flood is killed at the timeout with bounded logs", async () => {
  const error = await expectContained(
    { ...LIMITS, maxOutputLength: MAX_OUTPUT },
    `const line = "spam ".repeat(200);\nfor (;;) console.log(line);`,
    { kind: "timeout" },
  );
  assert(error.logs.length <= MAX_OUTPUT + 200, `logs of ${error.logs.length} characters`);
});

Deno.test("security: floods and recursion are truncated or typed, the sandbox survives", async (t) => {
  await using suite = await startSuite({ maxOutputLength: MAX_OUTPUT });
  const { ex } = suite;

  await t.step("50 MB of console.log output is truncated to maxOutputLength", async () => {
    const out = await expectOutput(
      ex,
      `const row = "x".repeat(1000);\nfor (let i = 0; i < 50_000; i++) console.log(i, row);\n"done"`,
    );
    assertEquals(out.output, "done");
    assert(out.logs.length <= MAX_OUTPUT + 200, `logs of ${out.logs.length} characters`);
    assert(out.logs.includes("truncated"), "the truncation should be visible");
    await suite.check();
  });

  await t.step("20 MB written straight to stdout is truncated too", async () => {
    const out = await expectOutput(
      ex,
      `const chunk = new TextEncoder().encode("y".repeat(65536) + "\\n");
for (let i = 0; i < 320; i++) Deno.stdout.writeSync(chunk);
"written"`,
    );
    assertEquals(out.output, "written");
    assert(out.logs.length <= 2 * MAX_OUTPUT + 400, `logs of ${out.logs.length} characters`);
    await suite.check();
  });

  await t.step("a single 10 MB stdout line without a newline is truncated", async () => {
    const out = await expectOutput(
      ex,
      `await Deno.stdout.write(new TextEncoder().encode("z".repeat(10 * 1024 * 1024)));\n"one line"`,
    );
    assertEquals(out.output, "one line");
    assert(out.logs.length <= 2 * MAX_OUTPUT + 400, `logs of ${out.logs.length} characters`);
    await suite.check();
  });

  await t.step("unbounded recursion is a RangeError, typed runtime", async () => {
    const error = await expectFailure(
      ex,
      `function depth(n: number): number { return depth(n + 1) + 1; }\ndepth(0)`,
      { kind: "runtime" },
    );
    assert(error.message.startsWith("RangeError: Maximum call stack size exceeded"));
    await suite.check();
  });

  await t.step("Deno.exit inside a Worker ends only that Worker", async () => {
    const out = await expectOutput(
      ex,
      `const url = URL.createObjectURL(new Blob(["Deno.exit(3);"], { type: "text/javascript" }));
const w = new Worker(url, { type: "module" });
await new Promise((resolve) => setTimeout(resolve, 200));
w.terminate();
"main thread still here"`,
    );
    assertEquals(out.output, "main thread still here");
    await suite.check();
  });
});

Deno.test("security: the Cache API and localStorage cannot fill the disk or persist", async (t) => {
  await using suite = await startSuite();
  const { ex } = suite;

  await t.step("filling the Cache API fails before anything is written", async () => {
    const error = await expectFailure(
      ex,
      `const cache = await caches.open("exfil");
const blob = "A".repeat(1024 * 1024);
for (let i = 0; i < 2000; i++) await cache.put(\`https://x.invalid/\${i}\`, new Response(blob));
"filled"`,
      { kind: "runtime" },
    );
    assert(error.message.includes("cache storage"), error.message);
    await suite.check();
  });

  await t.step("a nested Worker's fresh caches object fails the same way", async () => {
    const out = await expectOutput(
      ex,
      `const src = \`try {
  const c = await caches.open("w");
  await c.put("https://x.invalid/", new Response("y".repeat(1e6)));
  postMessage("stored");
} catch (e) { postMessage("refused: " + e.message); }\`;
const w = new Worker(URL.createObjectURL(new Blob([src], { type: "text/javascript" })), { type: "module" });
const got = await new Promise((resolve) => (w.onmessage = (e) => resolve(e.data)));
w.terminate();
got`,
    );
    assert(String(out.output).startsWith("refused: "), String(out.output));
    await suite.check();
  });

  await t.step("localStorage.setItem fails", async () => {
    await expectFailure(
      ex,
      `for (let i = 0; i < 1000; i++) localStorage.setItem("k" + i, "v".repeat(10_000));\nlocalStorage.length`,
      { kind: "runtime" },
    );
    await suite.check();
  });

  await t.step("a second executor sees nothing the first one tried to store", async () => {
    await using other = newExecutor();
    const read = `let seen: unknown = null;
try { seen = localStorage.getItem("k0"); } catch { seen = "unavailable"; }
let cached: unknown = null;
try { cached = await (await caches.open("exfil")).match("https://x.invalid/0"); } catch { cached = "unavailable"; }
[seen, cached ?? null]`;
    const out = await expectOutput(other, read);
    assertEquals(out.output, ["unavailable", "unavailable"]);
    await suite.check();
  });
});

const lateCalls: string[] = [];
const notify = tool({
  name: "notify",
  description: "Sends a notification (records it on the host).",
  inputs: { message: { type: "string", description: "Text" } },
  outputType: "string",
  forward: ({ message }) => {
    lateCalls.push(message);
    return "sent";
  },
});

Deno.test("security: timers of one step do not act in the next step", async (t) => {
  // Regression (finding F6): old timers printed, called tools and ended later steps.
  await using canary = await startCanary();
  await using ex = newExecutor();
  await ex.sendTools({ notify });
  const sleep = (ms: number, value: string) =>
    `await new Promise((resolve) => setTimeout(resolve, ${ms}));\n${JSON.stringify(value)}`;

  await t.step("an interval does not print into later steps' logs", async () => {
    await ex.execute(`setInterval(() => console.log("LEAK from an old step"), 5);\n"armed"`);
    const out = await ex.execute(sleep(100, "second"));
    assertEquals([out.output, out.logs], ["second", ""]);
  });

  await t.step("a timer cannot end a later step with its own final answer", async () => {
    await ex.execute(`setTimeout(() => final_answer("attacker's answer"), 150);\n"armed"`);
    const out = await ex.execute(sleep(400, "third"));
    assertEquals([out.output, out.isFinalAnswer], ["third", false]);
  });

  await t.step("a timer cannot call a tool during a later step", async () => {
    const before = lateCalls.length;
    await ex.execute(
      `setTimeout(() => notify({ message: "exfil" }).catch(() => {}), 100);\n"armed"`,
    );
    await ex.execute(sleep(300, "fourth"));
    assertEquals(lateCalls.length, before);
  });

  await assertHostUnaffected(canary);
  await assertStillWorks(ex);
});

Deno.test("security: a busy background Worker does not keep burning CPU between steps", async () => {
  // Regression (finding F8): the Worker kept a core busy until close().
  await using canary = await startCanary();
  await using ex = newExecutor();
  const out = await ex.execute(
    `const url = URL.createObjectURL(new Blob(["let n = 0; while (true) n++;"], { type: "text/javascript" }));
(globalThis as any).miner = new Worker(url, { type: "module" });
"started in the background"`,
  );
  assertEquals(out.output, "started in the background");
  const pid = ex.pid;
  let idleCpuMs = 0;
  if (pid !== undefined) {
    const start = cpuTimeMs(pid);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    try {
      idleCpuMs = cpuTimeMs(pid) - start;
    } catch {
      idleCpuMs = 0; // the executor killed the busy sandbox: contained
    }
  }
  assert(idleCpuMs < 300, `the idle sandbox used ${idleCpuMs} ms of CPU in 1 s`);
  await assertHostUnaffected(canary);
  await assertStillWorks(ex);
});

/** Total size of the files under `dir`, in bytes. */
function treeBytes(dir: string): number {
  let total = 0;
  for (const entry of Deno.readDirSync(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) total += treeBytes(path);
    else if (entry.isFile) total += Deno.statSync(path).size;
  }
  return total;
}

Deno.test("security: importing many unique data: modules does not fill the sandbox's disk", async () => {
  // Regression (finding F9): Deno caches every module it loads
  // (dep analysis, V8 code cache, TypeScript emit) in DENO_DIR, with no permission.
  await using canary = await startCanary();
  await using ex = newExecutor({ ...LIMITS, timeoutMs: 20_000 });
  const where = await ex.execute("new URL(Deno.mainModule).pathname");
  const denoDir = String(where.output).replace(/runner\.js$/, "deno_dir");
  const before = treeBytes(denoDir);
  const out = await ex.execute(
    `const kinds = [["application", "typescript"], ["text", "javascript"]];
let n = 0;
for (const [type, sub] of kinds) {
  const prefix = "data:" + type + "/" + sub + ";base64,";
  for (let i = 0; i < 60; i++) {
    const body = JSON.stringify("x".repeat(60_000) + i + sub);
    const t = sub === "typescript" ? ": number" : "";
    const src = \`export const blob\${i} = \${body};\\nexport default function f(a\${t}) { return a + \${i}; }\`;
    await import(prefix + btoa(src));
    n++;
  }
}
n`,
  );
  assertEquals(out.output, 120);
  await new Promise((resolve) => setTimeout(resolve, 300)); // let Deno flush its caches
  const grown = treeBytes(denoDir) - before;
  assert(grown < 4 * 1024 * 1024, `the sandbox wrote ${Math.round(grown / 1048576)} MB to disk`);
  await assertHostUnaffected(canary);
  await assertStillWorks(ex);
});

Deno.test("security: code that swallows final_answer and keeps spinning does not poison the next step", async () => {
  // Regression (finding F8, variant): the next, innocent step used to time out.
  await using canary = await startCanary();
  await using ex = newExecutor();
  let finalReturned = false;
  try {
    const out = await ex.execute(`try {
  final_answer("done early");
} catch {
  // keep mining in the background
}
let n = 0;
while (true) n++;`);
    assertEquals([out.output, out.isFinalAnswer], ["done early", true]);
    finalReturned = true;
  } catch (e) {
    // Also acceptable: the step is not over until its code is, so it times out.
    assert(e instanceof AgentExecutionError, String(e));
    assertEquals([e.kind, e.stateLost], ["timeout", true]);
  }
  if (finalReturned) {
    // The next, innocent step must not pay for the previous step's loop.
    const next = await ex.execute("1 + 1");
    assertEquals(next.output, 2);
  }
  await assertHostUnaffected(canary);
  await assertStillWorks(ex);
});

Deno.test("security: a step looping over a slow tool still ends with kind timeout", async () => {
  // Tool time is not counted against timeoutMs, but each call charges part of it (note N7).
  let calls = 0;
  const searchWeb = tool({
    name: "search_web",
    description: "Searches the web (slow).",
    inputs: { query: { type: "string", description: "Query" } },
    outputType: "string",
    forward: async ({ query }) => {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 200));
      return `results for ${query}`;
    },
  });
  await using canary = await startCanary();
  await using ex = newExecutor({ ...LIMITS, timeoutMs: 1000 });
  await ex.sendTools({ search_web: searchWeb });
  const guard = new AbortController();
  const timer = setTimeout(() => guard.abort(new Error("still running after 60 s")), 60_000);
  try {
    const error = await assertRejects(
      () =>
        ex.execute(`let page = 0;\nfor (;;) await search_web({ query: "page " + page++ });`, {
          signal: guard.signal,
        }),
    );
    assert(error instanceof AgentExecutionError, error.message);
    assertEquals([error.kind, error.stateLost], ["timeout", true]);
  } finally {
    clearTimeout(timer);
  }
  assert(calls > 0);
  await assertHostUnaffected(canary);
  await assertStillWorks(ex);
});
