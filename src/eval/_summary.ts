// Summaries of results: the table printed at the end, and the comparison of two result files.
import type { TokenUsage } from "../models/model.ts";
import type { EvalResult, FailureKind } from "./_results.ts";

/** Figures over a set of results. */
export interface EvalSummary {
  /** How many results. */
  tasks: number;
  /** How many passed (first scorer at 1). */
  passed: number;
  /** Mean first-scorer score, 0 to 1 (NaN with no result). */
  accuracy: number;
  /** Mean score of each scorer, by name. */
  scorers: Record<string, number>;
  /** Tasks that did not pass, counted by why. */
  failures: Partial<Record<FailureKind, number>>;
  /** Errors inside steps (which the agent may have recovered from), counted by kind. */
  stepErrors: Record<string, number>;
  /** Agent tokens, summed. */
  tokenUsage: TokenUsage;
  /** Judge tokens, summed. */
  judgeTokenUsage: TokenUsage;
  /** Total cost in US dollars, when any result has one. */
  costUsd?: number;
  /** Mean action steps per task. */
  meanSteps: number;
  /** Task durations in ms: sum, mean, median and 90th percentile. */
  durationMs: { total: number; mean: number; median: number; p90: number };
}

/**
 * Summarizes results: accuracy, per-scorer means, failures by kind, tokens,
 * cost, steps and time.
 *
 * @example
 * ```ts
 * import { summarize } from "@smoldeno/agents/eval";
 *
 * console.log(summarize([]).tasks); // 0
 * ```
 */
export function summarize(results: readonly EvalResult[]): EvalSummary {
  const scorers: Record<string, number> = {};
  const names = [...new Set(results.flatMap((r) => Object.keys(r.scores)))];
  for (const name of names) {
    scorers[name] = mean(results.map((r) => r.scores[name]?.score ?? 0));
  }
  const failures: Partial<Record<FailureKind, number>> = {};
  const stepErrors: Record<string, number> = {};
  const tokenUsage = { inputTokens: 0, outputTokens: 0 };
  const judgeTokenUsage = { inputTokens: 0, outputTokens: 0 };
  let cost: number | undefined;
  for (const r of results) {
    if (r.failure) failures[r.failure.kind] = (failures[r.failure.kind] ?? 0) + 1;
    for (const [kind, n] of Object.entries(r.stepErrors ?? {})) {
      stepErrors[kind] = (stepErrors[kind] ?? 0) + n;
    }
    tokenUsage.inputTokens += r.tokenUsage?.inputTokens ?? 0;
    tokenUsage.outputTokens += r.tokenUsage?.outputTokens ?? 0;
    judgeTokenUsage.inputTokens += r.judgeTokenUsage?.inputTokens ?? 0;
    judgeTokenUsage.outputTokens += r.judgeTokenUsage?.outputTokens ?? 0;
    if (r.costUsd !== undefined) cost = (cost ?? 0) + r.costUsd;
  }
  const durations = results.map((r) => r.durationMs).sort((a, b) => a - b);
  return {
    tasks: results.length,
    passed: results.filter((r) => r.passed).length,
    accuracy: mean(results.map((r) => r.score)),
    scorers,
    failures,
    stepErrors,
    tokenUsage,
    judgeTokenUsage,
    ...(cost !== undefined ? { costUsd: cost } : {}),
    meanSteps: mean(results.map((r) => r.steps)),
    durationMs: {
      total: durations.reduce((a, b) => a + b, 0),
      mean: mean(durations),
      median: quantile(durations, 0.5),
      p90: quantile(durations, 0.9),
    },
  };
}

/**
 * The summary as a plain-text table, for the terminal.
 *
 * @example
 * ```ts
 * import { formatSummary, summarize } from "@smoldeno/agents/eval";
 *
 * console.log(formatSummary(summarize([])).includes("Accuracy")); // true
 * ```
 */
export function formatSummary(
  summary: EvalSummary,
  options: { wallMs?: number; title?: string } = {},
): string {
  const rows: [string, string][] = [
    ["Tasks", String(summary.tasks)],
    ["Accuracy", `${percent(summary.accuracy)} (${summary.passed}/${summary.tasks} passed)`],
  ];
  for (const [name, value] of Object.entries(summary.scorers)) {
    rows.push([`  ${name}`, percent(value)]);
  }
  rows.push(["Mean steps", fixed(summary.meanSteps, 2)]);
  rows.push([
    "Tokens",
    `${formatCount(summary.tokenUsage.inputTokens)} in, ${
      formatCount(summary.tokenUsage.outputTokens)
    } out`,
  ]);
  if (summary.judgeTokenUsage.inputTokens + summary.judgeTokenUsage.outputTokens > 0) {
    rows.push([
      "Judge tokens",
      `${formatCount(summary.judgeTokenUsage.inputTokens)} in, ${
        formatCount(summary.judgeTokenUsage.outputTokens)
      } out`,
    ]);
  }
  if (summary.costUsd !== undefined) rows.push(["Cost", `$${summary.costUsd.toFixed(4)}`]);
  rows.push([
    "Time per task",
    `median ${formatDuration(summary.durationMs.median)}, p90 ${
      formatDuration(summary.durationMs.p90)
    }, sum ${formatDuration(summary.durationMs.total)}`,
  ]);
  if (options.wallMs !== undefined) rows.push(["Wall time", formatDuration(options.wallMs)]);
  const failures = Object.entries(summary.failures);
  rows.push([
    "Failures",
    failures.length ? failures.map(([k, n]) => `${k} ${n}`).join(", ") : "none",
  ]);
  const stepErrors = Object.entries(summary.stepErrors);
  if (stepErrors.length) {
    rows.push([
      "Step errors",
      stepErrors.map(([k, n]) => `${k} ${n}`).join(", "),
    ]);
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
  return `${options.title ? `${options.title}\n` : ""}${lines.join("\n")}\n`;
}

/** How two result files differ. */
export interface EvalComparison {
  /** Summary of each side, over the tasks both have. */
  a: EvalSummary;
  /** Summary of the second side, over the tasks both have. */
  b: EvalSummary;
  /** Tasks both have. */
  common: number;
  /** Ids that pass in b and not in a. */
  fixed: string[];
  /** Ids that pass in a and not in b. */
  broken: string[];
  /** Ids only in a. */
  onlyA: string[];
  /** Ids only in b. */
  onlyB: string[];
}

/**
 * Compares two sets of results over the tasks both have: their summaries,
 * and which tasks one passes and the other does not.
 *
 * @example
 * ```ts
 * import { compareResults } from "@smoldeno/agents/eval";
 *
 * console.log(compareResults([], []).common); // 0
 * ```
 */
export function compareResults(a: readonly EvalResult[], b: readonly EvalResult[]): EvalComparison {
  const inB = new Map(b.map((r) => [r.id, r]));
  const inA = new Map(a.map((r) => [r.id, r]));
  const commonA = a.filter((r) => inB.has(r.id));
  const commonB = commonA.map((r) => inB.get(r.id)!);
  return {
    a: summarize(commonA),
    b: summarize(commonB),
    common: commonA.length,
    fixed: commonA.filter((r) => !r.passed && inB.get(r.id)!.passed).map((r) => r.id),
    broken: commonA.filter((r) => r.passed && !inB.get(r.id)!.passed).map((r) => r.id),
    onlyA: a.filter((r) => !inB.has(r.id)).map((r) => r.id),
    onlyB: b.filter((r) => !inA.has(r.id)).map((r) => r.id),
  };
}

/**
 * A comparison as a side-by-side text table, with the difference of each figure.
 *
 * @example
 * ```ts
 * import { compareResults, formatComparison } from "@smoldeno/agents/eval";
 *
 * console.log(formatComparison(compareResults([], []), "a.jsonl", "b.jsonl").includes("a.jsonl")); // true
 * ```
 */
export function formatComparison(c: EvalComparison, nameA = "A", nameB = "B"): string {
  const rows: [string, string, string, string][] = [["", nameA, nameB, "change"]];
  const add = (
    label: string,
    x: number,
    y: number,
    show: (n: number) => string,
    diff: (n: number) => string,
  ) => rows.push([label, show(x), show(y), Number.isNaN(y - x) ? "" : diff(y - x)]);
  const pts = (n: number) => `${n >= 0 ? "+" : ""}${(n * 100).toFixed(1)} pts`;
  const signed = (digits: number) => (n: number) => `${n >= 0 ? "+" : ""}${n.toFixed(digits)}`;
  add("Accuracy", c.a.accuracy, c.b.accuracy, percent, pts);
  add("Passed", c.a.passed, c.b.passed, String, signed(0));
  for (const name of new Set([...Object.keys(c.a.scorers), ...Object.keys(c.b.scorers)])) {
    add(`  ${name}`, c.a.scorers[name] ?? NaN, c.b.scorers[name] ?? NaN, percent, pts);
  }
  add("Mean steps", c.a.meanSteps, c.b.meanSteps, (n) => fixed(n, 2), signed(2));
  add(
    "Tokens",
    total(c.a.tokenUsage),
    total(c.b.tokenUsage),
    formatCount,
    (n) => `${n >= 0 ? "+" : "-"}${formatCount(Math.abs(n))}`,
  );
  if (c.a.costUsd !== undefined || c.b.costUsd !== undefined) {
    add(
      "Cost",
      c.a.costUsd ?? NaN,
      c.b.costUsd ?? NaN,
      (n) => (Number.isNaN(n) ? "-" : `$${n.toFixed(4)}`),
      (n) => `${n >= 0 ? "+" : "-"}$${Math.abs(n).toFixed(4)}`,
    );
  }
  add(
    "Median time",
    c.a.durationMs.median,
    c.b.durationMs.median,
    formatDuration,
    (n) => `${n >= 0 ? "+" : "-"}${formatDuration(Math.abs(n))}`,
  );
  const kinds = new Set([...Object.keys(c.a.failures), ...Object.keys(c.b.failures)]) as Set<
    FailureKind
  >;
  for (const kind of kinds) {
    add(`  ${kind}`, c.a.failures[kind] ?? 0, c.b.failures[kind] ?? 0, String, signed(0));
  }
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i].length)));
  const lines = rows.map((r) =>
    r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ")
  );
  const list = (ids: string[]) =>
    ids.length > 10 ? `${ids.slice(0, 10).join(", ")}, … (${ids.length})` : ids.join(", ");
  lines.push("", `Tasks in both: ${c.common}`);
  if (c.fixed.length) lines.push(`Pass only in ${nameB}: ${list(c.fixed)}`);
  if (c.broken.length) lines.push(`Pass only in ${nameA}: ${list(c.broken)}`);
  if (c.onlyA.length) lines.push(`Only in ${nameA} (not compared): ${list(c.onlyA)}`);
  if (c.onlyB.length) lines.push(`Only in ${nameB} (not compared): ${list(c.onlyB)}`);
  return `${lines.join("\n")}\n`;
}

function total(usage: TokenUsage): number {
  return usage.inputTokens + usage.outputTokens;
}

function mean(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? sorted[0];
}

function percent(value: number): string {
  return Number.isNaN(value) ? "-" : `${(value * 100).toFixed(1)}%`;
}

function fixed(value: number, digits: number): string {
  return Number.isNaN(value) ? "-" : value.toFixed(digits);
}

/** 1234 as "1.2k", 2_500_000 as "2.5M". */
export function formatCount(n: number): string {
  if (Number.isNaN(n)) return "-";
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

/** 850 as "850 ms", 72_000 as "1m12s". */
export function formatDuration(ms: number): string {
  if (Number.isNaN(ms)) return "-";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}
