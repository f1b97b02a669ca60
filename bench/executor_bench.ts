/**
 * DenoExecutor figures against the targets of issue 17, each the median
 * (and p95) of >= 20 runs with its floor measured in the same run,
 * interleaved so machine load hits both alike: `deno task bench:executor`.
 *
 * - cold start: new executor -> first `execute("1 + 1")`, over a bare
 *   `deno run` of an empty file until it exits;
 * - warm trivial step, a step awaiting two tool calls, tool round trip
 *   (from inside the sandbox), 1000 parallel tool calls, and fib(30) in the
 *   sandbox over the host;
 * - the sandbox's resident memory after that session, over an idle
 *   `deno run` waiting on stdin;
 * - how long the host's main thread is blocked by starting one process in
 *   its own group, as `Deno.Command`'s `detached: true` does it and as the
 *   executor does it (`executors/deno/_spawn.ts`).
 *
 * @module
 */

import { DenoExecutor } from "../executors/deno_executor.ts";
import { spawnGroupLeader } from "../executors/deno/_spawn.ts";
import { loadTransformer } from "../executors/session/_transform.ts";
import type { Tool } from "../src/tool.ts";
import {
  bareDenoRun,
  benchRuns,
  emitRows,
  emptyScript,
  machineLine,
  mb,
  ms,
  printRows,
  pssOf,
  type Row,
  rssOf,
  stats,
  timeIt,
} from "./_bench.ts";

const RUNS = benchRuns(20);

const noop: Tool = {
  name: "noop",
  description: "Does nothing.",
  inputs: {},
  outputType: "null",
  call: () => Promise.resolve(null),
};

function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/** Host main-thread time of one spawn (the call itself, not the child's life). */
function spawnBlock(detachedOnly: boolean): number {
  const options: Deno.CommandOptions = {
    args: ["eval", "0"],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  };
  const t = performance.now();
  const child = detachedOnly
    ? new Deno.Command(Deno.execPath(), { ...options, detached: true }).spawn()
    : spawnGroupLeader(Deno.execPath(), options);
  const took = performance.now() - t;
  child.status.then(() => {}); // reaped by the runtime; nothing to wait for here
  return took;
}

/** Measures and returns the summary rows. */
export async function measureExecutor(): Promise<Row[]> {
  const empty = await emptyScript();
  // The type stripper loads once per host process (~50 ms); not part of a sandbox start.
  await loadTransformer();
  const warmUp = new DenoExecutor({ onWarning: () => {} });
  await warmUp.execute("1");
  await warmUp.close();

  const floorStart: number[] = [];
  const coldStart: number[] = [];
  const spawnDetached: number[] = [];
  const spawnOurs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    floorStart.push(await bareDenoRun(empty));
    let ex: DenoExecutor | undefined;
    coldStart.push(
      await timeIt(() => {
        ex = new DenoExecutor({ onWarning: () => {} });
        return ex.execute("1 + 1");
      }),
    );
    await ex!.close();
    spawnDetached.push(spawnBlock(true));
    spawnOurs.push(spawnBlock(false));
  }
  await Deno.remove(empty);

  const ex = new DenoExecutor({ timeoutMs: 120_000, onWarning: () => {} });
  await ex.sendTools({ noop });
  await ex.execute(`${fib.toString()}; 0`);
  for (let i = 0; i < 50; i++) await ex.execute("1 + 1"); // JIT both sides

  const warm: number[] = [];
  for (let i = 0; i < Math.max(RUNS, 200); i++) warm.push(await timeIt(() => ex.execute("1 + 1")));

  // What an agent's step usually is: code awaiting a tool, then another.
  const toolStep: number[] = [];
  for (let i = 0; i < Math.max(RUNS, 100); i++) {
    toolStep.push(
      await timeIt(() => ex.execute("const a1 = await noop({});\nconst a2 = await noop({});\n0")),
    );
  }

  const roundTrip: number[] = [];
  const hostCall: number[] = [];
  const parallel: number[] = [];
  const hostParallel: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await ex.execute(
      "const t0 = performance.now(); for (let i = 0; i < 200; i++) await noop({}); (performance.now() - t0) / 200",
    );
    roundTrip.push(r.output as number);
    hostCall.push(
      await timeIt(async () => {
        for (let j = 0; j < 200; j++) await noop.call({});
      }) / 200,
    );
    const p = await ex.execute(
      "const t1 = performance.now(); await Promise.all(Array.from({ length: 1000 }, () => noop({}))); performance.now() - t1",
    );
    parallel.push(p.output as number);
    hostParallel.push(
      await timeIt(() => Promise.all(Array.from({ length: 1000 }, () => noop.call({})))),
    );
  }

  const fibSandbox: number[] = [];
  const fibHost: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await ex.execute("const t2 = performance.now(); fib(30); performance.now() - t2");
    fibSandbox.push(r.output as number);
    fibHost.push(await timeIt(() => fib(30)));
  }
  const rss = rssOf(ex.pid!);
  const pss = pssOf(ex.pid!);
  // A long session: every step's code differs, as a model's does. The
  // sandbox must not keep each step's script (V8's eval cache did, about
  // 1.2 KB a step, until the sandbox ran with --no-compilation-cache).
  const LONG_STEPS = 3000;
  for (let i = 0; i < LONG_STEPS; i++) await ex.execute(`${i} + 1`);
  const rssLong = rssOf(ex.pid!);
  await ex.close();

  // RSS floor: an idle `deno run` waiting on stdin.
  const idle = new Deno.Command(Deno.execPath(), {
    args: ["run", "data:text/javascript,await Deno.stdin.read(new Uint8Array(1))"],
    stdin: "piped",
  }).spawn();
  await new Promise((r) => setTimeout(r, 300));
  const rssFloor = rssOf(idle.pid);
  await idle.stdin.close();
  await idle.status;

  const cold = stats(coldStart);
  const floor = stats(floorStart);
  const w = stats(warm);
  const rt = stats(roundTrip);
  const ts = stats(toolStep);
  const par = stats(parallel);
  const fs = stats(fibSandbox);
  const fh = stats(fibHost);
  const sd = stats(spawnDetached);
  const so = stats(spawnOurs);
  return [
    {
      measure: "Cold start: new executor -> first execute('1 + 1')",
      value: ms(cold.median),
      p95: ms(cold.p95),
      floor: `${ms(floor.median)} (bare deno run, empty file)`,
      ratio: `${(cold.median / floor.median).toFixed(2)}x`,
      target: "<= 1.5x",
      met: cold.median <= 1.5 * floor.median,
    },
    {
      measure: "Warm trivial step execute('1 + 1')",
      value: ms(w.median),
      p95: ms(w.p95),
      floor: "-",
      ratio: "-",
      target: "<= 0.5 ms",
      met: w.median <= 0.5,
    },
    {
      measure: "Tool round trip (sandbox -> host no-op -> sandbox)",
      value: ms(rt.median),
      p95: ms(rt.p95),
      floor: `${ms(stats(hostCall).median)} (direct tool.call)`,
      ratio: "-",
      target: "<= 0.15 ms",
      met: rt.median <= 0.15,
    },
    {
      measure: "A step whose code awaits two tool calls, one after the other",
      value: ms(ts.median),
      p95: ms(ts.p95),
      floor: `${ms(w.median + 2 * rt.median)} (warm step + 2 round trips)`,
      ratio: `${(ts.median / (w.median + 2 * rt.median)).toFixed(2)}x`,
      target: "report",
    },
    {
      measure: "1000 parallel tool calls",
      value: ms(par.median),
      p95: ms(par.p95),
      floor: `${ms(stats(hostParallel).median)} (direct)`,
      ratio: "-",
      target: "<= 20 ms",
      met: par.median <= 20,
    },
    {
      measure: "fib(30), sandbox vs host",
      value: ms(fs.median),
      p95: ms(fs.p95),
      floor: `${ms(fh.median)} (host)`,
      ratio: `${(fs.median / fh.median).toFixed(2)}x`,
      target: "<= 1.05x",
      met: fs.median <= 1.05 * fh.median,
    },
    {
      measure: "Sandbox RSS after the session",
      value: mb(rss),
      p95: "-",
      floor: `${mb(rssFloor)} (idle deno run)`,
      ratio: `${(rss / rssFloor).toFixed(2)}x`,
      target: "<= 60 MB",
      met: rss <= 60 * 1048576,
    },
    {
      measure: `Sandbox RSS growth over ${LONG_STEPS} more steps, each with new code`,
      value: `${((rssLong - rss) / 1024 / LONG_STEPS).toFixed(2)} KB/step`,
      p95: "-",
      floor: `${mb(rssLong)} after them`,
      ratio: "-",
      target: "report (flat is about 0; V8's eval cache kept about 1.2 KB a step)",
    },
    {
      measure: "Sandbox PSS after the session (shared pages counted once; anonymous part)",
      value: mb(pss.pss),
      p95: "-",
      floor: `${mb(pss.anon)} anonymous`,
      ratio: "-",
      target: "report (RSS counts the shared deno binary in every sandbox)",
    },
    {
      measure: "Host main thread blocked per sandbox spawn (own process group)",
      value: ms(so.median),
      p95: ms(so.p95),
      floor: `${ms(sd.median)} (detached: true, p95 ${ms(sd.p95)})`,
      ratio: `${(so.median / sd.median).toFixed(2)}x`,
      target: "report",
    },
  ];
}

if (import.meta.main) {
  const rows = await measureExecutor();
  printRows(
    `DenoExecutor, ${machineLine()}, medians of ${RUNS} runs (warm step: ${Math.max(RUNS, 200)})`,
    rows,
  );
  emitRows(rows);
}
