import { AgentGenerationError } from "../../src/errors.ts";
import {
  DEFAULT_HF_MODEL_ID,
  InferenceClientModel,
} from "../../src/models/inference_client_model.ts";
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

const TOKEN = "hf_testTOKEN0123456789abcdef";

const search = tool({
  name: "search",
  description: "Searches the web.",
  inputs: { query: { type: "string", description: "What to look for" } },
  outputType: "string",
  forward: ({ query }) => `results for ${query}`,
});

// The router's address is fixed in @huggingface/inference; this fetch sends
// its requests to the local server instead, keeping the path.
function redirectTo(origin: string): typeof fetch {
  return (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    return fetch(`${origin}${url.pathname}${url.search}`, init);
  };
}

Deno.test("InferenceClientModel.generate() posts to an endpointUrl's /v1/chat/completions and returns the reply", async () => {
  await using server = new FakeServer([
    completion("Hi from TGI", { usage: { prompt_tokens: 7, completion_tokens: 4 } }),
  ]);
  const model = new InferenceClientModel({
    modelId: "tgi",
    endpointUrl: server.origin,
    token: TOKEN,
    maxTokens: 64,
    billTo: "my-org",
  });
  const reply = await model.generate([user("Hello")], { stopSequences: ["<end>"] });
  assertEquals(reply.content, "Hi from TGI");
  assertEquals(reply.tokenUsage, { inputTokens: 7, outputTokens: 4 });
  const [request] = server.requests;
  assertEquals(request.path, "/v1/chat/completions");
  assertEquals(request.headers.get("authorization"), `Bearer ${TOKEN}`);
  assertEquals(request.headers.get("x-hf-bill-to"), "my-org");
  assertStringIncludes(request.headers.get("user-agent") ?? "", "@huggingface/inference");
  assertEquals(request.body, {
    model: "tgi",
    messages: [{ role: "user", content: "Hello" }],
    stop: ["<end>"],
    max_tokens: 64,
  });
});

Deno.test("InferenceClientModel sends tools and parses tool calls whose arguments come as an object", async () => {
  await using server = new FakeServer([Response.json({
    object: "chat.completion",
    choices: [{
      index: 0,
      message: {
        role: "assistant",
        content: null,
        // TGI sends arguments as a JSON object rather than a string.
        tool_calls: [{
          id: "0",
          type: "function",
          function: { name: "search", arguments: { query: "deno" } },
        }],
      },
      finish_reason: "tool_calls",
    }],
  })]);
  const model = new InferenceClientModel({ endpointUrl: `${server.origin}/v1`, token: TOKEN });
  const reply = await model.generate([user("Find deno")], {
    toolsToCallFrom: [search],
    toolChoice: "auto",
  });
  assertEquals(reply.toolCalls, [{ id: "0", name: "search", arguments: { query: "deno" } }]);
  assertEquals(server.requests[0].path, "/v1/chat/completions");
  assertEquals(server.requests[0].body.tool_choice, "auto");
  assertEquals(
    (server.requests[0].body.tools as { function: { name: string } }[])[0].function.name,
    "search",
  );
});

Deno.test("InferenceClientModel.generateStream() sends stream_options and yields merged tool-call deltas and usage", async () => {
  await using server = new FakeServer([sse([
    chunk({ role: "assistant", content: "" }),
    chunk({ content: "Searching" }),
    chunk({
      tool_calls: [{
        index: 0,
        id: "call_0",
        type: "function",
        function: { name: "search", arguments: '{"que' },
      }],
    }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: 'ry":"deno"}' } }] }),
    usageChunk(30, 12),
  ])]);
  const model = new InferenceClientModel({ endpointUrl: server.origin, token: TOKEN });
  const deltas = await collect(
    model.generateStream([user("Find deno")], { toolsToCallFrom: [search] }),
  );
  assertEquals(deltas.map((d) => d.content ?? "").join(""), "Searching");
  const calls = new ToolCallAccumulator();
  for (const delta of deltas) calls.add(delta.toolCalls ?? []);
  assertEquals(calls.toolCalls(), [{ id: "call_0", name: "search", arguments: { query: "deno" } }]);
  assertEquals(deltas.at(-1)?.tokenUsage, { inputTokens: 30, outputTokens: 12 });
  assertEquals(server.requests[0].body.stream, true);
  assertEquals(server.requests[0].body.stream_options, { include_usage: true });
});

Deno.test("InferenceClientModel goes through the Hugging Face router (provider auto) with an hf_ token (router served locally via a redirecting fetch)", async () => {
  await using server = new FakeServer([
    completion("routed"),
    sse([chunk({ content: "streamed" })]),
  ]);
  const model = new InferenceClientModel({
    token: TOKEN,
    fetch: redirectTo(server.origin),
  });
  assertEquals(model.modelId, DEFAULT_HF_MODEL_ID);
  assertEquals((await model.generate([user("?")])).content, "routed");
  assertEquals((await collect(model.generateStream([user("?")])))[0].content, "streamed");
  for (const request of server.requests) {
    assertEquals(request.path, "/v1/chat/completions");
    assertEquals(request.body.model, DEFAULT_HF_MODEL_ID);
    assertEquals(request.headers.get("authorization"), `Bearer ${TOKEN}`);
  }
});

Deno.test("InferenceClientModel with provider together resolves the provider's model id on the Hub, then posts to the router (both served locally via a redirecting fetch)", async () => {
  const modelId = "Qwen/Qwen2.5-Coder-32B-Instruct";
  await using server = new FakeServer((request) =>
    request.method === "GET"
      ? Response.json({
        id: modelId,
        inferenceProviderMapping: {
          together: {
            providerId: "Qwen/Qwen2.5-Coder-32B-Instruct-Turbo",
            status: "live",
            task: "conversational",
          },
        },
      })
      : completion("from together")
  );
  const model = new InferenceClientModel({
    modelId,
    provider: "together",
    token: TOKEN,
    fetch: redirectTo(server.origin),
  });
  assertEquals((await model.generate([user("?")])).content, "from together");
  const [lookup, chat] = server.requests;
  assertEquals(lookup.path, `/api/models/${modelId}`);
  assertEquals(lookup.query.get("expand[]"), "inferenceProviderMapping");
  assertEquals(chat.path, "/together/v1/chat/completions");
  assertEquals(chat.body.model, "Qwen/Qwen2.5-Coder-32B-Instruct-Turbo");
  assertEquals(chat.headers.get("authorization"), `Bearer ${TOKEN}`);
});

Deno.test("InferenceClientModel reports a model unknown to the Hub with status 404 and no retry (Hub served locally)", async () => {
  await using server = new FakeServer([
    Response.json({ error: "Repository Not Found for url" }, { status: 404 }),
  ]);
  const model = new InferenceClientModel({
    modelId: "nobody/no-such-model",
    provider: "groq",
    token: TOKEN,
    fetch: redirectTo(server.origin),
  });
  const error = await assertRejects(() => model.generate([user("?")]), AgentGenerationError);
  assertEquals(error.status, 404);
  assertStringIncludes(error.message, "Repository Not Found");
  assertEquals(server.requests.length, 1);
});

Deno.test("InferenceClientModel retries a 429 honouring Retry-After, then returns the reply", async () => {
  await using server = new FakeServer([
    errorReply(429, "Too many requests", { "retry-after": "1" }),
    completion("patience pays"),
  ]);
  const model = new InferenceClientModel({ endpointUrl: server.origin, token: TOKEN });
  assertEquals((await model.generate([user("?")])).content, "patience pays");
  assertEquals(server.requests.length, 2);
});

Deno.test("InferenceClientModel retries a 500, then returns the reply", async () => {
  await using server = new FakeServer([errorReply(500, "Model is loading"), completion("loaded")]);
  const model = new InferenceClientModel({
    endpointUrl: server.origin,
    token: TOKEN,
    retryDelayMs: 5,
  });
  assertEquals((await model.generate([user("?")])).content, "loaded");
  assertEquals(server.requests.length, 2);
});

Deno.test("InferenceClientModel retries a connection reset, then returns the reply", async () => {
  await using server = new RawServer((index) =>
    index === 0 ? { reset: true } : {
      json: {
        id: "x",
        object: "chat.completion",
        created: 0,
        model: "tgi",
        choices: [{
          index: 0,
          message: { role: "assistant", content: "reconnected" },
          finish_reason: "stop",
        }],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      },
    }
  );
  const model = new InferenceClientModel({ endpointUrl: server.origin, retryDelayMs: 5 });
  assertEquals((await model.generate([user("?")])).content, "reconnected");
  assertEquals(server.connections, 2);
});

Deno.test("InferenceClientModel.generateStream() reports a connection dropped mid-stream without retrying", async () => {
  await using server = new RawServer(() => ({ sseThenDrop: [chunk({ content: "half a" })] }));
  const model = new InferenceClientModel({ endpointUrl: server.origin, retryDelayMs: 1 });
  const seen: string[] = [];
  await assertRejects(async () => {
    for await (const delta of model.generateStream([user("?")])) seen.push(delta.content ?? "");
  }, AgentGenerationError);
  assertEquals(seen, ["half a"]);
  assertEquals(server.connections, 1);
});

Deno.test("InferenceClientModel rejects a 401 with the provider's message and never the token", async () => {
  await using server = new FakeServer([
    Response.json({ error: `Invalid credentials in Authorization header: Bearer ${TOKEN}` }, {
      status: 401,
    }),
  ]);
  const model = new InferenceClientModel({ endpointUrl: server.origin, token: TOKEN });
  const error = await assertRejects(() => model.generate([user("?")]), AgentGenerationError);
  assertEquals(error.status, 401);
  assertStringIncludes(error.message, "status 401: Invalid credentials in Authorization header");
  assertEquals(server.requests.length, 1);
  for (const text of [error.message, Deno.inspect(error), JSON.stringify(error)]) {
    assert(!text.includes(TOKEN), `token leaked in: ${text}`);
  }
  const streamError = await assertRejects(
    () => collect(model.generateStream([user("?")])),
    AgentGenerationError,
  );
  assertEquals(streamError.status, 401);
  assert(!Deno.inspect(streamError).includes(TOKEN));
});

Deno.test("InferenceClientModel never shows its token in JSON.stringify or Deno.inspect", () => {
  const model = new InferenceClientModel({ provider: "together", token: TOKEN });
  assertEquals(JSON.parse(JSON.stringify(model)), {
    type: "InferenceClientModel",
    modelId: DEFAULT_HF_MODEL_ID,
    provider: "together",
  });
  assert(!Deno.inspect(model, { depth: 10, showHidden: true }).includes(TOKEN));
});

Deno.test("InferenceClientModel refuses responseFormat for a provider without structured outputs", async () => {
  const model = new InferenceClientModel({ provider: "replicate", token: TOKEN });
  const format = {
    type: "json_schema" as const,
    jsonSchema: { name: "answer", schema: { type: "object" } },
  };
  await assertRejects(
    () => model.generate([user("?")], { responseFormat: format }),
    TypeError,
    'Provider "replicate" does not support responseFormat',
  );
  await assertRejects(
    () => collect(model.generateStream([user("?")], { responseFormat: format })),
    TypeError,
  );
});

Deno.test("InferenceClientModel passes responseFormat through to an endpoint, without a token when none is set", async () => {
  await using server = new FakeServer([completion('{"ok":true}')]);
  await withEnv({ HF_TOKEN: undefined }, async () => {
    const model = new InferenceClientModel({ endpointUrl: server.origin });
    await model.generate([user("?")], {
      responseFormat: {
        type: "json_schema",
        jsonSchema: { name: "r", schema: { type: "object" } },
      },
    });
  });
  assertEquals(server.requests[0].body.response_format, {
    type: "json_schema",
    json_schema: { name: "r", schema: { type: "object" }, strict: false },
  });
  assertEquals(server.requests[0].headers.get("authorization"), null);
});

Deno.test("InferenceClientModel takes its token from HF_TOKEN by default", async () => {
  await using server = new FakeServer([completion("ok")]);
  await withEnv({ HF_TOKEN: TOKEN }, async () => {
    await new InferenceClientModel({ endpointUrl: server.origin }).generate([user("?")]);
  });
  assertEquals(server.requests[0].headers.get("authorization"), `Bearer ${TOKEN}`);
});

Deno.test("InferenceClientModel validates its options at construction", () => {
  assertThrows(
    () => new InferenceClientModel({ provider: "together", endpointUrl: "http://localhost:8080" }),
    TypeError,
    'Cannot use both provider "together" and endpointUrl',
  );
  assertThrows(
    () => new InferenceClientModel({ endpointUrl: "localhost:8080" }),
    TypeError,
    "Invalid endpointUrl",
  );
  assertThrows(
    () => new InferenceClientModel({ token: TOKEN, timeoutMs: -5 }),
    RangeError,
    "Invalid timeoutMs",
  );
  assertThrows(
    () => new InferenceClientModel({ provider: "together", token: "" }),
    TypeError,
    "Missing Hugging Face token",
  );
  const error = assertThrows(
    () => new InferenceClientModel({ token: "tgp_v1_providerKEY123" }),
    TypeError,
    'Cannot route a provider key with provider "auto"',
  );
  assert(!error.message.includes("tgp_v1_providerKEY123"));
});

Deno.test("InferenceClientModel.generateStream() times out a stream that stalls mid-reply", async () => {
  await using server = new FakeServer([
    sse([chunk({ content: "Hel" }), chunk({ content: "lo" })], { hang: true }),
  ]);
  const model = new InferenceClientModel({
    modelId: "tgi",
    endpointUrl: server.origin,
    timeoutMs: 100,
  });
  const seen: string[] = [];
  const error = await assertRejects(async () => {
    for await (const delta of model.generateStream([user("?")])) seen.push(delta.content ?? "");
  }, AgentGenerationError);
  assertStringIncludes(error.message, "timed out");
  assertEquals(seen, ["Hel", "lo"]);
  assertEquals(server.requests.length, 1);
});

Deno.test("InferenceClientModel times out a silent server after timeoutMs and retries", async () => {
  await using server = new FakeServer((_request, index) =>
    index === 0
      ? () => new Promise((resolve) => setTimeout(() => resolve(completion("too late")), 300))
      : completion("on time")
  );
  const model = new InferenceClientModel({
    modelId: "tgi",
    endpointUrl: server.origin,
    timeoutMs: 100,
    retryDelayMs: 1,
  });
  assertEquals((await model.generate([user("?")])).content, "on time");
  assertEquals(server.requests.length, 2);
});

Deno.test("InferenceClientModel rejects with the signal's reason when aborted mid-reply", async () => {
  await using server = new FakeServer([sse([chunk({ content: "Hel" })], { hang: true })]);
  const model = new InferenceClientModel({ modelId: "tgi", endpointUrl: server.origin });
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
});
