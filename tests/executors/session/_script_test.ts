import { parse } from "acorn";
import { type Parse, StepSyntaxError, toStepScript } from "../../../executors/session/_script.ts";
import { assert, assertEquals, assertThrows } from "../../_assert.ts";

// Runs step scripts the way the runner does, on a scratch global object:
// the names are defined first, functions copied when the step starts.
async function steps(...codes: string[]): Promise<unknown[]> {
  const scope: Record<string, unknown> = {};
  const values: unknown[] = [];
  for (const code of codes) {
    const [run, names] = (0, eval)(toStepScript(code, parse as unknown as Parse)) as [
      (define: (f: Record<string, unknown>) => void) => Promise<unknown>,
      string[],
    ];
    for (const name of names) {
      if (!(name in globalThis)) {
        Object.defineProperty(globalThis, name, {
          value: undefined,
          writable: true,
          configurable: true,
        });
      }
      scope[name] = true;
    }
    values.push(await run((f) => Object.assign(globalThis, f)));
  }
  for (const name of Object.keys(scope)) delete (globalThis as Record<string, unknown>)[name];
  return values;
}

Deno.test("a step's value is its completion value, as eval gives it", async () => {
  const cases: [string, unknown][] = [
    ["1 + 1", 2],
    ['"a lone string"', "a lone string"],
    ["let unused = 5", undefined],
    ["1; const later = 2", 1],
    ["try { 3 } finally { 4 }", 3],
    ["try { throw 1 } catch { 'caught' }", "caught"],
    ["if (true) { 'yes' } else { 'no' }", "yes"],
    ["1; if (false) 2", undefined],
    ["let s = 0; for (const i of [1, 2, 3]) s += i", 6],
    ["while (false) 1", undefined],
    ["switch (2) { case 2: 'two'; break; }", "two"],
    ["outer: { 5 }", 5],
    ["({ a: 1 })", { a: 1 }],
    ["await null; 7", 7],
    ["Promise.resolve(8)", 8],
    ["var q = 1\n[q]", undefined],
  ];
  for (const [code, value] of cases) {
    const [actual] = await steps(code);
    assertEquals(actual, value, code);
    // The same code in eval (without await) agrees.
    if (!code.includes("await") && !code.includes("Promise")) {
      assertEquals((0, eval)(code), value, `eval of ${code}`);
    }
  }
});

Deno.test("declarations persist to later steps and may be declared again", async () => {
  const values = await steps(
    "const a = 1, { b, c: [d] } = { b: 2, c: [3] };\nlet e;\nvar f = 4;\nclass G { n() { return 5 } }\nfunction h() { return a + b + d }",
    "[a, b, d, e, f, new G().n(), h()]",
    "const a = 10; let e = 'again'; [a, e, h()]",
    "if (true) { var inBlock = 1 }\nfor (var i = 0; i < 3; i++) ;\nfor (var k of ['x']) ;\n[inBlock, i, k]",
    "let scoped = 0; { let scoped = 1 } scoped",
  );
  assertEquals(values[1], [1, 2, 3, undefined, 4, 5, 6]);
  assertEquals(values[2], [10, "again", 15]);
  assertEquals(values[3], [1, 3, "x"]);
  assertEquals(values[4], 0);
});

Deno.test("functions are hoisted within their step and global after it", async () => {
  const values = await steps("early()\nfunction early() { return 'hoisted' }", "early()");
  assertEquals(values, ["hoisted", "hoisted"]);
});

Deno.test("using declarations are disposed of when the step ends, not kept", async () => {
  const log: string[] = [];
  (globalThis as Record<string, unknown>).__disposeLog = log;
  try {
    const values = await steps(
      "using r = { [Symbol.dispose]() { __disposeLog.push('disposed') } };\n__disposeLog.push('used'); 1",
      "typeof r",
    );
    assertEquals(log, ["used", "disposed"]);
    assertEquals(values, [1, "undefined"]);
  } finally {
    delete (globalThis as Record<string, unknown>).__disposeLog;
  }
});

Deno.test("the step script keeps every line, and its column map undoes the rewrites", () => {
  const code = "const a = 1\nlet b\nfoo(a)\nclass C {}\nif (a) bar()";
  const script = toStepScript(code, parse as unknown as Parse);
  const lines = script.split("\n");
  const columns = JSON.parse(
    lines.at(-1)!.replace(/^\} \}\.__smoldeno_step, \[[^\]]*\], /, "").slice(0, -1),
  );
  // Code line n is script line n; the wrapper adds lines after the code only.
  for (const [n, text] of code.split("\n").entries()) {
    const mapped = lines[n];
    const marker = text.match(/foo|bar|class/)?.[0];
    if (!marker) continue;
    const at = mapped.indexOf(marker);
    let shift = 0;
    for (const [from, by] of columns[n + 1] ?? []) if (from <= at) shift = by;
    assertEquals(at - shift, text.indexOf(marker), `line ${n + 1}: ${mapped}`);
  }
});

Deno.test("a syntax error names the code's line and column", () => {
  const error = assertThrows(
    () => toStepScript("let ok = 1;\nlet ok = 2;", parse as unknown as Parse),
    StepSyntaxError,
  );
  assertEquals([error.line, error.column], [2, 5]);
  assert(error.message.includes("already been declared"), error.message);
});
