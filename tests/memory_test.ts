import {
  type ActionStep,
  addTokenUsage,
  AgentMemory,
  errorToData,
  type PlanningStep,
  toMessages,
} from "../src/memory.ts";
import { AgentExecutionError, AgentToolCallError } from "../src/errors.ts";
import { assert, assertEquals, assertStringIncludes, assertThrows } from "./_assert.ts";

function action(overrides: Partial<ActionStep> = {}): ActionStep {
  return {
    type: "action",
    stepNumber: 1,
    timing: { startTime: 100, endTime: 150, duration: 50 },
    isFinalAnswer: false,
    ...overrides,
  };
}

const plan: PlanningStep = {
  type: "planning",
  kind: "initial",
  plan: "1. Look up the city.\n2. Answer.",
  modelInputMessages: [{ role: "user", content: "plan please" }],
  timing: { startTime: 0, endTime: 1, duration: 1 },
  tokenUsage: { inputTokens: 7, outputTokens: 3 },
};

Deno.test("toMessages() renders a task as a user message with its images", () => {
  const image = { type: "image" as const, image: "data:image/png;base64,AAAA" };
  const [message] = toMessages({ type: "task", task: "Describe it", images: [image] });
  assertEquals(message.role, "user");
  assertEquals(message.content, [{ type: "text", text: "New task:\nDescribe it" }, image]);
});

Deno.test("toMessages() renders an action step as the reply, then observation and error", () => {
  const messages = toMessages(action({
    modelOutput: "Thought: compute.\n",
    observations: "Execution logs:\n42",
    error: { name: "AgentExecutionError", message: "x is not defined" },
  }));
  assertEquals(messages.map((m) => m.role), ["assistant", "user", "user"]);
  assertEquals(messages[0].content, "Thought: compute.");
  assertStringIncludes(String(messages[1].content), "42");
  assertStringIncludes(String(messages[2].content), "x is not defined");
});

Deno.test("toMessages() writes tool calls as text so every provider accepts the transcript", () => {
  const messages = toMessages(action({
    toolCalls: [{ id: "c1", name: "get_weather", arguments: { city: "Paris" } }],
    observations: "Sunny",
  }));
  assertStringIncludes(String(messages[0].content), '"name":"get_weather"');
  assertEquals(messages[0].role, "assistant");
});

Deno.test("toMessages() in summary mode hides the system prompt, plans and model replies", () => {
  assertEquals(
    toMessages({ type: "system_prompt", systemPrompt: "sys" }, { summaryMode: true }),
    [],
  );
  assertEquals(toMessages(plan, { summaryMode: true }), []);
  const messages = toMessages(action({ modelOutput: "my reasoning", observations: "3" }), {
    summaryMode: true,
  });
  assertEquals(messages.map((m) => m.content), ["Observation:\n3"]);
});

Deno.test("toMessages() shows a plan followed by an instruction to carry it out", () => {
  const messages = toMessages(plan);
  assertEquals(messages.map((m) => m.role), ["assistant", "user"]);
  assertEquals(messages[0].content, plan.plan);
});

Deno.test("errorToData() keeps the typed fields of agent errors", () => {
  assertEquals(
    errorToData(new AgentExecutionError("denied", { kind: "permission", permission: "net" })),
    { name: "AgentExecutionError", message: "denied", kind: "permission", permission: "net" },
  );
  assertEquals(errorToData(new AgentToolCallError("bad", { toolName: "t" })).toolName, "t");
  assertEquals(errorToData("plain string"), { name: "Error", message: "plain string" });
});

Deno.test("addTokenUsage() sums usages and treats a missing one as zero", () => {
  assertEquals(
    addTokenUsage({ inputTokens: 1, outputTokens: 2 }, undefined, {
      inputTokens: 3,
      outputTokens: 4,
    }),
    { inputTokens: 4, outputTokens: 6 },
  );
});

Deno.test("AgentMemory.toMessages() starts with the system prompt and follows the steps in order", () => {
  const memory = new AgentMemory("You are an agent.");
  memory.steps.push({ type: "task", task: "Do it" }, plan, action({ modelOutput: "ok" }));
  const roles = memory.toMessages().map((m) => m.role);
  assertEquals(roles, ["system", "user", "assistant", "user", "assistant"]);
});

Deno.test("AgentMemory.reset() forgets steps but keeps the system prompt", () => {
  const memory = new AgentMemory("sys");
  memory.steps.push({ type: "task", task: "t" });
  memory.reset();
  assertEquals(memory.steps, []);
  assertEquals(memory.systemPrompt.systemPrompt, "sys");
});

Deno.test("AgentMemory.getSuccinctSteps() drops model inputs that getFullSteps() keeps", () => {
  const memory = new AgentMemory("sys");
  memory.steps.push(plan);
  assertEquals(memory.getFullSteps()[0].modelInputMessages, plan.modelInputMessages);
  assertEquals("modelInputMessages" in memory.getSuccinctSteps()[0], false);
  assertEquals(memory.getSuccinctSteps()[0].plan, plan.plan);
});

Deno.test("AgentMemory.fullCode() joins the code of every action step", () => {
  const memory = new AgentMemory("sys");
  memory.steps.push(
    action({ code: "const a = 1;" }),
    action({ stepNumber: 2, toolCalls: [] }),
    action({ stepNumber: 3, code: "final_answer(a)" }),
  );
  assertEquals(memory.fullCode(), "const a = 1;\n\nfinal_answer(a)");
});

Deno.test("AgentMemory.tokenUsage() sums planning and action steps", () => {
  const memory = new AgentMemory("sys");
  memory.steps.push(plan, action({ tokenUsage: { inputTokens: 10, outputTokens: 5 } }));
  assertEquals(memory.tokenUsage(), { inputTokens: 17, outputTokens: 8 });
});

Deno.test("AgentMemory survives a JSON round trip, bytes included", () => {
  const memory = new AgentMemory("sys");
  const bytes = new Uint8Array([0, 1, 2, 250, 255]);
  memory.steps.push(
    {
      type: "task",
      task: "Look",
      images: [{ type: "image", image: bytes, mimeType: "image/png" }],
    },
    action({ code: "1", actionOutput: { n: 1 }, error: { name: "E", message: "m" } }),
    { type: "final_answer", output: "done" },
  );
  const copy = AgentMemory.fromJSON(JSON.parse(JSON.stringify(memory)));
  assertEquals(copy.steps, memory.steps);
  assertEquals(copy.systemPrompt, memory.systemPrompt);
});

Deno.test("AgentMemory.fromJSON() rejects data that is not a memory", () => {
  assertThrows(() => AgentMemory.fromJSON({} as never), TypeError, "Cannot read agent memory");
  assertThrows(
    () =>
      AgentMemory.fromJSON({
        systemPrompt: { type: "system_prompt", systemPrompt: "" },
        steps: [{ type: "x" }],
      }),
    TypeError,
    'step 0 has type "x"',
  );
});

Deno.test("AgentMemory.replay() yields the events of the recorded steps in order", () => {
  const memory = new AgentMemory("sys");
  memory.steps.push(
    { type: "task", task: "Add" },
    plan,
    action({
      modelOutput: "code",
      code: "final_answer(3)",
      observations: "3",
      isFinalAnswer: true,
    }),
    { type: "final_answer", output: 3 },
  );
  const types = memory.replay().map((e) => e.type);
  assertEquals(types, [
    "run_start",
    "planning",
    "step_start",
    "model_output",
    "code_action",
    "observation",
    "step_end",
    "final_answer",
  ]);
});

Deno.test("AgentMemory.replay() shows tool calls and errors of tool-calling steps", () => {
  const memory = new AgentMemory("sys");
  memory.steps.push(action({
    toolCalls: [{ id: "1", name: "search", arguments: { q: "x" } }],
    error: { name: "AgentToolExecutionError", message: "down" },
  }));
  const types = memory.replay().map((e) => e.type);
  assertEquals(types, ["step_start", "tool_call", "error", "step_end"]);
});

Deno.test("toMessages() reuses a finished step's messages on every later call, and rebuilds them when the step changes", () => {
  const step: ActionStep = {
    type: "action",
    stepNumber: 1,
    timing: { startTime: 0, endTime: 5, duration: 5 },
    modelOutput: "Thought: count.\n<code>\nconsole.log(3)\n</code>",
    code: "console.log(3)",
    observations: "3",
    isFinalAnswer: false,
  };
  const first = toMessages(step);
  const again = toMessages(step);
  // The same message objects (a long run keeps one copy, not one per later step)…
  assert(first.every((m, i) => m === again[i]));
  // …in a fresh array each time, so a caller changing it changes nothing here.
  assert(first !== again);
  again.pop();
  assertEquals(toMessages(step).length, 2);

  step.observations = "3\n4";
  assertEquals(toMessages(step).at(-1)?.content, "Observation:\n3\n4");
  step.error = { name: "AgentExecutionError", message: "boom" };
  assertStringIncludes(String(toMessages(step).at(-1)?.content), "Error:\nboom");
  step.error.message = "bang";
  assertStringIncludes(String(toMessages(step).at(-1)?.content), "Error:\nbang");
  assertEquals(toMessages(step, { summaryMode: true }).map((m) => m.role), ["user", "user"]);
});
