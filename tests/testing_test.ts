import { assert, assertEquals, assertRejects, assertThrows } from "./_assert.ts";
import { AgentGenerationError } from "../src/errors.ts";
import type { ChatMessage, ChatMessageStreamDelta, Model } from "../src/models/model.ts";
import { ScriptedModel } from "../src/testing.ts";
import { tool } from "../src/tool.ts";

const user = (content: string): ChatMessage => ({ role: "user", content });

async function collect(
  stream: AsyncIterable<ChatMessageStreamDelta>,
): Promise<ChatMessageStreamDelta[]> {
  const deltas: ChatMessageStreamDelta[] = [];
  for await (const delta of stream) deltas.push(delta);
  return deltas;
}

Deno.test("ScriptedModel gives string, message and function replies in order", async () => {
  const model: Model = new ScriptedModel({
    replies: [
      "first",
      { role: "assistant", content: "second" },
      (messages) => `echo: ${messages.at(-1)?.content}`,
      (_messages, options) =>
        Promise.resolve({
          role: "assistant",
          content: `stops: ${options.stopSequences?.map((s) => s.toLowerCase())}`,
        }),
    ],
  });
  assertEquals((await model.generate([user("a")])).content, "first");
  assertEquals((await model.generate([user("b")])).content, "second");
  assertEquals((await model.generate([user("c")])).content, "echo: c");
  assertEquals(
    (await model.generate([user("d")], { stopSequences: ["END"] })).content,
    "stops: end",
  );
  assertEquals(model.modelId, "scripted-model");
});

Deno.test("ScriptedModel throws a clear AgentGenerationError when it runs out of replies", async () => {
  const model = new ScriptedModel({ replies: ["a", "b", "c"] });
  for (let i = 0; i < 3; i++) await model.generate([user("x")]);
  assertEquals(model.remainingReplies, 0);
  await assertRejects(
    () => model.generate([user("x")]),
    AgentGenerationError,
    "ScriptedModel has no reply left: it was called 4 times with 3 replies",
  );
  await assertRejects(
    () => collect(new ScriptedModel({ replies: [] }).generateStream([user("x")])),
    AgentGenerationError,
    "it was called 1 times with 0 replies",
  );
});

Deno.test("ScriptedModel records deep copies of every call's messages and options", async () => {
  const search = tool({
    name: "search",
    description: "Searches.",
    inputs: { q: { type: "string", description: "query" } },
    outputType: "string",
    forward: () => "",
  });
  const model = new ScriptedModel({ replies: ["one", "two"] });
  const messages = [user("hello")];
  const stopSequences = ["</code>"];
  const controller = new AbortController();
  await model.generate(messages, {
    stopSequences,
    toolsToCallFrom: [search],
    signal: controller.signal,
  });
  messages[0].content = "mutated";
  messages.push(user("more"));
  stopSequences.push("mutated");
  await collect(model.generateStream(messages));

  assertEquals(model.calls.length, 2);
  assertEquals(model.calls[0].messages, [user("hello")]);
  assertEquals(model.calls[0].options.stopSequences, ["</code>"]);
  assert(model.calls[0].options.toolsToCallFrom?.[0] === search);
  assert(model.calls[0].options.signal === controller.signal);
  assertEquals(model.calls[0].stream, false);
  assertEquals(model.calls[0].reply?.content, "one");
  assertEquals(model.calls[1].messages.length, 2);
  assertEquals(model.calls[1].stream, true);
});

Deno.test("ScriptedModel cuts the reply at the earliest stop sequence, like a provider", async () => {
  const reply = "Thought: compute.\n<code>\nfinal_answer(42)\n</code>\nObservation: 42";
  const model = new ScriptedModel({ replies: [reply, reply, reply] });
  const cut = await model.generate([user("x")], { stopSequences: ["Observation:", "</code>"] });
  assertEquals(cut.content, "Thought: compute.\n<code>\nfinal_answer(42)\n");
  const untouched = await model.generate([user("x")], { stopSequences: ["<end_plan>"] });
  assertEquals(untouched.content, reply);
  const streamed = await collect(model.generateStream([user("x")], { stopSequences: ["</code>"] }));
  assertEquals(
    streamed.map((d) => d.content ?? "").join(""),
    "Thought: compute.\n<code>\nfinal_answer(42)\n",
  );
});

Deno.test("ScriptedModel does not let stop-sequence cuts alter a reused scripted message", async () => {
  const message: ChatMessage = { role: "assistant", content: "a STOP b" };
  const model = new ScriptedModel({ replies: [message, message] });
  assertEquals((await model.generate([user("x")], { stopSequences: ["STOP"] })).content, "a ");
  assertEquals((await model.generate([user("x")])).content, "a STOP b");
  assertEquals(message, { role: "assistant", content: "a STOP b" });
});

Deno.test("ScriptedModel reports deterministic estimated token usage, or the configured one", async () => {
  const estimating = new ScriptedModel({ replies: ["12345678", "12345678"] });
  const a = await estimating.generate([user("abcd"), user("abcdefgh")]);
  // Input: (4 + 1) + (4 + 2) framing and text tokens; output: 8 chars / 4.
  assertEquals(a.tokenUsage, { inputTokens: 11, outputTokens: 2 });
  const b = await estimating.generate([user("abcd"), user("abcdefgh")]);
  assertEquals(b.tokenUsage, a.tokenUsage);

  const fixed = new ScriptedModel({
    replies: ["x", {
      role: "assistant",
      content: "y",
      tokenUsage: { inputTokens: 1, outputTokens: 2 },
    }],
    tokenUsage: { inputTokens: 100, outputTokens: 10 },
  });
  assertEquals((await fixed.generate([user("q")])).tokenUsage, {
    inputTokens: 100,
    outputTokens: 10,
  });
  assertEquals((await fixed.generate([user("q")])).tokenUsage, { inputTokens: 1, outputTokens: 2 });
});

Deno.test("ScriptedModel.generateStream() splits text into several deltas and ends with token usage", async () => {
  const model = new ScriptedModel({ replies: ["Thought: 🙂 ok"], streamChunkSize: 3 });
  const deltas = await collect(model.generateStream([user("x")]));
  assertEquals(deltas.slice(0, -1).map((d) => d.content), ["Tho", "ugh", "t: ", "🙂 o", "k"]);
  assertEquals(deltas.at(-1), { tokenUsage: { inputTokens: 5, outputTokens: 4 } });
});

Deno.test("ScriptedModel.generateStream() splits each tool call's arguments across deltas by index", async () => {
  const model = new ScriptedModel({
    replies: [{
      role: "assistant",
      content: "Calling.",
      toolCalls: [
        { id: "call_a", name: "get_weather", arguments: { city: "Paris" } },
        { id: "call_b", name: "search", arguments: '{"q":"x"}' },
      ],
    }],
    streamChunkSize: 5,
  });
  const deltas = await collect(model.generateStream([user("x")]));
  const toolDeltas = deltas.flatMap((d) => d.toolCalls ?? []);
  assertEquals(toolDeltas, [
    { index: 0, id: "call_a", name: "get_weather", arguments: '{"cit' },
    { index: 0, arguments: 'y":"P' },
    { index: 0, arguments: 'aris"' },
    { index: 0, arguments: "}" },
    { index: 1, id: "call_b", name: "search", arguments: '{"q":' },
    { index: 1, arguments: '"x"}' },
  ]);
  assertEquals(deltas.map((d) => d.content ?? "").join(""), "Calling.");
  // Reassembling by index gives back the calls.
  const byIndex = new Map<number, string>();
  for (const d of toolDeltas) {
    byIndex.set(d.index, (byIndex.get(d.index) ?? "") + (d.arguments ?? ""));
  }
  assertEquals(JSON.parse(byIndex.get(0)!), { city: "Paris" });
});

Deno.test("ScriptedModel rejects at once when the signal is already aborted", async () => {
  const model = new ScriptedModel({ replies: ["a"] });
  const controller = new AbortController();
  controller.abort(new DOMException("stop", "AbortError"));
  const err = await assertRejects(() => model.generate([user("x")], { signal: controller.signal }));
  assertEquals(err.name, "AbortError");
  assertEquals(model.calls.length, 0);
  assertEquals(model.remainingReplies, 1);
});

Deno.test("ScriptedModel stops streaming when the signal aborts mid-reply", async () => {
  const model = new ScriptedModel({ replies: ["a long reply in many chunks"] });
  const controller = new AbortController();
  const seen: string[] = [];
  const err = await assertRejects(async () => {
    for await (const delta of model.generateStream([user("x")], { signal: controller.signal })) {
      seen.push(delta.content ?? "");
      if (seen.length === 2) controller.abort(new DOMException("stop", "AbortError"));
    }
  });
  assertEquals(err.name, "AbortError");
  assertEquals(seen.length, 2);
});

Deno.test("ScriptedModel rejects bad options with TypeError or RangeError", () => {
  assertThrows(() => new ScriptedModel({} as never), TypeError, "replies must be an array");
  assertThrows(
    () => new ScriptedModel({ replies: ["a", 42 as never] }),
    TypeError,
    "reply 1 must be a string, a ChatMessage or a function, got number",
  );
  assertThrows(
    () => new ScriptedModel({ replies: [], streamChunkSize: 0 }),
    RangeError,
    "streamChunkSize must be a positive integer",
  );
});

Deno.test("ScriptedModel reports a reply function that returns garbage", async () => {
  const model = new ScriptedModel({ replies: [() => 42 as never] });
  await assertRejects(
    () => model.generate([user("x")]),
    TypeError,
    "reply 0 function returned number",
  );
});
