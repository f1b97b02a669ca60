import {
  compareResults,
  formatComparison,
  formatDuration,
  formatSummary,
  summarize,
} from "../../src/eval/_summary.ts";
import { evalResult } from "./_helpers.ts";
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";

const result = evalResult;

Deno.test("summarize() counts accuracy, failures by kind, step errors, tokens, cost and time", () => {
  const summary = summarize([
    result("a", true, { costUsd: 0.5, durationMs: 400 }),
    result("b", false, { stepErrors: { runtime: 2, AgentParsingError: 1 } }),
    result("c", false, {
      state: "timeout",
      failure: { kind: "timeout", name: "TimeoutError", message: "slow" },
      stepErrors: { runtime: 1 },
      costUsd: 0.25,
      durationMs: 9000,
    }),
  ]);
  assertEquals(summary.tasks, 3);
  assertEquals(summary.passed, 1);
  assertEquals(summary.accuracy, 1 / 3);
  assertEquals(summary.failures, { wrong_answer: 1, timeout: 1 });
  assertEquals(summary.stepErrors, { runtime: 3, AgentParsingError: 1 });
  assertEquals(summary.tokenUsage, { inputTokens: 3000, outputTokens: 300 });
  assertEquals(summary.costUsd, 0.75);
  assertEquals(summary.durationMs.median, 1000);
  assertEquals(summary.durationMs.p90, 9000);
  const text = formatSummary(summary, { wallMs: 5000 });
  assertStringIncludes(text, "Accuracy       33.3% (1/3 passed)");
  assertStringIncludes(text, "Failures       wrong_answer 1, timeout 1");
  assertStringIncludes(text, "Cost           $0.7500");
  assertStringIncludes(text, "Wall time      5.0 s");
});

Deno.test("compareResults() lists tasks fixed and broken, and formatComparison() shows both sides", () => {
  const a = [result("1", true), result("2", false), result("3", true), result("only-a", true)];
  const b = [result("1", true), result("2", true), result("3", false), result("4", true)];
  const c = compareResults(a, b);
  assertEquals([c.common, c.fixed, c.broken, c.onlyA, c.onlyB], [3, ["2"], ["3"], ["only-a"], [
    "4",
  ]]);
  const text = formatComparison(c, "before.jsonl", "after.jsonl");
  assert(/before\.jsonl\s+after\.jsonl\s+change/.test(text), text);
  assert(/Accuracy\s+66\.7%\s+66\.7%\s+\+0\.0 pts/.test(text), text);
  assertStringIncludes(text, "Pass only in after.jsonl: 2");
  assertStringIncludes(text, "Pass only in before.jsonl: 3");
  assertStringIncludes(text, "Only in before.jsonl (not compared): only-a");
});

Deno.test("formatDuration() reads well from milliseconds to hours", () => {
  assertEquals([850, 12_340, 72_000, 7_260_000].map(formatDuration), [
    "850 ms",
    "12.3 s",
    "1m12s",
    "2h01m",
  ]);
});
