// Telemetry: the spans of agent runs, checked with Deno's real built-in
// OpenTelemetry exporter (OTLP/HTTP to a receiver in this process) and with
// the SDK's in-memory exporter.

import assert from "@std/assert";
import { trace } from "@opentelemetry/api";
import { CodeAgent, LogLevel, tool, ToolCallingAgent } from "../mod.ts";
import type { ChatMessage } from "../src/models/model.ts";
import { ScriptedModel } from "../src/testing.ts";
import { Telemetry } from "../src/telemetry.ts";
import { OtlpReceiver } from "./telemetry/_otlp_receiver.ts";
import { InMemoryTracing, type SpanRecord, SpanTree } from "./telemetry/_spans.ts";

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

const failing = tool({
  name: "explode",
  description: "Always fails.",
  inputs: {},
  outputType: "string",
  forward: () => {
    throw new RangeError("the fuse was lit");
  },
});

function call(id: string, name: string, args: Record<string, unknown>): ChatMessage {
  return { role: "assistant", content: "", toolCalls: [{ id, name, arguments: args }] };
}

function finalCall(answer: unknown): ChatMessage {
  return call("final", "final_answer", { answer });
}

function parentName(tree: SpanTree, span: SpanRecord): string | undefined {
  return tree.parent(span)?.name;
}

const CONTENT_KEYS = [
  "smoldeno.task",
  "smoldeno.output",
  "smoldeno.code",
  "smoldeno.code.logs",
  "smoldeno.code.output",
  "smoldeno.plan",
  "smoldeno.observations",
  "gen_ai.input.messages",
  "gen_ai.output.messages",
  "gen_ai.tool.call.arguments",
  "gen_ai.tool.call.result",
];

function contentKeys(tree: SpanTree): string[] {
  return tree.spans.flatMap((s) => Object.keys(s.attributes)).filter((k) =>
    CONTENT_KEYS.includes(k)
  );
}

Deno.test("Deno's built-in exporter receives a CodeAgent run as a tree whose sandbox tool calls and managed agent nest under the code's span", async () => {
  await using receiver = new OtlpReceiver();
  const child = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./telemetry/_traced_run.ts", import.meta.url).pathname],
    env: {
      OTEL_DENO: "true",
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_SERVICE_NAME: "smoldeno-telemetry-test",
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(child.stderr);
  assert.equal(child.code, 0, `the traced run failed:\n${stderr}`);
  assert.match(new TextDecoder().decode(child.stdout).trim(), /^"definition of otel \/ \d+"$/);
  await receiver.until((spans) =>
    spans.some((s) => s.name === "invoke_agent CodeAgent") &&
    spans.some((s) => s.name === "invoke_agent helper")
  );
  assert.ok(receiver.contentTypes.every((t) => t.includes("json")), String(receiver.contentTypes));
  const tree = new SpanTree(receiver.spans);
  const ours = (s: SpanRecord) => s.scope === "@smoldeno/agents" || s.scope === "user-tool";
  assert.equal(
    tree.render(ours),
    [
      "invoke_agent CodeAgent",
      "  step 1",
      "    chat scripted-model",
      "    execute_code",
      "      execute_tool lookup",
      "        user lookup",
      "  step 2",
      "    chat scripted-model",
      "    execute_code",
      "      execute_tool helper",
      "        invoke_agent helper",
      "          step 1",
      "            chat scripted-model",
      "            execute_tool final_answer",
    ].join("\n"),
  );
  const run = tree.one("invoke_agent CodeAgent");
  assert.equal(run.attributes["gen_ai.operation.name"], "invoke_agent");
  assert.equal(run.attributes["gen_ai.request.model"], "scripted-model");
  assert.equal(run.attributes["smoldeno.run.state"], "success");
  assert.equal(run.attributes["smoldeno.run.step_count"], 2);
  assert.equal(run.attributes["gen_ai.usage.input_tokens"], 22);
  assert.equal(run.attributes["gen_ai.usage.output_tokens"], 14);
  const code = tree.all("execute_code")[0];
  assert.equal(code.attributes["smoldeno.executor.kind"], "DenoExecutor");
  const chat = tree.all("chat scripted-model")[0];
  assert.equal(chat.kind, "client");
  assert.equal(chat.attributes["gen_ai.operation.name"], "chat");
  assert.equal(chat.attributes["gen_ai.response.model"], "scripted-model");
  assert.deepEqual(chat.attributes["gen_ai.response.finish_reasons"], ["stop"]);
  assert.equal(chat.attributes["gen_ai.usage.input_tokens"], 11);
  const lookup = tree.one("execute_tool lookup");
  assert.equal(lookup.attributes["gen_ai.tool.name"], "lookup");
  assert.equal(lookup.attributes["gen_ai.tool.type"], "function");
  assert.equal(tree.one("execute_tool helper").attributes["gen_ai.tool.type"], "agent");
  const step = tree.all("step 1")[0];
  assert.equal(typeof step.attributes["smoldeno.step.duration_ms"], "number");
  // One trace, and no content by default.
  assert.equal(new Set(tree.spans.filter(ours).map((s) => s.traceId)).size, 1);
  assert.deepEqual(contentKeys(tree), []);
});

Deno.test("a ToolCallingAgent run is a run → step → chat / execute_tool tree with GenAI attributes (in-memory exporter)", async () => {
  using tracing = new InMemoryTracing();
  const model = new ScriptedModel({
    replies: [
      {
        ...call("call_1", "add", { a: 2, b: 3 }),
        raw: {
          id: "resp-1",
          model: "scripted-2026-01",
          choices: [{ finish_reason: "tool_calls" }],
        },
      },
      finalCall(5),
    ],
    tokenUsage: { inputTokens: 100, outputTokens: 20 },
  });
  // Not streamed: the raw response (model, id, finish reasons) comes with whole replies only.
  const agent = new ToolCallingAgent({
    model,
    tools: [add],
    logLevel: LogLevel.OFF,
    streamOutputs: false,
  });
  assert.equal(await agent.run("What is 2 + 3?"), 5);
  const tree = tracing.tree();
  assert.equal(
    tree.render(),
    [
      "invoke_agent ToolCallingAgent",
      "  step 1",
      "    chat scripted-model",
      "    execute_tool add",
      "  step 2",
      "    chat scripted-model",
      "    execute_tool final_answer",
    ].join("\n"),
  );
  const [first, second] = tree.all("chat scripted-model");
  assert.equal(first.attributes["gen_ai.request.model"], "scripted-model");
  assert.equal(first.attributes["gen_ai.response.model"], "scripted-2026-01");
  assert.equal(first.attributes["gen_ai.response.id"], "resp-1");
  assert.deepEqual(first.attributes["gen_ai.response.finish_reasons"], ["tool_calls"]);
  assert.equal(first.attributes["gen_ai.usage.input_tokens"], 100);
  assert.equal(first.attributes["gen_ai.usage.output_tokens"], 20);
  assert.equal(first.attributes["smoldeno.model.phase"], "action");
  assert.equal(first.attributes["smoldeno.model.streamed"], false);
  assert.equal(first.attributes["smoldeno.model.tool_count"], 2);
  assert.deepEqual(second.attributes["gen_ai.response.finish_reasons"], ["tool_calls"]);
  const tool = tree.one("execute_tool add");
  assert.equal(tool.attributes["gen_ai.operation.name"], "execute_tool");
  assert.equal(tool.attributes["gen_ai.tool.name"], "add");
  assert.equal(tool.attributes["gen_ai.tool.call.id"], "call_1");
  const run = tree.one("invoke_agent ToolCallingAgent");
  assert.equal(run.attributes["gen_ai.agent.name"], "ToolCallingAgent");
  assert.equal(run.attributes["smoldeno.agent.class"], "ToolCallingAgent");
  assert.equal(run.attributes["smoldeno.run.state"], "success");
  assert.equal(run.attributes["gen_ai.usage.input_tokens"], 200);
  assert.equal(run.status.code, 0);
  assert.equal(tree.all("step 2")[0].attributes["smoldeno.step.is_final_answer"], true);
  assert.equal(run.scope, "@smoldeno/agents");
});

Deno.test("a CodeAgent's sandbox tool calls and its managed agent nest under the code's span (in-memory exporter)", async () => {
  using tracing = new InMemoryTracing();
  const helper = new ToolCallingAgent({
    model: new ScriptedModel({ replies: [finalCall("helped")] }),
    name: "helper",
    description: "Helps.",
    logLevel: LogLevel.OFF,
  });
  const model = new ScriptedModel({
    replies: [
      "<code>\nconst [x, y] = await Promise.all([add({ a: 1, b: 2 }), add({ a: 3, b: 4 })]);\n" +
      "const h = await helper({ task: 'help' });\nfinal_answer(x + y + h.length);\n</code>",
    ],
  });
  await using agent = new CodeAgent({
    model,
    tools: [add],
    managedAgents: [helper],
    logLevel: LogLevel.OFF,
  });
  const answer = await agent.run("Add things");
  assert.equal(typeof answer, "number");
  const tree = tracing.tree();
  const code = tree.one("execute_code");
  assert.equal(parentName(tree, code), "step 1");
  assert.equal(code.attributes["smoldeno.executor.kind"], "DenoExecutor");
  assert.equal(code.attributes["smoldeno.code.is_final_answer"], true);
  const adds = tree.all("execute_tool add");
  assert.equal(adds.length, 2);
  for (const span of adds) assert.equal(span.parentId, code.spanId);
  const helperCall = tree.one("execute_tool helper");
  assert.equal(helperCall.parentId, code.spanId);
  assert.equal(helperCall.attributes["gen_ai.tool.type"], "agent");
  const helperRun = tree.one("invoke_agent helper");
  assert.equal(helperRun.parentId, helperCall.spanId);
  assert.equal(helperRun.attributes["gen_ai.agent.name"], "helper");
  assert.equal(helperRun.traceId, code.traceId);
  assert.equal(tree.children(helperRun).map((s) => s.name).join(), "step 1");
});

Deno.test("errors are recorded with their kind on the span where they happened and on the step (in-memory exporter)", async () => {
  using tracing = new InMemoryTracing();
  const model = new ScriptedModel({
    replies: [
      "<code>\nundefinedThing.call();\n</code>",
      "<code>\ntry { await explode({}); } catch { console.log('caught'); }\nfinal_answer(1);\n</code>",
    ],
  });
  await using agent = new CodeAgent({ model, tools: [failing], logLevel: LogLevel.OFF });
  assert.equal(await agent.run("Fail, then recover"), 1);
  const tree = tracing.tree();
  const [failed, ok] = tree.all("execute_code");
  assert.equal(failed.status.code, 2);
  assert.equal(failed.attributes["error.type"], "AgentExecutionError");
  assert.equal(failed.attributes["smoldeno.error.kind"], "runtime");
  assert.equal(failed.events[0].name, "exception");
  assert.equal(failed.events[0].attributes["exception.type"], "AgentExecutionError");
  const step1 = tree.all("step 1")[0];
  assert.equal(step1.status.code, 2);
  assert.equal(step1.attributes["smoldeno.error.kind"], "runtime");
  assert.equal(ok.status.code, 0);
  const explode = tree.one("execute_tool explode");
  assert.equal(explode.parentId, ok.spanId);
  assert.equal(explode.status.code, 2);
  assert.ok(String(explode.attributes["error.type"]).length > 0);
  assert.match(explode.status.message ?? "", /the fuse was lit/);
  assert.equal(tree.one("invoke_agent CodeAgent").status.code, 0);
});

Deno.test("a model failure ends the chat span, the step and the run as failed (in-memory exporter)", async () => {
  using tracing = new InMemoryTracing();
  const model = new ScriptedModel({
    replies: [() => {
      throw new TypeError("connection refused");
    }],
  });
  const agent = new ToolCallingAgent({ model, logLevel: LogLevel.OFF });
  await assert.rejects(agent.run("Anything"), { name: "AgentGenerationError" });
  const tree = tracing.tree();
  for (const name of ["chat scripted-model", "step 1", "invoke_agent ToolCallingAgent"]) {
    const span = tree.one(name);
    assert.equal(span.status.code, 2, name);
    assert.equal(span.attributes["error.type"], "AgentGenerationError", name);
  }
});

Deno.test("content is not recorded by default and is with recordContent: true (in-memory exporter)", async () => {
  const replies = () => [
    "Thought: add.\n<code>\nconsole.log('SECRET-LOG');\nfinal_answer(await add({ a: 40, b: 2 }));\n</code>",
  ];
  {
    using tracing = new InMemoryTracing();
    await using agent = new CodeAgent({
      model: new ScriptedModel({ replies: replies() }),
      tools: [add],
      logLevel: LogLevel.OFF,
    });
    await agent.run("TASK-TEXT-1234");
    const tree = tracing.tree();
    assert.deepEqual(contentKeys(tree), []);
    const text = tree.allText();
    for (const leak of ["TASK-TEXT-1234", "SECRET-LOG", "final_answer(await"]) {
      assert.ok(!text.includes(leak), `"${leak}" was recorded`);
    }
  }
  {
    using tracing = new InMemoryTracing();
    await using agent = new CodeAgent({
      model: new ScriptedModel({ replies: replies() }),
      tools: [add],
      logLevel: LogLevel.OFF,
      telemetry: { recordContent: true, maxContentLength: 5_000 },
    });
    await agent.run("TASK-TEXT-1234");
    const tree = tracing.tree();
    const run = tree.one("invoke_agent CodeAgent");
    assert.equal(run.attributes["smoldeno.task"], "TASK-TEXT-1234");
    assert.equal(run.attributes["smoldeno.output"], "42");
    const code = tree.one("execute_code");
    assert.match(String(code.attributes["smoldeno.code"]), /final_answer\(await add/);
    assert.equal(String(code.attributes["smoldeno.code.logs"]).trim(), "SECRET-LOG");
    const tool = tree.one("execute_tool add");
    assert.equal(tool.attributes["gen_ai.tool.call.arguments"], '{"a":40,"b":2}');
    assert.equal(tool.attributes["gen_ai.tool.call.result"], "42");
    const chat = tree.one("chat scripted-model");
    const input = JSON.parse(String(chat.attributes["gen_ai.input.messages"]));
    assert.equal(input[0].role, "system");
    assert.ok(String(input[0].content).length <= 5_000 + 40);
    assert.match(String(chat.attributes["gen_ai.output.messages"]), /Thought: add/);
  }
});

Deno.test("no API key reaches any span, with or without recordContent, nor additional argument values without it (in-memory exporter)", async () => {
  for (const recordContent of [false, true]) {
    using tracing = new InMemoryTracing();
    const scripted = new ScriptedModel({
      replies: [
        "<code>\nconsole.log(Object.keys({ token }).length);\n</code>",
        () => {
          throw new Error("upstream said no");
        },
      ],
    });
    // As in a provider adapter, the key is a field of the model object.
    const model = Object.assign(scripted, { apiKey: "sk-live-abcdef0123456789" });
    await using agent = new CodeAgent({
      model,
      logLevel: LogLevel.OFF,
      telemetry: { recordContent },
    });
    await assert.rejects(
      agent.run("Use the token", { additionalArgs: { token: "tok-private-987654" } }),
      { name: "AgentGenerationError" },
    );
    const tree = tracing.tree();
    assert.ok(tree.spans.length >= 5, tree.render());
    const text = tree.allText();
    assert.ok(!text.includes("sk-live-abcdef0123456789"), "the API key was recorded");
    // With recordContent the prompt is recorded as the model saw it, value previews included.
    assert.equal(text.includes("tok-private-987654"), recordContent);
    assert.deepEqual(
      tree.one("invoke_agent CodeAgent").attributes["smoldeno.run.additional_args"],
      ["token"],
    );
  }
});

Deno.test("planning and the max-steps fallback answer have spans of their own (in-memory exporter)", async () => {
  using tracing = new InMemoryTracing();
  const model = new ScriptedModel({
    replies: [
      "1. Think.\n<end_plan>",
      '{"name": "add", "arguments": {"a": 1, "b": 1}}',
      "The best answer is 2",
    ],
    tokenUsage: { inputTokens: 5, outputTokens: 2 },
  });
  const agent = new ToolCallingAgent({
    model,
    tools: [add],
    planningInterval: 5,
    maxSteps: 1,
    logLevel: LogLevel.OFF,
  });
  const result = await agent.run("Add", { returnFullResult: true });
  assert.equal(result.state, "max_steps_error");
  const tree = tracing.tree();
  assert.equal(
    tree.render(),
    [
      "invoke_agent ToolCallingAgent",
      "  step 1",
      "    planning",
      "      chat scripted-model",
      "    chat scripted-model",
      "    execute_tool add",
      "  step 2",
      "    chat scripted-model",
    ].join("\n"),
  );
  const planning = tree.one("planning");
  assert.equal(planning.attributes["smoldeno.planning.kind"], "initial");
  assert.equal(planning.attributes["gen_ai.usage.input_tokens"], 5);
  const phases = tree.all("chat scripted-model").map((s) => s.attributes["smoldeno.model.phase"]);
  assert.deepEqual(phases, ["planning", "action", "final_answer"]);
  const fallbackStep = tree.all("step 2")[0];
  assert.equal(fallbackStep.attributes["error.type"], "AgentMaxStepsError");
  assert.equal(
    tree.one("invoke_agent ToolCallingAgent").attributes["smoldeno.run.state"],
    "max_steps_error",
  );
});

Deno.test("telemetry: false opens no span, and tracer / tracerProvider choose where spans go (in-memory exporter)", async () => {
  using global = new InMemoryTracing();
  const reply = () => new ScriptedModel({ replies: [finalCall("ok")] });
  await new ToolCallingAgent({ model: reply(), logLevel: LogLevel.OFF, telemetry: false }).run("a");
  await new ToolCallingAgent({
    model: reply(),
    logLevel: LogLevel.OFF,
    telemetry: { enabled: false, recordContent: true },
  }).run("b");
  assert.equal(global.tree().spans.length, 0);
  const own = new InMemoryTracing({ global: false });
  await new ToolCallingAgent({
    model: reply(),
    logLevel: LogLevel.OFF,
    telemetry: { tracerProvider: own.provider },
  }).run("c");
  const tracer = own.provider.getTracer("mine");
  await new ToolCallingAgent({ model: reply(), logLevel: LogLevel.OFF, telemetry: { tracer } }).run(
    "d",
  );
  assert.equal(global.tree().spans.length, 0);
  const runs = own.tree().all("invoke_agent ToolCallingAgent");
  assert.deepEqual(runs.map((s) => s.scope), ["@smoldeno/agents", "mine"]);
});

Deno.test("a run inside the caller's active span is its child, and spans a tool opens nest under its call (in-memory exporter, AsyncLocalStorage context manager)", async () => {
  using tracing = new InMemoryTracing({ contextManager: true });
  const traced = tool({
    name: "traced",
    description: "Opens a span of its own.",
    inputs: {},
    outputType: "string",
    forward: async () => {
      await Promise.resolve();
      trace.getTracer("user").startSpan("inside the tool").end();
      return "ok";
    },
  });
  const agent = new ToolCallingAgent({
    model: new ScriptedModel({ replies: [call("c1", "traced", {}), finalCall("done")] }),
    tools: [traced],
    logLevel: LogLevel.OFF,
  });
  await trace.getTracer("user").startActiveSpan("user request", async (span) => {
    await agent.run("Go");
    span.end();
  });
  const tree = tracing.tree();
  assert.equal(parentName(tree, tree.one("invoke_agent ToolCallingAgent")), "user request");
  assert.equal(parentName(tree, tree.one("inside the tool")), "execute_tool traced");
});

Deno.test("a bad telemetry option is a TypeError or RangeError at construction", () => {
  const model = new ScriptedModel({ replies: [] });
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => new ToolCallingAgent({ model, telemetry: "yes" as any }),
    { name: "TypeError", message: /telemetry must be a boolean or an object/ },
  );
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => new ToolCallingAgent({ model, telemetry: { recordContent: "all" as any } }),
    { name: "TypeError", message: /telemetry\.recordContent must be a boolean, got string/ },
  );
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => new ToolCallingAgent({ model, telemetry: { tracer: {} as any } }),
    { name: "TypeError", message: /telemetry\.tracer must be an OpenTelemetry Tracer/ },
  );
  assert.throws(
    () => new ToolCallingAgent({ model, telemetry: { maxContentLength: 0 } }),
    { name: "RangeError", message: /maxContentLength must be a positive integer, got 0/ },
  );
});

Deno.test("without an SDK installed, a run opens no recording span and works as before", async () => {
  const telemetry = Telemetry.resolve(true, "Test");
  assert.equal(telemetry?.start("invoke_agent x", {}), undefined);
  const agent = new ToolCallingAgent({
    model: new ScriptedModel({ replies: [finalCall(7)] }),
    logLevel: LogLevel.OFF,
  });
  assert.equal(await agent.run("Seven"), 7);
});

Deno.test("a run driven by step() is one run span whose steps are its children (in-memory exporter)", async () => {
  using tracing = new InMemoryTracing();
  const agent = new ToolCallingAgent({
    model: new ScriptedModel({ replies: [call("c1", "add", { a: 1, b: 1 }), finalCall(2)] }),
    tools: [add],
    logLevel: LogLevel.OFF,
  });
  let result = await agent.step("Add");
  assert.equal(tracing.tree().all("invoke_agent ToolCallingAgent").length, 0);
  while (!result.isFinalAnswer) result = await agent.step();
  const tree = tracing.tree();
  const run = tree.one("invoke_agent ToolCallingAgent");
  assert.deepEqual(tree.children(run).map((s) => s.name), ["step 1", "step 2"]);
  assert.equal(run.attributes["smoldeno.run.state"], "success");
});

Deno.test("a stream closed early still ends the run's spans (in-memory exporter)", async () => {
  using tracing = new InMemoryTracing();
  const agent = new ToolCallingAgent({
    model: new ScriptedModel({ replies: [call("c1", "add", { a: 1, b: 1 }), finalCall(2)] }),
    tools: [add],
    logLevel: LogLevel.OFF,
  });
  for await (const event of agent.stream("Add")) {
    if (event.type === "tool_result") break;
  }
  const tree = tracing.tree();
  assert.equal(
    tree.render(),
    "invoke_agent ToolCallingAgent\n  step 1\n    chat scripted-model\n    execute_tool add",
  );
  assert.equal(
    tree.one("invoke_agent ToolCallingAgent").attributes["smoldeno.run.state"],
    undefined,
  );
});

Deno.test("a ToolCallingAgent's managed agent runs under the span of its tool call (in-memory exporter)", async () => {
  using tracing = new InMemoryTracing();
  const helper = new ToolCallingAgent({
    model: new ScriptedModel({ replies: [finalCall("helped")] }),
    name: "helper",
    description: "Helps.",
    logLevel: LogLevel.OFF,
  });
  const manager = new ToolCallingAgent({
    model: new ScriptedModel({
      replies: [call("h1", "helper", { task: "help" }), finalCall("ok")],
    }),
    managedAgents: [helper],
    logLevel: LogLevel.OFF,
  });
  assert.equal(await manager.run("Delegate"), "ok");
  const tree = tracing.tree();
  const helperCall = tree.one("execute_tool helper");
  assert.equal(parentName(tree, helperCall), "step 1");
  assert.equal(helperCall.attributes["gen_ai.tool.type"], "agent");
  assert.equal(helperCall.attributes["gen_ai.tool.call.id"], "h1");
  assert.equal(tree.one("invoke_agent helper").parentId, helperCall.spanId);
});

Deno.test("a DenoExecutor used without an agent runs its tools in the caller's span (Deno's built-in OpenTelemetry)", async () => {
  await using receiver = new OtlpReceiver();
  const child = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./telemetry/_bare_executor_run.ts", import.meta.url).pathname],
    env: {
      OTEL_DENO: "true",
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(child.code, 0, new TextDecoder().decode(child.stderr));
  const ids = JSON.parse(new TextDecoder().decode(child.stdout).trim());
  assert.ok(ids.caller, "the caller's span has an id");
  assert.equal(ids.tool, ids.caller);
});
