import { ScorerError } from "../../src/eval/_errors.ts";
import {
  auto,
  contains,
  exact,
  includesAll,
  llmJudge,
  numeric,
  type ScoreInput,
  scorerByName,
  toDetail,
  toScorer,
} from "../../src/eval/_scorers.ts";
import { ScriptedModel } from "../../src/testing.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "../_assert.ts";

const input = (output: unknown, answer: unknown): ScoreInput => ({
  output,
  answer,
  task: { id: "t", question: "What is the capital of Peru?", answer, line: 1 },
});

Deno.test("exact ignores case, spacing and a trailing period, unless told otherwise", () => {
  assertEquals(exact().score(input("  The  capital is LIMA. ", "the capital is lima")), true);
  assertEquals(exact().score(input("Lima", "Cusco")), false);
  assertEquals(exact({ caseSensitive: true }).score(input("lima", "Lima")), false);
  assertEquals(exact().score(input([1, 2], [1, 2])), true);
});

Deno.test("numeric reads the first number of a text answer and applies the tolerance", () => {
  assertEquals(numeric().score(input("$1,234.50 in total", 1234.5)), true);
  assertEquals(numeric().score(input(42, "42")), true);
  assertEquals(numeric({ tolerance: 0.01 }).score(input("3.14", 3.14159)), true);
  assertEquals(numeric({ tolerance: 0.001 }).score(input("3.14", 3.14159)), false);
  assertEquals(numeric({ relativeTolerance: 0.01 }).score(input(995, 1000)), true);
  assertEquals(numeric().score(input("-7", -7)), true);
  assertEquals(numeric().score(input("no idea", 5)), {
    score: 0,
    reason: "the answer holds no number",
  });
  assertThrows(() => numeric().score(input(5, "five")), TypeError, "is not a number");
  assertThrows(() => numeric({ tolerance: -1 }), RangeError);
});

Deno.test("contains and includesAll look for the reference in the answer", () => {
  assertEquals(contains().score(input("It is Lima, in Peru.", "lima")), true);
  assertEquals(contains().score(input("Cusco", "Lima")), false);
  assertEquals(includesAll().score(input("A1, A2 and A5", ["A1", "A2", "A5"])), 1);
  assertEquals(includesAll().score(input("A1 and A5", ["A1", "A2", "A5", "B1"])), 0.5);
});

Deno.test("auto compares numbers numerically, lists by items and text exactly", () => {
  assertEquals(auto().score(input("$44.10", 44.1)), true);
  assertEquals(auto().score(input("44.2", 44.1)), false);
  assertEquals(auto().score(input("186.4 miles, a Monday", ["186.4", "Monday"])), 1);
  assertEquals(auto().score(input("sunday", "Sunday")), true);
});

Deno.test("scorerByName builds the scorers the CLI names, and rejects others", () => {
  assertEquals(scorerByName("numeric:0.5").score(input("10.4", 10)), true);
  assertEquals(scorerByName("numeric:1%").score(input("1009", 1000)), true);
  assertEquals(scorerByName("numeric:1%").score(input("1011", 1000)), false);
  assertEquals(scorerByName("includes-all").name, "includesAll");
  assertThrows(() => scorerByName("fuzzy"), TypeError, 'Unknown scorer "fuzzy"');
  assertThrows(() => scorerByName("numeric:x"), RangeError, "Bad tolerance");
});

Deno.test("a custom function is a scorer named after the function", async () => {
  const scorer = toScorer(function startsWithL({ output }: ScoreInput) {
    return String(output).startsWith("L");
  });
  assertEquals(scorer.name, "startsWithL");
  assertEquals(await scorer.score(input("Lima", "x")), true);
  assertEquals(toScorer(() => 0.25).name, "custom");
  assertThrows(() => toScorer(42 as never), TypeError, "A scorer must be");
});

Deno.test("toDetail turns booleans into 0 or 1 and rejects scores outside 0 to 1", () => {
  assertEquals(toDetail(true, "x"), { score: 1 });
  assertEquals(toDetail({ score: false, reason: "no" }, "x"), { score: 0, reason: "no" });
  assertThrows(() => toDetail(2, "x"), ScorerError, 'Scorer "x" returned 2');
  assertThrows(() => toDetail(Number.NaN, "x"), ScorerError);
});

Deno.test("llmJudge (scripted judge model) sends the question, both answers and the rubric, and reads the verdict", async () => {
  const model = new ScriptedModel({
    replies: [
      "The answer names Lima, the same city as the reference.\nVERDICT: CORRECT",
      "It names the country, not the city.\n**VERDICT: INCORRECT**",
      "Half of the facts match.\nVERDICT: PARTIAL",
      "Mostly right.\nSCORE: 0.8",
    ],
    tokenUsage: { inputTokens: 120, outputTokens: 20 },
  });
  const judge = llmJudge({ model, rubric: "The city must be named." });
  const first = await judge.score(input("The capital is Lima", "Lima"));
  assertEquals(first, {
    score: 1,
    reason: "The answer names Lima, the same city as the reference.",
    tokenUsage: { inputTokens: 120, outputTokens: 20 },
  });
  const prompt = String(model.calls[0].messages[0].content);
  for (
    const part of [
      "What is the capital of Peru?",
      "The capital is Lima",
      "Reference answer:\nLima",
      "The city must be named.",
    ]
  ) {
    assertStringIncludes(prompt, part);
  }
  assertEquals((await judge.score(input("Peru", "Lima")) as { score: number }).score, 0);
  assertEquals((await judge.score(input("x", "y")) as { score: number }).score, 0.5);
  assertEquals((await judge.score(input("x", "y")) as { score: number }).score, 0.8);
});

Deno.test("llmJudge (scripted judge model) throws a ScorerError when the reply has no verdict", async () => {
  const judge = llmJudge({
    model: new ScriptedModel({ replies: ["Looks fine to me!"] }),
    name: "strict-judge",
  });
  const error = await assertRejects(
    async () => await judge.score(input("Lima", "Lima")),
    ScorerError,
  );
  assertEquals(error.scorer, "strict-judge");
  assertMatch(error.message, /has no verdict.*"Looks fine to me!"/);
  assertThrows(() => llmJudge({ model: {} as never }), TypeError, "model must be a Model");
  assert(true);
});
