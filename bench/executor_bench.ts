/**
 * DenoExecutor figures, each the median of >= 20 runs with its floor measured
 * in the same run: `deno task bench:executor`. Prints one markdown table.
 *
 * @module
 */

import { DenoExecutor } from "../executors/deno_executor.ts";
import { loadTransformer } from "../executors/session/_transform.ts";
import { readRssBytes } from "../executors/deno/_watchdog.ts";
import type { Tool } from "../src/tool.ts";

const RUNS = Number(Deno.env.get("BENCH_RUNS") ?? 20);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

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

const dir = await Deno.makeTempDir({ prefix: "smoldeno-bench-" });
const empty = `${dir}/empty.js`;
await Deno.writeTextFile(empty, "");
// The type stripper loads once per host process (~50 ms); not part of a sandbox start.
await loadTransformer();

// Cold start vs `deno run` of an empty file, interleaved so load affects both alike.
const floorStart: number[] = [];
const coldStart: number[] = [];
for (let i = 0; i < RUNS; i++) {
  floorStart.push(
    await timeIt(() =>
      new Deno.Command(Deno.execPath(), { args: ["run", empty], stdout: "null", stderr: "null" })
        .output()
    ),
  );
  let ex: DenoExecutor | undefined;
  coldStart.push(
    await timeIt(() => {
      ex = new DenoExecutor();
      return ex.execute("1 + 1");
    }),
  );
  await ex!.close();
}

const ex = new DenoExecutor({ timeoutMs: 120_000 });
await ex.sendTools({ noop });
await ex.execute(`${fib.toString()}; 0`);

const warm: number[] = [];
for (let i = 0; i < Math.max(RUNS, 200); i++) warm.push(await timeIt(() => ex.execute("1 + 1")));

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
  const t = performance.now();
  fib(30);
  fibHost.push(performance.now() - t);
}
const pid = ex.pid!;
const rss = readRssBytes(pid) / 1048576;
await ex.close();

// RSS floor: an idle `deno run` waiting on stdin.
const idle = new Deno.Command(Deno.execPath(), {
  args: ["run", "data:text/javascript,await Deno.stdin.read(new Uint8Array(1))"],
  stdin: "piped",
}).spawn();
await new Promise((r) => setTimeout(r, 300));
const rssFloor = readRssBytes(idle.pid) / 1048576;
await idle.stdin.close();
await idle.status;
await Deno.remove(dir, { recursive: true });

const f = (n: number, d = 2) => n.toFixed(d);
const rows: [string, string, string, string, string][] = [
  [
    "Cold start: new executor -> first execute('1 + 1')",
    `${f(median(coldStart), 1)} ms`,
    `${f(median(floorStart), 1)} ms (deno run empty.js)`,
    `${f(median(coldStart) / median(floorStart))}x`,
    "<= 2x",
  ],
  ["Warm trivial step execute('1 + 1')", `${f(median(warm), 3)} ms`, "-", "-", "<= 1 ms"],
  [
    "Tool round trip (sandbox -> host no-op -> sandbox)",
    `${f(median(roundTrip), 3)} ms`,
    `${f(median(hostCall), 4)} ms (direct tool.call)`,
    "-",
    "<= 0.3 ms",
  ],
  [
    "1000 parallel tool calls",
    `${f(median(parallel), 1)} ms`,
    `${f(median(hostParallel), 2)} ms (direct)`,
    "-",
    "<= 50 ms",
  ],
  [
    "fib(30), sandbox vs host",
    `${f(median(fibSandbox), 1)} ms`,
    `${f(median(fibHost), 1)} ms (host)`,
    `${f(median(fibSandbox) / median(fibHost))}x`,
    "<= 1.2x",
  ],
  [
    "Sandbox RSS after the session",
    `${f(rss, 1)} MB`,
    `${f(rssFloor, 1)} MB (idle deno run)`,
    "-",
    "<= 80 MB",
  ],
];

const cpu = (() => {
  try {
    return /model name\s*:\s*(.*)/.exec(Deno.readTextFileSync("/proc/cpuinfo"))?.[1] ?? "?";
  } catch {
    return "?";
  }
})();
console.log(
  `DenoExecutor benchmark, ${new Date().toISOString()}, deno ${Deno.version.deno}, ` +
    `${navigator.hardwareConcurrency} x ${cpu}, load average ${Deno.loadavg().join(" ")}, ` +
    `medians of ${RUNS} runs (warm step: ${Math.max(RUNS, 200)})\n`,
);
console.log("| Measure | smoldeno | Floor (same run) | Ratio | Target |");
console.log("|---|---|---|---|---|");
for (const r of rows) console.log(`| ${r.join(" | ")} |`);
