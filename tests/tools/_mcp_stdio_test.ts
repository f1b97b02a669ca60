// The Deno-native stdio transports: line framing without Node's Buffer, a
// server transport over Web streams (the SDK's calls `_stdin.on`, which
// Deno.stdin lacks), and a client transport that always ends its process.

import { Client } from "@modelcontextprotocol/sdk/client";
import { Server } from "@modelcontextprotocol/sdk/server";
// @ts-types="@modelcontextprotocol/sdk/types"
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
} from "@modelcontextprotocol/sdk/types.js";
import { assert, assertEquals, assertRejects, assertStringIncludes } from "../_assert.ts";
import {
  DenoStdioClientTransport,
  DenoStdioServerTransport,
  parseMessage,
  readLines,
} from "../../tools/_mcp_stdio.ts";

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return ReadableStream.from(chunks);
}

async function collect(stream: ReadableStream<Uint8Array>, max?: number): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of readLines(stream, max)) lines.push(line);
  return lines;
}

Deno.test("readLines joins UTF-8 characters split across chunks and strips CR", async () => {
  const bytes = new TextEncoder().encode('{"a":"é✓"}\r\n{"b":1}\nlast');
  // Cut inside the two-byte "é" and the three-byte "✓".
  const cuts = [7, 9, 11];
  const chunks = [0, ...cuts].map((start, i) => bytes.subarray(start, cuts[i] ?? bytes.length));
  assertEquals(await collect(streamOf(chunks)), ['{"a":"é✓"}', '{"b":1}', "last"]);
});

Deno.test("readLines refuses a line longer than the limit", async () => {
  const stream = streamOf([new TextEncoder().encode("x".repeat(50))]);
  await assertRejects(() => collect(stream, 10), RangeError, "exceeds 10 characters");
});

Deno.test("parseMessage explains a line that is not JSON-RPC", () => {
  try {
    parseMessage("Server starting on stdout...");
    throw new Error("no error");
  } catch (error) {
    assert(error instanceof SyntaxError);
    assertStringIncludes(error.message, "Expected a JSON-RPC message, got: Server starting");
  }
  assertEquals(parseMessage('{"jsonrpc":"2.0","method":"ping","id":1}'), {
    jsonrpc: "2.0",
    method: "ping",
    id: 1,
  });
});

Deno.test("DenoStdioServerTransport serves the SDK Server over Web streams to the SDK Client", async () => {
  // Two pipes: client → server and server → client.
  const up = new TransformStream<Uint8Array, Uint8Array>();
  const down = new TransformStream<Uint8Array, Uint8Array>();
  const server = new Server({ name: "t", version: "1" }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: [{ name: "hi", description: "Says hi", inputSchema: { type: "object" } }],
  }));
  server.setRequestHandler(CallToolRequestSchema, (request) => ({
    content: [{ type: "text", text: `hi ${request.params.arguments?.who}` }],
  }));
  const serverTransport = new DenoStdioServerTransport({
    stdin: up.readable,
    stdout: down.writable,
  });
  await server.connect(serverTransport);
  // The same framing works for the client side of an in-memory pair.
  const clientTransport = new DenoStdioServerTransport({
    stdin: down.readable,
    stdout: up.writable,
  });
  const client = new Client({ name: "c", version: "1" });
  await client.connect(clientTransport);
  try {
    assertEquals((await client.listTools()).tools.map((t) => t.name), ["hi"]);
    const result = await client.callTool({ name: "hi", arguments: { who: "Zoë ✓" } });
    assertEquals(result.content, [{ type: "text", text: "hi Zoë ✓" }]);
  } finally {
    await client.close();
    await server.close();
    await up.writable.close().catch(() => {});
    await down.writable.close().catch(() => {});
  }
});

Deno.test("DenoStdioServerTransport reports the end of its input through onclose and finished", async () => {
  const input = new TransformStream<Uint8Array, Uint8Array>();
  const output = new TransformStream<Uint8Array, Uint8Array>();
  const transport = new DenoStdioServerTransport({
    stdin: input.readable,
    stdout: output.writable,
  });
  let closed = 0;
  const errors: string[] = [];
  transport.onclose = () => closed++;
  transport.onerror = (error) => errors.push(error.message);
  await transport.start();
  const writer = input.writable.getWriter();
  await writer.write(new TextEncoder().encode("not json\n"));
  await writer.close();
  await transport.finished;
  assertEquals(closed, 1);
  assertEquals(errors.length, 1);
  assertStringIncludes(errors[0], "Expected a JSON-RPC message");
  await transport.close();
  assertEquals(closed, 1);
  await output.readable.cancel();
});

Deno.test("DenoStdioClientTransport ends a server that ignores stdin EOF, escalating to SIGTERM", async () => {
  const transport = new DenoStdioClientTransport({
    command: Deno.execPath(),
    args: ["eval", "console.error('up'); setInterval(() => {}, 1000)"],
  });
  let closed = false;
  transport.onclose = () => closed = true;
  await transport.start();
  assert(transport.pid !== undefined);
  await transport.close();
  assert(closed);
  assertEquals(transport.exitStatus?.signal, "SIGTERM");
  assertEquals(transport.pid, undefined);
  assertEquals(transport.stderrTail, "up");
  await assertRejects(
    () => transport.send({ jsonrpc: "2.0", method: "ping", id: 1 }),
    Error,
    "Not connected",
  );
});

Deno.test("DenoStdioClientTransport passes only a safe environment to the server", async () => {
  Deno.env.set("SMOLDENO_TEST_SECRET", "s3cret");
  try {
    const lines: string[] = [];
    const transport = new DenoStdioClientTransport({
      command: Deno.execPath(),
      args: [
        "eval",
        "console.error(JSON.stringify([Deno.env.get('SMOLDENO_TEST_SECRET') ?? null, Deno.env.get('GIVEN'), !!Deno.env.get('PATH')]))",
      ],
      env: { GIVEN: "yes" },
      onStderr: (line) => lines.push(line),
    });
    const { promise, resolve } = Promise.withResolvers<void>();
    transport.onclose = () => resolve();
    await transport.start();
    await promise;
    await transport.close();
    assertEquals(lines, ['[null,"yes",true]']);
  } finally {
    Deno.env.delete("SMOLDENO_TEST_SECRET");
  }
});

// The two Deno breakages of the SDK's stdio code that the transports above
// replace. If an SDK update fixes them, these fail: the workaround can go.

Deno.test("the SDK's StdioServerTransport rejects Deno.stdin, which DenoStdioServerTransport reads", async () => {
  const { StdioServerTransport } = await import("@modelcontextprotocol/sdk/server/stdio.js");
  const sdk = new StdioServerTransport(Deno.stdin as never, Deno.stdout as never);
  await assertRejects(() => sdk.start(), TypeError, "_stdin.on is not a function");
});

Deno.test("the SDK's ReadBuffer finds no message in a Web-stream chunk, which readLines splits", async () => {
  const { ReadBuffer } = await import("@modelcontextprotocol/sdk/shared/stdio.js");
  const chunk = new TextEncoder().encode('{"jsonrpc":"2.0","method":"ping","id":1}\n');
  const buffer = new ReadBuffer();
  // Uint8Array.indexOf("\n") looks for a number, never a string: no line is ever found.
  buffer.append(chunk as never);
  assertEquals(buffer.readMessage(), null);
  assertEquals(await collect(streamOf([chunk])), ['{"jsonrpc":"2.0","method":"ping","id":1}']);
});

Deno.test({
  name:
    "DenoStdioClientTransport reports a write to a server that closed its stdin as a closed connection",
  // A POSIX shell closes its stdin and stays alive, as a broken server would.
  ignore: Deno.build.os === "windows",
  async fn() {
    const transport = new DenoStdioClientTransport({
      command: "sh",
      args: ["-c", "exec 0<&-; exec sleep 60"],
    });
    await transport.start();
    try {
      let failure: unknown;
      // Write until the pipe breaks: the first writes may land before the close.
      for (let i = 0; i < 1000 && failure === undefined; i++) {
        await transport.send({ jsonrpc: "2.0", method: "ping", id: i }).catch((e) => failure = e);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      assert(failure instanceof McpError, `expected an McpError, got ${failure}`);
      assertEquals(failure.code, ErrorCode.ConnectionClosed);
      assertStringIncludes(failure.message, "the server process stopped reading its input");
    } finally {
      await transport.close();
    }
  },
});
