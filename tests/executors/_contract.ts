// The executor contract (src/executor.ts) as a reusable test suite: every
// executor (Deno subprocess, Docker, E2B) registers it with its own factory,
// so they are held to exactly the same behaviour.

import { AsyncLocalStorage } from "node:async_hooks";
import { AgentExecutionError } from "../../src/errors.ts";
import type { Executor } from "../../src/executor.ts";
import type { Tool } from "../../src/tool.ts";
import { assert, assertEquals, assertRejects, assertStringIncludes } from "../_assert.ts";

/** What the suite asks of a factory. */
export interface ContractExecutorOptions {
  /** Wall-clock limit per `execute`, in ms. */
  timeoutMs: number;
}

/** Options of {@linkcode executorContract}. */
export interface ExecutorContractOptions {
  /** When a string, every case is registered as ignored and the string says why. */
  skip?: string | false;
  /** Per-execute timeout given to the factory for ordinary cases. Default 20 000. */
  timeoutMs?: number;
  /** Timeout given to the factory for the timeout case. Default 1 500. */
  shortTimeoutMs?: number;
  /** Sanitizer settings, for executors whose SDK keeps timers or sockets alive. */
  sanitize?: boolean;
}

/** A tool literal for the suite; `forward` is what the host runs. */
function hostTool(
  name: string,
  inputs: Tool["inputs"],
  forward: (args: Record<string, unknown>) => Promise<unknown> | unknown,
): Tool {
  return {
    name,
    description: `Test tool ${name}`,
    inputs,
    outputType: "any",
    call: async (args) => await forward(args),
  };
}

/**
 * Registers the executor contract cases as `Deno.test`s named
 * `<name> <behaviour>`.
 */
export function executorContract(
  name: string,
  factory: (options: ContractExecutorOptions) => Executor | Promise<Executor>,
  options: ExecutorContractOptions = {},
): void {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const shortTimeoutMs = options.shortTimeoutMs ?? 1_500;
  const sanitize = options.sanitize ?? true;

  function test(
    behaviour: string,
    fn: (executor: Executor) => Promise<void>,
    limit = timeoutMs,
  ): void {
    const ignore = typeof options.skip === "string";
    Deno.test({
      name: `${name} ${behaviour}${ignore ? ` (skipped: ${options.skip})` : ""}`,
      ignore,
      sanitizeOps: sanitize,
      sanitizeResources: sanitize,
      fn: async () => {
        const executor = await factory({ timeoutMs: limit });
        try {
          await fn(executor);
        } finally {
          await executor.close();
        }
      },
    });
  }

  test("keeps variables, functions and classes across steps", async (executor) => {
    await executor.execute(
      "const x = 2;\nlet y = 1;\nfunction triple(a: number): number { return a * 3; }\nclass Box { v = 5; }",
    );
    const out = await executor.execute("y += 1;\ntriple(x) + new Box().v + y");
    assertEquals(out.output, 13);
    assertEquals(out.isFinalAnswer, false);
  });

  test("returns the last expression and the printed logs", async (executor) => {
    const out = await executor.execute('console.log("hello from the sandbox");\n1 + 2');
    assertEquals(out.output, 3);
    assertStringIncludes(out.logs, "hello from the sandbox");
  });

  test("runs TypeScript with top-level await", async (executor) => {
    const out = await executor.execute(
      "interface P { n: number }\nconst p: P = { n: await Promise.resolve(4) };\np.n * 2",
    );
    assertEquals(out.output, 8);
  });

  test("calls host tools and returns their results to the code", async (executor) => {
    const seen: unknown[] = [];
    await executor.sendTools({
      add: hostTool("add", {
        a: { type: "number", description: "a" },
        b: { type: "number", description: "b" },
      }, (args) => {
        seen.push(args);
        return (args.a as number) + (args.b as number);
      }),
    });
    const out = await executor.execute("const s = await add({ a: 2, b: 3 });\ns * 10");
    assertEquals(out.output, 50);
    assertEquals(seen, [{ a: 2, b: 3 }]);
  });

  test("runs host tools in the async context execute() was called in (a trace span, a store)", async (executor) => {
    const store = new AsyncLocalStorage<string>();
    const seen: (string | undefined)[] = [];
    await executor.sendTools({
      whoami: hostTool("whoami", {}, () => {
        seen.push(store.getStore());
        return store.getStore() ?? "none";
      }),
    });
    // The calls arrive from the sandbox, outside the caller's context: the
    // executor must carry it, step by step.
    const first = await store.run("step one", () => executor.execute("await whoami({})"));
    const second = await store.run("step two", () => executor.execute("await whoami({})"));
    const outside = await executor.execute("await whoami({})");
    assertEquals([first.output, second.output, outside.output], ["step one", "step two", "none"]);
    assertEquals(seen, ["step one", "step two", undefined]);
  });

  test("runs tool calls in parallel with Promise.all", async (executor) => {
    // Each call waits until both have started: sequential calls would deadlock.
    let arrived = 0;
    let release!: () => void;
    const bothStarted = new Promise<void>((resolve) => (release = resolve));
    await executor.sendTools({
      meet: hostTool("meet", { who: { type: "string", description: "who" } }, async (args) => {
        if (++arrived === 2) release();
        await bothStarted;
        return `met ${args.who}`;
      }),
    });
    const out = await executor.execute(
      'const r = await Promise.all([meet({ who: "a" }), meet({ who: "b" })]);\nr.join(",")',
    );
    assertEquals(out.output, "met a,met b");
  });

  test("lets the code catch a failing tool's error", async (executor) => {
    await executor.sendTools({
      explode: hostTool("explode", {}, () => {
        throw new Error("kaboom on the host");
      }),
    });
    const out = await executor.execute(
      'let caught = "";\ntry { await explode({}); } catch (e) { caught = String((e as Error).message); }\ncaught',
    );
    assertStringIncludes(String(out.output), "kaboom on the host");
  });

  test("ends the step at final_answer, even inside try/catch", async (executor) => {
    const out = await executor.execute(
      'try {\n  final_answer({ city: "Paris" });\n} catch (_) {\n  console.log("swallowed");\n}\nconsole.log("after");',
    );
    assertEquals(out.isFinalAnswer, true);
    assertEquals(out.output, { city: "Paris" });
    assert(!out.logs.includes("after"), `logs went on after final_answer: ${out.logs}`);
  });

  test("answers at a caught final_answer even if the code then loops, and works again", async (executor) => {
    const out = await executor.execute(
      'try {\n  final_answer("early");\n} catch (_) {\n  // swallowed\n}\nwhile (true) {}',
    );
    assertEquals(out.isFinalAnswer, true);
    assertEquals(out.output, "early");
    assertEquals((await executor.execute("20 + 22")).output, 42);
  });

  test("exposes sendVariables values as variables", async (executor) => {
    await executor.sendVariables({ city: "Paris", count: 3, nested: { ok: true } });
    const out = await executor.execute("`${city}:${count}:${nested.ok}`");
    assertEquals(out.output, "Paris:3:true");
  });

  test("reports a syntax error as kind syntax", async (executor) => {
    const error = await assertRejects(() => executor.execute("const = 1;"), AgentExecutionError);
    assertEquals(error.kind, "syntax");
  });

  test("reports a thrown error as kind runtime with the logs so far", async (executor) => {
    const error = await assertRejects(
      () => executor.execute('console.log("before the throw");\nthrow new Error("boom");'),
      AgentExecutionError,
    );
    assertEquals(error.kind, "runtime");
    assertStringIncludes(error.message, "boom");
    assertStringIncludes(error.logs, "before the throw");
    // The executor is still usable and kept its state.
    assertEquals((await executor.execute("40 + 2")).output, 42);
  });

  test("reports a denied network call as kind permission naming net", async (executor) => {
    const error = await assertRejects(
      () => executor.execute('await fetch("http://example.com/");'),
      AgentExecutionError,
    );
    assertEquals(error.kind, "permission");
    assertEquals(error.permission, "net");
  });

  test("reports reading the environment without permission as kind permission naming env", async (executor) => {
    const error = await assertRejects(
      () => executor.execute('Deno.env.get("HOME")'),
      AgentExecutionError,
    );
    assertEquals(error.kind, "permission");
    assertEquals(error.permission, "env");
  });

  test("kills a busy loop at the timeout and works again afterwards", async (executor) => {
    await executor.execute("const before = 1;");
    const error = await assertRejects(
      () => executor.execute("while (true) {}"),
      AgentExecutionError,
    );
    assertEquals(error.kind, "timeout");
    assertEquals(error.stateLost, true);
    assertEquals((await executor.execute("typeof before")).output, "undefined");
    assertEquals((await executor.execute("6 * 7")).output, 42);
  }, shortTimeoutMs);

  test("stops the step when its AbortSignal aborts and works again", async (executor) => {
    const controller = new AbortController();
    await executor.sendTools({
      abort_me: hostTool("abort_me", {}, () => {
        controller.abort();
        return "aborting";
      }),
    });
    // Rejects with the signal's reason or an AgentExecutionError, never hangs.
    const error = await assertRejects(() =>
      executor.execute("await abort_me({});\nawait new Promise(() => {});", {
        signal: controller.signal,
      })
    );
    assert(
      error === controller.signal.reason || error instanceof AgentExecutionError,
      `unexpected rejection: ${error}`,
    );
    assertEquals((await executor.execute('"alive"')).output, "alive");
  });

  test("closes idempotently", async (executor) => {
    await executor.execute("1");
    await executor.close();
    await executor.close();
    await executor[Symbol.asyncDispose]();
  });
}

/**
 * The short check a live remote executor (a real E2B or Deno Sandbox) gets
 * when its key is set: REPL state, a host tool, final_answer, and no network.
 */
export async function liveSmoke(executor: Executor): Promise<void> {
  await executor.sendTools({
    twice: hostTool(
      "twice",
      { n: { type: "number", description: "n" } },
      (args) => (args.n as number) * 2,
    ),
  });
  await executor.execute("const base = 20;");
  const out = await executor.execute("final_answer(await twice({ n: base + 1 }))");
  assertEquals(out.output, 42);
  assertEquals(out.isFinalAnswer, true);
  const error = await assertRejects(
    () => executor.execute('await fetch("https://example.com")'),
    AgentExecutionError,
  );
  assertEquals(error.kind, "permission");
}
