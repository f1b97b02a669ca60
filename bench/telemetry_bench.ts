// What telemetry costs a run, against a floor measured in the same process.
//
// Workloads:
//   tool-calling  a ToolCallingAgent whose model replies at once (an object
//                 literal, like a ScriptedModel without its record of calls):
//                 two tool calls, then the answer. No sandbox, no I/O: the
//                 worst case, where nothing hides the cost. 10 spans a run.
//   tool-calling (model 1 ms)
//                 the same with a model that replies after 1 ms, quicker
//                 than any real one (a local model's first token takes 10 ms
//                 or more): the cheapest run a user can have.
//   code          a CodeAgent with a warm DenoExecutor sandbox (passed in, so
//                 runs reuse it): one step whose code calls a host tool twice
//                 and answers. The product's main path. 6 spans a run.
//
// Variants, interleaved run by run (one run of each in turn) so drift and
// other engineers' load hit them alike:
//   floor     the telemetry code short-circuited at its first line by a
//             module switch (bypassTelemetry): a run without telemetry
//   off       the default with no SDK installed (the API is a no-op)
//   disabled  telemetry: false
//   bare      a minimal recording Tracer: smoldeno's own instrumentation
//             cost (attributes, wrappers), without an SDK's
//   on        @opentelemetry/sdk-trace-base: BasicTracerProvider +
//             BatchSpanProcessor (the production setup) whose exporter drops
//             the spans: the cost of making them, not of shipping them
//   content   the same with recordContent: true
//
// Each round takes the median run time of each variant and the median of
// its runs' ratios to the floor run of the same turn; it prints the median
// of each over the rounds. The issue asks off ≤ 1.02× and on ≤
// 1.10×. It also prints what the SDK's spans cost on their own, against the
// floor run: with no model latency that share alone passes 1.10×, so no
// instrumentation through this SDK can meet the limit there, and the limits
// are judged on the workloads that have a model. `--check` exits 1 when one
// of those passes a limit.
//
//   deno run -A --v8-flags=--expose-gc bench/telemetry_bench.ts \
//     [--rounds 10] [--runs 100] [--latency-runs 30] [--code-runs 30] [--check]

import { parseArgs } from "node:util";
import type {
  Attributes,
  Context,
  Exception,
  Link,
  Span,
  SpanAttributeValue,
  SpanContext,
  SpanOptions,
  SpanStatus,
  TimeInput,
  Tracer,
} from "@opentelemetry/api";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from "@opentelemetry/sdk-trace-base";
import { CodeAgent, DenoExecutor, LogLevel, type MultiStepAgent, tool } from "../mod.ts";
import { ToolCallingAgent } from "../mod.ts";
import type { ChatMessage, Model } from "../src/models/model.ts";
import { bypassTelemetry, type TelemetryOptions } from "../src/telemetry.ts";
import { median } from "./_bench.ts";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "10" },
    runs: { type: "string", default: "100" },
    "code-runs": { type: "string", default: "30" },
    "latency-runs": { type: "string", default: "30" },
    check: { type: "boolean", default: false },
  },
});
const ROUNDS = Number(values.rounds);
const gc = (globalThis as { gc?: () => void }).gc;

class DroppingExporter implements SpanExporter {
  count = 0;
  export(spans: ReadableSpan[], done: (result: { code: number }) => void): void {
    this.count += spans.length;
    done({ code: 0 });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

// The least a recording span can be: ids, attributes kept in an object.
class BareSpan implements Span {
  readonly #context: SpanContext;
  readonly attributes: Record<string, SpanAttributeValue> = {};
  constructor(context: SpanContext) {
    this.#context = context;
  }
  spanContext(): SpanContext {
    return this.#context;
  }
  setAttribute(key: string, value: SpanAttributeValue): this {
    this.attributes[key] = value;
    return this;
  }
  setAttributes(attributes: Attributes): this {
    Object.assign(this.attributes, attributes);
    return this;
  }
  addEvent(_name: string, _a?: Attributes | TimeInput, _t?: TimeInput): this {
    return this;
  }
  addLink(_link: Link): this {
    return this;
  }
  addLinks(_links: Link[]): this {
    return this;
  }
  setStatus(_status: SpanStatus): this {
    return this;
  }
  updateName(_name: string): this {
    return this;
  }
  end(_endTime?: TimeInput): void {
    bareEnded++;
  }
  isRecording(): boolean {
    return true;
  }
  recordException(_exception: Exception, _time?: TimeInput): void {}
}
let bareEnded = 0;
let bareIds = 0;
const bareTracer: Tracer = {
  startSpan(_name: string, options?: SpanOptions, _context?: Context): Span {
    const span = new BareSpan({
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: (++bareIds).toString(16).padStart(16, "0"),
      traceFlags: 1,
    });
    if (options?.attributes) span.setAttributes(options.attributes);
    return span;
  },
  startActiveSpan(): never {
    throw new Error("not used");
  },
};

const exporter = new DroppingExporter();
const tracerProvider = new BasicTracerProvider({
  spanProcessors: [new BatchSpanProcessor(exporter, { maxQueueSize: 1 << 16 })],
});

const add = tool({
  name: "add",
  description: "Adds two numbers.",
  inputs: {
    a: { type: "number", description: "First" },
    b: { type: "number", description: "Second" },
  },
  outputType: "number",
  forward: ({ a, b }) => a + b,
});

function replying(replies: ChatMessage[], latencyMs = 0): Model {
  let n = 0;
  return {
    modelId: "bench-model",
    async generate(): Promise<ChatMessage> {
      const reply = replies[n++ % replies.length];
      if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
      return { ...reply, tokenUsage: { inputTokens: 50, outputTokens: 10 } };
    },
  };
}

function toolCallingAgent(
  telemetry: boolean | TelemetryOptions | undefined,
  latencyMs: number,
): ToolCallingAgent {
  return new ToolCallingAgent({
    model: replying([
      call("c1", "add", { a: 1, b: 2 }),
      call("c2", "add", { a: 3, b: 4 }),
      call("c3", "final_answer", { answer: 10 }),
    ], latencyMs),
    tools: [add],
    logLevel: LogLevel.OFF,
    telemetry,
  });
}

function call(id: string, name: string, args: Record<string, unknown>): ChatMessage {
  return { role: "assistant", content: "", toolCalls: [{ id, name, arguments: args }] };
}

interface Workload {
  name: string;
  runs: number;
  /** Whether the limits apply (the run has a model that takes time). */
  judged: boolean;
  make(telemetry: boolean | TelemetryOptions | undefined): MultiStepAgent;
}

const executors: DenoExecutor[] = [];
const workloads: Workload[] = [
  {
    name: "tool-calling",
    runs: Number(values.runs),
    judged: false,
    make: (telemetry) => toolCallingAgent(telemetry, 0),
  },
  {
    name: "tool-calling (model 1 ms)",
    runs: Number(values["latency-runs"]),
    judged: true,
    make: (telemetry) => toolCallingAgent(telemetry, 1),
  },
  {
    name: "code",
    runs: Number(values["code-runs"]),
    judged: true,
    make: (telemetry) => {
      const executor = new DenoExecutor();
      executors.push(executor);
      return new CodeAgent({
        model: replying([{
          role: "assistant",
          content: "<code>\nconst x = await add({ a: 1, b: 2 });\n" +
            "final_answer(x + await add({ a: 3, b: 4 }));\n</code>",
        }]),
        tools: [add],
        executor,
        logLevel: LogLevel.OFF,
        telemetry,
      });
    },
  },
];

interface Variant {
  name: string;
  telemetry: boolean | TelemetryOptions | undefined;
  bypass: boolean;
}

const variants: Variant[] = [
  { name: "floor", telemetry: undefined, bypass: true },
  { name: "off", telemetry: undefined, bypass: false },
  { name: "disabled", telemetry: false, bypass: false },
  { name: "bare", telemetry: { tracer: bareTracer }, bypass: false },
  { name: "on", telemetry: { tracerProvider }, bypass: false },
  { name: "content", telemetry: { tracerProvider, recordContent: true }, bypass: false },
];

async function timeRun(agent: MultiStepAgent, bypass: boolean): Promise<number> {
  bypassTelemetry(bypass);
  try {
    const start = performance.now();
    await agent.run("Add up");
    return performance.now() - start;
  } finally {
    bypassTelemetry(false);
  }
}

// One round: every variant runs `runs` times, one run each in turn (the
// order rotated), so a change of load hits them alike. Gives each variant's
// median run time, and the median of its runs' ratios to the floor run of
// the same turn (paired, so load that lasts a turn cancels out).
async function round(
  agents: Map<string, MultiStepAgent>,
  runs: number,
): Promise<Map<string, { time: number; ratio: number }>> {
  gc?.();
  const times = new Map(variants.map((v) => [v.name, [] as number[]]));
  const ratios = new Map(variants.map((v) => [v.name, [] as number[]]));
  for (let i = 0; i < runs; i++) {
    const turn = new Map<string, number>();
    for (let j = 0; j < variants.length; j++) {
      const v = variants[(i + j) % variants.length];
      turn.set(v.name, await timeRun(agents.get(v.name)!, v.bypass));
    }
    for (const [name, t] of turn) {
      times.get(name)!.push(t);
      ratios.get(name)!.push(t / turn.get("floor")!);
    }
  }
  return new Map(
    variants.map((v) => [v.name, {
      time: median(times.get(v.name)!),
      ratio: median(ratios.get(v.name)!),
    }]),
  );
}

interface Result {
  workload: string;
  judged: boolean;
  spansPerRun: number;
  floorMs: number;
  off: number;
  on: number;
  bare: number;
}
const results: Result[] = [];
console.log(
  `telemetry cost: ${ROUNDS} rounds per workload, one run of each variant in turn; ` +
    `gc between rounds: ${gc ? "yes" : "no (run with --v8-flags=--expose-gc)"}`,
);
for (const workload of workloads) {
  const agents = new Map(variants.map((v) => [v.name, workload.make(v.telemetry)]));
  const times = new Map(variants.map((v) => [v.name, [] as number[]]));
  const ratios = new Map(variants.map((v) => [v.name, [] as number[]]));
  // Warm-up: JIT, sandbox start, prompt caches.
  await round(agents, workload.runs);
  const spansBefore = bareEnded;
  for (let r = 0; r < ROUNDS; r++) {
    const medians = await round(agents, workload.runs);
    for (const v of variants) {
      times.get(v.name)!.push(medians.get(v.name)!.time);
      ratios.get(v.name)!.push(medians.get(v.name)!.ratio);
    }
  }
  const spansPerRun = (bareEnded - spansBefore) / (ROUNDS * workload.runs);
  console.log(
    `\n${workload.name}: ${workload.runs} runs of each variant a round, ${spansPerRun} spans a traced run`,
  );
  console.log("variant    ms/run   ratio to floor (paired by turn; median of the rounds' medians)");
  for (const v of variants) {
    console.log(
      `${v.name.padEnd(9)} ${median(times.get(v.name)!).toFixed(3).padStart(7)}   ${
        median(ratios.get(v.name)!).toFixed(3)
      }×`,
    );
  }
  results.push({
    workload: workload.name,
    judged: workload.judged,
    spansPerRun,
    floorMs: median(times.get("floor")!),
    off: median(ratios.get("off")!),
    on: median(ratios.get("on")!),
    bare: median(ratios.get("bare")!),
  });
  for (const agent of agents.values()) await agent.close();
}
for (const executor of executors) await executor.close();

// What one span costs the SDK alone (start with 4 attributes, 2 more, end),
// against the bare tracer: the part of "on" that is not smoldeno's code.
function spanCost(tracer: Tracer): number {
  const costs: number[] = [];
  for (let r = 0; r < 7; r++) {
    gc?.();
    const start = performance.now();
    for (let i = 0; i < 5_000; i++) {
      const span = tracer.startSpan("chat m", { attributes: { a: "x", b: 1, c: true, d: "y" } });
      span.setAttribute("e", 2);
      span.setAttribute("f", "z");
      span.end();
    }
    costs.push((performance.now() - start) / 5_000 * 1_000);
  }
  return median(costs);
}
const sdkSpan = spanCost(tracerProvider.getTracer("bench"));
const bareSpan = spanCost(bareTracer);
console.log(
  `\none span, alone: ${sdkSpan.toFixed(2)} µs with the SDK (BatchSpanProcessor), ` +
    `${bareSpan.toFixed(2)} µs with the bare tracer`,
);
await tracerProvider.shutdown();

// The SDK's span work on its own, as a share of the floor run: what "on"
// costs above "bare" whatever smoldeno does.
console.log("\nlimits: off ≤ 1.02×, on ≤ 1.10× (judged where the run has a model that takes time)");
let pass = true;
const width = Math.max(...results.map((r) => r.workload.length));
for (const r of results) {
  const sdkShare = r.spansPerRun * Math.max(0, sdkSpan - bareSpan) / 1_000 / r.floorMs;
  const met = r.off <= 1.02 && r.on <= 1.10;
  if (r.judged && !met) pass = false;
  console.log(
    `${r.workload.padEnd(width)}  off ${r.off.toFixed(3)}×  on ${r.on.toFixed(3)}×  ` +
      `(bare tracer ${r.bare.toFixed(3)}×; the SDK's ${r.spansPerRun} spans alone ` +
      `+${(sdkShare * 100).toFixed(1)}% of the floor run): ${
        met ? "met" : r.judged ? "NOT met" : "not met (reported, not judged)"
      }`,
  );
}
if (values.check && !pass) Deno.exit(1);
