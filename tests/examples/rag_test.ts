// The retriever of examples/rag.ts over the real corpus in examples/data/rag/:
// the passage that answers a query must come first, whatever the phrasing.
import { assert, assertEquals, assertRejects, assertStringIncludes } from "../_assert.ts";
import { AgentToolCallError, AgentToolExecutionError } from "../../src/errors.ts";
import { createRetriever, DEFAULT_K, loadCorpus, type Passage } from "../../examples/rag.ts";

const passages = await loadCorpus();
const retriever = createRetriever(passages);

/** The source names and scores in a retriever result, best first. */
function ranking(result: string): { source: string; score: number }[] {
  return [...result.matchAll(/^===== \d+\. (\S+) \(score ([\d.]+)\) =====$/gm)]
    .map((m) => ({ source: m[1], score: Number(m[2]) }));
}

Deno.test("loadCorpus() reads every markdown passage of examples/data/rag/ with its title", () => {
  assert(passages.length >= 15, `only ${passages.length} passages`);
  const byName = new Map(passages.map((p): [string, Passage] => [p.source, p]));
  assertEquals(byName.get("cider_pressing.md")?.title, "Pressing Day");
  assertEquals(byName.get("membership_fees.md")?.title, "Membership and fees");
  for (const p of passages) {
    assert(p.source.endsWith(".md"), p.source);
    assert(p.text.startsWith(`# ${p.title}`), `${p.source} does not start with its title`);
  }
});

Deno.test("retriever ranks the passage that answers the query first", async () => {
  const cases: [query: string, best: string][] = [
    ["cider pressing day", "cider_pressing.md"],
    ["press fee per crate membership fees", "membership_fees.md"],
    ["pruning plums silver leaf", "winter_pruning.md"],
    ["tripod ladder second person", "tool_shed.md"],
    ["Doyenné du Comice pollination partner", "pear_varieties.md"],
    ["frost fleece blossom", "frost_protection.md"],
    ["grafting rootstock", "grafting.md"],
    ["codling moth traps", "pests_and_diseases.md"],
    ["Marrow Pippin seedling", "apple_varieties.md"],
    // Questions, with their stop words, still find the passage.
    ["How much water can be taken from the creek?", "watering.md"],
    ["What is the minimum age for volunteers?", "volunteering.md"],
    ["Can I put cooked food on the compost?", "composting.md"],
  ];
  for (const [query, best] of cases) {
    const ranked = ranking(await retriever.call({ query }));
    assertEquals(ranked[0]?.source, best, `"${query}" ranked ${JSON.stringify(ranked)}`);
    // First by a margin, not by a tie broken in file order.
    if (ranked.length > 1) {
      assert(ranked[0].score > ranked[1].score, `"${query}" tied: ${JSON.stringify(ranked)}`);
    }
  }
});

Deno.test("retriever returns k passages, best first, each whole with its source name", async () => {
  const result = await retriever.call({ query: "apple trees pruning winter", k: 5 });
  const ranked = ranking(result);
  assertEquals(ranked.length, 5);
  assertEquals(ranked[0].source, "winter_pruning.md");
  for (let i = 1; i < ranked.length; i++) {
    assert(ranked[i - 1].score >= ranked[i].score, `not sorted: ${JSON.stringify(ranked)}`);
  }
  for (const { source } of ranked) {
    const passage = passages.find((p) => p.source === source);
    assert(passage, `unknown source "${source}"`);
    assertStringIncludes(result, passage.text);
  }
  assertEquals(
    ranking(await retriever.call({ query: "apple trees pruning winter" })).length,
    DEFAULT_K,
  );
});

Deno.test("retriever says so when no passage matches", async () => {
  assertEquals(
    await retriever.call({ query: "xylophone zebra" }),
    'No passage matches "xylophone zebra": try other keywords',
  );
});

Deno.test("retriever rejects a k outside 1 to 10 and an unknown input", async () => {
  await assertRejects(
    () => retriever.call({ query: "bees", k: 50 }),
    AgentToolExecutionError,
    "k must be between 1 and 10: got 50",
  );
  await assertRejects(
    () => retriever.call({ query: "bees", top_k: 5 }),
    AgentToolCallError,
    'Tool "retriever" has no input "top_k"',
  );
});
