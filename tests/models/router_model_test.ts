import { AgentGenerationError } from "../../src/errors.ts";
import type {
  ChatMessage,
  ChatMessageStreamDelta,
  GenerateOptions,
  Model,
} from "../../src/models/model.ts";
import { OpenAIServerModel } from "../../src/models/openai_model.ts";
import {
  isFallbackError,
  type RouteEvent,
  type RouterClock,
  RouterError,
  RouterModel,
} from "../../src/models/router_model.ts";
import { ScriptedModel } from "../../src/testing.ts";
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

type Outcome = string | Error | (() => Promise<string>);

/** A fake deployment that answers or fails on cue, one outcome per call. */
function fake(modelId: string, outcomes: Outcome[], calls: string[] = []): Model {
  let n = 0;
  return {
    modelId,
    async generate(): Promise<ChatMessage> {
      calls.push(modelId);
      const outcome = outcomes[Math.min(n++, outcomes.length - 1)];
      if (outcome instanceof Error) throw outcome;
      const content = typeof outcome === "function" ? await outcome() : outcome;
      return { role: "assistant", content, tokenUsage: { inputTokens: 10, outputTokens: 2 } };
    },
  };
}

const status = (code: number) => new AgentGenerationError(`status ${code}`, { status: code });

/** A clock that only moves when told to (sleep moves it too). */
class ManualClock implements RouterClock {
  time = 1_000_000;
  slept: number[] = [];
  now(): number {
    return this.time;
  }
  sleep(ms: number): Promise<void> {
    this.slept.push(ms);
    this.time += ms;
    return Promise.resolve();
  }
}

Deno.test("RouterModel falls back in order on a 529 and says which deployment answered (fake deployments)", async () => {
  const events: RouteEvent[] = [];
  const router = new RouterModel({
    deployments: [fake("claude", [status(529)]), fake("gpt", ["from gpt"])],
    onRoute: (event) => events.push(event),
  });
  const reply = await router.generate([user("hi")]);
  assertEquals(reply.content, "from gpt");
  assertEquals(reply.deployment, "gpt");
  assertEquals(reply.modelId, "gpt");
  assertEquals(router.modelId, "claude");
  assertEquals(
    events.map((e) => [e.type, e.deployment, e.attempt]),
    [
      ["attempt", "claude", 1],
      ["failed", "claude", 1],
      ["attempt", "gpt", 2],
      ["answered", "gpt", 2],
    ],
  );
  const failed = events[1] as Extract<RouteEvent, { type: "failed" }>;
  assertEquals(failed.status, 529);
  assertEquals(failed.fallback, true);
  assert(failed.cooldownUntil !== undefined, "the failure started a cooldown");
});

Deno.test("RouterModel never falls back on 400, 401 or 403: the deployment's error is rethrown (fake deployments)", async () => {
  for (const code of [400, 401, 403]) {
    const calls: string[] = [];
    const router = new RouterModel({
      deployments: [fake("a", [status(code), "again"], calls), fake("b", ["b"], calls)],
    });
    const error = await assertRejects(() => router.generate([user("?")]), AgentGenerationError);
    assertEquals(error.status, code);
    assert(!(error instanceof RouterError));
    assertEquals(calls, ["a"]);
    // The request was at fault, not the deployment: no cooldown.
    assertEquals(router.usageByDeployment()[0].coolingDownUntil, undefined);
    assertEquals((await router.generate([user("?")])).deployment, "a");
  }
});

Deno.test("isFallbackError() falls back on 408, 429, 5xx, statusless failures and timeouts only", () => {
  for (const code of [408, 409, 429, 500, 502, 503, 529]) assert(isFallbackError(status(code)));
  for (const code of [400, 401, 403, 404, 422]) assert(!isFallbackError(status(code)));
  assert(isFallbackError(new AgentGenerationError("connection reset")));
  assert(isFallbackError(new DOMException("slow", "TimeoutError")));
  assert(!isFallbackError(new TypeError("bad option")));
  assert(!isFallbackError(new DOMException("stop", "AbortError")));
});

Deno.test("RouterModel rejects with a RouterError listing what every deployment said when all fail (fake deployments)", async () => {
  const router = new RouterModel({
    modelId: "pool",
    deployments: [
      fake("a", [status(503)]),
      fake("b", [new AgentGenerationError("connection refused")]),
      fake("c", [status(429)]),
    ],
  });
  const error = await assertRejects(() => router.generate([user("?")]), RouterError);
  assert(error instanceof AgentGenerationError);
  assertEquals(error.failures.map((f) => [f.deployment, f.status]), [
    ["a", 503],
    ["b", undefined],
    ["c", 429],
  ]);
  assertEquals(error.status, 429);
  assertStringIncludes(error.message, 'All 3 deployments of "pool" failed');
  assertStringIncludes(error.message, '"b": connection refused');
});

Deno.test("RouterModel cools a failing deployment down and sends it requests again after cooldownMs (fake deployments, fake clock)", async () => {
  const clock = new ManualClock();
  const calls: string[] = [];
  const router = new RouterModel({
    deployments: [fake("a", [status(500), "a ok"], calls), fake("b", ["b ok"], calls)],
    cooldownMs: 10_000,
    clock,
  });
  assertEquals((await router.generate([user("1")])).deployment, "b");
  assertEquals(router.usageByDeployment()[0].coolingDownUntil, clock.time + 10_000);
  clock.time += 9_999;
  assertEquals((await router.generate([user("2")])).deployment, "b");
  clock.time += 1;
  assertEquals((await router.generate([user("3")])).deployment, "a");
  assertEquals(calls, ["a", "b", "b", "a"]);
  assertEquals(router.usageByDeployment()[0].coolingDownUntil, undefined);
});

Deno.test("RouterModel cools down only after allowedFails failures in a row (fake deployments, fake clock)", async () => {
  const clock = new ManualClock();
  const calls: string[] = [];
  const router = new RouterModel({
    deployments: [fake("a", [status(502)], calls), fake("b", ["b"], calls)],
    allowedFails: 1,
    clock,
  });
  await router.generate([user("1")]);
  await router.generate([user("2")]);
  await router.generate([user("3")]);
  assertEquals(calls, ["a", "b", "a", "b", "b"]);
});

Deno.test("RouterModel still tries cooling deployments, the soonest back first, when all are cooling (fake deployments, fake clock)", async () => {
  const clock = new ManualClock();
  const calls: string[] = [];
  const router = new RouterModel({
    deployments: [fake("a", [status(503), "a back"], calls), fake("b", [status(503)], calls)],
    cooldownMs: 60_000,
    clock,
  });
  await assertRejects(() => router.generate([user("1")]), RouterError);
  clock.time += 5;
  assertEquals((await router.generate([user("2")])).deployment, "a");
  assertEquals(calls, ["a", "b", "a"]);
});

Deno.test("RouterModel round-robin starts each call at the next deployment (fake deployments)", async () => {
  const router = new RouterModel({
    strategy: "round-robin",
    deployments: [fake("a", ["a"]), fake("b", ["b"]), fake("c", ["c"])],
  });
  const answered: string[] = [];
  for (let i = 0; i < 4; i++) answered.push((await router.generate([user("?")])).deployment);
  assertEquals(answered, ["a", "b", "c", "a"]);
  assertEquals(router.usageByDeployment().map((d) => d.requests), [2, 1, 1]);
});

Deno.test("RouterModel least-busy sends a call to the deployment with fewer requests in flight (fake deployments)", async () => {
  const release: (() => void)[] = [];
  const slow = () => new Promise<string>((resolve) => release.push(() => resolve("slow")));
  const router = new RouterModel({
    strategy: "least-busy",
    deployments: [fake("a", [slow, "a"]), fake("b", [slow, "b"]), fake("c", ["c"])],
  });
  const first = router.generate([user("1")]);
  const second = router.generate([user("2")]);
  assertEquals(router.usageByDeployment().map((d) => d.inFlight), [1, 1, 0]);
  assertEquals((await router.generate([user("3")])).deployment, "c");
  for (const done of release) done();
  assertEquals((await first).deployment, "a");
  assertEquals((await second).deployment, "b");
});

Deno.test("RouterModel weighted picks in proportion to the weights (fake deployments, fake random)", async () => {
  const draws = [0.1, 0.5, 0.79, 0.8, 0.99];
  const router = new RouterModel({
    strategy: "weighted",
    deployments: [
      { model: fake("big", ["big"]), weight: 4 },
      { model: fake("small", ["small"]), weight: 1 },
    ],
    random: () => draws.shift() ?? 0,
  });
  const answered: string[] = [];
  for (let i = 0; i < 5; i++) answered.push((await router.generate([user("?")])).deployment);
  assertEquals(answered, ["big", "big", "big", "small", "small"]);
});

Deno.test("RouterModel keeps each deployment within its requestsPerMinute and waits when all are at it (fake deployments, fake clock)", async () => {
  const clock = new ManualClock();
  const events: RouteEvent[] = [];
  const router = new RouterModel({
    deployments: [
      { model: fake("a", ["a"]), requestsPerMinute: 2 },
      { model: fake("b", ["b"]), requestsPerMinute: 1 },
    ],
    clock,
    onRoute: (event) => events.push(event),
  });
  const answered: string[] = [];
  for (let i = 0; i < 3; i++) {
    answered.push((await router.generate([user("?")])).deployment);
    clock.time += 1_000;
  }
  assertEquals(answered, ["a", "a", "b"]);
  assertEquals(clock.slept, []);
  // All three slots of the minute are used: the next call waits for a's first one to free.
  assertEquals((await router.generate([user("?")])).deployment, "a");
  assertEquals(clock.slept, [57_000]);
  const waiting = events.find((e) => e.type === "waiting");
  assertEquals(waiting && { ...waiting }, {
    type: "waiting",
    deployment: "a",
    modelId: "a",
    attempt: 1,
    delayMs: 57_000,
  });
});

Deno.test("RouterModel sums requests, failures and tokens per deployment (fake deployments)", async () => {
  const router = new RouterModel({
    deployments: [
      { name: "primary", model: fake("m", [status(503), "ok"]) },
      { name: "backup", model: fake("m", ["ok"]) },
    ],
    cooldownMs: 0,
  });
  await router.generate([user("1")]);
  await router.generate([user("2")]);
  assertEquals(router.usageByDeployment(), [
    {
      name: "primary",
      modelId: "m",
      requests: 2,
      successes: 1,
      failures: 1,
      inputTokens: 10,
      outputTokens: 2,
      inFlight: 0,
    },
    {
      name: "backup",
      modelId: "m",
      requests: 1,
      successes: 1,
      failures: 0,
      inputTokens: 10,
      outputTokens: 2,
      inFlight: 0,
    },
  ]);
  assertEquals(router.totalUsage, { inputTokens: 20, outputTokens: 4 });
});

Deno.test("RouterModel does not fall back when the caller aborts, and ignores a throwing onRoute (fake deployments)", async () => {
  const controller = new AbortController();
  const calls: string[] = [];
  const aborting: Model = {
    modelId: "a",
    generate: () => {
      calls.push("a");
      controller.abort(new Error("user stopped"));
      return Promise.reject(new AgentGenerationError("cancelled"));
    },
  };
  const router = new RouterModel({
    deployments: [aborting, fake("b", ["b"], calls)],
    onRoute: () => {
      throw new Error("listener bug");
    },
  });
  await assertRejects(() => router.generate([user("?")], { signal: controller.signal }));
  assertEquals(calls, ["a"]);
  assertEquals(router.usageByDeployment()[0].coolingDownUntil, undefined);
});

Deno.test("RouterModel.generateStream() falls back before the first delta but not after it (fake deployments)", async () => {
  const failingLate: Model = {
    modelId: "late",
    generate: () => Promise.reject(new Error("unused")),
    async *generateStream(): AsyncGenerator<ChatMessageStreamDelta> {
      yield { content: "partial" };
      throw status(503);
    },
  };
  const failingEarly: Model = {
    modelId: "early",
    generate: () => Promise.reject(new Error("unused")),
    // deno-lint-ignore require-yield
    async *generateStream(): AsyncGenerator<ChatMessageStreamDelta> {
      throw status(503);
    },
  };
  const backup = new ScriptedModel({ modelId: "backup", replies: ["from backup", "again"] });
  const router = new RouterModel({ deployments: [failingEarly, backup], cooldownMs: 0 });
  const deltas = await collect(router.generateStream([user("?")]));
  assertEquals(deltas.map((d) => d.content ?? "").join(""), "from backup");

  const late = new RouterModel({ deployments: [failingLate, backup], cooldownMs: 0 });
  const seen: string[] = [];
  const error = await assertRejects(async () => {
    for await (const delta of late.generateStream([user("?")])) seen.push(delta.content ?? "");
  }, AgentGenerationError);
  assertEquals(error.status, 503);
  assertEquals(seen, ["partial"]);
  assertEquals(backup.calls.length, 1);
  assertEquals(late.usageByDeployment()[0].failures, 1);
});

Deno.test("RouterModel.generateStream() streams a deployment without generateStream as one delta (fake deployments)", async () => {
  const router = new RouterModel({ deployments: [fake("plain", ["whole reply"])] });
  const deltas = await collect(router.generateStream([user("?")]));
  assertEquals(deltas, [{
    content: "whole reply",
    tokenUsage: { inputTokens: 10, outputTokens: 2 },
  }]);
  assertEquals(router.usageByDeployment()[0].successes, 1);
});

Deno.test("RouterModel refuses bad deployments and options at construction", () => {
  assertThrows(
    () => new RouterModel({ deployments: [] }),
    TypeError,
    "Invalid deployments: expected at least one model, such as [primary, fallback], got []",
  );
  const a = fake("a", ["a"]);
  assertThrows(
    () => new RouterModel({ deployments: [a, a] }),
    TypeError,
    'the name "a" is taken',
  );
  assertThrows(
    () => new RouterModel({ deployments: [{ model: {} as Model }] }),
    TypeError,
    "Invalid deployments[0]",
  );
  assertThrows(
    () => new RouterModel({ deployments: [a], strategy: "fastest" as never }),
    TypeError,
    'expected one of "ordered", "round-robin", "least-busy", "weighted", got "fastest"',
  );
  assertThrows(() => new RouterModel({ deployments: [{ model: a, weight: 0 }] }), RangeError);
  assertThrows(
    () => new RouterModel({ deployments: [{ model: a, requestsPerMinute: 0 }] }),
    RangeError,
  );
  assertThrows(() => new RouterModel({ deployments: [a], cooldownMs: -1 }), RangeError);
  assertEquals(JSON.parse(JSON.stringify(new RouterModel({ deployments: [a] }))), {
    type: "RouterModel",
    modelId: "a",
    strategy: "ordered",
    deployments: ["a"],
  });
});

// --- real adapters against local servers that fail on cue -----------------

function server(origin: string, modelId: string, extra: Record<string, unknown> = {}) {
  return new OpenAIServerModel({ modelId, apiBase: origin, maxRetries: 0, ...extra });
}

Deno.test("RouterModel over OpenAIServerModels falls back on a 503, a refused connection and a timeout, not on a 401", async () => {
  await using down = new FakeServer([errorReply(503, "overloaded")]);
  await using slow = new FakeServer([
    () => new Promise<Response>((resolve) => setTimeout(() => resolve(completion("late")), 400)),
  ]);
  await using up = new FakeServer([completion("from up", { model: "up-model" })]);
  const events: RouteEvent[] = [];
  const router = new RouterModel({
    deployments: [
      server(down.origin, "down-model"),
      server(closedOrigin(), "refused-model"),
      server(slow.origin, "slow-model", { timeoutMs: 50 }),
      server(up.origin, "up-model"),
    ],
    onRoute: (event) => events.push(event),
  });
  const reply = await router.generate([user("?")]);
  assertEquals(reply.content, "from up");
  assertEquals(reply.deployment, "up-model");
  const failed = events.filter((e) => e.type === "failed") as Extract<
    RouteEvent,
    { type: "failed" }
  >[];
  assertEquals(failed.map((e) => [e.deployment, e.status]), [
    ["down-model", 503],
    ["refused-model", undefined],
    ["slow-model", undefined],
  ]);
  assertStringIncludes((failed[1].error as Error).message, "connection refused");
  assertStringIncludes((failed[2].error as Error).message, "timed out");

  await using denied = new FakeServer([errorReply(401, "invalid api key")]);
  const strict = new RouterModel({
    deployments: [server(denied.origin, "denied-model"), server(up.origin, "up-model")],
  });
  const error = await assertRejects(() => strict.generate([user("?")]), AgentGenerationError);
  assertEquals(error.status, 401);
  assertEquals(up.requests.length, 1);
});

Deno.test("RouterModel.generateStream() over OpenAIServerModels falls back when a stream fails before its first token", async () => {
  await using down = new FakeServer([errorReply(500, "boom")]);
  await using up = new FakeServer([
    sse([chunk({ content: "Hel" }), chunk({ content: "lo" }), usageChunk(7, 2)]),
  ]);
  const router = new RouterModel({
    deployments: [server(down.origin, "down-model"), server(up.origin, "up-model")],
  });
  const deltas = await collect(router.generateStream([user("?")]));
  assertEquals(deltas.map((d) => d.content ?? "").join(""), "Hello");
  assertEquals(down.requests.length, 1);
  const [downStats, upStats] = router.usageByDeployment();
  assertEquals([downStats.failures, upStats.successes, upStats.inputTokens], [1, 1, 7]);
});

Deno.test("RouterModel passes the call's options to the deployment", async () => {
  const seen: GenerateOptions[] = [];
  const model: Model = {
    modelId: "m",
    generate: (_messages, options) => {
      seen.push(options ?? {});
      return Promise.resolve({ role: "assistant", content: "ok" });
    },
  };
  const router = new RouterModel({ deployments: [model] });
  await router.generate([user("?")], { stopSequences: ["STOP"], toolChoice: "none" });
  assertEquals(seen[0].stopSequences, ["STOP"]);
  assertEquals(seen[0].toolChoice, "none");
});

Deno.test("RouterModel loads no npm package beyond the core's, and mod.ts does not load it", async () => {
  const graph = moduleGraph;
  const root = await graph("../../mod.ts");
  const router = await graph("../../src/models/router_model.ts");
  assertEquals(router.filter((s) => s.startsWith("npm:") && !root.includes(s)), []);
  assertEquals(root.filter((s) => s.endsWith("/router_model.ts")), []);
});
