// Chaos cases: what happens to a run when something outside the code fails
// (the sandbox killed from outside, its disk full, a model server that
// stalls after its headers, the host killed mid-step, the Docker engine
// going away, Ctrl-C while a managed agent works). Each one must end in a
// typed error that says what happened, the next step or call must work, and
// nothing (process, container, directory) may stay behind. Other chaos cases
// live beside the code they exercise: the host killed mid-step
// (deno_executor_test.ts, "The sandbox dies when the host process is
// killed"), an MCP server that dies mid-call (_mcp_serve_test.ts), Ctrl-C in
// the CLI during a model call, a code step and an MCP tool call
// (cli_test.ts).

import { DenoExecutor } from "../executors/deno_executor.ts";
import { DockerExecutor } from "../executors/docker.ts";
import { AgentExecutionError, AgentGenerationError } from "../src/errors.ts";
import { OpenAIServerModel } from "../src/models/openai_model.ts";
import { assert, assertEquals, assertRejects, assertStringIncludes } from "./_assert.ts";
import { completion, FakeServer, user } from "./models/_fake_server.ts";
import { childrenOf, dirsLeftBy, isAlive } from "./_processes.ts";

async function waitFor(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`gave up waiting for ${what}`);
}

Deno.test("chaos: a sandbox SIGKILLed from outside mid-step fails the step as crashed, and the next step works", async () => {
  await using ex = new DenoExecutor({ timeoutMs: 20_000 });
  await ex.execute("globalThis.before = 1");
  const pid = ex.pid!;
  const step = ex.execute("await new Promise((r) => setTimeout(r, 15_000)); 'finished'");
  // The step is running (the runner took it) before the kill.
  await new Promise((r) => setTimeout(r, 200));
  Deno.kill(pid, "SIGKILL");
  const error = await assertRejects(() => step, AgentExecutionError);
  assertEquals(error.kind, "crashed");
  assertEquals(error.stateLost, true);
  assertStringIncludes(error.message, "signal SIGKILL");
  assertStringIncludes(error.message, "restarted");
  const next = await ex.execute("typeof globalThis.before");
  assertEquals(next.output, "undefined"); // a fresh sandbox, as the error said
  assert(ex.pid !== pid);
});

Deno.test("chaos: a sandbox SIGKILLed from outside between steps is replaced at the next step, which is told state was lost", async () => {
  await using ex = new DenoExecutor();
  await ex.execute("const kept = 1");
  const pid = ex.pid!;
  Deno.kill(pid, "SIGKILL");
  await waitFor("the kill to be seen", () => ex.pid === undefined);
  const error = await assertRejects(() => ex.execute("kept"), AgentExecutionError);
  // The variable is gone, and the error says why.
  assertStringIncludes(error.message, "kept is not defined");
  assertEquals(error.stateLost, true);
  assertEquals((await ex.execute("2 + 2")).output, 4);
});

/** Why this machine cannot mount a small tmpfs for the full-disk test, if it cannot. */
async function tmpfsUnavailable(): Promise<string | undefined> {
  if (Deno.build.os !== "linux") return "tmpfs mounts need Linux";
  if (Deno.uid() !== 0) return "mounting a small tmpfs needs root";
  // Root in a container may still lack the right to mount: try once.
  const probe = await Deno.makeTempDir({ prefix: "smoldeno-chaos-probe-" });
  try {
    const out = await new Deno.Command("mount", {
      args: ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe],
      stderr: "piped",
    }).output();
    if (!out.success) {
      return `mount -t tmpfs failed: ${new TextDecoder().decode(out.stderr).trim()}`;
    }
    await new Deno.Command("umount", { args: [probe] }).output();
    return undefined;
  } catch (e) {
    return `cannot run mount: ${(e as Error).message}`;
  } finally {
    await Deno.remove(probe, { recursive: true }).catch(() => {});
  }
}

const tmpfsReason = await tmpfsUnavailable();

Deno.test({
  name:
    "chaos: a full disk in the sandbox's work dir is a catchable error, and the sandbox goes on",
  ignore: tmpfsReason !== undefined,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "smoldeno-chaos-disk-" });
    const mount = await new Deno.Command("mount", {
      args: ["-t", "tmpfs", "-o", "size=1m", "tmpfs", dir],
    }).output();
    assert(mount.success, new TextDecoder().decode(mount.stderr));
    try {
      await using ex = new DenoExecutor({ cwd: dir, permissions: { write: [dir], read: [dir] } });
      const out = await ex.execute(`
        let error = "";
        try {
          Deno.writeFileSync("big.bin", new Uint8Array(4 * 1024 * 1024));
        } catch (e) {
          error = e.name + ": " + e.message;
        }
        error`);
      assertStringIncludes(String(out.output), "No space left on device");
      // The same sandbox is still there and can clean up after itself.
      assertEquals((await ex.execute("Deno.removeSync('big.bin'); 'removed'")).output, "removed");
    } finally {
      await new Deno.Command("umount", { args: [dir] }).output();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

if (tmpfsReason) console.warn(`SKIPPING the full-disk chaos test: ${tmpfsReason}`);

Deno.test("chaos: a model server that sends its headers and then stalls times out, typed, and the retry gets through", async () => {
  const stalled: ReadableStreamDefaultController<Uint8Array>[] = [];
  await using server = new FakeServer((_request, index) =>
    index === 0
      ? new Response(
        new ReadableStream<Uint8Array>({
          start(c) {
            stalled.push(c);
            c.enqueue(new TextEncoder().encode('{"id":"x","choices":['));
          },
        }),
        { headers: { "content-type": "application/json" } },
      )
      : completion("on time")
  );
  try {
    const noRetry = new OpenAIServerModel({
      modelId: "m",
      apiBase: server.origin,
      timeoutMs: 300,
      maxRetries: 0,
    });
    const error = await assertRejects(() => noRetry.generate([user("?")]), AgentGenerationError);
    assertStringIncludes(error.message.toLowerCase(), "time");
    const model = new OpenAIServerModel({
      modelId: "m",
      apiBase: server.origin,
      timeoutMs: 300,
      retryDelayMs: 1,
    });
    assertEquals((await model.generate([user("?")])).content, "on time");
  } finally {
    for (const c of stalled) c.close();
  }
});

const dockerReady = await DockerExecutor.engineAvailable();

Deno.test({
  name:
    "chaos: a Docker sandbox killed from outside (docker kill) mid-step is crashed, and the next step gets a new container",
  ignore: !dockerReady,
  async fn() {
    const image = await DockerExecutor.buildLocalImage();
    await using ex = new DockerExecutor({ image, timeoutMs: 20_000 });
    await ex.execute("1");
    const names = async () => {
      const out = await new Deno.Command("docker", {
        args: ["ps", "--filter", `label=smoldeno.host-pid=${Deno.pid}`, "--format", "{{.Names}}"],
      }).output();
      return new TextDecoder().decode(out.stdout).trim().split("\n").filter(Boolean);
    };
    const step = ex.execute("await new Promise((r) => setTimeout(r, 15_000)); 'finished'");
    await new Promise((r) => setTimeout(r, 300));
    const mine = await names(); // this test's process runs only this container now
    assertEquals(mine.length, 1, `expected this process's one container, found ${mine}`);
    await new Deno.Command("docker", { args: ["kill", ...mine] }).output();
    const error = await assertRejects(() => step, AgentExecutionError);
    assertEquals(error.kind, "crashed");
    assertEquals(error.stateLost, true);
    assertEquals((await ex.execute("6 * 7")).output, 42);
    const now = await names();
    assertEquals(now.length, 1);
    assert(now[0] !== mine[0], "the killed container was reused");
  },
});

async function dockerCli(...args: string[]): Promise<{ code: number; stdout: string }> {
  const out = await new Deno.Command("docker", { args, stdout: "piped", stderr: "null" }).output();
  return { code: out.code, stdout: new TextDecoder().decode(out.stdout).trim() };
}

/**
 * Runs a script in a new Deno process and returns its stdout's first line,
 * leaving it running; `closeOutput()` cancels the rest of its stdout.
 */
async function startHost(
  script: string,
): Promise<{ host: Deno.ChildProcess; line: string; closeOutput(): Promise<void> }> {
  const host = new Deno.Command(Deno.execPath(), {
    args: ["eval", script],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = host.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let printed = "";
  while (!printed.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    printed += value;
  }
  return { host, line: printed.trim(), closeOutput: () => reader.cancel() };
}

const DOCKER_MODULE = JSON.stringify(new URL("../executors/docker.ts", import.meta.url).href);

Deno.test({
  name:
    "chaos: a host SIGKILLed mid-step leaves a stopped container that the next process's first start sweeps",
  ignore: !dockerReady,
  async fn() {
    const image = JSON.stringify(await DockerExecutor.buildLocalImage());
    const { host, line: name, closeOutput } = await startHost(`
      import { DockerExecutor } from ${DOCKER_MODULE};
      const executor = new DockerExecutor({ image: ${image} });
      await executor.execute("1");
      console.log(executor.containerName);
      await executor.execute("await new Promise((r) => setTimeout(r, 60_000))");
    `);
    assertStringIncludes(name, "smoldeno-");
    host.kill("SIGKILL"); // mid-step, no close()
    await host.status;
    await closeOutput();
    await waitFor(
      "the orphaned container to stop",
      async () =>
        (await dockerCli("inspect", "--format", "{{.State.Running}}", name)).stdout === "false",
    );
    // Still there (stopped): nobody has cleaned up yet.
    assertEquals((await dockerCli("inspect", name)).code, 0);
    const next = await new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        `import { DockerExecutor } from ${DOCKER_MODULE};
         await using executor = new DockerExecutor({ image: ${image} });
         console.log((await executor.execute("6 * 7")).output);`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(
      new TextDecoder().decode(next.stdout).trim(),
      "42",
      new TextDecoder().decode(next.stderr),
    );
    assertEquals((await dockerCli("inspect", name)).code, 1, `${name} was not swept`);
  },
});

/**
 * A stand-in for the Docker engine's socket that forwards to the real one
 * and can be cut (every connection closed, the socket gone) and restored:
 * to the CLI, the engine stopped and came back. Stopping the real engine
 * would take every other container on this machine with it.
 */
class EngineSocketProxy {
  readonly path: string;
  #listener?: Deno.UnixListener;
  #conns = new Set<Deno.Conn>();
  #accepting?: Promise<void>;

  constructor(dir: string, readonly target = "/var/run/docker.sock") {
    this.path = `${dir}/docker.sock`;
  }

  get dockerHost(): string {
    return `unix://${this.path}`;
  }

  open(): void {
    const listener = Deno.listen({ transport: "unix", path: this.path });
    this.#listener = listener;
    this.#accepting = (async () => {
      try {
        for await (const conn of listener) this.#forward(conn);
      } catch { /* closed by cut() */ }
    })();
  }

  async #forward(conn: Deno.Conn): Promise<void> {
    this.#conns.add(conn);
    try {
      const upstream = await Deno.connect({ transport: "unix", path: this.target });
      this.#conns.add(upstream);
      await Promise.allSettled([
        conn.readable.pipeTo(upstream.writable),
        upstream.readable.pipeTo(conn.writable),
      ]);
    } catch { /* cut */ }
  }

  async cut(): Promise<void> {
    this.#listener?.close();
    await this.#accepting;
    for (const conn of this.#conns) {
      try {
        conn.close();
      } catch { /* already closed */ }
    }
    this.#conns.clear();
    await Deno.remove(this.path).catch(() => {});
  }
}

Deno.test({
  name:
    "chaos: the Docker engine going away mid-step (its socket cut by a proxy) is a typed error that names the engine, and steps work again once it is back",
  ignore: !dockerReady || !(await Deno.stat("/var/run/docker.sock").then(() => true, () => false)),
  async fn() {
    const image = await DockerExecutor.buildLocalImage();
    const dir = await Deno.makeTempDir({ prefix: "smoldeno-chaos-engine-" });
    const proxy = new EngineSocketProxy(dir);
    proxy.open();
    try {
      await using ex = new DockerExecutor({
        image,
        timeoutMs: 20_000,
        dockerHost: proxy.dockerHost,
      });
      await ex.execute("globalThis.before = 1");
      const first = ex.containerName!;
      const step = ex.execute("await new Promise((r) => setTimeout(r, 15_000)); 'finished'");
      await new Promise((r) => setTimeout(r, 300));
      await proxy.cut();
      const lost = await assertRejects(() => step, AgentExecutionError);
      assertEquals(lost.kind, "crashed");
      assertEquals(lost.stateLost, true);
      assertStringIncludes(
        lost.message,
        `The Docker engine at ${proxy.dockerHost} is not answering`,
      );
      assertStringIncludes(lost.message, "Is the docker daemon running?");
      // While it is away, a step fails at once with the same account, not a hang.
      const down = await assertRejects(() => ex.execute("1"), AgentExecutionError);
      assertStringIncludes(down.message, "The sandbox failed to start");
      assertStringIncludes(down.message, "is not answering");
      assertEquals(down.message.split("Is the docker daemon running?").length, 2, down.message);
      proxy.open();
      assertEquals((await ex.execute("typeof globalThis.before")).output, "undefined");
      // The container the cut left (the engine could not remove it then) is gone now.
      assertEquals((await dockerCli("inspect", first)).code, 1, `${first} was left behind`);
    } finally {
      await proxy.cut();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("chaos: Ctrl-C while a managed agent runs code stops both agents and leaves no process or directory", async () => {
  const module = (path: string) => JSON.stringify(new URL(path, import.meta.url).href);
  // A program as a user writes it: Ctrl-C aborts the run, then it closes both agents.
  const { host, line, closeOutput } = await startHost(`
    import { CodeAgent } from ${module("../src/agents/code_agent.ts")};
    import { ScriptedModel } from ${module("../src/testing.ts")};
    import { Logger, LogLevel } from ${module("../src/logger.ts")};
    const logger = new Logger({ level: LogLevel.OFF });
    const sub = new CodeAgent({
      name: "sub",
      description: "Waits for a long time.",
      tools: [],
      logger,
      model: new ScriptedModel({ replies: [() => {
        console.log("sub is running");
        return "Thought: wait.\\n<code>\\nawait new Promise((r) => setTimeout(r, 60_000));\\n</code>";
      }] }),
    });
    const manager = new CodeAgent({
      tools: [],
      managedAgents: [sub],
      logger,
      model: new ScriptedModel({
        replies: ["Delegating.\\n<code>\\nconst r = await sub({ task: 'Wait' });\\nfinal_answer(r);\\n</code>"],
      }),
    });
    const controller = new AbortController();
    Deno.addSignalListener("SIGINT", () => controller.abort(new DOMException("Ctrl-C", "AbortError")));
    try {
      await manager.run("Delegate", { signal: controller.signal });
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    } finally {
      await manager.close();
      await sub.close();
    }
  `);
  assertEquals(line, "sub is running");
  let sandboxes: number[] = [];
  await waitFor("both agents' sandboxes", () => (sandboxes = childrenOf(host.pid)).length >= 2);
  assert((await dirsLeftBy(host.pid)).length >= 2, "both sandboxes' directories should exist");
  host.kill("SIGINT");
  const { code } = await host.status;
  await closeOutput();
  assertEquals(code, 0);
  for (const pid of sandboxes) assert(!isAlive(pid), `sandbox process ${pid} is still running`);
  assertEquals(await dirsLeftBy(host.pid), []);
});
