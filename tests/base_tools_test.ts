// `addBaseTools: true`: the toolbox registers its base tools with the core
// when imported, and the agents resolve them at construction. This module
// imports the toolbox, and registration is per program, so the case without
// it runs in a subprocess that never imports tools/.

import { assert, assertEquals, assertRejects, assertThrows } from "./_assert.ts";
import "../tools/mod.ts";
import { baseTools } from "../tools/base_tools.ts";
import { registerBaseTools, resolveBaseTools } from "../src/base_tools.ts";
import { CodeAgent } from "../src/agents/code_agent.ts";
import { ToolCallingAgent } from "../src/agents/tool_calling_agent.ts";
import { LogLevel } from "../src/logger.ts";
import { ScriptedModel } from "../src/testing.ts";
import { tool } from "../src/tool.ts";

// No reply: constructing an agent must not need the model.
const model = () => new ScriptedModel({ replies: [] });

Deno.test("with the toolbox imported, addBaseTools gives a CodeAgent web_search and visit_webpage, and no code_interpreter", async () => {
  await using agent = new CodeAgent({ model: model(), addBaseTools: true, logLevel: LogLevel.OFF });
  assertEquals(Object.keys(agent.tools), ["web_search", "visit_webpage"]);
  assert(agent.memory.systemPrompt.systemPrompt.includes("web_search"));
});

Deno.test("with the toolbox imported, addBaseTools gives a ToolCallingAgent a code_interpreter whose sandbox has no permissions", async () => {
  await using agent = new ToolCallingAgent({
    model: model(),
    addBaseTools: true,
    logLevel: LogLevel.OFF,
  });
  assertEquals(Object.keys(agent.tools), ["web_search", "visit_webpage", "code_interpreter"]);
  const interpreter = agent.tools.code_interpreter;
  assertEquals(
    await interpreter.call({ code: "console.log(6 * 7); 1 + 1" }),
    "Stdout:\n42\n\nLast value: 2",
  );
  await assertRejects(
    () => interpreter.call({ code: "Deno.env.get('HOME')" }),
    Error,
    "permission",
  );
});

Deno.test("a tool passed in tools replaces the base tool of its name", async () => {
  const search = tool({
    name: "web_search",
    description: "Searches my own index.",
    inputs: { query: { type: "string", description: "What to look for" } },
    outputType: "string",
    forward: ({ query }) => `nothing about ${query}`,
  });
  await using agent = new CodeAgent({
    model: model(),
    tools: [search],
    addBaseTools: true,
    logLevel: LogLevel.OFF,
  });
  assertEquals(Object.keys(agent.tools).sort(), ["visit_webpage", "web_search"]);
  assert(agent.tools.web_search === search, "the given web_search should win");
});

Deno.test("addBaseTools must be a boolean, and false adds nothing", async () => {
  assertThrows(
    () => new ToolCallingAgent({ model: model(), addBaseTools: "yes" as unknown as boolean }),
    TypeError,
    "Cannot create ToolCallingAgent: addBaseTools must be true or false",
  );
  await using agent = new ToolCallingAgent({
    model: model(),
    addBaseTools: false,
    logLevel: LogLevel.OFF,
  });
  assertEquals(Object.keys(agent.tools), []);
});

Deno.test("registerBaseTools rejects a non-function and replaces the provider agents resolve", () => {
  assertThrows(
    () => registerBaseTools("baseTools" as unknown as () => []),
    TypeError,
    "provider must be a function",
  );
  const seen: string[] = [];
  registerBaseTools((context) => {
    seen.push(context.agentType);
    return [];
  });
  try {
    assertEquals(resolveBaseTools({ agentType: "tool_calling" }), []);
    assertEquals(seen, ["tool_calling"]);
  } finally {
    // Other tests in this process expect the toolbox's provider.
    registerBaseTools(baseTools);
  }
});

Deno.test("without the toolbox imported, addBaseTools is a TypeError at construction that says what to import", async () => {
  const mod = new URL("../mod.ts", import.meta.url).href;
  const testing = new URL("../src/testing.ts", import.meta.url).href;
  // Each agent is built with a model that has no reply, so an error from a
  // model call would read differently from the construction error.
  const program = `
    import { CodeAgent, ToolCallingAgent, LogLevel } from ${JSON.stringify(mod)};
    import { ScriptedModel } from ${JSON.stringify(testing)};
    for (const Agent of [CodeAgent, ToolCallingAgent]) {
      try {
        new Agent({ model: new ScriptedModel({ replies: [] }), addBaseTools: true, logLevel: LogLevel.OFF });
        console.log(Agent.name + ": constructed");
      } catch (error) {
        console.log(Agent.name + ": " + error.name + ": " + error.message);
      }
    }
  `;
  const config = new URL("../deno.json", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--config", config, program],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  const expected =
    'TypeError: Cannot add base tools: the toolbox is not loaded. Add `import "@smoldeno/agents/tools";` to your program, or pass `tools: baseTools()` imported from it instead of `addBaseTools: true`';
  assertEquals(stdout, `CodeAgent: ${expected}\nToolCallingAgent: ${expected}\n`);
});
