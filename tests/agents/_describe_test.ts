// agent.describe() and agent.visualize(): an agent's structure as data and
// as a text tree, with managed agents nested.
import { CodeAgent } from "../../src/agents/code_agent.ts";
import { ToolCallingAgent } from "../../src/agents/tool_calling_agent.ts";
import type { CodeOutput, Executor } from "../../src/executor.ts";
import { LogLevel } from "../../src/logger.ts";
import type { Model } from "../../src/models/model.ts";
import { ScriptedModel } from "../../src/testing.ts";
import { tool } from "../../src/tool.ts";
import { assert, assertEquals, assertStringIncludes, assertThrows } from "../_assert.ts";

// Keep test output readable: the console logger has its own tests.
const OFF = LogLevel.OFF;

const search = tool({
  name: "search",
  description: "Searches the web.",
  inputs: {
    query: { type: "string", description: "What to search" },
    limit: { type: ["integer", "null"], description: "Most results", nullable: true },
  },
  outputType: "string",
  forward: ({ query }) => `results for ${query}`,
});

const fetchPage = tool({
  name: "fetch_page",
  description: "Fetches a page\nas markdown.",
  inputs: { url: { type: "string", description: "The address" } },
  outputType: "string",
  forward: ({ url }) => `page ${url}`,
});

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

// The executor is never used: describing an agent runs nothing.
const idleExecutor: Executor = {
  sendTools: () => Promise.resolve(),
  sendVariables: () => Promise.resolve(),
  execute: (): Promise<CodeOutput> => Promise.reject(new Error("not expected")),
  close: () => Promise.resolve(),
  [Symbol.asyncDispose]: () => Promise.resolve(),
};

function team() {
  const reader = new ToolCallingAgent({
    logLevel: OFF,
    model: new ScriptedModel({ replies: [], modelId: "reader-model" }),
    tools: [fetchPage],
    name: "reader",
    description: "Reads pages.",
  });
  const researcher = new ToolCallingAgent({
    logLevel: OFF,
    model: new ScriptedModel({ replies: [], modelId: "research-model" }),
    tools: [search],
    managedAgents: [reader],
    name: "researcher",
    description: "Finds facts on the web.",
    maxSteps: 5,
  });
  const manager = new CodeAgent({
    logLevel: OFF,
    model: new ScriptedModel({ replies: [], modelId: "manager-model" }),
    executor: idleExecutor,
    tools: [add],
    managedAgents: [researcher],
    planningInterval: 3,
  });
  return { manager, researcher, reader };
}

Deno.test("MultiStepAgent.visualize() draws the agent, its tools and its managed agents, nested", () => {
  const { manager } = team();
  assertEquals(
    manager.visualize(),
    [
      "CodeAgent (model: manager-model, maxSteps: 20, planningInterval: 3)",
      "├── Tools",
      "│   └── add(a: number, b: number) → number: Adds two numbers.",
      "└── Managed agents",
      '    └── ToolCallingAgent "researcher" (model: research-model, maxSteps: 5)',
      "        ├── Description: Finds facts on the web.",
      "        ├── Tools",
      "        │   └── search(query: string, limit?: integer | null) → string: Searches the web.",
      "        └── Managed agents",
      '            └── ToolCallingAgent "reader" (model: reader-model, maxSteps: 20)',
      "                ├── Description: Reads pages.",
      "                └── Tools",
      "                    └── fetch_page(url: string) → string: Fetches a page as markdown.",
    ].join("\n"),
  );
});

Deno.test("MultiStepAgent.describe() gives the same structure as plain data", () => {
  const { manager } = team();
  const description = manager.describe();
  assertEquals(JSON.parse(JSON.stringify(description)), description);
  assertEquals(description.className, "CodeAgent");
  assertEquals(description.name, undefined);
  assertEquals(description.modelId, "manager-model");
  assertEquals(description.planningInterval, 3);
  assertEquals(description.tools.map((t) => t.name), ["add"]);
  const [researcher] = description.managedAgents;
  assertEquals(researcher.name, "researcher");
  assertEquals(researcher.description, "Finds facts on the web.");
  assertEquals(researcher.maxSteps, 5);
  assertEquals(researcher.tools[0], {
    name: "search",
    description: "Searches the web.",
    inputs: search.inputs,
    outputType: "string",
  });
  assertEquals(researcher.managedAgents.map((a) => a.name), ["reader"]);
  assertEquals(researcher.managedAgents[0].managedAgents, []);
  // A copy: editing it leaves the tool alone.
  (researcher.tools[0].inputs.query as { description: string }).description = "changed";
  assertEquals(search.inputs.query.description, "What to search");
});

Deno.test("MultiStepAgent.visualize() returns the tree without printing it", () => {
  const written: unknown[] = [];
  const { log, info } = console;
  const write = Deno.stdout.write;
  console.log = console.info = (...args: unknown[]) => void written.push(args);
  Deno.stdout.write = (data: Uint8Array) => (written.push(data), Promise.resolve(data.length));
  try {
    assertStringIncludes(team().manager.visualize(), "Managed agents");
  } finally {
    console.log = log;
    console.info = info;
    Deno.stdout.write = write;
  }
  assertEquals(written, []);
});

Deno.test("MultiStepAgent.visualize() shows an agent without tools or model id plainly", () => {
  const model: Model = {
    modelId: "",
    generate: () => Promise.reject(new Error("not expected")),
  };
  const agent = new ToolCallingAgent({ logLevel: OFF, model });
  assertEquals(agent.visualize(), "ToolCallingAgent (maxSteps: 20)\n└── Tools: none");
  assert(!("modelId" in agent.describe()), "an empty model id is left out");
});

Deno.test("MultiStepAgent.visualize() puts each description on one safe, short line", () => {
  const shady = tool({
    name: "shady",
    description: `Does\x1b[2J things.\n\n${"Very long. ".repeat(20)}`,
    inputs: {},
    outputType: "null",
    forward: () => null,
  });
  const agent = new ToolCallingAgent({
    logLevel: OFF,
    model: new ScriptedModel({ replies: [] }),
    tools: [shady],
  });
  const line = agent.visualize().split("\n")[2];
  assert(!line.includes("\x1b"), `escape sequence kept: ${JSON.stringify(line)}`);
  assert(line.startsWith("    └── shady() → null: Does things. Very long."), line);
  assert(line.endsWith("…"), line);
  assertEquals(line.length, "    └── shady() → null: ".length + 100);
  assertEquals(agent.describe().tools[0].description, shady.description);
});

Deno.test("MultiStepAgent.describe() refuses a manager that manages itself", () => {
  const { manager, reader } = team();
  (reader.managedAgents as Record<string, unknown>).back = manager;
  assertThrows(() => manager.visualize(), TypeError, "manages itself");
});
