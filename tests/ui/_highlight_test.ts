// The page's TypeScript tokenizer: tokens give the code back unchanged, and
// keywords, strings, comments, numbers and calls are told apart.

import { assertEquals } from "../_assert.ts";
import { tokenize, tokenLines } from "../../src/ui/_highlight.js";

Deno.test("tokens join back into the code, whatever it holds", () => {
  for (
    const code of [
      "const x = `a ${b} c`; // done\n/* multi\nline */ f(1_000n, 0xff, 'q\\'s');",
      "unterminated 'string\nand `template",
      "</code><img src=x onerror=alert(1)>",
      "",
    ]
  ) {
    assertEquals(tokenize(code).map((t: { text: string }) => t.text).join(""), code);
  }
});

Deno.test("keywords, strings, comments, numbers and called names get their kinds", () => {
  assertEquals(tokenize("const n = f(42); // why"), [
    { type: "kw", text: "const" },
    { type: "plain", text: " n = " },
    { type: "fn", text: "f" },
    { type: "plain", text: "(" },
    { type: "num", text: "42" },
    { type: "plain", text: "); " },
    { type: "com", text: "// why" },
  ]);
  assertEquals(tokenize('"a" x').map((t: { type: string }) => t.type), ["str", "plain"]);
});

Deno.test("tokenLines splits tokens that span lines, one array per line", () => {
  assertEquals(tokenLines("/* a\nb */ x\n"), [
    [{ type: "com", text: "/* a" }],
    [{ type: "com", text: "b */" }, { type: "plain", text: " x" }],
    [],
  ]);
});
