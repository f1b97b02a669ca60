// MultiStepAgent.step(): a run driven one step at a time, through a
// ToolCallingAgent (no sandbox) and a CodeAgent with a recording executor.
import { CodeAgent } from "../../src/agents/code_agent.ts";
import { ToolCallingAgent } from "../../src/agents/tool_calling_agent.ts";
import { AgentError } from "../../src/errors.ts";
import type { AgentEvent } from "../../src/events.ts";
import type { CodeOutput, Executor } from "../../src/executor.ts";
import type { MemoryStep } from "../../src/memory.ts";
import { ScriptedModel } from "../../src/testing.ts";
import { type Tool, tool } from "../../src/tool.ts";
import { assert, assertEquals, assertRejects, assertStringIncludes } from "../_assert.ts";
import { answer, call, lookup, OFF } from "./_fixtures.ts";

// What memory holds, without timings (they differ from run to run).
function shape(steps: MemoryStep[]): unknown[] {
  return steps.map((s) =>
    s.type === "action"
      ? [s.type, s.stepNumber, s.observations, s.error?.name, s.isFinalAnswer, s.actionOutput]
      : s.type === "task"
      ? [s.type, s.task]
      : s.type === "planning"
      ? [s.type, s.plan]
      : [s.type, s.output]
  );
}

Deno.test("MultiStepAgent.step() takes one step per call and ends the run with the final answer", async () => {
  const model = new ScriptedModel({ replies: [call("lookup", { query: "x" }), answer("ok")] });
  const agent = new ToolCallingAgent({ logLevel: OFF, model, tools: [lookup] });
  const first = await agent.step("Find x");
  assertEquals(model.calls.length, 1);
  assertEquals(first.isFinalAnswer, false);
  assertEquals(first.output, "fact about x");
  assertEquals(first.step.stepNumber, 1);
  assertEquals(first.step.observations, "fact about x");
  assertEquals(first.run, undefined);
  assertEquals(agent.memory.steps.map((s) => s.type), ["task", "action"]);
  assert(agent.memory.steps[1] === first.step, "the result's step is the one in memory");

  const second = await agent.step();
  assertEquals(model.calls.length, 2);
  assertStringIncludes(JSON.stringify(model.calls[1].messages), "fact about x");
  assertEquals(second.isFinalAnswer, true);
  assertEquals(second.output, "ok");
  assertEquals(second.step.stepNumber, 2);
  assertEquals(second.run?.state, "success");
  assertEquals(second.run?.output, "ok");
  assertEquals(second.run?.steps.map((s) => s.type), ["task", "action", "action", "final_answer"]);
  await assertRejects(() => agent.step(), TypeError, "no run is in progress");
});

Deno.test("MultiStepAgent.step() leaves the memory run() leaves, and run({ reset: false }) continues it", async () => {
  const script = () => [call("lookup", { query: "x" }), answer("ok"), answer("again")];
  const stepped = new ToolCallingAgent({
    logLevel: OFF,
    model: new ScriptedModel({ replies: script() }),
    tools: [lookup],
  });
  const ran = new ToolCallingAgent({
    logLevel: OFF,
    model: new ScriptedModel({ replies: script() }),
    tools: [lookup],
  });
  let result = await stepped.step("Find x", { additionalArgs: { hint: "h" } });
  while (!result.isFinalAnswer) result = await stepped.step();
  await ran.run("Find x", { additionalArgs: { hint: "h" } });
  assertEquals(shape(stepped.memory.steps), shape(ran.memory.steps));
  assertEquals(stepped.state, ran.state);

  const model = stepped.model as ScriptedModel;
  assertEquals(await stepped.run("Once more", { reset: false }), "again");
  assertStringIncludes(JSON.stringify(model.calls[2].messages), "fact about x");
  assertEquals(stepped.memory.steps.filter((s) => s.type === "task").length, 2);
});

Deno.test("MultiStepAgent.step() plans when planningInterval says so", async () => {
  const model = new ScriptedModel({
    replies: [
      "1. Look up a.\n<end_plan>",
      call("lookup", { query: "a" }),
      call("lookup", { query: "b" }),
      "1. Answer.\n<end_plan>",
      answer("done"),
    ],
  });
  const agent = new ToolCallingAgent({
    logLevel: OFF,
    model,
    tools: [lookup],
    planningInterval: 2,
  });
  const first = await agent.step("Find a");
  assertEquals(first.planningStep?.kind, "initial");
  assertEquals(first.planningStep?.plan, "1. Look up a.");
  const second = await agent.step();
  assertEquals(second.planningStep, undefined);
  const third = await agent.step();
  assertEquals(third.planningStep?.kind, "update");
  assertEquals(third.output, "done");
  assertEquals(agent.memory.steps.map((s) => s.type), [
    "task",
    "planning",
    "action",
    "action",
    "planning",
    "action",
    "final_answer",
  ]);
});

Deno.test("MultiStepAgent.step() records a failed action in memory instead of throwing", async () => {
  const broken = tool({
    name: "broken",
    description: "Always fails.",
    inputs: {},
    outputType: "string",
    forward: () => {
      throw new Error("disk full");
    },
  });
  const model = new ScriptedModel({ replies: [call("broken", {}), answer("recovered")] });
  const agent = new ToolCallingAgent({ logLevel: OFF, model, tools: [broken] });
  const failed = await agent.step("Save it");
  assertEquals(failed.isFinalAnswer, false);
  assertEquals(failed.output, undefined);
  assertEquals(failed.step.error?.name, "AgentToolExecutionError");
  const next = await agent.step();
  assertStringIncludes(JSON.stringify(model.calls[1].messages), "disk full");
  assertEquals(next.output, "recovered");
});

Deno.test("MultiStepAgent.step() runs step callbacks and final-answer checks", async () => {
  const seen: string[] = [];
  const model = new ScriptedModel({ replies: [answer("four"), answer(4)] });
  const agent = new ToolCallingAgent({
    logLevel: OFF,
    model,
    finalAnswerChecks: [function isNumber(value) {
      return typeof value === "number";
    }],
    stepCallbacks: {
      action: (step) => void seen.push(`action ${step.stepNumber}`),
      final_answer: (step) => void seen.push(`final ${step.output}`),
    },
  });
  const rejected = await agent.step("2 + 2?");
  assertEquals(rejected.isFinalAnswer, false);
  assertStringIncludes(rejected.step.error?.message ?? "", 'Final answer check "isNumber"');
  assertEquals(seen, ["action 1"]);
  const accepted = await agent.step();
  assertEquals(accepted.isFinalAnswer, true);
  assertEquals(accepted.output, 4);
  assertEquals(seen, ["action 1", "action 2", "final 4"]);
});

Deno.test("MultiStepAgent.step() writes the fallback answer once maxSteps steps have run", async () => {
  const model = new ScriptedModel({ replies: [call("lookup", { query: "a" }), "Best guess: 42"] });
  const agent = new ToolCallingAgent({ logLevel: OFF, model, tools: [lookup], maxSteps: 5 });
  const first = await agent.step("Find it", { maxSteps: 1 });
  assertEquals(first.isFinalAnswer, false);
  const fallback = await agent.step();
  assertEquals(fallback.isFinalAnswer, true);
  assertEquals(fallback.output, "Best guess: 42");
  assertEquals(fallback.step.error?.name, "AgentMaxStepsError");
  assertEquals(fallback.run?.state, "max_steps_error");
  assertEquals(agent.memory.steps.at(-1), { type: "final_answer", output: "Best guess: 42" });
});

Deno.test("MultiStepAgent.step() rejects when its signal fires and keeps the run open", async () => {
  const controller = new AbortController();
  const model = new ScriptedModel({
    replies: [
      () => (controller.abort(new Error("stop now")), call("lookup", { query: "a" })),
      answer("finished"),
    ],
  });
  const agent = new ToolCallingAgent({ logLevel: OFF, model, tools: [lookup] });
  const error = await assertRejects(() => agent.step("Go", { signal: controller.signal }));
  assertStringIncludes(error.message, "stop now");
  const next = await agent.step();
  assertEquals(next.step.stepNumber, 2);
  assertEquals(next.output, "finished");
  // A signal that has fired already stops the step before the model is called.
  const calls = model.calls.length;
  await assertRejects(() => agent.step("Again", { signal: AbortSignal.abort(new Error("no")) }));
  assertEquals(model.calls.length, calls);
});

Deno.test("MultiStepAgent.step() rejects misuse with a TypeError saying what to do", async () => {
  const model = new ScriptedModel({ replies: [call("lookup", { query: "a" })] });
  const agent = new ToolCallingAgent({ logLevel: OFF, model, tools: [lookup] });
  await assertRejects(() => agent.step(), TypeError, 'start one with a task, agent.step("…")');
  await assertRejects(() => agent.step(""), TypeError, "Cannot step ToolCallingAgent");
  await assertRejects(() => agent.step("Go", { maxSteps: 0 }), RangeError, "maxSteps");
  await assertRejects(
    () => agent.step("Go", { additionalArgs: [] as never }),
    TypeError,
    "Cannot step ToolCallingAgent: additionalArgs",
  );
  await assertRejects(() => agent.step(42 as never), TypeError, "got number");
  assertEquals(model.calls.length, 0);
  await agent.step("Go");
  await assertRejects(
    () => agent.step({ reset: false } as never),
    TypeError,
    '"reset" can only be given with a task',
  );
  await assertRejects(() => agent.step({ signal: "x" as never }), TypeError, "AbortSignal");
  assertEquals(model.calls.length, 1);
});

Deno.test("MultiStepAgent.step() refuses to overlap another step or a run", async () => {
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  const model = new ScriptedModel({
    replies: [call("lookup", { query: "a" }), async () => (await gate, answer(1))],
  });
  const agent = new ToolCallingAgent({ logLevel: OFF, model, tools: [lookup] });
  await agent.step("Go");
  const busy = agent.step();
  await assertRejects(() => agent.step(), AgentError, "already running");
  await assertRejects(() => agent.run("Other"), AgentError, "already running");
  release();
  assertEquals((await busy).output, 1);
});

Deno.test("MultiStepAgent.step() with a new task, or run(), abandons the run in progress", async () => {
  const model = new ScriptedModel({
    replies: [call("lookup", { query: "a" }), call("lookup", { query: "b" }), answer("b done")],
  });
  const agent = new ToolCallingAgent({ logLevel: OFF, model, tools: [lookup] });
  await agent.step("Find a");
  const restarted = await agent.step("Find b");
  assertEquals(restarted.step.stepNumber, 1);
  assertEquals(agent.memory.steps.filter((s) => s.type === "task").length, 1);
  assertEquals(await agent.run("Then answer"), "b done");
  await assertRejects(() => agent.step(), TypeError, "no run is in progress");
});

Deno.test("MultiStepAgent.step() sends its events to the logger, managed agents' included", async () => {
  const logged: AgentEvent[] = [];
  const worker = new ToolCallingAgent({
    logLevel: OFF,
    model: new ScriptedModel({ replies: [answer("42")] }),
    name: "worker",
    description: "Answers questions.",
  });
  const agent = new ToolCallingAgent({
    model: new ScriptedModel({ replies: [call("worker", { task: "Answer" }), answer("42")] }),
    managedAgents: [worker],
    logger: { log: (event) => logged.push(event) },
  });
  await agent.step("Ask the worker");
  const firstTypes = logged.map((e) => e.type).filter((t) => t !== "model_stream_delta");
  assertEquals(firstTypes[0], "run_start");
  assert(!firstTypes.includes("run_end"), "the run did not end after step 1");
  const inner = logged.filter((e) => e.type === "managed_agent_event");
  assert(inner.length > 0, "the managed agent's events reached the logger");
  assertEquals(inner[0].type === "managed_agent_event" && inner[0].agentName, "worker");
  logged.length = 0;
  await agent.step();
  const types = logged.map((e) => e.type).filter((t) => t !== "model_stream_delta");
  assertEquals(types.slice(0, 1), ["step_start"]);
  assertEquals(types.slice(-2), ["final_answer", "run_end"]);
});

class RecordingExecutor implements Executor {
  sentTools: string[][] = [];
  variables: Record<string, unknown> = {};
  codes: string[] = [];
  constructor(readonly outputs: CodeOutput[]) {}
  sendTools(tools: Record<string, Tool>): Promise<void> {
    this.sentTools.push(Object.keys(tools));
    return Promise.resolve();
  }
  sendVariables(variables: Record<string, unknown>): Promise<void> {
    Object.assign(this.variables, variables);
    return Promise.resolve();
  }
  execute(code: string): Promise<CodeOutput> {
    this.codes.push(code);
    const output = this.outputs.shift();
    return output ? Promise.resolve(output) : Promise.reject(new Error("no output left"));
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

Deno.test("CodeAgent.step() sets up the executor once per run, as run() does", async () => {
  const executor = new RecordingExecutor([
    { output: undefined, logs: "5\n", isFinalAnswer: false },
    { output: 5, logs: "", isFinalAnswer: true },
  ]);
  const model = new ScriptedModel({
    replies: [
      "<code>\nconsole.log(count);\n</code>",
      "<code>\nfinal_answer(count);\n</code>",
    ],
  });
  const agent = new CodeAgent({ logLevel: OFF, model, executor, tools: [lookup] });
  const first = await agent.step("How many?", { additionalArgs: { count: 5 } });
  assertEquals(executor.sentTools, [["lookup"]]);
  assertEquals(executor.variables, { count: 5 });
  assertEquals(first.step.code, "console.log(count);");
  assertStringIncludes(first.step.observations ?? "", "5");
  const second = await agent.step();
  assertEquals(executor.sentTools.length, 1);
  assertEquals(executor.codes, ["console.log(count);", "final_answer(count);"]);
  assertEquals(second.output, 5);
  assertEquals(second.run?.state, "success");
});
