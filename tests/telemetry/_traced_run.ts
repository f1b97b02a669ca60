// Run by tests/telemetry_test.ts in a `deno run` with OTEL_DENO=true: a
// CodeAgent whose sandboxed code calls a host tool (which opens a span of
// its own) and a managed agent, traced by Deno's built-in OpenTelemetry with
// the default telemetry settings. Prints the answer.

import { trace } from "@opentelemetry/api";
import { CodeAgent, LogLevel, tool, ToolCallingAgent } from "../../mod.ts";
import { ScriptedModel } from "../../src/testing.ts";

const lookup = tool({
  name: "lookup",
  description: "Looks a word up.",
  inputs: { word: { type: "string", description: "The word" } },
  outputType: "string",
  forward: ({ word }) => {
    // A span the tool opens itself: it must nest under the tool call's span.
    trace.getTracer("user-tool").startSpan("user lookup").end();
    return `definition of ${word}`;
  },
});

const helper = new ToolCallingAgent({
  model: new ScriptedModel({
    replies: ['{"name": "final_answer", "arguments": {"answer": "helped"}}'],
    tokenUsage: { inputTokens: 3, outputTokens: 1 },
  }),
  name: "helper",
  description: "Helps with a sub-task.",
  logLevel: LogLevel.OFF,
});

const model = new ScriptedModel({
  replies: [
    "<code>\nconst d = await lookup({ word: 'otel' });\nconsole.log(d);\n</code>",
    "<code>\nconst h = await helper({ task: 'help' });\nfinal_answer(d + ' / ' + h.length);\n</code>",
  ],
  tokenUsage: { inputTokens: 11, outputTokens: 7 },
});
await using agent = new CodeAgent({
  model,
  tools: [lookup],
  managedAgents: [helper],
  logLevel: LogLevel.OFF,
});
console.log(JSON.stringify(await agent.run("Define otel")));
