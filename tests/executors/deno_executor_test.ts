import { AgentExecutionError } from "../../src/errors.ts";
import type { Tool } from "../../src/tool.ts";
import { tool } from "../../src/tool.ts";
import { DenoExecutor, type DenoExecutorOptions } from "../../executors/deno_executor.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "../_assert.ts";

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
