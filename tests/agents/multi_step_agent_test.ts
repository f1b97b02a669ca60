// The loop shared by every agent, driven through a ToolCallingAgent so no
// sandbox is needed; the CodeAgent end-to-end suite repeats the key cases with
// the real DenoExecutor.
import { ToolCallingAgent } from "../../src/agents/tool_calling_agent.ts";
import type { StepCallbacks } from "../../src/agents/multi_step_agent.ts";
import { AgentError, AgentGenerationError } from "../../src/errors.ts";
import type { AgentEvent } from "../../src/events.ts";
import { ScriptedModel } from "../../src/testing.ts";
import { tool } from "../../src/tool.ts";
import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "../_assert.ts";
import { answer, call, lookup, OFF } from "./_fixtures.ts";

async function collect(events: AsyncIterable<AgentEvent>): Promise<AgentEvent[]> {
  const all: AgentEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

Deno.test("MultiStepAgent rejects bad options at construction, before any model call", () => {
  const model = new ScriptedModel({ replies: [] });
  assertThrows(() => new ToolCallingAgent({} as never), TypeError, '"model" must be a Model');
  assertThrows(
    () => new ToolCallingAgent({ logLevel: OFF, model, maxSteps: 0 }),
    RangeError,
    "maxSteps",
  );
  assertThrows(
    () => new ToolCallingAgent({ logLevel: OFF, model, planningInterval: 1.5 }),
    RangeError,
  );
  assertThrows(
    () => new ToolCallingAgent({ logLevel: OFF, model, tools: [lookup, lookup] }),
    TypeError,
    'two tools are named "lookup"',
  );
  assertThrows(
    () =>
      new ToolCallingAgent({
        logLevel: OFF,
        model,
        managedAgents: [new ToolCallingAgent({ logLevel: OFF, model })],
      }),
    TypeError,
    "needs a name and a description",
  );
  assertThrows(
    () => new ToolCallingAgent({ logLevel: OFF, model, name: "not valid" }),
    TypeError,
    "valid identifier",
  );
  assertThrows(
    () =>
      new ToolCallingAgent({ logLevel: OFF, model, stepCallbacks: { acton: [] } as StepCallbacks }),
    TypeError,
    'unknown step type "acton"',
  );
  assertThrows(
    () => new ToolCallingAgent({ logLevel: OFF, model, finalAnswerChecks: [42 as never] }),
    TypeError,
  );
  assertThrows(
    () =>
      new ToolCallingAgent({
        logLevel: OFF,
        model,
        promptTemplates: { systemPrompt: "x" } as never,
      }),
    TypeError,
    "Prompt templates are missing",
  );
  assertEquals(model.calls.length, 0);
});

Deno.test("MultiStepAgent.stream() yields events in order from run_start to run_end", async () => {
  const model = new ScriptedModel({ replies: [call("lookup", { query: "x" }), answer("done")] });
  const agent = new ToolCallingAgent({ logLevel: OFF, model, tools: [lookup] });
  const types = (await collect(agent.stream("Find x"))).filter((e) =>
    e.type !== "model_stream_delta"
  )
    .map((e) => e.type);
  assertEquals(types, [
    "run_start",
    "step_start",
    "model_output",
    "tool_call",
    "tool_result",
    "observation",
    "step_end",
    "step_start",
    "model_output",
    "tool_call",
    "tool_result",
    "observation",
    "step_end",
    "final_answer",
    "run_end",
  ]);
});

Deno.test("MultiStepAgent.stream() forwards the model's stream deltas when it streams", async () => {
  const model = new ScriptedModel({
    replies: ['{"name": "final_answer", "arguments": {"answer": "a long answer"}}'],
  });
  const agent = new ToolCallingAgent({ logLevel: OFF, model });
  const deltas = (await collect(agent.stream("Go"))).filter((e) => e.type === "model_stream_delta");
  assert(deltas.length > 1, "expected several deltas");
  assertEquals(model.calls[0].stream, true);
  const quiet = new ScriptedModel({ replies: [answer(1)] });
  await new ToolCallingAgent({ logLevel: OFF, model: quiet, streamOutputs: false }).run("Go");
  assertEquals(quiet.calls[0].stream, false);
});

Deno.test("MultiStepAgent.run() returns a full result with state, steps, token usage and timing", async () => {
  const model = new ScriptedModel({
    replies: [
      { ...call("lookup", { query: "x" }), tokenUsage: { inputTokens: 100, outputTokens: 10 } },
      { ...answer("ok"), tokenUsage: { inputTokens: 150, outputTokens: 5 } },
    ],
  });
  const agent = new ToolCallingAgent({
    logLevel: OFF,
    model,
    tools: [lookup],
    streamOutputs: false,
  });
  const result = await agent.run("Find x", { returnFullResult: true });
  assertEquals(result.output, "ok");
  assertEquals(result.state, "success");
  assertEquals(result.tokenUsage, { inputTokens: 250, outputTokens: 15 });
  assertEquals(result.steps.map((s) => s.type), ["task", "action", "action", "final_answer"]);
  assert(result.timing.duration !== undefined && result.timing.duration >= 0);
  const actions = result.steps.filter((s) => s.type === "action");
  assert(actions.every((s) => s.timing.endTime !== undefined));
});

Deno.test("MultiStepAgent shows a failed tool call to the model, which retries", async () => {
  let attempts = 0;
  const flaky = tool({
    name: "flaky",
    description: "Fails once.",
    inputs: {},
    outputType: "string",
    forward: () => {
      if (attempts++ === 0) throw new Error("service unavailable");
      return "worked";
    },
  });
  const model = new ScriptedModel({
    replies: [call("flaky", {}), call("flaky", {}), answer("worked")],
  });
  const agent = new ToolCallingAgent({ logLevel: OFF, model, tools: [flaky] });
  const result = await agent.run("Try", { returnFullResult: true });
  assertEquals(result.output, "worked");
  const secondCall = JSON.stringify(model.calls[1].messages);
  assertStringIncludes(secondCall, "service unavailable");
  const first = result.steps[1];
  assertEquals(first.type === "action" && first.error?.name, "AgentToolExecutionError");
});

Deno.test("MultiStepAgent ends the run on a model failure instead of retrying", async () => {
  const model = new ScriptedModel({ replies: [] });
  const agent = new ToolCallingAgent({ logLevel: OFF, model });
  await assertRejects(() => agent.run("Go"), AgentGenerationError, "no reply left");
});

Deno.test("MultiStepAgent plans before step 1 and then every planningInterval steps", async () => {
  const plans: string[] = [];
  const model = new ScriptedModel({
    replies: [
      "1. Look up x.\n2. Answer.\n<end_plan>",
      call("lookup", { query: "a" }),
      call("lookup", { query: "b" }),
      "1. Answer now.",
      answer("done"),
    ],
  });
  const agent = new ToolCallingAgent({
    logLevel: OFF,
    model,
    tools: [lookup],
    planningInterval: 2,
    stepCallbacks: { planning: (step) => void plans.push(step.kind) },
  });
  const events = await collect(agent.stream("Find x"));
  const planning = events.filter((e) => e.type === "planning");
  assertEquals(planning.map((e) => e.type === "planning" && [e.stepNumber, e.kind]), [
    [1, "initial"],
    [3, "update"],
  ]);
  assertEquals(plans, ["initial", "update"]);
  // The update sees what happened but not the old plan.
  const updateInput = JSON.stringify(model.calls[3].messages);
  assertStringIncludes(updateInput, "fact about a");
  assert(!updateInput.includes("Look up x."), "the update prompt shows the old plan");
  assertEquals(model.calls[0].options.stopSequences, ["<end_plan>"]);
  // Later action steps see the latest plan.
  assertStringIncludes(JSON.stringify(model.calls[4].messages), "1. Answer now.");
});

Deno.test("MultiStepAgent runs step callbacks by type, in order, with the agent", async () => {
  const seen: string[] = [];
  const model = new ScriptedModel({ replies: ["plan", call("lookup", { query: "q" }), answer(7)] });
  const agent: ToolCallingAgent = new ToolCallingAgent({
    logLevel: OFF,
    model,
    tools: [lookup],
    planningInterval: 5,
    stepCallbacks: {
      action: [
        (step, a) => void seen.push(`action ${step.stepNumber} ${a === agent}`),
        (step) => void seen.push(`action-2 ${step.stepNumber}`),
      ],
      planning: (step) => void seen.push(`planning ${step.kind}`),
      final_answer: (step) => void seen.push(`final ${step.output}`),
    },
  });
  await agent.run("Go");
  assertEquals(seen, [
    "planning initial",
    "action 1 true",
    "action-2 1",
    "action 2 true",
    "action-2 2",
    "final 7",
  ]);
});

Deno.test("MultiStepAgent accepts an array of step callbacks as action callbacks", async () => {
  const steps: number[] = [];
  const model = new ScriptedModel({ replies: [answer(1)] });
  await new ToolCallingAgent({
    logLevel: OFF,
    model,
    stepCallbacks: [(s) => void steps.push(s.stepNumber)],
  }).run(
    "Go",
  );
  assertEquals(steps, [1]);
});

Deno.test("MultiStepAgent feeds a rejected final answer back, then accepts a corrected one", async () => {
  const model = new ScriptedModel({ replies: [answer("twelve"), answer(12)] });
  const agent = new ToolCallingAgent({
    logLevel: OFF,
    model,
    finalAnswerChecks: [
      function isNumber(value, memory, a) {
        assert(memory === a.memory);
        if (typeof value !== "number") throw new Error("the answer must be a number");
        return true;
      },
    ],
  });
  const result = await agent.run("How many?", { returnFullResult: true });
  assertEquals(result.output, 12);
  const first = result.steps[1];
  assert(first.type === "action" && !first.isFinalAnswer);
  assertStringIncludes(
    first.error?.message ?? "",
    'Final answer check "isNumber" rejected the answer',
  );
  assertStringIncludes(JSON.stringify(model.calls[1].messages), "the answer must be a number");
});

Deno.test("MultiStepAgent rejects an answer when a check returns false", async () => {
  const model = new ScriptedModel({ replies: [answer("a"), answer("b")] });
  const agent = new ToolCallingAgent({
    logLevel: OFF,
    model,
    finalAnswerChecks: [(v) => v === "b"],
  });
  assertEquals(await agent.run("Go"), "b");
});

Deno.test("MultiStepAgent asks for a best answer at maxSteps and marks the run max_steps_error", async () => {
  const model = new ScriptedModel({
    replies: [call("lookup", { query: "a" }), call("lookup", { query: "b" }), "Best guess: 42"],
  });
  const agent = new ToolCallingAgent({ logLevel: OFF, model, tools: [lookup], maxSteps: 5 });
  const result = await agent.run("Find it", { maxSteps: 2, returnFullResult: true });
  assertEquals(result.state, "max_steps_error");
  assertEquals(result.output, "Best guess: 42");
  const last = model.calls[2];
  assertEquals(last.messages[0].role, "system");
  assertStringIncludes(String(last.messages.at(-1)?.content), "Find it");
  assertStringIncludes(JSON.stringify(last.messages), "fact about b");
  const fallback = result.steps.filter((s) => s.type === "action").at(-1);
  assertEquals(fallback?.type === "action" && fallback.error?.name, "AgentMaxStepsError");
});

Deno.test("MultiStepAgent.interrupt() stops the run after the current step", async () => {
  const model = new ScriptedModel({
    replies: [call("lookup", { query: "a" }), call("lookup", { query: "b" })],
  });
  const agent: ToolCallingAgent = new ToolCallingAgent({
    logLevel: OFF,
    model,
    tools: [lookup],
    stepCallbacks: { action: () => agent.interrupt() },
  });
  const result = await agent.run("Go", { returnFullResult: true });
  assertEquals(result.state, "interrupted");
  assertEquals(result.output, null);
  assertEquals(model.calls.length, 1);
  const again = new ScriptedModel({ replies: [call("lookup", { query: "a" })] });
  const other: ToolCallingAgent = new ToolCallingAgent({
    logLevel: OFF,
    model: again,
    tools: [lookup],
    stepCallbacks: [() => other.interrupt()],
  });
  await assertRejects(() => other.run("Go"), AgentError, "interrupted");
});

Deno.test("MultiStepAgent continues the conversation with reset: false", async () => {
  const model = new ScriptedModel({ replies: [answer("Paris"), answer("Lyon")] });
  const agent = new ToolCallingAgent({ logLevel: OFF, model });
  await agent.run("Capital of France?");
  await agent.run("And its second city?", { reset: false });
  const input = JSON.stringify(model.calls[1].messages);
  assertStringIncludes(input, "Capital of France?");
  assertStringIncludes(input, "And its second city?");
  assertEquals(agent.memory.steps.filter((s) => s.type === "task").length, 2);
  await agent.run("New topic", { reset: true }).catch(() => {});
  assertEquals(agent.memory.steps.filter((s) => s.type === "task").length, 1);
});

Deno.test("MultiStepAgent describes additional arguments in the task and keeps them as state", async () => {
  const model = new ScriptedModel({ replies: [answer("ok")] });
  const agent = new ToolCallingAgent({ logLevel: OFF, model });
  await agent.run("Summarize the report", { additionalArgs: { report: "Q3 revenue rose 4%" } });
  assertStringIncludes(
    JSON.stringify(model.calls[0].messages),
    '- report: \\"Q3 revenue rose 4%\\"',
  );
  assertEquals(agent.state.report, "Q3 revenue rose 4%");
});

Deno.test("MultiStepAgent passes task images to the model", async () => {
  const model = new ScriptedModel({ replies: [answer("a cat")] });
  const agent = new ToolCallingAgent({ logLevel: OFF, model });
  const image = { type: "image" as const, data: new Uint8Array([1, 2, 3]), mimeType: "image/png" };
  await agent.run("What is this?", { images: [image] });
  const task = model.calls[0].messages[1];
  assert(Array.isArray(task.content));
  assertEquals(task.content[1], { type: "image", image: image.data, mimeType: "image/png" });
});

Deno.test("MultiStepAgent calls a managed agent like a tool and returns its report", async () => {
  const workerModel = new ScriptedModel({ replies: [answer("The population is 2.1 million.")] });
  const worker = new ToolCallingAgent({
    logLevel: OFF,
    model: workerModel,
    name: "researcher",
    description: "Finds facts on the web.",
    provideRunSummary: true,
  });
  const managerModel = new ScriptedModel({
    replies: [
      call("researcher", { task: "Population of Paris?", additional_args: { year: 2024 } }),
      answer("2.1 million"),
    ],
  });
  const manager = new ToolCallingAgent({
    logLevel: OFF,
    model: managerModel,
    managedAgents: [worker],
  });
  assertStringIncludes(
    manager.memory.systemPrompt.systemPrompt,
    "- researcher: Finds facts on the web.",
  );
  const result = await manager.run("How many people live in Paris?", { returnFullResult: true });
  assertEquals(result.output, "2.1 million");
  const workerTask = String(workerModel.calls[0].messages[1].content);
  assertStringIncludes(workerTask, 'You are "researcher"');
  assertStringIncludes(workerTask, "Population of Paris?");
  assertStringIncludes(workerTask, "- year: 2024");
  const report = JSON.stringify(managerModel.calls[1].messages);
  assertStringIncludes(report, 'Report from team member \\"researcher\\"');
  assertStringIncludes(report, "The population is 2.1 million.");
  assertStringIncludes(report, "<summary_of_work>");
});

Deno.test("MultiStepAgent.replay() returns the events of the last run from memory", async () => {
  const model = new ScriptedModel({ replies: [call("lookup", { query: "x" }), answer("ok")] });
  const agent = new ToolCallingAgent({ logLevel: OFF, model, tools: [lookup] });
  await agent.run("Find x");
  const types = agent.replay().map((e) => e.type);
  assertEquals(types[0], "run_start");
  assertEquals(types.at(-1), "final_answer");
  assertEquals(types.filter((t) => t === "tool_call").length, 2);
});

Deno.test("MultiStepAgent refuses to run twice at the same time", async () => {
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  const model = new ScriptedModel({ replies: [async () => (await gate, answer(1))] });
  const agent = new ToolCallingAgent({ logLevel: OFF, model });
  const first = agent.run("Go");
  await new Promise((r) => setTimeout(r, 0));
  await assertRejects(() => agent.run("Again"), AgentError, "already running");
  release();
  assertEquals(await first, 1);
});

Deno.test("MultiStepAgent aborts the run when the signal fires", async () => {
  const controller = new AbortController();
  const model = new ScriptedModel({
    replies: [
      () => (controller.abort(new Error("stop now")), call("lookup", { query: "a" })),
      answer(1),
    ],
  });
  const agent = new ToolCallingAgent({ logLevel: OFF, model, tools: [lookup] });
  const error = await assertRejects(() => agent.run("Go", { signal: controller.signal }));
  assertStringIncludes(error.message, "stop now");
});

Deno.test("MultiStepAgent sends every event to its logger as the stream yields it", async () => {
  const logged: AgentEvent[] = [];
  const model = new ScriptedModel({ replies: [call("lookup", { query: "x" }), answer("ok")] });
  const agent = new ToolCallingAgent({
    logLevel: OFF,
    model,
    tools: [lookup],
    logger: { log: (e) => logged.push(e) },
  });
  const streamed = await collect(agent.stream("Go"));
  assertEquals(logged, streamed);
  const replayed = agent.replay();
  assertEquals(logged.slice(streamed.length), replayed);
  assertThrows(
    () => new ToolCallingAgent({ logLevel: OFF, model, logger: {} as never }),
    TypeError,
    "log(event)",
  );
});

Deno.test("MultiStepAgent can run again after a consumer stopped reading the stream early", async () => {
  const model = new ScriptedModel({
    replies: [call("lookup", { query: "x" }), answer("second run")],
  });
  const agent = new ToolCallingAgent({
    logLevel: OFF,
    model,
    tools: [lookup],
    logger: { log: () => {} },
  });
  for await (const event of agent.stream("Go")) if (event.type === "step_start") break;
  assertEquals(await agent.run("Again"), "second run");
});

Deno.test("MultiStepAgent.run() rejects bad run options before calling the model", async () => {
  const model = new ScriptedModel({ replies: [answer(1)] });
  const agent = new ToolCallingAgent({ logLevel: OFF, model });
  await assertRejects(() => agent.run(""), TypeError, "non-empty string");
  await assertRejects(() => agent.run("Go", { maxSteps: 0 }), RangeError, "maxSteps");
  await assertRejects(
    () => agent.run("Go", { additionalArgs: "x" as never }),
    TypeError,
    "additionalArgs must be an object",
  );
  await assertRejects(() => agent.run("Go", { images: ["a.png"] as never }), TypeError, "images");
  assertEquals(model.calls.length, 0);
});
