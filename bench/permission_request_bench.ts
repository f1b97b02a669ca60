// What a permission granted on request costs: a step whose read is denied,
// granted by a handler that answers at once, and run again in a restarted
// sandbox, next to the same step with the read granted up front, and to the
// floor of the same run (a fresh sandbox's first trivial step, which is what
// the restart pays). Medians and p95 over BENCH_RUNS runs (default 20).
//
//   deno run --allow-all bench/permission_request_bench.ts

import { DenoExecutor } from "../executors/deno_executor.ts";
import { stats } from "./_bench.ts";

const RUNS = Math.max(5, Number(Deno.env.get("BENCH_RUNS") ?? 20));

const dir = await Deno.makeTempDir({ prefix: "smoldeno-bench-" });
const files = Array.from({ length: RUNS }, (_, i) => `${dir}/f${i}.txt`);
for (const f of files) await Deno.writeTextFile(f, "x");

const floor: number[] = [];
const upFront: number[] = [];
const onRequest: number[] = [];
try {
  // One executor per mode, warmed: each measured step is its steady state.
  await using fresh = new DenoExecutor({ onWarning: () => {} });
  await fresh.execute("1");
  await using granted = new DenoExecutor({ permissions: { read: [dir] }, onWarning: () => {} });
  await granted.execute("1");
  await using asking = new DenoExecutor({
    onWarning: () => {},
    onPermissionRequest: () => "once",
  });
  await asking.execute("1");
  for (let i = 0; i < RUNS; i++) {
    const code = `Deno.readTextFileSync(${JSON.stringify(files[i])})`;
    let t = performance.now();
    await using cold = new DenoExecutor({ onWarning: () => {} });
    await cold.execute("1");
    floor.push(performance.now() - t);
    t = performance.now();
    await granted.execute(code);
    upFront.push(performance.now() - t);
    t = performance.now();
    await asking.execute(code); // a new file each time: denied, granted, restarted, run again
    onRequest.push(performance.now() - t);
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}

const rows = [
  ["floor: a fresh sandbox's first step", stats(floor)],
  ["read granted up front", stats(upFront)],
  ["read granted on request (restart + rerun)", stats(onRequest)],
] as const;
console.log(`Permission request cost, ${RUNS} runs, ${new Date().toISOString()}\n`);
console.log("| step | median (ms) | p95 (ms) |\n| --- | ---: | ---: |");
for (const [name, s] of rows) {
  console.log(`| ${name} | ${s.median.toFixed(1)} | ${s.p95.toFixed(1)} |`);
}
console.log(
  `\nOn request / floor: ${(stats(onRequest).median / stats(floor).median).toFixed(2)}×`,
);
