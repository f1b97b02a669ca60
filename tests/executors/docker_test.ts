// DockerExecutor against the real Docker engine (.ci/docker.sh installs and
// starts one and builds the local image). Without a reachable engine the
// engine tests are ignored, and the reason is printed.

import { CodeAgent } from "../../src/agents/code_agent.ts";
import { AgentExecutionError } from "../../src/errors.ts";
import { LogLevel } from "../../src/logger.ts";
import { ScriptedModel } from "../../src/testing.ts";
import { tool } from "../../src/tool.ts";
import { MCPClient } from "../../tools/mcp.ts";
import {
  DEFAULT_DOCKER_IMAGE,
  DockerExecutor,
  dockerWorkerBudget,
} from "../../executors/docker.ts";
import {
  assert,
  assertEquals,
  assertNotEquals,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "../_assert.ts";
import { DockerContainer, runnerDataUrl } from "../../executors/docker/_container.ts";
import { executorContract } from "./_contract.ts";
import { startHostProgram } from "./_host_program.ts";

const available = await DockerExecutor.engineAvailable();
const skip = available
  ? false
  : "no Docker engine is reachable (docker version failed): run .ci/docker.sh";
// CI provisions an engine (.ci/run sets SMOLDENO_REQUIRE_DOCKER=1): there a
// missing engine is a failure, not a silent skip.
const required = Deno.env.get("SMOLDENO_REQUIRE_DOCKER") === "1";
if (skip && required) {
  Deno.test("DockerExecutor's engine tests must run here (SMOLDENO_REQUIRE_DOCKER=1)", () => {
    throw new Error(`The DockerExecutor engine tests must run here, but ${skip}`);
  });
} else if (skip) console.warn(`SKIPPING the DockerExecutor engine tests: ${skip}`);
const image = available ? await DockerExecutor.buildLocalImage() : DEFAULT_DOCKER_IMAGE;
const ignore = skip !== false;

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

async function docker(...args: string[]): Promise<{ code: number; stdout: string }> {
  const out = await new Deno.Command("docker", { args, stdout: "piped", stderr: "null" }).output();
  return { code: out.code, stdout: new TextDecoder().decode(out.stdout).trim() };
}

executorContract(
  "DockerExecutor (real engine)",
  (o) => new DockerExecutor({ image, timeoutMs: o.timeoutMs }),
  { skip, shortTimeoutMs: 2_500 },
);

Deno.test("DockerExecutor rejects bad options at construction, before any container starts", () => {
  assertThrows(() => new DockerExecutor({ memoryLimitMb: 1 }), RangeError, "memoryLimitMb");
  assertThrows(() => new DockerExecutor({ user: "0" }), TypeError, "non-zero uid");
  assertThrows(() => new DockerExecutor({ image: "--privileged" }), TypeError, "image");
  assertThrows(() => new DockerExecutor({ network: "host;rm" }), TypeError, "network");
  assertThrows(() => new DockerExecutor({ runtime: "--privileged" }), TypeError, "runtime");
  assertThrows(
    () => new DockerExecutor({ mounts: [{ hostPath: "relative", containerPath: "/data" }] }),
    TypeError,
    "absolute path",
  );
  assertThrows(
    () =>
      new DockerExecutor({ mounts: [{ hostPath: "/srv/a,readonly=false", containerPath: "/a" }] }),
    TypeError,
    "without commas or quotes",
  );
  assertThrows(
    () => new DockerExecutor({ mounts: [{ hostPath: "/tmp", containerPath: "/tmp" }] }),
    TypeError,
    "reserved",
  );
  assertThrows(() => new DockerExecutor({ env: { "BAD-NAME": "x" } }), TypeError, "env entry");
  // deno-lint-ignore no-explicit-any
  assertThrows(() => new DockerExecutor({ permissions: { network: true } as any }), TypeError);
});

Deno.test("DockerExecutor reports a missing Docker CLI as a crashed start saying what to install", async () => {
  await using executor = new DockerExecutor({ dockerPath: "smoldeno-no-such-docker" });
  const error = await assertRejects(() => executor.execute("1"), AgentExecutionError);
  assertEquals(error.kind, "crashed");
  assertStringIncludes(error.message, 'the Docker CLI "smoldeno-no-such-docker" is not installed');
});

Deno.test("DockerExecutor reports an unreachable engine as a crashed start with the CLI's reason", async () => {
  await using executor = new DockerExecutor({ dockerHost: "unix:///nonexistent/docker.sock" });
  const error = await assertRejects(() => executor.execute("1"), AgentExecutionError);
  assertEquals(error.kind, "crashed");
  assertStringIncludes(error.message, "Cannot connect to the Docker daemon");
  // The executor stays usable: the next execute tries again (and fails the same way).
  await assertRejects(() => executor.execute("1"), AgentExecutionError);
});

Deno.test("DockerExecutor passes the runner as a data: URL and refuses one too long for an argument", () => {
  const url = runnerDataUrl("console.log(1);");
  assertEquals(atob(url.slice(url.indexOf(",") + 1)), "console.log(1);");
  assertThrows(() => runnerDataUrl("x".repeat(200_000)), RangeError, "command-line argument");
});

Deno.test("DockerExecutor defaults to the pinned official distroless Deno image", async () => {
  await using executor = new DockerExecutor();
  assertEquals(executor.image, DEFAULT_DOCKER_IMAGE);
  assertEquals(DEFAULT_DOCKER_IMAGE, "denoland/deno:distroless-2.9.6");
});

Deno.test({
  name: "DockerExecutor.buildLocalImage() reuses the image of an unchanged Deno binary",
  ignore,
  async fn() {
    const id = (await docker("image", "inspect", "--format", "{{.Id}}", image)).stdout;
    assertEquals(await DockerExecutor.buildLocalImage(), image);
    // A fresh process recomputes the content hash and finds the same image.
    const module = new URL("../../executors/docker.ts", import.meta.url).href;
    const fresh = await new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        `import { DockerExecutor } from ${
          JSON.stringify(module)
        }; console.log(await DockerExecutor.buildLocalImage());`,
      ],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    assertEquals(new TextDecoder().decode(fresh.stdout).trim(), image);
    assertEquals((await docker("image", "inspect", "--format", "{{.Id}}", image)).stdout, id);
    assertStringIncludes(image, `smoldeno-deno:${Deno.version.deno}-`);
    const user = await docker("image", "inspect", "--format", "{{.Config.User}}", image);
    assertEquals(user.stdout, "65534:65534");
  },
});

Deno.test({
  name:
    "DockerExecutor.buildLocalImage() holds only deno, its libraries, two /etc files and a sticky /tmp",
  ignore,
  async fn() {
    const created = await docker("create", image);
    try {
      const listing = await new Deno.Command("bash", {
        args: ["-c", `docker export ${created.stdout} | tar -tv`],
        stdout: "piped",
      }).output();
      const entries = new TextDecoder().decode(listing.stdout).trim().split("\n").map((line) => {
        const [mode, owner, , , , ...rest] = line.split(/\s+/);
        return { mode, owner, path: rest.join(" ") };
      });
      // The engine adds /dev, /proc, /sys, /.dockerenv and the /etc files it bind-mounts.
      const engine = /^(\.dockerenv|dev\/|proc\/|sys\/|etc\/(hostname|hosts|resolv\.conf|mtab))/;
      const ours = entries.filter((e) => !engine.test(e.path));
      const files = ours.filter((e) => e.mode.startsWith("-")).map((e) => e.path).sort();
      assertEquals(files.filter((f) => !f.startsWith("lib")), [
        "bin/deno",
        "etc/group",
        "etc/passwd",
      ]);
      assert(files.some((f) => /^lib.*\/libc\.so/.test(f)), files.join(", "));
      assert(!files.includes("bin/sh"), "no shell in the image");
      assert(ours.every((e) => e.owner === "root/root"), "every file is root-owned");
      assertEquals(ours.find((e) => e.path === "tmp/")?.mode, "drwxrwxrwt");
      assertEquals(ours.find((e) => e.path === "bin/deno")?.mode, "-rwxr-xr-x");
    } finally {
      await docker("rm", created.stdout);
    }
  },
});

Deno.test({
  name: "DockerExecutor runs a hardened container: no network, no capabilities, read-only, limits",
  ignore,
  async fn() {
    await using executor = new DockerExecutor({
      image,
      memoryLimitMb: 256,
      pidsLimit: 50,
      runtime: "runc", // the engine's default, named explicitly
    });
    await executor.execute("1");
    const name = executor.containerName!;
    const format = [
      "{{.HostConfig.NetworkMode}}",
      "{{.HostConfig.CapDrop}}",
      "{{.HostConfig.SecurityOpt}}",
      "{{.HostConfig.ReadonlyRootfs}}",
      "{{.HostConfig.PidsLimit}}",
      "{{.HostConfig.Memory}}",
      "{{.HostConfig.MemorySwap}}",
      "{{.HostConfig.Init}}",
      "{{.Config.User}}",
      "{{.HostConfig.PortBindings}}",
      '{{index .Config.Labels "smoldeno.executor"}}',
      '{{index .Config.Labels "smoldeno.host-pid"}}',
      "{{.HostConfig.Runtime}}",
    ].join("|");
    const inspect = await docker("inspect", "--format", format, name);
    const mb = String(256 * 1024 * 1024);
    assertEquals(inspect.stdout.split("|"), [
      "none",
      "[ALL]",
      "[no-new-privileges]",
      "true",
      "50",
      mb,
      mb,
      "true",
      "65534:65534",
      "map[]",
      "1",
      String(Deno.pid),
      "runc",
    ]);
  },
});

Deno.test({
  name: "DockerExecutor keeps the code off the network even when Deno's net permission allows it",
  ignore,
  async fn() {
    // A host server on the bridge gateway: reachable from a bridged container,
    // so the negative case below can only pass because of --network none.
    const gateway = Deno.networkInterfaces().find((i) =>
      i.name === "docker0" && i.family === "IPv4"
    )?.address;
    assert(gateway, "the engine's docker0 bridge has an IPv4 address");
    await using server = Deno.serve(
      { hostname: "0.0.0.0", port: 0, onListen: () => {} },
      () => new Response("host secret page"),
    );
    const target = `${gateway}:${server.addr.port}`;
    const code = `(await fetch("http://${target}/")).text()`;

    await using bridged = new DockerExecutor({
      image,
      network: "bridge",
      permissions: { net: [target] },
    });
    assertEquals((await bridged.execute(code)).output, "host secret page");

    await using isolated = new DockerExecutor({ image, permissions: { net: [target] } });
    const error = await assertRejects(() => isolated.execute(code), AgentExecutionError);
    assertEquals(error.kind, "runtime");
    assert(!error.message.includes("host secret page"));
  },
});

Deno.test({
  name: "DockerExecutor on a bridged network still denies net: true the host's own addresses",
  ignore,
  async fn() {
    const own = Deno.networkInterfaces().find((i) =>
      i.family === "IPv4" && i.name !== "lo" && i.name !== "docker0" && !i.name.startsWith("veth")
    )?.address;
    assert(own, "the host has a non-loopback IPv4 address");
    await using server = Deno.serve(
      { hostname: "0.0.0.0", port: 0, onListen: () => {} },
      () => new Response("host service"),
    );
    const target = `${own}:${server.addr.port}`;
    const code = `(await fetch("http://${target}/")).text()`;
    // Listed explicitly, the address is reachable: the route exists.
    await using listed = new DockerExecutor({
      image,
      network: "bridge",
      permissions: { net: [target] },
    });
    assertEquals((await listed.execute(code)).output, "host service");
    await using open = new DockerExecutor({ image, network: "bridge", permissions: { net: true } });
    const error = await assertRejects(() => open.execute(code), AgentExecutionError);
    assertEquals(error.kind, "permission");
    assertEquals(error.permission, "net");
  },
});

Deno.test({
  name: "DockerExecutor shows the code no host file except its mounts, read-only unless asked",
  ignore,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "smoldeno-docker-test-" });
    try {
      await Deno.writeTextFile(`${dir}/shared.txt`, "mounted for the code");
      await Deno.chmod(dir, 0o755);
      await Deno.chmod(`${dir}/shared.txt`, 0o644);
      const writable = await Deno.makeTempDir({ dir, prefix: "out-" });
      await Deno.chmod(writable, 0o777); // the container user (65534) must be able to write
      await using executor = new DockerExecutor({
        image,
        permissions: { read: true, write: ["/data", "/out"] },
        mounts: [
          { hostPath: dir, containerPath: "/data" },
          { hostPath: writable, containerPath: "/out", readOnly: false },
        ],
      });
      const seen = await executor.execute('await Deno.readTextFile("/data/shared.txt")');
      assertEquals(seen.output, "mounted for the code");

      const hostFile = await assertRejects(
        () => executor.execute(`await Deno.readTextFile(${JSON.stringify(`${dir}/shared.txt`)})`),
        AgentExecutionError,
      );
      assertStringIncludes(hostFile.message, "NotFound");

      const write = await assertRejects(
        () => executor.execute('await Deno.writeTextFile("/data/new.txt", "x")'),
        AgentExecutionError,
      );
      assertStringIncludes(write.message, "Read-only file system");
      await executor.execute('await Deno.writeTextFile("/out/result.txt", "written by the code")');
      assertEquals(await Deno.readTextFile(`${writable}/result.txt`), "written by the code");
      const etc = await executor.execute(
        '(await Deno.readTextFile("/etc/passwd")).split("\\n")[0]',
      );
      assertEquals(etc.output, "root:x:0:0:root:/root:/sbin/nologin"); // the image's, not the host's
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "DockerExecutor imports an authorized npm package from the host's read-only cache, offline",
  ignore,
  async fn() {
    const tmp = Deno.env.get("TMPDIR") || "/tmp";
    const caches = () =>
      [...Deno.readDirSync(tmp)].filter((e) => e.name.startsWith(`smoldeno-docker-${Deno.pid}-`))
        .length;
    const before = caches();
    const executor = new DockerExecutor({ image, authorizedImports: ["npm:lodash@4"] });
    try {
      const out = await executor.execute(
        'import _ from "npm:lodash@4";\nJSON.stringify(_.chunk([1, 2, 3], 2))',
      );
      assertEquals(out.output, "[[1,2],[3]]");
      assertEquals(caches(), before + 1);
      const refused = await assertRejects(
        () => executor.execute('import "npm:left-pad@1";'),
        AgentExecutionError,
      );
      assertEquals(refused.kind, "import");
    } finally {
      await executor.close();
    }
    assertEquals(caches(), before);
  },
});

Deno.test({
  name: "DockerExecutor's PID limit stops a Worker bomb with a catchable error",
  ignore,
  async fn() {
    // Each Worker takes about two threads, and Deno aborts the whole sandbox
    // when one of its own threads cannot start: a bomb that reached the
    // kernel's limit crashed the sandbox (exit code 1), 3 runs of 3 on Docker
    // 20.10. The runner's Worker cap keeps that room, and the sandbox lives.
    await using executor = new DockerExecutor({ image, pidsLimit: 32 });
    const out = await executor.execute(`
      const url = URL.createObjectURL(new Blob(["setInterval(() => {}, 1000)"], { type: "text/javascript" }));
      const workers = [];
      let error = "";
      try {
        for (let i = 0; i < 200; i++) workers.push(new Worker(url, { type: "module" }));
      } catch (e) {
        error = String(e);
      }
      for (const w of workers) w.terminate();
      const kept = "state after the bomb";
      ({ started: workers.length, error })`);
    const { started, error } = out.output as { started: number; error: string };
    assert(started < 32, `started ${started} workers under a limit of 32 processes/threads`);
    assertEquals(started, dockerWorkerBudget(32));
    assertStringIncludes(error, "Resource temporarily unavailable");
    assertStringIncludes(error, "maxWorkers");
    // The sandbox was not restarted: the step's variables are still there,
    // and the terminated Workers gave their slots back.
    const after = await executor.execute(`
      const w = new Worker(URL.createObjectURL(new Blob(["postMessage(6 * 7)"], { type: "text/javascript" })), { type: "module" });
      const n = await new Promise((resolve) => (w.onmessage = (e) => resolve(e.data)));
      w.terminate();
      [kept, n]`);
    assertEquals(after.output, ["state after the bomb", 42]);
  },
});

Deno.test({
  name: "DockerExecutor: when Deno's own threads hit the PID limit, the error says so",
  ignore,
  async fn() {
    // No Worker at all: thousands of async crypto calls grow Deno's I/O
    // thread pool past a 16-PID container (20 threads for 50 calls in
    // flight, 38 for 3 000). Deno then aborts; the error must say why.
    // The pool only grows while every thread is busy, and on a loaded
    // machine one burst could finish before it grew (seen once in a full
    // run): bursts are repeated, so the pool reaches the limit in one.
    await using executor = new DockerExecutor({ image, pidsLimit: 16 });
    const error = await assertRejects(
      () =>
        executor.execute(
          "const data = new Uint8Array(1e5);\nfor (let burst = 0; burst < 20; burst++) {\n  await Promise.all(Array.from({ length: 3000 }, () => crypto.subtle.digest('SHA-256', data)));\n}",
        ),
      AgentExecutionError,
    );
    assertEquals(error.kind, "crashed");
    assertStringIncludes(error.message, "process/thread limit");
    assertStringIncludes(error.message, "pidsLimit");
    assertEquals(error.stateLost, true);
    // The next step gets a fresh sandbox.
    assertEquals((await executor.execute("1 + 1")).output, 2);
  },
});

Deno.test("DockerExecutor refuses a maxWorkers its pidsLimit cannot hold", () => {
  assertEquals(dockerWorkerBudget(64), 16);
  assertEquals(dockerWorkerBudget(16), 0);
  const error = assertThrows(
    () => new DockerExecutor({ image, pidsLimit: 64, maxWorkers: 40 }),
    RangeError,
  );
  assertStringIncludes(error.message, "maxWorkers");
  assertStringIncludes(error.message, "pidsLimit 64");
  assertThrows(() => new DockerExecutor({ image, maxWorkers: -1 }), RangeError);
  new DockerExecutor({ image, pidsLimit: 256, maxWorkers: 40 });
});

Deno.test({
  name: "DockerExecutor leaves the code no Cache API or localStorage to fill",
  ignore,
  async fn() {
    await using executor = new DockerExecutor({ image });
    const out = await executor.execute(`
      const results = [];
      try {
        const cache = await caches.open("fill");
        await cache.put("http://example.com/", new Response("x"));
        results.push("cache stored");
      } catch (e) {
        results.push("cache refused");
      }
      try {
        localStorage.setItem("fill", "x");
        results.push("localStorage stored");
      } catch (e) {
        results.push("localStorage refused");
      }
      results`);
    assertEquals(out.output, ["cache refused", "localStorage refused"]);
  },
});

Deno.test({
  name: "DockerExecutor's size-capped tmpfs stops a disk fill even with write permission",
  ignore,
  async fn() {
    await using executor = new DockerExecutor({
      image,
      tmpfsSizeMb: 16,
      permissions: { write: ["/tmp"] },
    });
    const out = await executor.execute(`
      let written = 0;
      let error = "";
      try {
        using file = await Deno.open("/tmp/fill", { write: true, create: true });
        const chunk = new Uint8Array(1024 * 1024);
        for (;;) {
          await file.write(chunk);
          written++;
        }
      } catch (e) {
        error = String(e);
      }
      ({ written, error })`);
    const { written, error } = out.output as { written: number; error: string };
    assert(written <= 16, `wrote ${written} MB into a 16 MB tmpfs`);
    assertStringIncludes(error, "No space left on device");
  },
});

Deno.test({
  name:
    "DockerExecutor reports the kernel's OOM kill and a heap bomb as kind memory, then starts afresh",
  ignore,
  async fn() {
    await using executor = new DockerExecutor({ image, memoryLimitMb: 128 });
    await executor.execute("const kept = 1;");
    const first = executor.containerName;
    // ArrayBuffers escape V8's heap cap: only the container's cgroup stops them.
    const error = await assertRejects(
      () =>
        executor.execute(
          "const hoard = [];\nfor (;;) hoard.push(new Uint8Array(32 * 1024 * 1024).fill(1));",
        ),
      AgentExecutionError,
    );
    assertEquals(error.kind, "memory");
    assertEquals(error.stateLost, true);
    assertStringIncludes(error.message, "memory limit of 128 MB");
    assertEquals((await executor.execute("typeof kept")).output, "undefined");
    assertNotEquals(executor.containerName, first);

    // A JS heap bomb meets V8's heap cap (below the container limit) first.
    const heap = await assertRejects(
      () => executor.execute("const keep = [];\nfor (;;) keep.push(new Array(1e6).fill(1.5));"),
      AgentExecutionError,
    );
    assertEquals(heap.kind, "memory");
  },
});

Deno.test({
  name: "DockerExecutor kills a SIGTERM-trapping loop at the timeout and removes that container",
  ignore,
  async fn() {
    await using executor = new DockerExecutor({ image, timeoutMs: 2_000 });
    await executor.execute("1");
    const first = executor.containerName!;
    const error = await assertRejects(
      () =>
        executor.execute(
          'try { Deno.addSignalListener("SIGTERM", () => {}); } catch { /* no permission */ }\nwhile (true) {}',
        ),
      AgentExecutionError,
    );
    assertEquals(error.kind, "timeout");
    assertEquals((await executor.execute("21 * 2")).output, 42);
    assertNotEquals(executor.containerName, first);
    assertEquals((await docker("inspect", first)).code, 1, `${first} still exists`);
  },
});

Deno.test({
  name: "DockerExecutor's kill lands even when issued while the container is still being created",
  ignore,
  async fn() {
    const container = DockerContainer.start({
      image,
      memoryLimitMb: 128,
      cpus: 1,
      pidsLimit: 64,
      network: "none",
      tmpfsSizeMb: 16,
      user: "65534:65534",
      mounts: [],
      env: {},
    }, { args: ["eval", "setInterval(() => {}, 1000)"] });
    container.kill(); // before `docker run` has created anything
    const exit = await container.exited;
    assertEquals(exit.code, 137);
    await container.remove();
    assertEquals((await docker("inspect", container.name)).code, 1);
  },
});

Deno.test({
  name: "DockerExecutor reaches the engine named by dockerHost",
  ignore: ignore || !(await exists("/var/run/docker.sock")),
  async fn() {
    await using executor = new DockerExecutor({ image, dockerHost: "unix:///var/run/docker.sock" });
    assertEquals((await executor.execute("'via ' + 'dockerHost'")).output, "via dockerHost");
  },
});

Deno.test({
  name: "DockerExecutor.close() removes its container",
  ignore,
  async fn() {
    const executor = new DockerExecutor({ image });
    await executor.execute("1");
    const name = executor.containerName!;
    assertEquals((await docker("inspect", "--format", "{{.State.Running}}", name)).stdout, "true");
    await executor.close();
    await executor.close();
    assertEquals((await docker("inspect", name)).code, 1);
    assertEquals(executor.containerName, undefined);
  },
});

Deno.test({
  name:
    "DockerExecutor's container stops when its host process dies, and cleanupStale() removes it",
  ignore,
  async fn() {
    const script = `
      import { DockerExecutor } from ${
      JSON.stringify(new URL("../../executors/docker.ts", import.meta.url).href)
    };
      const executor = new DockerExecutor({ image: ${JSON.stringify(image)} });
      await executor.execute("1");
      console.log(executor.containerName);
      await new Promise(() => {});
    `;
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
    const name = printed.trim();
    assertStringIncludes(name, "smoldeno-");
    host.kill("SIGKILL"); // a crash: no close(), no cleanup
    await host.status;
    await reader.cancel();
    // The runner sees its stdin close and exits; poll (bounded) for the stop.
    let running = "true";
    for (let i = 0; i < 100 && running === "true"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      running = (await docker("inspect", "--format", "{{.State.Running}}", name)).stdout;
    }
    assertEquals(running, "false");
    const removed = await DockerExecutor.cleanupStale();
    assert(removed.includes(name), `cleanupStale() removed ${JSON.stringify(removed)}`);
    assertEquals((await docker("inspect", name)).code, 1);
  },
});

Deno.test({
  name: "DockerExecutor.cleanupStale() spares live owners and other hosts unless they are too old",
  ignore,
  async fn() {
    const labels = (host: string, created: string) => [
      "--label",
      "smoldeno.executor=1",
      "--label",
      `smoldeno.host-pid=${Deno.pid}`,
      "--label",
      `smoldeno.hostname=${host}`,
      "--label",
      `smoldeno.created=${created}`,
    ];
    const mine =
      (await docker("create", ...labels(Deno.hostname(), new Date().toISOString()), image))
        .stdout;
    const old = (await docker("create", ...labels("another-host", "2000-01-01T00:00:00Z"), image))
      .stdout;
    try {
      const names = async (id: string) =>
        (await docker("inspect", "--format", "{{.Name}}", id)).stdout.slice(1);
      const [mineName, oldName] = [await names(mine), await names(old)];
      const first = await DockerExecutor.cleanupStale();
      assert(!first.includes(mineName) && !first.includes(oldName), JSON.stringify(first));
      const second = await DockerExecutor.cleanupStale({ maxAgeMs: 24 * 3600 * 1000 });
      assert(second.includes(oldName), JSON.stringify(second));
      assert(!second.includes(mineName), JSON.stringify(second));
      assertEquals((await docker("inspect", old)).code, 1);
    } finally {
      await docker("rm", "-f", mine, old);
    }
  },
});

Deno.test({
  name: "DockerExecutor runs a CodeAgent with a managed agent and an MCP tool unchanged",
  ignore,
  async fn() {
    const fixture = new URL("../tools/_mcp_fixture_server.ts", import.meta.url).pathname;
    await using mcp = new MCPClient({
      command: Deno.execPath(),
      args: ["run", "--allow-all", fixture],
      name: "fixture",
    });
    await mcp.connect();
    const add = mcp.getTools().find((t) => t.name === "add");
    assert(add, `the fixture server has an add tool: ${mcp.getTools().map((t) => t.name)}`);

    const hostSecret = tool({
      name: "host_secret_length",
      description: "Length of a secret only the host knows.",
      inputs: {},
      outputType: "number",
      forward: () => "only-on-the-host".length,
    });
    await using helperExecutor = new DockerExecutor({ image });
    await using agentExecutor = new DockerExecutor({ image });
    const helper = new CodeAgent({
      name: "helper",
      description: "Answers small questions.",
      model: new ScriptedModel({
        replies: [
          "Thought: easy.\n<code>\nfinal_answer(`helper says ${await host_secret_length({})}`)\n</code>",
        ],
      }),
      tools: [hostSecret],
      executor: helperExecutor,
      logLevel: LogLevel.OFF,
    });
    await using _helper = helper;
    const model = new ScriptedModel({
      replies: [
        'Thought: use both.\n<code>\nconst sum = await add({ a: 2, b: 40 });\nconst said = await helper({ task: "How long is the secret?" });\nconsole.log(said);\n</code>',
        'Thought: done.\n<code>\nfinal_answer(`${sum} / ${said.includes("helper says 16")}`)\n</code>',
      ],
    });
    const agent = new CodeAgent({
      model,
      tools: [add],
      managedAgents: [helper],
      executor: agentExecutor,
      logLevel: LogLevel.OFF,
    });
    await using _agent = agent;
    assertEquals(await agent.run("Add and ask"), "42 / true");
  },
});

Deno.test({
  name: "A program that forgets DockerExecutor.close() still ends, and its container is removed",
  ignore,
  async fn() {
    const url = JSON.stringify(new URL("../../executors/docker.ts", import.meta.url).href);
    const host = await startHostProgram(
      `
      import { DockerExecutor } from ${url};
      const ex = new DockerExecutor({ image: ${JSON.stringify(image)} });
      const step = await ex.execute("await new Promise((r) => setTimeout(r, 300)); 1 + 1");
      console.log(step.output, ex.containerName);
    `,
      "piped",
    );
    // Bounded by a kill, not a timed assertion: a hanging program fails here.
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      host.kill("SIGKILL");
    }, 60_000);
    const out = await host.output();
    clearTimeout(timer);
    const stderr = new TextDecoder().decode(out.stderr);
    assert(!killed, `the program did not end on its own; stderr: ${stderr}`);
    assertEquals(out.code, 0, stderr);
    const [output, name] = new TextDecoder().decode(out.stdout).trim().split(" ");
    assertEquals(output, "2");
    assertStringIncludes(name, "smoldeno-");
    let present = true;
    for (let i = 0; i < 100 && present; i++) {
      present = (await docker("container", "inspect", name)).code === 0;
      if (present) await new Promise((r) => setTimeout(r, 100));
    }
    assert(!present, `container ${name} outlived its host`);
  },
});

Deno.test({
  name:
    "DockerExecutor leaves host tool time out of timeoutMs but still kills a busy loop next to a tool call",
  ignore,
  async fn() {
    await using ex = new DockerExecutor({ image, timeoutMs: 1500 });
    const slow = (ms: number) => ({
      name: "slow",
      description: "Answers slowly.",
      inputs: {},
      outputType: "string" as const,
      call: (_args: Record<string, unknown>, ctx?: { signal?: AbortSignal }) =>
        new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => resolve("slow done"), ms);
          ctx?.signal?.addEventListener("abort", () => {
            clearTimeout(timer);
            reject(new Error("cancelled"));
          }, { once: true });
        }),
    });
    await ex.sendTools({ slow: slow(3500) });
    assertEquals((await ex.execute("await slow()")).output, "slow done");
    await ex.sendTools({ slow: slow(60_000) });
    const error = await assertRejects(
      () => ex.execute("const pending = slow();\nwhile (true) {}"),
      AgentExecutionError,
    );
    assertEquals(error.kind, "timeout");
  },
});

Deno.test({
  name: "DockerExecutor.start() runs the container before the first step",
  ignore,
  async fn() {
    await using ex = new DockerExecutor({ image });
    assertEquals(ex.containerName, undefined);
    await ex.start();
    const name = ex.containerName;
    assert(name !== undefined);
    assertEquals((await ex.execute("1 + 1")).output, 2);
    assertEquals(ex.containerName, name);
  },
});
