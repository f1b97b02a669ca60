// pushToHub / toolFromHub / agentFromHub through the real @huggingface/hub
// client, against the local fake Hub in _hub_server.ts.

import { assert, assertEquals, assertRejects, assertStringIncludes } from "../_assert.ts";
import { CodeAgent } from "../../src/agents/code_agent.ts";
import { ToolCallingAgent } from "../../src/agents/tool_calling_agent.ts";
import { LogLevel } from "../../src/logger.ts";
import { ScriptedModel } from "../../src/testing.ts";
import { tool } from "../../src/tool.ts";
import { agentFromHub, pushToHub, toolFromHub } from "../../src/hub/mod.ts";
import { SerializationError } from "../../src/serialize/mod.ts";
import { FakeHub } from "./_hub_server.ts";

const TOKEN = "hf_test_token";

const add = tool({
  name: "add",
  description: "Adds two numbers.",
  inputs: {
    a: { type: "number", description: "First" },
    b: { type: "number", description: "Second" },
  },
  outputType: "number",
  forward: ({ a, b }) => a + b,
});

const shout = tool({
  name: "shout",
  description: "Upper-cases a text.",
  inputs: { text: { type: "string", description: "Text" } },
  outputType: "string",
  forward: ({ text }) => text.toUpperCase(),
});

Deno.test("pushToHub(tool) creates a Space and commits tool.ts in one commit; toolFromHub() loads it", async () => {
  await using hub = new FakeHub();
  const result = await pushToHub(add, "ann/add-tool", { accessToken: TOKEN, hubUrl: hub.url });
  assertEquals(result.files, ["README.md", "index.html", "tool.ts"]);
  assertStringIncludes(result.commitUrl, "/spaces/ann/add-tool/commit/");
  assertEquals(hub.kinds(), ["create", "preupload", "commit"]);
  for (const call of hub.calls) assertEquals(call.authorization, `Bearer ${TOKEN}`);
  assertEquals(hub.repos.get("space/ann/add-tool")?.commits.map((c) => c.title), ["Upload tool"]);
  assertStringIncludes(hub.file("space", "ann/add-tool", "README.md")!, "sdk: static");
  assertStringIncludes(hub.file("space", "ann/add-tool", "tool.ts")!, '"Adds two numbers."');

  hub.calls.length = 0;
  const loaded = await toolFromHub("ann/add-tool", { trustRemoteCode: true, hubUrl: hub.url });
  assertEquals(await loaded.call({ a: 40, b: 2 }), 42);
  assertEquals(hub.kinds(), ["tree", "resolve", "resolve"]);
  assert(
    hub.calls.every((c) => c.authorization === undefined),
    "no token was sent: none was given",
  );
  assert(hub.calls[0].path.startsWith("/api/spaces/ann/add-tool/tree/main?recursive=true"));
  assertEquals(hub.calls[1].path, "/spaces/ann/add-tool/resolve/main/tool.ts");
});

Deno.test("a second push to the same repo commits again without failing on the existing repo", async () => {
  await using hub = new FakeHub();
  await pushToHub(add, "ann/add-tool", { accessToken: TOKEN, hubUrl: hub.url });
  await pushToHub(add, "ann/add-tool", {
    accessToken: TOKEN,
    hubUrl: hub.url,
    commitMessage: "Second version",
  });
  assertEquals(hub.repos.get("space/ann/add-tool")?.commits.map((c) => c.title), [
    "Upload tool",
    "Second version",
  ]);
});

Deno.test("large files go through the LFS batch and upload the client negotiates", async () => {
  await using hub = new FakeHub({ lfsThreshold: 100 });
  await pushToHub(add, "ann/add-tool", { accessToken: TOKEN, hubUrl: hub.url, repoType: "model" });
  assertEquals(hub.kinds().slice(0, 3), ["create", "preupload", "lfs-batch"]);
  assert(hub.kinds().filter((k) => k === "lfs-upload").length >= 2, hub.kinds().join(","));
  assertEquals(hub.kinds().at(-1), "commit");
  assert(
    hub.calls.find((c) => c.kind === "lfs-batch")?.path ===
      "/ann/add-tool.git/info/lfs/objects/batch",
  );
  const loaded = await toolFromHub("ann/add-tool", {
    trustRemoteCode: true,
    hubUrl: hub.url,
    repoType: "model",
  });
  assertEquals(await loaded.call({ a: 1, b: 1 }), 2);
});

Deno.test("pushToHub(agent) uploads the saved-folder layout; agentFromHub() loads agent, tools and managed agents", async () => {
  await using hub = new FakeHub();
  const model = new ScriptedModel({ replies: [] });
  await using worker = new CodeAgent({
    model,
    name: "worker",
    description: "Shouts.",
    tools: [shout],
    logLevel: LogLevel.OFF,
  });
  await using boss = new ToolCallingAgent({
    model,
    tools: [add],
    managedAgents: [worker],
    maxSteps: 6,
    logLevel: LogLevel.OFF,
  });
  const result = await pushToHub(boss, "ann/boss", {
    accessToken: TOKEN,
    hubUrl: hub.url,
    private: true,
  });
  assertEquals(result.files, [
    "README.md",
    "agent.json",
    "index.html",
    "managed_agents/worker/agent.json",
    "managed_agents/worker/prompts.yaml",
    "managed_agents/worker/tools/shout.ts",
    "prompts.yaml",
    "tools/add.ts",
  ]);
  assertEquals(hub.repos.get("space/ann/boss")?.private, true);
  await assertRejects(
    () => agentFromHub("ann/boss", { trustRemoteCode: true, hubUrl: hub.url, model }),
    SerializationError,
    "is private (pass accessToken",
  );
  await using loaded = await agentFromHub("ann/boss", {
    trustRemoteCode: true,
    hubUrl: hub.url,
    accessToken: TOKEN,
    model,
  });
  assert(loaded instanceof ToolCallingAgent);
  assertEquals(loaded.toJSON(), boss.toJSON());
  assertEquals(await loaded.managedAgents.worker.tools.shout.call({ text: "a" }), "A");
});

Deno.test("pushing an agent again deletes the files of tools it no longer has", async () => {
  await using hub = new FakeHub();
  const model = new ScriptedModel({ replies: [] });
  await using before = new CodeAgent({ model, tools: [add, shout], logLevel: LogLevel.OFF });
  await using after = new CodeAgent({ model, tools: [add], logLevel: LogLevel.OFF });
  await pushToHub(before, "ann/agent", { accessToken: TOKEN, hubUrl: hub.url });
  assert(hub.file("space", "ann/agent", "tools/shout.ts") !== undefined);
  await pushToHub(after, "ann/agent", { accessToken: TOKEN, hubUrl: hub.url });
  assertEquals(hub.file("space", "ann/agent", "tools/shout.ts"), undefined);
  assert(hub.file("space", "ann/agent", "tools/add.ts") !== undefined);
});

Deno.test("a repo that does not exist is a not_found error naming it", async () => {
  await using hub = new FakeHub();
  const error = await assertRejects(
    () =>
      toolFromHub("ann/nothing", { trustRemoteCode: true, hubUrl: hub.url, accessToken: TOKEN }),
    SerializationError,
    '"ann/nothing"',
  );
  assertEquals(error.kind, "not_found");
  assertStringIncludes(error.message, "does not exist");
  await assertRejects(
    () => agentFromHub("ann/nothing", { trustRemoteCode: true, hubUrl: hub.url }),
    SerializationError,
    "does not exist",
  );
});

Deno.test("a Python smolagents tool repo is recognised and refused with the reason", async () => {
  await using hub = new FakeHub();
  hub.seed("space", "py/tool", { "tool.py": "class MyTool(Tool): ...", "app.py": "" });
  await assertRejects(
    () => toolFromHub("py/tool", { trustRemoteCode: true, hubUrl: hub.url }),
    SerializationError,
    "Python smolagents tool (tool.py)",
  );
});

Deno.test("a connection dropped mid-commit fails the push clearly, without the token, and leaves the repo unchanged", async () => {
  await using hub = new FakeHub();
  await pushToHub(add, "ann/add-tool", { accessToken: TOKEN, hubUrl: hub.url });
  const before = new Map(hub.repos.get("space/ann/add-tool")!.files);
  hub.dropNext.add("commit");
  const error = await assertRejects(
    () => pushToHub(shout, "ann/add-tool", { accessToken: TOKEN, hubUrl: hub.url }),
    SerializationError,
    'Cannot push to "ann/add-tool" on the Hub',
  );
  assertEquals(error.kind, "network");
  assert(!error.message.includes(TOKEN), "the token is not in the message");
  assertEquals(hub.repos.get("space/ann/add-tool")!.files, before);
  assertEquals(hub.repos.get("space/ann/add-tool")!.commits.length, 1);
});

Deno.test("a connection dropped mid-download fails the load, and nothing is imported", async () => {
  await using hub = new FakeHub();
  await pushToHub(add, "ann/add-tool", { accessToken: TOKEN, hubUrl: hub.url });
  hub.dropNext.add("tree");
  const error = await assertRejects(
    () => toolFromHub("ann/add-tool", { trustRemoteCode: true, hubUrl: hub.url }),
    SerializationError,
  );
  assertEquals(error.kind, "network");
});

Deno.test("loading from the Hub needs trustRemoteCode, checked before any request", async () => {
  await using hub = new FakeHub();
  await assertRejects(
    () => toolFromHub("ann/add-tool", { trustRemoteCode: false, hubUrl: hub.url }),
    TypeError,
    "trustRemoteCode: true",
  );
  assertEquals(hub.calls, []);
});

Deno.test("pushToHub() checks the repo id, the token, and the tool's code before any request", async () => {
  await using hub = new FakeHub();
  await assertRejects(
    () => pushToHub(add, "no-namespace", { accessToken: TOKEN, hubUrl: hub.url }),
    TypeError,
    '"namespace/name"',
  );
  await assertRejects(
    () => pushToHub(add, "ann/x", { accessToken: "", hubUrl: hub.url }),
    TypeError,
    "no Hub token",
  );
  const outside = 3;
  const leaky = tool({
    name: "leaky",
    description: "Uses an outside constant.",
    inputs: {},
    outputType: "number",
    forward: () => outside,
  });
  await assertRejects(
    () => pushToHub(leaky, "ann/x", { accessToken: TOKEN, hubUrl: hub.url }),
    SerializationError,
    '"outside"',
  );
  assertEquals(hub.calls, []);
});

Deno.test("a storage error during an LFS upload fails the push before any commit", async () => {
  await using hub = new FakeHub({ lfsThreshold: 100 });
  hub.failNext.set("lfs-upload", 500);
  const error = await assertRejects(
    () => pushToHub(add, "ann/add-tool", { accessToken: TOKEN, hubUrl: hub.url }),
    SerializationError,
    "nothing was committed",
  );
  assertEquals(error.kind, "network");
  assert(!hub.kinds().includes("commit"), hub.kinds().join(","));
  assertEquals(hub.repos.get("space/ann/add-tool")?.commits, []);
});

Deno.test("agentFromHub({ dir }) keeps the downloaded folder there", async () => {
  await using hub = new FakeHub();
  const model = new ScriptedModel({ replies: [] });
  await using agent = new CodeAgent({ model, tools: [add], logLevel: LogLevel.OFF });
  await pushToHub(agent, "ann/agent", { accessToken: TOKEN, hubUrl: hub.url });
  const dir = await Deno.makeTempDir();
  try {
    await using loaded = await agentFromHub("ann/agent", {
      hubUrl: hub.url,
      model,
      trustRemoteCode: true,
      dir: `${dir}/copy`,
    });
    assert(loaded instanceof CodeAgent);
    assertEquals(
      [...Deno.readDirSync(`${dir}/copy`)].map((e) => e.name).sort(),
      ["agent.json", "prompts.yaml", "tools"],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
