import { StopSequenceFilter, truncateAtStop } from "../../src/models/_stop_sequences.ts";
import { assertEquals } from "../_assert.ts";

function run(chunks: string[], stops: string[]): { out: string[]; stopped: boolean } {
  const filter = new StopSequenceFilter(stops);
  const out = chunks.map((c) => filter.push(c));
  out.push(filter.flush());
  return { out, stopped: filter.stopped };
}

Deno.test("truncateAtStop() cuts at the earliest of several stop sequences", () => {
  assertEquals(truncateAtStop("a<end>b</code>c", ["</code>", "<end>"]), {
    text: "a",
    stopped: true,
  });
  assertEquals(truncateAtStop("no stop here", ["<end>"]), { text: "no stop here", stopped: false });
  assertEquals(truncateAtStop("empty stops ignored", [""]), {
    text: "empty stops ignored",
    stopped: false,
  });
});

Deno.test("StopSequenceFilter finds a stop sequence split across chunks", () => {
  assertEquals(run(["Thought: x\nObs", "erva", "tion: y", " z"], ["Observation:"]), {
    out: ["Thought: x\n", "", "", "", ""],
    stopped: true,
  });
});

Deno.test("StopSequenceFilter releases held text once it cannot start a stop sequence", () => {
  assertEquals(run(["a Ob", "ject", " done"], ["Observation:"]), {
    out: ["a ", "Object", " done", ""],
    stopped: false,
  });
  assertEquals(run(["ends with <", "/"], ["</code>"]), {
    out: ["ends with ", "", "</"],
    stopped: false,
  });
});

Deno.test("StopSequenceFilter passes text straight through without stop sequences", () => {
  assertEquals(run(["a", "b"], []), { out: ["a", "b", ""], stopped: false });
});
