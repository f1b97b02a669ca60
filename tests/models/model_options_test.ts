// The options every server-backed model shares (model_options.ts), through
// both adapters and their real npm clients against local servers: here the
// onRetry listener.
import { AgentGenerationError } from "../../src/errors.ts";
import type { RetryInfo } from "../../src/models/model_options.ts";
import { OpenAIServerModel } from "../../src/models/openai_model.ts";
import { InferenceClientModel } from "../../src/models/inference_client_model.ts";
import { assert, assertEquals, assertRejects, assertThrows } from "../_assert.ts";
import {
  chunk,
  closedOrigin,
  collect,
  completion,
  errorReply,
  FakeServer,
  sse,
  user,
} from "./_fake_server.ts";

const KEY = "sk-test-0123456789abcdefSECRET";

function assertBetween(value: number, min: number, max: number, what: string): void {
  assert(value >= min && value <= max, `${what}: expected ${min} to ${max}, got ${value}`);
}

Deno.test("OpenAIServerModel tells onRetry of each retry before it is sent: attempt, wait, status and reason", async () => {
  await using server = new FakeServer([
    errorReply(503, "overloaded"),
    errorReply(429, "Rate limit reached", { "retry-after-ms": "30" }),
    completion("third time lucky"),
  ]);
  const seen: { info: RetryInfo; requestsSoFar: number }[] = [];
  const model = new OpenAIServerModel({
    modelId: "gpt-4o",
    apiBase: server.origin,
    apiKey: KEY,
    retryDelayMs: 10,
    onRetry: (info) => seen.push({ info, requestsSoFar: server.requests.length }),
  });
  assertEquals((await model.generate([user("?")])).content, "third time lucky");
  assertEquals(seen.map((s) => s.requestsSoFar), [1, 2]);
  const [first, second] = seen.map((s) => s.info);
  assertEquals({ ...first, delayMs: 0 }, {
    modelId: "gpt-4o",
    attempt: 2,
    maxAttempts: 4,
    delayMs: 0,
    reason: "status 503: overloaded",
    status: 503,
  });
  // Backoff with jitter: between half and all of retryDelayMs.
  assertBetween(first.delayMs, 5, 10, "the first backoff");
  assertEquals({ ...second, delayMs: 0 }, {
    modelId: "gpt-4o",
    attempt: 3,
    maxAttempts: 4,
    delayMs: 0,
    reason: "status 429: Rate limit reached",
    status: 429,
  });
  // The server's Retry-After, plus at most 10 % jitter.
  assertBetween(second.delayMs, 30, 33, "the Retry-After wait");
});

Deno.test("OpenAIServerModel tells onRetry that a server which is down refuses connections, and its error says so too", async () => {
  const origin = closedOrigin();
  const seen: RetryInfo[] = [];
  const model = new OpenAIServerModel({
    modelId: "m",
    apiBase: `${origin}/v1`,
    maxRetries: 2,
    retryDelayMs: 1,
    onRetry: (info) => seen.push(info),
  });
  const error = await assertRejects(() => model.generate([user("?")]), AgentGenerationError);
  assertEquals(seen.map((i) => [i.attempt, i.maxAttempts, i.status]), [
    [2, 3, undefined],
    [3, 3, undefined],
  ]);
  for (const info of seen) {
    assertEquals(info.reason, `cannot reach ${origin}/v1: connection refused`);
  }
  // Deno's own "fetch failed" said nothing; the innermost cause does.
  assertEquals(
    error.message,
    `Model "m" request failed after 3 attempts: cannot reach ${origin}/v1: connection refused`,
  );
});

Deno.test("OpenAIServerModel.generateStream() tells onRetry of a retry before the first chunk", async () => {
  await using server = new FakeServer([
    errorReply(502, "bad gateway"),
    sse([chunk({ content: "fine" })]),
  ]);
  const seen: RetryInfo[] = [];
  const model = new OpenAIServerModel({
    modelId: "m",
    apiBase: server.origin,
    retryDelayMs: 1,
    onRetry: (info) => seen.push(info),
  });
  const deltas = await collect(model.generateStream([user("?")]));
  assertEquals(deltas.map((d) => d.content).join(""), "fine");
  assertEquals(seen.map((i) => [i.attempt, i.reason]), [[2, "status 502: bad gateway"]]);
});

Deno.test("OpenAIServerModel never shows its key to onRetry, even when the server echoes it", async () => {
  await using server = new FakeServer([
    errorReply(500, `Upstream rejected key ${KEY}`),
    completion("ok"),
  ]);
  const seen: RetryInfo[] = [];
  const model = new OpenAIServerModel({
    modelId: "m",
    apiBase: server.origin,
    apiKey: KEY,
    retryDelayMs: 1,
    onRetry: (info) => seen.push(info),
  });
  await model.generate([user("?")]);
  assertEquals(seen.map((i) => i.reason), ["status 500: Upstream rejected key [redacted]"]);
});

Deno.test("OpenAIServerModel does not call onRetry for a failure it does not retry", async () => {
  await using server = new FakeServer([errorReply(404, "The model `nope` does not exist")]);
  let calls = 0;
  const model = new OpenAIServerModel({
    modelId: "nope",
    apiBase: server.origin,
    retryDelayMs: 1,
    onRetry: () => calls++,
  });
  const error = await assertRejects(() => model.generate([user("?")]), AgentGenerationError);
  assertEquals(error.status, 404);
  assertEquals(calls, 0);
  assertEquals(server.requests.length, 1);
});

Deno.test("OpenAIServerModel retries on when its onRetry listener throws", async () => {
  await using server = new FakeServer([errorReply(503, "overloaded"), completion("recovered")]);
  let calls = 0;
  const model = new OpenAIServerModel({
    modelId: "m",
    apiBase: server.origin,
    retryDelayMs: 1,
    onRetry: () => {
      calls++;
      throw new Error("the log is full");
    },
  });
  assertEquals((await model.generate([user("?")])).content, "recovered");
  assertEquals(calls, 1);
});

Deno.test("InferenceClientModel tells onRetry of each retry too", async () => {
  await using server = new FakeServer([errorReply(503, "loading"), completion("ready")]);
  const seen: RetryInfo[] = [];
  const model = new InferenceClientModel({
    modelId: "tgi",
    endpointUrl: server.origin,
    retryDelayMs: 1,
    maxRetries: 1,
    onRetry: (info) => seen.push(info),
  });
  assertEquals((await model.generate([user("?")])).content, "ready");
  assertEquals(seen.map((i) => [i.modelId, i.attempt, i.maxAttempts, i.status]), [
    ["tgi", 2, 2, 503],
  ]);
});

Deno.test("InferenceClientModel tells onRetry that an endpoint which is down refuses connections", async () => {
  const origin = closedOrigin();
  const seen: RetryInfo[] = [];
  const model = new InferenceClientModel({
    endpointUrl: origin,
    maxRetries: 1,
    retryDelayMs: 1,
    onRetry: (info) => seen.push(info),
  });
  await assertRejects(() => model.generate([user("?")]), AgentGenerationError);
  assertEquals(seen.map((i) => i.reason), [`cannot reach ${origin}: connection refused`]);
});

Deno.test("The server-backed models refuse an onRetry that is not a function, at construction", () => {
  const onRetry = "console.error" as unknown as () => void;
  assertThrows(
    () => new OpenAIServerModel({ modelId: "m", apiBase: "http://x", onRetry }),
    TypeError,
    "Invalid onRetry: expected a function",
  );
  assertThrows(
    () => new InferenceClientModel({ endpointUrl: "http://x", onRetry }),
    TypeError,
    "Invalid onRetry: expected a function",
  );
});
