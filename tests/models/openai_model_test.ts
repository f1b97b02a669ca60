import { AgentGenerationError } from "../../src/errors.ts";
import {
  AzureOpenAIModel,
  AzureOpenAIServerModel,
  OpenAIModel,
  OpenAIServerModel,
} from "../../src/models/openai_model.ts";
import { ToolCallAccumulator } from "../../src/models/_tool_call_deltas.ts";
import { tool } from "../../src/tool.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "../_assert.ts";
import {
  chunk,
  collect,
  completion,
  errorReply,
  FakeServer,
  RawServer,
  sse,
  usageChunk,
  user,
} from "./_fake_server.ts";
import { withEnv } from "./_env.ts";
import { moduleGraph } from "./_module_graph.ts";

const KEY = "sk-test-0123456789abcdefSECRET";

const getWeather = tool({
  name: "get_weather",
  description: "Weather report for a city.",
  inputs: { city: { type: "string", description: "City name" } },
  outputType: "string",
  forward: ({ city }) => `Sunny in ${city}`,
});

Deno.test("OpenAIServerModel.generate() sends a chat-completions request and returns the reply with usage", async () => {
  await using server = new FakeServer([
    completion("Hello!", { usage: { prompt_tokens: 12, completion_tokens: 3 } }),
  ]);
  const model = new OpenAIServerModel({
    modelId: "gpt-4o",
    apiBase: `${server.origin}/v1`,
    apiKey: KEY,
    organization: "org-1",
    project: "proj-1",
    temperature: 0.2,
    maxTokens: 100,
  });
  const reply = await model.generate([{ role: "system", content: "Be brief." }, user("Hi")], {
    temperature: 0.7,
  });
  assertEquals(reply.role, "assistant");
  assertEquals(reply.content, "Hello!");
  assertEquals(reply.tokenUsage, { inputTokens: 12, outputTokens: 3 });
  const [request] = server.requests;
  assertEquals(request.method, "POST");
  assertEquals(request.path, "/v1/chat/completions");
  assertEquals(request.headers.get("authorization"), `Bearer ${KEY}`);
  assertEquals(request.headers.get("openai-organization"), "org-1");
  assertEquals(request.headers.get("openai-project"), "proj-1");
  assertEquals(request.body, {
    model: "gpt-4o",
    messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }],
    temperature: 0.7,
    max_tokens: 100,
  });
});

Deno.test("OpenAIModel and AzureOpenAIModel are aliases of the server model classes", () => {
  assert(OpenAIModel === OpenAIServerModel);
  assert(AzureOpenAIModel === AzureOpenAIServerModel);
});

Deno.test("OpenAIServerModel sends tools as functions with tool_choice and parses the tool calls", async () => {
  await using server = new FakeServer([
    completion(null, {
      toolCalls: [
        { id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' },
        { id: "call_2", name: "get_weather", arguments: "{not json" },
      ],
    }),
    completion("ok"),
  ]);
  const model = new OpenAIServerModel({ modelId: "gpt-4o", apiBase: server.origin, apiKey: KEY });
  const reply = await model.generate([user("Weather?")], { toolsToCallFrom: [getWeather] });
  assertEquals(reply.content, null);
  assertEquals(reply.toolCalls, [
    { id: "call_1", name: "get_weather", arguments: { city: "Paris" } },
    { id: "call_2", name: "get_weather", arguments: "{not json" },
  ]);
  assertEquals(server.requests[0].body.tools, [{
    type: "function",
    function: {
      name: "get_weather",
      description: "Weather report for a city.",
      parameters: {
        type: "object",
        properties: { city: { type: "string", description: "City name" } },
        required: ["city"],
        additionalProperties: false,
      },
    },
  }]);
  assertEquals(server.requests[0].body.tool_choice, "required");

  await model.generate([user("Weather?")], {
    toolsToCallFrom: [getWeather],
    toolChoice: { name: "get_weather" },
  });
  assertEquals(server.requests[1].body.tool_choice, {
    type: "function",
    function: { name: "get_weather" },
  });
});

Deno.test("OpenAIServerModel cleans messages: same-role merge, tool roles, images as data URLs, role conversions", async () => {
  await using server = new FakeServer([completion("ok")]);
  const model = new OpenAIServerModel({
    modelId: "gpt-4o",
    apiBase: server.origin,
    apiKey: KEY,
    customRoleConversions: { system: "user" },
  });
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
  await model.generate([
    { role: "system", content: "Rules." },
    { role: "user", content: [{ type: "text", text: "Look:" }, { type: "image", image: png }] },
    {
      role: "assistant",
      content: null,
      toolCalls: [{ id: "c1", name: "get_weather", arguments: { city: "Oslo" } }],
    },
    { role: "tool", content: "Snow", toolCallId: "c1" },
    { role: "tool", content: "Observation: 3 files" },
    user("Go on"),
  ]);
  assertEquals(server.requests[0].body.messages, [
    {
      role: "user",
      content: [
        { type: "text", text: "Rules." },
        { type: "text", text: "Look:" },
        { type: "image_url", image_url: { url: "data:image/png;base64,iVBORwECAw==" } },
      ],
    },
    {
      role: "assistant",
      content: null,
      tool_calls: [{
        id: "c1",
        type: "function",
        function: { name: "get_weather", arguments: '{"city":"Oslo"}' },
      }],
    },
    { role: "tool", content: "Snow", tool_call_id: "c1" },
    { role: "user", content: "Observation: 3 files\nGo on" },
  ]);
});

Deno.test("OpenAIServerModel with flattenMessagesAsText sends string contents", async () => {
  await using server = new FakeServer([completion("ok")]);
  const model = new OpenAIServerModel({
    modelId: "llama3",
    apiBase: server.origin,
    flattenMessagesAsText: true,
  });
  await model.generate([{
    role: "user",
    content: [{ type: "text", text: "a" }, { type: "text", text: "b" }],
  }]);
  assertEquals(server.requests[0].body.messages, [{ role: "user", content: "a\nb" }]);
});

Deno.test("OpenAIServerModel passes responseFormat as a json_schema response_format", async () => {
  await using server = new FakeServer([completion('{"answer":42}')]);
  const model = new OpenAIServerModel({ modelId: "gpt-4o", apiBase: server.origin, apiKey: KEY });
  const reply = await model.generate([user("?")], {
    responseFormat: {
      type: "json_schema",
      jsonSchema: { name: "answer", schema: { type: "object" }, strict: true },
    },
  });
  assertEquals(reply.content, '{"answer":42}');
  assertEquals(server.requests[0].body.response_format, {
    type: "json_schema",
    json_schema: { name: "answer", schema: { type: "object" }, strict: true },
  });
});

Deno.test("OpenAIServerModel sends stop to gpt-4o and truncates the reply at the stop sequence", async () => {
  await using server = new FakeServer([completion("Thought: go\nObservation: fake")]);
  const model = new OpenAIServerModel({ modelId: "gpt-4o", apiBase: server.origin, apiKey: KEY });
  const reply = await model.generate([user("?")], { stopSequences: ["Observation:"] });
  assertEquals(server.requests[0].body.stop, ["Observation:"]);
  assertEquals(reply.content, "Thought: go\n");
});

Deno.test("OpenAIServerModel does not send stop or max_tokens to o3 and gpt-5 but truncates client-side", async () => {
  for (const modelId of ["o3", "gpt-5-mini"]) {
    await using server = new FakeServer([completion("Thought: go\nObservation: fake")]);
    const model = new OpenAIServerModel({
      modelId,
      apiBase: server.origin,
      apiKey: KEY,
      maxTokens: 50,
    });
    const reply = await model.generate([user("?")], { stopSequences: ["Observation:"] });
    assertEquals(server.requests[0].body.stop, undefined, modelId);
    assertEquals(server.requests[0].body.max_completion_tokens, 50, modelId);
    assertEquals(server.requests[0].body.max_tokens, undefined, modelId);
    assertEquals(reply.content, "Thought: go\n", modelId);
  }
});

Deno.test("OpenAIServerModel.generateStream() yields content, tool-call fragments merged by index, and final usage", async () => {
  await using server = new FakeServer([sse([
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
    chunk({ tool_calls: [{ index: 0, function: { arguments: '{"ci' } }] }),
    chunk({
      tool_calls: [{
        index: 1,
        id: "call_b",
        type: "function",
        function: { name: "get_weather", arguments: '{"city":' },
      }],
    }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: 'ty":"Paris"}' } }] }),
    chunk({ tool_calls: [{ index: 1, function: { arguments: '"Rome"}' } }] }),
    chunk({}, { choices: [{ index: 0, delta: {}, finish_reason: "tool_calls" }] }),
    usageChunk(20, 9),
  ])]);
  const model = new OpenAIServerModel({ modelId: "gpt-4o", apiBase: server.origin, apiKey: KEY });
  const deltas = await collect(
    model.generateStream([user("Weather?")], { toolsToCallFrom: [getWeather] }),
  );
  assertEquals(deltas.map((d) => d.content ?? "").join(""), "Let me check.");
  const calls = new ToolCallAccumulator();
  for (const delta of deltas) calls.add(delta.toolCalls ?? []);
  assertEquals(calls.toolCalls(), [
    { id: "call_a", name: "get_weather", arguments: { city: "Paris" } },
    { id: "call_b", name: "get_weather", arguments: { city: "Rome" } },
  ]);
  assertEquals(deltas.at(-1)?.tokenUsage, { inputTokens: 20, outputTokens: 9 });
  assertEquals(server.requests[0].body.stream, true);
  assertEquals(server.requests[0].body.stream_options, { include_usage: true });
});

Deno.test("OpenAIServerModel.generateStream() truncates at a stop sequence split across chunks and cancels the request", async () => {
  let cancelled = false;
  await using server = new FakeServer([sse([
    chunk({ content: "Thought: ok\nObs" }),
    chunk({ content: "ervation: invented" }),
    chunk({ content: " more" }),
  ], { hang: true, onCancel: () => cancelled = true })]);
  const model = new OpenAIServerModel({ modelId: "o4-mini", apiBase: server.origin, apiKey: KEY });
  const deltas = await collect(
    model.generateStream([user("?")], { stopSequences: ["Observation:"] }),
  );
  assertEquals(deltas.map((d) => d.content).join(""), "Thought: ok\n");
  assertEquals(server.requests[0].body.stop, undefined);
  // The server notices the cancelled body asynchronously.
  for (let i = 0; i < 100 && !cancelled; i++) await new Promise((r) => setTimeout(r, 10));
  assert(cancelled, "the server stream should have been cancelled");
});

Deno.test("OpenAIServerModel retries a 429 honouring Retry-After, then returns the reply", async () => {
  await using server = new FakeServer([
    errorReply(429, "Rate limit reached", { "retry-after": "1" }),
    completion("after the wait"),
  ]);
  const model = new OpenAIServerModel({ modelId: "gpt-4o", apiBase: server.origin, apiKey: KEY });
  const reply = await model.generate([user("?")]);
  assertEquals(reply.content, "after the wait");
  assertEquals(server.requests.length, 2);
});

Deno.test("OpenAIServerModel retries a 500, then returns the reply", async () => {
  await using server = new FakeServer([errorReply(500, "boom"), completion("recovered")]);
  const model = new OpenAIServerModel({
    modelId: "gpt-4o",
    apiBase: server.origin,
    apiKey: KEY,
    retryDelayMs: 5,
  });
  assertEquals((await model.generate([user("?")])).content, "recovered");
  assertEquals(server.requests.length, 2);
});

Deno.test("OpenAIServerModel.generateStream() retries a 503 before the first chunk", async () => {
  await using server = new FakeServer([
    errorReply(503, "overloaded"),
    sse([chunk({ content: "fine" })]),
  ]);
  const model = new OpenAIServerModel({
    modelId: "gpt-4o",
    apiBase: server.origin,
    apiKey: KEY,
    retryDelayMs: 5,
  });
  const deltas = await collect(model.generateStream([user("?")]));
  assertEquals(deltas.map((d) => d.content).join(""), "fine");
  assertEquals(server.requests.length, 2);
});

Deno.test("OpenAIServerModel.generateStream() retries a stream that breaks before any content", async () => {
  const role = chunk({ role: "assistant", content: "" });
  await using server = new RawServer((index) =>
    index === 0 ? { sseThenDrop: [role] } : { sseThenDrop: [role, chunk({ content: "second" })] }
  );
  const model = new OpenAIServerModel({ modelId: "m", apiBase: server.origin, retryDelayMs: 1 });
  const seen: string[] = [];
  // The second stream breaks too, but after content: that is reported, not retried.
  const error = await assertRejects(async () => {
    for await (const delta of model.generateStream([user("?")])) seen.push(delta.content ?? "");
  }, AgentGenerationError);
  assertEquals(seen, ["second"]);
  assertEquals(server.connections, 2);
  assertStringIncludes(error.message, 'Model "m" request failed: connection to');
});

Deno.test("OpenAIServerModel gives up after maxRetries with the last status in an AgentGenerationError", async () => {
  await using server = new FakeServer([errorReply(503, "overloaded")]);
  const model = new OpenAIServerModel({
    modelId: "gpt-4o",
    apiBase: server.origin,
    apiKey: KEY,
    maxRetries: 2,
    retryDelayMs: 1,
  });
  const error = await assertRejects(() => model.generate([user("?")]), AgentGenerationError);
  assertEquals(error.status, 503);
  assertEquals(
    error.message,
    'Model "gpt-4o" request failed with status 503 after 3 attempts: overloaded',
  );
  assertEquals(server.requests.length, 3);
});

Deno.test("OpenAIServerModel does not wait for a Retry-After longer than a minute", async () => {
  await using server = new FakeServer([errorReply(429, "Daily quota", { "retry-after": "3600" })]);
  const model = new OpenAIServerModel({ modelId: "gpt-4o", apiBase: server.origin, apiKey: KEY });
  const error = await assertRejects(() => model.generate([user("?")]), AgentGenerationError);
  assertEquals(error.status, 429);
  assertEquals(server.requests.length, 1);
});

Deno.test("OpenAIServerModel rejects a 401 with the provider's message, no retry, and never the key", async () => {
  await using server = new FakeServer([
    errorReply(
      401,
      `Incorrect API key provided: ${KEY}. You can find your API key in your settings.`,
    ),
  ]);
  const model = new OpenAIServerModel({ modelId: "gpt-4o", apiBase: server.origin, apiKey: KEY });
  const error = await assertRejects(() => model.generate([user("?")]), AgentGenerationError);
  assertEquals(error.status, 401);
  assertStringIncludes(
    error.message,
    'Model "gpt-4o" request failed with status 401: Incorrect API key provided',
  );
  assertEquals(server.requests.length, 1);
  for (
    const text of [
      error.message,
      String(error),
      Deno.inspect(error),
      JSON.stringify(error),
      error.stack ?? "",
    ]
  ) {
    assert(!text.includes(KEY), `key leaked in: ${text}`);
  }
});

Deno.test("OpenAIServerModel never shows its key in JSON.stringify or Deno.inspect", () => {
  const model = new OpenAIServerModel({ modelId: "gpt-4o", apiKey: KEY });
  assertEquals(JSON.parse(JSON.stringify(model)), {
    type: "OpenAIServerModel",
    modelId: "gpt-4o",
    apiBase: "https://api.openai.com/v1",
  });
  assert(!Deno.inspect(model, { depth: 10, showHidden: true }).includes(KEY));
  const azure = new AzureOpenAIServerModel({
    modelId: "gpt-4o",
    azureEndpoint: "https://example.openai.azure.com",
    apiKey: KEY,
    apiVersion: "2024-10-21",
  });
  assert(!JSON.stringify(azure).includes(KEY));
  assert(!Deno.inspect(azure, { depth: 10, showHidden: true }).includes(KEY));
});

Deno.test("OpenAIServerModel retries a connection reset, then returns the reply", async () => {
  await using server = new RawServer((index) =>
    index === 0 ? { reset: true } : {
      json: {
        id: "x",
        object: "chat.completion",
        created: 0,
        model: "m",
        choices: [{
          index: 0,
          message: { role: "assistant", content: "second try" },
          finish_reason: "stop",
        }],
      },
    }
  );
  const model = new OpenAIServerModel({
    modelId: "m",
    apiBase: server.origin,
    retryDelayMs: 5,
  });
  assertEquals((await model.generate([user("?")])).content, "second try");
  assertEquals(server.connections, 2);
});

Deno.test("OpenAIServerModel reports an unreachable server as an AgentGenerationError without status", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  const model = new OpenAIServerModel({
    modelId: "m",
    apiBase: `http://127.0.0.1:${port}/v1`,
    maxRetries: 1,
    retryDelayMs: 1,
  });
  const error = await assertRejects(() => model.generate([user("?")]), AgentGenerationError);
  assertEquals(error.status, undefined);
  assertMatch(
    error.message,
    /^Model "m" request failed after 2 attempts: cannot reach http:\/\/127\.0\.0\.1:\d+\/v1/,
  );
});

Deno.test("OpenAIServerModel.generateStream() reports a connection dropped mid-stream without retrying", async () => {
  await using server = new RawServer(() => ({ sseThenDrop: [chunk({ content: "partial" })] }));
  const model = new OpenAIServerModel({ modelId: "m", apiBase: server.origin, retryDelayMs: 1 });
  const seen: string[] = [];
  await assertRejects(async () => {
    for await (const delta of model.generateStream([user("?")])) seen.push(delta.content ?? "");
  }, AgentGenerationError);
  assertEquals(seen, ["partial"]);
  assertEquals(server.connections, 1);
});

// A server that stays silent for `ms`, long after the client gave up.
function answerLate(ms: number): Promise<Response> {
  return new Promise((resolve) => setTimeout(() => resolve(completion("too late")), ms));
}

Deno.test("OpenAIServerModel times out a silent server after timeoutMs and retries", async () => {
  await using server = new FakeServer((_request, index) =>
    index === 0 ? () => answerLate(300) : completion("on time")
  );
  const model = new OpenAIServerModel({
    modelId: "m",
    apiBase: server.origin,
    timeoutMs: 100,
    retryDelayMs: 1,
  });
  assertEquals((await model.generate([user("?")])).content, "on time");
  assertEquals(server.requests.length, 2);
});

Deno.test("OpenAIServerModel rejects with the signal's reason when the call is aborted", async () => {
  const controller = new AbortController();
  await using server = new FakeServer([() => {
    controller.abort(new Error("user stopped"));
    return answerLate(300);
  }]);
  const model = new OpenAIServerModel({ modelId: "m", apiBase: server.origin });
  const error = await assertRejects(() =>
    model.generate([user("?")], { signal: controller.signal })
  );
  assertEquals(error.message, "user stopped");
  assertEquals(server.requests.length, 1);
});

Deno.test("OpenAIServerModel does not send stop to a routed gpt-5 but keeps max_tokens for the router", async () => {
  await using server = new FakeServer([completion("Answer.\nObservation: x")]);
  const model = new OpenAIServerModel({
    modelId: "openai/gpt-5",
    apiBase: server.origin,
    apiKey: KEY,
    maxTokens: 50,
  });
  const reply = await model.generate([user("?")], { stopSequences: ["Observation:"] });
  assertEquals(server.requests[0].body.stop, undefined);
  assertEquals(server.requests[0].body.max_tokens, 50);
  assertEquals(reply.content, "Answer.\n");
});

Deno.test("OpenAIServerModel never sends OPENAI_API_KEY from the environment to another server", async () => {
  await using server = new FakeServer([completion("ok")]);
  await withEnv({ OPENAI_API_KEY: KEY }, async () => {
    const model = new OpenAIServerModel({ modelId: "llama3.2", apiBase: `${server.origin}/v1` });
    await model.generate([user("?")]);
    assertEquals(server.requests[0].headers.get("authorization"), null);
    // For OpenAI itself the variable is the default (no "Missing API key" error).
    assertEquals(new OpenAIServerModel({ modelId: "gpt-4o" }).apiBase, "https://api.openai.com/v1");
  });
});

Deno.test("OpenAIServerModel without a key sends no Authorization header to a local server", async () => {
  await using server = new FakeServer([completion("ok")]);
  const model = new OpenAIServerModel({ modelId: "llama3.2", apiBase: `${server.origin}/v1` });
  await model.generate([user("?")]);
  assertEquals(server.requests[0].headers.get("authorization"), null);
});

Deno.test("OpenAIServerModel validates its options at construction", async () => {
  await withEnv({ OPENAI_API_KEY: undefined }, () => {
    assertThrows(
      () => new OpenAIServerModel({ modelId: "gpt-4o" }),
      TypeError,
      "Missing API key for OpenAI",
    );
  });
  assertThrows(
    () => new OpenAIServerModel({ modelId: "m", apiBase: "localhost:11434/v1" }),
    TypeError,
    'Invalid apiBase: expected an http(s) URL such as "http://localhost:11434/v1", got "localhost:11434/v1"',
  );
  assertThrows(
    () => new OpenAIServerModel({ modelId: "", apiBase: "http://x" }),
    TypeError,
    "Invalid modelId",
  );
  assertThrows(
    () => new OpenAIServerModel({ modelId: "m", apiBase: "http://x", maxRetries: -1 }),
    RangeError,
    "Invalid maxRetries",
  );
  assertThrows(
    () => new OpenAIServerModel({ modelId: "m", apiBase: "http://x", requestsPerMinute: 0 }),
    RangeError,
    "Invalid requestsPerMinute",
  );
  assertThrows(
    () => new OpenAIServerModel({ modelId: "m", apiBase: "http://x", timeoutMs: 0 }),
    RangeError,
    "Invalid timeoutMs",
  );
});

Deno.test("OpenAIServerModel shares requestsPerMinute between parallel calls", async () => {
  await using server = new FakeServer([completion("ok")]);
  const model = new OpenAIServerModel({
    modelId: "m",
    apiBase: server.origin,
    requestsPerMinute: 60_000 / 20,
  });
  const replies = await Promise.all([1, 2, 3].map(() => model.generate([user("?")])));
  assertEquals(replies.map((r) => r.content), ["ok", "ok", "ok"]);
  assertEquals(server.requests.length, 3);
});

// Settings of the OpenAI-compatible servers: the base URL's path and the
// model id must produce the request each server expects.
const PROVIDERS: { name: string; path: string; modelId: string; key?: string }[] = [
  { name: "Ollama", path: "/v1", modelId: "qwen2.5-coder:7b" },
  { name: "vLLM", path: "/v1", modelId: "Qwen/Qwen2.5-Coder-7B-Instruct" },
  { name: "llama.cpp server", path: "/v1", modelId: "default" },
  { name: "LM Studio", path: "/v1", modelId: "lmstudio-community/qwen2.5-7b-instruct" },
  {
    name: "Together",
    path: "/v1",
    modelId: "Qwen/Qwen2.5-Coder-32B-Instruct",
    key: "tgp_v1_abcdef",
  },
  { name: "Groq", path: "/openai/v1", modelId: "llama-3.3-70b-versatile", key: "gsk_abcdefgh" },
  { name: "OpenRouter", path: "/api/v1", modelId: "qwen/qwen3-coder", key: "sk-or-v1-abcdef" },
];

for (const provider of PROVIDERS) {
  Deno.test(`OpenAIServerModel speaks to ${provider.name} at its base URL with its model id`, async () => {
    await using server = new FakeServer([
      completion("ok"),
      sse([chunk({ content: "ok" }), usageChunk(1, 1)]),
    ]);
    const model = new OpenAIServerModel({
      modelId: provider.modelId,
      apiBase: `${server.origin}${provider.path}`,
      apiKey: provider.key,
    });
    assertEquals((await model.generate([user("?")])).content, "ok");
    assertEquals((await collect(model.generateStream([user("?")]))).at(-1)?.tokenUsage, {
      inputTokens: 1,
      outputTokens: 1,
    });
    for (const request of server.requests) {
      assertEquals(request.path, `${provider.path}/chat/completions`);
      assertEquals(request.body.model, provider.modelId);
      assertEquals(
        request.headers.get("authorization"),
        provider.key ? `Bearer ${provider.key}` : null,
      );
    }
  });
}

Deno.test("AzureOpenAIServerModel calls the deployment path with api-version and the api-key header", async () => {
  await using server = new FakeServer([
    completion("from azure"),
    sse([chunk({ content: "streamed" })]),
  ]);
  const model = new AzureOpenAIServerModel({
    modelId: "gpt-4o-mini",
    deployment: "my-deployment",
    azureEndpoint: server.origin,
    apiKey: KEY,
    apiVersion: "2024-10-21",
  });
  assertEquals((await model.generate([user("?")])).content, "from azure");
  assertEquals((await collect(model.generateStream([user("?")])))[0].content, "streamed");
  for (const request of server.requests) {
    assertEquals(request.path, "/openai/deployments/my-deployment/chat/completions");
    assertEquals(request.query.get("api-version"), "2024-10-21");
    assertEquals(request.headers.get("api-key"), KEY);
    assertMatch(request.headers.get("user-agent") ?? "", /^AzureOpenAI\/JS /);
    assertEquals(request.body.model, "gpt-4o-mini");
  }
});

Deno.test("AzureOpenAIServerModel authenticates with a Microsoft Entra token provider instead of a key", async () => {
  await using server = new FakeServer([completion("entra ok")]);
  let calls = 0;
  const model = new AzureOpenAIServerModel({
    modelId: "gpt-4o",
    azureEndpoint: server.origin,
    apiVersion: "2024-10-21",
    azureADTokenProvider: () => Promise.resolve(`entra-token-${++calls}`),
  });
  assertEquals((await model.generate([user("?")])).content, "entra ok");
  assertEquals(server.requests[0].headers.get("authorization"), "Bearer entra-token-1");
  assertEquals(server.requests[0].headers.get("api-key"), null);
});

Deno.test("AzureOpenAIServerModel says which setting is missing", async () => {
  const unset = {
    AZURE_OPENAI_ENDPOINT: undefined,
    AZURE_OPENAI_API_KEY: undefined,
    OPENAI_API_VERSION: undefined,
  };
  await withEnv(unset, () => {
    assertThrows(
      () =>
        new AzureOpenAIServerModel({ modelId: "gpt-4o", apiKey: KEY, apiVersion: "2024-10-21" }),
      TypeError,
      "Missing Azure endpoint",
    );
    assertThrows(
      () =>
        new AzureOpenAIServerModel({ modelId: "gpt-4o", apiKey: KEY, azureEndpoint: "https://x" }),
      TypeError,
      "Missing Azure API version",
    );
    assertThrows(
      () =>
        new AzureOpenAIServerModel({
          modelId: "gpt-4o",
          azureEndpoint: "https://x",
          apiVersion: "2024-10-21",
        }),
      TypeError,
      "Missing Azure credentials",
    );
  });
});

Deno.test("AzureOpenAIServerModel falls back to AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY and OPENAI_API_VERSION", async () => {
  await using server = new FakeServer([completion("env ok")]);
  await withEnv({
    AZURE_OPENAI_ENDPOINT: server.origin,
    AZURE_OPENAI_API_KEY: KEY,
    OPENAI_API_VERSION: "2025-01-01-preview",
  }, async () => {
    const model = new AzureOpenAIServerModel({ modelId: "gpt-4o" });
    assertEquals((await model.generate([user("?")])).content, "env ok");
  });
  assertEquals(server.requests[0].path, "/openai/deployments/gpt-4o/chat/completions");
  assertEquals(server.requests[0].query.get("api-version"), "2025-01-01-preview");
  assertEquals(server.requests[0].headers.get("api-key"), KEY);
});

Deno.test("importing mod.ts loads neither openai nor @huggingface/inference, and each subpath loads only its own", async () => {
  const openai = (specifier: string) =>
    /^npm:\/?openai@/.test(specifier) || specifier.endsWith("/openai_model.ts");
  const hf = (specifier: string) =>
    /^npm:\/?@huggingface\/inference@/.test(specifier) ||
    specifier.endsWith("/inference_client_model.ts");
  const openaiGraph = await moduleGraph("../../src/models/openai_model.ts");
  const hfGraph = await moduleGraph("../../src/models/inference_client_model.ts");
  const rootGraph = await moduleGraph("../../mod.ts");
  // Each subpath does load its own package, so the checks can see one.
  assert(openaiGraph.some(openai) && hfGraph.some(hf));
  assertEquals(openaiGraph.filter(hf), []);
  assertEquals(hfGraph.filter(openai), []);
  assertEquals(rootGraph.filter((s) => openai(s) || hf(s)), []);
});

Deno.test("OpenAIServerModel.generateStream() times out a stream that stalls mid-reply instead of ending it quietly", async () => {
  // The openai client ends its stream without an error when the request is
  // aborted; the stall must still surface as a timeout, not a short reply.
  await using server = new FakeServer([
    sse([chunk({ content: "Hel" }), chunk({ content: "lo" })], { hang: true }),
  ]);
  const model = new OpenAIServerModel({ modelId: "m", apiBase: server.origin, timeoutMs: 100 });
  const seen: string[] = [];
  const error = await assertRejects(async () => {
    for await (const delta of model.generateStream([user("?")])) seen.push(delta.content ?? "");
  }, AgentGenerationError);
  assertStringIncludes(error.message, "timed out");
  assertEquals(seen, ["Hel", "lo"]);
  assertEquals(server.requests.length, 1);
});

Deno.test("OpenAIServerModel.generateStream() retries a stream that stalls before its first content", async () => {
  await using server = new FakeServer((_request, index) =>
    index === 0
      ? sse([chunk({ role: "assistant", content: "" })], { hang: true })
      : sse([chunk({ content: "on time" })])
  );
  const model = new OpenAIServerModel({
    modelId: "m",
    apiBase: server.origin,
    timeoutMs: 100,
    retryDelayMs: 1,
  });
  const deltas = await collect(model.generateStream([user("?")]));
  assertEquals(deltas.map((delta) => delta.content).join(""), "on time");
  assertEquals(server.requests.length, 2);
});

Deno.test("OpenAIServerModel.generateStream() rejects with the signal's reason when aborted mid-reply", async () => {
  let cancelled = false;
  await using server = new FakeServer([
    sse([chunk({ content: "Hel" })], { hang: true, onCancel: () => cancelled = true }),
  ]);
  const model = new OpenAIServerModel({ modelId: "m", apiBase: server.origin });
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
});

Deno.test("OpenAIServerModel sends the openai client's headers and defaultHeaders through Deno's fetch", async () => {
  await using server = new FakeServer([completion("ok")]);
  const model = new OpenAIServerModel({
    modelId: "m",
    apiBase: server.origin,
    apiKey: KEY,
    organization: "org-1",
    clientOptions: { defaultHeaders: { "X-Team": "agents" } },
  });
  await model.generate([user("?")]);
  const { headers } = server.requests[0];
  assertEquals(headers.get("authorization"), `Bearer ${KEY}`);
  assertEquals(headers.get("openai-organization"), "org-1");
  assertEquals(headers.get("x-team"), "agents");
  assertEquals(headers.get("content-type"), "application/json");
  assertMatch(headers.get("user-agent") ?? "", /^OpenAI\/JS /);
  assertEquals(headers.get("x-stainless-retry-count"), "0");
});

Deno.test("OpenAIServerModel sends every request through clientOptions.fetch, as the openai client built it", async () => {
  await using server = new FakeServer([completion("ok"), sse([chunk({ content: "streamed" })])]);
  const seen: { url: string; method?: string; headers?: HeadersInit; redirect?: string }[] = [];
  const model = new OpenAIServerModel({
    modelId: "m",
    apiBase: server.origin,
    apiKey: KEY,
    clientOptions: {
      fetch: (input, init) => {
        seen.push({
          url: String(input),
          method: init?.method,
          headers: init?.headers,
          redirect: init?.redirect,
        });
        return fetch(input, init);
      },
      fetchOptions: { redirect: "error" },
    },
  });
  assertEquals((await model.generate([user("?")])).content, "ok");
  const deltas = await collect(model.generateStream([user("?")]));
  assertEquals(deltas.map((delta) => delta.content).join(""), "streamed");
  assertEquals(seen.length, 2);
  assertEquals(seen[0].url, `${server.origin}/chat/completions`);
  assertEquals(seen[0].method, "POST");
  assertEquals(seen[0].redirect, "error");
  // A custom fetch gets the client's Headers object unchanged.
  assert(seen[0].headers instanceof Headers);
  assertEquals(seen[0].headers.get("authorization"), `Bearer ${KEY}`);
});

Deno.test("OpenAIServerModel reports a reply that is not JSON as an AgentGenerationError, without retrying", async () => {
  await using server = new FakeServer([
    new Response("<html>Bad gateway page</html>", { headers: { "content-type": "text/html" } }),
  ]);
  const model = new OpenAIServerModel({ modelId: "m", apiBase: server.origin, retryDelayMs: 1 });
  const error = await assertRejects(() => model.generate([user("?")]), AgentGenerationError);
  assertStringIncludes(error.message, 'Model "m"');
  assertStringIncludes(error.message, "not JSON");
  assertEquals(server.requests.length, 1);
});
