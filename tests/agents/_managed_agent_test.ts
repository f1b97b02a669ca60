// Managed agents as their manager sees them: their events in the manager's
// stream and log, and concurrent calls of one agent taking turns. Driven
// through ToolCallingAgents (no sandbox); code_agent_e2e_test.ts calls a
// managed agent twice from the real sandbox with Promise.all.
import { ToolCallingAgent } from "../../src/agents/tool_calling_agent.ts";
import type { AgentEvent, ManagedAgentEvent, ToolResultEvent } from "../../src/events.ts";
import { Logger } from "../../src/logger.ts";
import type { ChatMessage } from "../../src/models/model.ts";
import { ScriptedModel } from "../../src/testing.ts";
import { tool } from "../../src/tool.ts";
import { assert, assertEquals, assertRejects, assertStringIncludes } from "../_assert.ts";

function calls(...list: [string, Record<string, unknown>][]): ChatMessage {
  return {
    role: "assistant",
    content: null,
    toolCalls: list.map(([name, args], i) => ({ id: `c${i + 1}`, name, arguments: args })),
  };
}
const answer = (value: unknown) => calls(["final_answer", { answer: value }]);

// Records what an agent's own logger receives.
function sink(): { events: AgentEvent[]; log(event: AgentEvent): void } {
  const events: AgentEvent[] = [];
  return { events, log: (event) => events.push(event) };
}

// A worker that answers each task with "done: <the task it was given>".
function worker(name: string, logger = sink()): ToolCallingAgent {
  const model = new ScriptedModel({
    replies: Array.from({ length: 4 }, () => (messages: ChatMessage[]) => {
      const text = String(messages[1].content).replace(/^New task:\n/, "");
      return answer(`done: ${text.match(/---\n([\s\S]*?)\n---/)?.[1] ?? text}`);
    }),
  });
  return new ToolCallingAgent({ model, logger, name, description: `The ${name}.` });
}

function unwrap(event: AgentEvent): { depth: number; names: string[]; inner: AgentEvent } {
  const names: string[] = [];
  while (event.type === "managed_agent_event") {
    names.push(event.agentName);
    event = event.event;
  }
  return { depth: names.length, names, inner: event };
}

Deno.test("a manager's stream carries its managed agent's events, wrapped, inside the step that called it", async () => {
  const workerLog = sink();
  const researcher = worker("researcher", workerLog);
  const managerLog = sink();
  const manager = new ToolCallingAgent({
    model: new ScriptedModel({
      replies: [calls(["researcher", { task: "Find x" }]), answer("ok")],
    }),
    managedAgents: [researcher],
    logger: managerLog,
  });
  const events: AgentEvent[] = [];
  for await (const event of manager.stream("Go")) events.push(event);

  const kinds = events.map((e) =>
    e.type === "managed_agent_event" ? `researcher:${unwrap(e).inner.type}` : e.type
  ).filter((k) => !k.endsWith("model_stream_delta"));
  const start = kinds.indexOf("researcher:run_start");
  const end = kinds.indexOf("researcher:run_end");
  assert(start > kinds.indexOf("tool_call") && end < kinds.indexOf("tool_result"), kinds.join());
  assertEquals(kinds.filter((k) => k === "final_answer").length, 1);
  const wrapped = events.find((e): e is ManagedAgentEvent => e.type === "managed_agent_event")!;
  assertEquals([wrapped.agentName, wrapped.stepNumber], ["researcher", 1]);
  // The manager's logger saw everything once; the worker's own logger nothing.
  assertEquals(managerLog.events, events);
  assertEquals(workerLog.events, []);
});

Deno.test("a managed agent's events reach the manager's stream while the managed run is still going", async () => {
  const seen = Promise.withResolvers<void>();
  let seenLive = false;
  const wait = tool({
    name: "wait_for_consumer",
    description: "Waits until the manager's consumer saw this run start.",
    inputs: {},
    outputType: "string",
    forward: async () => {
      // Resolves only if the event was yielded while this tool runs; the
      // timer only keeps a broken implementation from hanging the test.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        seen.promise.then(() => (seenLive = true)),
        new Promise((resolve) => (timer = setTimeout(resolve, 5_000))),
      ]);
      clearTimeout(timer);
      return "waited";
    },
  });
  const sub = new ToolCallingAgent({
    model: new ScriptedModel({ replies: [calls(["wait_for_consumer", {}]), answer("sub done")] }),
    tools: [wait],
    name: "sub",
    description: "Waits.",
    logger: sink(),
  });
  const manager = new ToolCallingAgent({
    model: new ScriptedModel({ replies: [calls(["sub", { task: "Wait" }]), answer("ok")] }),
    managedAgents: [sub],
    logger: sink(),
  });
  for await (const event of manager.stream("Go")) {
    const { inner } = unwrap(event);
    if (event.type === "managed_agent_event" && inner.type === "tool_call") seen.resolve();
  }
  assert(seenLive, "the sub-agent's tool_call event was not yielded during its run");
});

Deno.test("events of a managed agent's own managed agent arrive wrapped twice and render indented twice", async () => {
  const leaf = worker("leaf");
  const middle = new ToolCallingAgent({
    model: new ScriptedModel({ replies: [calls(["leaf", { task: "Deep" }]), answer("mid ok")] }),
    managedAgents: [leaf],
    name: "middle",
    description: "Delegates to leaf.",
    logger: sink(),
  });
  let text = "";
  const logger = new Logger({ width: 60, writer: { write: (t) => (text += t) } });
  const top = new ToolCallingAgent({
    model: new ScriptedModel({ replies: [calls(["middle", { task: "Go deep" }]), answer("top")] }),
    managedAgents: [middle],
    logger,
  });
  const events: AgentEvent[] = [];
  for await (const event of top.stream("Go")) events.push(event);
  const leafEnd = events.map(unwrap).find((e) => e.depth === 2 && e.inner.type === "run_end");
  assertEquals(leafEnd?.names, ["middle", "leaf"]);
  assertEquals((leafEnd?.inner as { output: unknown }).output, "done: Deep");

  const lines = text.split("\n");
  assert(lines.some((l) => /^│ ╭─ New run - middle ─+╮$/.test(l)), text);
  assert(lines.some((l) => /^│ │ ╭─ New run - leaf ─+╮$/.test(l)), text);
  assert(lines.includes("│ │ Final answer: done: Deep"), text);
  assert(lines.includes("Final answer: top"), text);
  // Nested panels are narrower, so they keep the logger's width.
  const panels = lines.filter((l) => /[╭╰]/.test(l));
  assert(panels.length >= 6 && panels.every((l) => [...l].length === 60), text);
});

Deno.test("two parallel calls of one managed agent both succeed, one after the other, in call order", async () => {
  const helper = worker("helper");
  const manager = new ToolCallingAgent({
    model: new ScriptedModel({
      replies: [
        calls(["helper", { task: "First job" }], ["helper", { task: "Second job" }]),
        answer("both"),
      ],
    }),
    managedAgents: [helper],
    logger: sink(),
  });
  const events: AgentEvent[] = [];
  for await (const event of manager.stream("Go")) events.push(event);
  const runs = events.map(unwrap).filter((e) => e.depth === 1).map((e) => e.inner)
    .filter((e) => e.type === "run_start" || e.type === "run_end")
    .map((e) =>
      e.type === "run_start" ? `start ${e.task.match(/(First|Second) job/)?.[0]}` : "end"
    );
  assertEquals(runs, ["start First job", "end", "start Second job", "end"]);
  const results = events.filter((e): e is ToolResultEvent =>
    e.type === "tool_result" && e.name === "helper"
  );
  assertEquals(results.map((r) => r.error), [undefined, undefined]);
  assertStringIncludes(results[0].observation, "done: First job");
  assertStringIncludes(results[1].observation, "done: Second job");
});

Deno.test("a call waiting for its turn leaves the line when its own run is aborted, without running", async () => {
  const started = Promise.withResolvers<void>();
  const release = Promise.withResolvers<void>();
  let released = false;
  const block = tool({
    name: "block",
    description: "Blocks until released.",
    inputs: {},
    outputType: "string",
    forward: async () => {
      started.resolve();
      await release.promise;
      return "released";
    },
  });
  const slowModel = new ScriptedModel({
    replies: [calls(["block", {}]), answer("first done"), answer("unused")],
  });
  const slow = new ToolCallingAgent({
    model: slowModel,
    tools: [block],
    name: "slow",
    description: "Blocks.",
    logger: sink(),
  });
  // Two managers share the agent, so the two calls have different signals.
  const manager = (name: string) =>
    new ToolCallingAgent({
      model: new ScriptedModel({ replies: [calls(["slow", { task: name }]), answer(name)] }),
      managedAgents: [slow],
      logger: sink(),
    });
  const first = manager("A").run("Go");
  await started.promise;
  const controller = new AbortController();
  const second = manager("B").stream("Go", { signal: controller.signal });
  let next = await second.next();
  while (!next.done && next.value.type !== "tool_call") next = await second.next();
  const waiting = second.next(); // runs the call, which waits for its turn
  await new Promise((resolve) => setTimeout(resolve, 0));
  controller.abort(new Error("user stop"));
  // Only a fallback: a call that ignored the abort would end after the release.
  const fallback = setTimeout(() => (released = true, release.resolve()), 2_000);
  await assertRejects(() => waiting, Error, "user stop");
  assertEquals(released, false, "the waiting call ended only when the running one did");
  clearTimeout(fallback);
  release.resolve();
  assertEquals(await first, "A");
  // The model of the shared agent served the first call only.
  assertEquals(slowModel.calls.length, 2);
});

Deno.test("closing a manager's stream during a managed run stops that run, and both agents run again", async () => {
  const helper = worker("helper");
  const manager = new ToolCallingAgent({
    model: new ScriptedModel({
      replies: [
        calls(["helper", { task: "Long" }]),
        calls(["helper", { task: "Again" }]),
        answer(2),
      ],
    }),
    managedAgents: [helper],
    logger: sink(),
  });
  for await (const event of manager.stream("Go")) {
    if (event.type === "managed_agent_event") break;
  }
  assertEquals(await helper.run("Direct"), "done: Direct");
  assertEquals(await manager.run("Go on"), 2);
});
