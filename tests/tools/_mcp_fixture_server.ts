// A smoldeno MCP server over stdio, started by the tests as a subprocess:
// `deno run --allow-all tests/tools/_mcp_fixture_server.ts`.
// It prints to console.log on purpose: serveMcp must keep stdout clean.

import { tool } from "../../src/tool.ts";
import type { AgentEvent } from "../../src/events.ts";
import { type AgentLike, serveMcp } from "../../tools/mcp.ts";

const add = tool({
  name: "add",
  description: "Adds two numbers.",
  inputs: {
    a: { type: "number", description: "First term" },
    b: { type: "number", description: "Second term" },
  },
  outputType: "number",
  forward: ({ a, b }) => {
    console.log("adding", a, b);
    return a + b;
  },
});

const crash = tool({
  name: "crash",
  description: "Ends the server process with exit code 7.",
  inputs: {},
  outputType: "null",
  forward: () => Deno.exit(7),
});

const agent: AgentLike = {
  name: "echo_agent",
  description: "Answers with the task, after three steps.",
  run: (task) => Promise.resolve(`done: ${task}`),
  async *stream(task): AsyncIterable<AgentEvent> {
    for (let step = 1; step <= 3; step++) {
      yield { type: "step_start", stepNumber: step, maxSteps: 3 };
      // Steps take time, as a model call would.
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    yield { type: "final_answer", output: `done: ${task}` };
  },
};

console.log("starting the fixture server");
const server = await serveMcp([agent, add, crash], { transport: "stdio", name: "fixture" });
await server.finished;
