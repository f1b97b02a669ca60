/**
 * Memory figures: the host memory each idle CodeAgent costs beside its
 * sandbox, and a 200-step run whose host memory and model input (prompt
 * size) must grow linearly with the step count, not quadratically.
 *
 *   deno run --allow-all --v8-flags=--expose-gc bench/memory_bench.ts
 *
 * Linearity is read from the growth of the second half of the run over the
 * first: about 1 for linear growth, about 3 for quadratic. Without
 * `--expose-gc` the heap figures include garbage and say so.
 *
 * @module
 */

import { CodeAgent } from "../src/agents/code_agent.ts";
import { LogLevel } from "../src/logger.ts";
import type { ChatMessage, Model } from "../src/models/model.ts";
import type { DenoExecutor } from "../executors/deno_executor.ts";
import { loadTransformer } from "../executors/session/_transform.ts";
import { emitRows, machineLine, mb, printRows, type Row } from "./_bench.ts";

const IDLE_AGENTS = Math.max(2, Number(Deno.env.get("BENCH_IDLE_AGENTS") ?? 30));
const STEPS = Math.max(20, Number(Deno.env.get("BENCH_STEPS") ?? 200));

const gc = (globalThis as { gc?: () => void }).gc;

function settle(): void {
  if (gc) { for (let i = 0; i < 3; i++) gc(); }
}

function heapUsed(): number {
  settle();
  return Deno.memoryUsage().heapUsed;
}

function rss(): number {
  settle();
  return Deno.memoryUsage().rss;
}

function contentLength(messages: readonly ChatMessage[]): number {
  let n = 0;
  for (const m of messages) {
    if (typeof m.content === "string") n += m.content.length;
    else if (Array.isArray(m.content)) {
      for (const p of m.content) n += "text" in p ? String(p.text).length : 0;
    }
  }
  return n;
}

/** A model that writes one small step after another and records only sizes. */
class CountingModel implements Model {
  readonly modelId = "counting-model";
  readonly inputChars: number[] = [];
  readonly heapAt: Map<number, number> = new Map();
  #steps: number;
  constructor(steps: number) {
    this.#steps = steps;
  }
  generate(messages: ChatMessage[]): Promise<ChatMessage> {
    const i = this.inputChars.length;
    this.inputChars.push(contentLength(messages));
    if (i % 25 === 0 || i === this.#steps - 1) this.heapAt.set(i, heapUsed());
    const code = i + 1 >= this.#steps
      ? `final_answer(v${i - 1});`
      : `const v${i} = ${i} * 2;\nconsole.log("step", ${i}, v${i});\nv${i}`;
    return Promise.resolve({
      role: "assistant",
      content: `Thought: step ${i}.\n<code>\n${code}\n</code>`,
    });
  }
}

/** Second-half growth over first-half growth of `f` sampled at 0, n/2 and n. */
function growthRatio(at0: number, atHalf: number, atEnd: number): number {
  return (atEnd - atHalf) / Math.max(1, atHalf - at0);
}

/** Measures and returns the summary rows. */
export async function measureMemory(): Promise<Row[]> {
  await loadTransformer();
  // Warm the host's code paths and caches with one agent, then measure.
  {
    const warm = new CodeAgent({ model: new CountingModel(2), logLevel: LogLevel.OFF });
    await warm.run("warm up");
    await warm.close();
  }
  const heap0 = heapUsed();
  const rss0 = rss();
  const agents: CodeAgent[] = [];
  for (let i = 0; i < IDLE_AGENTS; i++) {
    const agent = new CodeAgent({ model: new CountingModel(2), logLevel: LogLevel.OFF });
    await (agent.executor as DenoExecutor).start(); // its sandbox runs, idle
    agents.push(agent);
  }
  const heapPerAgent = (heapUsed() - heap0) / IDLE_AGENTS;
  const rssPerAgent = (rss() - rss0) / IDLE_AGENTS;
  await Promise.all(agents.map((a) => a.close()));

  const model = new CountingModel(STEPS);
  const agent = new CodeAgent({ model, logLevel: LogLevel.OFF, maxSteps: STEPS + 5 });
  const answer = await agent.run("Count.");
  await agent.close();
  // What the per-step copies of the model's input hold: each action step
  // keeps the messages it was given (as smolagents does), so this part of
  // the memory grows with the square of the step count.
  const withInputs = heapUsed();
  for (const step of agent.memory.steps as { modelInputMessages?: unknown }[]) {
    delete step.modelInputMessages;
  }
  const inputsBytes = withInputs - heapUsed();
  if (answer !== 2 * (STEPS - 2)) {
    throw new Error(`The long run answered ${JSON.stringify(answer)}`);
  }
  const chars = model.inputChars;
  const half = Math.floor((chars.length - 1) / 2);
  const promptRatio = growthRatio(chars[0], chars[half], chars[chars.length - 1]);
  const perStep = (chars[chars.length - 1] - chars[0]) / (chars.length - 1);
  const marks = [...model.heapAt.entries()].sort((a, b) => a[0] - b[0]);
  const mid = marks.reduce((best, m) =>
    Math.abs(m[0] - half) < Math.abs(best[0] - half) ? m : best
  );
  const heapRatio = growthRatio(marks[0][1], mid[1], marks[marks.length - 1][1]);
  const heapGrowth = marks[marks.length - 1][1] - marks[0][1];
  const gcNote = gc ? "" : " (no --expose-gc: includes garbage)";
  return [
    {
      measure: `Host memory per idle CodeAgent beside its sandbox (JS heap, ${IDLE_AGENTS} agents)`,
      value: `${(heapPerAgent / 1024).toFixed(0)} KB`,
      p95: "-",
      floor: "-",
      ratio: "-",
      target: "<= 1 MB",
      met: heapPerAgent <= 1048576,
    },
    {
      measure: `Host RSS per idle CodeAgent beside its sandbox (${IDLE_AGENTS} agents)${gcNote}`,
      value: `${(rssPerAgent / 1024).toFixed(0)} KB`,
      p95: "-",
      floor: "-",
      ratio: "-",
      target: "<= 1 MB",
      met: rssPerAgent <= 1048576,
    },
    {
      measure: `Model input per step, ${STEPS}-step run: growth, 2nd half / 1st half`,
      value: promptRatio.toFixed(2),
      p95: "-",
      floor: `${chars[0]} chars at step 1, +${perStep.toFixed(0)} per step`,
      ratio: `${chars[chars.length - 1]} chars at step ${chars.length}`,
      target: "linear (about 1; quadratic is about 3)",
      met: promptRatio < 1.5,
    },
    {
      measure: `Host JS heap over a ${STEPS}-step run: growth, 2nd half / 1st half${gcNote}`,
      value: heapRatio.toFixed(2),
      p95: "-",
      floor: `${mb(marks[0][1])} at step 1`,
      ratio: `+${mb(heapGrowth)} in ${STEPS} steps`,
      target: "linear (about 1; quadratic is about 3)",
      met: heapRatio < 1.5,
    },
    {
      measure: `Of which: the model inputs kept in memory steps after ${STEPS} steps${gcNote}`,
      value: mb(inputsBytes),
      p95: "-",
      floor: "-",
      ratio: `${(100 * inputsBytes / Math.max(1, heapGrowth)).toFixed(0)}% of the growth`,
      target: "report",
    },
  ];
}

if (import.meta.main) {
  const rows = await measureMemory();
  printRows(`Memory, ${machineLine()}`, rows);
  emitRows(rows);
}
