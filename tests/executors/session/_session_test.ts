// RunnerSession against a scripted stand-in runner (a mocked boundary: no
// process; the real runner is exercised in deno_executor_test.ts). This is
// how a launcher (Docker, E2B) plugs in: any stdio pair plus kill().
import { AgentExecutionError } from "../../../src/errors.ts";
import type { Tool } from "../../../src/tool.ts";
import { encodeValue, signFrame } from "../../../executors/session/_protocol.ts";
import { RunnerSession, type SandboxProcess } from "../../../executors/session/_session.ts";
import { assert, assertEquals, assertRejects, assertStringIncludes } from "../../_assert.ts";

interface FakeRunner {
  proc: SandboxProcess;
  /** Next message the host sent. */
  next(): Promise<Record<string, unknown>>;
  /** Writes a frame signed with the session key (seq handled). */
  send(message: unknown): Promise<void>;
  /** Writes raw bytes to stdout. */
  raw(text: string): Promise<void>;
}

function fakeRunner(): FakeRunner {
  const stdin = new TransformStream<Uint8Array, Uint8Array>();
  const stdout = new TransformStream<Uint8Array, Uint8Array>();
  const reader = stdin.readable.pipeThrough(new TextDecoderStream()).getReader();
  const writer = stdout.writable.getWriter();
  let exit!: (v: { code: number | null; signal: string | null }) => void;
  const exited = new Promise<{ code: number | null; signal: string | null }>((r) => exit = r);
  let buffer = "";
  let key = "";
  let seq = 0;
  let killed = false;
  const next = async (): Promise<Record<string, unknown>> => {
    while (!buffer.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error("stdin closed");
      buffer += value;
    }
    const line = buffer.slice(0, buffer.indexOf("\n"));
    buffer = buffer.slice(line.length + 1);
    return JSON.parse(line);
  };
  const enc = new TextEncoder();
  return {
    proc: {
      stdin: stdin.writable,
      stdout: stdout.readable,
      exited,
      kill() {
        if (killed) return;
        killed = true;
        writer.close().catch(() => {});
        reader.cancel().catch(() => {});
        exit({ code: null, signal: "SIGKILL" });
      },
    },
    next: async () => {
      const m = await next();
      if (m.t === "hello") key = String(m.key);
      return m;
    },
    send: (message) => writer.write(enc.encode(signFrame(key, ++seq, message))),
    raw: (text) => writer.write(enc.encode(text)),
  };
}

async function started(): Promise<{ fake: FakeRunner; session: RunnerSession }> {
  const fake = fakeRunner();
  const starting = RunnerSession.start(fake.proc, { maxOutputLength: 1000 });
  const hello = await fake.next();
  assertEquals([hello.t, typeof hello.key, (hello.key as string).length], ["hello", "string", 64]);
  await fake.send({ t: "ready", v: 1 });
  return { fake, session: await starting };
}

const echo: Tool = {
  name: "echo",
  description: "Returns its input.",
  inputs: { value: { type: "any", description: "anything" } },
  outputType: "any",
  call: (args) => Promise.resolve(args.value),
};

Deno.test("RunnerSession runs a step and returns the runner's decoded value and logs (scripted runner)", async () => {
  const { fake, session } = await started();
  const running = session.execute("1 + 1", { timeoutMs: 5000 });
  const exec = await fake.next();
  assertEquals([exec.t, exec.code], ["exec", "1 + 1"]);
  await fake.send({
    t: "done",
    step: exec.id,
    ok: true,
    final: false,
    value: encodeValue(new Map([[1, 2n]])),
    logs: "hi\n",
  });
  assertEquals(await running, { output: new Map([[1, 2n]]), logs: "hi\n", isFinalAnswer: false });
  await session.close();
});

Deno.test("RunnerSession shows frames without a valid MAC as output text (scripted runner)", async () => {
  const { fake, session } = await started();
  const running = session.execute("x", { timeoutMs: 5000 });
  const exec = await fake.next();
  await fake.raw(signFrame("00".repeat(32), 2, { t: "done", step: exec.id, ok: true, logs: "" }));
  await fake.send({ t: "done", step: exec.id, ok: true, final: false, value: 1, logs: "" });
  const out = await running;
  assertEquals(out.output, 1);
  assertStringIncludes(out.logs, "SMOLDENO1");
  await session.close();
});

Deno.test("RunnerSession treats a signed but invalid frame as a crash and kills the runner (scripted runner)", async () => {
  const { fake, session } = await started();
  const running = session.execute("x", { timeoutMs: 5000 });
  await fake.next();
  await fake.send({ t: "shell", command: "rm -rf /" });
  const err = await assertRejects(() => running, AgentExecutionError);
  assertEquals([err.kind, err.stateLost], ["crashed", true]);
  assertStringIncludes(err.message, "invalid frame");
  assertEquals(session.alive, false);
  await session.close();
});

Deno.test("RunnerSession validates tool calls on the host before running anything (scripted runner)", async () => {
  const calls: unknown[] = [];
  const spy: Tool = { ...echo, call: (args) => Promise.resolve(calls.push(args)) };
  const { fake, session } = await started();
  const toolsSet = session.setTools({ echo: spy });
  const tools = await fake.next();
  assertEquals(tools.tools, [{ name: "echo", params: ["value"] }]);
  await fake.send({ t: "ack", id: tools.id });
  await toolsSet;
  const running = session.execute("x", { timeoutMs: 5000 });
  const exec = await fake.next();
  const ask = async (id: number, tool: string, args: unknown) => {
    await fake.send({ t: "call", step: exec.id, id, tool, args });
    return await fake.next();
  };
  const unknown = await ask(1, "rm", {});
  assertEquals(unknown.ok, false);
  assertStringIncludes(
    String((unknown.error as Record<string, unknown>).message),
    'Cannot find tool "rm": available tools are "echo"',
  );
  const proto = await ask(2, "echo", { $t: "class", v: "x" });
  assertEquals(proto.ok, false);
  const polluted = await ask(3, "echo", JSON.parse('{"__proto__": {"admin": true}, "value": 1}'));
  assertEquals(polluted.ok, true);
  assertEquals(({} as Record<string, unknown>).admin, undefined);
  const positional = await ask(4, "echo", [1, 2]);
  assertEquals(positional.ok, false);
  assertEquals(calls.length, 1);
  await fake.send({ t: "done", step: exec.id, ok: true, final: false, value: null, logs: "" });
  await running;
  await session.close();
});

Deno.test("RunnerSession kills the runner at the timeout and reports kind timeout (scripted runner)", async () => {
  const { fake, session } = await started();
  const err = await assertRejects(
    () => session.execute("while (true) {}", { timeoutMs: 50 }),
    AgentExecutionError,
  );
  assertEquals([err.kind, err.stateLost], ["timeout", true]);
  assert(!session.alive);
  await fake.next().catch(() => {});
  await session.close();
});

Deno.test("RunnerSession.start() fails with kind crashed when the runner never gets ready (scripted runner)", async () => {
  const fake = fakeRunner();
  const err = await assertRejects(
    () => RunnerSession.start(fake.proc, { maxOutputLength: 100, startupTimeoutMs: 50 }),
    AgentExecutionError,
  );
  assertEquals(err.kind, "crashed");
  assertStringIncludes(err.message, "did not start in time");
});
