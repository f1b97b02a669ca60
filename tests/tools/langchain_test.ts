// LangChain interop with the real @langchain/core tool classes.

import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { DynamicStructuredTool, DynamicTool, tool as langchainTool } from "@langchain/core/tools";
import { z } from "zod";
import { ToolCallingAgent } from "../../src/agents/tool_calling_agent.ts";
import { AgentToolCallError, AgentToolExecutionError } from "../../src/errors.ts";
import { LogLevel } from "../../src/logger.ts";
import { ScriptedModel } from "../../src/testing.ts";
import { tool } from "../../src/tool.ts";
import { fromLangChain, toLangChainTool } from "../../tools/langchain.ts";

Deno.test("fromLangChain() turns a zod schema into inputs: types, descriptions, optional, enums, arrays", async () => {
  const seen: unknown[] = [];
  const search = langchainTool((input) => {
    seen.push(input);
    return `found ${input.query}`;
  }, {
    name: "web-search",
    description: "Searches the web.",
    schema: z.object({
      query: z.string().describe("What to look for"),
      limit: z.number().int().optional().describe("Most results"),
      safe: z.boolean().describe("Safe search"),
      region: z.enum(["eu", "us"]).describe("Region"),
      tags: z.array(z.string()).describe("Tags"),
    }),
  });
  const wrapped = fromLangChain(search);
  assertEquals(wrapped.name, "web_search");
  assertEquals(wrapped.description, "Searches the web.");
  assertEquals(wrapped.inputs.query, { type: "string", description: "What to look for" });
  assertEquals(wrapped.inputs.limit, {
    type: "integer",
    description: "Most results",
    nullable: true,
  });
  assertEquals(wrapped.inputs.safe.type, "boolean");
  assertEquals(wrapped.inputs.region.enum, ["eu", "us"]);
  assertEquals([wrapped.inputs.tags.type, wrapped.inputs.tags.items], ["array", {
    type: "string",
  }]);
  assertEquals(
    await wrapped.call({ query: "deno", safe: true, region: "eu", tags: [], limit: null }),
    "found deno",
  );
  // Absent optional arguments are not sent as null to LangChain's validation.
  assertEquals(seen, [{ query: "deno", safe: true, region: "eu", tags: [] }]);
  await assertRejects(() => wrapped.call({ query: 3 }), AgentToolCallError);
});

Deno.test("fromLangChain() wraps a DynamicStructuredTool with a JSON schema and a DynamicTool with a string input", async () => {
  const structured = fromLangChain(
    new DynamicStructuredTool({
      name: "lookup",
      description: "Looks a word up.",
      schema: {
        type: "object",
        properties: { word: { type: "string", description: "The word" } },
        required: ["word"],
      },
      func: async ({ word }: { word: string }) => await Promise.resolve(`${word}!`),
    }),
  );
  assertEquals(await structured.call({ word: "hi" }), "hi!");
  const plain = fromLangChain(
    new DynamicTool({
      name: "reverse",
      description: "Reverses text.",
      func: (s) => Promise.resolve([...s].reverse().join("")),
    }),
  );
  assertEquals(Object.keys(plain.inputs), ["input"]);
  assertEquals(await plain.call({ input: "abc" }), "cba");
});

Deno.test("fromLangChain() reports a failing LangChain tool as a tool execution error", async () => {
  const failing = fromLangChain(
    langchainTool(() => {
      throw new Error("quota exceeded");
    }, { name: "failing", description: "Fails.", schema: z.object({}) }),
  );
  const error = await assertRejects(
    () => failing.call({}),
    AgentToolExecutionError,
    "quota exceeded",
  );
  assertEquals(error.toolName, "failing");
});

Deno.test("fromLangChain() passes the call's signal to LangChain, which aborts the run", async () => {
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  const slow = fromLangChain(
    langchainTool(async () => {
      started();
      await new Promise(() => {});
      return "never";
    }, { name: "slow", description: "Never ends.", schema: z.object({}) }),
  );
  const controller = new AbortController();
  const call = slow.call({}, { signal: controller.signal });
  await running;
  controller.abort(new Error("stop now"));
  await assertRejects(() => call, Error, "stop now");
});

Deno.test("a LangChain tool runs inside a ToolCallingAgent", async () => {
  const multiply = langchainTool(({ a, b }) => String(a * b), {
    name: "multiply",
    description: "Multiplies two numbers.",
    schema: z.object({ a: z.number().describe("First"), b: z.number().describe("Second") }),
  });
  const model = new ScriptedModel({
    replies: [
      '{"name": "multiply", "arguments": {"a": 6, "b": 7}}',
      '{"name": "final_answer", "arguments": {"answer": "done"}}',
    ],
  });
  const agent = new ToolCallingAgent({
    model,
    tools: [fromLangChain(multiply)],
    logLevel: LogLevel.OFF,
  });
  const result = await agent.run("6 times 7?", { returnFullResult: true });
  assertEquals(result.output, "done");
  const action = result.steps.find((s) => s.type === "action" && s.observations?.includes("42"));
  assert(action, "the observation holds the LangChain tool's result");
});

Deno.test("toLangChainTool() gives LangChain a DynamicStructuredTool that validates and returns text", async () => {
  const add = tool({
    name: "add",
    description: "Adds two numbers.",
    inputs: {
      a: { type: "number", description: "First" },
      b: { type: "number", description: "Second", nullable: true },
    },
    outputType: "object",
    forward: ({ a, b }) => ({ sum: a + (b ?? 0) }),
  });
  const lc = toLangChainTool(add) as DynamicStructuredTool;
  assert(lc instanceof DynamicStructuredTool);
  assertEquals([lc.name, lc.description], ["add", "Adds two numbers."]);
  assertEquals(await lc.invoke({ a: 2, b: 3 }), '{"sum":5}');
  assertEquals(await lc.invoke({ a: 2 }), '{"sum":2}');
  // LangChain checks the JSON schema first.
  await assertRejects(() => lc.invoke({ b: 1 } as never));
  // A tool call from a LangChain model gets a tool message back.
  const message = await lc.invoke({
    id: "call_1",
    name: "add",
    args: { a: 1, b: 1 },
    type: "tool_call",
  });
  assertEquals((message as { content: string; tool_call_id: string }).content, '{"sum":2}');
  assertEquals((message as { tool_call_id: string }).tool_call_id, "call_1");
});

Deno.test("a smoldeno tool survives a round trip through LangChain", async () => {
  const shout = tool({
    name: "shout",
    description: "Upper-cases.",
    inputs: { text: { type: "string", description: "Text" } },
    outputType: "string",
    forward: ({ text }) => text.toUpperCase(),
  });
  const back = fromLangChain(toLangChainTool(shout));
  assertEquals([back.name, back.inputs], ["shout", shout.inputs]);
  assertEquals(await back.call({ text: "hey" }), "HEY");
});

Deno.test("fromLangChain() refuses what is not a LangChain tool", () => {
  let error: unknown;
  try {
    fromLangChain({ name: "x" } as never);
  } catch (e) {
    error = e;
  }
  assert(error instanceof TypeError && error.message.includes("invoke()"));
});
