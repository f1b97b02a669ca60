// The executor matrix with figures measured in this run: start-up time (new
// executor to the first step's result), per-step latency, and a step with a
// host tool call, for DenoExecutor (subprocess) and DockerExecutor (real
// engine, local image), next to the floors of the same run (a bare `deno run`
// and a bare hardened `docker run`). E2B needs an API key and internet access,
// so it is listed but not measured here.
//
//   deno task bench:executors            (BENCH_RUNS=20 by default)

import { DenoExecutor } from "../executors/deno_executor.ts";
import { DockerExecutor } from "../executors/docker.ts";
import { dockerRunArgs } from "../executors/docker/_container.ts";
import type { Executor } from "../src/executor.ts";
import type { Tool } from "../src/tool.ts";

const RUNS = Math.max(20, Number(Deno.env.get("BENCH_RUNS") ?? 20));

interface Stats {
  median: number;
  p90: number;
}

function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const mid = sorted.length / 2;
  const median = sorted.length % 2 ? sorted[Math.floor(mid)] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, p90: at(0.9) };
}

function fmt(s: Stats | undefined): string {
  if (!s) return "n/a";
  const f = (ms: number) => ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
  return `${f(s.median)} ms (p90 ${f(s.p90)})`;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function repeat(fn: () => Promise<unknown>, runs = RUNS): Promise<Stats> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await time(fn));
  return stats(samples);
}

const echo: Tool = {
  name: "echo",
  description: "Returns its input.",
  inputs: { x: { type: "number", description: "Any number" } },
  outputType: "number",
  call: (args) => Promise.resolve(args.x),
};

interface Row {
  executor: string;
  isolation: string;
  startup?: Stats;
  close?: Stats;
  step?: Stats;
  toolStep?: Stats;
  needs: string;
}

async function measure(
  factory: () => Executor,
): Promise<{ startup: Stats; close: Stats; step: Stats; toolStep: Stats }> {
  // A warm-up start so one-time costs (type stripper load, page cache) are not counted.
  const warm = factory();
  await warm.execute("1");
  await warm.close();
  const starts: number[] = [];
  const closes: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const executor = factory();
    starts.push(await time(() => executor.execute("1")));
    closes.push(await time(() => executor.close()));
  }
  const executor = factory();
  try {
    await executor.sendTools({ echo });
    await executor.execute("let n = 0;");
    for (let i = 0; i < 3; i++) await executor.execute("n += 1");
    const step = await repeat(() => executor.execute("n += 1"));
    const toolStep = await repeat(() => executor.execute("await echo({ x: n })"));
    return { startup: stats(starts), close: stats(closes), step, toolStep };
  } finally {
    await executor.close();
  }
}

// Spawn to the first byte of output: what any executor pays before its runner
// can speak. Exit and container removal happen after the clock stops.
async function commandFloor(cmd: string, makeArgs: () => string[]): Promise<Stats> {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const args = makeArgs();
    const t0 = performance.now();
    const child = new Deno.Command(cmd, { args, stdout: "piped", stderr: "null" }).spawn();
    const reader = child.stdout.getReader();
    const first = await reader.read();
    samples.push(performance.now() - t0);
    while (!(await reader.read()).done) { /* drain */ }
    const status = await child.status;
    if (first.done || !status.success) {
      throw new Error(`${cmd} ${args.join(" ")} failed with exit code ${status.code}`);
    }
  }
  return stats(samples);
}

if (import.meta.main) {
  const rows: Row[] = [];
  const hello = await Deno.makeTempFile({ suffix: ".js" });
  await Deno.writeTextFile(hello, "console.log(1);");
  try {
    console.error(`measuring DenoExecutor (${RUNS} runs each)...`);
    const denoFloor = await commandFloor(Deno.execPath(), () => ["run", "--no-prompt", hello]);
    const deno = await measure(() => new DenoExecutor());
    rows.push({
      executor: "floor: bare `deno run` (spawn to first output byte)",
      isolation: "-",
      startup: denoFloor,
      needs: "-",
    });
    rows.push({
      executor: "DenoExecutor",
      isolation:
        "Deno permissions (none by default) + permission-less channel Worker, own process group, SIGKILL timeout, RSS watchdog",
      ...deno,
      needs: "nothing but Deno",
    });

    if (await DockerExecutor.engineAvailable()) {
      console.error("measuring DockerExecutor...");
      const image = await DockerExecutor.buildLocalImage();
      // The executor's exact `docker run` flags, with `deno eval` instead of the runner.
      const names: string[] = [];
      const dockerFloor = await commandFloor("docker", () => {
        const name = `smoldeno-bench-${crypto.randomUUID()}`;
        names.push(name);
        const settings = {
          image,
          memoryLimitMb: 512,
          cpus: 1,
          pidsLimit: 64,
          network: "none",
          tmpfsSizeMb: 64,
          user: "65534:65534",
          mounts: [],
          env: {},
        };
        return [
          ...dockerRunArgs(settings, name, {}),
          "eval",
          "console.log(1)",
        ];
      });
      for (const name of names) {
        await new Deno.Command("docker", {
          args: ["rm", "-f", name],
          stdout: "null",
          stderr: "null",
        })
          .output();
      }
      const docker = await measure(() => new DockerExecutor({ image }));
      rows.push({
        executor:
          "floor: the same hardened `docker run` with `deno eval` (spawn to first output byte)",
        isolation: "-",
        startup: dockerFloor,
        needs: "-",
      });
      rows.push({
        executor: "DockerExecutor",
        isolation:
          "all of the above inside a container: no network, no capabilities, read-only root, user 65534, cgroup memory/pids/cpu limits",
        ...docker,
        needs: "a Docker engine (local image: `deno task docker:image`)",
      });
    } else {
      rows.push({
        executor: "DockerExecutor",
        isolation: "container (not measured: no Docker engine reachable)",
        needs: "a Docker engine",
      });
    }
    rows.push({
      executor: "E2BExecutor",
      isolation: "Firecracker microVM in E2B's cloud, internet off, same runner inside",
      needs: "E2B_API_KEY and internet access to E2B (not measurable on this machine)",
    });
  } finally {
    await Deno.remove(hello);
  }

  console.log(
    `\nExecutor matrix, ${RUNS} runs per figure, medians (p90), ${navigator.hardwareConcurrency} CPUs, Deno ${Deno.version.deno}\n`,
  );
  console.log(
    "| Executor | Isolation | Start-up (new executor -> first result) | close() | Step | Step with one host tool call | Needs |",
  );
  console.log("|---|---|---|---|---|---|---|");
  for (const r of rows) {
    console.log(
      `| ${r.executor} | ${r.isolation} | ${fmt(r.startup)} | ${fmt(r.close)} | ${fmt(r.step)} | ${
        fmt(r.toolStep)
      } | ${r.needs} |`,
    );
  }
}
