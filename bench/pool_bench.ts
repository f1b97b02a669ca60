// An agent's first step with a SandboxPool, next to a cold sandbox and to the
// floors of the same run: a bare `deno run` of an empty file, and a warm
// step on a running sandbox. Medians and p95 over BENCH_RUNS runs (default
// 20). Issue target: first step from a warm pool ≤ 5 ms.
//
//   deno run --allow-all bench/pool_bench.ts

import { DenoExecutor } from "../executors/deno_executor.ts";
import { SandboxPool } from "../executors/pool.ts";
import { emitRows, stats } from "./_bench.ts";

const RUNS = Math.max(5, Number(Deno.env.get("BENCH_RUNS") ?? 20));

const empty = await Deno.makeTempFile({ suffix: ".js" });
const bare: number[] = [];
const cold: number[] = [];
const pooled: number[] = [];
const warm: number[] = [];
try {
  await using pool = new SandboxPool({ size: 2 });
  await using running = new DenoExecutor({ onWarning: () => {} });
  await running.execute("1");
  for (let i = 0; i < RUNS; i++) {
    let t = performance.now();
    await new Deno.Command(Deno.execPath(), { args: ["run", "--quiet", empty] }).output();
    bare.push(performance.now() - t);

    t = performance.now();
    {
      await using e = new DenoExecutor({ onWarning: () => {} });
      await e.execute("1");
      cold.push(performance.now() - t);
    }

    await pool.ready(); // the pool is full again, as between agents in a server
    t = performance.now();
    {
      await using e = await pool.acquire();
      await e.execute("1");
      pooled.push(performance.now() - t);
    }
    // The replacement boots now, not during the next measurements.
    await pool.ready();

    t = performance.now();
    await running.execute("1");
    warm.push(performance.now() - t);
  }
} finally {
  await Deno.remove(empty);
}

const row = (name: string, s: { median: number; p95: number }) =>
  `| ${name} | ${s.median.toFixed(2)} | ${s.p95.toFixed(2)} |`;
console.log(`SandboxPool, ${RUNS} runs, ${new Date().toISOString()}\n`);
console.log("| first step | median (ms) | p95 (ms) |\n| --- | ---: | ---: |");
console.log(row("floor: bare `deno run` of an empty file", stats(bare)));
console.log(row("floor: warm step on a running sandbox", stats(warm)));
console.log(row("cold sandbox (new DenoExecutor)", stats(cold)));
console.log(row("from a warm SandboxPool (target ≤ 5)", stats(pooled)));
console.log(
  `\ncold / pooled: ${(stats(cold).median / stats(pooled).median).toFixed(0)}×`,
);

// Row for bench/summary.ts (with BENCH_JSON set).
const pooledStats = stats(pooled);
emitRows([{
  measure: "An agent's first step from a warm SandboxPool",
  value: `${pooledStats.median.toFixed(2)} ms`,
  p95: `${pooledStats.p95.toFixed(2)} ms`,
  floor: `${stats(warm).median.toFixed(2)} ms (warm step); cold ${
    stats(cold).median.toFixed(1)
  } ms`,
  ratio: `${(stats(cold).median / pooledStats.median).toFixed(0)}x faster than cold`,
  target: "<= 5 ms",
  met: pooledStats.median <= 5,
}]);
