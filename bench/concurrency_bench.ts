/**
 * Many CodeAgent runs at once on one host: each agent has its own default
 * DenoExecutor and a ScriptedModel that answers after 50 ms, and runs three
 * steps (a tool call, a computation, the final answer). Reports the total
 * time of `BENCH_AGENTS` (default 100) runs started together, the peak
 * resident memory of the host and all its sandboxes, the failures, and the
 * same runs one by one (the mean of `BENCH_SEQUENTIAL` runs, default 10,
 * times the count). The floor is the model's own latency: 3 x 50 ms.
 *
 *   deno run --allow-all bench/concurrency_bench.ts
 *
 * @module
 */

import { CodeAgent } from "../src/agents/code_agent.ts";
import { LogLevel } from "../src/logger.ts";
import { tool } from "../src/tool.ts";
import { ScriptedModel } from "../src/testing.ts";
import { loadTransformer } from "../executors/session/_transform.ts";
import {
  emitRows,
  machineLine,
  mb,
  ms,
  peakSampler,
  printRows,
  type Row,
  treePss,
} from "./_bench.ts";

const AGENTS = Math.max(1, Number(Deno.env.get("BENCH_AGENTS") ?? 100));
const SEQUENTIAL = Math.max(1, Number(Deno.env.get("BENCH_SEQUENTIAL") ?? 10));
const LATENCY_MS = 50;

const add = tool({
  name: "add",
  description: "Adds two numbers.",
  inputs: {
    a: { type: "number", description: "First term" },
    b: { type: "number", description: "Second term" },
  },
  outputType: "number",
  forward: ({ a, b }) => a + b,
});

const REPLIES = [
  "Thought: add.\n<code>\nconst x = await add({ a: 20, b: 1 });\nx\n</code>",
  "Thought: double.\n<code>\nconst y = x * 2;\ny\n</code>",
  "Thought: done.\n<code>\nfinal_answer(y);\n</code>",
];

function slow(reply: string): () => Promise<string> {
  return () => new Promise((resolve) => setTimeout(() => resolve(reply), LATENCY_MS));
}

/** One agent run from construction to close; resolves to its answer. */
async function oneRun(): Promise<unknown> {
  const agent = new CodeAgent({
    model: new ScriptedModel({ replies: REPLIES.map(slow) }),
    tools: [add],
    logLevel: LogLevel.OFF,
    maxSteps: 5,
  });
  try {
    return await agent.run("What is (20 + 1) * 2?");
  } finally {
    await agent.close();
  }
}

/** Runs `n` agents at once; returns the wall time, failures and peak memory. */
export async function concurrentRuns(
  n: number,
): Promise<{ totalMs: number; failures: string[]; peakBytes: number; peakPss: number }> {
  const sampler = peakSampler();
  // PSS walks page tables: sampled less often.
  const pssSampler = peakSampler(250, treePss);
  const t = performance.now();
  const results = await Promise.allSettled(Array.from({ length: n }, () => oneRun()));
  const totalMs = performance.now() - t;
  const peakBytes = sampler.stop();
  const peakPss = pssSampler.stop();
  const failures: string[] = [];
  for (const r of results) {
    if (r.status === "rejected") failures.push(String((r.reason as Error)?.message ?? r.reason));
    else if (r.value !== 42) failures.push(`wrong answer ${JSON.stringify(r.value)}`);
  }
  return { totalMs, failures, peakBytes, peakPss };
}

/** Measures and returns the summary rows. */
export async function measureConcurrency(): Promise<Row[]> {
  await loadTransformer(); // once per host process, not part of any run
  await oneRun(); // warm the host's own code paths
  const seqSampler = peakSampler();
  const seq: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) {
    const t = performance.now();
    const answer = await oneRun();
    seq.push(performance.now() - t);
    if (answer !== 42) throw new Error(`A sequential run answered ${JSON.stringify(answer)}`);
  }
  const seqPeak = seqSampler.stop();
  const seqMean = seq.reduce((a, b) => a + b, 0) / seq.length;
  const { totalMs, failures, peakBytes, peakPss } = await concurrentRuns(AGENTS);
  if (failures.length) {
    const counts = new Map<string, number>();
    for (const f of failures) counts.set(f.slice(0, 160), (counts.get(f.slice(0, 160)) ?? 0) + 1);
    for (const [f, c] of counts) console.error(`${c} x ${f}`);
  }
  const floor = 3 * LATENCY_MS;
  return [
    {
      measure: `${AGENTS} CodeAgent runs at once (3 steps, model 50 ms): total`,
      value: ms(totalMs),
      p95: "-",
      floor: `${ms(floor)} (3 model calls)`,
      ratio: `${(totalMs / floor).toFixed(2)}x`,
      target: "no failures; report",
      met: failures.length === 0,
    },
    {
      measure: `The same ${AGENTS} runs one by one (${SEQUENTIAL} measured x ${AGENTS})`,
      value: ms(seqMean * AGENTS),
      p95: "-",
      floor: `${ms(floor * AGENTS)} (3 model calls each)`,
      ratio: `${(seqMean * AGENTS / totalMs).toFixed(1)}x slower than at once`,
      target: "report",
    },
    {
      measure: `Failures among the ${AGENTS} concurrent runs`,
      value: String(failures.length),
      p95: "-",
      floor: "-",
      ratio: "-",
      target: "0",
      met: failures.length === 0,
    },
    {
      measure: `Peak RSS, host + sandboxes, ${AGENTS} runs at once`,
      value: mb(peakBytes),
      p95: "-",
      floor: `${mb(seqPeak)} (one run at a time)`,
      ratio: `${(peakBytes / AGENTS / 1048576).toFixed(1)} MB per run`,
      target: "report",
    },
    {
      measure: `Peak PSS (shared pages counted once), host + sandboxes, ${AGENTS} runs at once`,
      value: mb(peakPss),
      p95: "-",
      floor: "-",
      ratio: `${(peakPss / AGENTS / 1048576).toFixed(1)} MB per run`,
      target: "report",
    },
  ];
}

if (import.meta.main) {
  const rows = await measureConcurrency();
  printRows(`Concurrency, ${machineLine()}`, rows);
  emitRows(rows);
}
