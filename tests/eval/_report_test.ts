import { renderHtmlReport } from "../../src/eval/_report.ts";
import type { EvalResult } from "../../src/eval/_results.ts";
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { PLOT_TITLES } from "./_helpers.ts";

const base: EvalResult = {
  id: "t1",
  question: "What is <b>2 + 2</b>?",
  questionHash: "h",
  dataset: "d",
  expected: 4,
  output: "<script>alert(1)</script>",
  score: 0,
  passed: false,
  scores: { auto: { score: 0 } },
  state: "success",
  failure: {
    kind: "wrong_answer",
    name: "WrongAnswer",
    message: "The answer did not pass the scorer",
  },
  steps: 2,
  tokenUsage: { inputTokens: 500, outputTokens: 50 },
  durationMs: 1200,
  startedAt: "2026-01-01T00:00:00.000Z",
  stepErrors: { runtime: 1 },
  trace: [
    {
      type: "action",
      step: 1,
      modelOutput: "Thought: add.",
      code: "2 + x",
      error: { name: "AgentExecutionError", message: "x is not defined", kind: "runtime" },
      durationMs: 300,
    },
    {
      type: "action",
      step: 2,
      modelOutput: "Thought: answer.",
      code: "final_answer('<script>alert(1)</script>')",
      observations: "",
      durationMs: 200,
    },
  ],
};

Deno.test("renderHtmlReport() is one self-contained page with the plots and each task's trace", () => {
  const html = renderHtmlReport([base, {
    ...base,
    id: "t2",
    passed: true,
    score: 1,
    failure: undefined,
    stepErrors: {},
  }], {
    title: "Nightly & co",
  });
  assert(html.startsWith("<!doctype html>"));
  assertStringIncludes(html, "<title>Nightly &#38; co</title>");
  for (
    const title of PLOT_TITLES
  ) {
    assertStringIncludes(html, `aria-label="${title}"`);
  }
  assertEquals(html.match(/<details class="task">/g)?.length, 2);
  assertStringIncludes(html, "x is not defined");
  assertStringIncludes(html, "AgentExecutionError (runtime)");
  // Nothing the model wrote becomes markup, and nothing loads from elsewhere.
  assert(!html.includes("<script"), "no script tag");
  assertStringIncludes(html, "&#60;script&#62;alert(1)&#60;/script&#62;");
  assert(!/\b(src|href)=/.test(html), "no external resource");
});
