// CodeAgent unit tests against a fake executor (named so in each test); the
// real DenoExecutor is exercised in code_agent_e2e_test.ts.
import { CodeAgent } from "../../src/agents/code_agent.ts";
import { ToolCallingAgent } from "../../src/agents/tool_calling_agent.ts";
import { AgentExecutionError } from "../../src/errors.ts";
import { imageValue } from "../../src/media.ts";
import type { CodeOutput, Executor } from "../../src/executor.ts";
import { Logger, LogLevel } from "../../src/logger.ts";
import { ScriptedModel } from "../../src/testing.ts";
import { type Tool, tool } from "../../src/tool.ts";
import { assert, assertEquals, assertStringIncludes, assertThrows } from "../_assert.ts";

// Keep test output readable: the console logger has its own tests.
const OFF = LogLevel.OFF;

const fixture = (name: string) =>
  Deno.readTextFileSync(new URL(`../fixtures/replies/${name}`, import.meta.url));

type Behaviour = (code: string) => CodeOutput | Promise<CodeOutput>;

class FakeExecutor implements Executor {
  tools: Record<string, Tool> = {};
  variables: Record<string, unknown> = {};
  codes: string[] = [];
  closed = 0;
  constructor(readonly behaviours: Behaviour[] = []) {}
  sendTools(tools: Record<string, Tool>): Promise<void> {
    this.tools = tools;
    return Promise.resolve();
  }
  sendVariables(variables: Record<string, unknown>): Promise<void> {
    Object.assign(this.variables, variables);
    return Promise.resolve();
  }
  async execute(code: string): Promise<CodeOutput> {
    this.codes.push(code);
    const behaviour = this.behaviours.shift();
    if (!behaviour) throw new Error("FakeExecutor has no behaviour left");
    return await behaviour(code);
  }
  close(): Promise<void> {
    this.closed++;
    return Promise.resolve();
  }
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

const finalAnswer = (output: unknown, logs = ""): Behaviour => () => ({
  output,
  logs,
  isFinalAnswer: true,
});
const printed = (logs: string, output?: unknown): Behaviour => () => ({
  output,
  logs,
  isFinalAnswer: false,
});

const getWeather = tool({
  name: "get_weather",
  description: "Weather report for a city.",
  inputs: { city: { type: "string", description: "City name" } },
  outputType: "string",
  forward: ({ city }) => `Sunny in ${city}`,
});

Deno.test("CodeAgent (fake executor) runs the code of each reply and returns the final answer", async () => {
  const executor = new FakeExecutor([printed("24\n"), finalAnswer(24)]);
  const model = new ScriptedModel({
    replies: [
      fixture("fenced_ts_with_prose_around.txt"),
      "Thought: done.\n<code>\nfinal_answer(24);\n</code>",
    ],
  });
  const agent = new CodeAgent({ logLevel: OFF, model, executor });
  const result = await agent.run("Days from 10 Feb to 5 Mar 2024?", { returnFullResult: true });
  assertEquals(result.output, 24);
  assertStringIncludes(executor.codes[0], "86_400_000");
  assertEquals(executor.codes[1], "final_answer(24);");
  assertStringIncludes(JSON.stringify(model.calls[1].messages), "Execution logs:\\n24");
  assertEquals(agent.memory.fullCode(), executor.codes.join("\n\n"));
});

Deno.test("CodeAgent (fake executor) stops the model at the closing tag and puts the tag back", async () => {
  const executor = new FakeExecutor([finalAnswer("ratio")]);
  const model = new ScriptedModel({
    replies: [fixture("tagged_closer_eaten_by_stop_sequence.txt")],
  });
  const agent = new CodeAgent({ logLevel: OFF, model, executor });
  await agent.run("Compare");
  assertEquals(model.calls[0].options.stopSequences, ["Observation:", "Calling tools:", "</code>"]);
  const step = agent.memory.steps[1];
  assert(step.type === "action");
  assert(step.modelOutput?.endsWith("\n</code>"), "closing tag appended");
  assertStringIncludes(executor.codes[0], "const ratio = 545_000 / 232_000;");
});

Deno.test("CodeAgent (fake executor) does not use a closing fence as a stop sequence with markdown tags", async () => {
  const executor = new FakeExecutor([finalAnswer(1)]);
  const model = new ScriptedModel({ replies: ["```ts\nfinal_answer(1)\n```"] });
  const agent = new CodeAgent({ logLevel: OFF, model, executor, codeBlockTags: "markdown" });
  await agent.run("Go");
  assertEquals(model.calls[0].options.stopSequences, ["Observation:", "Calling tools:"]);
  assertStringIncludes(agent.memory.systemPrompt.systemPrompt, "```ts\nconst start");
});

Deno.test("CodeAgent (fake executor) shows a parse error to the model, which then writes code", async () => {
  const executor = new FakeExecutor([finalAnswer("Canberra")]);
  const model = new ScriptedModel({
    replies: [
      fixture("no_code_final_answer_in_prose.txt"),
      '<code>\nfinal_answer("Canberra")\n</code>',
    ],
  });
  const agent = new CodeAgent({ logLevel: OFF, model, executor });
  const result = await agent.run("Capital of Australia?", { returnFullResult: true });
  assertEquals(result.output, "Canberra");
  const failed = result.steps[1];
  assert(failed.type === "action");
  assertEquals(failed.error?.name, "AgentParsingError");
  assertEquals(executor.codes.length, 1);
  const retryInput = model.calls[1].messages;
  assertStringIncludes(String(retryInput.at(-2)?.content), "Final answer: Canberra");
  assertStringIncludes(String(retryInput.at(-1)?.content), "Error:");
});

Deno.test("CodeAgent (fake executor) shows the logs and the error of failed code", async () => {
  const executor = new FakeExecutor([
    () => {
      throw new AgentExecutionError("ReferenceError: cities is not defined (line 2)", {
        kind: "runtime",
        logs: "starting\n",
        line: 2,
      });
    },
    finalAnswer("ok"),
  ]);
  const model = new ScriptedModel({
    replies: [
      "<code>\nconsole.log('starting');\ncities.map(f)\n</code>",
      "<code>\nfinal_answer('ok')\n</code>",
    ],
  });
  const agent = new CodeAgent({ logLevel: OFF, model, executor });
  const result = await agent.run("Go", { returnFullResult: true });
  const failed = result.steps[1];
  assert(failed.type === "action");
  assertEquals(failed.observations, "Execution logs:\nstarting\n");
  assertEquals(failed.error, {
    name: "AgentExecutionError",
    message: "ReferenceError: cities is not defined (line 2)",
    kind: "runtime",
  });
  const retryInput = JSON.stringify(model.calls[1].messages);
  assertStringIncludes(retryInput, "cities is not defined");
  assertStringIncludes(retryInput, "starting");
});

Deno.test("CodeAgent (fake executor) tells the model when a restarted sandbox lost its state", async () => {
  const executor = new FakeExecutor([
    () => {
      throw new AgentExecutionError("Execution timed out after 30000 ms", {
        kind: "timeout",
        stateLost: true,
      });
    },
    finalAnswer(1),
  ]);
  const model = new ScriptedModel({
    replies: ["<code>\nwhile (true) {}\n</code>", "<code>\nfinal_answer(1)\n</code>"],
  });
  const result = await new CodeAgent({ logLevel: OFF, model, executor }).run("Go", {
    returnFullResult: true,
  });
  const failed = result.steps[1];
  assert(failed.type === "action");
  assertStringIncludes(
    failed.error?.message ?? "",
    "variables, functions and imports of earlier steps are gone",
  );
  assertEquals(failed.error?.kind, "timeout");
});

Deno.test("CodeAgent (fake executor) builds the observation from logs and last output, truncated", async () => {
  const executor = new FakeExecutor([printed("x".repeat(500), { total: 3 }), finalAnswer(3)]);
  const model = new ScriptedModel({
    replies: ["<code>\nlong()\n</code>", "<code>\nfinal_answer(3)\n</code>"],
  });
  const agent = new CodeAgent({ logLevel: OFF, model, executor, maxObservationLength: 100 });
  await agent.run("Go");
  const step = agent.memory.steps[1];
  assert(step.type === "action");
  assert(step.observations!.length < 160, `observation too long: ${step.observations!.length}`);
  assertStringIncludes(step.observations!, "characters cut");
  assertStringIncludes(step.observations!, "Last output from code snippet:\n{ total: 3 }");
});

Deno.test("CodeAgent (fake executor) gives the sandbox tools, managed agents and additional args", async () => {
  const executor = new FakeExecutor([finalAnswer("ok")]);
  const helper = new ToolCallingAgent({
    logLevel: OFF,
    model: new ScriptedModel({ replies: [] }),
    name: "helper",
    description: "Helps with research.",
  });
  const model = new ScriptedModel({ replies: ["<code>\nfinal_answer('ok')\n</code>"] });
  const agent = new CodeAgent({
    logLevel: OFF,
    model,
    executor,
    tools: [getWeather],
    managedAgents: [helper],
  });
  await agent.run("Go", { additionalArgs: { budget: 10 } });
  assertEquals(Object.keys(executor.tools).sort(), ["get_weather", "helper"]);
  assertEquals(executor.variables, { budget: 10 });
  const system = agent.memory.systemPrompt.systemPrompt;
  assertStringIncludes(
    system,
    "declare function get_weather(args: { city: string }): Promise<string>;",
  );
  assertStringIncludes(system, "declare function helper(args: {");
  assertStringIncludes(system, "declare function final_answer(answer: any): void;");
  assertStringIncludes(system, "You may not import modules");
});

Deno.test("CodeAgent lists its authorized imports in the system prompt", () => {
  const agent = new CodeAgent({
    logLevel: OFF,
    model: new ScriptedModel({ replies: [] }),
    executor: new FakeExecutor(),
    authorizedImports: ["npm:lodash@4", "node:*"],
  });
  assertStringIncludes(agent.memory.systemPrompt.systemPrompt, '"npm:lodash@4", "node:*"');
});

Deno.test("CodeAgent (fake executor) asks for {thought, code} JSON with structured outputs", async () => {
  const executor = new FakeExecutor([finalAnswer(4)]);
  const model = new ScriptedModel({
    replies: ['{"thought": "Simple sum.", "code": "final_answer(2 + 2)"}'],
  });
  const agent = new CodeAgent({
    logLevel: OFF,
    model,
    executor,
    useStructuredOutputsInternally: true,
  });
  assertEquals(await agent.run("2 + 2?"), 4);
  assertEquals(executor.codes, ["final_answer(2 + 2)"]);
  assertEquals(model.calls[0].options.responseFormat?.jsonSchema.name, "code_step");
  assertEquals(model.calls[0].options.stopSequences, undefined);
});

Deno.test("CodeAgent (fake executor) passes the sandbox's answer through a user final_answer tool", async () => {
  const executor = new FakeExecutor([finalAnswer("paris")]);
  const upper = tool({
    name: "final_answer",
    description: "Upper-cases the answer.",
    inputs: { answer: { type: "string", description: "The answer" } },
    outputType: "string",
    forward: ({ answer }) => answer.toUpperCase(),
  });
  const model = new ScriptedModel({ replies: ["<code>\nfinal_answer('paris')\n</code>"] });
  const agent = new CodeAgent({ logLevel: OFF, model, executor, tools: [upper] });
  assertEquals(await agent.run("Capital?"), "PARIS");
  assert(!("final_answer" in executor.tools), "the sandbox keeps its own final_answer");
});

Deno.test("CodeAgent does not close an executor it was given", async () => {
  const executor = new FakeExecutor();
  const agent = new CodeAgent({
    logLevel: OFF,
    model: new ScriptedModel({ replies: [] }),
    executor,
  });
  await agent.close();
  await agent[Symbol.asyncDispose]();
  assertEquals(executor.closed, 0);
});

Deno.test("CodeAgent rejects bad options at construction", () => {
  const model = new ScriptedModel({ replies: [] });
  const executor = new FakeExecutor();
  assertThrows(
    () => new CodeAgent({ logLevel: OFF, model, executor, codeBlockTags: ["<code>"] as never }),
    TypeError,
    "codeBlockTags",
  );
  assertThrows(
    () => new CodeAgent({ logLevel: OFF, model, executor: {} as Executor }),
    TypeError,
    "executor must implement",
  );
  assertThrows(
    () => new CodeAgent({ logLevel: OFF, model, executor, authorizedImports: [""] }),
    TypeError,
    "authorizedImports",
  );
  assertThrows(
    () => new CodeAgent({ logLevel: OFF, model, executor, maxObservationLength: -1 }),
    RangeError,
  );
  assertEquals(model.calls.length, 0);
});

Deno.test("CodeAgent checks the default executor's options at construction without starting it", () => {
  const model = new ScriptedModel({ replies: [] });
  assertThrows(
    () => new CodeAgent({ logLevel: OFF, model, timeoutMs: -5 }),
    RangeError,
    "timeoutMs",
  );
  assertThrows(
    () => new CodeAgent({ logLevel: OFF, model, permissions: { internet: true } as never }),
    TypeError,
  );
  const agent = new CodeAgent({ logLevel: OFF, model, permissions: { net: ["example.com"] } });
  assertEquals((agent.executor as { pid?: number }).pid, undefined);
  assertEquals(model.calls.length, 0);
});

Deno.test("CodeAgent (fake executor) shows an image output to the model as an image, not bytes", async () => {
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
  const executor = new FakeExecutor([printed("", imageValue(png)), finalAnswer("a chart")]);
  const model = new ScriptedModel({
    replies: ["<code>\nawait draw_chart({})\n</code>", "<code>\nfinal_answer('a chart')\n</code>"],
  });
  const agent = new CodeAgent({ logLevel: OFF, model, executor });
  await agent.run("Draw");
  const step = agent.memory.steps[1];
  assert(step.type === "action");
  assertEquals(step.observations, "Last output from code snippet:\n<image image/png, 12 bytes>");
  assertEquals(step.observationImages?.[0].image, png);
  const parts = model.calls[1].messages.find((m) => Array.isArray(m.content));
  assert(parts !== undefined, "the image is sent to the model as a content part");
});

Deno.test("CodeAgent (fake executor) shows a failing user final_answer tool to the model", async () => {
  const executor = new FakeExecutor([finalAnswer(""), finalAnswer("Oslo")]);
  const strict = tool({
    name: "final_answer",
    description: "Refuses empty answers.",
    inputs: { answer: { type: "string", description: "The answer" } },
    outputType: "string",
    forward: ({ answer }) => {
      if (answer === "") throw new Error("the answer is empty");
      return answer;
    },
  });
  const model = new ScriptedModel({
    replies: ["<code>\nfinal_answer('')\n</code>", "<code>\nfinal_answer('Oslo')\n</code>"],
  });
  const result = await new CodeAgent({ logLevel: OFF, model, executor, tools: [strict] }).run(
    "City?",
    {
      returnFullResult: true,
    },
  );
  assertEquals(result.output, "Oslo");
  const first = result.steps[1];
  assert(first.type === "action");
  assertEquals(first.error?.message, 'Tool "final_answer" failed: the answer is empty');
});

Deno.test("CodeAgent sends the default executor's warnings about risky grants to its logger", async () => {
  const warnings: string[] = [];
  const logger = { log: () => {}, warn: (message: string) => warnings.push(message) };
  const model = new ScriptedModel({ replies: [] });
  await using _agent = new CodeAgent({ model, logger, permissions: { run: true } });
  assertEquals(warnings.length, 1);
  assertStringIncludes(warnings[0], "grants run");
});

Deno.test("CodeAgent with a sink that cannot warn prints executor warnings on a console Logger at its logLevel, in a real subprocess", async () => {
  const url = (path: string) => JSON.stringify(new URL(path, import.meta.url).href);
  const script = `
    import { CodeAgent } from ${url("../../src/agents/code_agent.ts")};
    import { ScriptedModel } from ${url("../../src/testing.ts")};
    const model = new ScriptedModel({ replies: [] });
    await new CodeAgent({ model, logLevel: -1, permissions: { run: true } }).close();
    console.error("--");
    await new CodeAgent({ model, logger: { log() {} }, permissions: { ffi: true } }).close();
  `;
  const { stderr, success } = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-check", script],
    env: { NO_COLOR: "1" },
    stdout: "null",
    stderr: "piped",
  }).output();
  assert(success);
  assertEquals(
    new TextDecoder().decode(stderr),
    "--\nWarning: DenoExecutor grants ffi: native libraries can do anything your user can\n",
  );
});

Deno.test("CodeAgent (fake executor) with a streaming model shows each reply live in the log, once", async () => {
  const reply = "Thought: compute it.\n<code>\nfinal_answer(6 * 7);\n</code>";
  const render = async (streamOutputs: boolean, level: LogLevel): Promise<string> => {
    let text = "";
    const logger = new Logger({ level, writer: { write: (t) => (text += t) } });
    const model = new ScriptedModel({ replies: [reply], streamChunkSize: 3 });
    const executor = new FakeExecutor([finalAnswer(42)]);
    await new CodeAgent({ model, executor, logger, streamOutputs }).run("6 * 7?");
    return text;
  };
  const count = (text: string) => text.split("Thought: compute it.").length - 1;
  assertEquals(count(await render(true, LogLevel.INFO)), 1);
  assertEquals(count(await render(true, LogLevel.DEBUG)), 1);
  assertEquals(count(await render(false, LogLevel.INFO)), 0);
  assertEquals(count(await render(false, LogLevel.DEBUG)), 1);
});

Deno.test("CodeAgent (fake executor) keeps an executor it was given across runs, even with reset: true", async () => {
  const executor = new FakeExecutor([finalAnswer(1), finalAnswer(2)]);
  const model = new ScriptedModel({
    replies: [
      "<code>\nconst a = 1; final_answer(a)\n</code>",
      "<code>\nfinal_answer(a + 1)\n</code>",
    ],
  });
  const agent = new CodeAgent({ logLevel: OFF, model, executor });
  assertEquals(await agent.run("One", { additionalArgs: { x: 1 } }), 1);
  assertEquals(await agent.run("Two"), 2);
  assertEquals(agent.executor, executor);
  assertEquals(executor.closed, 0);
  assertEquals(executor.codes.length, 2);
  assertEquals(executor.variables, { x: 1 });
});
