// Security suite, processes and native code: spawning, signalling the host,
// FFI, the inspector, Workers asking for more than the sandbox has, and
// permission requests.

import { AgentExecutionError } from "../../src/errors.ts";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import {
  assertHostUnaffected,
  assertStillWorks,
  expectContained,
  expectFailure,
  expectOutput,
  LIMITS,
  newExecutor,
  NODE_BUILTINS,
  processGroupAlive,
  startCanary,
  startSuite,
} from "./_harness.ts";

Deno.test("security: processes, signals, FFI and the inspector are denied", async (t) => {
  await using suite = await startSuite({ authorizedImports: NODE_BUILTINS });
  const { ex, canary } = suite;
  await ex.sendVariables({ canaryPath: canary.file });

  await t.step("spawning /bin/sh with Deno.Command is denied run", async () => {
    await expectFailure(
      ex,
      `const cmd = new Deno.Command("/bin/sh", { args: ["-c", "cat /etc/passwd; env"], stdout: "piped" });
const { stdout } = await cmd.output();
new TextDecoder().decode(stdout)`,
      { kind: "permission", permission: "run" },
    );
    await suite.check();
  });

  await t.step("Deno.Command with a bare program name is denied run", async () => {
    // Regression (finding F2): used to be typed runtime NotFound (no PATH).
    await expectFailure(
      ex,
      `const out = new Deno.Command("id").outputSync();\nnew TextDecoder().decode(out.stdout)`,
      { kind: "permission", permission: "run" },
    );
    await suite.check();
  });

  await t.step("the legacy Deno.run is denied run", async () => {
    await expectFailure(
      ex,
      `const p = (Deno as any).run({ cmd: ["/usr/bin/curl", "-s", "http://example.com"], stdout: "piped" });
await p.status()`,
      { kind: "permission", permission: "run" },
    );
    await suite.check();
  });

  await t.step("node:child_process execSync is denied before anything runs", async () => {
    await expectFailure(
      ex,
      `const { execSync } = process.getBuiltinModule("node:child_process");
execSync("whoami && cat ~/.bash_history", { encoding: "utf8" })`,
      { kind: "permission", permission: "env" },
    );
    await suite.check();
  });

  await t.step("killing the host process with Deno.kill(Deno.ppid) is denied run", async () => {
    await expectFailure(ex, `Deno.kill(Deno.ppid, "SIGKILL");\n"parent gone"`, {
      kind: "permission",
      permission: "run",
    });
    await expectFailure(ex, `process.kill(process.ppid, "SIGTERM")`, {
      kind: "permission",
      permission: "run",
    });
    await suite.check();
  });

  await t.step("signalling its whole process group or every process is denied run", async () => {
    await expectFailure(ex, `Deno.kill(0, "SIGKILL")`, { kind: "permission", permission: "run" });
    await expectFailure(ex, `Deno.kill(-1, "SIGKILL")`, { kind: "permission", permission: "run" });
    await suite.check();
  });

  await t.step("Deno.dlopen of libc to call system() is denied ffi", async () => {
    await expectFailure(
      ex,
      `const libc = Deno.dlopen("libc.so.6", { system: { parameters: ["buffer"], result: "i32" } });
libc.symbols.system(new TextEncoder().encode("id > /tmp/pwned\\0"))`,
      { kind: "permission", permission: "ffi" },
    );
    await expectFailure(
      ex,
      `const m = { exports: {} };\nprocess.dlopen(m, "/lib/x86_64-linux-gnu/libc.so.6");\nm.exports`,
      { kind: "permission", permission: "ffi" },
    );
    await suite.check();
  });

  await t.step(
    "raw FFI ops reached through Deno[Deno.internal].core.ops are denied ffi",
    async () => {
      await expectFailure(
        ex,
        `const ops = (Deno as any)[(Deno as any).internal].core.ops;
const secret = new Uint8Array([42, 1, 2, 3]);
const ptr = ops.op_ffi_ptr_of_exact(secret);
ops.op_ffi_read_u8(ptr, 0)`,
        { kind: "permission", permission: "ffi" },
      );
      await expectFailure(
        ex,
        `const ops = (Deno as any)[(Deno as any).internal].core.ops;
ops.op_ffi_read_u64(ops.op_ffi_ptr_create(0x400000n), 0)`,
        { kind: "permission", permission: "ffi" },
      );
      await suite.check();
    },
  );

  await t.step("raw kill and env ops reached through Deno[Deno.internal] are gated", async () => {
    await expectFailure(
      ex,
      `const ops = (Deno as any)[(Deno as any).internal].core.ops;\nops.op_node_process_kill(Deno.ppid, 9);`,
      { kind: "permission", permission: "run" },
    );
    await expectFailure(
      ex,
      `const ops = (Deno as any)[(Deno as any).internal].core.ops;\nops.op_set_env("LD_PRELOAD", "/tmp/evil.so");`,
      { kind: "permission", permission: "env" },
    );
    await suite.check();
  });

  await t.step("connecting a node:inspector session is denied sys", async () => {
    await expectFailure(
      ex,
      `const inspector = process.getBuiltinModule("node:inspector");
const session = new inspector.Session();
session.connect();
session.post("Runtime.evaluate", { expression: "Deno.readTextFileSync('/etc/shadow')" });`,
      { kind: "permission", permission: "sys" },
    );
    await expectFailure(
      ex,
      `const inspector = process.getBuiltinModule("node:inspector");\ninspector.open(9229, "0.0.0.0");\ninspector.url()`,
      { kind: "permission", permission: "sys" },
    );
    await suite.check();
  });

  await t.step("system information the runner needed at start-up is revoked (sys)", async () => {
    await expectFailure(ex, `({ host: Deno.hostname(), os: Deno.osRelease() })`, {
      kind: "permission",
      permission: "sys",
    });
    await suite.check();
  });

  await t.step("a Worker asking for read access cannot escalate", async () => {
    await expectFailure(
      ex,
      `const src = \`postMessage(Deno.readTextFileSync(\${JSON.stringify(canaryPath)}))\`;
const url = URL.createObjectURL(new Blob([src], { type: "text/javascript" }));
const w = new Worker(url, { type: "module", deno: { permissions: { read: true, net: true } } } as any);
await new Promise((resolve) => (w.onmessage = (e) => resolve(e.data)))`,
      { kind: "permission", permission: undefined },
    );
    await suite.check();
  });

  await t.step("a polluted Object.prototype does not grant a Worker more permissions", async () => {
    await expectFailure(
      ex,
      `(Object.prototype as any).read = true;
try {
  const src = \`try { postMessage(Deno.readTextFileSync(\${JSON.stringify(canaryPath)})) } catch (e) { postMessage(e.name) }\`;
  const url = URL.createObjectURL(new Blob([src], { type: "text/javascript" }));
  const w = new Worker(url, { type: "module", deno: { permissions: { net: false } } } as any);
  await new Promise((resolve) => (w.onmessage = (e) => resolve(e.data)));
} finally {
  delete (Object.prototype as any).read;
}`,
      { kind: "permission", permission: undefined },
    );
    await suite.check();
  });

  await t.step(
    "inheriting Workers and node:worker_threads have no more than the sandbox",
    async () => {
      const web = await expectOutput(
        ex,
        `const src = \`try { postMessage(Deno.readTextFileSync(\${JSON.stringify(canaryPath)})) } catch (e) { postMessage(e.name) }\`;
const url = URL.createObjectURL(new Blob([src], { type: "text/javascript" }));
const w = new Worker(url, { type: "module", deno: { permissions: "inherit" } } as any);
const got = await new Promise((resolve) => (w.onmessage = (e) => resolve(e.data)));
w.terminate();
got`,
      );
      assertEquals(web.output, "NotCapable");
      const node = await expectOutput(
        ex,
        `const { Worker: NodeWorker } = process.getBuiltinModule("node:worker_threads");
const w = new NodeWorker(\`
  const { parentPort } = require("node:worker_threads");
  try { parentPort.postMessage(require("node:fs").readFileSync(\${JSON.stringify(canaryPath)}, "utf8")); }
  catch (e) { parentPort.postMessage(e.name); }\`, { eval: true });
const got = await new Promise((resolve) => w.on("message", resolve));
await w.terminate();
got`,
      );
      assertEquals(node.output, "NotCapable");
      await suite.check();
    },
  );

  await t.step(
    "Deno.permissions.request is denied for every permission, and changes nothing",
    async () => {
      const out = await expectOutput(
        ex,
        `const names = ["read", "write", "net", "env", "sys", "run", "ffi", "import"] as const;
const states: Record<string, string> = {};
for (const name of names) states[name] = (await Deno.permissions.request({ name } as Deno.PermissionDescriptor)).state;
states`,
      );
      assertEquals(out.output, {
        read: "denied",
        write: "denied",
        net: "denied",
        env: "denied",
        sys: "denied",
        run: "denied",
        ffi: "denied",
        import: "denied",
      });
      await expectFailure(ex, `Deno.readTextFileSync(canaryPath)`, {
        kind: "permission",
        permission: "read",
      });
      await suite.check();
    },
  );
});

Deno.test("security: Deno.exit() ends only the sandbox, typed crashed", async () => {
  await expectContained(
    LIMITS,
    `console.log("cleaning up");\nDeno.exit(0);`,
    { kind: "crashed" },
  );
});

Deno.test("security: a SIGTERM-trapping busy loop is still killed at the timeout", async () => {
  await expectContained(
    LIMITS,
    `Deno.addSignalListener("SIGTERM", () => console.log("ignoring SIGTERM"));
Deno.addSignalListener("SIGINT", () => console.log("ignoring SIGINT"));
let n = 0;
while (true) n++;`,
    { kind: "timeout" },
  );
});

Deno.test("security: a sandbox that stops itself with SIGSTOP is killed at the timeout", async () => {
  await expectContained(LIMITS, `Deno.kill(Deno.pid, "SIGSTOP");\n"frozen"`, { kind: "timeout" });
});

Deno.test("security: aborting a hostile step kills the whole sandbox at once", async () => {
  await using canary = await startCanary();
  await using ex = newExecutor({ ...LIMITS, timeoutMs: 60_000 });
  await assertStillWorks(ex);
  const pid = ex.pid!;
  const controller = new AbortController();
  const running = ex.execute(
    `Deno.addSignalListener("SIGTERM", () => {});
const url = URL.createObjectURL(new Blob(["while (true) {}"], { type: "text/javascript" }));
for (let i = 0; i < 4; i++) new Worker(url, { type: "module" });
while (true) {}`,
    { signal: controller.signal },
  );
  setTimeout(() => controller.abort(new Error("user pressed stop")), 300);
  const reason = await assertRejects(() => running);
  assertEquals(reason.message, "user pressed stop");
  assert(!processGroupAlive(pid), "the aborted sandbox is still alive");
  await assertHostUnaffected(canary);
  await assertStillWorks(ex);
});

Deno.test("security: closing the executor during a hostile step kills the sandbox", async () => {
  await using canary = await startCanary();
  const ex = newExecutor({ ...LIMITS, timeoutMs: 60_000 });
  await assertStillWorks(ex);
  const pid = ex.pid!;
  const running = ex.execute(
    `Deno.addSignalListener("SIGTERM", () => {});\nwhile (true) {}`,
  );
  const outcome = running.then(() => null, (e: unknown) => e);
  await new Promise((resolve) => setTimeout(resolve, 200));
  await ex.close();
  const error = await outcome;
  assert(error instanceof AgentExecutionError, `expected AgentExecutionError, got ${error}`);
  assertEquals(error.kind, "crashed");
  assert(!processGroupAlive(pid), "the sandbox survived close()");
  await assertHostUnaffected(canary);
  await assertRejects(() => ex.execute("1 + 1"), Error, "closed");
});

Deno.test("security: a sandbox does not outlive a host that is killed", async () => {
  const script = `
import { DenoExecutor } from ${
    JSON.stringify(new URL("../../executors/deno_executor.ts", import.meta.url).href)
  };
const ex = new DenoExecutor({ onWarning: () => {} });
const { output: runner } = await ex.execute("new URL(Deno.mainModule).pathname");
console.log(ex.pid, runner);
await ex.execute('Deno.addSignalListener("SIGTERM", () => {}); while (true) {}');
`;
  const host = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--config", new URL("../../deno.json", import.meta.url).pathname, script],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = host.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  const [pidText, runnerPath] = text.trim().split(" ");
  const sandboxPid = Number(pidText);
  assert(
    Number.isInteger(sandboxPid) && sandboxPid > 0,
    `no sandbox pid in ${JSON.stringify(text)}`,
  );
  assert(processGroupAlive(sandboxPid), "the sandbox should be running");
  host.kill("SIGKILL");
  await host.status;
  await reader.cancel();
  // The sandbox notices its stdin closing and kills itself; give it a moment.
  for (let i = 0; i < 100 && processGroupAlive(sandboxPid); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert(!processGroupAlive(sandboxPid), "the sandbox outlived its killed host");
  // The killed host could not remove its sandbox's temp directory; do it for it.
  if (runnerPath?.endsWith("/runner.js")) {
    // (Another executor's start-up sweep may already have removed it.)
    await Deno.remove(runnerPath.slice(0, -"/runner.js".length), { recursive: true })
      .catch((e) => {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      });
  }
});

Deno.test("security: a sandbox does not outlive a host that forgets close() and exits", async () => {
  const script = `
import { DenoExecutor } from ${
    JSON.stringify(new URL("../../executors/deno_executor.ts", import.meta.url).href)
  };
const ex = new DenoExecutor({ onWarning: () => {} });
const { output: runner } = await ex.execute(
  'setInterval(() => {}, 1000); Deno.addSignalListener("SIGTERM", () => {}); new URL(Deno.mainModule).pathname',
);
console.log(ex.pid, runner);
// No close(): the host program simply ends here.
`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--config", new URL("../../deno.json", import.meta.url).pathname, script],
    stdout: "piped",
    stderr: "null",
  }).output();
  assert(out.success, "the host program should end on its own, not hang on the sandbox");
  const [pidText, runnerPath] = new TextDecoder().decode(out.stdout).trim().split(" ");
  const sandboxPid = Number(pidText);
  assert(Number.isInteger(sandboxPid) && sandboxPid > 0, `no sandbox pid in ${pidText}`);
  for (let i = 0; i < 100 && processGroupAlive(sandboxPid); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert(!processGroupAlive(sandboxPid), "the sandbox outlived its host");
  if (runnerPath?.endsWith("/runner.js")) {
    await Deno.remove(runnerPath.slice(0, -"/runner.js".length), { recursive: true })
      .catch((e) => {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      });
  }
});
