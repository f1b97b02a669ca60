// toolFromSpace() through the real @gradio/client, against a local app that
// speaks Gradio 5's config/info/queue protocol (_gradio_server.ts).

import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { ToolCallingAgent } from "../../src/agents/tool_calling_agent.ts";
import { AgentToolCallError, AgentToolExecutionError } from "../../src/errors.ts";
import { LogLevel } from "../../src/logger.ts";
import { ScriptedModel } from "../../src/testing.ts";
import { toolFromSpace } from "../../src/hub/mod.ts";
import { FakeGradioApp } from "./_gradio_server.ts";

Deno.test("toolFromSpace() reads the inputs from the app's API and calls it through its queue", async () => {
  await using app = new FakeGradioApp();
  await using shout = await toolFromSpace(app.url, {
    name: "shout",
    description: "Shouts a text.",
  });
  assertEquals(shout.apiName, "/shout", "the first named endpoint by default");
  assertEquals(shout.inputs, {
    text: { type: "string", description: "Text" },
    times: { type: "number", description: "Times", nullable: true },
  });
  assertEquals(shout.outputType, "string");
  assertEquals(await shout.call({ text: "hi", times: 3 }), "HIHIHI");
  const join = app.calls.find((c) => c.path === "/gradio_api/queue/join");
  assertEquals((join?.body as { data: unknown[]; fn_index: number }).data, ["hi", 3]);
  assertEquals(
    app.calls.map((c) => `${c.method} ${c.path}`),
    [
      "GET /config",
      "GET /gradio_api/info",
      "POST /gradio_api/queue/join",
      "GET /gradio_api/queue/data",
    ],
  );
  await assertRejects(() => shout.call({ times: 2 }), AgentToolCallError, "text");
});

Deno.test("a Space tool works inside an agent", async () => {
  await using app = new FakeGradioApp();
  await using shout = await toolFromSpace(app.url, {
    name: "shout",
    description: "Shouts a text.",
  });
  const model = new ScriptedModel({
    replies: [
      '{"name": "shout", "arguments": {"text": "hey"}}',
      '{"name": "final_answer", "arguments": {"answer": "ok"}}',
    ],
  });
  const agent = new ToolCallingAgent({ model, tools: [shout], logLevel: LogLevel.OFF });
  const result = await agent.run("Shout hey", { returnFullResult: true });
  assert(result.steps.some((s) => s.type === "action" && s.observations?.includes("HEY")));
});

Deno.test("an endpoint that fails is a tool execution error with the app's message", async () => {
  await using app = new FakeGradioApp();
  await using fail = await toolFromSpace(app.url, {
    name: "fail",
    description: "Always fails.",
    apiName: "/fail",
  });
  await assertRejects(() => fail.call({ text: "x" }), AgentToolExecutionError, "overloaded");
});

Deno.test("an apiName the app does not have is refused with the app's endpoints", async () => {
  await using app = new FakeGradioApp();
  await assertRejects(
    () => toolFromSpace(app.url, { name: "x", description: "X.", apiName: "/nope" }),
    TypeError,
    '"/shout", "/fail"',
  );
});
