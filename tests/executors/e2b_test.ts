// E2BExecutor against a fake of the E2B SDK surface it uses (backed by local
// processes, so the runner and protocol really run), and against the real
// E2B service when E2B_API_KEY is set.

import { AgentExecutionError } from "../../src/errors.ts";
import type {
  E2BCommandHandle,
  E2BCommandResult,
  E2BCreateOptions,
  E2BRunOptions,
  E2BSandbox,
} from "../../executors/e2b.ts";
import { E2BExecutor } from "../../executors/e2b.ts";
import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "../_assert.ts";
import { executorContract, liveSmoke } from "./_contract.ts";

/** A fake E2B sandbox whose commands run as local processes. */
export class FakeE2BSandbox implements E2BSandbox {
  readonly sandboxId: string = `fake-${crypto.randomUUID()}`;
  readonly template: string;
  readonly options: E2BCreateOptions;
  /** Every command line the executor ran, in order. */
  readonly commandLines: string[] = [];
  /** Every path the executor wrote. */
  readonly written: string[] = [];
  killed = false;
  readonly #children = new Map<number, Deno.ChildProcess>();
  readonly #stdin = new Map<number, WritableStreamDefaultWriter<Uint8Array>>();

  readonly #path: string;

  constructor(template: string, options: E2BCreateOptions, path?: string) {
    this.template = template;
    this.options = options;
    this.#path = path ?? Deno.env.get("PATH") ?? "/usr/bin:/bin";
  }

  readonly files = {
    write: async (path: string, data: string | ArrayBuffer | Blob | ReadableStream) => {
      this.written.push(path);
      const dir = path.slice(0, path.lastIndexOf("/"));
      await Deno.mkdir(dir, { recursive: true });
      if (typeof data === "string") await Deno.writeTextFile(path, data);
      else await Deno.writeFile(path, new Uint8Array(await new Response(data).arrayBuffer()));
      return { path };
    },
  };

  readonly commands = {
    run: ((cmd: string, opts: E2BRunOptions = {}) => this.#run(cmd, opts)) as E2BSandbox[
      "commands"
    ]["run"],
    sendStdin: async (pid: number, data: string | Uint8Array) => {
      const writer = this.#stdin.get(pid);
      if (!writer) throw new Error(`fake e2b: no stdin for pid ${pid}`);
      await writer.write(typeof data === "string" ? new TextEncoder().encode(data) : data);
    },
    closeStdin: async (pid: number) => {
      const writer = this.#stdin.get(pid);
      this.#stdin.delete(pid);
      await writer?.close().catch(() => {});
    },
  };

  async #run(cmd: string, opts: E2BRunOptions): Promise<E2BCommandHandle | E2BCommandResult> {
    if (this.killed) throw new Error("fake e2b: the sandbox was killed");
    this.commandLines.push(cmd);
    const child = new Deno.Command("bash", {
      args: ["-c", cmd],
      stdin: opts.stdin ? "piped" : "null",
      stdout: "piped",
      stderr: "piped",
      cwd: opts.cwd,
      clearEnv: true,
      env: { PATH: this.#path, HOME: "/nonexistent", ...opts.envs },
    }).spawn();
    this.#children.set(child.pid, child);
    if (opts.stdin) this.#stdin.set(child.pid, child.stdin.getWriter());
    let stdout = "";
    let stderr = "";
    // Like the SDK: output arrives as decoded strings.
    const pump = async (stream: ReadableStream<Uint8Array>, out: "stdout" | "stderr") => {
      for await (const text of stream.pipeThrough(new TextDecoderStream())) {
        if (out === "stdout") {
          stdout += text;
          await opts.onStdout?.(text);
        } else {
          stderr += text;
          await opts.onStderr?.(text);
        }
      }
    };
    const done = (async (): Promise<E2BCommandResult> => {
      const [status] = await Promise.all([
        child.status,
        pump(child.stdout, "stdout"),
        pump(child.stderr, "stderr"),
      ]);
      this.#children.delete(child.pid);
      const writer = this.#stdin.get(child.pid);
      this.#stdin.delete(child.pid);
      await writer?.close().catch(() => {});
      const exitCode = status.signal ? 128 + signalNumber(status.signal) : status.code;
      return { exitCode, stdout, stderr };
    })();
    if (!opts.background) {
      // Like the SDK: a foreground command that fails throws (CommandExitError).
      const result = await done;
      if (result.exitCode !== 0) {
        throw Object.assign(new Error(`exit status ${result.exitCode}`), result);
      }
      return result;
    }
    return {
      pid: child.pid,
      wait: async () => {
        const result = await done;
        if (result.exitCode !== 0) {
          throw Object.assign(new Error(`exit ${result.exitCode}`), result);
        }
        return result;
      },
      kill: async () => {
        try {
          child.kill("SIGKILL");
        } catch { /* already gone */ }
        await done;
        return true;
      },
    };
  }

  /** Kills every process the sandbox started. */
  async kill(): Promise<boolean> {
    this.killed = true;
    const children = [...this.#children.values()];
    for (const child of children) {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
    }
    await Promise.all(children.map((c) => c.status));
    // What a VM's disk would lose with it: the directories the executor wrote to.
    const dirs = new Set(this.written.map((p) => p.slice(0, p.lastIndexOf("/"))));
    for (const dir of dirs) await Deno.remove(dir, { recursive: true }).catch(() => {});
    return true;
  }
}

function signalNumber(signal: Deno.Signal): number {
  return signal === "SIGKILL" ? 9 : signal === "SIGTERM" ? 15 : signal === "SIGTRAP" ? 5 : 1;
}

/** An executor on fake sandboxes; `made` collects every sandbox it created. */
function fakeExecutor(
  options: ConstructorParameters<typeof E2BExecutor>[0] = {},
  path?: string,
): { executor: E2BExecutor; made: FakeE2BSandbox[] } {
  const made: FakeE2BSandbox[] = [];
  const executor = new E2BExecutor({
    ...options,
    createSandbox: (template, opts) => {
      const sandbox = new FakeE2BSandbox(template, opts, path);
      made.push(sandbox);
      return Promise.resolve(sandbox);
    },
  });
  return { executor, made };
}

executorContract(
  "E2BExecutor (fake E2B SDK backed by local processes)",
  (o) => fakeExecutor({ timeoutMs: o.timeoutMs }).executor,
);

Deno.test("E2BExecutor (fake E2B SDK) creates one sandbox with internet off and kills it on close", async () => {
  const { executor, made } = fakeExecutor({
    apiKey: "e2b_test_key",
    template: "deno-template",
    sandboxTimeoutMs: 120_000,
  });
  await executor.execute("const a = 1;");
  await assertRejects(() =>
    executor.execute("while (true) {}", { signal: AbortSignal.timeout(500) })
  );
  assertEquals((await executor.execute("2 + 2")).output, 4); // a new runner, same sandbox
  assertEquals(made.length, 1);
  const [sandbox] = made;
  assertEquals(sandbox.template, "deno-template");
  assertEquals(sandbox.options.allowInternetAccess, false);
  assertEquals(sandbox.options.timeoutMs, 120_000);
  assertEquals(sandbox.options.apiKey, "e2b_test_key");
  assertEquals(sandbox.killed, false);
  await executor.close();
  await executor.close();
  assertEquals(sandbox.killed, true);
});

Deno.test("E2BExecutor (fake E2B SDK) never passes the API key into the sandbox", async () => {
  const { executor, made } = fakeExecutor({
    apiKey: "e2b_secret_key_123",
    permissions: { env: true },
  });
  await using _ = executor;
  const env = await executor.execute("JSON.stringify(Deno.env.toObject())");
  assert(!String(env.output).includes("e2b_secret_key_123"), String(env.output));
  const everything = JSON.stringify(made[0].commandLines);
  assert(!everything.includes("e2b_secret_key_123"), everything);
});

Deno.test("E2BExecutor (fake E2B SDK) uploads the host's Deno when the template has none", async () => {
  // A PATH with a shell and coreutils but no deno.
  const bin = await Deno.makeTempDir({ prefix: "smoldeno-e2b-bin-" });
  try {
    for (const tool of ["bash", "mkdir", "chmod"]) {
      const which = new TextDecoder().decode(
        (await new Deno.Command("bash", { args: ["-c", `command -v ${tool}`], stdout: "piped" })
          .output()).stdout,
      ).trim();
      await Deno.symlink(which, `${bin}/${tool}`);
    }
    const { executor, made } = fakeExecutor({}, bin);
    await using _ = executor;
    assertEquals((await executor.execute("6 * 7")).output, 42);
    assert(made[0].written.includes("/tmp/smoldeno-bin/deno"), made[0].written.join(", "));

    const never = fakeExecutor({ installDeno: "never" }, bin).executor;
    await using _never = never;
    const error = await assertRejects(() => never.execute("1"), AgentExecutionError);
    assertStringIncludes(error.message, "Cannot find Deno in the E2B sandbox");
  } finally {
    await Deno.remove(bin, { recursive: true });
    await Deno.remove("/tmp/smoldeno-bin", { recursive: true }).catch(() => {});
  }
});

Deno.test("E2BExecutor (fake E2B SDK) reports a runner that dies as crashed and restarts it", async () => {
  const { executor } = fakeExecutor({ permissions: { run: true } });
  await using _ = executor;
  await executor.execute("const before = 1;");
  const error = await assertRejects(
    () => executor.execute('Deno.kill(Deno.pid, "SIGKILL"); await new Promise(() => {});'),
    AgentExecutionError,
  );
  assertEquals(error.kind, "crashed");
  assertEquals(error.stateLost, true);
  assertEquals((await executor.execute("typeof before")).output, "undefined");
});

Deno.test("E2BExecutor (fake E2B SDK) creates the sandbox again after a failed attempt", async () => {
  let attempts = 0;
  const made: FakeE2BSandbox[] = [];
  await using executor = new E2BExecutor({
    createSandbox: (template, opts) => {
      if (++attempts === 1) return Promise.reject(new Error("E2B is having a bad day"));
      const sandbox = new FakeE2BSandbox(template, opts);
      made.push(sandbox);
      return Promise.resolve(sandbox);
    },
  });
  const error = await assertRejects(() => executor.execute("1"), AgentExecutionError);
  assertEquals(error.kind, "crashed");
  assertStringIncludes(
    error.message,
    "Cannot start the E2BExecutor sandbox: E2B is having a bad day",
  );
  assertEquals((await executor.execute("1 + 1")).output, 2);
  assertEquals(attempts, 2);
  assertEquals(made.length, 1);
});

Deno.test("E2BExecutor rejects bad options and a missing API key at construction", () => {
  const saved = Deno.env.get("E2B_API_KEY");
  Deno.env.delete("E2B_API_KEY");
  try {
    assertThrows(() => new E2BExecutor(), TypeError, "E2B_API_KEY");
  } finally {
    if (saved !== undefined) Deno.env.set("E2B_API_KEY", saved);
  }
  const createSandbox = () => Promise.reject(new Error("unused"));
  assertThrows(() => new E2BExecutor({ createSandbox, timeoutMs: 0 }), RangeError, "timeoutMs");
  assertThrows(() => new E2BExecutor({ createSandbox, template: "" }), TypeError, "template");
  assertThrows(
    // deno-lint-ignore no-explicit-any
    () => new E2BExecutor({ createSandbox, installDeno: "curl" as any }),
    TypeError,
    "installDeno",
  );
  assertThrows(
    // deno-lint-ignore no-explicit-any
    () => new E2BExecutor({ createSandbox, permissions: { all: true } as any }),
    TypeError,
    'Unknown permission "all"',
  );
});

const liveKey = Deno.env.get("E2B_API_KEY");
const liveSkip = liveKey
  ? undefined
  : "E2B_API_KEY is not set, so no real E2B sandbox can be created";
if (liveSkip) console.warn(`SKIPPING the live E2B test: ${liveSkip}`);

Deno.test({
  name: `E2BExecutor runs steps and host tools in a real E2B sandbox${
    liveSkip ? ` (skipped: ${liveSkip})` : ""
  }`,
  ignore: liveSkip !== undefined,
  sanitizeOps: false, // the real SDK's HTTP connections may outlive close(); not ours to track
  sanitizeResources: false,
  async fn() {
    await using executor = new E2BExecutor({ timeoutMs: 20_000 });
    await liveSmoke(executor);
  },
});
