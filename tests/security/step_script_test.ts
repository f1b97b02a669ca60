// Security suite, the step script: the host rewrites each step into a
// script the runner evaluates (executors/session/_script.ts). Code that
// tries to leave that wrapper, to redeclare what the runner relies on, or
// to break the builtins the runner uses after the step, gets an error or
// only hurts its own later steps; the host is never confused.

import { assert, assertEquals } from "../_assert.ts";
import { expectFailure, expectOutput, startSuite } from "./_harness.ts";

Deno.test("security: code cannot leave or corrupt the step script it runs in", async (t) => {
  await using suite = await startSuite();
  const { ex } = suite;

  await t.step("text that closes the wrapper early is a syntax error, never run", async () => {
    for (
      const code of [
        `} }.__smoldeno_step, [], {}]; globalThis.escaped = 1; [{ __x: async () => {`,
        `}), [], {}]\nglobalThis.escaped = 1\n;[(async () => {`,
        "`${'`'}\n}} ; globalThis.escaped = 1 //",
        `/* */ } globalThis.escaped = 1; {`,
      ]
    ) {
      await expectFailure(ex, code, { kind: "syntax" });
    }
    assertEquals((await expectOutput(ex, "typeof escaped")).output, "undefined");
    await suite.check();
  });

  await t.step("an HTML-like comment cannot hide the wrapper's closing text", async () => {
    // V8 reads `<!--` as the start of a comment in a script, and so does the
    // host's parser: the comment ends at the line, before the wrapper's text.
    const out = await expectOutput(ex, "let a = 1, b = 2\na <!-- b) }} ; globalThis.escaped = 1\n");
    assertEquals(out.output, 1);
    assertEquals((await expectOutput(ex, "typeof escaped")).output, "undefined");
    await suite.check();
  });

  await t.step(
    "declaring the runner's own names fails cleanly, and the runner goes on",
    async () => {
      await expectFailure(ex, `const __smoldeno_import = () => "mine";\n1`, { kind: "runtime" });
      await expectFailure(ex, `let undefined = 5`, { kind: "runtime" });
      const out = await expectOutput(ex, `[typeof __smoldeno_import, 2 + 2]`);
      assertEquals(out.output, ["function", 4]);
      await suite.check();
    },
  );

  await t.step("builtins replaced by one step do not change how the next one is run", async () => {
    await expectOutput(
      ex,
      `Array.prototype[Symbol.iterator] = function* () { yield "forged"; };
Object.defineProperty = () => { throw new Error("no defineProperty"); };
Object.getOwnPropertyDescriptor = () => ({ get() { return "forged" } });
Object.keys = () => ["forged"];
globalThis.eval = () => [async () => "forged", [], {}];
MessagePort.prototype.postMessage = () => {};
Promise.prototype.then = function () { return this; };
1`,
    );
    const out = await expectOutput(ex, `const fresh = 40;\nfresh + 2`);
    assertEquals(out.output, 42);
    await suite.check();
  });
});

Deno.test("security: the sandbox holds no sys permission of its own", async () => {
  await using suite = await startSuite();
  const out = await expectOutput(
    suite.ex,
    `(await Deno.permissions.query({ name: "sys", kind: "hostname" })).state`,
  );
  assert(out.output !== "granted", `sys is ${out.output}`);
  await suite.check();
});
