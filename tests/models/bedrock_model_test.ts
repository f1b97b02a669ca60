// AmazonBedrockModel, tested through the real AWS client (SigV4 signing,
// REST JSON, the binary event-stream decoder, the default credential chain)
// against a local server speaking the Converse wire format.

import { AgentGenerationError } from "../../src/errors.ts";
import {
  AmazonBedrockModel,
  type AmazonBedrockModelOptions,
  AmazonBedrockServerModel,
} from "../../src/models/bedrock_model.ts";
import type { RetryInfo } from "../../src/models/model_options.ts";
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
  BedrockServer,
  converseReply,
  crc32,
  encodeEventStreamMessage,
  errorReply,
  event,
  exception,
  hangingStreamReply,
  streamReply,
  textStreamFrames,
} from "./_bedrock_server.ts";
import { closedOrigin, collect, user } from "./_fake_server.ts";
import { withEnv } from "./_env.ts";
import { moduleGraph } from "./_module_graph.ts";

const KEY_ID = "AKIDEXAMPLE0123";
const SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYSECRET";
const CREDENTIALS = { accessKeyId: KEY_ID, secretAccessKey: SECRET };
const MODEL_ID = "anthropic.claude-3-haiku-20240307-v1:0";

// The chain's other sources (files, instance metadata) are switched off, so
// that no test depends on, or reads, the machine's own AWS setup.
const NO_AWS_ENV: Record<string, string | undefined> = {
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
  AWS_SESSION_TOKEN: undefined,
  AWS_PROFILE: undefined,
  AWS_REGION: undefined,
  AWS_DEFAULT_REGION: undefined,
  AWS_BEARER_TOKEN_BEDROCK: undefined,
  AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/smoldeno-test/credentials",
  AWS_CONFIG_FILE: "/nonexistent/smoldeno-test/config",
  AWS_EC2_METADATA_DISABLED: "true",
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
  AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
  AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
};

function modelFor(
  server: { origin: string },
  options: Partial<AmazonBedrockModelOptions> = {},
): AmazonBedrockModel {
  return new AmazonBedrockModel({
    modelId: MODEL_ID,
    region: "us-east-1",
    endpoint: server.origin,
    credentials: CREDENTIALS,
    retryDelayMs: 1,
    ...options,
  });
}

const SIGV4 =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([a-z0-9-]+)\/bedrock\/aws4_request, SignedHeaders=[a-z0-9;:-]+, Signature=[0-9a-f]{64}$/;

const getWeather = tool({
  name: "get_weather",
  description: "Weather report for a city.",
  inputs: { city: { type: "string", description: "City name" } },
  outputType: "string",
  forward: ({ city }) => `Sunny in ${city}`,
});

Deno.test("the test server's CRC-32 gives the standard check value", () => {
  assertEquals(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
  const frame = encodeEventStreamMessage({ ":message-type": "event" }, new Uint8Array([1, 2]));
  const view = new DataView(frame.buffer);
  assertEquals(view.getUint32(0), frame.length);
  assertEquals(view.getUint32(8), crc32(frame.subarray(0, 8)));
});

Deno.test("AmazonBedrockModel.generate() sends a signed Converse request and returns the reply with usage", async () => {
  await using server = new BedrockServer([
    converseReply("Hello!", { usage: { inputTokens: 12, outputTokens: 3 } }),
  ]);
  await using model = modelFor(server, { maxTokens: 100, temperature: 0.2 });
  const reply = await model.generate(
    [{ role: "system", content: "Be brief." }, user("Hi")],
    { temperature: 0.7, topP: 0.9 },
  );
  assertEquals(reply.role, "assistant");
  assertEquals(reply.content, "Hello!");
  assertEquals(reply.tokenUsage, { inputTokens: 12, outputTokens: 3 });
  assertEquals((reply.raw as { stopReason: string }).stopReason, "end_turn");

  const [request] = server.requests;
  assertEquals(request.operation, "converse");
  assertEquals(request.modelId, MODEL_ID);
  const auth = request.headers.get("authorization") ?? "";
  const [, keyId, region] = auth.match(SIGV4) ?? [];
  assertEquals([keyId, region], [KEY_ID, "us-east-1"]);
  assert(request.headers.get("x-amz-date"));
  assertEquals(request.body, {
    messages: [{ role: "user", content: [{ text: "Hi" }] }],
    system: [{ text: "Be brief." }],
    inferenceConfig: { maxTokens: 100, temperature: 0.7, topP: 0.9 },
  });
});

Deno.test("AmazonBedrockModel takes credentials and region from the environment (the default chain)", async () => {
  await using server = new BedrockServer([converseReply("ok")]);
  await withEnv({
    ...NO_AWS_ENV,
    AWS_ACCESS_KEY_ID: "AKIDFROMENV",
    AWS_SECRET_ACCESS_KEY: "env-secret-0123456789",
    AWS_SESSION_TOKEN: "env-session-token-0123456789",
    AWS_REGION: "eu-west-3",
  }, async () => {
    await using model = new AmazonBedrockModel({ modelId: MODEL_ID, endpoint: server.origin });
    assertEquals(model.region, "eu-west-3");
    await model.generate([user("Hi")]);
  });
  const headers = server.requests[0].headers;
  const [, keyId, region] = headers.get("authorization")?.match(SIGV4) ?? [];
  assertEquals([keyId, region], ["AKIDFROMENV", "eu-west-3"]);
  assertEquals(headers.get("x-amz-security-token"), "env-session-token-0123456789");
});

Deno.test("AmazonBedrockModel reads a named profile from the AWS credentials and config files", async () => {
  await using server = new BedrockServer([converseReply("ok")]);
  const dir = await Deno.makeTempDir({ prefix: "smoldeno-aws-" });
  try {
    await Deno.writeTextFile(
      `${dir}/credentials`,
      "[work]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = profile-secret-0123\n",
    );
    await Deno.writeTextFile(`${dir}/config`, "[profile work]\nregion = ap-south-1\n");
    await withEnv({
      ...NO_AWS_ENV,
      AWS_SHARED_CREDENTIALS_FILE: `${dir}/credentials`,
      AWS_CONFIG_FILE: `${dir}/config`,
    }, async () => {
      await using model = new AmazonBedrockModel({
        modelId: MODEL_ID,
        endpoint: server.origin,
        profile: "work",
      });
      await model.generate([user("Hi")]);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const [, keyId, region] = server.requests[0].headers.get("authorization")?.match(SIGV4) ?? [];
  assertEquals([keyId, region], ["AKIDPROFILE", "ap-south-1"]);
});

Deno.test("AmazonBedrockModel says which variables or files it expected when no credentials are found", async () => {
  await using server = new BedrockServer([converseReply("never sent")]);
  await withEnv(NO_AWS_ENV, async () => {
    await using model = new AmazonBedrockModel({
      modelId: MODEL_ID,
      region: "us-east-1",
      endpoint: server.origin,
    });
    const error = await assertRejects(() => model.generate([user("Hi")]), AgentGenerationError);
    assertStringIncludes(error.message, "AWS_ACCESS_KEY_ID");
    assertStringIncludes(error.message, "~/.aws/credentials");
    assertEquals(error.status, undefined);
  });
  assertEquals(server.requests.length, 0);
});

Deno.test("AmazonBedrockModel sends images as bytes in image blocks and refuses image URLs before sending", async () => {
  await using server = new BedrockServer([converseReply("A red pixel.")]);
  await using model = modelFor(server);
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
  await model.generate([{
    role: "user",
    content: [{ type: "text", text: "What is this?" }, { type: "image", image: png }],
  }]);
  assertEquals(server.requests[0].body.messages, [{
    role: "user",
    content: [
      { text: "What is this?" },
      { image: { format: "png", source: { bytes: btoa(String.fromCharCode(...png)) } } },
    ],
  }]);

  const error = await assertRejects(
    () =>
      model.generate([{
        role: "user",
        content: [{ type: "image", image: "https://example.com/cat.jpg" }],
      }]),
    AgentGenerationError,
  );
  assertStringIncludes(error.message, "Bedrock takes images as bytes, not URLs");
  assertStringIncludes(error.message, "https://example.com/cat.jpg");
  assertEquals(server.requests.length, 1);
});

Deno.test("AmazonBedrockModel offers tools in toolConfig and returns toolUse blocks as tool calls", async () => {
  await using server = new BedrockServer([
    converseReply([
      { text: "Let me check." },
      { toolUse: { toolUseId: "tooluse_1", name: "get_weather", input: { city: "Paris" } } },
    ], { stopReason: "tool_use" }),
  ]);
  await using model = modelFor(server);
  const reply = await model.generate([user("Weather in Paris?")], {
    toolsToCallFrom: [getWeather],
  });
  assertEquals(reply.content, "Let me check.");
  assertEquals(reply.toolCalls, [{
    id: "tooluse_1",
    name: "get_weather",
    arguments: { city: "Paris" },
  }]);
  const toolConfig = server.requests[0].body.toolConfig as {
    tools: { toolSpec: { name: string; description: string; inputSchema: { json: unknown } } }[];
    toolChoice: unknown;
  };
  assertEquals(toolConfig.toolChoice, { any: {} });
  assertEquals(toolConfig.tools[0].toolSpec.name, "get_weather");
  assertEquals(toolConfig.tools[0].toolSpec.description, "Weather report for a city.");
  assertEquals(
    (toolConfig.tools[0].toolSpec.inputSchema.json as { properties: unknown }).properties,
    { city: { type: "string", description: "City name" } },
  );
});

Deno.test("AmazonBedrockModel sends past tool calls as toolUse and their results as one user turn", async () => {
  await using server = new BedrockServer([converseReply("Sunny in both.")]);
  await using model = modelFor(server);
  await model.generate([
    user("Weather in Paris and Rome?"),
    {
      role: "assistant",
      content: null,
      toolCalls: [
        { id: "t1", name: "get_weather", arguments: { city: "Paris" } },
        { id: "t2", name: "get_weather", arguments: '{"city":"Rome"}' },
      ],
    },
    { role: "tool", toolCallId: "t1", content: "Sunny in Paris" },
    { role: "tool", toolCallId: "t2", content: "Sunny in Rome" },
  ], { toolsToCallFrom: [getWeather], toolChoice: "auto" });
  const body = server.requests[0].body;
  assertEquals(body.messages, [
    { role: "user", content: [{ text: "Weather in Paris and Rome?" }] },
    {
      role: "assistant",
      content: [
        { toolUse: { toolUseId: "t1", name: "get_weather", input: { city: "Paris" } } },
        { toolUse: { toolUseId: "t2", name: "get_weather", input: { city: "Rome" } } },
      ],
    },
    {
      role: "user",
      content: [
        { toolResult: { toolUseId: "t1", content: [{ text: "Sunny in Paris" }] } },
        { toolResult: { toolUseId: "t2", content: [{ text: "Sunny in Rome" }] } },
      ],
    },
  ]);
  assertEquals((body.toolConfig as { toolChoice: unknown }).toolChoice, { auto: {} });
});

Deno.test("AmazonBedrockModel asks for JSON-schema replies through outputConfig and merges extraBody", async () => {
  await using server = new BedrockServer([converseReply('{"answer":42}')]);
  await using model = modelFor(server, {
    extraBody: {
      guardrailConfig: { guardrailIdentifier: "gr-1", guardrailVersion: "1" },
      additionalModelRequestFields: { top_k: 200 },
    },
  });
  const schema = { type: "object", properties: { answer: { type: "number" } } };
  const reply = await model.generate([user("The answer?")], {
    responseFormat: { type: "json_schema", jsonSchema: { name: "answer", schema } },
    maxTokens: 50,
    extraBody: { inferenceConfig: { stopSequences: ["END"] } },
  });
  assertEquals(reply.content, '{"answer":42}');
  const body = server.requests[0].body;
  assertEquals(body.outputConfig, {
    textFormat: {
      type: "json_schema",
      structure: { jsonSchema: { name: "answer", schema: JSON.stringify(schema) } },
    },
  });
  assertEquals(body.guardrailConfig, { guardrailIdentifier: "gr-1", guardrailVersion: "1" });
  assertEquals(body.additionalModelRequestFields, { top_k: 200 });
  assertEquals(body.inferenceConfig, { maxTokens: 50, stopSequences: ["END"] });
});

Deno.test("AmazonBedrockModel.generateStream() decodes ConverseStream's binary event stream cut at random places", async () => {
  await using server = new BedrockServer([
    streamReply(
      textStreamFrames(["Hel", "lo, ", "world", "!"], { inputTokens: 9, outputTokens: 4 }),
      {
        split: 7,
      },
    ),
  ]);
  await using model = modelFor(server);
  const deltas = await collect(model.generateStream([user("Hi")], { maxTokens: 20 }));
  assertEquals(deltas.map((d) => d.content ?? "").join(""), "Hello, world!");
  assertEquals(deltas.at(-1)?.tokenUsage, { inputTokens: 9, outputTokens: 4 });
  assertEquals(server.requests[0].operation, "converse-stream");
  assertEquals(server.requests[0].body.inferenceConfig, { maxTokens: 20 });
  assertMatch(server.requests[0].headers.get("authorization") ?? "", SIGV4);
});

Deno.test("AmazonBedrockModel.generateStream() streams tool-call deltas with dense indexes", async () => {
  await using server = new BedrockServer([streamReply([
    event("messageStart", { role: "assistant" }),
    event("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Checking." } }),
    event("contentBlockStop", { contentBlockIndex: 0 }),
    event("contentBlockStart", {
      contentBlockIndex: 1,
      start: { toolUse: { toolUseId: "tu_a", name: "get_weather" } },
    }),
    event("contentBlockDelta", { contentBlockIndex: 1, delta: { toolUse: { input: '{"ci' } } }),
    event("contentBlockDelta", {
      contentBlockIndex: 1,
      delta: { toolUse: { input: 'ty":"Paris"}' } },
    }),
    event("contentBlockStop", { contentBlockIndex: 1 }),
    event("contentBlockStart", {
      contentBlockIndex: 2,
      start: { toolUse: { toolUseId: "tu_b", name: "get_weather" } },
    }),
    event("contentBlockDelta", {
      contentBlockIndex: 2,
      delta: { toolUse: { input: '{"city":"Rome"}' } },
    }),
    event("contentBlockStop", { contentBlockIndex: 2 }),
    event("messageStop", { stopReason: "tool_use" }),
    event("metadata", { usage: { inputTokens: 30, outputTokens: 20, totalTokens: 50 } }),
  ])]);
  await using model = modelFor(server);
  const deltas = await collect(
    model.generateStream([user("Weather?")], { toolsToCallFrom: [getWeather] }),
  );
  const calls = new ToolCallAccumulator();
  for (const delta of deltas) if (delta.toolCalls) calls.add(delta.toolCalls);
  assertEquals(deltas[0].content, "Checking.");
  assertEquals(deltas[1].toolCalls, [{ index: 0, id: "tu_a", name: "get_weather", arguments: "" }]);
  assertEquals(calls.toolCalls(), [
    { id: "tu_a", name: "get_weather", arguments: { city: "Paris" } },
    { id: "tu_b", name: "get_weather", arguments: { city: "Rome" } },
  ]);
  assertEquals(deltas.at(-1)?.tokenUsage, { inputTokens: 30, outputTokens: 20 });
});

Deno.test("AmazonBedrockModel sends stop sequences and also cuts the streamed text at them", async () => {
  await using server = new BedrockServer([
    streamReply(textStreamFrames(["Thought: done", "<end_code>", " ignored"])),
    converseReply("Answer<end_code> and more"),
  ]);
  await using model = modelFor(server);
  const deltas = await collect(
    model.generateStream([user("Go")], { stopSequences: ["<end_code>"] }),
  );
  assertEquals(deltas.map((d) => d.content ?? "").join(""), "Thought: done");
  assertEquals(server.requests[0].body.inferenceConfig, { stopSequences: ["<end_code>"] });
  const reply = await model.generate([user("Go")], { stopSequences: ["<end_code>"] });
  assertEquals(reply.content, "Answer");
});

Deno.test("AmazonBedrockModel retries a ThrottlingException (x-amzn-ErrorType) and tells onRetry", async () => {
  await using server = new BedrockServer([
    errorReply(429, "ThrottlingException", "Too many requests, please wait before trying again."),
    converseReply("Finally."),
  ]);
  const retries: RetryInfo[] = [];
  await using model = modelFor(server, { onRetry: (info) => retries.push(info) });
  const reply = await model.generate([user("Hi")]);
  assertEquals(reply.content, "Finally.");
  assertEquals(server.requests.length, 2);
  assertEquals(retries.length, 1);
  assertEquals(retries[0].status, 429);
  assertEquals(retries[0].attempt, 2);
  assertStringIncludes(retries[0].reason, "ThrottlingException: Too many requests");
});

Deno.test("AmazonBedrockModel retries a throttlingException sent inside the event stream before any text", async () => {
  await using server = new BedrockServer([
    streamReply([
      event("messageStart", { role: "assistant" }),
      exception("throttlingException", "Slow down"),
    ]),
    streamReply(textStreamFrames(["After the wait."])),
  ]);
  const retries: RetryInfo[] = [];
  await using model = modelFor(server, { onRetry: (info) => retries.push(info) });
  const deltas = await collect(model.generateStream([user("Hi")]));
  assertEquals(deltas.map((d) => d.content ?? "").join(""), "After the wait.");
  assertEquals(server.requests.length, 2);
  assertEquals(retries.map((r) => r.status), [429]);
});

Deno.test("AmazonBedrockModel honours the Retry-After of a 503 and gives up after maxRetries", async () => {
  await using server = new BedrockServer([
    errorReply(503, "ServiceUnavailableException", "Bedrock is unavailable", {
      "retry-after": "0",
    }),
  ]);
  const delays: number[] = [];
  await using model = modelFor(server, {
    maxRetries: 2,
    retryDelayMs: 5_000,
    onRetry: (info) => delays.push(info.delayMs),
  });
  const error = await assertRejects(() => model.generate([user("Hi")]), AgentGenerationError);
  assertEquals(error.status, 503);
  assertStringIncludes(error.message, "after 3 attempts");
  assertStringIncludes(error.message, "ServiceUnavailableException: Bedrock is unavailable");
  // Retry-After: 0 replaced the 5 s backoff.
  assertEquals(delays, [0, 0]);
  assertEquals(server.requests.length, 3);
});

Deno.test("AmazonBedrockModel does not retry a ValidationException and reports its status and message", async () => {
  await using server = new BedrockServer([
    errorReply(400, "ValidationException", "The model returned the following errors: bad input"),
  ]);
  await using model = modelFor(server);
  const error = await assertRejects(() => model.generate([user("Hi")]), AgentGenerationError);
  assertEquals(error.status, 400);
  assertEquals(
    error.message,
    `Model "${MODEL_ID}" request failed with status 400: ValidationException: The model returned the following errors: bad input`,
  );
  assertEquals(server.requests.length, 1);
});

Deno.test("AmazonBedrockModel reports an unknown model id (ResourceNotFoundException) without retrying", async () => {
  await using server = new BedrockServer([
    errorReply(404, "ResourceNotFoundException", "Model not found: no-such-model"),
  ]);
  await using model = modelFor(server, { modelId: "no-such-model" });
  const error = await assertRejects(() => model.generate([user("Hi")]), AgentGenerationError);
  assertEquals(error.status, 404);
  assertStringIncludes(error.message, 'Model "no-such-model" request failed with status 404');
  assertStringIncludes(error.message, "ResourceNotFoundException: Model not found");
  assertEquals(server.requests.length, 1);
});

Deno.test("AmazonBedrockModel reports a stream that fails after its first text, without retrying", async () => {
  await using server = new BedrockServer([streamReply([
    event("messageStart", { role: "assistant" }),
    event("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Half" } }),
    exception("modelStreamErrorException", "The model stopped"),
  ])]);
  await using model = modelFor(server);
  const seen: string[] = [];
  const error = await assertRejects(async () => {
    for await (const delta of model.generateStream([user("Hi")])) seen.push(delta.content ?? "");
  }, AgentGenerationError);
  assertEquals(seen, ["Half"]);
  assertEquals(error.status, 424);
  assertStringIncludes(error.message, "ModelStreamErrorException: The model stopped");
  assertEquals(server.requests.length, 1);
});

Deno.test("AmazonBedrockModel times out a silent server after timeoutMs", async () => {
  await using server = new BedrockServer([async (request) => {
    await new Promise((r) => request.signal.addEventListener("abort", r));
    return converseReply("too late");
  }]);
  await using model = modelFor(server, { timeoutMs: 50, maxRetries: 1 });
  const error = await assertRejects(() => model.generate([user("Hi")]), AgentGenerationError);
  assertEquals(
    error.message,
    `Model "${MODEL_ID}" request timed out after 2 attempts: no response within 50 ms`,
  );
  assertEquals(server.requests.length, 2);
});

Deno.test("AmazonBedrockModel names the endpoint it cannot reach and retries the connection", async () => {
  const origin = closedOrigin();
  const retries: RetryInfo[] = [];
  await using model = modelFor({ origin }, { maxRetries: 1, onRetry: (i) => retries.push(i) });
  const error = await assertRejects(() => model.generate([user("Hi")]), AgentGenerationError);
  assertEquals(error.status, undefined);
  assertStringIncludes(error.message, `cannot reach ${origin}: connection refused`);
  assertStringIncludes(error.message, "after 2 attempts");
  assertEquals(retries.length, 1);
});

Deno.test("AmazonBedrockModel aborts a stream mid-way with the caller's reason and closes the request", async () => {
  const hanging = hangingStreamReply([
    event("messageStart", { role: "assistant" }),
    event("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Partial" } }),
  ]);
  // A function, not the Response: a cloned reply would never see the cancel.
  await using server = new BedrockServer([() => hanging.response]);
  await using model = modelFor(server);
  const controller = new AbortController();
  const reason = new Error("user pressed stop");
  const seen: string[] = [];
  const error = await assertRejects(async () => {
    for await (const delta of model.generateStream([user("Hi")], { signal: controller.signal })) {
      seen.push(delta.content ?? "");
      controller.abort(reason);
    }
  });
  assertEquals(error, reason);
  assertEquals(seen, ["Partial"]);
  await hanging.cancelled;
});

Deno.test("AmazonBedrockModel.generate() rejects with the abort reason while the server is silent", async () => {
  const { promise: arrived, resolve } = Promise.withResolvers<void>();
  const { promise: gone, resolve: leave } = Promise.withResolvers<void>();
  await using server = new BedrockServer([async (request) => {
    resolve();
    await new Promise((r) => request.signal.addEventListener("abort", r));
    leave();
    return converseReply("too late");
  }]);
  await using model = modelFor(server, { timeoutMs: 600_000 });
  const controller = new AbortController();
  const call = model.generate([user("Hi")], { signal: controller.signal });
  await arrived;
  controller.abort(new Error("cancelled by test"));
  const error = await assertRejects(() => call);
  assertEquals(error.message, "cancelled by test");
  // The request was cancelled on the wire too.
  await gone;
});

Deno.test("AmazonBedrockModel refuses bad options at construction, without echoing secrets", () => {
  assertThrows(() => new AmazonBedrockModel({ modelId: "" }), TypeError, "Invalid modelId");
  assertThrows(
    () => new AmazonBedrockModel({ modelId: MODEL_ID, endpoint: "localhost:8080" }),
    TypeError,
    "Invalid endpoint",
  );
  assertThrows(
    () => new AmazonBedrockModel({ modelId: MODEL_ID, seed: 1 } as AmazonBedrockModelOptions),
    TypeError,
    "Invalid seed: Bedrock's Converse API has no such parameter",
  );
  assertThrows(
    () => new AmazonBedrockModel({ modelId: MODEL_ID, maxRetries: -1 }),
    RangeError,
    "Invalid maxRetries",
  );
  const error = assertThrows(
    () =>
      new AmazonBedrockModel({
        modelId: MODEL_ID,
        credentials: { accessKeyId: "", secretAccessKey: SECRET },
      }),
    TypeError,
    "Invalid credentials",
  );
  assert(!error.message.includes(SECRET));
});

Deno.test("AmazonBedrockModel refuses a per-call parameter Converse lacks before sending", async () => {
  await using server = new BedrockServer([converseReply("never")]);
  await using model = modelFor(server);
  await assertRejects(
    () => model.generate([user("Hi")], { seed: 3 } as never),
    TypeError,
    "Invalid seed",
  );
  assertEquals(server.requests.length, 0);
});

Deno.test("AmazonBedrockModel keeps the secret key out of JSON, inspect and echoed errors", async () => {
  await using server = new BedrockServer([
    errorReply(403, "AccessDeniedException", `The key ${SECRET} is not allowed`),
  ]);
  await using model = modelFor(server);
  assertEquals(JSON.parse(JSON.stringify(model)), {
    type: "AmazonBedrockModel",
    modelId: MODEL_ID,
    region: "us-east-1",
    endpoint: server.origin,
  });
  assert(!Deno.inspect(model, { depth: 10 }).includes(SECRET));
  const error = await assertRejects(() => model.generate([user("Hi")]), AgentGenerationError);
  assertEquals(error.status, 403);
  assert(!error.message.includes(SECRET), error.message);
  assertStringIncludes(error.message, "[redacted]");
});

Deno.test("AmazonBedrockServerModel is the same class under smolagents' name", async () => {
  await using model = new AmazonBedrockServerModel({ modelId: MODEL_ID, region: "us-west-2" });
  assert(model instanceof AmazonBedrockModel);
  assertEquals(model.region, "us-west-2");
});

Deno.test("importing mod.ts loads no AWS SDK, and the Bedrock subpath loads no other provider's package", async () => {
  const graph = moduleGraph;
  const aws = (s: string) => /^npm:\/?@aws-sdk\//.test(s) || s.endsWith("/bedrock_model.ts");
  const others = (s: string) =>
    /^npm:\/?(openai|@huggingface\/inference|node-llama-cpp|ai)@/.test(s);
  const bedrock = await graph("../../src/models/bedrock_model.ts");
  assert(bedrock.some(aws));
  assertEquals(bedrock.filter(others), []);
  assertEquals((await graph("../../mod.ts")).filter(aws), []);
});
