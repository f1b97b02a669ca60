import { decodeValue, encodeValue } from "../../../executors/sandbox/_values.ts";
import { assert, assertEquals, assertThrows } from "../../_assert.ts";

Deno.test("encodeValue() and decodeValue() round-trip what JSON cannot carry", () => {
  const value = {
    u: undefined,
    n: [NaN, Infinity, -Infinity, -0, 1.5],
    big: 12345678901234567890n,
    date: new Date("2026-01-02T03:04:05.000Z"),
    bytes: new Uint8Array([0, 1, 255]),
    map: new Map<unknown, unknown>([["a", 1], [2, new Set([3])]]),
    re: /x+/gi,
    nested: { $t: "looks like a tag", deep: [null, true, "s"] },
  };
  const decoded = decodeValue(JSON.parse(JSON.stringify(encodeValue(value))));
  assertEquals(decoded, value);
});

Deno.test("encodeValue() describes functions, symbols and cycles instead of failing", () => {
  const cyclic: Record<string, unknown> = { name: "c" };
  cyclic.self = cyclic;
  const decoded = decodeValue(encodeValue({ f: function hello() {}, s: Symbol("k"), cyclic }));
  assertEquals(decoded, {
    f: "[Function: hello]",
    s: "Symbol(k)",
    cyclic: { name: "c", self: "[Circular]" },
  });
});

Deno.test("encodeValue() sends typed arrays and errors as bytes and Error objects", () => {
  const decoded = decodeValue(encodeValue([new Uint16Array([1]), new RangeError("r")])) as [
    Uint8Array,
    Error,
  ];
  assertEquals(decoded[0], new Uint8Array([1, 0]));
  assert(decoded[1] instanceof Error);
  assertEquals([decoded[1].name, decoded[1].message], ["RangeError", "r"]);
});

Deno.test("decodeValue() rejects unknown tags, bad payloads and excessive depth", () => {
  assertThrows(() => decodeValue({ $t: "class", v: "Evil" }), TypeError, "unknown tag");
  assertThrows(() => decodeValue({ $t: "bigint", v: "1e9" }), TypeError, "bigint");
  assertThrows(() => decodeValue({ $t: "number", v: "7" }), TypeError, "number tag");
  let deep: unknown = 1;
  for (let i = 0; i < 300; i++) deep = [deep];
  assertThrows(() => decodeValue(deep), TypeError, "deeper");
});

Deno.test("decodeValue() keeps __proto__ keys as plain data without polluting prototypes", () => {
  const decoded = decodeValue(JSON.parse('{"__proto__": {"polluted": true}, "a": 1}')) as Record<
    string,
    unknown
  >;
  assertEquals(Object.getPrototypeOf(decoded), Object.prototype);
  assertEquals(Object.keys(decoded).sort(), ["__proto__", "a"]);
  assertEquals(({} as Record<string, unknown>).polluted, undefined);
});
