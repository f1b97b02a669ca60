/**
 * Throughput of the evaluation harness: `deno run -A bench/eval_bench.ts`.
 * Tasks per minute at concurrency 1, 4, 16 and 64, each task a real
 * CodeAgent with its own sandbox and a scripted model that takes 50 ms per
 * reply (two replies: one code step, one final answer), against the floor
 * measured in the same run: the same tasks with a ToolCallingAgent (no
 * sandbox). Also the resident memory of the sandboxes per running task.
 * Each figure is the median of BENCH_RUNS runs (default 3).
 *
 * @module
 */

import { CodeAgent } from "../src/agents/code_agent.ts";
import { ToolCallingAgent } from "../src/agents/tool_calling_agent.ts";
import { evaluate } from "../src/eval/mod.ts";
import type { EvalTask } from "../src/eval/mod.ts";
import { LogLevel } from "../src/logger.ts";
import type { ChatMessage } from "../src/models/model.ts";
import { ScriptedModel } from "../src/testing.ts";
import { readRssBytes } from "../executors/deno/_watchdog.ts";
import { median } from "./_bench.ts";

const RUNS = Number(Deno.env.get("BENCH_RUNS") ?? 3);
const LATENCY_MS = 50;
const LEVELS = (Deno.env.get("BENCH_LEVELS") ?? "1,4,16,64").split(",").map(Number);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const slow = (reply: string | ChatMessage) => async () => (await sleep(LATENCY_MS), reply);

function tasks(n: number): EvalTask[] {
  return Array.from(
    { length: n },
    (_, i) => ({ id: `t${i}`, question: `What is ${i} * 3?`, answer: i * 3, line: i + 1 }),
  );
}

function descendants(pid: number): number[] {
  const found: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid) {
        found.push(Number(entry.name), ...descendants(Number(entry.name)));
      }
    } catch { /* ended */ }
  }
  return found;
}

async function run(kind: "code" | "tool", concurrency: number, n: number) {
  let peak = { processes: 0, rss: 0, running: 0 };
  let running = 0;
  let sampling = kind === "code";
  const sampler = (async () => {
    while (sampling) {
      await sleep(100);
      const pids = descendants(Deno.pid);
      const rss = pids.reduce((s, p) => s + readRssBytes(p), 0);
      if (rss > peak.rss) peak = { processes: pids.length, rss, running };
    }
  })();
  const t0 = performance.now();
  const report = await evaluate({
    dataset: tasks(n),
    concurrency,
    agent: (task) => {
      const i = Number(task.id.slice(1));
      running++;
      const agent = kind === "code"
        ? new CodeAgent({
          logLevel: LogLevel.OFF,
          streamOutputs: false,
          model: new ScriptedModel({
            replies: [
              slow(`Thought: multiply.\n<code>\nconst x = ${i} * 3;\nconsole.log(x);\n</code>`),
              slow(`Thought: done.\n<code>\nfinal_answer(x);\n</code>`),
            ],
          }),
        })
        : new ToolCallingAgent({
          logLevel: LogLevel.OFF,
          streamOutputs: false,
          model: new ScriptedModel({
            replies: [slow({
              role: "assistant",
              content: null,
              toolCalls: [{ id: "1", name: "final_answer", arguments: { answer: i * 3 } }],
            })],
          }),
        });
      const close = agent.close.bind(agent);
      agent.close = () => (running--, close());
      return agent;
    },
  });
  const ms = performance.now() - t0;
  sampling = false;
  await sampler;
  if (report.summary.passed !== n) throw new Error(`only ${report.summary.passed}/${n} passed`);
  return { perMinute: (n / ms) * 60_000, peak };
}

const rows: string[] = [];
let memory = "";
for (const c of LEVELS) {
  const n = Math.max(8, 2 * c);
  const code: number[] = [], tool: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const result = await run("code", c, n);
    code.push(result.perMinute);
    if (c === 16 && r === 0 && result.peak.processes > 0) {
      memory =
        `${
          (result.peak.rss / 2 ** 20 / result.peak.processes).toFixed(0)
        } MB per sandbox process ` +
        `(peak ${
          (result.peak.rss / 2 ** 20).toFixed(0)
        } MB over ${result.peak.processes} processes at concurrency 16)`;
    }
    tool.push((await run("tool", c, n)).perMinute);
  }
  const ideal = (c * 60_000) / LATENCY_MS;
  rows.push(
    `| ${c} | ${n} | ${median(code).toFixed(0)} | ${median(tool).toFixed(0)} | ${
      ideal.toFixed(0)
    } |`,
  );
  console.error(`concurrency ${c} done`);
}
console.log(
  `Evaluation throughput, tasks/minute (median of ${RUNS}; ${navigator.hardwareConcurrency} cores; model latency ${LATENCY_MS} ms per reply)\n`,
);
console.log(
  "| concurrency | tasks | CodeAgent (2 replies, real sandbox) | ToolCallingAgent floor (1 reply, no sandbox) | latency bound, 1 reply |",
);
console.log("| --- | --- | --- | --- | --- |");
for (const row of rows) console.log(row);
console.log(`\nSandbox memory: ${memory || "not measured"}`);
