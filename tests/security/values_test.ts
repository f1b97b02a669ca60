// Security suite, values crossing from the sandbox to the host: what cannot
// be serialised (symbols, functions, circular and hostile objects) arrives as
// text or a typed error, never as live objects, never polluting the host.

import { assert, assertEquals } from "../_assert.ts";
import { expectContained, expectFailure, expectOutput, LIMITS, startSuite } from "./_harness.ts";

Deno.test("security: hostile and unserialisable outputs arrive as inert data", async (t) => {
  await using suite = await startSuite();
  const { ex } = suite;

  await t.step("a Symbol arrives as its description text", async () => {
    const out = await expectOutput(ex, `const token = Symbol("session-token");\ntoken`);
    assertEquals(out.output, "Symbol(session-token)");
    await suite.check();
  });

  await t.step("a BigInt arrives as a BigInt, and as a final answer", async () => {
    const out = await expectOutput(ex, `const big = 2n ** 130n + 7n;\nbig`);
    assertEquals(out.output, 2n ** 130n + 7n);
    const final = await expectOutput(ex, `final_answer(-(10n ** 40n))`);
    assertEquals([final.output, final.isFinalAnswer], [-(10n ** 40n), true]);
    await suite.check();
  });

  await t.step("undefined, NaN, -0 and Infinity keep their identity", async () => {
    const out = await expectOutput(ex, `[undefined, NaN, -0, Infinity, -Infinity]`);
    assertEquals(out.output, [undefined, NaN, -0, Infinity, -Infinity]);
    const final = await expectOutput(ex, `final_answer(undefined)`);
    assertEquals([final.output, final.isFinalAnswer], [undefined, true]);
    await suite.check();
  });

  await t.step("a circular structure arrives with the cycle cut", async () => {
    const out = await expectOutput(
      ex,
      `const node: any = { name: "root", children: [] };
node.children.push({ name: "child", parent: node });
node.self = node;
node`,
    );
    assertEquals(out.output, {
      name: "root",
      children: [{ name: "child", parent: "[Circular]" }],
      self: "[Circular]",
    });
    const final = await expectOutput(
      ex,
      `const ring: unknown[] = [1];\nring.push(ring);\nfinal_answer(ring)`,
    );
    assertEquals(final.output, [1, "[Circular]"]);
    await suite.check();
  });

  await t.step("functions, classes and bound host-looking callables arrive as text", async () => {
    const out = await expectOutput(
      ex,
      `function exfiltrate() { return Deno.readTextFileSync("/etc/passwd"); }
({ fn: exfiltrate, arrow: () => 1, cls: class Backdoor {}, bound: exfiltrate.bind(null) })`,
    );
    assertEquals(out.output, {
      fn: "[Function: exfiltrate]",
      arrow: "[Function: arrow]",
      cls: "[Function: Backdoor]",
      bound: "[Function: bound exfiltrate]",
    });
    const final = await expectOutput(ex, `final_answer(() => "run me on the host")`);
    assertEquals(final.output, "[Function: (anonymous)]");
    await suite.check();
  });

  await t.step(
    "an own __proto__ key in the output stays data, the host is not polluted",
    async () => {
      const out = await expectOutput(
        ex,
        `JSON.parse('{"__proto__": {"polluted": "yes", "isAdmin": true}, "user": "model"}')`,
      );
      const value = out.output as Record<string, unknown>;
      assertEquals(Object.getPrototypeOf(value), Object.prototype);
      assertEquals(value.user, "model");
      assertEquals([value.polluted, value.isAdmin], [undefined, undefined]);
      await suite.check(); // includes ({}).polluted === undefined on the host
    },
  );

  await t.step("an object that looks like an encoding tag is not decoded as one", async () => {
    const out = await expectOutput(ex, `({ $t: "bytes", v: "AAAA" })`);
    assertEquals(out.output, { $t: "bytes", v: "AAAA" });
    await suite.check();
  });

  await t.step("a Proxy whose traps throw gives a runtime error, not a crash", async () => {
    await expectFailure(
      ex,
      `new Proxy({}, {
  get() { throw new Error("trap: get"); },
  ownKeys() { throw new Error("trap: ownKeys"); },
  getPrototypeOf() { throw new Error("trap: getPrototypeOf"); },
})`,
      { kind: "runtime" },
    );
    await expectFailure(
      ex,
      `const { proxy, revoke } = Proxy.revocable({ secret: 1 }, {});\nrevoke();\nproxy`,
      { kind: "runtime" },
    );
    await suite.check();
  });

  await t.step("a getter that throws or returns its owner does not break the channel", async () => {
    const thrown = await expectOutput(ex, `({ get boom() { throw new Error("getter"); } })`);
    assert(typeof thrown.output === "string" && thrown.output.includes("getter"));
    const self = await expectOutput(
      ex,
      `Object.defineProperty({}, "me", { get() { return this; }, enumerable: true })`,
    );
    assertEquals(self.output, { me: "[Circular]" });
    await suite.check();
  });

  await t.step("a 10 000-level nested value is cut at a fixed depth", async () => {
    const out = await expectOutput(
      ex,
      `const root: any = {};\nlet cur = root;\nfor (let i = 0; i < 10_000; i++) cur = cur.next = {};\nroot`,
    );
    let depth = 0;
    let cur = out.output as Record<string, unknown> | string;
    while (typeof cur === "object" && cur !== null) {
      cur = (cur as Record<string, unknown>).next as Record<string, unknown>;
      depth++;
    }
    assertEquals(cur, "[too deep]");
    assert(depth > 50 && depth < 1000, `cut at depth ${depth}`);
    await suite.check();
  });

  await t.step("a 40 MB result is refused with a runtime error, the sandbox survives", async () => {
    const error = await expectFailure(ex, `"A".repeat(40_000_000)`, { kind: "runtime" });
    assert(error.message.includes("too large"), error.message);
    await suite.check();
  });

  await t.step("private fields of class instances are not sent", async () => {
    const out = await expectOutput(
      ex,
      `class Wallet { #key = "private-key-material"; owner = "model"; }\nnew Wallet()`,
    );
    assertEquals(out.output, { owner: "model" });
    await suite.check();
  });
});

Deno.test("security: final_answer of a never-resolving promise is killed at the timeout", async () => {
  await expectContained(
    LIMITS,
    `final_answer(new Promise<string>(() => {}));`,
    { kind: "timeout" },
  );
});
