import {
  parseToolArguments,
  ToolCallAccumulator,
  ToolCallDeltaNormalizer,
} from "../../src/models/_tool_call_deltas.ts";
import { assertEquals } from "../_assert.ts";

Deno.test("ToolCallAccumulator merges interleaved fragments by index", () => {
  const calls = new ToolCallAccumulator();
  calls.add([{ index: 1, id: "b", name: "search", arguments: '{"q":' }]);
  calls.add([{ index: 0, id: "a", name: "get_weather", arguments: "" }]);
  calls.add([{ index: 0, arguments: '{"city":"Oslo"}' }, { index: 1, arguments: '"deno"}' }]);
  assertEquals(calls.toolCalls(), [
    { id: "a", name: "get_weather", arguments: { city: "Oslo" } },
    { id: "b", name: "search", arguments: { q: "deno" } },
  ]);
});

Deno.test("ToolCallDeltaNormalizer numbers whole calls sent without an index", () => {
  const normalizer = new ToolCallDeltaNormalizer();
  const first = normalizer.normalize([{ id: "x", function: { name: "a", arguments: { n: 1 } } }]);
  const second = normalizer.normalize([{ id: "y", function: { name: "b", arguments: "{}" } }]);
  const continued = normalizer.normalize([{ function: { arguments: "" } }]);
  assertEquals(first, [{ index: 0, id: "x", name: "a", arguments: '{"n":1}' }]);
  assertEquals(second, [{ index: 1, id: "y", name: "b", arguments: "{}" }]);
  assertEquals(continued, [{ index: 1, arguments: "" }]);
});

Deno.test("parseToolArguments() parses JSON objects and keeps anything else as text", () => {
  assertEquals(parseToolArguments('{"a":1}'), { a: 1 });
  assertEquals(parseToolArguments({ a: 1 }), { a: 1 });
  assertEquals(parseToolArguments(""), {});
  assertEquals(parseToolArguments("[1,2]"), "[1,2]");
  assertEquals(parseToolArguments("{broken"), "{broken");
});
