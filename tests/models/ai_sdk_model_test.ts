import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { createAnthropic } from "@ai-sdk/anthropic";
import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4GenerateResult,
  LanguageModelV4StreamPart,
} from "@ai-sdk/provider";
import { AgentGenerationError } from "../../src/errors.ts";
import { AISdkModel, type AISdkRawResult } from "../../src/models/ai_sdk_model.ts";
import { ToolCallAccumulator } from "../../src/models/_tool_call_deltas.ts";
import { tool } from "../../src/tool.ts";
import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "../_assert.ts";
import {
  chunk,
  closedOrigin,
  collect,
  completion,
  errorReply,
  FakeServer,
  sse,
  usageChunk,
  user,
} from "./_fake_server.ts";
import { moduleGraph } from "./_module_graph.ts";

const KEY = "sk-ai-sdk-test-0123456789SECRET";
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);

const getWeather = tool({
  name: "get_weather",
  description: "Weather report for a city.",
  inputs: { city: { type: "string", description: "City name" } },
  outputType: "string",
  forward: ({ city }) => `Sunny in ${city}`,
});

function compatible(
  origin: string,
  options: Record<string, unknown> = {},
  supportsStructuredOutputs = false,
): AISdkModel {
  const provider = createOpenAICompatible({
    name: "local",
    baseURL: `${origin}/v1`,
    apiKey: KEY,
    supportsStructuredOutputs,
  });
  return new AISdkModel({ model: provider("test-model"), retryDelayMs: 1, ...options });
}

/** The chunk that ends a choice: real servers always send one. */
function finish(reason: string): Record<string, unknown> {
  return { ...chunk({}), choices: [{ index: 0, delta: {}, finish_reason: reason }] };
}

// --- @ai-sdk/openai-compatible against a chat-completions server -----------

Deno.test("AISdkModel.generate() through @ai-sdk/openai-compatible sends messages with an image and returns text with usage", async () => {
  await using server = new FakeServer([
    completion("A red square.", { usage: { prompt_tokens: 21, completion_tokens: 4 } }),
  ]);
  const model = compatible(server.origin, { temperature: 0.2, maxTokens: 64 });
  const reply = await model.generate([
    { role: "system", content: "Be brief." },
    {
      role: "user",
      content: [{ type: "text", text: "What is this?" }, {
        type: "image",
        image: PNG,
        mimeType: "image/png",
      }],
    },
  ], { temperature: 0.5 });
  assertEquals(reply.role, "assistant");
  assertEquals(reply.content, "A red square.");
  assertEquals(reply.tokenUsage, { inputTokens: 21, outputTokens: 4 });
  const raw = reply.raw as AISdkRawResult;
  assertEquals(raw.provider, "local.chat");
  assertEquals(raw.finishReason.unified, "stop");
  assertEquals(raw.response?.modelId, "test-model");
  const [request] = server.requests;
  assertEquals(request.path, "/v1/chat/completions");
  assertEquals(request.headers.get("authorization"), `Bearer ${KEY}`);
  assertEquals(request.body.model, "test-model");
  assertEquals(request.body.temperature, 0.5);
  assertEquals(request.body.max_tokens, 64);
  assertEquals(request.body.messages, [
    { role: "system", content: "Be brief." },
    {
      role: "user",
      content: [
        { type: "text", text: "What is this?" },
        {
          type: "image_url",
          image_url: { url: `data:image/png;base64,${btoa("\x89PNG\x01\x02\x03")}` },
        },
      ],
    },
  ]);
});

Deno.test("AISdkModel sends tools as functions with tool_choice required and parses the tool calls", async () => {
  await using server = new FakeServer([
    completion(null, {
      toolCalls: [{ id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' }],
    }),
  ]);
  const model = compatible(server.origin);
  const reply = await model.generate([user("Weather in Paris?")], {
    toolsToCallFrom: [getWeather],
  });
  assertEquals(reply.content, null);
  assertEquals(reply.toolCalls, [{
    id: "call_1",
    name: "get_weather",
    arguments: { city: "Paris" },
  }]);
  const body = server.requests[0].body;
  assertEquals(body.tool_choice, "required");
  const tools = body.tools as { type: string; function: { name: string; parameters: unknown } }[];
  assertEquals(tools[0].type, "function");
  assertEquals(tools[0].function.name, "get_weather");
  assertEquals(
    (tools[0].function.parameters as { properties: Record<string, unknown> }).properties.city,
    { type: "string", description: "City name" },
  );
});

Deno.test("AISdkModel sends a tool round trip back: the assistant's call and the tool's result", async () => {
  await using server = new FakeServer([completion("It is sunny.")]);
  const model = compatible(server.origin);
  await model.generate([
    user("Weather?"),
    {
      role: "assistant",
      content: null,
      toolCalls: [{ id: "call_9", name: "get_weather", arguments: { city: "Oslo" } }],
    },
    { role: "tool", toolCallId: "call_9", content: "Snow in Oslo" },
  ]);
  const messages = server.requests[0].body.messages as Record<string, unknown>[];
  assertEquals(messages[1], {
    role: "assistant",
    content: null,
    tool_calls: [{
      id: "call_9",
      type: "function",
      function: { name: "get_weather", arguments: '{"city":"Oslo"}' },
    }],
  });
  assertEquals(messages[2], { role: "tool", tool_call_id: "call_9", content: "Snow in Oslo" });
});

Deno.test("AISdkModel asks for a JSON schema reply and cuts the text at a stop sequence", async () => {
  await using server = new FakeServer([
    completion('{"answer":42}'),
    completion("Thought: done\nObservation: leaked"),
  ]);
  const model = compatible(server.origin, {}, true);
  const schema = { type: "object", properties: { answer: { type: "number" } } };
  const json = await model.generate([user("?")], {
    responseFormat: { type: "json_schema", jsonSchema: { name: "answer", schema } },
  });
  assertEquals(json.content, '{"answer":42}');
  const format = server.requests[0].body.response_format as {
    type: string;
    json_schema: { name: string; schema: unknown };
  };
  assertEquals(format.type, "json_schema");
  assertEquals(format.json_schema.name, "answer");
  assertEquals(format.json_schema.schema, schema);
  const cut = await model.generate([user("?")], { stopSequences: ["Observation:"] });
  assertEquals(cut.content, "Thought: done\n");
  assertEquals(server.requests[1].body.stop, ["Observation:"]);
});

Deno.test("AISdkModel.generateStream() yields text and tool-call deltas by index, then usage", async () => {
  await using server = new FakeServer([
    sse([
      chunk({ role: "assistant", content: "" }),
      chunk({ content: "Let me " }),
      chunk({ content: "check." }),
      chunk({
        tool_calls: [{
          index: 0,
          id: "call_a",
          type: "function",
          function: { name: "get_weather", arguments: "" },
        }],
      }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '"Rome"}' } }] }),
      finish("tool_calls"),
      usageChunk(30, 12),
    ]),
  ]);
  const model = compatible(server.origin);
  const deltas = await collect(model.generateStream([user("Weather?")], {
    toolsToCallFrom: [getWeather],
  }));
  assertEquals(deltas.map((delta) => delta.content ?? "").join(""), "Let me check.");
  const calls = new ToolCallAccumulator();
  for (const delta of deltas) if (delta.toolCalls) calls.add(delta.toolCalls);
  assertEquals(calls.toolCalls(), [{
    id: "call_a",
    name: "get_weather",
    arguments: { city: "Rome" },
  }]);
  assertEquals(deltas.at(-1)?.tokenUsage, { inputTokens: 30, outputTokens: 12 });
  assertEquals(server.requests[0].body.stream, true);
});

Deno.test("AISdkModel retries a 503 honouring Retry-After and tells onRetry, through the real provider", async () => {
  await using server = new FakeServer([
    errorReply(503, "overloaded", { "retry-after-ms": "5" }),
    completion("ok"),
  ]);
  const retries: { status?: number; attempt: number; reason: string }[] = [];
  const model = compatible(server.origin, {
    onRetry: ({ status, attempt, reason }: { status?: number; attempt: number; reason: string }) =>
      retries.push({ status, attempt, reason }),
  });
  assertEquals((await model.generate([user("?")])).content, "ok");
  assertEquals(server.requests.length, 2);
  assertEquals(retries.length, 1);
  assertEquals(retries[0].status, 503);
  assertEquals(retries[0].attempt, 2);
  assertStringIncludes(retries[0].reason, "overloaded");
});

Deno.test("AISdkModel does not retry a 400 and rejects with its status and message", async () => {
  await using server = new FakeServer([errorReply(400, "bad tool schema")]);
  const model = compatible(server.origin);
  const error = await assertRejects(() => model.generate([user("?")]), AgentGenerationError);
  assertEquals(error.status, 400);
  assertStringIncludes(error.message, 'Model "test-model" request failed with status 400');
  assertStringIncludes(error.message, "bad tool schema");
  assertEquals(server.requests.length, 1);
});

Deno.test("AISdkModel keeps a key echoed by the server out of the error", async () => {
  await using server = new FakeServer([errorReply(401, `Incorrect API key provided: ${KEY}`)]);
  const model = compatible(server.origin, { secrets: [KEY] });
  const error = await assertRejects(() => model.generate([user("?")]), AgentGenerationError);
  assertEquals(error.status, 401);
  assert(!error.message.includes(KEY), error.message);
  assertStringIncludes(error.message, "[redacted]");
  assert(!JSON.stringify(model).includes(KEY));
  assertEquals(JSON.parse(JSON.stringify(model)), {
    type: "AISdkModel",
    modelId: "test-model",
    provider: "local.chat",
  });
});

Deno.test("AISdkModel says which server it cannot reach, after its retries", async () => {
  const origin = closedOrigin();
  const model = compatible(origin, { maxRetries: 1 });
  const error = await assertRejects(() => model.generate([user("?")]), AgentGenerationError);
  assertEquals(error.status, undefined);
  assertStringIncludes(error.message, "after 2 attempts");
  assertStringIncludes(error.message, `cannot reach ${origin}`);
  assertStringIncludes(error.message, "connection refused");
});

Deno.test("AISdkModel rejects with the signal's reason when the call is aborted", async () => {
  const controller = new AbortController();
  await using server = new FakeServer([() => {
    controller.abort(new Error("user stopped"));
    return new Promise<Response>((resolve) => setTimeout(() => resolve(completion("late")), 300));
  }]);
  const model = compatible(server.origin);
  const error = await assertRejects(() =>
    model.generate([user("?")], { signal: controller.signal })
  );
  assertEquals(error.message, "user stopped");
  assertEquals(server.requests.length, 1);
});

Deno.test("AISdkModel.generateStream() retries a stream that fails before its first token", async () => {
  await using server = new FakeServer([
    errorReply(500, "boom"),
    sse([chunk({ content: "second" }), finish("stop"), usageChunk(1, 1)]),
  ]);
  const model = compatible(server.origin);
  const deltas = await collect(model.generateStream([user("?")]));
  assertEquals(deltas.map((delta) => delta.content ?? "").join(""), "second");
  assertEquals(server.requests.length, 2);
});

Deno.test("AISdkModel.generateStream() cancels the request when the consumer stops early", async () => {
  let cancelled = false;
  await using server = new FakeServer([
    sse([chunk({ content: "Hel" })], { hang: true, onCancel: () => cancelled = true }),
  ]);
  const model = compatible(server.origin);
  for await (const delta of model.generateStream([user("?")])) {
    assertEquals(delta.content, "Hel");
    break;
  }
  for (let i = 0; i < 100 && !cancelled; i++) await new Promise((r) => setTimeout(r, 10));
  assert(cancelled, "the server saw the request cancelled");
});

// --- @ai-sdk/anthropic against a Messages API server ------------------------

function anthropicMessage(
  content: Record<string, unknown>[],
  options: { stopReason?: string; usage?: Record<string, number> } = {},
): Response {
  return Response.json({
    id: "msg_test",
    type: "message",
    role: "assistant",
    model: "claude-test-1",
    content,
    stop_reason: options.stopReason ?? "end_turn",
    stop_sequence: null,
    usage: options.usage ?? { input_tokens: 11, output_tokens: 7 },
  });
}

/** A Messages API event stream: each event with its `event:` name, as Anthropic sends it. */
function anthropicEvents(events: Record<string, unknown>[]): () => Response {
  return () => {
    const text = events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`)
      .join("");
    return new Response(text, { headers: { "content-type": "text/event-stream" } });
  };
}

function anthropicError(status: number, type: string, message: string): Response {
  return Response.json({ type: "error", error: { type, message } }, { status });
}

function claude(origin: string, options: Record<string, unknown> = {}): AISdkModel {
  const anthropic = createAnthropic({ baseURL: `${origin}/v1`, apiKey: KEY });
  return new AISdkModel({ model: anthropic("claude-test-1"), retryDelayMs: 1, ...options });
}

Deno.test("AISdkModel through @ai-sdk/anthropic puts the system prompt on top, sends max_tokens, images as base64 and a cache hint", async () => {
  await using server = new FakeServer([
    anthropicMessage([{ type: "text", text: "A tiny image." }], {
      usage: { input_tokens: 40, output_tokens: 5, cache_read_input_tokens: 30 },
    }),
  ]);
  const model = claude(server.origin, {
    systemMessageProviderOptions: { anthropic: { cacheControl: { type: "ephemeral" } } },
  });
  const reply = await model.generate([
    { role: "system", content: "You are terse." },
    {
      role: "user",
      content: [{ type: "text", text: "Describe" }, { type: "image", image: PNG }],
    },
  ]);
  assertEquals(reply.content, "A tiny image.");
  assertEquals(reply.tokenUsage?.outputTokens, 5);
  assert((reply.tokenUsage?.inputTokens ?? 0) >= 40, JSON.stringify(reply.tokenUsage));
  const [request] = server.requests;
  assertEquals(request.path, "/v1/messages");
  assertEquals(request.headers.get("x-api-key"), KEY);
  assert(request.headers.get("anthropic-version"), "anthropic-version header sent");
  const body = request.body as {
    system: unknown;
    max_tokens: unknown;
    messages: { role: string; content: Record<string, unknown>[] }[];
  };
  assertEquals(body.system, [{
    type: "text",
    text: "You are terse.",
    cache_control: { type: "ephemeral" },
  }]);
  assert(typeof body.max_tokens === "number" && body.max_tokens > 0, "max_tokens is required");
  assertEquals(body.messages.length, 1);
  assertEquals(body.messages[0].role, "user");
  assertEquals(body.messages[0].content[1], {
    type: "image",
    source: { type: "base64", media_type: "image/png", data: btoa("\x89PNG\x01\x02\x03") },
  });
});

Deno.test("AISdkModel through @ai-sdk/anthropic parses tool_use blocks and sends tool results back", async () => {
  await using server = new FakeServer([
    anthropicMessage([
      { type: "text", text: "Checking." },
      { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Lima" } },
    ], { stopReason: "tool_use" }),
    anthropicMessage([{ type: "text", text: "Sunny." }]),
  ]);
  const model = claude(server.origin);
  const first = await model.generate([user("Weather?")], { toolsToCallFrom: [getWeather] });
  assertEquals(first.content, "Checking.");
  assertEquals(first.toolCalls, [{
    id: "toolu_1",
    name: "get_weather",
    arguments: { city: "Lima" },
  }]);
  const body = server.requests[0].body as { tools: { name: string }[]; tool_choice: unknown };
  assertEquals(body.tools.map((t) => t.name), ["get_weather"]);
  assertEquals(body.tool_choice, { type: "any" });
  await model.generate([
    user("Weather?"),
    first,
    { role: "tool", toolCallId: "toolu_1", content: "Sunny in Lima" },
  ]);
  const messages = server.requests[1].body.messages as {
    role: string;
    content: Record<string, unknown>[];
  }[];
  assertEquals(messages[1].content.at(-1), {
    type: "tool_use",
    id: "toolu_1",
    name: "get_weather",
    input: { city: "Lima" },
  });
  assertEquals(messages[2].role, "user");
  assertEquals(messages[2].content[0].type, "tool_result");
  assertEquals(messages[2].content[0].tool_use_id, "toolu_1");
});

const CLAUDE_STREAM = [
  {
    type: "message_start",
    message: {
      id: "msg_s",
      type: "message",
      role: "assistant",
      model: "claude-test-1",
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 25, output_tokens: 1 },
    },
  },
  { type: "ping" },
  { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
  { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "On " } },
  { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "it." } },
  { type: "content_block_stop", index: 0 },
  {
    type: "content_block_start",
    index: 1,
    content_block: { type: "tool_use", id: "toolu_s", name: "get_weather", input: {} },
  },
  {
    type: "content_block_delta",
    index: 1,
    delta: { type: "input_json_delta", partial_json: '{"city": ' },
  },
  {
    type: "content_block_delta",
    index: 1,
    delta: { type: "input_json_delta", partial_json: '"Kyiv"}' },
  },
  { type: "content_block_stop", index: 1 },
  {
    type: "message_delta",
    delta: { stop_reason: "tool_use", stop_sequence: null },
    usage: { output_tokens: 18 },
  },
  { type: "message_stop" },
];

Deno.test("AISdkModel.generateStream() reads Anthropic's named SSE events into text and tool-call deltas", async () => {
  await using server = new FakeServer([anthropicEvents(CLAUDE_STREAM)]);
  const model = claude(server.origin);
  const deltas = await collect(model.generateStream([user("Weather?")], {
    toolsToCallFrom: [getWeather],
  }));
  assertEquals(deltas.map((delta) => delta.content ?? "").join(""), "On it.");
  const calls = new ToolCallAccumulator();
  for (const delta of deltas) if (delta.toolCalls) calls.add(delta.toolCalls);
  assertEquals(calls.toolCalls(), [{
    id: "toolu_s",
    name: "get_weather",
    arguments: { city: "Kyiv" },
  }]);
  assertEquals(deltas.at(-1)?.tokenUsage?.outputTokens, 18);
  assertEquals(server.requests[0].body.stream, true);
});

Deno.test("AISdkModel retries Anthropic's 529 overloaded reply and its overloaded_error stream event", async () => {
  await using server = new FakeServer([
    anthropicError(529, "overloaded_error", "Overloaded"),
    anthropicEvents([CLAUDE_STREAM[0], {
      type: "error",
      error: { type: "overloaded_error", message: "Overloaded" },
    }]),
    anthropicEvents(CLAUDE_STREAM),
  ]);
  const statuses: (number | undefined)[] = [];
  const model = claude(server.origin, {
    onRetry: ({ status }: { status?: number }) => statuses.push(status),
  });
  const deltas = await collect(model.generateStream([user("?")]));
  assertEquals(deltas.map((delta) => delta.content ?? "").join(""), "On it.");
  assertEquals(statuses, [529, 529]);
  assertEquals(server.requests.length, 3);
});

Deno.test("AISdkModel does not retry Anthropic's 401 and says so with the status", async () => {
  await using server = new FakeServer([
    anthropicError(401, "authentication_error", "invalid x-api-key"),
  ]);
  const model = claude(server.origin);
  const error = await assertRejects(() => model.generate([user("?")]), AgentGenerationError);
  assertEquals(error.status, 401);
  assertStringIncludes(error.message, "invalid x-api-key");
  assertEquals(server.requests.length, 1);
});

// --- hand-written language models -------------------------------------------

const USAGE = {
  inputTokens: { total: 5, noCache: 5, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 3, text: 3, reasoning: 0 },
};

function fakeModel(options: {
  generate?: (call: LanguageModelV4CallOptions) => Partial<LanguageModelV4GenerateResult>;
  stream?: (call: LanguageModelV4CallOptions) => LanguageModelV4StreamPart[];
  calls?: LanguageModelV4CallOptions[];
}): LanguageModelV4 {
  return {
    specificationVersion: "v4",
    provider: "fake",
    modelId: "fake-1",
    supportedUrls: {},
    doGenerate: (call) => {
      options.calls?.push(call);
      return Promise.resolve({
        content: [],
        finishReason: { unified: "stop", raw: "stop" },
        usage: USAGE,
        warnings: [],
        ...options.generate?.(call),
      });
    },
    doStream: (call) => {
      options.calls?.push(call);
      const parts = options.stream?.(call) ?? [];
      return Promise.resolve({
        stream: new ReadableStream({
          start(controller) {
            for (const part of parts) controller.enqueue(part);
            controller.close();
          },
        }),
      });
    },
  };
}

Deno.test("AISdkModel passes sampling, stop sequences, topK, provider options and headers to the model (fake provider)", async () => {
  const calls: LanguageModelV4CallOptions[] = [];
  const model = new AISdkModel({
    model: fakeModel({ calls, generate: () => ({ content: [{ type: "text", text: "ok" }] }) }),
    temperature: 0.1,
    topK: 4,
    providerOptions: { fake: { mode: "model" } },
    headers: { "x-team": "agents" },
    reasoningEffort: "low",
  });
  const controller = new AbortController();
  await model.generate([user("?")], {
    stopSequences: ["STOP"],
    maxTokens: 99,
    seed: 7,
    providerOptions: { fake: { mode: "call" } },
    signal: controller.signal,
  });
  const [call] = calls;
  assertEquals(call.temperature, 0.1);
  assertEquals(call.topK, 4);
  assertEquals(call.maxOutputTokens, 99);
  assertEquals(call.seed, 7);
  assertEquals(call.stopSequences, ["STOP"]);
  assertEquals(call.reasoning, "low");
  assertEquals(call.providerOptions, { fake: { mode: "call" } });
  assertEquals(call.headers, { "x-team": "agents" });
  assertEquals(call.prompt, [{ role: "user", content: [{ type: "text", text: "?" }] }]);
  assert(call.abortSignal instanceof AbortSignal, "the model gets an abort signal");
});

Deno.test("AISdkModel sends an image URL as a URL and a named tool choice as a tool (fake provider)", async () => {
  const calls: LanguageModelV4CallOptions[] = [];
  const model = new AISdkModel({ model: fakeModel({ calls }) });
  await model.generate([{
    role: "user",
    content: [{ type: "image", image: "https://example.com/cat.png" }],
  }], { toolsToCallFrom: [getWeather], toolChoice: { name: "get_weather" } });
  const [call] = calls;
  const part = (call.prompt[0].content as unknown[])[0] as {
    type: string;
    mediaType: string;
    data: { type: string; url: URL };
  };
  assertEquals(part.type, "file");
  assertEquals(part.mediaType, "image");
  assertEquals(part.data.url.href, "https://example.com/cat.png");
  assertEquals(call.toolChoice, { type: "tool", toolName: "get_weather" });
  assertEquals(call.tools?.[0].name, "get_weather");
});

Deno.test("AISdkModel.generateStream() sends a tool call that arrives whole and ignores provider-executed ones (fake provider)", async () => {
  const model = new AISdkModel({
    model: fakeModel({
      stream: () => [
        { type: "stream-start", warnings: [] },
        { type: "response-metadata", modelId: "fake-1-2026" },
        { type: "text-start", id: "t" },
        { type: "text-delta", id: "t", delta: "Hi" },
        { type: "text-end", id: "t" },
        {
          type: "tool-call",
          toolCallId: "srv",
          toolName: "web",
          input: "{}",
          providerExecuted: true,
        },
        { type: "tool-call", toolCallId: "c1", toolName: "get_weather", input: '{"city":"Nice"}' },
        {
          type: "finish",
          usage: USAGE,
          finishReason: { unified: "tool-calls", raw: "tool_calls" },
        },
      ],
    }),
  });
  const deltas = await collect(model.generateStream([user("?")]));
  assertEquals(deltas, [
    { content: "Hi" },
    { toolCalls: [{ index: 0, id: "c1", name: "get_weather", arguments: '{"city":"Nice"}' }] },
    { tokenUsage: { inputTokens: 5, outputTokens: 3 } },
  ]);
});

Deno.test("AISdkModel.generateStream() turns an error part before the first token into a typed error (fake provider)", async () => {
  let calls = 0;
  const model = new AISdkModel({
    maxRetries: 0,
    model: fakeModel({
      stream: () => {
        calls++;
        return [{ type: "error", error: { type: "invalid_request", message: "bad prompt" } }];
      },
    }),
  });
  const error = await assertRejects(
    () => collect(model.generateStream([user("?")])),
    AgentGenerationError,
  );
  assertStringIncludes(error.message, 'Model "fake-1" request failed');
  assertStringIncludes(error.message, "bad prompt");
  assertEquals(calls, 1);
});

Deno.test("AISdkModel returns the structured output text of a JSON reply (fake provider)", async () => {
  const model = new AISdkModel({
    model: fakeModel({
      generate: () => ({
        content: [{ type: "text", text: "draft" }, { type: "text", text: '{"a":1}' }],
        structuredOutputText: '{"a":1}',
      }),
    }),
  });
  const reply = await model.generate([user("?")], {
    responseFormat: { type: "json_schema", jsonSchema: { name: "a", schema: { type: "object" } } },
  });
  assertEquals(reply.content, '{"a":1}');
});

Deno.test("AISdkModel refuses what is not a v4 language model, and extraBody, at construction", () => {
  assertThrows(
    () => new AISdkModel({ model: "claude-sonnet-4-5" as unknown as LanguageModelV4 }),
    TypeError,
    'expected an AI SDK language model such as anthropic("claude-sonnet-4-5"), got "claude-sonnet-4-5"',
  );
  const v3 = { ...fakeModel({}), specificationVersion: "v3" } as unknown as LanguageModelV4;
  assertThrows(
    () => new AISdkModel({ model: v3 }),
    TypeError,
    'Unsupported AI SDK model "fake-1": expected specificationVersion "v4"',
  );
  assertThrows(
    () => new AISdkModel({ model: fakeModel({}), extraBody: { x: 1 } } as never),
    TypeError,
    "pass providerOptions instead",
  );
  assertThrows(() => new AISdkModel({ model: fakeModel({}), topK: 0 }), RangeError);
  assertThrows(() => new AISdkModel({ model: fakeModel({}), maxRetries: -1 }), RangeError);
});

Deno.test("AISdkModel says which variable holds the missing key of a provider", async () => {
  const anthropic = createAnthropic({ baseURL: `${closedOrigin()}/v1` });
  const model = new AISdkModel({ model: anthropic("claude-test-1"), maxRetries: 0 });
  const saved = Deno.env.get("ANTHROPIC_API_KEY");
  Deno.env.delete("ANTHROPIC_API_KEY");
  try {
    const error = await assertRejects(() => model.generate([user("?")]), AgentGenerationError);
    assertStringIncludes(error.message, "ANTHROPIC_API_KEY");
    assertStringIncludes(error.message, "missing credentials");
  } finally {
    if (saved !== undefined) Deno.env.set("ANTHROPIC_API_KEY", saved);
  }
});

Deno.test("importing mod.ts loads no AI SDK package, and the ai-sdk subpath adds only @ai-sdk/provider", async () => {
  const aiSdk = (specifier: string) =>
    /^npm:\/?(ai|@ai-sdk\/[\w-]+)@/.test(specifier) || specifier.endsWith("/ai_sdk_model.ts");
  const rootGraph = await moduleGraph("../../mod.ts");
  assertEquals(rootGraph.filter(aiSdk), []);
  const added = (await moduleGraph("../../src/models/ai_sdk_model.ts")).filter((s) =>
    s.startsWith("npm:") && !rootGraph.includes(s)
  );
  // The provider package is the user's, and `ai` itself is never needed.
  assertEquals(added.map((s) => s.replace(/@[^@/]+$/, "")), ["npm:/@ai-sdk/provider"]);
});

Deno.test("AISdkModel times out a server that does not answer and retries it", async () => {
  await using server = new FakeServer([
    () => new Promise<Response>((resolve) => setTimeout(() => resolve(completion("late")), 400)),
    completion("on time"),
  ]);
  const model = compatible(server.origin, { timeoutMs: 50 });
  assertEquals((await model.generate([user("?")])).content, "on time");
  assertEquals(server.requests.length, 2);
  await using slow = new FakeServer([
    () => new Promise<Response>((resolve) => setTimeout(() => resolve(completion("late")), 400)),
  ]);
  const error = await assertRejects(
    () => compatible(slow.origin, { timeoutMs: 50, maxRetries: 0 }).generate([user("?")]),
    AgentGenerationError,
  );
  assertStringIncludes(
    error.message,
    'Model "test-model" request timed out: no response within 50 ms',
  );
});

Deno.test("AISdkModel takes a v3 model lifted by wrapLanguageModel from ai, as its error advises (fake provider)", async () => {
  const { wrapLanguageModel } = await import("ai");
  const v3 = {
    specificationVersion: "v3",
    provider: "old",
    modelId: "old-1",
    supportedUrls: {},
    doGenerate: () =>
      Promise.resolve({
        content: [{ type: "text", text: "from v3" }],
        finishReason: { unified: "stop", raw: "stop" },
        usage: USAGE,
        warnings: [],
      }),
    doStream: () => Promise.reject(new Error("unused")),
  };
  assertThrows(() => new AISdkModel({ model: v3 as never }), TypeError, "wrapLanguageModel");
  const lifted = wrapLanguageModel({ model: v3 as never, middleware: [] });
  const model = new AISdkModel({ model: lifted });
  assertEquals((await model.generate([user("?")])).content, "from v3");
});

Deno.test("AISdkModel.generateStream() rejects with the signal's reason when aborted mid-reply, and cuts at a stop sequence", async () => {
  let cancelled = false;
  await using server = new FakeServer([
    sse([chunk({ content: "Hel" })], { hang: true, onCancel: () => cancelled = true }),
    sse([chunk({ content: "Answer: 4\nObser" }), chunk({ content: "vation: x" }), finish("stop")]),
  ]);
  const model = compatible(server.origin);
  const controller = new AbortController();
  const seen: string[] = [];
  const error = await assertRejects(async () => {
    for await (const delta of model.generateStream([user("?")], { signal: controller.signal })) {
      seen.push(delta.content ?? "");
      controller.abort(new Error("user stopped"));
    }
  });
  assertEquals(error.message, "user stopped");
  assertEquals(seen, ["Hel"]);
  for (let i = 0; i < 100 && !cancelled; i++) await new Promise((r) => setTimeout(r, 10));
  assert(cancelled, "the server saw the request cancelled");
  const cut = await collect(model.generateStream([user("?")], { stopSequences: ["Observation:"] }));
  assertEquals(cut.map((delta) => delta.content ?? "").join(""), "Answer: 4\n");
});
