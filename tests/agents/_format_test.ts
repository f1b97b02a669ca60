import { assertEquals } from "../_assert.ts";
import { formatValue, truncate } from "../../src/agents/_format.ts";

Deno.test("formatValue prints scalars exactly as Deno.inspect does", () => {
  const values = [
    0,
    -0,
    1.5,
    -7,
    NaN,
    Infinity,
    -Infinity,
    1e21,
    2 ** 53,
    true,
    false,
    null,
    undefined,
  ];
  for (const value of values) {
    assertEquals(formatValue(value), Deno.inspect(value, { colors: false }), String(value));
  }
});

Deno.test("formatValue keeps strings as they are and prints objects and bigints with Deno.inspect", () => {
  assertEquals(formatValue("a\nb"), "a\nb");
  assertEquals(formatValue(5n), "5n");
  assertEquals(formatValue({ a: [1, 2], b: "x" }), '{ a: [ 1, 2 ], b: "x" }');
});

Deno.test("truncate keeps both ends and says how much it cut", () => {
  assertEquals(truncate("abcdefghij", 4), "ab\n… [6 characters cut] …\nij");
  assertEquals(truncate("short", 10), "short");
});
