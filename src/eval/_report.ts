// The HTML report: one self-contained file (inline CSS and SVG, no script, no
// network), with the plots and every task's trace in a <details>.
import type { EvalResult } from "./_results.ts";
import { toText } from "./_scorers.ts";
import { type EvalSummary, formatCount, formatDuration, summarize } from "./_summary.ts";

/** Options of {@linkcode renderHtmlReport}. */
export interface HtmlReportOptions {
  /** The page's title. Defaults to `"Evaluation report"`. */
  title?: string;
  /** Wall time of the evaluation, shown when known. */
  wallMs?: number;
}

/**
 * Renders results as a self-contained HTML page: the summary, plots of
 * accuracy per scorer, steps, tokens and time per task, failure and step
 * error counts, and each task's question, answers and full trace.
 *
 * @example
 * ```ts
 * import { renderHtmlReport } from "@smoldeno/agents/eval";
 *
 * const html = renderHtmlReport([], { title: "Nightly" });
 * console.log(html.startsWith("<!doctype html>")); // true
 * ```
 */
export function renderHtmlReport(
  results: readonly EvalResult[],
  options: HtmlReportOptions = {},
): string {
  const summary = summarize(results);
  const title = options.title ?? "Evaluation report";
  const perTask = (label: string, value: (r: EvalResult) => number, show: (n: number) => string) =>
    taskBars(label, results, value, show);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${CSS}</style></head>
<body>
<h1>${esc(title)}</h1>
${summaryTable(summary, options.wallMs)}
<section class="plots">
${
    barList(
      "Accuracy by scorer",
      Object.entries(summary.scorers).map(([k, v]) => [k, v * 100]),
      (n) => `${n.toFixed(1)}%`,
      100,
    )
  }
${
    barList(
      "Failures by kind",
      Object.entries(summary.failures).map(([k, v]) => [k, v ?? 0]),
      String,
    )
  }
${barList("Step errors by kind", Object.entries(summary.stepErrors), String)}
${perTask("Steps per task", (r) => r.steps, String)}
${
    perTask("Tokens per task", (r) =>
      r.tokenUsage.inputTokens + r.tokenUsage.outputTokens, formatCount)
  }
${perTask("Time per task", (r) => r.durationMs, formatDuration)}
</section>
<h2>Tasks</h2>
<p class="legend"><span class="pass">■</span> passed <span class="fail">■</span> not passed. Open a task for its answers and trace.</p>
${results.map(taskDetails).join("\n")}
</body></html>
`;
}

function summaryTable(s: EvalSummary, wallMs?: number): string {
  const rows: [string, string][] = [
    ["Tasks", String(s.tasks)],
    ["Accuracy", `${pct(s.accuracy)} (${s.passed}/${s.tasks} passed)`],
    ["Mean steps", Number.isNaN(s.meanSteps) ? "-" : s.meanSteps.toFixed(2)],
    [
      "Tokens",
      `${formatCount(s.tokenUsage.inputTokens)} in, ${formatCount(s.tokenUsage.outputTokens)} out`,
    ],
    ...(s.costUsd !== undefined ? [["Cost", `$${s.costUsd.toFixed(4)}`] as [string, string]] : []),
    [
      "Time per task",
      `median ${formatDuration(s.durationMs.median)}, p90 ${formatDuration(s.durationMs.p90)}`,
    ],
    ...(wallMs !== undefined ? [["Wall time", formatDuration(wallMs)] as [string, string]] : []),
  ];
  return `<table class="summary">${
    rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join("")
  }</table>`;
}

function barList(
  title: string,
  items: [string, number][],
  show: (n: number) => string,
  max?: number,
): string {
  if (items.length === 0) {
    return `<figure><figcaption>${esc(title)}</figcaption><p class="none">none</p></figure>`;
  }
  const top = max ?? Math.max(...items.map(([, v]) => v), 1);
  const rowH = 22, labelW = 140, barW = 300;
  const rows = items.map(([label, value], i) => {
    const w = Math.max(1, (value / top) * barW);
    const y = i * rowH;
    return `<text x="${labelW - 6}" y="${y + 15}" text-anchor="end">${esc(label)}</text>` +
      `<rect x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${
        rowH - 6
      }" class="bar"/>` +
      `<text x="${labelW + w + 4}" y="${y + 15}">${esc(show(value))}</text>`;
  }).join("");
  return `<figure><figcaption>${esc(title)}</figcaption><svg viewBox="0 0 ${labelW + barW + 80} ${
    items.length * rowH
  }" role="img" aria-label="${esc(title)}">${rows}</svg></figure>`;
}

function taskBars(
  title: string,
  results: readonly EvalResult[],
  value: (r: EvalResult) => number,
  show: (n: number) => string,
): string {
  if (results.length === 0) return "";
  const values = results.map(value);
  const top = Math.max(...values, 1);
  const W = 440, H = 120, step = W / results.length;
  const bars = results.map((r, i) => {
    const h = Math.max(1, (values[i] / top) * (H - 14));
    return `<rect x="${(i * step).toFixed(2)}" y="${(H - h).toFixed(1)}" width="${
      Math.max(step - 1, 0.5).toFixed(2)
    }" height="${h.toFixed(1)}" class="${r.passed ? "pass" : "fail"}"><title>${
      esc(`${r.id}: ${show(values[i])}`)
    }</title></rect>`;
  }).join("");
  return `<figure><figcaption>${esc(title)} (max ${
    esc(show(top))
  })</figcaption><svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${
    esc(title)
  }">${bars}</svg></figure>`;
}

/** One task as a `<details>`: a one-line summary, then its question, answers and trace. */
export function taskDetails(r: EvalResult): string {
  const head = `<summary><span class="${r.passed ? "pass" : "fail"}">■</span> <b>${
    esc(r.id)
  }</b> · ${esc(r.passed ? "passed" : r.failure?.kind ?? "failed")} · ${
    esc(String(r.steps))
  } steps · ${esc(formatCount(r.tokenUsage.inputTokens + r.tokenUsage.outputTokens))} tokens · ${
    esc(formatDuration(r.durationMs))
  }</summary>`;
  return `<details class="task">${head}<dl>
${field("Question", r.question)}${answerFields(r)}
</dl>${traceList(r)}</details>`;
}

/** A task's expected answer, answer, scores and failure, as `<dt>`/`<dd>` pairs. */
export function answerFields(r: EvalResult): string {
  const scores = Object.entries(r.scores).map(([k, v]) =>
    `${k} ${v.score.toFixed(2)}${v.error ? ` (${v.error})` : v.reason ? ` (${v.reason})` : ""}`
  ).join("; ");
  return `${field("Expected", toText(r.expected))}${field("Answer", toText(r.output))}${
    field("Scores", scores || "not scored")
  }${r.failure ? field("Failure", `${r.failure.name}: ${r.failure.message}`) : ""}`;
}

/** A task's trace as an `<ol class="trace">`, one item per step. */
export function traceList(r: EvalResult): string {
  const steps = r.trace.map((s) => {
    const parts = [
      s.modelOutput !== undefined
        ? field(s.type === "planning" ? "Plan" : "Model output", s.modelOutput)
        : "",
      s.code !== undefined ? field("Code", s.code) : "",
      s.toolCalls
        ? field(
          "Tool calls",
          s.toolCalls.map((c) => `${c.name}(${toText(c.arguments)})`).join("\n"),
        )
        : "",
      s.observations !== undefined ? field("Observations", s.observations) : "",
      s.error
        ? field(
          "Error",
          `${s.error.name}${s.error.kind ? ` (${s.error.kind})` : ""}: ${s.error.message}`,
        )
        : "",
    ].join("");
    const label = s.type === "planning" ? "Plan" : `Step ${s.step}`;
    return `<li><b>${esc(label)}</b>${
      s.durationMs !== undefined ? ` · ${esc(formatDuration(s.durationMs))}` : ""
    }<dl>${parts}</dl></li>`;
  }).join("");
  return `<ol class="trace">${steps}</ol>`;
}

/** A `<dt>`/`<dd>` pair whose value is shown as preformatted text. */
export function field(k: string, v: string): string {
  return `<dt>${esc(k)}</dt><dd><pre>${esc(v)}</pre></dd>`;
}

/** 0.5 as "50.0%", NaN as "-". */
export function pct(n: number): string {
  return Number.isNaN(n) ? "-" : `${(n * 100).toFixed(1)}%`;
}

/** Escapes text for HTML, in element content and in quoted attributes. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The report's style sheet. */
export const CSS: string =
  `body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#222}
h1{font-size:1.5rem}table.summary th{text-align:left;padding-right:1.5rem;font-weight:600}
.plots{display:grid;grid-template-columns:repeat(auto-fill,minmax(460px,1fr));gap:1rem}
figure{margin:0;border:1px solid #ddd;border-radius:6px;padding:.6rem}figcaption{font-weight:600;margin-bottom:.4rem}
svg{width:100%;height:auto}svg text{font-size:12px;fill:#333}.bar{fill:#4a78c2}rect.pass{fill:#3a9d5d}rect.fail{fill:#d05a4a}
span.pass{color:#3a9d5d}span.fail{color:#d05a4a}.none{color:#888}
details.task{border-bottom:1px solid #eee;padding:.3rem 0}details.task summary{cursor:pointer}
dl{margin:.3rem 0 .3rem 1rem}dt{font-weight:600;margin-top:.3rem}dd{margin:0}
pre{white-space:pre-wrap;word-break:break-word;background:#f6f6f6;padding:.4rem;border-radius:4px;margin:.2rem 0;max-height:24rem;overflow:auto}
ol.trace{margin-left:1rem}`;
