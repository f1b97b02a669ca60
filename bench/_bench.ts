/**
 * Helpers shared by the benchmark scripts: order statistics, the machine
 * line every table starts with, the bare `deno run` floor, process memory,
 * and the rows `bench/summary.ts` collects.
 *
 * A script that is run with `BENCH_JSON=<path>` also writes its rows there
 * (see {@linkcode emitRows}), so the summary can run each script in its own
 * process: memory figures must not see another benchmark's leftovers.
 *
 * @module
 */

/** Median and 95th percentile of a sample. */
export interface Stats {
  /** The median. */
  median: number;
  /** The 95th percentile (nearest rank). */
  p95: number;
  /** How many samples. */
  n: number;
}

/** The median of `samples` (NaN when empty). */
export function median(samples: readonly number[]): number {
  return stats(samples).median;
}

/** Median and p95 of `samples` (nearest rank; an empty sample gives NaN). */
export function stats(samples: readonly number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  if (s.length === 0) return { median: NaN, p95: NaN, n: 0 };
  const mid = s.length / 2;
  const median = s.length % 2 ? s[Math.floor(mid)] : (s[mid - 1] + s[mid]) / 2;
  const p95 = s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)];
  return { median, p95, n: s.length };
}

/** Milliseconds `fn` takes. */
export async function timeIt(fn: () => unknown): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** Runs of each measure: `BENCH_RUNS` (default `fallback`, at least 5). */
export function benchRuns(fallback = 20): number {
  return Math.max(5, Number(Deno.env.get("BENCH_RUNS") ?? fallback) || fallback);
}

/** One line on the machine and its load, for the top of a table. */
export function machineLine(): string {
  let cpu = "?";
  try {
    cpu = /model name\s*:\s*(.*)/.exec(Deno.readTextFileSync("/proc/cpuinfo"))?.[1] ?? "?";
  } catch {
    // Not Linux.
  }
  let load = "?";
  try {
    load = Deno.loadavg().map((n) => n.toFixed(2)).join(" / ");
  } catch {
    // No sys permission.
  }
  return `${
    new Date().toISOString().slice(0, 16).replace("T", " ")
  } UTC, deno ${Deno.version.deno}, ` +
    `${navigator.hardwareConcurrency} x ${cpu}, load average ${load}`;
}

/** An empty JavaScript file for the `deno run` floor; remove it when done. */
export async function emptyScript(): Promise<string> {
  return await Deno.makeTempFile({ prefix: "smoldeno-bench-", suffix: ".js" });
}

/** Time of one bare `deno run --quiet <empty>` until it exits (the cold-start floor). */
export async function bareDenoRun(empty: string): Promise<number> {
  return await timeIt(() =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", empty],
      stdout: "null",
      stderr: "null",
    }).output()
  );
}

/** Resident memory of a process, in bytes (0 when it is gone or not on Linux). */
export function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Proportional set size of a process, in bytes: its private pages plus its
 * share of the pages it shares (the deno binary's code, shared by every
 * sandbox), so the PSS of many processes adds up to the memory they really
 * use, where their RSS counts shared pages once per process. `anon` is the
 * anonymous (heap, stacks) part. Zeros when unreadable.
 */
export function pssOf(pid: number): { pss: number; anon: number } {
  try {
    const text = Deno.readTextFileSync(`/proc/${pid}/smaps_rollup`);
    const kb = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0);
    return { pss: kb("Pss") * 1024, anon: kb("Pss_Anon") * 1024 };
  } catch {
    return { pss: 0, anon: 0 };
  }
}

/** PSS of this process plus all its direct children, in bytes (see {@linkcode pssOf}). */
export function treePss(): number {
  let total = pssOf(Deno.pid).pss;
  for (const pid of childPids()) total += pssOf(pid).pss;
  return total;
}

/** Process ids of this process's direct children (Linux; empty elsewhere). */
export function childPids(): number[] {
  const out: number[] = [];
  try {
    for (const t of Deno.readDirSync(`/proc/self/task`)) {
      const text = Deno.readTextFileSync(`/proc/self/task/${t.name}/children`).trim();
      if (text) { for (const p of text.split(/\s+/)) out.push(Number(p)); }
    }
  } catch {
    // Not Linux.
  }
  return out;
}

/** Resident memory of this process plus all its direct children, in bytes. */
export function treeRss(): number {
  let total = rssOf(Deno.pid);
  for (const pid of childPids()) total += rssOf(pid);
  return total;
}

/**
 * Samples `measure` ({@linkcode treeRss} by default) every `intervalMs`
 * until stopped; `stop()` returns the largest value seen, in bytes.
 */
export function peakSampler(
  intervalMs = 50,
  measure: () => number = treeRss,
): { stop(): number } {
  let peak = measure();
  const timer = setInterval(() => {
    peak = Math.max(peak, measure());
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, measure());
    },
  };
}

/** One figure of the summary: what was measured, its floor, and the target. */
export interface Row {
  /** What was measured. */
  measure: string;
  /** The figure (median unless it says otherwise), with its unit. */
  value: string;
  /** The 95th percentile, with its unit, or "-". */
  p95: string;
  /** The floor measured in the same run, with what it is, or "-". */
  floor: string;
  /** The figure over the floor ("2.10x"), or "-". */
  ratio: string;
  /** The target, as the issue states it. */
  target: string;
  /** Whether the target is met; undefined when there is nothing to compare. */
  met?: boolean;
}

/** Formats milliseconds with a sensible number of digits. */
export function ms(n: number): string {
  if (!Number.isFinite(n)) return "-";
  return `${n < 1 ? n.toFixed(3) : n < 10 ? n.toFixed(2) : n.toFixed(1)} ms`;
}

/** Formats bytes as MB. */
export function mb(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MB`;
}

/** Prints rows as a markdown table. */
export function printRows(title: string, rows: readonly Row[]): void {
  console.log(`${title}\n`);
  console.log("| Measure | Median | p95 | Floor (same run) | Ratio | Target | Met |");
  console.log("| --- | ---: | ---: | --- | ---: | --- | :-: |");
  for (const r of rows) {
    const met = r.met === undefined ? "-" : r.met ? "yes" : "**no**";
    console.log(
      `| ${r.measure} | ${r.value} | ${r.p95} | ${r.floor} | ${r.ratio} | ${r.target} | ${met} |`,
    );
  }
  console.log("");
}

/** Writes `rows` to the file named by `BENCH_JSON`, if set (read by `bench/summary.ts`). */
export function emitRows(rows: readonly Row[]): void {
  const path = Deno.env.get("BENCH_JSON");
  if (path) Deno.writeTextFileSync(path, JSON.stringify(rows));
}
