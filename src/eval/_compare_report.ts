// The comparison of two runs as one self-contained HTML page (inline CSS and
// SVG, no script, nothing loaded from elsewhere): the headline figures of both
// with their change, plots of both, and every task both have, the changed ones
// first, with the two traces side by side. The task filter is CSS only.
import type { TokenUsage } from "../models/model.ts";
import type { EvalResult, FailureKind } from "./_results.ts";
import { answerFields, CSS, esc, field, pct, taskDetails, traceList } from "./_report.ts";
import { toText } from "./_scorers.ts";
import { compareResults, type EvalSummary, formatCount, formatDuration } from "./_summary.ts";

/**
 * Options of {@linkcode renderHtmlComparison}.
 *
 * @example
 * ```ts
 * import { type HtmlComparisonOptions, renderHtmlComparison } from "@smoldeno/agents/eval";
 *
 * const options: HtmlComparisonOptions = { title: "Prompt v2", nameA: "v1.jsonl", nameB: "v2.jsonl" };
 * console.log(renderHtmlComparison([], [], options).includes("<title>Prompt v2</title>")); // true
 * ```
 */
export interface HtmlComparisonOptions {
  /** The page's title. Defaults to `"Evaluation comparison"`. */
  title?: string;
  /** What to call the first run (a file name, a model). Defaults to `"A"`. */
  nameA?: string;
  /** What to call the second run. Defaults to `"B"`. */
  nameB?: string;
}

// How a task both runs have changed from A to B, in the order the table lists them.
const CHANGES = ["regressed", "fixed", "both_fail", "both_pass"] as const;
type Change = typeof CHANGES[number];

interface Pair {
  a: EvalResult;
  b: EvalResult;
  change: Change;
}

/**
 * Renders two runs' results side by side as a self-contained HTML page: the
 * headline figures of each over the tasks both have, with the change (accuracy,
 * steps, tokens, cost, time, failures and step errors by kind), plots of both,
 * a table of those tasks with the ones that regressed or were fixed first
 * (filterable without script), each task's two answers and traces side by
 * side, and the tasks only one run has.
 *
 * @example
 * ```ts
 * import { renderHtmlComparison } from "@smoldeno/agents/eval";
 *
 * const html = renderHtmlComparison([], [], { nameA: "before.jsonl", nameB: "after.jsonl" });
 * console.log(html.includes("before.jsonl")); // true
 * ```
 */
export function renderHtmlComparison(
  a: readonly EvalResult[],
  b: readonly EvalResult[],
  options: HtmlComparisonOptions = {},
): string {
  const title = options.title ?? "Evaluation comparison";
  const nameA = options.nameA ?? "A";
  const nameB = options.nameB ?? "B";
  const listA = lastById(a), listB = lastById(b);
  const c = compareResults(listA, listB);
  const byIdB = new Map(listB.map((r) => [r.id, r]));
  const pairs: Pair[] = listA.filter((r) => byIdB.has(r.id)).map((ra) => {
    const rb = byIdB.get(ra.id)!;
    const change: Change = ra.passed
      ? (rb.passed ? "both_pass" : "regressed")
      : (rb.passed ? "fixed" : "both_fail");
    return { a: ra, b: rb, change };
  });
  // Stable: within a kind of change, the tasks keep A's order.
  pairs.sort((x, y) => CHANGES.indexOf(x.change) - CHANGES.indexOf(y.change));
  const inA = new Set(listA.map((r) => r.id));
  const onlyA = listA.filter((r) => !byIdB.has(r.id));
  const onlyB = listB.filter((r) => !inA.has(r.id));
  const regressed = pairs.filter((p) => p.change === "regressed").length;
  const fixed = pairs.filter((p) => p.change === "fixed").length;
  const names = { a: nameA, b: nameB };
  const scorers = [...new Set([...Object.keys(c.a.scorers), ...Object.keys(c.b.scorers)])];
  const failureKinds = union(c.a.failures, c.b.failures) as FailureKind[];
  const stepErrorKinds = union(c.a.stepErrors, c.b.stepErrors);
  const scatterOf = (label: string, value: (r: EvalResult) => number, show: Show) =>
    scatter(label, pairs, value, show, names);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'">
<title>${esc(title)}</title>
<style>${CSS}
${COMPARE_CSS}</style></head>
<body>
<h1>${esc(title)}</h1>
<p class="legend"><span class="a">■</span> <b>A</b> ${
    esc(nameA)
  } (${listA.length} results) · <span class="b">■</span> <b>B</b> ${
    esc(nameB)
  } (${listB.length} results)</p>
<p>${
    c.common === 0
      ? "<b>No task in common</b>: are these results of the same dataset?"
      : `Compared over the <b>${c.common}</b> tasks both have: <b>${regressed}</b> regressed (pass in A only), <b>${fixed}</b> fixed (pass in B only).`
  }${onlyA.length ? ` ${onlyA.length} only in A.` : ""}${
    onlyB.length ? ` ${onlyB.length} only in B.` : ""
  }</p>
${headline(c.a, c.b, listA, listB, names)}
<section class="plots">
${
    pairedBars(
      "Accuracy by scorer",
      scorers.map((k) => [k, (c.a.scorers[k] ?? NaN) * 100, (c.b.scorers[k] ?? NaN) * 100]),
      (n) => `${n.toFixed(1)}%`,
      names,
      100,
    )
  }
${
    pairedBars(
      "Failures by kind",
      failureKinds.map((k) => [k, c.a.failures[k] ?? 0, c.b.failures[k] ?? 0]),
      String,
      names,
    )
  }
${
    pairedBars(
      "Step errors by kind",
      stepErrorKinds.map((k) => [k, c.a.stepErrors[k] ?? 0, c.b.stepErrors[k] ?? 0]),
      String,
      names,
    )
  }
${scatterOf("Steps per task", (r) => r.steps, String)}
${scatterOf("Tokens per task", (r) => total(r.tokenUsage), formatCount)}
${scatterOf("Time per task", (r) => r.durationMs, formatDuration)}
</section>
${tasksSection(pairs, names)}
${onlySection("A", nameA, onlyA)}
${onlySection("B", nameB, onlyB)}
</body></html>
`;
}

type Show = (n: number) => string;
interface Names {
  a: string;
  b: string;
}

// One result per id, the last one, as readResults() keeps them.
function lastById(results: readonly EvalResult[]): EvalResult[] {
  const byId = new Map<string, EvalResult>();
  for (const r of results) {
    byId.delete(r.id);
    byId.set(r.id, r);
  }
  return [...byId.values()];
}

function union(x: Record<string, unknown>, y: Record<string, unknown>): string[] {
  return [...new Set([...Object.keys(x), ...Object.keys(y)])];
}

function total(usage: TokenUsage | undefined): number {
  return (usage?.inputTokens ?? 0) + (usage?.outputTokens ?? 0);
}

// A figure of both runs: its two values, how to show them and their change, and
// whether more is better (1), worse (-1) or neither (0).
interface Row {
  label: string;
  indent?: boolean;
  a: number;
  b: number;
  show: Show;
  diff: Show;
  better: 1 | -1 | 0;
  cellA?: string;
  cellB?: string;
}

function headline(
  a: EvalSummary,
  b: EvalSummary,
  listA: readonly EvalResult[],
  listB: readonly EvalResult[],
  names: Names,
): string {
  const count: Show = (n) => (Number.isNaN(n) ? "-" : String(n));
  const signed = (digits: number): Show => (n) =>
    `${n >= 0 ? "+" : "-"}${Math.abs(n).toFixed(digits)}`;
  const pts: Show = (n) => `${n >= 0 ? "+" : "-"}${Math.abs(n * 100).toFixed(1)} pts`;
  const rows: Row[] = [
    {
      label: "Accuracy",
      a: a.accuracy,
      b: b.accuracy,
      show: pct,
      diff: pts,
      better: 1,
      cellA: `${pct(a.accuracy)} (${a.passed}/${a.tasks} passed)`,
      cellB: `${pct(b.accuracy)} (${b.passed}/${b.tasks} passed)`,
    },
    ...union(a.scorers, b.scorers).map((k): Row => ({
      label: k,
      indent: true,
      a: a.scorers[k] ?? NaN,
      b: b.scorers[k] ?? NaN,
      show: pct,
      diff: pts,
      better: 1,
    })),
    { label: "Passed", a: a.passed, b: b.passed, show: count, diff: signed(0), better: 1 },
    {
      label: "Mean steps",
      a: a.meanSteps,
      b: b.meanSteps,
      show: (n) => (Number.isNaN(n) ? "-" : n.toFixed(2)),
      diff: relative(signed(2), a.meanSteps),
      better: -1,
    },
    {
      label: "Tokens",
      a: total(a.tokenUsage),
      b: total(b.tokenUsage),
      show: formatCount,
      diff: relative(signedBy(formatCount), total(a.tokenUsage)),
      better: -1,
      cellA: tokens(a.tokenUsage),
      cellB: tokens(b.tokenUsage),
    },
  ];
  if (total(a.judgeTokenUsage) + total(b.judgeTokenUsage) > 0) {
    rows.push({
      label: "Judge tokens",
      a: total(a.judgeTokenUsage),
      b: total(b.judgeTokenUsage),
      show: formatCount,
      diff: relative(signedBy(formatCount), total(a.judgeTokenUsage)),
      better: -1,
      cellA: tokens(a.judgeTokenUsage),
      cellB: tokens(b.judgeTokenUsage),
    });
  }
  if (a.costUsd !== undefined || b.costUsd !== undefined) {
    const usd = (n: number) => `$${n.toFixed(4)}`;
    rows.push({
      label: "Cost",
      a: a.costUsd ?? NaN,
      b: b.costUsd ?? NaN,
      show: (n) => (Number.isNaN(n) ? "-" : usd(n)),
      diff: relative(signedBy(usd), a.costUsd ?? NaN),
      better: -1,
    });
  }
  for (
    const [label, key] of [
      ["Median time per task", "median"],
      ["p90 time per task", "p90"],
      ["Total task time", "total"],
    ] as const
  ) {
    rows.push({
      label,
      a: a.durationMs[key],
      b: b.durationMs[key],
      show: formatDuration,
      diff: relative(signedBy(formatDuration), a.durationMs[key]),
      better: -1,
    });
  }
  const sum = (o: Record<string, number | undefined>) =>
    Object.values(o).reduce<number>((s, n) => s + (n ?? 0), 0);
  // A total, then one indented row per kind either side has.
  const byKind = (label: string, ka: Record<string, number | undefined>, kb: typeof ka) => {
    rows.push({ label, a: sum(ka), b: sum(kb), show: count, diff: signed(0), better: -1 });
    for (const kind of union(ka, kb)) {
      rows.push({
        label: kind,
        indent: true,
        a: ka[kind] ?? 0,
        b: kb[kind] ?? 0,
        show: count,
        diff: signed(0),
        better: -1,
      });
    }
  };
  byKind("Failures", a.failures, b.failures);
  byKind("Step errors", a.stepErrors, b.stepErrors);
  const models = (list: readonly EvalResult[]) =>
    [...new Set(list.map((r) => r.model).filter((m) => m !== undefined))].join(", ") || "-";
  const text = (label: string, x: string, y: string) =>
    `<tr><th>${esc(label)}</th><td>${esc(x)}</td><td>${esc(y)}</td><td></td></tr>`;
  const body = rows.map((r) => {
    const d = r.b - r.a;
    const cls = Number.isNaN(d)
      ? ""
      : d === 0 || r.better === 0
      ? "same"
      : Math.sign(d) === r.better
      ? "better"
      : "worse";
    return `<tr${r.indent ? ' class="sub"' : ""}><th>${esc(r.label)}</th><td>${
      esc(r.cellA ?? r.show(r.a))
    }</td><td>${esc(r.cellB ?? r.show(r.b))}</td><td class="delta ${cls}">${
      Number.isNaN(d) ? "" : esc(r.diff(d))
    }</td></tr>`;
  }).join("\n");
  const hasModel = [...listA, ...listB].some((r) => r.model !== undefined);
  return `<table class="summary headline"><thead><tr><th></th><th><span class="a">■</span> ${
    esc(names.a)
  }</th><th><span class="b">■</span> ${esc(names.b)}</th><th>change</th></tr></thead><tbody>
${hasModel ? text("Model", models(listA), models(listB)) : ""}
${body}
</tbody></table>`;
}

function tokens(usage: TokenUsage): string {
  return `${formatCount(total(usage))} (${formatCount(usage.inputTokens)} in, ${
    formatCount(usage.outputTokens)
  } out)`;
}

function signedBy(show: Show): Show {
  return (n) => `${n >= 0 ? "+" : "-"}${show(Math.abs(n))}`;
}

// The change, and the change relative to A's value when that means something.
function relative(show: Show, from: number): Show {
  return (n) => {
    const base = show(n);
    if (!(from > 0) || n === 0) return base;
    const r = (n / from) * 100;
    return `${base} (${r >= 0 ? "+" : "-"}${Math.abs(r).toFixed(0)}%)`;
  };
}

// Horizontal bars, two per label (A above B), drawn like the report's.
function pairedBars(
  title: string,
  items: [string, number, number][],
  show: Show,
  names: Names,
  max?: number,
): string {
  if (items.length === 0) {
    return `<figure><figcaption>${esc(title)}</figcaption><p class="none">none</p></figure>`;
  }
  const values = items.flatMap(([, x, y]) => [x, y]).filter((n) => !Number.isNaN(n));
  const top = max ?? Math.max(...values, 1);
  const rowH = 34, barH = 12, labelW = 140, barW = 300;
  const rows = items.map(([label, x, y], i) => {
    const top0 = i * rowH + 3;
    const bar = (value: number, side: "a" | "b", y0: number) => {
      const shown = Number.isNaN(value) ? "-" : show(value);
      const w = Number.isNaN(value) ? 0 : Math.max(1, (value / top) * barW);
      return `<rect x="${labelW}" y="${y0}" width="${
        w.toFixed(1)
      }" height="${barH}" class="${side}"><title>${
        esc(`${label}, ${names[side]}: ${shown}`)
      }</title></rect><text x="${labelW + w + 4}" y="${y0 + barH - 2}">${esc(shown)}</text>`;
    };
    return `<text x="${labelW - 6}" y="${top0 + barH + 4}" text-anchor="end">${esc(label)}</text>` +
      bar(x, "a", top0) + bar(y, "b", top0 + barH + 2);
  }).join("");
  return `<figure><figcaption>${esc(title)}</figcaption><svg viewBox="0 0 ${labelW + barW + 80} ${
    items.length * rowH
  }" role="img" aria-label="${esc(title)}">${rows}</svg></figure>`;
}

// Each task both runs have as a point: A's value across, B's up. Below the
// diagonal, B took less.
function scatter(
  title: string,
  pairs: readonly Pair[],
  value: (r: EvalResult) => number,
  show: Show,
  names: Names,
): string {
  if (pairs.length === 0) return "";
  const xs = pairs.map((p) => value(p.a)), ys = pairs.map((p) => value(p.b));
  const top = Math.max(...xs, ...ys, 1);
  const W = 440, H = 200, pad = 16, side = H - 2 * pad;
  const x0 = (W - side) / 2;
  const px = (v: number) => (x0 + (v / top) * side).toFixed(1);
  const py = (v: number) => (H - pad - (v / top) * side).toFixed(1);
  const points = pairs.map((p, i) =>
    `<circle cx="${px(xs[i])}" cy="${py(ys[i])}" r="3.5" class="${p.change}"><title>${
      esc(`${p.a.id}: ${show(xs[i])} → ${show(ys[i])}`)
    }</title></circle>`
  ).join("");
  const frame = `<rect x="${x0}" y="${pad}" width="${side}" height="${side}" class="frame"/>` +
    `<line x1="${x0}" y1="${H - pad}" x2="${x0 + side}" y2="${pad}" class="diagonal"/>` +
    `<text x="${x0 + side / 2}" y="${H - 2}" text-anchor="middle">A →</text>` +
    `<text x="${x0 - 6}" y="${pad + side / 2}" text-anchor="end">B ↑</text>`;
  return `<figure><figcaption>${esc(title)}: ${esc(names.a)} across, ${esc(names.b)} up (max ${
    esc(show(top))
  })</figcaption><svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${
    esc(title)
  }">${frame}${points}</svg></figure>`;
}

const CHANGE_LABEL: Record<Change, string> = {
  regressed: "regressed",
  fixed: "fixed",
  both_fail: "both fail",
  both_pass: "both pass",
};

// The tasks both runs have, changed first, with a filter made of radio buttons
// and CSS (:has), so it needs no script; without :has every task shows.
function tasksSection(pairs: readonly Pair[], names: Names): string {
  if (pairs.length === 0) return `<h2>Tasks in both</h2><p class="none">none</p>`;
  const n = (f: (p: Pair) => boolean) => pairs.filter(f).length;
  const changed = (p: Pair) => p.change === "regressed" || p.change === "fixed";
  const filters: [string, string, number][] = [
    ["all", "all", pairs.length],
    ["changed", "changed", n(changed)],
    ["regressed", "regressed", n((p) => p.change === "regressed")],
    ["fixed", "fixed", n((p) => p.change === "fixed")],
    ["same", "unchanged", n((p) => !changed(p))],
  ];
  const radios = filters.map(([id, label, count]) =>
    `<input type="radio" name="show" id="show-${id}" value="${id}"${
      id === "all" ? " checked" : ""
    }${
      count === 0 && id !== "all" ? " disabled" : ""
    }><label for="show-${id}">${label} (${count})</label>`
  ).join(" ");
  const cell = (r: EvalResult) =>
    `<td><span class="${r.passed ? "pass" : "fail"}">■</span> ${esc(verdict(r))}<br><code>${
      esc(clip(toText(r.output), 80))
    }</code></td>`;
  const arrow = (x: number, y: number, show: Show) =>
    `<td class="num${y < x ? " less" : y > x ? " more" : ""}">${esc(show(x))} → ${
      esc(show(y))
    }</td>`;
  const rows = pairs.map((p) => {
    const notes = [
      p.a.questionHash !== p.b.questionHash ? "question differs" : "",
      !changed(p) && toText(p.a.output) !== toText(p.b.output) ? "answer changed" : "",
    ].filter(Boolean);
    const question = p.a.questionHash === p.b.questionHash
      ? field("Question", p.a.question)
      : `${field(`Question (A: ${names.a})`, p.a.question)}${
        field(`Question (B: ${names.b})`, p.b.question)
      }`;
    const sideOf = (r: EvalResult, side: "a" | "b") =>
      `<div><h4><span class="${side}">■</span> ${side.toUpperCase()}: ${esc(names[side])}</h4><dl>${
        answerFields(r)
      }</dl>${traceList(r)}</div>`;
    return `<tbody class="task ${p.change} ${changed(p) ? "changed" : "same"}">
<tr><th scope="row">${esc(p.a.id)}</th><td class="change ${p.change}">${CHANGE_LABEL[p.change]}${
      notes.length ? `<br><small>${notes.join(", ")}</small>` : ""
    }</td>${cell(p.a)}${cell(p.b)}${arrow(p.a.steps, p.b.steps, String)}${
      arrow(total(p.a.tokenUsage), total(p.b.tokenUsage), formatCount)
    }${arrow(p.a.durationMs, p.b.durationMs, formatDuration)}</tr>
<tr class="traces"><td colspan="7"><details><summary>question, answers and traces</summary><dl>${question}</dl><div class="side">${
      sideOf(p.a, "a")
    }${sideOf(p.b, "b")}</div></details></td></tr>
</tbody>`;
  }).join("\n");
  return `<section class="tasks">
<h2>Tasks in both</h2>
<fieldset class="filter"><legend>Show</legend>${radios}</fieldset>
<table class="tasks"><colgroup><col class="id"><col class="change"><col class="run"><col class="run"><col><col><col></colgroup><thead><tr><th>Task</th><th>Change</th><th><span class="a">■</span> A: ${
    esc(names.a)
  }</th><th><span class="b">■</span> B: ${
    esc(names.b)
  }</th><th>Steps</th><th>Tokens</th><th>Time</th></tr></thead>
${rows}
</table>
</section>`;
}

function onlySection(side: "A" | "B", name: string, results: readonly EvalResult[]): string {
  if (results.length === 0) return "";
  return `<section class="only only-${side.toLowerCase()}">
<h2>Only in ${side}: ${esc(name)} (${results.length}, not compared)</h2>
${results.map(taskDetails).join("\n")}
</section>`;
}

function verdict(r: EvalResult): string {
  const kind = r.passed ? "passed" : r.failure?.kind ?? "failed";
  return r.score > 0 && r.score < 1 ? `${kind} (${r.score.toFixed(2)})` : kind;
}

function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : text;
}

const COMPARE_CSS =
  `span.a{color:#9aa9c4}span.b{color:#4a78c2}rect.a{fill:#9aa9c4}rect.b{fill:#4a78c2}
table.headline{border-collapse:collapse}table.headline td,table.headline thead th{padding:.15rem .8rem;text-align:right}
table.headline tr.sub th{font-weight:400;padding-left:1.2rem}.delta.better{color:#2d7d4a}.delta.worse{color:#c0392b}.delta.same{color:#888}
rect.frame{fill:none;stroke:#ccc}line.diagonal{stroke:#aaa;stroke-dasharray:4 3}
circle.both_pass{fill:#3a9d5d;opacity:.6}circle.both_fail{fill:#d05a4a;opacity:.6}circle.fixed,circle.regressed{stroke:#222;stroke-width:1.2}circle.fixed{fill:#3a9d5d}circle.regressed{fill:#d05a4a}
fieldset.filter{border:1px solid #ddd;border-radius:6px;margin:.5rem 0}fieldset.filter label{margin-right:.8rem}
table.tasks{border-collapse:collapse;width:100%}table.tasks th,table.tasks td{text-align:left;vertical-align:top;padding:.3rem .4rem}
table.tasks tbody{border-top:1px solid #ddd}col.id{width:16%}col.change{width:9%}col.run{width:26%}table.tasks td.num{white-space:nowrap}td.less{color:#2d7d4a}td.more{color:#c0392b}
td.change.regressed{color:#c0392b;font-weight:600}td.change.fixed{color:#2d7d4a;font-weight:600}td.change small{color:#888}
tr.traces td{padding-top:0}tr.traces summary{cursor:pointer;color:#555}code{word-break:break-word}
.side{display:grid;grid-template-columns:1fr 1fr;gap:1rem}.side>div{min-width:0}.side h4{margin:.4rem 0 0}
section.tasks:has(#show-changed:checked) tbody.same,section.tasks:has(#show-regressed:checked) tbody.task:not(.regressed),
section.tasks:has(#show-fixed:checked) tbody.task:not(.fixed),section.tasks:has(#show-same:checked) tbody.changed{display:none}`;
