// Agents as data and folders: toJSON()/fromJSON(), save()/loadAgent(), with
// every option round-tripped and no key ever written.

import { assert, assertEquals, assertRejects, assertStringIncludes } from "../_assert.ts";
import { CodeAgent } from "../../src/agents/code_agent.ts";
import { MultiStepAgent } from "../../src/agents/multi_step_agent.ts";
import { ToolCallingAgent } from "../../src/agents/tool_calling_agent.ts";
import { registerBaseTools } from "../../src/base_tools.ts";
import { DenoExecutor } from "../../executors/deno_executor.ts";
import { LogLevel } from "../../src/logger.ts";
import { OpenAIServerModel } from "../../src/models/openai_model.ts";
import { codeAgentPromptTemplates } from "../../src/prompts.ts";
import { ScriptedModel } from "../../src/testing.ts";
import { tool } from "../../src/tool.ts";
import { loadAgent, SerializationError } from "../../src/serialize/mod.ts";
import { listFolder } from "../../src/serialize/_files.ts";
import { withoutSecrets } from "../../src/serialize/_agent_data.ts";
import { completion, FakeServer } from "../models/_fake_server.ts";

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

const clock = tool({
  name: "clock",
  description: "A base tool of this test.",
  inputs: {},
  outputType: "string",
  forward: () => "noon",
});

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "smoldeno-agent-test-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function promptTemplates() {
  const templates = codeAgentPromptTemplates();
  templates.systemPrompt += "\nAlways be brief.";
  return templates;
}

// Every CodeAgent option that is data, each set to a value unlike its default.
const CODE_OPTIONS = {
  maxSteps: 7,
  planningInterval: 3,
  name: "calculator",
  description: "Does arithmetic.",
  provideRunSummary: true,
  instructions: "Use the add tool.",
  streamOutputs: false,
  logLevel: LogLevel.OFF,
  addBaseTools: true,
  approvalRequired: ["add"],
  toolApprovalTimeoutMs: 1_234,
  budget: { maxTokens: 9_000, maxDurationMs: 60_000 },
  permissions: { net: ["example.com"], read: ["/tmp"], env: ["HOME"] },
  deny: { net: ["evil.example"] },
  permissionRequestTimeoutMs: 4_321,
  authorizedImports: ["npm:lodash@4", "node:*"],
  timeoutMs: 12_000,
  memoryLimitMb: 256,
  maxOutputLength: 10_000,
  cwd: "/tmp",
  denoPath: Deno.execPath(),
  maxObservationLength: 5_000,
  codeBlockTags: ["<ts>", "</ts>"] as const,
  useStructuredOutputsInternally: true,
  typeCheck: "warn" as const,
};

Deno.test("CodeAgent.toJSON() then fromJSON() keeps every option that is data, tools and prompts", async () => {
  registerBaseTools(() => [clock]);
  const model = new ScriptedModel({ replies: [] });
  await using agent = new CodeAgent({
    ...CODE_OPTIONS,
    codeBlockTags: [...CODE_OPTIONS.codeBlockTags],
    model,
    tools: [add],
    promptTemplates: promptTemplates(),
  });
  const data = agent.toJSON();
  assertEquals(data.class, "CodeAgent");
  assertEquals(data.model, { type: "ScriptedModel", modelId: "scripted-model" });
  assertEquals(data.options, { ...CODE_OPTIONS, codeBlockTags: ["<ts>", "</ts>"] });
  assertEquals(data.tools.map((t) => t.name), ["add"], "base tools are not saved, only the flag");
  assertEquals(data.notSaved, []);
  // Through JSON text, as it would travel.
  await using copy = await CodeAgent.fromJSON(JSON.parse(JSON.stringify(agent)), {
    model,
    trustRemoteCode: true,
  });
  assertEquals(copy.toJSON(), data);
  // The options took effect, not just their echo.
  assertEquals(
    [copy.maxSteps, copy.planningInterval, copy.name, copy.typeCheck, copy.codeBlockTags],
    [7, 3, "calculator", "warn", ["<ts>", "</ts>"]],
  );
  assertEquals(copy.authorizedImports, ["npm:lodash@4", "node:*"]);
  assertEquals(Object.keys(copy.tools).sort(), ["add", "clock"]);
  assertStringIncludes(copy.promptTemplates.systemPrompt, "Always be brief.");
  assert(copy.executor instanceof DenoExecutor);
  assertEquals(
    (copy.executor as DenoExecutor).permissions,
    (agent.executor as DenoExecutor).permissions,
  );
});

Deno.test("ToolCallingAgent options and a managed CodeAgent round-trip through a saved folder", async () => {
  const model = new ScriptedModel({ replies: [] });
  await using worker = new CodeAgent({
    model,
    name: "worker",
    description: "Shouts things.",
    tools: [shout],
    permissions: { read: ["/tmp"] },
    authorizedImports: ["npm:yaml@2"],
    logLevel: LogLevel.OFF,
  });
  await using boss = new ToolCallingAgent({
    model,
    tools: [add],
    managedAgents: [worker],
    maxObservationLength: 999,
    maxToolThreads: 2,
    maxSteps: 4,
    logLevel: LogLevel.OFF,
  });
  await withDir(async (dir) => {
    await boss.save(`${dir}/boss`);
    assertEquals(await listFolder(`${dir}/boss`), [
      "agent.json",
      "managed_agents/worker/agent.json",
      "managed_agents/worker/prompts.yaml",
      "managed_agents/worker/tools/shout.ts",
      "prompts.yaml",
      "tools/add.ts",
    ]);
    const json = JSON.parse(await Deno.readTextFile(`${dir}/boss/agent.json`));
    assertEquals([json.class, json.tools, json.managedAgents], ["ToolCallingAgent", ["add"], [
      "worker",
    ]]);
    await using loaded = await loadAgent(`${dir}/boss`, { model, trustRemoteCode: true });
    assert(loaded instanceof ToolCallingAgent);
    assertEquals(loaded.toJSON(), boss.toJSON());
    assertEquals(loaded.maxToolThreads, 2);
    const managed = loaded.managedAgents.worker;
    assert(managed instanceof CodeAgent, "the managed agent keeps its class");
    assertEquals(managed.authorizedImports, ["npm:yaml@2"]);
    assertEquals(await managed.tools.shout.call({ text: "hi" }), "HI");
  });
});

Deno.test("a loaded CodeAgent runs its loaded tool in the sandbox", async () => {
  const script = () =>
    new ScriptedModel({ replies: ["<code>\nfinal_answer(await add({ a: 20, b: 22 }))\n</code>"] });
  await using agent = new CodeAgent({ model: script(), tools: [add], logLevel: LogLevel.OFF });
  await withDir(async (dir) => {
    await agent.save(`${dir}/agent`);
    await using loaded = await loadAgent(`${dir}/agent`, {
      model: script(),
      trustRemoteCode: true,
    });
    assertEquals(await loaded.run("20 + 22?"), 42);
  });
});

Deno.test("options that are functions are listed as not saved and come back through overrides", async () => {
  const model = new ScriptedModel({
    replies: ['{"name": "final_answer", "arguments": {"answer": 1}}'],
  });
  const seen: string[] = [];
  await using agent = new ToolCallingAgent({
    model,
    logLevel: LogLevel.OFF,
    stepCallbacks: [() => void seen.push("original")],
    finalAnswerChecks: [() => true],
    onToolApproval: () => true,
  });
  const data = agent.toJSON();
  assertEquals(data.notSaved, ["finalAnswerChecks", "onToolApproval", "stepCallbacks"]);
  await using copy = await MultiStepAgent.fromJSON(data, {
    model,
    overrides: { stepCallbacks: [() => void seen.push("override")] },
  });
  await copy.run("go");
  assertEquals(seen, ["override"]);
});

Deno.test("a key set in the model options is absent from every saved file, and comes back from modelOptions", async () => {
  const KEY = "sk-test-SECRET-4f9c2a";
  await using server = new FakeServer(() =>
    completion('{"name": "final_answer", "arguments": {"answer": "done"}}')
  );
  const model = new OpenAIServerModel({
    modelId: "local-model",
    apiBase: `${server.origin}/v1`,
    apiKey: KEY,
    clientOptions: { defaultHeaders: { Authorization: `Bearer ${KEY}`, "X-Api-Key": KEY } },
  });
  await using agent = new ToolCallingAgent({
    model,
    tools: [add],
    streamOutputs: false,
    logLevel: LogLevel.OFF,
  });
  await withDir(async (dir) => {
    await agent.save(`${dir}/agent`);
    const files = await listFolder(`${dir}/agent`);
    assert(files.length >= 3);
    for (const file of files) {
      const text = await Deno.readTextFile(`${dir}/agent/${file}`);
      assert(!text.includes(KEY), `${file} contains the key`);
      assert(!text.includes("SECRET"), `${file} contains part of the key`);
    }
    assert(!JSON.stringify(agent).includes(KEY), "toJSON() contains the key");
    const json = JSON.parse(await Deno.readTextFile(`${dir}/agent/agent.json`));
    assertEquals(json.model, {
      type: "OpenAIServerModel",
      modelId: "local-model",
      apiBase: `${server.origin}/v1`,
    });
    await using loaded = await loadAgent(`${dir}/agent`, {
      trustRemoteCode: true,
      modelOptions: { apiKey: "sk-given-at-load" },
    });
    assert(loaded.model instanceof OpenAIServerModel);
    assertEquals(await loaded.run("go"), "done");
    assertEquals(server.requests.at(-1)?.headers.get("authorization"), "Bearer sk-given-at-load");
  });
});

Deno.test("loadAgent() of an agent with tools needs trustRemoteCode, and says so", async () => {
  const model = new ScriptedModel({ replies: [] });
  await using agent = new CodeAgent({ model, tools: [add], logLevel: LogLevel.OFF });
  await withDir(async (dir) => {
    await agent.save(`${dir}/agent`);
    await assertRejects(
      () => loadAgent(`${dir}/agent`, { model }),
      TypeError,
      "trustRemoteCode: true",
    );
    await assertRejects(
      () => CodeAgent.fromJSON(agent.toJSON(), { model }),
      TypeError,
      "trustRemoteCode: true",
    );
    // Without tools there is no code to run, so no opt-in is needed.
    await using bare = new CodeAgent({ model, logLevel: LogLevel.OFF });
    await bare.save(`${dir}/bare`);
    await using loaded = await loadAgent(`${dir}/bare`, { model });
    assert(loaded instanceof CodeAgent);
  });
});

Deno.test("loadAgent() names the missing or corrupt file", async () => {
  const model = new ScriptedModel({ replies: [] });
  await using agent = new CodeAgent({ model, tools: [add], logLevel: LogLevel.OFF });
  await withDir(async (dir) => {
    const missing = await assertRejects(
      () => loadAgent(`${dir}/nothing`, { model }),
      SerializationError,
      '"agent.json" is missing',
    );
    assertEquals(missing.kind, "missing_file");
    const cases: [string, (d: string) => Promise<void>, string][] = [
      ["agent.json", (d) => Deno.writeTextFile(`${d}/agent.json`, "{ not json"), "not valid JSON"],
      ["prompts.yaml", (d) => Deno.remove(`${d}/prompts.yaml`), '"prompts.yaml" is missing'],
      [
        "prompts.yaml",
        (d) => Deno.writeTextFile(`${d}/prompts.yaml`, "systemPrompt: 3\n"),
        "prompts.yaml",
      ],
      ["tools/add.ts", (d) => Deno.remove(`${d}/tools/add.ts`), '"tools/add.ts" is missing'],
      [
        "tools/add.ts",
        (d) => Deno.writeTextFile(`${d}/tools/add.ts`, "export const x = 1;\n"),
        "exports no tool",
      ],
      ["agent.json", async (d) => {
        const json = JSON.parse(await Deno.readTextFile(`${d}/agent.json`));
        json.class = "MysteryAgent";
        await Deno.writeTextFile(`${d}/agent.json`, JSON.stringify(json));
      }, '"MysteryAgent"'],
    ];
    for (const [i, [file, breakIt, message]] of cases.entries()) {
      const folder = `${dir}/case${i}`;
      await agent.save(folder);
      await breakIt(folder);
      await assertRejects(
        () => loadAgent(folder, { model, trustRemoteCode: true }),
        SerializationError,
        message,
      ).catch((error) => {
        throw new Error(`case ${i} (${file}): ${error.message}`);
      });
    }
  });
});

Deno.test("loadAgent() without a model for an unknown model type says how to give one", async () => {
  await using agent = new CodeAgent({
    model: new ScriptedModel({ replies: [] }),
    logLevel: LogLevel.OFF,
  });
  await withDir(async (dir) => {
    await agent.save(`${dir}/agent`);
    await assertRejects(() => loadAgent(`${dir}/agent`), SerializationError, "Pass { model }");
  });
});

Deno.test("fromJSON() on another class refuses the data", async () => {
  const model = new ScriptedModel({ replies: [] });
  await using agent = new CodeAgent({ model, logLevel: LogLevel.OFF });
  await assertRejects(
    () => ToolCallingAgent.fromJSON(agent.toJSON(), { model }),
    SerializationError,
    "CodeAgent.fromJSON()",
  );
});

Deno.test("a failed save leaves no half-written folder and keeps what was there", async () => {
  const outside = new Map<string, string>();
  const leaky = tool({
    name: "leaky",
    description: "Uses an outside map.",
    inputs: {},
    outputType: "string",
    forward: () => outside.get("x") ?? "",
  });
  const model = new ScriptedModel({ replies: [] });
  await using bad = new CodeAgent({ model, tools: [leaky], logLevel: LogLevel.OFF });
  await using good = new CodeAgent({ model, tools: [add], maxSteps: 2, logLevel: LogLevel.OFF });
  await withDir(async (dir) => {
    await assertRejects(() => bad.save(`${dir}/agent`), SerializationError, '"outside"');
    assertEquals(await listFolder(dir), [], "nothing written");
    // Saving over an existing folder replaces it whole.
    await good.save(`${dir}/agent`);
    await assertRejects(() => bad.save(`${dir}/agent`), SerializationError);
    assertEquals(await listFolder(`${dir}/agent`), ["agent.json", "prompts.yaml", "tools/add.ts"]);
    // A path that is a file is refused after the files were written: they are removed.
    await Deno.writeTextFile(`${dir}/file`, "keep me");
    await assertRejects(() => good.save(`${dir}/file`), SerializationError, "not a folder");
    assertEquals(await Deno.readTextFile(`${dir}/file`), "keep me");
    assertEquals((await listFolder(dir)).filter((f) => !f.startsWith("agent/")), ["file"]);
  });
});

Deno.test("credential-like names are dropped at any depth, other names kept", () => {
  assertEquals(
    withoutSecrets({
      apiKey: "x",
      api_key: "x",
      hfToken: "x",
      headers: { Authorization: "x", "X-Api-Key": "x", Accept: "json" },
      password: "x",
      maxTokens: 5,
      budget: { maxTokens: 9 },
      list: [{ secretValue: "x", keep: 1 }],
      tokenizer: "kept",
    }),
    {
      headers: { Accept: "json" },
      maxTokens: 5,
      budget: { maxTokens: 9 },
      list: [{ keep: 1 }],
      tokenizer: "kept",
    },
  );
});

Deno.test("fromJSON() with tools imports them from a private folder it removes", async () => {
  const before = new Set(
    [...Deno.readDirSync(Deno.env.get("TMPDIR") ?? "/tmp")].map((e) => e.name).filter((n) =>
      n.startsWith("smoldeno-agent-tools-")
    ),
  );
  const model = new ScriptedModel({ replies: [] });
  await using agent = new ToolCallingAgent({ model, tools: [add, shout], logLevel: LogLevel.OFF });
  await using copy = await ToolCallingAgent.fromJSON(agent.toJSON(), {
    model,
    trustRemoteCode: true,
  });
  assertEquals(await copy.tools.add.call({ a: 1, b: 2 }), 3);
  const after = [...Deno.readDirSync(Deno.env.get("TMPDIR") ?? "/tmp")].map((e) => e.name).filter((
    n,
  ) => n.startsWith("smoldeno-agent-tools-") && !before.has(n));
  assertEquals(after, []);
});
