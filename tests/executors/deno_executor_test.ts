import { AgentExecutionError } from "../../src/errors.ts";
import type { Tool } from "../../src/tool.ts";
import { tool } from "../../src/tool.ts";
import { DenoExecutor, type DenoExecutorOptions } from "../../executors/deno_executor.ts";
import { sweepOrphans } from "../../executors/deno/_sandbox_dirs.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "../_assert.ts";
import { executorContract } from "./_contract.ts";
import { startHostProgram } from "./_host_program.ts";

// The contract every executor shares (Docker and E2B run the same suite).
executorContract("DenoExecutor", ({ timeoutMs }) => new DenoExecutor({ timeoutMs }));

async function withExecutor(
  options: DenoExecutorOptions,
  fn: (ex: DenoExecutor) => Promise<void>,
): Promise<void> {
  const ex = new DenoExecutor({ onWarning: () => {}, ...options });
  try {
    await fn(ex);
  } finally {
    await ex.close();
  }
}

function executionError(e: unknown): AgentExecutionError {
  assert(e instanceof AgentExecutionError, `expected AgentExecutionError, got ${e}`);
  return e;
}

async function failure(ex: DenoExecutor, code: string): Promise<AgentExecutionError> {
  return executionError(await assertRejects(() => ex.execute(code), AgentExecutionError));
}

const weather = tool({
  name: "get_weather",
  description: "Weather report for a city.",
  inputs: { city: { type: "string", description: "City name" } },
  outputType: "string",
  forward: ({ city }) => `Sunny in ${city}`,
});

const add = tool({
  name: "add",
  description: "Adds two numbers.",
  inputs: {
    a: { type: "number", description: "First term" },
    b: { type: "number", description: "Second term" },
  },
  outputType: "number",
  forward: ({ a, b }) => a + b,
});

Deno.test("DenoExecutor.execute() returns the last expression of TypeScript code", async () => {
  await withExecutor({}, async (ex) => {
    const out = await ex.execute("interface P { x: number }\nconst p: P = { x: 41 };\np.x + 1");
    assertEquals(out, { output: 42, logs: "", isFinalAnswer: false });
  });
});

Deno.test("DenoExecutor keeps declarations across steps and allows re-declaring them", async () => {
  await withExecutor({}, async (ex) => {
    await ex.execute("const a = 1; let b = 2; function f() { return a + b } class C { v = 3 }");
    assertEquals((await ex.execute("f() + new C().v")).output, 6);
    await ex.execute("const a = 10;");
    assertEquals((await ex.execute("a")).output, 10);
  });
});

Deno.test("DenoExecutor supports top-level await and returns undefined for declarations", async () => {
  await withExecutor({}, async (ex) => {
    const out = await ex.execute("const v = await new Promise((r) => setTimeout(() => r(7), 1));");
    assertEquals(out.output, undefined);
    assertEquals((await ex.execute("v * 2")).output, 14);
  });
});

Deno.test("DenoExecutor captures console output in order, formatted like Deno's console", async () => {
  await withExecutor({}, async (ex) => {
    const out = await ex.execute(
      'console.log("a", { b: [1, 2] }); console.error("e"); console.info(new Map([[1, 2]])); console.table([{ x: 1 }]); "done"',
    );
    assertStringIncludes(out.logs, "a { b: [ 1, 2 ] }\ne\nMap(1) { 1 => 2 }\n");
    assertStringIncludes(out.logs, "│ (idx) │ x │");
    assertEquals(out.output, "done");
  });
});

Deno.test("DenoExecutor calls tools on the host with an object or a positional value", async () => {
  await withExecutor({}, async (ex) => {
    await ex.sendTools({ get_weather: weather, add });
    const out = await ex.execute(
      'const w1 = await get_weather({ city: "Paris" }); const w2 = await get_weather("Rome"); [w1, w2, await add(2, 3)]',
    );
    assertEquals(out.output, ["Sunny in Paris", "Sunny in Rome", 5]);
  });
});

Deno.test("DenoExecutor runs parallel tool calls concurrently on the host", async () => {
  let inFlight = 0;
  let maxInFlight = 0;
  const slow: Tool = {
    name: "slow",
    description: "Waits a little.",
    inputs: { n: { type: "number", description: "n" } },
    outputType: "number",
    async call(args) {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 20));
      inFlight--;
      return args.n;
    },
  };
  await withExecutor({}, async (ex) => {
    await ex.sendTools({ slow });
    const out = await ex.execute("await Promise.all([1, 2, 3, 4, 5].map((n) => slow({ n })))");
    assertEquals(out.output, [1, 2, 3, 4, 5]);
    assertEquals(maxInFlight, 5);
  });
});

Deno.test("DenoExecutor gives the code a catchable error when a tool throws or is misused", async () => {
  const broken: Tool = {
    name: "broken",
    description: "Always fails.",
    inputs: {},
    outputType: "string",
    call() {
      return Promise.reject(new Error("service unavailable"));
    },
  };
  await withExecutor({}, async (ex) => {
    await ex.sendTools({ broken, get_weather: weather });
    const out = await ex.execute(
      'const msgs = []; try { await broken({}) } catch (e) { msgs.push(e.message) }\ntry { await get_weather({ town: "x" }) } catch (e) { msgs.push(e.name) }\nmsgs',
    );
    assertEquals((out.output as string[])[0], "service unavailable");
    assertEquals((out.output as string[])[1], "AgentToolCallError");
  });
});

Deno.test("final_answer() ends the step even inside try/catch, and the first answer wins", async () => {
  await withExecutor({}, async (ex) => {
    const out = await ex.execute(
      'try { final_answer({ city: "Paris", temps: [1, 2], ok: true, none: null }) } catch {}\ntry { final_answer("second") } catch {}\n"not this"',
    );
    assertEquals(out.isFinalAnswer, true);
    assertEquals(out.output, { city: "Paris", temps: [1, 2], ok: true, none: null });
  });
});

Deno.test("DenoExecutor.sendVariables() defines JSON values and bytes as variables", async () => {
  await withExecutor({}, async (ex) => {
    await ex.sendVariables({ task: "sum", data: [1, 2, 3], bytes: new Uint8Array([9, 8]) });
    const out = await ex.execute("[task, data.length, bytes instanceof Uint8Array, bytes[1]]");
    assertEquals(out.output, ["sum", 3, true, 8]);
  });
});

Deno.test("DenoExecutor reports a syntax error with the line and column of the step", async () => {
  await withExecutor({}, async (ex) => {
    const err = await failure(ex, "const ok = 1;\nconst bad = ;");
    assertEquals([err.kind, err.line, err.column], ["syntax", 2, 13]);
  });
});

Deno.test("DenoExecutor steps behave like a REPL: persistence, completion values, hoisting, using", async () => {
  await withExecutor({}, async (ex) => {
    await ex.execute(
      "const a = 1, { b } = { b: 2 };\nclass Box { constructor(public v: number) {} }\nfunction twice(n: number) { return 2 * n }\nif (true) { var nested = 3 }",
    );
    assertEquals((await ex.execute("[a, b, new Box(4).v, twice(5), nested]")).output, [
      1,
      2,
      4,
      10,
      3,
    ]);
    // Declared again, and a Deno global of the same name is shadowed as in a REPL.
    assertEquals(
      (await ex.execute("const a = 'again'; const location = 'Paris'; [a, location]")).output,
      [
        "again",
        "Paris",
      ],
    );
    // The completion value of statements, not only of a last expression.
    assertEquals((await ex.execute("if (a) { 'then' } else { 'else' }")).output, "then");
    assertEquals((await ex.execute("try { 'tried' } finally { 'ignored' }")).output, "tried");
    assertEquals((await ex.execute("let unset = 1")).output, undefined);
    assertEquals((await ex.execute("Promise.resolve('awaited')")).output, "awaited");
    assertEquals(
      (await ex.execute("early()\nfunction early() { return 'hoisted' }")).output,
      "hoisted",
    );
    // A top-level using is disposed of when its step ends.
    const out = await ex.execute(
      "using r = { [Symbol.dispose]() { console.log('disposed') } };\nconsole.log('used');\n'done'",
    );
    assertEquals([out.output, out.logs], ["done", "used\ndisposed\n"]);
  });
});

Deno.test("DenoExecutor stack traces give the columns the code was written with", async () => {
  await withExecutor({}, async (ex) => {
    const code =
      'const n = 1; console.log(n); function f() { throw new Error("bad") }\nlet m = 2; f()';
    const err = await failure(ex, code);
    const [first, second] = code.split("\n");
    assertEquals([err.kind, err.line, err.column], ["runtime", 1, first.indexOf("new Error") + 1]);
    assertStringIncludes(err.message, `at f (<anonymous>:1:${first.indexOf("new Error") + 1})`);
    assertStringIncludes(err.message, `at <anonymous>:2:${second.indexOf("f()") + 1}`);
  });
});

Deno.test("DenoExecutor reports a runtime error with a stack trimmed to the user's code", async () => {
  await withExecutor({}, async (ex) => {
    await ex.execute("console.log('before');");
    const err = await failure(
      ex,
      "console.log('partial');\nfunction f(): never { throw new TypeError('bad') }\nf()",
    );
    assertEquals([err.kind, err.line], ["runtime", 2]);
    assertStringIncludes(err.message, "TypeError: bad");
    assert(!err.message.includes("runner.js"), err.message);
    assertEquals(err.logs, "partial\n");
  });
});

Deno.test("DenoExecutor reports a denied permission with its name and how to grant it", async () => {
  await withExecutor({}, async (ex) => {
    const err = await failure(ex, 'await fetch("http://example.com/")');
    assertEquals([err.kind, err.permission], ["permission", "net"]);
    assertStringIncludes(err.message, "permissions: { net:");
  });
});

Deno.test("DenoExecutor kills a step at timeoutMs and restarts with state lost", async () => {
  await withExecutor({ timeoutMs: 500 }, async (ex) => {
    await ex.execute("const kept = 1;");
    const err = await failure(ex, "while (true) {}");
    assertEquals([err.kind, err.stateLost], ["timeout", true]);
    const err2 = await failure(ex, "kept");
    assertEquals([err2.kind, err2.stateLost], ["runtime", true]);
    assertEquals((await ex.execute("1 + 1")).output, 2);
  });
});

Deno.test("DenoExecutor.close() is idempotent and removes the sandbox's temp directory", async () => {
  const ex = new DenoExecutor();
  await ex.execute("1");
  const pid = ex.pid;
  assert(pid !== undefined);
  await ex.close();
  await ex.close();
  assertEquals(ex.pid, undefined);
  assertThrows(() => Deno.kill(pid, "SIGCONT"));
  await assertRejects(() => ex.execute("1"), Error, "closed");
});

Deno.test("DenoExecutor rejects bad options at construction", () => {
  assertThrows(() => new DenoExecutor({ timeoutMs: 0 }), RangeError, "timeoutMs");
  assertThrows(
    // @ts-expect-error: unknown permission on purpose
    () => new DenoExecutor({ permissions: { network: true } }),
    TypeError,
    'Unknown permission "network"',
  );
  assertThrows(
    () => new DenoExecutor({ authorizedImports: ["lodash"] }),
    TypeError,
    "authorizedImports",
  );
  assertMatch(String(new DenoExecutor({}).pid), /undefined/);
});

Deno.test("DenoExecutor carries non-JSON values both ways: bytes, dates, maps, sets, bigint, undefined", async () => {
  let received: unknown;
  const echo: Tool = {
    name: "echo",
    description: "Returns what it gets, plus binary data.",
    inputs: { value: { type: "any", description: "anything" } },
    outputType: "object",
    call(args) {
      received = args.value;
      return Promise.resolve({
        bytes: new Uint8Array([1, 2]),
        when: new Date(0),
        m: new Map([["k", 1n]]),
      });
    },
  };
  await withExecutor({}, async (ex) => {
    await ex.sendTools({ echo });
    const out = await ex.execute(
      "const r = await echo({ value: [new Date(5), new Set([1]), undefined, 2n] });\n[r.bytes instanceof Uint8Array, r.when.getTime(), r.m.get('k'), undefined, -0, NaN]",
    );
    assertEquals(received, [new Date(5), new Set([1]), undefined, 2n]);
    assertEquals(out.output, [true, 0, 1n, undefined, -0, NaN]);
  });
});

Deno.test("DenoExecutor waits for unawaited tool calls before the step ends", async () => {
  const calls: string[] = [];
  const note: Tool = {
    name: "note",
    description: "Records a note.",
    inputs: { text: { type: "string", description: "text" } },
    outputType: "null",
    async call(args) {
      await new Promise((r) => setTimeout(r, 30));
      calls.push(String(args.text));
      return null;
    },
  };
  await withExecutor({}, async (ex) => {
    await ex.sendTools({ note });
    await ex.execute('note("a"); note("b"); "sent"');
    assertEquals(calls.sort(), ["a", "b"]);
  });
});

Deno.test("A final_answer tool sent by the user transforms the answer on the host", async () => {
  const finalAnswer: Tool = {
    name: "final_answer",
    description: "Gives the final answer.",
    inputs: { answer: { type: "any", description: "the answer" } },
    outputType: "string",
    call: (args) => Promise.resolve(`Answer: ${JSON.stringify(args.answer)}`),
  };
  await withExecutor({}, async (ex) => {
    await ex.sendTools({ final_answer: finalAnswer });
    const out = await ex.execute("final_answer(await Promise.resolve([1, 2]))");
    assertEquals(out, { output: "Answer: [1,2]", logs: "", isFinalAnswer: true });
  });
});

Deno.test("final_answer() accepts a promise and waits for it", async () => {
  await withExecutor({}, async (ex) => {
    const out = await ex.execute(
      "final_answer(new Promise((r) => setTimeout(() => r('late'), 10)))",
    );
    assertEquals([out.output, out.isFinalAnswer], ["late", true]);
  });
});

Deno.test("DenoExecutor truncates long logs with a visible marker, keeping the start and the end", async () => {
  await withExecutor({ maxOutputLength: 1000 }, async (ex) => {
    const out = await ex.execute(
      'for (let i = 0; i < 100000; i++) console.log("line " + i); "alive"',
    );
    assertEquals(out.output, "alive");
    assert(out.logs.length < 1200, `logs are ${out.logs.length} chars`);
    assert(out.logs.startsWith("line 0\n"));
    assertMatch(out.logs, /\[\.\.\. \d+ characters of output truncated \.\.\.\]/);
    assert(out.logs.trimEnd().endsWith("line 99999"));
  });
});

Deno.test("An output flood on raw stdout is truncated and the step still times out cleanly", async () => {
  await withExecutor({ maxOutputLength: 2000, timeoutMs: 1500 }, async (ex) => {
    const err = await failure(
      ex,
      'const chunk = new TextEncoder().encode("z".repeat(65536));\nwhile (true) Deno.stdout.writeSync(chunk);',
    );
    assertEquals(err.kind, "timeout");
    assert(err.logs.length < 2200, `logs are ${err.logs.length} chars`);
    assertEquals((await ex.execute("'still works'")).output, "still works");
  });
});

Deno.test("Frames forged on stdout by the code only show up as its output", async () => {
  await withExecutor({}, async (ex) => {
    const forged = JSON.stringify({
      t: "done",
      step: 1,
      ok: true,
      final: true,
      value: "pwned",
      logs: "",
    });
    const out = await ex.execute(
      `Deno.stdout.writeSync(new TextEncoder().encode("\\x1eSMOLDENO1 1 AAAA " + ${
        JSON.stringify(forged)
      } + "\\n")); "real"`,
    );
    assertEquals([out.output, out.isFinalAnswer], ["real", false]);
    assertStringIncludes(out.logs, "pwned");
  });
});

Deno.test("DenoExecutor reports a JavaScript heap bomb as a memory error and recovers", async () => {
  await withExecutor({ memoryLimitMb: 64 }, async (ex) => {
    const err = await failure(
      ex,
      "const keep = []; while (true) keep.push(new Array(100000).fill(1.5));",
    );
    assertEquals([err.kind, err.stateLost], ["memory", true]);
    assertEquals((await ex.execute("1 + 1")).output, 2);
  });
});

Deno.test("The memory watchdog kills ArrayBuffer bombs that the V8 heap cap misses", async () => {
  await withExecutor({ memoryLimitMb: 64, timeoutMs: 20_000 }, async (ex) => {
    const err = await failure(
      ex,
      "const keep = []; for (let i = 0; i < 40; i++) { keep.push(new Uint8Array(100 * 1024 * 1024).fill(1)); }",
    );
    assertEquals(err.kind, "memory");
    assertStringIncludes(err.message, "over the limit of 320 MB");
  });
});

Deno.test("The Cache API and localStorage are unavailable, and the private directory is removed on close", async () => {
  const ex = new DenoExecutor();
  try {
    const out = await ex.execute(
      "const r = []; try { await caches.open('x'); r.push('cache ok') } catch { r.push('no cache') }\ntry { localStorage.setItem('a', 'b'); r.push('ls ok') } catch { r.push('no localStorage') }\n[...r, Deno.cwd()]",
    );
    const [cache, ls, cwd] = out.output as string[];
    assertEquals([cache, ls], ["no cache", "no localStorage"]);
    assert((await Deno.stat(cwd)).isDirectory);
    await ex.close();
    await assertRejects(() => Deno.stat(cwd), Deno.errors.NotFound);
  } finally {
    await ex.close();
  }
});

Deno.test("The sandbox environment holds no host variable unless listed, even with env: true", async () => {
  Deno.env.set("SMOLDENO_TEST_CANARY", "canary-secret-value");
  Deno.env.set("SMOLDENO_TEST_SHARED", "shared-value");
  try {
    await withExecutor({ permissions: { env: true } }, async (ex) => {
      const out = await ex.execute("JSON.stringify(Deno.env.toObject())");
      assert(!String(out.output).includes("canary-secret-value"));
    });
    await withExecutor({ permissions: { env: ["SMOLDENO_TEST_SHARED"] } }, async (ex) => {
      assertEquals(
        (await ex.execute('Deno.env.get("SMOLDENO_TEST_SHARED")')).output,
        "shared-value",
      );
      const err = await failure(ex, 'Deno.env.get("SMOLDENO_TEST_CANARY")');
      assertEquals([err.kind, err.permission], ["permission", "env"]);
    });
  } finally {
    Deno.env.delete("SMOLDENO_TEST_CANARY");
    Deno.env.delete("SMOLDENO_TEST_SHARED");
  }
});

Deno.test("net: true still denies loopback; listing the address allows it", async () => {
  const hits: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    hits.push(req.url);
    return new Response("hello from host");
  });
  const port = server.addr.port;
  try {
    await withExecutor({ permissions: { net: true } }, async (ex) => {
      for (const host of ["127.0.0.1", "localhost", "0.0.0.0", "127.0.0.2"]) {
        const err = await failure(ex, `await fetch("http://${host}:${port}/")`);
        assertEquals([err.kind, err.permission], ["permission", "net"], host);
      }
    });
    assertEquals(hits, []);
    await withExecutor({ permissions: { net: [`127.0.0.1:${port}`] } }, async (ex) => {
      const out = await ex.execute(`await (await fetch("http://127.0.0.1:${port}/")).text()`);
      assertEquals(out.output, "hello from host");
    });
  } finally {
    await server.shutdown();
  }
});

Deno.test("authorizedImports allows listed builtins and rejects others with the list", async () => {
  await withExecutor({ authorizedImports: ["node:path"] }, async (ex) => {
    const out = await ex.execute('import { join } from "node:path";\njoin("a", "b")');
    assertEquals(out.output, "a/b");
    assertEquals((await ex.execute('join("c", "d")')).output, "c/d");
    const err = await failure(ex, 'import fs from "node:fs";');
    assertEquals(err.kind, "import");
    assertStringIncludes(err.message, 'Authorized imports are "node:path"');
    const err2 = await failure(ex, 'await import("npm:left-pad")');
    assertEquals(err2.kind, "import");
  });
});

Deno.test("An authorized npm package is cached by the host and imported without network", async () => {
  await withExecutor({ authorizedImports: ["npm:left-pad@1"] }, async (ex) => {
    const out = await ex.execute('import leftPad from "npm:left-pad@1";\nleftPad("7", 3, "0")');
    assertEquals(out.output, "007");
    const err = await failure(ex, 'await import("npm:is-odd@3")');
    assertEquals(err.kind, "import");
  });
});

Deno.test("An AbortSignal cancels a running step promptly, and the next step gets a fresh sandbox", async () => {
  await withExecutor({}, async (ex) => {
    const controller = new AbortController();
    const running = ex.execute("while (true) {}", { signal: controller.signal });
    setTimeout(() => controller.abort(new Error("user stopped")), 200);
    await assertRejects(() => running, Error, "user stopped");
    assertEquals((await ex.execute("'fresh'")).output, "fresh");
  });
});

Deno.test("Deno.exit() in the code is reported as a crash and the executor recovers", async () => {
  await withExecutor({}, async (ex) => {
    const err = await failure(ex, 'console.log("bye"); await null; Deno.exit(3)');
    assertEquals([err.kind, err.stateLost], ["crashed", true]);
    assertStringIncludes(err.message, "exit code 3");
    assertEquals((await ex.execute("2 * 21")).output, 42);
  });
});

Deno.test("DenoExecutor warns once about risky grants through onWarning", async () => {
  const warnings: string[] = [];
  const ex = new DenoExecutor({
    permissions: { run: ["git"] },
    onWarning: (m) => warnings.push(m),
  });
  await ex.close();
  assertEquals(warnings.length, 1);
  assertStringIncludes(warnings[0], "run");
});

Deno.test("DenoExecutor.sendTools() and sendVariables() reject names that are not identifiers", async () => {
  await withExecutor({}, async (ex) => {
    await assertRejects(() => ex.sendTools({ "get-weather": weather }), TypeError, "identifier");
    await assertRejects(() => ex.sendVariables({ class: 1 }), TypeError, "reserved");
  });
});

Deno.test("The sandbox dies when the host process is killed", async () => {
  const script = `
    import { DenoExecutor } from ${
    JSON.stringify(new URL("../../executors/deno_executor.ts", import.meta.url).href)
  };
    const ex = new DenoExecutor();
    const runner = await ex.execute("Deno.mainModule");
    console.log(ex.pid, new URL(runner.output).pathname);
    await ex.execute("while (true) {}");
  `;
  const host = await startHostProgram(script, "null");
  const reader = host.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) text += new TextDecoder().decode((await reader.read()).value);
  const [pidText, runnerPath] = text.trim().split(" ");
  const pid = Number(pidText);
  assert(pid > 0);
  host.kill("SIGKILL");
  await host.status;
  reader.releaseLock();
  await host.stdout.cancel();
  let alive = true;
  for (let i = 0; i < 100 && alive; i++) {
    await new Promise((r) => setTimeout(r, 50));
    try {
      Deno.kill(pid, "SIGCONT");
    } catch {
      alive = false;
    }
  }
  assertEquals(alive, false);
  // The dead host could not remove its directories: the next executor to
  // start in any process sweeps them (here called directly; another
  // process's executor may have done it already).
  const sandboxDir = runnerPath.replace(/\/runner\.js$/, "");
  await sweepOrphans();
  await assertRejects(() => Deno.stat(sandboxDir), Deno.errors.NotFound);
});

// Self-exec mode is what a `deno compile` binary uses. `deno compile` cannot
// produce a binary on this machine, so a `deno run --allow-all` child of the
// module stands in for a binary compiled with --allow-all.
const SELF_EXEC = [
  "run",
  "--allow-all",
  "--unstable-worker-options",
  "--no-npm",
  "--no-remote",
  "--no-config",
  "--no-lock",
  new URL("../../executors/deno_executor.ts", import.meta.url).href,
];

Deno.test("Self-exec mode revokes every permission the sandbox was not granted", async () => {
  Deno.env.set("SMOLDENO_TEST_CANARY", "canary-secret-value");
  try {
    await withExecutor({ selfExec: SELF_EXEC }, async (ex) => {
      assertEquals((await ex.execute("const n: number = 40; n + 2")).output, 42);
      for (
        const [code, permission] of [
          ['Deno.readTextFileSync("/etc/hostname")', "read"],
          ['Deno.writeTextFileSync("x.txt", "x")', "write"],
          ['await fetch("http://127.0.0.1:18080/")', "net"],
          ['Deno.env.get("SMOLDENO_TEST_CANARY")', "env"],
          ['new Deno.Command("/bin/true").outputSync()', "run"],
          ["Deno.hostname()", "sys"],
        ]
      ) {
        const err = await failure(ex, code);
        assertEquals([err.kind, err.permission], ["permission", permission], code);
      }
    });
  } finally {
    Deno.env.delete("SMOLDENO_TEST_CANARY");
  }
});

Deno.test("Self-exec mode keeps granted permissions and refuses lists it cannot narrow", async () => {
  await withExecutor({ selfExec: SELF_EXEC, permissions: { read: true } }, async (ex) => {
    const out = await ex.execute('typeof Deno.readTextFileSync("/etc/hostname")');
    assertEquals(out.output, "string");
  });
  await withExecutor({ selfExec: SELF_EXEC, permissions: { read: ["/tmp"] } }, async (ex) => {
    const err = await failure(ex, "1");
    assertEquals(err.kind, "crashed");
    assertStringIncludes(err.message, "Cannot narrow read to a list");
  });
});

Deno.test("Timers left by one step cannot print, call tools or answer in a later step", async () => {
  let calls = 0;
  const ping: Tool = {
    name: "ping",
    description: "Counts calls.",
    inputs: {},
    outputType: "null",
    call: () => Promise.resolve(void calls++),
  };
  await withExecutor({}, async (ex) => {
    await ex.sendTools({ ping });
    await ex.execute(
      'setInterval(() => { console.log("old"); ping().catch(() => {}); try { final_answer("hijack") } catch {} }, 5); "armed"',
    );
    const before = calls;
    const out = await ex.execute('await new Promise((r) => setTimeout(r, 100)); "mine"');
    assertEquals([out.output, out.isFinalAnswer, out.logs], ["mine", false, ""]);
    assertEquals(calls, before);
  });
});

Deno.test("A step that catches final_answer and keeps spinning does not block the next step", async () => {
  await withExecutor({ timeoutMs: 5000 }, async (ex) => {
    const out = await ex.execute('try { final_answer("early") } catch {}\nwhile (true) {}');
    assertEquals([out.output, out.isFinalAnswer], ["early", true]);
    assertEquals((await ex.execute("1 + 1")).output, 2);
  });
});

Deno.test("A sandbox that keeps burning CPU between steps is stopped and restarted", async () => {
  await withExecutor({}, async (ex) => {
    await ex.execute(
      'const src = URL.createObjectURL(new Blob(["while (true) {}"], { type: "text/javascript" }));\nnew Worker(src, { type: "module" }); "started"',
    );
    const pid = ex.pid!;
    let alive = true;
    for (let i = 0; i < 60 && alive; i++) {
      await new Promise((r) => setTimeout(r, 50));
      alive = ex.pid === pid;
    }
    assertEquals(alive, false);
    assertEquals((await ex.execute("'fresh'")).output, "fresh");
  });
});

Deno.test("Replacing Promise in the code does not break the runner's own waiting", async () => {
  await withExecutor({ timeoutMs: 5000 }, async (ex) => {
    await ex.sendTools({ add });
    const out = await ex.execute(
      'const sum = await add(1, 2);\nglobalThis.Promise = class { constructor() { throw new Error("no") } } as any;\nsum',
    );
    assertEquals(out.output, 3);
  });
});

Deno.test("Importing many data: modules leaves nothing on disk", async () => {
  await withExecutor({}, async (ex) => {
    const dir = String((await ex.execute("new URL(Deno.mainModule).pathname")).output).replace(
      /runner\.js$/,
      "deno_dir",
    );
    const size = (p: string): number => {
      let total = 0;
      for (const e of Deno.readDirSync(p)) {
        total += e.isDirectory ? size(`${p}/${e.name}`) : Deno.statSync(`${p}/${e.name}`).size;
      }
      return total;
    };
    const before = size(dir);
    await ex.execute(
      'for (let i = 0; i < 20; i++) await import("data:application/typescript;base64," + btoa(`export const v: string = ${JSON.stringify("x".repeat(50000) + i)};`));',
    );
    assert(size(dir) - before < 512 * 1024, `grew by ${size(dir) - before} bytes`);
  });
});

Deno.test("Tool calls in flight are capped in bytes; calls past the cap fail in the sandbox", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  const slow: Tool = {
    name: "slow",
    description: "Waits for the gate.",
    inputs: { text: { type: "string", description: "text" } },
    outputType: "number",
    call: async (args) => {
      await gate;
      return String(args.text).length;
    },
  };
  const open: Tool = {
    name: "open",
    description: "Opens the gate.",
    inputs: {},
    outputType: "null",
    call: () => Promise.resolve(release()),
  };
  await withExecutor({}, async (ex) => {
    await ex.sendTools({ slow, open });
    const out = await ex.execute(
      'const doc = "x".repeat(10_000_000);\nconst ps = [];\nfor (let i = 0; i < 10; i++) ps.push(slow({ text: doc }));\nawait new Promise((r) => setTimeout(r, 300));\nawait open();\nconst r = await Promise.allSettled(ps);\n[r.filter((s) => s.status === "fulfilled").length, String(r.find((s) => s.status === "rejected")?.reason)]',
    );
    const [ok, reason] = out.output as [number, string];
    assert(ok >= 1 && ok <= 7, `fulfilled ${ok}`);
    assertStringIncludes(reason, "MB limit");
  });
});

Deno.test("A read/write grant on the temp dir does not reach the executors' own files", async () => {
  const tmp = Deno.makeTempDirSync();
  const base = tmp.replace(/[\\/][^\\/]*$/, "");
  Deno.removeSync(tmp);
  await withExecutor(
    { permissions: { read: [base], write: [base] }, authorizedImports: ["npm:left-pad@1"] },
    async (ex) => {
      const runner = String((await ex.execute("Deno.mainModule")).output);
      const err = await failure(ex, `Deno.readTextFileSync(new URL(${JSON.stringify(runner)}))`);
      assertEquals([err.kind, err.permission], ["permission", "read"]);
      const err2 = await failure(
        ex,
        `Deno.writeTextFileSync(new URL(${JSON.stringify(runner)}), "x")`,
      );
      assertEquals([err2.kind, err2.permission], ["permission", "write"]);
      const out = await ex.execute('import leftPad from "npm:left-pad@1";\nleftPad("1", 2, "0")');
      assertEquals(out.output, "01");
      assertEquals((await ex.execute("typeof Deno.readDirSync(Deno.cwd())")).output, "object");
    },
  );
});

Deno.test("DenoExecutor says which binary it could not run", async () => {
  await withExecutor({ denoPath: "/nonexistent/deno" }, async (ex) => {
    await assertRejects(() => ex.execute("1"), Error, '"/nonexistent/deno" could not be run');
  });
});

// A `deno` that panics the way Deno 2.9.6 was seen to under load ("Invoke in
// DisallowJavascriptExecutionScope", before the runner is ready), `panics`
// times, then runs the real Deno. The panic is simulated; the sandbox that
// follows is real.
async function panickingDeno(
  panics: number,
): Promise<{ dir: string; path: string; starts: () => number }> {
  const dir = await Deno.makeTempDir({ prefix: "smoldeno-panic-test-" });
  const path = `${dir}/deno`;
  await Deno.writeTextFile(
    path,
    `#!/bin/sh
if [ "$1" = run ]; then
  n=$(cat "${dir}/starts" 2>/dev/null || echo 0); n=$((n + 1)); echo $n > "${dir}/starts"
  if [ $n -le ${panics} ]; then
    echo "Deno has panicked. This is a bug in Deno." >&2
    echo "thread 'main' (4242) panicked at cli/lib.rs:701:5:" >&2
    echo "Fatal error in :0: Invoke in DisallowJavascriptExecutionScope" >&2
    exit 1
  fi
fi
exec ${JSON.stringify(Deno.execPath())} "$@"
`,
  );
  await Deno.chmod(path, 0o755);
  return { dir, path, starts: () => Number(Deno.readTextFileSync(`${dir}/starts`).trim()) };
}

Deno.test("a Deno panic while the sandbox boots (simulated by a denoPath wrapper) is retried once, and the real sandbox then runs", async () => {
  const deno = await panickingDeno(1);
  try {
    await withExecutor({ denoPath: deno.path }, async (ex) => {
      assertEquals((await ex.execute("const x = 20; x + 22")).output, 42);
      assertEquals(deno.starts(), 2);
    });
  } finally {
    await Deno.remove(deno.dir, { recursive: true });
  }
});

Deno.test("a Deno panic at every start (simulated by a denoPath wrapper) is reported as a crash with Deno's words, after one retry", async () => {
  const deno = await panickingDeno(99);
  try {
    await withExecutor({ denoPath: deno.path }, async (ex) => {
      const err = await failure(ex, "1");
      assertEquals(err.kind, "crashed");
      assertStringIncludes(err.message, "The sandbox failed to start");
      assertStringIncludes(err.message, "DisallowJavascriptExecutionScope");
      assertEquals(deno.starts(), 2);
    });
  } finally {
    await Deno.remove(deno.dir, { recursive: true });
  }
});

Deno.test("a sandbox that fails to start for another reason is not started again", async () => {
  const dir = await Deno.makeTempDir({ prefix: "smoldeno-exit-test-" });
  try {
    const path = `${dir}/deno`;
    await Deno.writeTextFile(
      path,
      `#!/bin/sh\nif [ "$1" = run ]; then echo x >> "${dir}/starts"; echo "error: unsupported flag" >&2; exit 1; fi\nexec ${
        JSON.stringify(Deno.execPath())
      } "$@"\n`,
    );
    await Deno.chmod(path, 0o755);
    await withExecutor({ denoPath: path }, async (ex) => {
      const err = await failure(ex, "1");
      assertStringIncludes(err.message, "unsupported flag");
      assertEquals(Deno.readTextFileSync(`${dir}/starts`).trim().split("\n").length, 1);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("authorizedImports also holds for node: built-ins reached through eval, data: modules and getBuiltinModule", async () => {
  await withExecutor({ authorizedImports: ["node:path"] }, async (ex) => {
    for (
      const code of [
        "await (0, eval)(\"import('node:fs')\")",
        "await import(\"data:text/javascript,export * from 'node:os'\")",
        'process.getBuiltinModule("node:child_process")',
        'const name = ["node", "fs"].join(":");\nawait import(name)',
      ]
    ) {
      const err = await failure(ex, code);
      assertEquals(err.kind, "import", code);
      assertStringIncludes(err.message, 'Authorized imports are "node:path"');
    }
    assertEquals((await ex.execute('process.getBuiltinModule("node:path").sep')).output, "/");
  });
});

Deno.test("Code reading stdin gets nothing: the host's frames reach only the runner", async () => {
  await withExecutor({}, async (ex) => {
    await ex.sendTools({ add });
    await ex.execute(
      'globalThis.stolen = [];\n(async () => { const r = Deno.stdin.readable.getReader(); for (;;) { const { value, done } = await r.read(); if (done) break; stolen.push(value); } })();\nprocess.stdin.on("data", (d) => stolen.push(d));',
    );
    assertEquals((await ex.execute("await add(1, 2)")).output, 3);
    assertEquals((await ex.execute("await add(3, 4)")).output, 7);
    assertEquals(
      (await ex.execute("[stolen.length, await Deno.stdin.read(new Uint8Array(8))]")).output,
      [
        0,
        null,
      ],
    );
  });
});

Deno.test("Workers started by the code get the same guards: empty stdin, import policy", async () => {
  await withExecutor({}, async (ex) => {
    const out = await ex.execute(
      'const src = `const r = [];\ntry { process.getBuiltinModule("node:fs"); r.push("loaded") } catch (e) { r.push(e.name) }\nr.push(await Deno.stdin.read(new Uint8Array(4)));\npostMessage(r);`;\nconst w = new Worker(URL.createObjectURL(new Blob([src], { type: "text/javascript" })), { type: "module" });\nconst got = await new Promise((resolve) => (w.onmessage = (e) => resolve(e.data)));\nw.terminate();\n[got, w.constructor === Worker]',
    );
    assertEquals(out.output, [["ImportError", null], true]);
  });
});

/** Runs `script` as a host program; kills it if it has not ended after `boundMs`. */
async function runHostScript(
  script: string,
  boundMs = 30_000,
): Promise<{ ended: boolean; code: number; stdout: string; stderr: string }> {
  const host = await startHostProgram(script, "piped");
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    host.kill("SIGKILL");
  }, boundMs);
  const out = await host.output();
  clearTimeout(timer);
  const dec = new TextDecoder();
  return {
    ended: !killed,
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
  };
}

async function processGone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    try {
      Deno.kill(pid, "SIGCONT");
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

Deno.test("A program that forgets close() still ends when its work is done, and the sandbox dies with it", async () => {
  const url = JSON.stringify(new URL("../../executors/deno_executor.ts", import.meta.url).href);
  const { ended, code, stdout, stderr } = await runHostScript(`
    import { DenoExecutor } from ${url};
    const ex = new DenoExecutor();
    await ex.sendTools({
      slow: { name: "slow", description: "", inputs: {}, outputType: "string",
        call: () => new Promise((r) => setTimeout(() => r("tool"), 300)) },
    });
    // During a step the host must stay alive: the code waits on a timer
    // inside the sandbox, then on a slow host tool.
    const step = await ex.execute("await new Promise((r) => setTimeout(r, 300)); (await slow()) + (1 + 1)");
    await ex.sendVariables({ later: 1 });
    console.log(step.output, ex.pid);
  `);
  assert(ended, `the program did not end on its own; stderr: ${stderr}`);
  assertEquals(code, 0, stderr);
  const [output, pidText] = stdout.trim().split(" ");
  assertEquals(output, "tool2");
  assert(await processGone(Number(pidText)), "the sandbox outlived its host");
});

/** A tool that answers after `ms`, or as soon as the step is cancelled. */
function slowTool(ms: number): Tool {
  return tool({
    name: "slow",
    description: "Answers slowly.",
    inputs: {},
    outputType: "string",
    forward: (_args, ctx) =>
      new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => resolve("slow done"), ms);
        ctx?.signal?.addEventListener("abort", () => {
          clearTimeout(timer);
          reject(new Error("cancelled"));
        }, { once: true });
      }),
  });
}

Deno.test("A host tool slower than timeoutMs does not time the step out", async () => {
  await withExecutor({ timeoutMs: 1000 }, async (ex) => {
    await ex.sendTools({ slow: slowTool(2500) });
    const r = await ex.execute("const a = await slow(); a + '!'");
    assertEquals(r.output, "slow done!");
    // The clock resumes after the call: the sandbox's own time still counts.
    const e = await failure(ex, "await slow(); while (true) {}");
    assertEquals(e.kind, "timeout");
  });
});

Deno.test("A busy loop running next to a slow tool call is still killed as a timeout", async () => {
  await withExecutor({ timeoutMs: 1000 }, async (ex) => {
    await ex.sendTools({ slow: slowTool(60_000) });
    const spin = await failure(ex, "const pending = slow();\nwhile (true) {}");
    assertEquals(spin.kind, "timeout");
    // CPU burnt by a Worker while the main thread politely awaits the tool counts too.
    const worker = await failure(
      ex,
      `const src = "while (true) {}";
      new Worker(URL.createObjectURL(new Blob([src], { type: "text/javascript" })), { type: "module" });
      await slow();`,
    );
    assertEquals(worker.kind, "timeout");
    assertEquals(worker.stateLost, true);
    assertEquals((await ex.execute("1 + 1")).output, 2);
  });
});

Deno.test("DenoExecutor's maxWorkers caps the Workers the code runs at once, catchably, and terminate() frees a slot", async () => {
  await withExecutor({ maxWorkers: 2 }, async (ex) => {
    const out = await ex.execute(`
      const url = URL.createObjectURL(new Blob(["setInterval(() => {}, 1000)"], { type: "text/javascript" }));
      const first = [new Worker(url, { type: "module" }), new Worker(url, { type: "module" })];
      let refused = "";
      try {
        new Worker(url, { type: "module" });
      } catch (e) {
        refused = \`\${e.name}: \${e.message} (\${e instanceof Deno.errors.WouldBlock})\`;
      }
      first[0].terminate();
      first[0].terminate(); // twice frees one slot, not two
      const again = new Worker(url, { type: "module" });
      let third = "";
      try {
        new Worker(url, { type: "module" });
      } catch (e) {
        third = e.name;
      }
      again.terminate();
      first[1].terminate();
      [refused, third]`);
    const [refused, third] = out.output as string[];
    assertStringIncludes(refused, "WouldBlock: Resource temporarily unavailable");
    assertStringIncludes(refused, "at most 2 Workers");
    assertStringIncludes(refused, "(true)");
    assertEquals(third, "WouldBlock");
    // A Worker cannot start Workers past the count (it cannot see it), and the
    // refusal reaches it as an error it can catch.
    const nested = await ex.execute(`
      const src = "let r; try { new Worker(URL.createObjectURL(new Blob(['1'], { type: 'text/javascript' })), { type: 'module' }); r = 'started'; } catch (e) { r = e.message; } postMessage(r);";
      const w = new Worker(URL.createObjectURL(new Blob([src], { type: "text/javascript" })), { type: "module" });
      const said = await new Promise((resolve) => (w.onmessage = (e) => resolve(e.data)));
      w.terminate();
      said`);
    assertStringIncludes(String(nested.output), "a Worker cannot start Workers");
  });
  assertThrows(() => new DenoExecutor({ maxWorkers: -1 }), RangeError);
});

/** This process's executor directories: sandbox dirs in the root and work dirs in the temp dir. */
function ownDirs(): string[] {
  const tmp = Deno.makeTempDirSync();
  Deno.removeSync(tmp);
  const tmpDir = tmp.replace(/\/[^/]*$/, "");
  const out: string[] = [];
  for (const e of Deno.readDirSync(tmpDir)) {
    if (e.name.startsWith(`smoldeno-work-${Deno.pid}-`)) out.push(`${tmpDir}/${e.name}`);
  }
  for (const e of Deno.readDirSync(`${tmpDir}/smoldeno-sandboxes`)) {
    if (e.name.startsWith(`sbx-${Deno.pid}-`)) out.push(e.name);
  }
  return out.sort();
}

Deno.test("close() during the first execute leaves no sandbox and no directory behind", async () => {
  await new DenoExecutor().close(); // the sandboxes root exists from here on
  const before = ownDirs();
  const ex = new DenoExecutor();
  const step = ex.execute("1 + 1");
  await ex.close();
  await assertRejects(() => step, Error, "closed DenoExecutor");
  assertEquals(ex.pid, undefined);
  assertEquals(ownDirs(), before);
});

Deno.test("A program that forgets close() leaves no directory behind", async () => {
  const url = JSON.stringify(new URL("../../executors/deno_executor.ts", import.meta.url).href);
  const { ended, code, stdout, stderr } = await runHostScript(`
    import { DenoExecutor } from ${url};
    const ex = new DenoExecutor();
    const runner = await ex.execute("Deno.mainModule");
    const cwd = await ex.execute("Deno.cwd()");
    console.log(new URL(runner.output).pathname, cwd.output);
  `);
  assert(ended, `the program did not end on its own; stderr: ${stderr}`);
  assertEquals(code, 0, stderr);
  const [runnerPath, workDir] = stdout.trim().split(" ");
  assertMatch(workDir, /smoldeno-work-\d+-/);
  await assertRejects(
    () => Deno.stat(runnerPath.replace(/\/runner\.js$/, "")),
    Deno.errors.NotFound,
  );
  await assertRejects(() => Deno.stat(workDir), Deno.errors.NotFound);
});

Deno.test("A killed host's work directory is swept even when its sandbox directory was removed first", async () => {
  const url = JSON.stringify(new URL("../../executors/deno_executor.ts", import.meta.url).href);
  const host = await startHostProgram(
    `
    import { DenoExecutor } from ${url};
    const ex = new DenoExecutor();
    const runner = await ex.execute("Deno.mainModule");
    const cwd = await ex.execute("Deno.cwd()");
    console.log(ex.pid, new URL(runner.output).pathname, cwd.output);
    await new Promise(() => setInterval(() => {}, 1000));
  `,
    "null",
  );
  const reader = host.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  const [pidText, runnerPath, workDir] = text.trim().split(" ");
  host.kill("SIGKILL");
  await host.status;
  await reader.cancel();
  assert(await processGone(Number(pidText)), "the sandbox outlived its host");
  // What the security suite does for a killed host: remove the sandbox
  // directory only (another process's start-up sweep may have been first).
  await Deno.remove(runnerPath.replace(/\/runner\.js$/, ""), { recursive: true }).catch(
    (e) => {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    },
  );
  await sweepOrphans();
  await assertRejects(() => Deno.stat(workDir), Deno.errors.NotFound);
});

Deno.test("DenoExecutor.start() boots the sandbox before the first step, once, with the tools sent earlier", async () => {
  const ex = new DenoExecutor();
  await ex.sendTools({ add });
  assertEquals(ex.pid, undefined);
  await Promise.all([ex.start(), ex.start()]);
  const pid = ex.pid;
  assert(pid !== undefined);
  await ex.start();
  assertEquals(ex.pid, pid);
  assertEquals((await ex.execute("await add({ a: 2, b: 3 })")).output, 5);
  assertEquals(ex.pid, pid);
  await ex.close();
  await assertRejects(() => ex.start(), Error, "closed DenoExecutor");
});
