// End to end: a CodeAgent driven by OpenAIServerModel, whose replies come
// from a local server speaking the OpenAI streaming wire format, with the
// model's code run in the real DenoExecutor sandbox.
import { CodeAgent } from "../../src/agents/code_agent.ts";
import { ToolCallingAgent } from "../../src/agents/tool_calling_agent.ts";
import { LogLevel } from "../../src/logger.ts";
import { OpenAIServerModel } from "../../src/models/openai_model.ts";
import { tool } from "../../src/tool.ts";
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { chunk, FakeServer, type ReceivedRequest, sse, usageChunk } from "./_fake_server.ts";

// What the model "writes" at each step; the second and third steps use
// variables defined by the earlier ones.
const REPLIES = [
  'Thought: I need the price first.\n<code>\nconst price = await get_price({ item: "widget" });\nconsole.log(`price: ${price}`);\n</code>',
  "Thought: Now the VAT.\n<code>\nconst total = await add_vat({ amount: price });\nconsole.log(`total: ${total}`);\n</code>",
  "Thought: I have the total.\n<code>\nfinal_answer(`The widget costs ${total} EUR with VAT`);\n</code>",
];

const getPrice = tool({
  name: "get_price",
  description: "Price of an item in EUR.",
  inputs: { item: { type: "string", description: "Item name" } },
  outputType: "number",
  forward: ({ item }) => (item === "widget" ? 40 : 0),
});

const addVat = tool({
  name: "add_vat",
  description: "Adds 25 % VAT to an amount.",
  inputs: { amount: { type: "number", description: "Amount before VAT" } },
  outputType: "number",
  forward: ({ amount }) => amount * 1.25,
});

// Like a real server: honours `stop` (the stop text is not sent), streams the
// text in small pieces, and ends with a usage chunk.
function streamedReply(request: ReceivedRequest, text: string) {
  const stops = (request.body.stop as string[] | undefined) ?? [];
  const cut = Math.min(...stops.map((s) => text.indexOf(s)).filter((i) => i >= 0), text.length);
  const kept = text.slice(0, cut);
  const pieces = kept.match(/[\s\S]{1,7}/g) ?? [];
  return sse([
    chunk({ role: "assistant", content: "" }),
    ...pieces.map((piece) => chunk({ content: piece })),
    chunk({}, { choices: [{ index: 0, delta: {}, finish_reason: "stop" }] }),
    usageChunk(100, pieces.length),
  ])();
}

Deno.test("CodeAgent with OpenAIServerModel solves a three-step task against a local OpenAI-style server", async () => {
  await using server = new FakeServer((request, index) => () =>
    streamedReply(request, REPLIES[Math.min(index, REPLIES.length - 1)])
  );
  await using agent = new CodeAgent({
    model: new OpenAIServerModel({
      modelId: "gpt-4o",
      apiBase: `${server.origin}/v1`,
      apiKey: "sk-e2e-test-key-123456",
    }),
    tools: [getPrice, addVat],
    logLevel: LogLevel.OFF,
    maxSteps: 5,
  });
  const result = await agent.run("How much is a widget with VAT?", { returnFullResult: true });

  assertEquals(result.output, "The widget costs 50 EUR with VAT");
  assertEquals(result.state, "success");
  assertEquals(server.requests.length, 3);
  for (const request of server.requests) {
    assertEquals(request.path, "/v1/chat/completions");
    assertEquals(request.body.model, "gpt-4o");
    assertEquals(request.body.stream, true);
    assertEquals(request.body.stream_options, { include_usage: true });
    assert((request.body.stop as string[]).includes("</code>"));
  }
  // Each later request carries the observation of the step before.
  const lastMessage = (request: ReceivedRequest) =>
    JSON.stringify((request.body.messages as unknown[]).at(-1));
  assertStringIncludes(
    JSON.stringify(server.requests[0].body.messages),
    "How much is a widget with VAT?",
  );
  assertStringIncludes(lastMessage(server.requests[1]), "price: 40");
  assertStringIncludes(lastMessage(server.requests[2]), "total: 50");
  assertEquals(result.tokenUsage.inputTokens, 300);
});

// Tool calls streamed the way OpenAI streams them: the id and name first,
// the JSON arguments in fragments, two calls interleaved by index.
function toolCallStream(calls: { id: string; name: string; args: string }[]) {
  const first = calls.map((call, index) =>
    chunk({
      tool_calls: [{
        index,
        id: call.id,
        type: "function",
        function: { name: call.name, arguments: "" },
      }],
    })
  );
  // Round robin: fragment k of every call, then fragment k + 1, …
  const pieces = calls.map((call) => call.args.match(/[\s\S]{1,5}/g) ?? []);
  const fragments = Array.from(
    { length: Math.max(...pieces.map((p) => p.length)) },
    (_, k) =>
      pieces.flatMap((list, index) =>
        k < list.length
          ? [chunk({ tool_calls: [{ index, function: { arguments: list[k] } }] })]
          : []
      ),
  ).flat();
  return sse([
    chunk({ role: "assistant", content: null }),
    ...first,
    ...fragments,
    chunk({}, { choices: [{ index: 0, delta: {}, finish_reason: "tool_calls" }] }),
    usageChunk(80, 20),
  ])();
}

Deno.test("ToolCallingAgent with OpenAIServerModel runs parallel streamed tool calls, then final_answer", async () => {
  await using server = new FakeServer((_request, index) => () =>
    index === 0
      ? toolCallStream([
        { id: "call_1", name: "get_price", args: '{"item":"widget"}' },
        { id: "call_2", name: "add_vat", args: '{"amount":100}' },
      ])
      : toolCallStream([{ id: "call_3", name: "final_answer", args: '{"answer":"40 and 125"}' }])
  );
  await using agent = new ToolCallingAgent({
    model: new OpenAIServerModel({
      modelId: "gpt-4o",
      apiBase: server.origin,
      apiKey: "sk-e2e-0123456",
    }),
    tools: [getPrice, addVat],
    logLevel: LogLevel.OFF,
    maxSteps: 4,
  });
  assertEquals(await agent.run("Price of a widget, and 100 with VAT?"), "40 and 125");
  assertEquals(server.requests.length, 2);
  const [first, second] = server.requests;
  assertEquals(first.body.tool_choice, "required");
  assertEquals(
    (first.body.tools as { function: { name: string } }[]).map((t) => t.function.name).sort(),
    ["add_vat", "final_answer", "get_price"],
  );
  // The second request shows the model both calls and their results (in
  // whatever form the agent's memory renders them); 40 and 125 can only come
  // from arguments merged correctly from the interleaved fragments.
  const history = JSON.stringify(second.body.messages);
  for (const expected of ["call_1", "call_2", "get_price", "add_vat", "40", "125"]) {
    assertStringIncludes(history, expected);
  }
});
