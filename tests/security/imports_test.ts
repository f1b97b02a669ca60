// Security suite, imports: remote, npm:, jsr:, data:, node: and file:
// specifiers, literal and computed, static and dynamic, including the
// entry-graph trick (literal imports of local files, which Deno does not
// permission-check when they are part of the entry module's graph).

import { assertEquals } from "../_assert.ts";
import { expectFailure, expectOutput, startSuite } from "./_harness.ts";

Deno.test("security: imports outside authorizedImports are refused", async (t) => {
  await using suite = await startSuite();
  const { ex, canary } = suite;
  await ex.sendVariables({ port: canary.port, canaryPath: canary.file });

  await t.step("a static npm: import is refused with kind import", async () => {
    const error = await expectFailure(
      ex,
      `import leftPad from "npm:left-pad@1.3.0";\nleftPad("42", 5, "0")`,
      { kind: "import" },
    );
    assertEquals(error.message.includes("authorizedImports"), true);
    await suite.check();
  });

  await t.step("a computed npm: specifier is refused without downloading", async () => {
    await expectFailure(
      ex,
      `const pkg = ["left", "pad"].join("-");\nconst { default: leftPad } = await import(\`npm:\${pkg}\`);\nleftPad("1", 3)`,
      { kind: "import" },
    );
    await suite.check();
  });

  await t.step("a remote URL from a default import host is refused", async () => {
    await expectFailure(
      ex,
      `import { join } from "https://deno.land/std@0.224.0/path/mod.ts";\njoin("a", "b")`,
      { kind: "import" },
    );
    await expectFailure(
      ex,
      `const cdn = "https://esm.sh/";\nconst _ = await import(cdn + "lodash-es");\n_.chunk([1, 2, 3], 2)`,
      { kind: "import" },
    );
    await suite.check();
  });

  await t.step("a jsr: specifier is refused", async () => {
    await expectFailure(
      ex,
      `const spec = "jsr:" + "@std/path";\nconst path = await import(spec);\npath.join("a", "b")`,
      { kind: "import" },
    );
    await suite.check();
  });

  await t.step(
    "a remote import from the host's canary server is refused and never fetched",
    async () => {
      await expectFailure(
        ex,
        `const payload = \`http://127.0.0.1:\${port}/payload.js\`;\nawait import(payload);`,
        { kind: "import" },
      );
      await suite.check(); // zero hits on the canary
    },
  );

  await t.step("a literal data: module runs with the sandbox's (no) permissions", async () => {
    // data: and blob: modules are code the sandbox wrote itself: they are not
    // listed in authorizedImports, and what they do is permission-checked.
    // The payload is `export default Deno.readTextFileSync("/etc/passwd")`.
    await expectFailure(
      ex,
      `import evil from "data:text/javascript;base64,ZXhwb3J0IGRlZmF1bHQgRGVuby5yZWFkVGV4dEZpbGVTeW5jKCIvZXRjL3Bhc3N3ZCIp";\nevil`,
      { kind: "permission", permission: "read" },
    );
    await suite.check();
  });

  await t.step("a computed data: module cannot pull in npm: or remote modules", async () => {
    await expectFailure(
      ex,
      `const src = 'import "npm:left-pad"; export default 1;';
await import("data:text/javascript," + encodeURIComponent(src));`,
      { kind: "import" },
    );
    await expectFailure(
      ex,
      `const src = 'import "https://deno.land/x/evil/mod.ts"; export default 1;';
await import("data:text/javascript," + encodeURIComponent(src));`,
      { kind: "import" },
    );
    await suite.check();
  });

  await t.step("a static node: import is refused", async () => {
    await expectFailure(
      ex,
      `import { execSync } from "node:child_process";\nexecSync("id").toString()`,
      { kind: "import" },
    );
    await suite.check();
  });

  await t.step("a computed node: import is refused too", async () => {
    // Regression (finding F5): the module used to load (its APIs stay permission-gated).
    await expectFailure(
      ex,
      `const name = ["node", "child_process"].join(":");\nconst cp = await import(name);\nObject.keys(cp).length`,
      { kind: "import" },
    );
    await suite.check();
  });

  await t.step("a node: import hidden in eval or new Function is refused too", async () => {
    // Regression (finding F5b): eval'd code is not rewritten by the host.
    await expectFailure(
      ex,
      `const name = ["node", "child_process"].join(":");\nconst cp = await (0, eval)("imp" + "ort(" + JSON.stringify(name) + ")");\nObject.keys(cp).length`,
      { kind: "import" },
    );
    await expectFailure(
      ex,
      `const load = new Function("n", "return imp" + "ort(n)");\nObject.keys(await load("node:" + "fs")).length`,
      { kind: "import" },
    );
    await suite.check();
  });

  await t.step("a data: module re-exporting a node: builtin is refused", async () => {
    // Regression (finding F5b).
    await expectFailure(
      ex,
      `const shim = 'export * from "node:child_process";';
const cp = await import("data:text/javascript," + encodeURIComponent(shim));
typeof cp.execSync`,
      { kind: "import" },
    );
    await suite.check();
  });

  await t.step(
    "process.getBuiltinModule of a builtin outside authorizedImports is refused",
    async () => {
      // Regression (finding F5b).
      await expectFailure(
        ex,
        `const cp = process.getBuiltinModule("node:child_process");\ntypeof cp.execSync`,
        { kind: "import" },
      );
      await suite.check();
    },
  );

  await t.step("node: built-ins stay refused inside a Worker", async () => {
    // Regression (finding F5c): a Worker has its own `process`.
    const out = await expectOutput(
      ex,
      `const src = \`const results = [];
for (const load of [
  () => process.getBuiltinModule("node:child_process"),
  () => import(["node", "child_process"].join(":")),
]) {
  try { await load(); results.push("loaded"); } catch (e) { results.push(e.name); }
}
postMessage(results);\`;
const w = new Worker(URL.createObjectURL(new Blob([src], { type: "text/javascript" })), { type: "module" });
const got = await new Promise((resolve) => (w.onmessage = (e) => resolve(e.data)));
w.terminate();
got`,
    );
    assertEquals(out.output, ["ImportError", "ImportError"]);
    await suite.check();
  });

  await t.step(
    "the computed-import rewrite leaves strings that mention import( intact",
    async () => {
      // Regression (finding N4): the first computed-import rewrite also edited strings.
      const out = await expectOutput(
        ex,
        `const doc = "Use import(specifier) to load a module lazily";\ndoc`,
      );
      assertEquals(out.output, "Use import(specifier) to load a module lazily");
      await suite.check();
    },
  );

  await t.step(
    "a JSON import of a local file (static, entry-graph style) is denied read",
    async () => {
      await expectFailure(
        ex,
        `import config from ${JSON.stringify(canary.file)} with { type: "json" };\nconfig`,
        { kind: "permission", permission: "read" },
      );
      await suite.check();
    },
  );

  await t.step('import("/etc/hostname", { with: { type: "text" } }) is denied read', async () => {
    await expectFailure(
      ex,
      `const { default: hostname } = await import("/etc/hostname", { with: { type: "text" } });\nhostname.trim()`,
      { kind: "permission", permission: "read" },
    );
    await suite.check();
  });

  await t.step(
    "re-importing the runner gives nothing, and a fresh copy of it is denied read",
    async () => {
      const again = await expectOutput(ex, `Object.keys(await import(Deno.mainModule))`);
      assertEquals(again.output, []);
      await expectFailure(ex, `await import(Deno.mainModule + "?again=" + Date.now())`, {
        kind: "permission",
        permission: "read",
      });
      await suite.check();
    },
  );
});
