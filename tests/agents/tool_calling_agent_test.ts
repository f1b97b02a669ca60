import { ToolCallingAgent } from "../../src/agents/tool_calling_agent.ts";
import type { AgentEvent } from "../../src/events.ts";
import { imageValue } from "../../src/media.ts";
import type { ChatMessage, ToolCall } from "../../src/models/model.ts";
import { LogLevel } from "../../src/logger.ts";
import { ScriptedModel } from "../../src/testing.ts";
import { type Tool, tool } from "../../src/tool.ts";
import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "../_assert.ts";

// Keep test output readable: the console logger has its own tests.
const OFF = LogLevel.OFF;

const fixture = (name: string) =>
  Deno.readTextFileSync(new URL(`../fixtures/replies/${name}`, import.meta.url));

function calls(...list: [string, ToolCall["arguments"]][]): ChatMessage {
  return {
    role: "assistant",
    content: null,
    toolCalls: list.map(([name, args], i) => ({ id: `call_${i + 1}`, name, arguments: args })),
  };
}
const answer = (value: unknown) => calls(["final_answer", { answer: value }]);

const getWeather = tool({
  name: "get_weather",
  description: "Weather report for a city.",
  inputs: {
    city: { type: "string", description: "City name" },
    units: { type: "string", description: "metric or imperial", nullable: true },
  },
  outputType: "string",
  forward: ({ city }) => `19°C in ${city}`,
});

function lookupFact(log: string[] = []) {
  return tool({
    name: "lookup_fact",
    description: "Looks up a fact.",
    inputs: { query: { type: "string", description: "The question" } },
    outputType: "string",
    forward: ({ query }) => (log.push(query), query.includes("Peru") ? "Lima" : "unknown"),
  });
}

Deno.test("ToolCallingAgent offers every tool, managed agent and final_answer to the model natively", async () => {
  const model = new ScriptedModel({ replies: [answer("x")] });
  await new ToolCallingAgent({ logLevel: OFF, model, tools: [getWeather] }).run("Go");
  const offered = model.calls[0].options.toolsToCallFrom?.map((t) => t.name).sort();
  assertEquals(offered, ["final_answer", "get_weather"]);
  assertEquals(model.calls[0].options.toolChoice, "required");
});

Deno.test("ToolCallingAgent falls back to a JSON call written in the text", async () => {
  const model = new ScriptedModel({
    replies: [fixture("json_call_after_prose.txt"), answer("done")],
  });
  const agent = new ToolCallingAgent({ logLevel: OFF, model, tools: [getWeather] });
  const result = await agent.run("Weather in Lima?", { returnFullResult: true });
  assertEquals(result.output, "done");
  const step = result.steps[1];
  assert(step.type === "action");
  assertEquals(step.toolCalls?.[0].name, "get_weather");
  assertEquals(step.observations, "19°C in Lima");
});

Deno.test("ToolCallingAgent feeds an unparseable JSON call back to the model", async () => {
  const model = new ScriptedModel({ replies: [fixture("json_call_malformed.txt"), answer("ok")] });
  const result = await new ToolCallingAgent({ logLevel: OFF, model }).run("Go", {
    returnFullResult: true,
  });
  const step = result.steps[1];
  assert(step.type === "action");
  assertEquals(step.error?.name, "AgentParsingError");
  assertStringIncludes(JSON.stringify(model.calls[1].messages), "Error:");
});

Deno.test("ToolCallingAgent refuses final_answer together with other calls", async () => {
  const log: string[] = [];
  const model = new ScriptedModel({
    replies: [fixture("json_call_hermes_tags_parameters.txt"), answer("Lima")],
  });
  const agent = new ToolCallingAgent({ logLevel: OFF, model, tools: [lookupFact(log)] });
  const result = await agent.run("Capital of Peru?", { returnFullResult: true });
  assertEquals(result.output, "Lima");
  assertEquals(log, [], "no tool ran in the refused step");
  const step = result.steps[1];
  assert(step.type === "action");
  assertStringIncludes(step.error?.message ?? "", "final_answer must be called alone");
  assertStringIncludes(step.error?.message ?? "", '"lookup_fact"');
});

Deno.test("ToolCallingAgent runs a step's calls concurrently and reports them in call order", async () => {
  const started: string[] = [];
  let releaseSlow: () => void = () => {};
  const slowGate = new Promise<void>((r) => (releaseSlow = r));
  const slow = tool({
    name: "slow",
    description: "Waits for fast.",
    inputs: {},
    outputType: "string",
    forward: async () => (started.push("slow"), await slowGate, "slow result"),
  });
  const fast = tool({
    name: "fast",
    description: "Returns at once.",
    inputs: {},
    outputType: "string",
    // Resolving the slow call from here proves both ran at the same time:
    // run one after the other, the step would never finish.
    forward: () => (started.push("fast"), releaseSlow(), "fast result"),
  });
  const model = new ScriptedModel({ replies: [calls(["slow", {}], ["fast", {}]), answer("ok")] });
  const agent = new ToolCallingAgent({ logLevel: OFF, model, tools: [slow, fast] });
  const events: AgentEvent[] = [];
  for await (const e of agent.stream("Go")) events.push(e);
  assertEquals(started, ["slow", "fast"]);
  const results = events.filter((e) => e.type === "tool_result").slice(0, 2);
  assertEquals(results.map((e) => e.type === "tool_result" && e.name), ["slow", "fast"]);
  const step = agent.memory.steps[1];
  assert(step.type === "action");
  assert(step.observations!.indexOf("slow result") < step.observations!.indexOf("fast result"));
});

Deno.test("ToolCallingAgent keeps the other results when one parallel call fails", async () => {
  const broken = tool({
    name: "broken",
    description: "Always fails.",
    inputs: {},
    outputType: "string",
    forward: () => {
      throw new Error("disk full");
    },
  });
  const model = new ScriptedModel({
    replies: [calls(["get_weather", { city: "Oslo" }], ["broken", {}]), answer("ok")],
  });
  const result = await new ToolCallingAgent({ logLevel: OFF, model, tools: [getWeather, broken] })
    .run("Go", {
      returnFullResult: true,
    });
  const step = result.steps[1];
  assert(step.type === "action");
  assertStringIncludes(step.observations ?? "", "19°C in Oslo");
  assertEquals(step.error?.name, "AgentToolExecutionError");
  assertStringIncludes(step.error?.message ?? "", 'Tool "broken" failed: disk full');
});

Deno.test("ToolCallingAgent tells the model which tools exist when it calls an unknown one", async () => {
  const model = new ScriptedModel({
    replies: [calls(["get_wether", { city: "Rome" }]), answer("ok")],
  });
  const result = await new ToolCallingAgent({ logLevel: OFF, model, tools: [getWeather] }).run(
    "Go",
    {
      returnFullResult: true,
    },
  );
  const step = result.steps[1];
  assert(step.type === "action");
  assertEquals(
    step.error?.message,
    'Cannot find tool "get_wether": available tools are "final_answer", "get_weather"',
  );
});

Deno.test("ToolCallingAgent reports invalid arguments with the tool's validation message", async () => {
  const model = new ScriptedModel({
    replies: [calls(["get_weather", { town: "Rome" }]), answer("ok")],
  });
  const result = await new ToolCallingAgent({ logLevel: OFF, model, tools: [getWeather] }).run(
    "Go",
    {
      returnFullResult: true,
    },
  );
  const step = result.steps[1];
  assert(step.type === "action");
  assertEquals(step.error?.name, "AgentToolCallError");
  assertEquals(step.error?.toolName, "get_weather");
});

Deno.test("ToolCallingAgent substitutes a string argument naming a state variable", async () => {
  const seen: unknown[] = [];
  const measure = tool({
    name: "measure",
    description: "Counts the rows of a table.",
    inputs: { table: { type: "any", description: "The table" } },
    outputType: "integer",
    forward: ({ table }) => (seen.push(table), (table as unknown[]).length),
  });
  const model = new ScriptedModel({ replies: [calls(["measure", { table: "sales" }]), answer(3)] });
  const agent = new ToolCallingAgent({ logLevel: OFF, model, tools: [measure] });
  await agent.run("How many rows?", { additionalArgs: { sales: [1, 2, 3] } });
  assertEquals(seen, [[1, 2, 3]]);
});

Deno.test("ToolCallingAgent stores image results by name and shows them to the model", async () => {
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const draw = tool({
    name: "draw",
    description: "Draws a picture.",
    inputs: {},
    outputType: "image",
    forward: () => imageValue(png),
  });
  const model = new ScriptedModel({ replies: [calls(["draw", {}]), answer("image_1")] });
  const agent = new ToolCallingAgent({ logLevel: OFF, model, tools: [draw] });
  const output = await agent.run("Draw");
  assertEquals((output as { data: Uint8Array }).data, png);
  const step = agent.memory.steps[1];
  assert(step.type === "action");
  assertEquals(step.observations, 'Stored the result as "image_1".');
  assertEquals(step.observationImages?.[0].image, png);
});

Deno.test("ToolCallingAgent accepts arguments given as a JSON string or a bare value", async () => {
  const model = new ScriptedModel({
    replies: [calls(["get_weather", '{"city": "Nice"}']), calls(["final_answer", "sunny"])],
  });
  const result = await new ToolCallingAgent({ logLevel: OFF, model, tools: [getWeather] }).run(
    "Go",
    {
      returnFullResult: true,
    },
  );
  assertEquals(result.output, "sunny");
  const step = result.steps[1];
  assert(step.type === "action");
  assertEquals(step.observations, "19°C in Nice");
});

Deno.test("ToolCallingAgent uses a user-defined final_answer tool instead of the default", async () => {
  const finalAnswer = tool({
    name: "final_answer",
    description: "Gives the answer in upper case.",
    inputs: { answer: { type: "string", description: "The answer" } },
    outputType: "string",
    forward: ({ answer }) => answer.toUpperCase(),
  });
  const model = new ScriptedModel({ replies: [answer("paris")] });
  assertEquals(
    await new ToolCallingAgent({ logLevel: OFF, model, tools: [finalAnswer] }).run("Go"),
    "PARIS",
  );
});

Deno.test("ToolCallingAgent rejects a non-positive maxObservationLength", () => {
  const model = new ScriptedModel({ replies: [] });
  assertThrows(
    () => new ToolCallingAgent({ logLevel: OFF, model, maxObservationLength: 0 }),
    RangeError,
    "maxObservationLength",
  );
});

Deno.test("ToolCallingAgent takes a renamed single final_answer argument and refuses an ambiguous one", async () => {
  const model = new ScriptedModel({
    replies: [calls(["final_answer", { a: 1, b: 2 }]), calls(["final_answer", { result: 42 }])],
  });
  const result = await new ToolCallingAgent({ logLevel: OFF, model }).run("Go", {
    returnFullResult: true,
  });
  assertEquals(result.output, 42);
  const first = result.steps[1];
  assert(first.type === "action");
  assertEquals(first.error?.message, 'final_answer takes one argument, "answer", got "a", "b"');
});

// A tool whose calls wait until the test releases them, counting how many
// are running at once: concurrency seen without any timing.
function gatedWork() {
  const started: number[] = [];
  const pending: (() => void)[] = [];
  let watchers: { count: number; resolve: () => void }[] = [];
  let active = 0;
  let peak = 0;
  const work = tool({
    name: "work",
    description: "Works on an item until the test releases it.",
    inputs: { n: { type: "integer", description: "The item" } },
    outputType: "string",
    forward: async ({ n }) => {
      active++;
      peak = Math.max(peak, active);
      started.push(n);
      const released = new Promise<void>((resolve) => pending.push(resolve));
      for (const w of watchers) if (started.length >= w.count) w.resolve();
      watchers = watchers.filter((w) => started.length < w.count);
      await released;
      active--;
      return `item ${n}`;
    },
  });
  /** Resolves once `count` calls have started. */
  const startedCount = (count: number) =>
    started.length >= count
      ? Promise.resolve()
      : new Promise<void>((resolve) => watchers.push({ count, resolve }));
  return { work, started, pending, startedCount, peak: () => peak };
}

Deno.test("ToolCallingAgent runs at most maxToolThreads calls at once and reports them in call order", async () => {
  for (const cap of [1, 2]) {
    const gated = gatedWork();
    const items = [1, 2, 3, 4, 5];
    const model = new ScriptedModel({
      replies: [
        calls(...items.map((n): [string, ToolCall["arguments"]] => ["work", { n }])),
        answer("ok"),
      ],
    });
    const events: AgentEvent[] = [];
    const agent = new ToolCallingAgent({
      model,
      tools: [gated.work],
      maxToolThreads: cap,
      logger: { log: (e) => events.push(e) },
    });
    const run = agent.run("Work on everything");
    await gated.startedCount(cap);
    // Release the newest call first, so calls end in another order than the model's.
    while (gated.pending.length > 0) {
      const next = gated.started.length + 1;
      gated.pending.pop()!();
      if (next <= items.length) await gated.startedCount(next);
    }
    assertEquals(await run, "ok");
    assertEquals(gated.peak(), cap, `cap ${cap}`);
    assertEquals(gated.started, items, "calls start in the model's order");
    const results = events.filter((e) => e.type === "tool_result" && e.name === "work");
    assertEquals(results.map((e) => e.type === "tool_result" && e.id), [
      "call_1",
      "call_2",
      "call_3",
      "call_4",
      "call_5",
    ]);
    const step = agent.memory.steps[1];
    assert(step.type === "action");
    assertEquals(step.actionOutput, items.map((n) => `item ${n}`));
    const positions = items.map((n) => step.observations!.indexOf(`item ${n}`));
    assertEquals([...positions].sort((a, b) => a - b), positions);
  }
});

Deno.test("ToolCallingAgent rejects a maxToolThreads that is not a positive integer", () => {
  const model = new ScriptedModel({ replies: [] });
  for (const value of [0, -1, 1.5, Infinity, "2"]) {
    assertThrows(
      () => new ToolCallingAgent({ logLevel: OFF, model, maxToolThreads: value as number }),
      RangeError,
      `Cannot create ToolCallingAgent: maxToolThreads must be a positive integer, got ${value}`,
    );
  }
  assertEquals(new ToolCallingAgent({ logLevel: OFF, model }).maxToolThreads, undefined);
  assertEquals(new ToolCallingAgent({ logLevel: OFF, model, maxToolThreads: 3 }).maxToolThreads, 3);
});

Deno.test("ToolCallingAgent starts no more calls of a step once the run is aborted", async () => {
  const controller = new AbortController();
  const started: string[] = [];
  let releaseSlow: () => void = () => {};
  const slowGate = new Promise<void>((r) => (releaseSlow = r));
  // Plain Tool objects that ignore the signal, as a careless tool would:
  // only the agent can keep them from starting.
  const careless = (name: string, run: () => Promise<string>): Tool => ({
    name,
    description: `The ${name} tool.`,
    inputs: {},
    outputType: "string",
    call: () => (started.push(name), run()),
  });
  const slow = careless("slow", async () => (await slowGate, "slow result"));
  const later = careless("later", () => Promise.resolve("later result"));
  const stop = tool({
    name: "stop",
    description: "Aborts the run.",
    inputs: {},
    outputType: "string",
    forward: () => {
      started.push("stop");
      controller.abort(new Error("stopped by the tool"));
      throw new Error("aborted");
    },
  });
  const model = new ScriptedModel({ replies: [calls(["slow", {}], ["stop", {}], ["later", {}])] });
  const agent = new ToolCallingAgent({
    logLevel: OFF,
    model,
    tools: [slow, stop, later],
    maxToolThreads: 2,
  });
  const error = await assertRejects(() => agent.run("Go", { signal: controller.signal }));
  assertStringIncludes(error.message, "stopped by the tool");
  releaseSlow();
  // A timer callback runs only after every pending promise job: by then a
  // third call would have started. A flush, not a timing assertion.
  await new Promise((resolve) => setTimeout(resolve, 0));
  assertEquals(started, ["slow", "stop"]);
});
