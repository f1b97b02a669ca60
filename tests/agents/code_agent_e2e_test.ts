// End to end: CodeAgent + ScriptedModel + the real DenoExecutor (a sandboxed
// Deno subprocess). The replies are written the way real models write them.
import { CodeAgent, type CodeAgentOptions } from "../../src/agents/code_agent.ts";
import { AgentError } from "../../src/errors.ts";
import type { AgentEvent } from "../../src/events.ts";
import { LogLevel } from "../../src/logger.ts";
import { addTokenUsage } from "../../src/memory.ts";
import { ScriptedModel, type ScriptedReply } from "../../src/testing.ts";
import { tool } from "../../src/tool.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStringIncludes,
} from "../_assert.ts";

const fixture = (name: string) =>
  Deno.readTextFileSync(new URL(`../fixtures/replies/${name}`, import.meta.url));

const searchFlights = tool({
  name: "search_flights",
  description: "Lists flights between two cities on a date.",
  inputs: {
    from: { type: "string", description: "Departure city" },
    to: { type: "string", description: "Arrival city" },
    date: { type: "string", description: "ISO date" },
  },
  outputType: "array",
  forward: ({ from, to }) => [
    { airline: "NordAir", from, to, price: 1890, currency: "NOK" },
    { airline: "SkyLine", from, to, price: 2210, currency: "NOK" },
    { airline: "FjordJet", from, to, price: 1650, currency: "NOK" },
  ],
});

const convertCurrency = tool({
  name: "convert_currency",
  description: "Converts an amount between currencies.",
  inputs: {
    amount: { type: "number", description: "The amount" },
    from: { type: "string", description: "ISO code, e.g. NOK" },
    to: { type: "string", description: "ISO code, e.g. EUR" },
  },
  outputType: "number",
  forward: ({ amount }) => Math.round(amount * 0.085 * 100) / 100,
});

function agentWith(replies: ScriptedReply[], options: Partial<CodeAgentOptions> = {}) {
  const model = new ScriptedModel({ replies });
  const agent = new CodeAgent({
    model,
    tools: [searchFlights, convertCurrency],
    logLevel: LogLevel.OFF,
    ...options,
  });
  return { model, agent };
}

async function collect(events: AsyncIterable<AgentEvent>): Promise<AgentEvent[]> {
  const all: AgentEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

Deno.test("CodeAgent e2e: several steps call host tools and keep variables between steps", async () => {
  const { model, agent } = agentWith([
    "Thought: I'll search flights first and look at the result's shape.\n" +
    '<code>\nconst flights = await search_flights({ from: "Lyon", to: "Oslo", date: "2025-06-14" });\n' +
    "console.log(flights.length, flights[0]);\n</code>",
    "Thought: Prices are in NOK. I'll pick the cheapest and convert it, both conversions in parallel " +
    "for comparison.\n```typescript\nconst cheapest = flights.reduce((a, b) => (a.price <= b.price ? a : b));\n" +
    'const [eur, eurNext] = await Promise.all([\n  convert_currency({ amount: cheapest.price, from: "NOK", to: "EUR" }),\n' +
    '  convert_currency({ amount: 1890, from: "NOK", to: "EUR" }),\n]);\nconsole.log(cheapest.airline, eur, eurNext);\n```',
    "Thought: I have everything.\n<code>\nfinal_answer(`${cheapest.airline} at ${eur} EUR`);\n</code>",
  ]);
  await using _ = agent;
  const result = await agent.run("Cheapest flight Lyon → Oslo on 14 June, in euros?", {
    returnFullResult: true,
  });
  assertEquals(result.output, "FjordJet at 140.25 EUR");
  assertEquals(result.state, "success");
  const second = result.steps[2];
  assert(second.type === "action");
  assertStringIncludes(second.observations ?? "", "FjordJet 140.25 160.65");
  assertStringIncludes(String(model.calls[1].messages.at(-1)?.content), 'airline: "NordAir"');
});

Deno.test("CodeAgent e2e: a runtime error is shown to the model, which fixes its code", async () => {
  const { model, agent } = agentWith([
    'Thought: Let me total the prices.\n<code>\nconst list = await search_flights({ from: "A", to: "B", date: "2025-01-01" });\n' +
    'console.log("got", list.length);\nconst total = list.reduce((s, f) => s + f.cost.amount, 0);\n</code>',
    "Thought: The field is `price`, not `cost`. `list` is still defined.\n<code>\n" +
    "const total2 = list.reduce((s, f) => s + f.price, 0);\nfinal_answer(total2);\n</code>",
  ]);
  await using _ = agent;
  const result = await agent.run("Sum of prices?", { returnFullResult: true });
  assertEquals(result.output, 5750);
  const failed = result.steps[1];
  assert(failed.type === "action");
  assertEquals(failed.error?.name, "AgentExecutionError");
  assertEquals(failed.error?.kind, "runtime");
  assertStringIncludes(failed.observations ?? "", "got 3");
  const retry = JSON.stringify(model.calls[1].messages);
  assertStringIncludes(retry, "TypeError");
  assertStringIncludes(retry, "amount");
});

Deno.test("CodeAgent e2e: a reply without code is a parse error the model recovers from", async () => {
  const { model, agent } = agentWith([
    fixture("no_code_final_answer_in_prose.txt"),
    fixture("tags_wrapping_typescript_fence.txt"),
    'Thought: The search tool is not available; I know the answer.\n<code>\nfinal_answer("Canberra")\n</code>',
  ]);
  await using _ = agent;
  const result = await agent.run("What is the capital of Australia?", { returnFullResult: true });
  const first = result.steps[1];
  assert(first.type === "action");
  assertEquals(first.error?.name, "AgentParsingError");
  assertStringIncludes(String(model.calls[1].messages.at(-1)?.content), "Error:");
  // The fenced code inside the tags ran: it failed on the unknown tool.
  const second = result.steps[2];
  assert(second.type === "action");
  assertStringIncludes(second.error?.message ?? "", "web_search");
  assertEquals(result.output, "Canberra");
});

Deno.test("CodeAgent e2e: plans before step 1 and every planningInterval steps", async () => {
  const { model, agent } = agentWith([
    "## 1. Facts\n### 1.1. Facts given in the task\n- Lyon, Oslo\n## 2. Plan\n1. Search flights.\n2. Convert.\n<end_plan>",
    'Thought: search.\n<code>\nconst f = await search_flights({ from: "Lyon", to: "Oslo", date: "2025-06-14" });\nf.length\n</code>',
    "Thought: print the first.\n<code>\nconsole.log(f[0].price)\n</code>",
    "## 1. Facts\n### 1.2. Facts learned so far\n- 3 flights\n## 2. Plan\n1. Answer.\n<end_plan>",
    "Thought: answer.\n<code>\nfinal_answer(f.length)\n</code>",
  ], { planningInterval: 2 });
  await using _ = agent;
  const events = await collect(agent.stream("How many flights?"));
  const plans = events.flatMap((e) => (e.type === "planning" ? [`${e.kind}@${e.stepNumber}`] : []));
  assertEquals(plans, ["initial@1", "update@3"]);
  assertEquals(model.calls.map((c) => c.options.stopSequences?.includes("<end_plan>") ?? false), [
    true,
    false,
    false,
    true,
    false,
  ]);
  const last = events.at(-1);
  assertEquals(last?.type === "run_end" && last.output, 3);
});

Deno.test("CodeAgent e2e: step callbacks run in order with the step and the agent", async () => {
  const seen: string[] = [];
  const { agent } = agentWith([
    "1. Compute.\n<end_plan>",
    "Thought: compute.\n<code>\nconst x = 6 * 7;\nconsole.log(x);\n</code>",
    "Thought: answer.\n<code>\nfinal_answer(x)\n</code>",
  ], {
    planningInterval: 10,
    stepCallbacks: {
      planning: (step) => void seen.push(`planning:${step.kind}`),
      action: (step, a) =>
        void seen.push(`action:${step.stepNumber}:${step.code?.split("\n").length}:${a === agent}`),
      final_answer: (step) => void seen.push(`final:${step.output}`),
    },
  });
  await using _ = agent;
  await agent.run("6 times 7?");
  assertEquals(seen, ["planning:initial", "action:1:2:true", "action:2:1:true", "final:42"]);
});

Deno.test("CodeAgent e2e: a final-answer check rejects an answer, then accepts the corrected one", async () => {
  const { model, agent } = agentWith([
    'Thought: Easy.\n<code>\nfinal_answer("about 140 euros")\n</code>',
    "Thought: The checker wants a number.\n<code>\nfinal_answer(140.25)\n</code>",
  ], {
    finalAnswerChecks: [
      function mustBeNumber(answer) {
        if (typeof answer !== "number") throw new Error(`expected a number, got ${typeof answer}`);
        return true;
      },
    ],
  });
  await using _ = agent;
  const result = await agent.run("Price in EUR?", { returnFullResult: true });
  assertEquals(result.output, 140.25);
  assertStringIncludes(JSON.stringify(model.calls[1].messages), "expected a number, got string");
});

Deno.test("CodeAgent e2e: at maxSteps one more call writes the answer and the run is max_steps_error", async () => {
  const { model, agent } = agentWith([
    "Thought: look.\n<code>\nconsole.log('still looking')\n</code>",
    "Thought: look more.\n<code>\nconsole.log('still looking, again')\n</code>",
    "I could not finish, but from the logs the best answer is: unknown, still looking.",
  ], { maxSteps: 2 });
  await using _ = agent;
  const result = await agent.run("Find the thing", { returnFullResult: true });
  assertEquals(result.state, "max_steps_error");
  assertStringIncludes(String(result.output), "best answer");
  assertEquals(model.calls.length, 3);
  assertEquals(model.calls[2].options.stopSequences, undefined);
  assertStringIncludes(JSON.stringify(model.calls[2].messages), "still looking, again");
});

Deno.test("CodeAgent e2e: interrupt() stops the run after the current step", async () => {
  const { model, agent } = agentWith([
    "Thought: first.\n<code>\nconsole.log(1)\n</code>",
    "Thought: second.\n<code>\nconsole.log(2)\n</code>",
  ]);
  await using _ = agent;
  const events: AgentEvent[] = [];
  for await (const event of agent.stream("Count")) {
    events.push(event);
    if (event.type === "step_start") agent.interrupt();
  }
  const end = events.at(-1);
  assertEquals(end?.type === "run_end" && end.state, "interrupted");
  assertEquals(model.calls.length, 1);
  // Interrupting right after run() starts stops it before its first step.
  const again = agent.run("Count again");
  agent.interrupt();
  await assertRejects(() => again, AgentError, "interrupted after 0 steps");
  assertEquals(model.calls.length, 1);
});

Deno.test("CodeAgent e2e: reset: false continues with the same memory and sandbox variables", async () => {
  const { model, agent } = agentWith([
    'Thought: remember it.\n<code>\nlet favourite = "Oslo";\nfinal_answer(favourite)\n</code>',
    "Thought: `favourite` is still defined from before.\n<code>\nfinal_answer(favourite.toUpperCase())\n</code>",
  ]);
  await using _ = agent;
  assertEquals(await agent.run("Pick a city"), "Oslo");
  assertEquals(await agent.run("Shout it", { reset: false }), "OSLO");
  const input = JSON.stringify(model.calls[1].messages);
  assertStringIncludes(input, "Pick a city");
  assertStringIncludes(input, "Shout it");
});

Deno.test("CodeAgent e2e: a run with reset: true gets a fresh sandbox, with nothing of the runs before", async () => {
  const { agent } = agentWith([
    "Thought: keep a secret.\n<code>\nlet secret = `s3cret for ${city}`;\nfinal_answer(secret)\n</code>",
    "Thought: look around.\n<code>\nfinal_answer([typeof secret, typeof city])\n</code>",
    "Thought: define.\n<code>\nconst kept = 7;\nfinal_answer(kept)\n</code>",
    "Thought: still there.\n<code>\nfinal_answer(kept * 6)\n</code>",
  ]);
  await using _ = agent;
  assertEquals(
    await agent.run("Remember a secret", { additionalArgs: { city: "Oslo" } }),
    "s3cret for Oslo",
  );
  const first = agent.executor;
  assertEquals(await agent.run("What is defined?"), ["undefined", "undefined"]);
  assert(agent.executor !== first, "the used sandbox was not replaced");
  await assertRejects(() => first.execute("1"), Error, "closed");
  // reset: false keeps the sandbox and its state.
  assertEquals(await agent.run("Define kept"), 7);
  const third = agent.executor;
  assertEquals(await agent.run("Use kept", { reset: false }), 42);
  assertEquals(agent.executor, third);
});

Deno.test("CodeAgent e2e: a managed agent is called from the code and its report comes back", async () => {
  const pricesModel = new ScriptedModel({
    replies: [
      'Thought: search.\n<code>\nconst fl = await search_flights({ from: "Lyon", to: "Oslo", date: "2025-06-14" });\n' +
      "final_answer(`### 1. Short answer\\n${fl.length} flights, from ${Math.min(...fl.map((f) => f.price))} NOK`);\n</code>",
    ],
  });
  const pricer = new CodeAgent({
    model: pricesModel,
    tools: [searchFlights],
    name: "flight_pricer",
    description: "Finds flight prices between two cities.",
    logLevel: LogLevel.OFF,
  });
  await using _pricer = pricer;
  const { model, agent } = agentWith([
    'Thought: I\'ll delegate.\n<code>\nconst report = await flight_pricer({ task: "Find prices Lyon to Oslo on 14 June" });\n' +
    "console.log(report);\n</code>",
    'Thought: done.\n<code>\nfinal_answer(report.includes("1650") ? "from 1650 NOK" : "unknown")\n</code>',
  ], { managedAgents: [pricer] });
  await using _ = agent;
  assertStringIncludes(agent.memory.systemPrompt.systemPrompt, "declare function flight_pricer(");
  assertEquals(await agent.run("Cheapest Lyon-Oslo?"), "from 1650 NOK");
  assertStringIncludes(String(pricesModel.calls[0].messages[1].content), 'You are "flight_pricer"');
  const observation = String(model.calls[1].messages.at(-1)?.content);
  assertStringIncludes(observation, 'Report from team member "flight_pricer"');
  assertStringIncludes(observation, "3 flights, from 1650 NOK");
});

Deno.test("CodeAgent e2e: the code calls one managed agent twice with Promise.all; both runs stream through the manager", async () => {
  // The managed agent answers with the route of the task it was given.
  const route = (messages: { content: unknown }[]) =>
    JSON.stringify(messages[1].content).match(/(Lyon|Paris) to Oslo/)?.[0];
  const pricer = new CodeAgent({
    model: new ScriptedModel({
      replies: Array.from(
        { length: 2 },
        () => (messages) =>
          `Thought: answer.\n<code>\nfinal_answer("priced ${route(messages)}")\n</code>`,
      ),
    }),
    name: "flight_pricer",
    description: "Finds flight prices between two cities.",
    logLevel: LogLevel.OFF,
  });
  await using _pricer = pricer;
  const { agent } = agentWith([
    "Thought: both routes at once.\n<code>\nconst [a, b] = await Promise.all([\n" +
    '  flight_pricer({ task: "Lyon to Oslo" }),\n  flight_pricer({ task: "Paris to Oslo" }),\n]);\n' +
    'final_answer([a.includes("priced Lyon to Oslo"), b.includes("priced Paris to Oslo")]);\n</code>',
  ], { managedAgents: [pricer] });
  await using _ = agent;
  const events = await collect(agent.stream("Price both routes"));
  const end = events.at(-1);
  assert(end?.type === "run_end");
  assertEquals([end.state, end.output], ["success", [true, true]]);
  const runs = events.flatMap((e) =>
    e.type === "managed_agent_event" && e.agentName === "flight_pricer" &&
      (e.event.type === "run_start" || e.event.type === "run_end")
      ? [e.event.type]
      : []
  );
  assertEquals(runs, ["run_start", "run_end", "run_start", "run_end"]);
});

Deno.test("CodeAgent e2e: stream() yields the events of each step in order", async () => {
  const { agent } = agentWith([
    'Thought: compute.\n<code>\nconsole.log("hi");\n2 + 2\n</code>',
    "Thought: answer.\n<code>\nfinal_answer(4)\n</code>",
  ]);
  await using _ = agent;
  const types = (await collect(agent.stream("2+2?"))).filter((e) => e.type !== "model_stream_delta")
    .map((e) => e.type);
  const step = [
    "step_start",
    "model_output",
    "code_action",
    "code_output",
    "observation",
    "step_end",
  ];
  assertEquals(types, ["run_start", ...step, ...step, "final_answer", "run_end"]);
});

Deno.test("CodeAgent e2e: token usage of every call adds up to the run's total", async () => {
  const { model, agent } = agentWith([
    "1. Do it.\n<end_plan>",
    "Thought: step.\n<code>\nconst y = 1;\n</code>",
    "Thought: answer.\n<code>\nfinal_answer(y)\n</code>",
  ], { planningInterval: 5 });
  await using _ = agent;
  const result = await agent.run("One?", { returnFullResult: true });
  const expected = addTokenUsage(...model.calls.map((c) => c.reply?.tokenUsage));
  assert(expected.inputTokens > 0 && expected.outputTokens > 0);
  assertEquals(result.tokenUsage, expected);
  const perStep = result.steps.flatMap((s) =>
    s.type === "action" || s.type === "planning" ? [s.tokenUsage] : []
  );
  assertEquals(addTokenUsage(...perStep), expected);
});

Deno.test("CodeAgent e2e: a denied permission is reported with its kind, and granted access works", async () => {
  const { agent } = agentWith([
    'Thought: read the env.\n<code>\nconsole.log(Deno.env.get("HOME"))\n</code>',
    'Thought: not allowed; answer without it.\n<code>\nfinal_answer("no access")\n</code>',
  ]);
  await using _ = agent;
  const result = await agent.run("Home dir?", { returnFullResult: true });
  const failed = result.steps[1];
  assert(failed.type === "action");
  assertEquals(failed.error?.kind, "permission");
  assertEquals(failed.error?.permission, "env");
  assertEquals(result.output, "no access");
});

Deno.test("CodeAgent e2e: additional args are variables in the sandbox", async () => {
  const { model, agent } = agentWith([
    "Thought: use the given table.\n<code>\nfinal_answer(sales.reduce((a, b) => a + b, 0))\n</code>",
  ]);
  await using _ = agent;
  assertEquals(await agent.run("Total sales?", { additionalArgs: { sales: [3, 4, 5] } }), 12);
  assertStringIncludes(String(model.calls[0].messages[1].content), "- sales: [ 3, 4, 5 ]");
});

Deno.test("CodeAgent e2e: close() stops the sandbox the agent started", async () => {
  const { agent } = agentWith(["<code>\nfinal_answer(1)\n</code>"]);
  await agent.run("One");
  const executor = agent.executor as { pid?: number };
  assert(executor.pid !== undefined, "a sandbox is running");
  await agent.close();
  assertEquals(executor.pid, undefined);
  await agent.close();
});

Deno.test("CodeAgent e2e: timeoutMs reaches the sandbox; the model learns its state was lost", async () => {
  const { model, agent } = agentWith([
    'Thought: set up, then loop (oops).\n<code>\nconst base = 10;\nconsole.log("ready");\n</code>',
    "Thought: spin.\n<code>\nwhile (true) {}\n</code>",
    "Thought: the sandbox restarted, so I define base again.\n<code>\nconst base = 10;\nfinal_answer(base * 2)\n</code>",
  ], { timeoutMs: 1_000 });
  await using _ = agent;
  const result = await agent.run("Double ten", { returnFullResult: true });
  assertEquals(result.output, 20);
  const timedOut = result.steps[2];
  assert(timedOut.type === "action");
  assertEquals(timedOut.error?.kind, "timeout");
  assertMatch(String(model.calls[2].messages.at(-1)?.content), /restart|gone|lost/i);
});

Deno.test("CodeAgent e2e: aborting the signal stops a running execution and the agent stays usable", async () => {
  const controller = new AbortController();
  const { agent } = agentWith([
    "Thought: wait for a long time.\n<code>\nawait new Promise((r) => setTimeout(r, 60_000));\n</code>",
    'Thought: quick one.\n<code>\nfinal_answer("after abort")\n</code>',
  ]);
  await using _ = agent;
  const events = agent.stream("Wait", { signal: controller.signal });
  const pending = (async () => {
    for await (const event of events) {
      if (event.type === "code_action") {
        setTimeout(() => controller.abort(new Error("user cancelled")), 200);
      }
    }
  })();
  const error = await assertRejects(() => pending);
  assertStringIncludes(error.message, "user cancelled");
  assertEquals(await agent.run("Again"), "after abort");
});

Deno.test("CodeAgent e2e: stream() reports the tool calls the code made, in call order", async () => {
  const { agent } = agentWith([
    "Thought: two searches at once, then a conversion.\n<code>\nconst [a, b] = await Promise.all([\n" +
    '  search_flights({ from: "Lyon", to: "Oslo", date: "2025-06-14" }),\n' +
    '  search_flights({ from: "Nice", to: "Oslo", date: "2025-06-14" }),\n]);\n' +
    'const eur = await convert_currency({ amount: a[0].price, from: "NOK", to: "XYZ", extra: 1 }).catch((e) => String(e));\n' +
    "console.log(a.length + b.length, eur);\n</code>",
    "Thought: done.\n<code>\nfinal_answer(a.length + b.length)\n</code>",
  ]);
  await using _ = agent;
  const events = await collect(agent.stream("Count flights"));
  const calls = events.flatMap((e) => e.type === "tool_call" ? [`${e.name}:${e.stepNumber}`] : []);
  assertEquals(calls, ["search_flights:1", "search_flights:1", "convert_currency:1"]);
  const results = events.filter((e) => e.type === "tool_result");
  assertEquals(results.length, 3);
  const failed = results[2];
  assert(failed.type === "tool_result" && failed.error !== undefined);
  assertEquals(failed.error.name, "AgentToolCallError");
  const firstCodeOutput = events.findIndex((e) => e.type === "code_output");
  assert(events.findIndex((e) => e.type === "tool_result") < firstCodeOutput);
});

Deno.test("CodeAgent e2e: the sandbox starts while the first model call is still running", async () => {
  // The model reads the agent built below it, so it reaches it through a holder.
  const holder: { agent?: CodeAgent } = {};
  let sandboxUpDuringModelCall = false;
  // The model answers only once it sees a running sandbox (or gives up after
  // a bounded wait): a sandbox that starts at the first execute never shows up.
  const model = new ScriptedModel({
    replies: [async () => {
      const executor = holder.agent!.executor as { pid?: number };
      for (let i = 0; i < 200 && executor.pid === undefined; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      sandboxUpDuringModelCall = executor.pid !== undefined;
      return "Thought: done.\n<code>final_answer(6 * 7)</code>";
    }],
  });
  await using agent = new CodeAgent({ model, tools: [], logLevel: LogLevel.OFF });
  holder.agent = agent;
  assertEquals(await agent.run("6 times 7?"), 42);
  assert(sandboxUpDuringModelCall, "the sandbox was not started before the first execute");
});
