// serveMcp driven by the official MCP SDK client, over Streamable HTTP and
// over stdio (a Deno subprocess), and by our own MCPClient.

import { Client } from "@modelcontextprotocol/sdk/client";
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
// @ts-types="@modelcontextprotocol/sdk/client/stdio"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { assert, assertEquals, assertRejects, assertStringIncludes } from "../_assert.ts";
import { ToolCallingAgent } from "../../src/agents/tool_calling_agent.ts";
import { type ImageValue, imageValue, mediaToDataUrl } from "../../src/media.ts";
import { ScriptedModel } from "../../src/testing.ts";
import { LogLevel } from "../../src/logger.ts";
import { tool } from "../../src/tool.ts";
import { type AgentLike, MCPClient, serveMcp } from "../../tools/mcp.ts";

const FIXTURE = new URL("./_mcp_fixture_server.ts", import.meta.url).pathname;
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

const add = tool({
  name: "add",
  description: "Adds two numbers.",
  inputs: {
    a: { type: "number", description: "First term" },
    b: { type: "number", description: "Second term" },
  },
  outputType: "number",
  forward: ({ a, b }) => a + b,
});

const forecast = tool({
  name: "forecast",
  description: "Weather forecast for a city.",
  inputs: {
    city: { type: "string", description: "City name" },
    units: { type: "string", enum: ["metric", "imperial"], description: "Units", nullable: true },
  },
  outputType: "object",
  outputSchema: {
    type: "object",
    properties: { city: { type: "string" }, temperature: { type: "number" } },
    required: ["city", "temperature"],
  },
  forward: ({ city, units }) => ({ city, temperature: units === "imperial" ? 70 : 21 }),
});

const thumbnail = tool({
  name: "thumbnail",
  description: "Returns the image it is given, with its size.",
  inputs: { image: { type: "image", description: "The picture" } },
  outputType: "array",
  forward: ({ image }) => [`${image.data.length} bytes`, image],
});

const failing = tool({
  name: "failing",
  description: "Always fails.",
  inputs: {},
  outputType: "string",
  forward: () => {
    throw new Error("the backend is down");
  },
});

async function httpClient(url: string): Promise<Client & AsyncDisposable> {
  const client = new Client({ name: "sdk-test-client", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return Object.assign(client, { [Symbol.asyncDispose]: () => client.close() });
}

function textOf(result: Record<string, unknown>): string {
  return (result.content as { type: string; text?: string }[])
    .filter((c) => c.type === "text").map((c) => c.text).join("\n");
}

Deno.test("serveMcp over HTTP lists tools with JSON schemas built from their inputs", async () => {
  await using server = await serveMcp([add, forecast], { port: 0 });
  assertEquals(server.url, `http://127.0.0.1:${server.port}/mcp`);
  await using client = await httpClient(server.url);
  const { tools } = await client.listTools();
  assertEquals(tools.map((t) => t.name), ["add", "forecast"]);
  assertEquals(tools[0].inputSchema.required, ["a", "b"]);
  const city = tools[1].inputSchema.properties as Record<string, Record<string, unknown>>;
  assertEquals(city.units.enum, ["metric", "imperial", null]);
  assertEquals(tools[1].inputSchema.required, ["city"]);
  assertEquals(tools[1].outputSchema?.required, ["city", "temperature"]);
});

Deno.test("serveMcp over HTTP returns text, structured content, images and error results", async () => {
  await using server = await serveMcp([add, forecast, thumbnail, failing], { port: 0 });
  await using client = await httpClient(server.url);

  assertEquals(textOf(await client.callTool({ name: "add", arguments: { a: 2, b: 3 } })), "5");

  const weather = await client.callTool({ name: "forecast", arguments: { city: "Oslo" } });
  assertEquals(weather.structuredContent, { city: "Oslo", temperature: 21 });

  const image = imageValue(PNG);
  const picture = await client.callTool({
    name: "thumbnail",
    arguments: { image: mediaToDataUrl(image) },
  });
  assertEquals(picture.content, [
    { type: "text", text: "11 bytes" },
    { type: "image", mimeType: "image/png", data: mediaToDataUrl(image).split(",")[1] },
  ]);

  const failed = await client.callTool({ name: "failing", arguments: {} });
  assertEquals(failed.isError, true);
  assertStringIncludes(textOf(failed), "the backend is down");

  const wrongArgs = await client.callTool({ name: "add", arguments: { a: "2", b: 3 } });
  assertEquals(wrongArgs.isError, true);
  assertStringIncludes(textOf(wrongArgs), 'Input "a" of tool "add" must be a number');

  const unknown = await client.callTool({ name: "subtract", arguments: {} });
  assertEquals(unknown.isError, true);
  assertEquals(
    textOf(unknown),
    'Cannot find tool "subtract": available tools are "add", "forecast", "thumbnail", "failing"',
  );
});

Deno.test("serveMcp exposes a ToolCallingAgent as a task tool with one progress notification per step", async () => {
  const model = new ScriptedModel({
    replies: [
      {
        role: "assistant",
        content: null,
        toolCalls: [{ id: "1", name: "add", arguments: { a: 20, b: 22 } }],
      },
      '{"name": "final_answer", "arguments": {"answer": "The sum is 42"}}',
    ],
  });
  const agent = new ToolCallingAgent({
    model,
    tools: [add],
    name: "calculator",
    description: "Does arithmetic.",
  });
  await using server = await serveMcp(agent, { port: 0, name: "agents" });
  await using client = await httpClient(server.url);
  const { tools } = await client.listTools();
  assertEquals(tools.map((t) => [t.name, t.description]), [["calculator", "Does arithmetic."]]);
  assertEquals(tools[0].inputSchema.required, ["task"]);

  const progress: string[] = [];
  const result = await client.callTool(
    { name: "calculator", arguments: { task: "What is 20 + 22?" } },
    undefined,
    { onprogress: (p) => progress.push(`${p.progress}/${p.total}: ${p.message}`) },
  );
  assertEquals(textOf(result), "The sum is 42");
  assertEquals(progress, ["1/20: Step 1 of 20", "2/20: Step 2 of 20"]);
  assertStringIncludes(JSON.stringify(model.calls[0].messages), "What is 20 + 22?");
});

Deno.test("serveMcp runs an agent without progress when the client does not ask for it", async () => {
  const tasks: string[] = [];
  const agent: AgentLike = {
    name: "echo agent",
    description: "Repeats the task.",
    run: (task) => {
      tasks.push(task);
      return Promise.resolve({ answer: task });
    },
  };
  await using server = await serveMcp(agent, { port: 0 });
  await using client = await httpClient(server.url);
  const result = await client.callTool({ name: "echo_agent", arguments: { task: "hi" } });
  assertEquals(textOf(result), '{"answer":"hi"}');
  assertEquals(tasks, ["hi"]);
  const empty = await client.callTool({ name: "echo_agent", arguments: { task: " " } });
  assertEquals(empty.isError, true);
});

Deno.test("a served agent takes concurrent calls one at a time", async () => {
  // A model that takes a while, so the two runs would overlap.
  const slowly = (answer: string) => async () => {
    await new Promise((resolve) => setTimeout(resolve, 100));
    return `{"name": "final_answer", "arguments": {"answer": "${answer}"}}`;
  };
  const model = new ScriptedModel({ replies: [slowly("first"), slowly("second")] });
  const agent = new ToolCallingAgent({
    model,
    tools: [],
    name: "worker",
    description: "Works.",
    logLevel: LogLevel.OFF,
  });
  await using server = await serveMcp(agent, { port: 0 });
  await using client = await httpClient(server.url);
  // Without queueing, the second call would find the agent already running.
  const results = await Promise.all(
    ["a", "b"].map((task) => client.callTool({ name: "worker", arguments: { task } })),
  );
  assertEquals(results.map((r) => [r.isError ?? false, textOf(r)]), [
    [false, "first"],
    [false, "second"],
  ]);
});

Deno.test("a cancelled MCP request aborts the served tool's signal", async () => {
  const { promise: aborted, resolve } = Promise.withResolvers<unknown>();
  const slow = tool({
    name: "slow",
    description: "Waits until cancelled.",
    inputs: {},
    outputType: "string",
    forward: (_args, { signal }) =>
      new Promise<string>((_, reject) => {
        signal?.addEventListener("abort", () => {
          resolve(signal.reason);
          reject(signal.reason);
        });
      }),
  });
  await using server = await serveMcp(slow, { port: 0 });
  await using client = await httpClient(server.url);
  const controller = new AbortController();
  const call = client.callTool({ name: "slow", arguments: {} }, undefined, {
    signal: controller.signal,
  });
  setTimeout(() => controller.abort(new Error("stop")), 50);
  await assertRejects(() => call);
  assert((await aborted) !== undefined);
});

Deno.test("serveMcp over HTTP answers 404 off /mcp and refuses foreign Host headers", async () => {
  await using server = await serveMcp(add, { port: 0 });
  const other = await fetch(new URL("/other", server.url));
  assertEquals(other.status, 404);
  assertStringIncludes(await other.text(), "the MCP endpoint is /mcp");

  // fetch() cannot forge Host, so speak HTTP directly.
  const body = JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: {
      protocolVersion: "2025-06-18",
      capabilities: {},
      clientInfo: { name: "x", version: "1" },
    },
  });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  await conn.write(new TextEncoder().encode(
    `POST /mcp HTTP/1.1\r\nHost: attacker.example\r\nContent-Type: application/json\r\n` +
      `Accept: application/json, text/event-stream\r\nContent-Length: ${body.length}\r\n` +
      `Connection: close\r\n\r\n${body}`,
  ));
  const response = await new Response(conn.readable).text();
  assertStringIncludes(response.split("\r\n")[0], "403");
  assertStringIncludes(response, "Invalid Host header: attacker.example");
});

Deno.test("serveMcp rejects bad arguments before serving", async () => {
  await assertRejects(() => serveMcp([], { port: 0 }), TypeError, "at least one agent or tool");
  await assertRejects(() => serveMcp(add, { port: -1 }), RangeError, "port from 0 to 65535");
  await assertRejects(() => serveMcp([add, add], { port: 0 }), TypeError, 'named "add"');
  await assertRejects(
    () => serveMcp({ name: "x" } as unknown as AgentLike, { port: 0 }),
    TypeError,
    "serveMcp serves agents (with run()) and tools",
  );
});

Deno.test("serveMcp over stdio in a Deno process works with the official SDK stdio client", async () => {
  const transport = new StdioClientTransport({
    command: Deno.execPath(),
    args: ["run", "--allow-all", FIXTURE],
    stderr: "pipe",
  });
  const client = new Client({ name: "sdk-test-client", version: "1.0.0" });
  try {
    await client.connect(transport);
    const { tools } = await client.listTools();
    assertEquals(tools.map((t) => t.name), ["echo_agent", "add", "crash"]);
    // The tool logs with console.log: stdout must still carry only the protocol.
    assertEquals(textOf(await client.callTool({ name: "add", arguments: { a: 1, b: 2 } })), "3");
    const progress: number[] = [];
    const answer = await client.callTool(
      { name: "echo_agent", arguments: { task: "ping" } },
      undefined,
      { onprogress: (p) => progress.push(p.progress) },
    );
    assertEquals(textOf(answer), "done: ping");
    // The SDK client hands notifications to their handlers a microtask late
    // but settles responses at once, so a progress notification read in the
    // same chunk as the result is dropped: require the first, allow the rest.
    assertEquals(progress, [1, 2, 3].slice(0, Math.max(1, progress.length)));
  } finally {
    await client.close();
  }
});

Deno.test("MCPClient drives a Deno stdio server, reports its crash and reconnects", async () => {
  const stderr: string[] = [];
  await using client = new MCPClient(
    { command: Deno.execPath(), args: ["run", "--allow-all", FIXTURE], name: "fixture" },
    { onStderr: (line) => stderr.push(line) },
  );
  await client.connect();
  const tools = Object.fromEntries(client.getTools().map((t) => [t.name, t]));
  assertEquals(await tools.add.call({ a: 40, b: 2 }), "42");
  assertEquals(await tools.echo_agent.call({ task: "hello" }), "done: hello");
  // console.log of the served tool went to stderr, which reaches onStderr.
  assert(stderr.includes("adding 40 2"), `stderr was ${JSON.stringify(stderr)}`);

  const crash = await assertRejects(() => tools.crash.call({}));
  assertStringIncludes(crash.message, 'MCP server "fixture" stopped answering during "crash"');
  assertStringIncludes(crash.message, "exited with code 7");

  await client.connect();
  assertEquals(await tools.add.call({ a: 1, b: 1 }), "2");
});

Deno.test("an image returned by a served tool arrives as an image value through MCPClient", async () => {
  await using server = await serveMcp(thumbnail, { port: 0 });
  await using client = new MCPClient({ url: server.url });
  await client.connect();
  const [remote] = client.getTools();
  assertEquals(remote.inputs.image.type, "string");
  const [size, image] = await remote.call({ image: mediaToDataUrl(imageValue(PNG)) }) as [
    string,
    ImageValue,
  ];
  assertEquals(size, "11 bytes");
  assertEquals([...image.data], [...PNG]);
});
