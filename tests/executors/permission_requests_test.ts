// Permission requests through a real sandbox: a denied step asks the
// handler, and a grant widens the next sandbox by exactly what was asked.

import { AgentExecutionError, type PermissionRequest } from "../../src/errors.ts";
import type { PermissionDecision } from "../../src/executor.ts";
import { DenoExecutor, type DenoExecutorOptions } from "../../executors/deno_executor.ts";
import { parsePermissionRequest } from "../../executors/session/_errors.ts";
import { assert, assertEquals, assertRejects, assertStringIncludes } from "../_assert.ts";

interface Asked {
  requests: PermissionRequest[];
  warnings: string[];
}

async function withAsking(
  answer: PermissionDecision | ((r: PermissionRequest) => PermissionDecision | Promise<never>),
  options: DenoExecutorOptions,
  fn: (ex: DenoExecutor, asked: Asked) => Promise<void>,
): Promise<void> {
  const asked: Asked = { requests: [], warnings: [] };
  const ex = new DenoExecutor({
    ...options,
    onWarning: (m) => asked.warnings.push(m),
    onPermissionRequest: (request) => {
      asked.requests.push(request);
      return typeof answer === "function" ? answer(request) : answer;
    },
  });
  try {
    await fn(ex, asked);
  } finally {
    await ex.close();
  }
}

async function failure(ex: DenoExecutor, code: string): Promise<AgentExecutionError> {
  return await assertRejects(() => ex.execute(code), AgentExecutionError);
}

Deno.test("a permission error carries what exactly was denied, parsed from Deno's message", () => {
  assertEquals(
    parsePermissionRequest(
      'NotCapable: Requires net access to "api.example.com:443", run again with the --allow-net flag',
      "net",
    ),
    {
      permission: "net",
      target: "api.example.com:443",
      message:
        'NotCapable: Requires net access to "api.example.com:443", run again with the --allow-net flag',
    },
  );
  // A message without a quoted target names only the permission.
  assertEquals(parsePermissionRequest("requires --allow-read", "read"), {
    permission: "read",
    message: "requires --allow-read",
  });
  assertEquals(parsePermissionRequest("something else", undefined), undefined);
});

Deno.test("without a handler a denied read fails the step with the request attached", async () => {
  const file = await Deno.makeTempFile();
  const ex = new DenoExecutor({ onWarning: () => {} });
  try {
    const err = await failure(ex, `Deno.readTextFileSync(${JSON.stringify(file)})`);
    assertEquals(err.kind, "permission");
    assertEquals(err.permissionRequest?.permission, "read");
    assertEquals(err.permissionRequest?.target, file);
  } finally {
    await ex.close();
    await Deno.remove(file);
  }
});

Deno.test("read granted once: the sandbox restarts with that one file, the step runs again and says state was lost", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/data.csv`;
  await Deno.writeTextFile(file, "a,b\n1,2\n");
  await Deno.writeTextFile(`${dir}/other.txt`, "secret");
  try {
    const onlyData = (r: PermissionRequest) => (r.target === file ? "once" : "deny");
    await withAsking(onlyData, {}, async (ex, asked) => {
      await ex.execute("const before = 1;");
      const out = await ex.execute(
        `console.log("attempt"); Deno.readTextFileSync(${JSON.stringify(file)})`,
      );
      assertEquals(out.output, "a,b\n1,2\n");
      assertStringIncludes(out.logs, `read ${JSON.stringify(file)} granted`);
      assertStringIncludes(out.logs, "earlier steps are gone");
      assertEquals(asked.requests.map((r) => [r.permission, r.target]), [["read", file]]);
      assert(asked.warnings.some((w) => w.startsWith(`Granted read ${JSON.stringify(file)}`)));
      // Exactly that file: its neighbour is still denied (asked about, and refused).
      const err = await failure(ex, `Deno.readTextFileSync(${JSON.stringify(`${dir}/other.txt`)})`);
      assertEquals(err.kind, "permission");
      assertEquals(asked.requests.length, 2);
      assertEquals(ex.permissions.read, [file]);
      // State from before the grant is gone, and the model is told.
      const gone = await failure(ex, "before");
      assertEquals(gone.kind, "runtime");
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("write, env, run and sys requests are each granted narrowly", async () => {
  const dir = await Deno.makeTempDir();
  Deno.env.set("SMOLDENO_REQUEST_TEST", "visible");
  try {
    const notHome = (r: PermissionRequest) => (r.target === "HOME" ? "deny" : "once");
    await withAsking(notHome, {}, async (ex, asked) => {
      const target = `${dir}/out.txt`;
      await ex.execute(`Deno.writeTextFileSync(${JSON.stringify(target)}, "hi")`);
      assertEquals(await Deno.readTextFile(target), "hi");
      const env = await ex.execute('Deno.env.get("SMOLDENO_REQUEST_TEST")');
      assertEquals(env.output, "visible");
      const run = await ex.execute('new Deno.Command("true").outputSync().success');
      assertEquals(run.output, true);
      const sys = await ex.execute("typeof Deno.hostname()");
      assertEquals(sys.output, "string");
      // Only that variable: another one is still denied.
      const err = await failure(ex, 'Deno.env.get("HOME")');
      assertEquals(err.kind, "permission");
      assertEquals(asked.requests.map((r) => [r.permission, r.target]), [
        ["write", target],
        ["env", "SMOLDENO_REQUEST_TEST"],
        ["run", "true"],
        ["sys", "hostname"],
        ["env", "HOME"],
      ]);
      assertEquals(ex.permissions.env, ["SMOLDENO_REQUEST_TEST"]);
      assertEquals(ex.permissions.write, [target]);
    });
  } finally {
    Deno.env.delete("SMOLDENO_REQUEST_TEST");
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a net request is granted for one host and port; the retried step then fails for another reason", async () => {
  await withAsking("always", {}, async (ex, asked) => {
    // No network here: once granted, connecting fails, but not for lack of permission.
    const err = await failure(ex, 'await Deno.connect({ hostname: "example.com", port: 81 })');
    assert(err.kind !== "permission", `still denied: ${err.message}`);
    assertStringIncludes(err.message, 'net "example.com:81" granted');
    assertEquals(asked.requests.map((r) => [r.permission, r.target]), [["net", "example.com:81"]]);
    assertEquals(ex.permissions.net, ["example.com:81"]);
  });
});

Deno.test("code that catches its own permission error asks nothing", async () => {
  await withAsking("once", {}, async (ex, asked) => {
    const out = await ex.execute('try { Deno.env.get("HOME") } catch (e) { e.name }');
    assertEquals(out.output, "NotCapable");
    assertEquals(asked.requests, []);
  });
});

Deno.test("requests for loopback or private addresses, for deny-listed targets and under a full grant are refused before anyone is asked, without widening", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await withAsking(
      "once",
      { deny: { read: [dir] } },
      async (ex, asked) => {
        for (
          const host of ["127.0.0.1", "localhost", "10.1.2.3", "192.168.1.1", "169.254.169.254"]
        ) {
          const err = await failure(ex, `await Deno.connect({ hostname: "${host}", port: 9 })`);
          assertEquals(err.kind, "permission", host);
        }
        const err = await failure(ex, `Deno.readTextFileSync(${JSON.stringify(`${dir}/x`)})`);
        assertEquals(err.kind, "permission");
        assertEquals(ex.permissions.net, undefined);
        assertEquals(ex.permissions.read, undefined);
        // Nobody is asked about what would be refused anyway.
        assertEquals(asked.requests, []);
        assert(asked.warnings.some((w) => w.includes("never granted on request")));
        assert(asked.warnings.some((w) => w.includes("deny list for read covers it")));
      },
    );
    // net: true denies loopback by a deny rule, which a request cannot lift.
    await withAsking("always", { permissions: { net: true } }, async (ex, asked) => {
      const err = await failure(ex, 'await Deno.connect({ hostname: "127.0.0.1", port: 9 })');
      assertEquals(err.kind, "permission");
      assertEquals(asked.requests.length, 0);
      assertEquals(ex.permissions.net, true);
      assert(asked.warnings.some((w) => w.includes("granted in full already")));
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a deny list wins over a full grant in the sandbox itself", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/x`, "x");
  const ex = new DenoExecutor({
    permissions: { read: true },
    deny: { read: [dir] },
    onWarning: () => {},
  });
  try {
    const err = await failure(ex, `Deno.readTextFileSync(${JSON.stringify(`${dir}/x`)})`);
    assertEquals(err.kind, "permission");
  } finally {
    await ex.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a handler that denies, throws or never answers leaves the step failing as before", async () => {
  const file = await Deno.makeTempFile();
  const code = `Deno.readTextFileSync(${JSON.stringify(file)})`;
  try {
    await withAsking("deny", {}, async (ex, asked) => {
      assertEquals((await failure(ex, code)).kind, "permission");
      assertEquals(asked.requests.length, 1);
      assertEquals(ex.permissions.read, undefined);
    });
    await withAsking(() => Promise.reject(new Error("dialog crashed")), {}, async (ex) => {
      assertEquals((await failure(ex, code)).kind, "permission");
      assertEquals(ex.permissions.read, undefined);
    });
    let gaveUp = false;
    const ex = new DenoExecutor({
      onWarning: () => {},
      permissionRequestTimeoutMs: 50,
      onPermissionRequest: (_request, { signal }) =>
        new Promise<PermissionDecision>((resolve) =>
          signal.addEventListener("abort", () => {
            gaveUp = true;
            // An answer after the deadline changes nothing.
            resolve("always");
          })
        ),
    });
    try {
      assertEquals((await failure(ex, code)).kind, "permission");
      assert(gaveUp, "the handler's signal should tell it the request was given up");
      assertEquals(ex.permissions.read, undefined);
    } finally {
      await ex.close();
    }
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("a step that keeps asking is stopped after a bounded number of grants", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await withAsking("once", {}, async (ex, asked) => {
      const err = await failure(
        ex,
        `for (let i = 0; i < 20; i++) { try { Deno.readTextFileSync("${dir}/" + i) } catch (e) { if (e.name === "NotCapable") throw e } }`,
      );
      assertEquals(err.kind, "permission");
      assertStringIncludes(err.message, "earlier steps are gone");
      assertEquals(asked.requests.length, 8);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an import outside authorizedImports is asked for, granted as that exact module, and the step runs with it", async () => {
  await withAsking("once", {}, async (ex, asked) => {
    await ex.execute("const kept = 1;");
    // A static import, found on the host before the code runs.
    const out = await ex.execute('import { posix } from "node:path";\nposix.join("a", "b")');
    assertEquals(out.output, "a/b");
    assertEquals(asked.requests.map((r) => [r.permission, r.target]), [["import", "node:path"]]);
    assertStringIncludes(out.logs, 'import "node:path" granted');
    assertStringIncludes(out.logs, "variables, functions and imports from earlier steps are gone");
    assertEquals(ex.authorizedImports, ["node:path"]);
    // Exactly that module: its neighbour is asked about again (and denied this time).
    assert(asked.warnings.some((w) => w.includes('Granted import "node:path" (once)')));
  });
  // A computed dynamic import, refused by the sandbox itself while running.
  await withAsking("once", {}, async (ex, asked) => {
    const out = await ex.execute('const name = "node:" + "os";\n(await import(name)).EOL');
    assertEquals(out.output, "\n");
    assertEquals(asked.requests.map((r) => [r.permission, r.target]), [["import", "node:os"]]);
  });
});

Deno.test("an npm import granted on request is downloaded by the host first, so the sandbox needs no network", async () => {
  await withAsking("once", {}, async (ex, asked) => {
    const out = await ex.execute('import leftPad from "npm:left-pad@1";\nleftPad("7", 3, "0")');
    assertEquals(out.output, "007");
    assertEquals(asked.requests[0].target, "npm:left-pad@1");
    assertEquals(ex.permissions.net, undefined);
  });
});

Deno.test("deny-listed and private hosts are never granted as imports, nobody is asked; a local file is a read request", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/mod.ts`, "export const secret = 1;");
    await withAsking("always", { deny: { import: ["evil.example"] } }, async (ex, asked) => {
      for (
        const specifier of [
          "https://evil.example/x.ts",
          "http://127.0.0.1:8000/x.ts",
          "http://10.0.0.5/x.ts",
          "http://[::1]:8000/x.ts",
        ]
      ) {
        const err = await failure(ex, `import * as m from ${JSON.stringify(specifier)};\nm`);
        assertEquals(err.kind, "import", specifier);
      }
      assertEquals(asked.requests, []);
      assertEquals(ex.authorizedImports, []);
      assert(
        asked.warnings.some((w) => w.includes("the deny list for import covers evil.example")),
      );
      assert(asked.warnings.some((w) => w.includes("never granted on request")));
    });
    // Importing a local file needs read access to it, which is what is asked.
    await withAsking("deny", {}, async (ex, asked) => {
      for (const specifier of [`file://${dir}/mod.ts`, `${dir}/mod.ts`]) {
        const err = await failure(ex, `import * as m from ${JSON.stringify(specifier)};\nm`);
        assertEquals(err.kind, "permission", specifier);
      }
      assertEquals(asked.requests.map((r) => [r.permission, r.target]), [
        ["read", `${dir}/mod.ts`],
        ["read", `${dir}/mod.ts`],
      ]);
      assertEquals(ex.authorizedImports, []);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an import the host cannot download is taken back: the step fails with Deno's words and the next one still runs", async () => {
  await withAsking("once", {}, async (ex) => {
    const err = await failure(
      ex,
      'import x from "npm:smoldeno-no-such-package-3f9c2a@1";\nx',
    );
    assertEquals(err.kind, "import");
    assertStringIncludes(err.message, "Cannot download the authorized imports");
    assertEquals(ex.authorizedImports, []);
    assertEquals((await ex.execute("6 * 7")).output, 42);
  });
});
