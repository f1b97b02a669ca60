/**
 * The performance summary of issue 17: runs each benchmark script in its own
 * process (so memory figures see no other benchmark's leftovers), collects
 * the rows they write with `BENCH_JSON`, and prints one markdown table with
 * the targets beside the figures: `deno task bench`.
 *
 * `BENCH_RUNS` (default 20) sets the runs of the timing benchmarks,
 * `BENCH_AGENTS` (default 100) the concurrent agents, `BENCH_ONLY` a
 * comma-separated subset of the parts below (`executor,pool,concurrency,
 * memory,models`). A part that fails is reported in the table, and the
 * summary still prints the others.
 *
 * @module
 */

import { machineLine, printRows, type Row } from "./_bench.ts";

interface Part {
  name: string;
  script: string;
  flags?: string[];
}

const PARTS: Part[] = [
  { name: "executor", script: "executor_bench.ts" },
  { name: "pool", script: "pool_bench.ts" },
  { name: "concurrency", script: "concurrency_bench.ts" },
  { name: "memory", script: "memory_bench.ts", flags: ["--v8-flags=--expose-gc"] },
  { name: "models", script: "models_bench.ts" },
];

/** Runs one part; its rows, or one row saying why it failed. */
async function runPart(part: Part): Promise<Row[]> {
  const out = await Deno.makeTempFile({ prefix: "smoldeno-bench-", suffix: ".json" });
  try {
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        ...(part.flags ?? []),
        new URL(part.script, import.meta.url).pathname,
      ],
      env: { BENCH_JSON: out },
      stdout: "null",
      stderr: "piped",
    }).output();
    const text = await Deno.readTextFile(out);
    if (code === 0 && text) return JSON.parse(text) as Row[];
    const why = new TextDecoder().decode(stderr).trim().split("\n").slice(-3).join(" ");
    return [{
      measure: `${part.name}: the benchmark failed (exit code ${code})`,
      value: "-",
      p95: "-",
      floor: "-",
      ratio: "-",
      target: why.slice(0, 200) || "-",
      met: false,
    }];
  } finally {
    await Deno.remove(out).catch(() => {});
  }
}

const only = Deno.env.get("BENCH_ONLY")?.split(",").map((s) => s.trim()).filter(Boolean);
const parts = only ? PARTS.filter((p) => only.includes(p.name)) : PARTS;
const started = machineLine();
const rows: Row[] = [];
for (const part of parts) {
  console.error(`running ${part.script} ...`);
  rows.push(...await runPart(part));
}
printRows(`smoldeno performance summary (issue 17), started ${started}`, rows);
const missed = rows.filter((r) => r.met === false).length;
console.log(
  `${rows.filter((r) => r.met === true).length} targets met, ${missed} missed, ` +
    `${rows.filter((r) => r.met === undefined).length} reported without a target. ` +
    `Medians unless stated; floors measured in the same run. Load at the end: ${machineLine()}`,
);
