/**
 * Soak test: `deno task soak`. Not part of `deno task test`; bounded in time
 * (default about 5 minutes in all).
 *
 * 1. One long-lived CodeAgent and its sandbox execute 10 000 steps (runs of
 *    100 steps each: an agent's memory is per run, so one 10 000-step run
 *    would measure prompt building, not the sandbox), mixing tool calls,
 *    runtime and syntax errors, timeouts, memory-limit kills and exits of
 *    the sandbox (each of the last three restarts it).
 * 2. 50 agents, each with its own sandbox, run the same mix in parallel for
 *    3 minutes.
 *
 * Every step's outcome is checked against what its code must produce (a
 * timeout must end as kind `timeout`, and so on); a mismatch counts as
 * unexpected. Reported: steps/s, outcomes by kind, host RSS and open file
 * descriptors at start and end, sandbox processes and temp dirs left after
 * the agents closed. Exit code 1 when anything is unexpected or a bound is
 * passed, per phase: host RSS growth <= 150 MB, JS heap growth after a GC
 * <= 32 MB (the leak check: RSS also holds V8's and the allocator's warm-up),
 * fd growth <= 16, 0 processes, 0 dirs.
 *
 * ```sh
 * deno task soak
 * deno task soak --steps 2000 --agents 10 --seconds 30   # a quick one
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { CodeAgent } from "../src/agents/code_agent.ts";
import { DenoExecutor } from "../executors/deno_executor.ts";
import { LogLevel } from "../src/logger.ts";
import type { ActionStep } from "../src/memory.ts";
import type { ChatMessage, Model } from "../src/models/model.ts";
import { tool } from "../src/tool.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    steps: { type: "string", default: "10000" },
    "run-steps": { type: "string", default: "100" },
    agents: { type: "string", default: "50" },
    seconds: { type: "string", default: "180" },
    "phase1-seconds": { type: "string", default: "110" },
  },
});

function positive(name: string): number {
  const n = Number(values[name as keyof typeof values]);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`soak: --${name} must be a positive integer`);
    Deno.exit(2);
  }
  return n;
}

const STEPS = positive("steps");
const RUN_STEPS = positive("run-steps");
const AGENTS = positive("agents");
const SECONDS = positive("seconds");
const PHASE1_SECONDS = positive("phase1-seconds");
/** Step timeout of the sequential phase: short, since every scheduled loop costs one. */
const TIMEOUT_MS = 400;
/**
 * Step timeout of the parallel phase: 50 sandboxes share the cores, so an
 * honest step can wait longer than 400 ms of wall time for its turn.
 */
const PARALLEL_TIMEOUT_MS = 5000;
/** Leak check: the JS heap after a GC may grow this much over a phase. */
const HEAP_BOUND_MB = 32;
const RSS_BOUND_MB = 150;
const gc = (globalThis as { gc?: () => void }).gc;
const MEMORY_MB = 96;

/** What one step's code does, and the outcome it must have. */
interface Action {
  kind: "tool" | "runtime" | "syntax" | "timeout" | "memory" | "exit" | "final";
  /** The model's reply text. */
  reply: (n: number) => string;
  /** The step's error kinds it may produce (undefined: no error). */
  expect?: string[];
}

// Messy like real replies: prose, a fence with a language tag, or <code>.
const ACTIONS: Record<Action["kind"], Action> = {
  tool: {
    kind: "tool",
    reply: (n) =>
      `Thought: add it up.\n<code>\nconst r${n % 7} = await add(${n}, 1);\nconsole.log(r${
        n % 7
      });\n</code>`,
  },
  runtime: {
    kind: "runtime",
    reply: (n) =>
      `Let me check the input first.\n\`\`\`ts\nconst data: unknown = null;\nif (!data) throw new Error("no data for ${n}");\n\`\`\``,
    expect: ["runtime"],
  },
  syntax: {
    kind: "syntax",
    reply: () => "Thought: quick.\n```js\nconst = 5;\n```",
    expect: ["syntax"],
  },
  timeout: {
    kind: "timeout",
    reply: () => "Thought: wait for it.\n<code>\nwhile (true) {}\n</code>",
    expect: ["timeout"],
  },
  memory: {
    kind: "memory",
    reply: () =>
      "Thought: cache everything.\n<code>\nconst keep = [];\nfor (;;) keep.push(new Array(1e6).fill(1));\n</code>",
    // As in the security tests: the memory limit, or the timeout when a
    // loaded machine fills memory slowly.
    expect: ["memory", "timeout"],
  },
  exit: {
    kind: "exit",
    reply: () => "Thought: done here.\n<code>\nDeno.exit(3);\n</code>",
    expect: ["crashed"],
  },
  final: {
    kind: "final",
    reply: (n) => `Thought: that is all.\n<code>\nfinal_answer("run over at ${n}");\n</code>`,
  },
};

/** The action of step `i` of a run of `runSteps`: a fixed, repeating mix. */
function actionOf(i: number, runSteps: number, global: number): Action {
  if (i === runSteps - 1) return ACTIONS.final;
  const slot = global % 250;
  if (slot === 17) return ACTIONS.timeout; // 0.4 %
  if (slot === 101) return ACTIONS.memory; // 0.4 %
  if (slot === 163) return ACTIONS.exit; // 0.4 %
  if (global % 10 === 3) return ACTIONS.runtime; // 10 %
  if (global % 20 === 7) return ACTIONS.syntax; // 5 %
  return ACTIONS.tool;
}

/** A Model that replies from the schedule and keeps no copy of what it saw. */
class SoakModel implements Model {
  readonly modelId = "soak-model";
  step = 0;
  global = 0;
  readonly planned: Action[] = [];
  constructor(readonly runSteps: number) {}
  generate(_messages: ChatMessage[]): Promise<ChatMessage> {
    const action = actionOf(this.step++, this.runSteps, this.global++);
    this.planned.push(action);
    return Promise.resolve({ role: "assistant", content: action.reply(this.global) });
  }
  reset(): void {
    this.step = 0;
    this.planned.length = 0;
  }
}

const add = tool({
  name: "add",
  description: "Adds two numbers.",
  inputs: {
    a: { type: "number", description: "first" },
    b: { type: "number", description: "second" },
  },
  outputType: "number",
  forward: ({ a, b }) => a + b,
});

interface Tally {
  steps: number;
  byKind: Record<string, number>;
  unexpected: string[];
}

function newTally(): Tally {
  return { steps: 0, byKind: {}, unexpected: [] };
}

/** Runs one agent run and checks each step's outcome against its plan. */
async function oneRun(agent: CodeAgent, model: SoakModel, tally: Tally): Promise<void> {
  model.reset();
  const result = await agent.run("Soak: follow the schedule.", { returnFullResult: true });
  const actions = result.steps.filter((s): s is ActionStep => s.type === "action");
  actions.forEach((step, i) => {
    const plan = model.planned[i];
    const got = step.error ? step.error.kind ?? step.error.name : "ok";
    tally.steps++;
    tally.byKind[got] = (tally.byKind[got] ?? 0) + 1;
    const want = plan?.expect ?? ["ok"];
    if (want.includes(got)) return;
    const detail = step.error ? `: ${step.error.message.split("\n")[0].slice(0, 160)}` : "";
    tally.unexpected.push(
      `step ${i} (${plan?.kind}): expected ${want.join(" or ")}, got ${got}${detail}`,
    );
  });
  if (result.state !== "success") tally.unexpected.push(`run ended as ${result.state}`);
}

function makeAgent(
  runSteps: number,
  timeoutMs: number,
): { agent: CodeAgent; model: SoakModel; executor: DenoExecutor } {
  const model = new SoakModel(runSteps);
  const executor = new DenoExecutor({ timeoutMs, memoryLimitMb: MEMORY_MB });
  const agent = new CodeAgent({
    model,
    tools: [add],
    executor,
    logLevel: LogLevel.OFF,
    maxSteps: runSteps,
  });
  return { agent, model, executor };
}

/** Open file descriptors of this process. */
function openFds(): number {
  return [...Deno.readDirSync("/proc/self/fd")].length;
}

/** Live child processes of this process (the sandboxes, while agents run). */
function childProcesses(): number {
  let n = 0;
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${e.name}/stat`);
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[1]) === Deno.pid && fields[0] !== "Z") n++;
    } catch {
      // Gone meanwhile.
    }
  }
  return n;
}

/** Sandbox and work directories this process created and did not remove. */
function tempDirs(): number {
  const probe = Deno.makeTempDirSync();
  Deno.removeSync(probe);
  const tmp = probe.slice(0, probe.lastIndexOf("/"));
  let n = 0;
  for (const e of Deno.readDirSync(tmp)) {
    if (e.name.startsWith(`smoldeno-work-${Deno.pid}-`)) n++;
  }
  try {
    for (const e of Deno.readDirSync(`${tmp}/smoldeno-sandboxes`)) {
      if (e.name.startsWith(`sbx-${Deno.pid}-`)) n++;
    }
  } catch {
    // No sandbox root yet.
  }
  return n;
}

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

interface PhaseReport {
  name: string;
  seconds: number;
  tally: Tally;
  rss: [number, number];
  /** JS heap in use after a GC (when run with --expose-gc), start and end. */
  heap: [number, number];
  fds: [number, number];
  processes: number;
  dirs: number;
}

async function measure(name: string, body: (tally: Tally) => Promise<void>): Promise<PhaseReport> {
  // Let earlier sandboxes' pipes and timers settle before reading the start.
  await new Promise((r) => setTimeout(r, 200));
  gc?.();
  const rss0 = Deno.memoryUsage().rss;
  const heap0 = Deno.memoryUsage().heapUsed;
  const fds0 = openFds();
  const tally = newTally();
  const t0 = performance.now();
  await body(tally);
  const seconds = (performance.now() - t0) / 1000;
  await new Promise((r) => setTimeout(r, 500));
  return {
    name,
    seconds,
    tally,
    rss: [rss0, (gc?.(), Deno.memoryUsage().rss)],
    heap: [heap0, Deno.memoryUsage().heapUsed],
    fds: [fds0, openFds()],
    processes: childProcesses(),
    dirs: tempDirs(),
  };
}

const reports: PhaseReport[] = [];
/** Host RSS every 1 000 steps of the sequential phase. */
const rssSeries: number[] = [];
console.log(
  `soak: phase 1, one agent, ${STEPS} steps in runs of ${RUN_STEPS} (at most ${PHASE1_SECONDS} s)`,
);
reports.push(
  await measure("1 agent, sequential", async (tally) => {
    const { agent, model, executor } = makeAgent(RUN_STEPS, TIMEOUT_MS);
    const deadline = performance.now() + PHASE1_SECONDS * 1000;
    let next = 1000;
    try {
      while (tally.steps < STEPS && performance.now() < deadline) {
        await oneRun(agent, model, tally);
        if (tally.steps >= next) {
          gc?.();
          rssSeries.push(Deno.memoryUsage().rss);
          next += 1000;
        }
      }
    } finally {
      // The agent closes only an executor it made: this one is ours.
      await agent.close();
      await executor.close();
    }
  }),
);

console.log(`soak: phase 2, ${AGENTS} agents in parallel for ${SECONDS} s`);
reports.push(
  await measure(`${AGENTS} agents, parallel`, async (tally) => {
    const deadline = performance.now() + SECONDS * 1000;
    const runSteps = Math.min(RUN_STEPS, 20);
    await Promise.all(Array.from({ length: AGENTS }, async () => {
      const { agent, model, executor } = makeAgent(runSteps, PARALLEL_TIMEOUT_MS);
      try {
        while (performance.now() < deadline) await oneRun(agent, model, tally);
      } finally {
        await agent.close();
        await executor.close();
      }
    }));
  }),
);

console.log(
  "\n| phase | steps | steps/s | outcomes by kind | unexpected | host RSS start → end (MB) | JS heap after GC (MB) | fds start → end | sandbox processes left | temp dirs left |",
);
console.log("| --- | --: | --: | --- | --: | --: | --: | --: | --: | --: |");
let bad = false;
for (const r of reports) {
  const kinds = Object.entries(r.tally.byKind).sort().map(([k, n]) => `${k} ${n}`).join(", ");
  console.log(
    `| ${r.name} | ${r.tally.steps} | ${
      (r.tally.steps / r.seconds).toFixed(0)
    } | ${kinds} | ${r.tally.unexpected.length} | ` +
      `${mb(r.rss[0])} → ${mb(r.rss[1])} | ${mb(r.heap[0])} → ${mb(r.heap[1])} | ${r.fds[0]} → ${
        r.fds[1]
      } | ${r.processes} | ${r.dirs} |`,
  );
  const problems: string[] = r.tally.unexpected.slice(0, 20);
  if (r.tally.unexpected.length > 20) problems.push(`… and ${r.tally.unexpected.length - 20} more`);
  if (r.rss[1] - r.rss[0] > RSS_BOUND_MB * 2 ** 20) {
    problems.push(`host RSS grew by ${mb(r.rss[1] - r.rss[0])} MB (bound ${RSS_BOUND_MB})`);
  }
  if (gc && r.heap[1] - r.heap[0] > HEAP_BOUND_MB * 2 ** 20) {
    problems.push(
      `JS heap after GC grew by ${mb(r.heap[1] - r.heap[0])} MB (bound ${HEAP_BOUND_MB})`,
    );
  }
  if (r.fds[1] - r.fds[0] > 16) problems.push(`open fds grew by ${r.fds[1] - r.fds[0]} (bound 16)`);
  if (r.processes) problems.push(`${r.processes} sandbox process(es) left`);
  if (r.dirs) problems.push(`${r.dirs} temp dir(s) left`);
  if (problems.length) {
    bad = true;
    console.log(`\n${r.name}: ${problems.length} problem(s):`);
    for (const p of problems) console.log(`  ${p}`);
  }
}
if (rssSeries.length) {
  console.log(`\nhost RSS every 1 000 sequential steps (MB): ${rssSeries.map(mb).join(", ")}`);
}
if (!gc) {
  console.log("(run with --v8-flags=--expose-gc, as deno task soak does, for the heap check)");
}
console.log(bad ? "\nsoak: FAILED" : "\nsoak: every step ended as scheduled; nothing leaked");
Deno.exit(bad ? 1 : 0);
