// DenoSandboxExecutor against a fake of the @deno/sandbox SDK surface it uses
// (backed by local processes, so the runner and protocol really run), and
// against a real Deno Deploy sandbox when DENO_DEPLOY_TOKEN is set.

import type { Sandbox } from "@deno/sandbox";
import { AgentExecutionError } from "../../src/errors.ts";
import type { Tool } from "../../src/tool.ts";
import type {
  DenoSandbox,
  DenoSandboxChildProcess,
  DenoSandboxCreateOptions,
  DenoSandboxProcessStatus,
  DenoSandboxSpawnOptions,
} from "../../executors/deno_sandbox.ts";
import { DenoSandboxExecutor } from "../../executors/deno_sandbox.ts";
import { buildSandboxCommand } from "../../executors/session/_permissions.ts";
import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "../_assert.ts";
import { executorContract, liveSmoke } from "./_contract.ts";

// Compile-time check: the real SDK's Sandbox still fits the slice the executor uses.
function realSdkFits(sandbox: Sandbox): DenoSandbox {
  return sandbox;
}
void realSdkFits;

/** What the SDK throws for calls over a closed connection. */
class ConnectionClosedError extends Error {
  constructor() {
    super("Connection closed (code: 1006)");
    this.name = "ConnectionClosedError";
  }
}

/** One spawn the executor asked for. */
interface SpawnRecord {
  command: string;
  options: DenoSandboxSpawnOptions;
}

/** The default PATH of the fake sandbox: the host's Deno and a shell. */
const SANDBOX_PATH = `${Deno.execPath().replace(/\/[^/]+$/, "")}:/usr/bin:/bin`;

/**
 * A fake Deno Deploy sandbox whose processes run locally. Like the real one
 * (timeout "session") it ends when its connection closes; `dropConnection()`
 * cuts that connection the way a network failure would, leaving the SDK's
 * streams open forever.
 */
class FakeDenoSandbox implements DenoSandbox {
  readonly id: string = `fake-${crypto.randomUUID()}`;
  readonly options: DenoSandboxCreateOptions;
  readonly spawns: SpawnRecord[] = [];
  /** Every path written or created, in order. */
  readonly written: string[] = [];
  /** Every file's content, by path. */
  readonly contents = new Map<string, string>();
  killed = false;
  closedByHost = false;
  /** Processes still running when the sandbox was killed or closed by the host. */
  liveAtEnd: number | undefined;
  readonly closed: Promise<void>;
  readonly #ended = Promise.withResolvers<void>();
  readonly #closed = Promise.withResolvers<void>();
  readonly #children = new Set<Deno.ChildProcess>();
  #oomNext = false;
  #over = false;
  readonly #path: string;

  constructor(options: DenoSandboxCreateOptions, path = SANDBOX_PATH) {
    this.options = options;
    this.#path = path;
    this.closed = this.#closed.promise;
  }

  readonly fs = {
    writeTextFile: async (path: string, data: string) => {
      this.#check();
      this.written.push(path);
      this.contents.set(path, data);
      await Deno.writeTextFile(path, data); // like the SDK: the folder must exist
    },
    mkdir: async (path: string, options?: { recursive?: boolean }) => {
      this.#check();
      this.written.push(path);
      await Deno.mkdir(path, options);
    },
  };

  spawn(command: string, options: DenoSandboxSpawnOptions = {}): Promise<DenoSandboxChildProcess> {
    // Like the SDK, failures arrive as rejections, never as synchronous throws.
    return Promise.resolve().then(() => this.#spawn(command, options));
  }

  #spawn(command: string, options: DenoSandboxSpawnOptions): DenoSandboxChildProcess {
    this.#check();
    this.spawns.push({ command, options });
    const base: Record<string, string> = options.clearEnv
      ? {}
      : { PATH: this.#path, HOME: "/nonexistent" };
    const child = new Deno.Command(command, {
      args: options.args,
      cwd: options.cwd,
      clearEnv: true,
      env: { ...base, ...options.env },
      stdin: options.stdin ?? "null",
      stdout: options.stdout ?? "null", // the SDK's "inherit"; we always pipe
      stderr: options.stderr ?? "null",
    }).spawn();
    this.#children.add(child);
    const oom = () => this.#oomNext;
    const status = Promise.race([
      child.status.then((s): DenoSandboxProcessStatus => {
        this.#children.delete(child);
        const killedByOom = oom();
        return {
          success: s.success,
          code: s.signal ? -1 : s.code,
          signal: killedByOom ? null : s.signal,
          ...(killedByOom ? { code: 137, oom: true } : { oom: false }),
        };
      }),
      this.#ended.promise.then((): never => {
        throw new ConnectionClosedError();
      }),
    ]);
    status.catch(() => {});
    const piped = (s: "piped" | "null" | undefined) => s === "piped";
    return {
      pid: child.pid,
      stdin: piped(options.stdin) ? this.#stdin(child.stdin) : null,
      stdout: piped(options.stdout) ? this.#relay(child.stdout) : null,
      stderr: piped(options.stderr) ? this.#relay(child.stderr) : null,
      status,
      kill: (signal = "SIGTERM") =>
        Promise.resolve().then(() => {
          this.#check();
          try {
            child.kill(signal);
          } catch { /* already gone */ }
        }),
    };
  }

  /** Ends the sandbox (and so its connection). */
  async kill(): Promise<void> {
    this.liveAtEnd ??= this.#children.size;
    this.killed = true;
    await this.#end();
  }

  /** Closes the connection, which ends a "session" sandbox. */
  async close(): Promise<void> {
    this.liveAtEnd ??= this.#children.size;
    this.closedByHost = true;
    await this.#end();
  }

  /** The network fails: calls reject, streams hang, and the sandbox ends with its session. */
  async dropConnection(): Promise<void> {
    await this.#end();
  }

  /** The VM's OOM killer ends every process; their status says `oom`. */
  async oomKill(): Promise<void> {
    this.#oomNext = true;
    await this.#killChildren();
  }

  #check(): void {
    if (this.#over) throw new ConnectionClosedError();
    if (this.#children.size > 64) throw new Error("fake Deno Sandbox: too many processes");
  }

  async #end(): Promise<void> {
    this.#over = true;
    this.#ended.resolve();
    await this.#killChildren();
    // What the VM's disk loses with it: the folders the executor made.
    const dirs = new Set(this.written.flatMap((p) => /^\/tmp\/smoldeno-[^/]+/.exec(p) ?? []));
    for (const dir of dirs) await Deno.remove(dir, { recursive: true }).catch(() => {});
    this.#closed.resolve();
  }

  async #killChildren(): Promise<void> {
    const children = [...this.#children];
    for (const child of children) {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
    }
    await Promise.all(children.map((c) => c.status));
  }

  /** A process stream as the SDK hands it out: it stops (without ending) when the connection drops. */
  #relay(source: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
    const reader = source.getReader();
    const dropped = this.#ended.promise.then(() => "dropped" as const);
    return new ReadableStream<Uint8Array>({
      pull: async (c) => {
        const next = await Promise.race([reader.read(), dropped]);
        if (next === "dropped") {
          reader.cancel().catch(() => {});
          return new Promise<void>(() => {}); // never another chunk, never an end
        }
        if (next.done) c.close();
        else c.enqueue(next.value);
      },
      cancel: () => reader.cancel(),
    });
  }

  #stdin(sink: WritableStream<Uint8Array>): WritableStream<Uint8Array> {
    const writer = sink.getWriter();
    writer.closed.catch(() => {});
    let dropped = false;
    this.#ended.promise.then(() => dropped = true);
    return new WritableStream<Uint8Array>({
      write: (chunk) => dropped ? Promise.reject(new ConnectionClosedError()) : writer.write(chunk),
      close: () => writer.close().catch(() => {}),
      abort: () => writer.abort().catch(() => {}),
    });
  }
}

/** An executor on fake sandboxes; `made` collects every sandbox it created. */
function fakeExecutor(
  options: ConstructorParameters<typeof DenoSandboxExecutor>[0] = {},
  path?: string,
): { executor: DenoSandboxExecutor; made: FakeDenoSandbox[] } {
  const made: FakeDenoSandbox[] = [];
  const executor = new DenoSandboxExecutor({
    ...options,
    createSandbox: (opts) => {
      const sandbox = new FakeDenoSandbox(opts, path);
      made.push(sandbox);
      return Promise.resolve(sandbox);
    },
  });
  return { executor, made };
}

/** A host tool that runs `effect` when the code calls it. */
function hostTool(name: string, effect: () => Promise<unknown> | unknown): Tool {
  return {
    name,
    description: `Test tool ${name}`,
    inputs: {},
    outputType: "any",
    call: async () => await effect(),
  };
}

/** The runner's spawn (the one that is not the Deno probe). */
function runnerSpawn(sandbox: FakeDenoSandbox): SpawnRecord {
  const spawn = sandbox.spawns.find((s) => s.command !== "sh");
  assert(spawn, JSON.stringify(sandbox.spawns));
  return spawn;
}

executorContract(
  "DenoSandboxExecutor (fake Deno Sandbox SDK backed by local processes)",
  (o) => fakeExecutor({ timeoutMs: o.timeoutMs }).executor,
);

Deno.test("DenoSandboxExecutor (fake Deno Sandbox SDK) creates one sandbox with the network closed and ends it on close", async () => {
  const { executor, made } = fakeExecutor({
    token: "ddp_test_token",
    org: "my-org",
    region: "ams",
    sandboxMemoryMb: 2048,
  });
  await executor.execute("const a = 1;");
  const timedOut = await assertRejects(
    () => executor.execute("while (true) {}", { signal: AbortSignal.timeout(500) }),
  );
  assert(timedOut !== undefined);
  assertEquals((await executor.execute("2 + 2")).output, 4); // a new runner, same sandbox
  assertEquals(made.length, 1);
  const [sandbox] = made;
  assertEquals(sandbox.options, {
    token: "ddp_test_token",
    org: "my-org",
    region: "ams",
    timeout: "session",
    allowNet: [],
    labels: { "smoldeno-executor": "1" },
    memory: "2048MiB",
  });
  assertEquals(sandbox.spawns.filter((s) => s.command !== "sh").length, 2);
  assertEquals(sandbox.killed, false);
  const dir = runnerSpawn(sandbox).options.cwd!.replace(/\/work$/, "");
  assert((await Deno.stat(dir)).isDirectory);
  await executor.close();
  await executor.close();
  assertEquals(sandbox.killed, true);
  assertEquals(sandbox.closedByHost, true);
  assertEquals(sandbox.liveAtEnd, 0, "the executor ended its own processes first");
  await assertRejects(() => Deno.stat(dir), Deno.errors.NotFound);
});

Deno.test("DenoSandboxExecutor (fake Deno Sandbox SDK) starts the runner with exactly the flags and environment of the shared sandbox command", async () => {
  const permissions = { read: ["/tmp/data"], net: ["api.example.com:443"], env: ["LANG"] };
  const { executor, made } = fakeExecutor({
    permissions,
    memoryLimitMb: 256,
    authorizedImports: ["node:path"],
  });
  await using _ = executor;
  assertEquals(
    (await executor.execute('(await import("node:path")).basename("/a/b")')).output,
    "b",
  );
  const spawn = runnerSpawn(made[0]);
  const dir = spawn.options.cwd!.replace(/\/work$/, "");
  const expected = buildSandboxCommand({
    permissions,
    memoryLimitMb: 256,
    authorizedImports: ["node:path"],
    runnerPath: `${dir}/runner.js`,
    denoDir: `${dir}/deno_dir`,
  });
  assertEquals(spawn.command, Deno.execPath()); // found on the sandbox's PATH
  assertEquals(spawn.options.args, expected.args);
  assertEquals(spawn.options.env, expected.env);
  assertEquals(spawn.options.clearEnv, true);
  assertEquals([spawn.options.stdin, spawn.options.stdout, spawn.options.stderr], [
    "piped",
    "piped",
    "piped",
  ]);
  assert(made[0].contents.get(`${dir}/runner.js`)!.length > 1000, "the runner was written");
  // And the flags hold: the code cannot read outside its grant, nor reach other hosts.
  const denied = await assertRejects(
    () => executor.execute('await Deno.readTextFile("/etc/hostname")'),
    AgentExecutionError,
  );
  assertEquals([denied.kind, denied.permission], ["permission", "read"]);
  const offline = await assertRejects(
    () => executor.execute('await fetch("http://example.org/")'),
    AgentExecutionError,
  );
  assertEquals([offline.kind, offline.permission], ["permission", "net"]);
});

Deno.test("DenoSandboxExecutor (fake Deno Sandbox SDK) keeps the token out of the sandbox", async () => {
  const token = "ddo_secret_token_123";
  const { executor, made } = fakeExecutor({ token, permissions: { env: true, read: true } });
  await using _ = executor;
  const env = await executor.execute("JSON.stringify(Deno.env.toObject())");
  assert(!String(env.output).includes(token), String(env.output));
  assert(!String(env.output).includes("DENO_DEPLOY"), String(env.output));
  const everything = JSON.stringify([made[0].spawns, [...made[0].contents]]);
  assert(!everything.includes(token), "the token reached a spawn or a file");
});

Deno.test("DenoSandboxExecutor (fake Deno Sandbox SDK) never quotes the token in an error", async () => {
  const token = "ddo_secret_token_456";
  let attempts = 0;
  await using executor = new DenoSandboxExecutor({
    token,
    createSandbox: (options) => {
      attempts++;
      const echo = new Error(`403 for Authorization: Bearer ${options.token}`);
      return Promise.reject(new Error(`Upgrade failed: ${echo.message}`, { cause: echo }));
    },
  });
  const error = await assertRejects(() => executor.execute("1"), AgentExecutionError);
  assertEquals(attempts, 1);
  assertEquals(error.kind, "crashed");
  assertStringIncludes(error.message, "Cannot start the DenoSandboxExecutor sandbox");
  assertStringIncludes(error.message, "Bearer [DENO_DEPLOY_TOKEN]");
  const chain: string[] = [];
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    chain.push(e.message, e.stack ?? "");
  }
  assert(!chain.join("\n").includes(token), chain.join("\n"));
});

Deno.test("DenoSandboxExecutor (fake Deno Sandbox SDK) reports a dropped connection and starts a new sandbox", async () => {
  const { executor, made } = fakeExecutor();
  await using _ = executor;
  await executor.sendTools({ cut: hostTool("cut", () => made[0].dropConnection()) });
  await executor.execute("const before = 1;");
  const error = await assertRejects(
    () => executor.execute("await cut(); await new Promise(() => {});"),
    AgentExecutionError,
  );
  assertEquals(error.kind, "crashed");
  assertStringIncludes(error.message, "The connection to the Deno Sandbox was lost");
  assertEquals((await executor.execute("typeof before")).output, "undefined");
  assertEquals(made.length, 2);
  assertEquals(made[0].killed, true, "the lost sandbox was ended for sure");
  assertEquals(made[1].killed, false);
});

Deno.test("DenoSandboxExecutor (fake Deno Sandbox SDK) reports the sandbox's OOM kill as memory", async () => {
  const { executor, made } = fakeExecutor();
  await using _ = executor;
  await executor.sendTools({ oom: hostTool("oom", () => made[0].oomKill()) });
  const error = await assertRejects(
    () => executor.execute("await oom(); await new Promise(() => {});"),
    AgentExecutionError,
  );
  assertEquals(error.kind, "memory");
  assertStringIncludes(error.message, "ran out of memory");
  assertEquals((await executor.execute("1 + 1")).output, 2);
  assertEquals(made.length, 1);
});

Deno.test("DenoSandboxExecutor (fake Deno Sandbox SDK) reports a runner that dies as crashed and restarts it", async () => {
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

Deno.test("DenoSandboxExecutor (fake Deno Sandbox SDK) creates the sandbox again after a failed attempt", async () => {
  let attempts = 0;
  const made: FakeDenoSandbox[] = [];
  await using executor = new DenoSandboxExecutor({
    createSandbox: (opts) => {
      if (++attempts === 1) return Promise.reject(new Error("Deno Deploy is having a bad day"));
      const sandbox = new FakeDenoSandbox(opts);
      made.push(sandbox);
      return Promise.resolve(sandbox);
    },
  });
  const error = await assertRejects(() => executor.execute("1"), AgentExecutionError);
  assertEquals(error.kind, "crashed");
  assertStringIncludes(
    error.message,
    "Cannot start the DenoSandboxExecutor sandbox: Deno Deploy is having a bad day",
  );
  assertEquals((await executor.execute("1 + 1")).output, 2);
  assertEquals(attempts, 2);
  assertEquals(made.length, 1);
});

Deno.test("DenoSandboxExecutor (fake Deno Sandbox SDK) ends a sandbox that arrives after startupTimeoutMs", async () => {
  const late = Promise.withResolvers<FakeDenoSandbox>();
  let sandbox: FakeDenoSandbox | undefined;
  await using executor = new DenoSandboxExecutor({
    startupTimeoutMs: 50,
    createSandbox: (opts) => {
      sandbox = new FakeDenoSandbox(opts);
      return late.promise;
    },
  });
  const error = await assertRejects(() => executor.execute("1"), AgentExecutionError);
  assertEquals(error.kind, "crashed");
  assertStringIncludes(error.message, "did not start within 50 ms (startupTimeoutMs)");
  late.resolve(sandbox!);
  await sandbox!.closed; // it is ended, not leaked
  assertEquals(sandbox!.killed, true);
});

Deno.test("DenoSandboxExecutor (fake Deno Sandbox SDK) says so when the sandbox has no Deno", async () => {
  const bin = await Deno.makeTempDir({ prefix: "smoldeno-deno-sandbox-bin-" });
  try {
    const sh = new TextDecoder().decode(
      (await new Deno.Command("sh", { args: ["-c", "command -v sh"], stdout: "piped" }).output())
        .stdout,
    ).trim();
    await Deno.symlink(sh, `${bin}/sh`);
    const { executor, made } = fakeExecutor({}, bin);
    await using _ = executor;
    const error = await assertRejects(() => executor.execute("1"), AgentExecutionError);
    assertStringIncludes(error.message, "Cannot find Deno in the Deno Sandbox");
    assertEquals(made[0].killed, true, "the unusable sandbox was ended");

    const pinned = fakeExecutor({ denoPath: Deno.execPath() }, bin).executor;
    await using _pinned = pinned;
    assertEquals((await pinned.execute("6 * 7")).output, 42);
  } finally {
    await Deno.remove(bin, { recursive: true });
  }
});

Deno.test("DenoSandboxExecutor rejects bad options and a missing token at construction, naming the variable", () => {
  const saved = ["DENO_DEPLOY_TOKEN", "DENO_DEPLOY_ORG"].map((n) => [n, Deno.env.get(n)] as const);
  for (const [name] of saved) Deno.env.delete(name);
  try {
    assertThrows(() => new DenoSandboxExecutor(), TypeError, "DENO_DEPLOY_TOKEN");
    assertThrows(
      () => new DenoSandboxExecutor({ token: "ddp_personal" }),
      TypeError,
      "DENO_DEPLOY_ORG",
    );
    const withOrg = new DenoSandboxExecutor({ token: "ddp_personal", org: "acme" });
    assertEquals(withOrg.region, undefined);
  } finally {
    for (const [name, value] of saved) if (value !== undefined) Deno.env.set(name, value);
  }
  const createSandbox = () => Promise.reject(new Error("unused"));
  assertThrows(
    () => new DenoSandboxExecutor({ createSandbox, timeoutMs: 0 }),
    RangeError,
    "timeoutMs",
  );
  assertThrows(
    () => new DenoSandboxExecutor({ createSandbox, sandboxMemoryMb: 100 }),
    RangeError,
    "sandboxMemoryMb",
  );
  assertThrows(
    // deno-lint-ignore no-explicit-any
    () => new DenoSandboxExecutor({ createSandbox, sandboxTimeout: "forever" as any }),
    TypeError,
    "sandboxTimeout",
  );
  assertThrows(
    () => new DenoSandboxExecutor({ createSandbox, allowNet: ["a.com,b.com"] }),
    TypeError,
    "allowNet",
  );
  assertThrows(
    () => new DenoSandboxExecutor({ createSandbox, region: "Mars Base" }),
    TypeError,
    "region",
  );
  assertThrows(
    // deno-lint-ignore no-explicit-any
    () => new DenoSandboxExecutor({ createSandbox, permissions: { all: true } as any }),
    TypeError,
    'Unknown permission "all"',
  );
});

Deno.test("DenoSandboxExecutor never quotes the token in a construction error", () => {
  const token = "ddp_personal_secret_789";
  const saved = Deno.env.get("DENO_DEPLOY_ORG");
  Deno.env.delete("DENO_DEPLOY_ORG");
  try {
    const error = assertThrows(() => new DenoSandboxExecutor({ token }), TypeError);
    assert(!`${error.message}\n${error.stack}`.includes(token), error.message);
  } finally {
    if (saved !== undefined) Deno.env.set("DENO_DEPLOY_ORG", saved);
  }
});

const liveToken = Deno.env.get("DENO_DEPLOY_TOKEN");
const liveSkip = liveToken
  ? undefined
  : "DENO_DEPLOY_TOKEN is not set, so no real Deno Deploy sandbox can be created";
if (liveSkip) console.warn(`SKIPPING the live Deno Sandbox test: ${liveSkip}`);

Deno.test({
  name: `DenoSandboxExecutor runs steps and host tools in a real Deno Deploy sandbox${
    liveSkip ? ` (skipped: ${liveSkip})` : ""
  }`,
  ignore: liveSkip !== undefined,
  sanitizeOps: false, // the real SDK's WebSocket and HTTP calls may outlive close(); not ours to track
  sanitizeResources: false,
  async fn() {
    await using executor = new DenoSandboxExecutor({
      timeoutMs: 20_000,
      permissions: { env: true },
    });
    await liveSmoke(executor);
    const env = await executor.execute("JSON.stringify(Deno.env.toObject())");
    assert(!String(env.output).includes(liveToken!), "the token reached the sandbox");
  },
});
