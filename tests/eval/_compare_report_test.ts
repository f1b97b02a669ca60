import domino from "@mixmark-io/domino";
import { renderHtmlComparison } from "../../src/eval/_compare_report.ts";
import type { EvalResult } from "../../src/eval/_results.ts";
import { evalResult, PLOT_TITLES } from "./_helpers.ts";
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";

// The slice of the DOM these tests read, as domino gives it.
interface El {
  textContent: string;
  className: string;
  tagName: string;
  attributes: ArrayLike<{ name: string; value: string }>;
  getAttribute(name: string): string | null;
  querySelector(selector: string): El | null;
  querySelectorAll(selector: string): ArrayLike<El>;
}

function parse(html: string): El {
  return domino.createDocument(html) as unknown as El;
}

function all(root: El, selector: string): El[] {
  return Array.from(root.querySelectorAll(selector));
}

function result(id: string, passed: boolean, extra: Partial<EvalResult> = {}): EvalResult {
  return evalResult(id, passed, {
    questionHash: `h ${id}`,
    trace: [{ type: "action", step: 1, code: `trace of ${id}`, observations: "ok" }],
    ...extra,
  });
}

// t1 passes in both, t2 and t4 are fixed in B, t3 regresses (a timeout), t5
// fails in both (with another answer); each side has one task the other lacks.
const A = [
  result("t1", true, { costUsd: 0.01 }),
  result("t2", false),
  result("t3", true),
  result("t4", false),
  result("t5", false),
  result("only-a", true),
];
const B = [
  result("only-b", false),
  result("t1", true, {
    steps: 4,
    tokenUsage: { inputTokens: 2000, outputTokens: 200 },
    durationMs: 3000,
    costUsd: 0.03,
  }),
  result("t2", true, { trace: [{ type: "action", step: 1, code: "trace of B t2" }] }),
  result("t3", false, {
    state: "timeout",
    failure: { kind: "timeout", name: "TimeoutError", message: "slow" },
    stepErrors: { runtime: 2 },
  }),
  result("t4", true),
  result("t5", false, { output: 3 }),
];

// A headline row: the two cells, the change and its class.
function headline(doc: El, label: string): [string, string, string, string] {
  const row = all(doc, "table.headline tbody tr").find((tr) =>
    tr.querySelector("th")?.textContent === label
  );
  assert(row, `no headline row "${label}"`);
  const [a, b, change] = all(row, "td");
  return [a.textContent, b.textContent, change.textContent, change.className];
}

Deno.test("renderHtmlComparison() shows each headline figure of both runs, over the tasks both have, with its change", () => {
  const doc = parse(renderHtmlComparison(A, B, { nameA: "before.jsonl", nameB: "after.jsonl" }));
  const head = all(doc, "table.headline thead th").map((th) => th.textContent);
  assertEquals(head, ["", "■ before.jsonl", "■ after.jsonl", "change"]);
  assertEquals(headline(doc, "Accuracy"), [
    "40.0% (2/5 passed)",
    "60.0% (3/5 passed)",
    "+20.0 pts",
    "delta better",
  ]);
  assertEquals(headline(doc, "Passed"), ["2", "3", "+1", "delta better"]);
  assertEquals(headline(doc, "Mean steps"), ["2.00", "2.40", "+0.40 (+20%)", "delta worse"]);
  assertEquals(headline(doc, "Tokens"), [
    "5.5k (5.0k in, 500 out)",
    "6.6k (6.0k in, 600 out)",
    "+1.1k (+20%)",
    "delta worse",
  ]);
  assertEquals(headline(doc, "Cost"), ["$0.0100", "$0.0300", "+$0.0200 (+200%)", "delta worse"]);
  assertEquals(headline(doc, "Median time per task"), ["1.0 s", "1.0 s", "+0 ms", "delta same"]);
  assertEquals(headline(doc, "p90 time per task"), [
    "1.0 s",
    "3.0 s",
    "+2.0 s (+200%)",
    "delta worse",
  ]);
  assertEquals(headline(doc, "Failures"), ["3", "2", "-1", "delta better"]);
  assertEquals(headline(doc, "wrong_answer"), ["3", "1", "-2", "delta better"]);
  assertEquals(headline(doc, "timeout"), ["0", "1", "+1", "delta worse"]);
  assertEquals(headline(doc, "runtime"), ["0", "2", "+2", "delta worse"]);
  const intro = all(doc, "p").map((p) => p.textContent).join("\n");
  assertStringIncludes(intro, "Compared over the 5 tasks both have: 1 regressed");
  assertStringIncludes(intro, "2 fixed (pass in B only). 1 only in A. 1 only in B.");
  // The plots: both runs' bars for each kind, a point per common task.
  for (
    const title of PLOT_TITLES
  ) {
    assert(doc.querySelector(`svg[aria-label="${title}"]`), title);
  }
  assertEquals(all(doc, 'svg[aria-label="Failures by kind"] rect.a').length, 2);
  assertEquals(all(doc, 'svg[aria-label="Failures by kind"] rect.b').length, 2);
  assertEquals(all(doc, 'svg[aria-label="Tokens per task"] circle').length, 5);
  assertEquals(
    doc.querySelector('svg[aria-label="Failures by kind"] rect.b title')?.textContent,
    "wrong_answer, after.jsonl: 1",
  );
});

Deno.test("renderHtmlComparison() lists regressions, then fixes, then the rest, each with both traces side by side", () => {
  const doc = parse(renderHtmlComparison(A, B, { nameA: "before.jsonl", nameB: "after.jsonl" }));
  const tasks = all(doc, "table.tasks tbody.task");
  const ids = tasks.map((t) => t.querySelector("th")!.textContent);
  assertEquals(ids, ["t3", "t2", "t4", "t5", "t1"]);
  assertEquals(tasks.map((t) => t.className), [
    "task regressed changed",
    "task fixed changed",
    "task fixed changed",
    "task both_fail same",
    "task both_pass same",
  ]);
  const cells = (i: number) => all(tasks[i], "tr")[0].querySelectorAll("td");
  const t3 = Array.from(cells(0)).map((td) => td.textContent);
  assertEquals(t3, [
    "regressed",
    "■ passed1",
    "■ timeout2",
    "2 → 2",
    "1.1k → 1.1k",
    "1.0 s → 1.0 s",
  ]);
  assertEquals(cells(3)[0].textContent, "both failanswer changed");
  const t1 = Array.from(cells(4)).map((td) => [td.textContent, td.className]);
  assertEquals(t1.slice(3), [["2 → 4", "num more"], ["1.1k → 2.2k", "num more"], [
    "1.0 s → 3.0 s",
    "num more",
  ]]);
  // The filter: one radio per kind of change with its count (none disabled here),
  // and the style rules that hide the other rows.
  const labels = all(doc, "fieldset.filter label").map((l) => l.textContent);
  assertEquals(labels, ["all (5)", "changed (3)", "regressed (1)", "fixed (2)", "unchanged (2)"]);
  assertEquals(doc.querySelector("#show-all")?.getAttribute("checked"), "");
  const style = doc.querySelector("style")!.textContent;
  assertStringIncludes(style, "section.tasks:has(#show-changed:checked) tbody.same");
  assertStringIncludes(
    style,
    "section.tasks:has(#show-regressed:checked) tbody.task:not(.regressed)",
  );
  // Both sides of t2, side by side, each with its own answer and trace.
  const sides = all(tasks[1], ".side > div");
  assertEquals(sides.length, 2);
  assertStringIncludes(sides[0].textContent, "A: before.jsonl");
  assertStringIncludes(sides[0].textContent, "trace of t2");
  assertStringIncludes(sides[1].textContent, "B: after.jsonl");
  assertStringIncludes(sides[1].textContent, "trace of B t2");
  assertEquals(all(tasks[1], "details").length, 1);
  assertStringIncludes(tasks[1].querySelector("details")!.textContent, "q t2");
  // A filter with nothing to show is disabled.
  const same = parse(renderHtmlComparison([result("x", true)], [result("x", true)]));
  assertEquals(same.querySelector("#show-regressed")?.getAttribute("disabled"), "");
  assertEquals(same.querySelector("#show-same")?.getAttribute("disabled"), null);
});

Deno.test("renderHtmlComparison() lists the tasks only one run has apart, and says when none is in common", () => {
  const doc = parse(renderHtmlComparison(A, B, { nameA: "before.jsonl", nameB: "after.jsonl" }));
  const only = (side: string) =>
    all(doc, `section.only-${side} details.task summary b`).map((b) => b.textContent);
  assertEquals(only("a"), ["only-a"]);
  assertEquals(only("b"), ["only-b"]);
  assertStringIncludes(
    doc.querySelector("section.only-a h2")!.textContent,
    "Only in A: before.jsonl (1, not compared)",
  );
  const inTable = all(doc, "table.tasks tbody.task th").map((th) => th.textContent);
  assert(!inTable.includes("only-a") && !inTable.includes("only-b"));

  const apart = parse(renderHtmlComparison([result("x", true)], [result("y", false)]));
  assertStringIncludes(apart.querySelector("body")!.textContent, "No task in common");
  assertEquals(all(apart, "tbody.task").length, 0);
  assertEquals(all(apart, "section.only-a details").length, 1);
  assertEquals(all(apart, "section.only-b details").length, 1);
  // Titles and names have defaults.
  assertEquals(apart.querySelector("title")!.textContent, "Evaluation comparison");
});

Deno.test("renderHtmlComparison() shows markup from the results as text: ids, answers, questions, traces, names", () => {
  const SCRIPT = "<script>alert(1)</script>";
  const IMG = `"><img src=x onerror="alert(2)">`;
  const hostile = (passed: boolean): EvalResult =>
    result(SCRIPT, passed, {
      question: IMG,
      output: SCRIPT,
      expected: IMG,
      model: SCRIPT,
      scores: { [IMG]: { score: passed ? 1 : 0, reason: SCRIPT } },
      stepErrors: passed ? {} : { [SCRIPT]: 1 },
      ...(passed ? {} : {
        failure: { kind: IMG as "wrong_answer", name: SCRIPT, message: IMG },
      }),
      trace: [{
        type: "action",
        step: IMG as unknown as number,
        modelOutput: SCRIPT,
        code: IMG,
        toolCalls: [{ name: SCRIPT, arguments: { x: IMG } }],
        observations: SCRIPT,
        error: { name: SCRIPT, message: IMG, kind: SCRIPT },
      }],
    });
  const html = renderHtmlComparison(
    [hostile(true), result(IMG, true), result("t", true)],
    [hostile(false), result(`only ${SCRIPT}`, true), result("t", true, { output: IMG })],
    { title: SCRIPT, nameA: `a${IMG}.jsonl`, nameB: `b${SCRIPT}.jsonl` },
  );
  const doc = parse(html);
  // No element came from the data: no script, no image, no event handler, no link.
  assertEquals(all(doc, "script, img, iframe, object, embed, a, link").length, 0);
  for (const el of all(doc, "*")) {
    for (const { name } of Array.from(el.attributes)) {
      assert(!name.startsWith("on"), `<${el.tagName} ${name}>`);
      assert(name !== "src" && name !== "href", `<${el.tagName} ${name}>`);
    }
  }
  // The data shows as text, where it belongs.
  assertEquals(doc.querySelector("title")!.textContent, SCRIPT);
  assertEquals(all(doc, "table.tasks tbody.task th").map((th) => th.textContent), [SCRIPT, "t"]);
  assertStringIncludes(all(doc, "table.tasks tbody.task")[1].textContent, IMG);
  assertStringIncludes(doc.querySelector("table.headline thead")!.textContent, `a${IMG}.jsonl`);
  assertStringIncludes(doc.querySelector("section.only-b h2")!.textContent, `b${SCRIPT}.jsonl`);
  assertEquals(doc.querySelector("section.only-b summary b")!.textContent, `only ${SCRIPT}`);
  const traces = all(doc, "tbody.task .side > div").map((d) => d.textContent);
  for (const text of [SCRIPT, IMG, `Step ${IMG}`, `${SCRIPT}({"x":"\\"><img`]) {
    assertStringIncludes(traces[1], text);
  }
  assertStringIncludes(html, "&#60;script&#62;alert(1)&#60;/script&#62;");
  assertStringIncludes(html, "&#34;&#62;&#60;img src=x onerror=&#34;alert(2)&#34;&#62;");
  // And should anything slip through, the page's policy runs no script.
  assertEquals(
    doc.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute("content")
      ?.split(";")[0],
    "default-src 'none'",
  );
});
