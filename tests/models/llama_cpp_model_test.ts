// LlamaCppModel on the real node-llama-cpp and llama.cpp, with a tiny
// bigram llama model that the tests write themselves (no GGUF model can be
// downloaded here, nor is one shipped in a reachable package): see
// ./_llama_gguf.ts. Its replies are scripted by its weights, so every
// assertion is exact, yet everything between the file and the text is real.

import { AgentGenerationError } from "../../src/errors.ts";
import { LlamaCppModel, type LlamaCppModelOptions } from "../../src/models/llama_cpp_model.ts";
import { loadedModelCount } from "../../src/models/_llama_runtime.ts";
import { chatHistory } from "../../src/models/_llama_history.ts";
import { parseToolReply, toGrammarSchema, toolCallSchema } from "../../src/models/_llama_schema.ts";
import { ToolCallAccumulator } from "../../src/models/_tool_call_deltas.ts";
import { tool } from "../../src/tool.ts";
import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "../_assert.ts";
import { collect, user } from "./_fake_server.ts";
import { tinyLlamaGguf } from "./_llama_gguf.ts";
import { moduleGraph } from "./_module_graph.ts";

const getWeather = tool({
  name: "get_weather",
  description: "Weather report for a city.",
  inputs: {
    city: { type: "string", description: "City name" },
    days: { type: "integer", description: "Days ahead", nullable: true },
  },
  outputType: "string",
  forward: ({ city }) => `Sunny in ${city}`,
});

const getTime = tool({
  name: "get_time",
  description: "The time in a city.",
  inputs: { city: { type: "string", description: "City name" } },
  outputType: "string",
  forward: () => "noon",
});

/** Runs `fn` with the generated model written to a temporary directory, removed after. */
async function withModel(
  fn: (path: string) => Promise<void>,
  options: { loop?: boolean } = {},
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "smoldeno-gguf-" });
  try {
    const path = `${dir}/bigram.gguf`;
    await Deno.writeFile(path, tinyLlamaGguf(options));
    await fn(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

// One thread: llama.cpp's worker threads spin while they wait for each
// other, which on a busy shared machine makes a call hundreds of times slower.
function model(path: string, options: Partial<LlamaCppModelOptions> = {}): LlamaCppModel {
  return new LlamaCppModel({
    modelPath: path,
    gpu: false,
    contextSize: 2048,
    threads: 1,
    ...options,
  });
}

Deno.test("LlamaCppModel.generate() answers through the chat template stored in the GGUF file (generated bigram model)", async () => {
  await withModel(async (path) => {
    await using llm = model(path);
    assertEquals(llm.modelId, "bigram");
    const reply = await llm.generate([
      { role: "system", content: "Be brief." },
      user("Hi there"),
    ]);
    // The model says "Hello" only right after the template's <|assistant|> token.
    assertEquals(reply.content, "Hello world!");
    assertEquals(reply.role, "assistant");
    assertEquals((reply.raw as { stopReason: string }).stopReason, "eogToken");
    assertEquals(reply.tokenUsage?.outputTokens, 4); // ▁Hello ▁world ! <|end|>
    assert((reply.tokenUsage?.inputTokens ?? 0) > 5, JSON.stringify(reply.tokenUsage));
  });
});

Deno.test("LlamaCppModel.generateStream() streams the text as it is written, then usage (generated bigram model)", async () => {
  await withModel(async (path) => {
    await using llm = model(path);
    const deltas = await collect(llm.generateStream([user("Hi")]));
    const texts = deltas.flatMap((d) => d.content ?? []);
    assertEquals(texts.join(""), "Hello world!");
    assert(texts.length >= 3, JSON.stringify(texts));
    assertEquals(deltas.at(-1)?.tokenUsage?.outputTokens, 4);
  });
});

Deno.test("LlamaCppModel stops at stop sequences, streaming or not (generated bigram model)", async () => {
  await withModel(async (path) => {
    await using llm = model(path);
    const reply = await llm.generate([user("Hi")], { stopSequences: ["world"] });
    assertEquals(reply.content, "Hello ");
    const deltas = await collect(llm.generateStream([user("Hi")], { stopSequences: ["wor"] }));
    assertEquals(deltas.flatMap((d) => d.content ?? []).join(""), "Hello ");
  });
});

Deno.test("LlamaCppModel stops at maxTokens on a model that never ends its turn (generated bigram model)", async () => {
  await withModel(async (path) => {
    await using llm = model(path, { maxTokens: 5 });
    const reply = await llm.generate([user("Hi")]);
    assertEquals(reply.content, "Hello world Hello world Hello");
    assertEquals((reply.raw as { stopReason: string }).stopReason, "maxTokens");
    assertEquals(reply.tokenUsage?.outputTokens, 5);
  }, { loop: true });
});

Deno.test("LlamaCppModel writes a grammar-constrained tool call that fits the tool's inputs (generated bigram model)", async () => {
  await withModel(async (path) => {
    await using llm = model(path);
    const reply = await llm.generate([user("Weather in Paris?")], {
      toolsToCallFrom: [getWeather, getTime],
      toolChoice: { name: "get_weather" },
    });
    assertEquals(reply.content, null);
    assertEquals(reply.toolCalls?.length, 1);
    const [call] = reply.toolCalls!;
    assertEquals(call.name, "get_weather");
    assert(call.id.startsWith("call_"));
    // This model prefers a closing quote, then "0": the grammar turns that into the
    // shortest arguments that fit (the optional integer may be a number or null).
    assertEquals(call.arguments, { city: "", days: 0 });
  });
});

Deno.test('LlamaCppModel with toolChoice "auto" lets the grammar choose a plain answer (generated bigram model)', async () => {
  await withModel(async (path) => {
    await using llm = model(path);
    const reply = await llm.generate([user("Time?")], {
      toolsToCallFrom: [getTime],
      toolChoice: "auto",
    });
    // This model picks the {"content": …} branch, which becomes a text reply.
    assertEquals(reply.toolCalls, undefined);
    assertEquals(reply.content, "");
    assertEquals((reply.raw as { text: string }).text, '{"content":""}');
  });
});

Deno.test("LlamaCppModel.generateStream() ends a tool call as one delta (generated bigram model)", async () => {
  await withModel(async (path) => {
    await using llm = model(path);
    const deltas = await collect(
      llm.generateStream([user("Time?")], { toolsToCallFrom: [getTime] }),
    );
    const calls = new ToolCallAccumulator();
    for (const delta of deltas) if (delta.toolCalls) calls.add(delta.toolCalls);
    const [call] = calls.toolCalls();
    assertEquals([call.name, call.arguments], ["get_time", { city: "" }]);
    assertEquals(deltas.filter((d) => d.content).length, 0);
    assert((deltas.at(-1)?.tokenUsage?.outputTokens ?? 0) > 5);
  });
});

Deno.test("LlamaCppModel fails clearly when maxTokens cuts a tool call short (generated bigram model)", async () => {
  await withModel(async (path) => {
    await using llm = model(path, { maxTokens: 3 });
    await assertRejects(
      () => llm.generate([user("Time?")], { toolsToCallFrom: [getTime] }),
      AgentGenerationError,
      "before its tool call was complete: raise maxTokens",
    );
  });
});

Deno.test("LlamaCppModel constrains responseFormat replies to the JSON schema (generated bigram model)", async () => {
  await withModel(async (path) => {
    await using llm = model(path);
    const reply = await llm.generate([user("Rate it")], {
      responseFormat: {
        type: "json_schema",
        jsonSchema: {
          name: "rating",
          schema: {
            type: "object",
            properties: {
              summary: { type: "string" },
              score: { type: "integer" },
              tags: { type: "array", items: { type: "string" } },
            },
            required: ["summary", "score", "tags"],
          },
        },
      },
    });
    const parsed = JSON.parse(reply.content as string);
    assertEquals(Object.keys(parsed), ["summary", "score", "tags"]);
    assertEquals(typeof parsed.summary, "string");
    assert(Number.isInteger(parsed.score));
    assert(Array.isArray(parsed.tags));
  });
});

Deno.test("LlamaCppModel loads a file once for every model on it and frees it after the last (generated bigram model)", async () => {
  await withModel(async (path) => {
    const before = loadedModelCount();
    const a = model(path);
    const b = model(path, { modelId: "other" });
    await Promise.all([a.generate([user("Hi")]), b.generate([user("Hi")])]);
    assertEquals(loadedModelCount(), before + 1);
    await a.close();
    assertEquals(loadedModelCount(), before + 1);
    assertEquals((await b.generate([user("Hi")])).content, "Hello world!");
    await b.close();
    assertEquals(loadedModelCount(), before);
    await assertRejects(() => b.generate([user("Hi")]), TypeError, "was closed");
  });
});

Deno.test("LlamaCppModel serves parallel calls on one model one after the other (generated bigram model)", async () => {
  await withModel(async (path) => {
    await using llm = model(path);
    const replies = await Promise.all([1, 2, 3].map(() => llm.generate([user("Hi")])));
    assertEquals(replies.map((r) => r.content), ["Hello world!", "Hello world!", "Hello world!"]);
  });
});

Deno.test("LlamaCppModel aborts a running generation with the caller's reason (generated bigram model)", async () => {
  await withModel(async (path) => {
    await using llm = model(path, { maxTokens: 100_000 });
    const controller = new AbortController();
    const reason = new Error("user pressed stop");
    const seen: string[] = [];
    const error = await assertRejects(async () => {
      for await (const delta of llm.generateStream([user("Hi")], { signal: controller.signal })) {
        seen.push(delta.content ?? "");
        if (seen.length === 3) controller.abort(reason);
      }
    });
    assertEquals(error, reason);
    assertEquals(seen.length, 3);
    // The model is free again at once, and answers the next call.
    const reply = await llm.generate([user("Hi")], { maxTokens: 2 });
    assertEquals(reply.content, "Hello world");
  }, { loop: true });
});

Deno.test("LlamaCppModel rejects an already aborted call before loading anything", async () => {
  await withModel(async (path) => {
    await using llm = model(path);
    const before = loadedModelCount();
    const controller = new AbortController();
    controller.abort(new Error("too late"));
    await assertRejects(
      () => llm.generate([user("Hi")], { signal: controller.signal }),
      Error,
      "too late",
    );
    assertEquals(loadedModelCount(), before);
  });
});

Deno.test("LlamaCppModel refuses a GGUF path that does not exist, and a file that is not GGUF", async () => {
  assertThrows(
    () => new LlamaCppModel({ modelPath: "/nonexistent/model-q4.gguf" }),
    TypeError,
    'Cannot find the GGUF file "/nonexistent/model-q4.gguf"',
  );
  assertThrows(() => new LlamaCppModel({ modelPath: "" }), TypeError, "Invalid modelPath");
  assertThrows(
    () => new LlamaCppModel({ modelPath: "/", maxTokens: 0 }),
    RangeError,
    "Invalid maxTokens",
  );
  const path = await Deno.makeTempFile({ suffix: ".gguf" });
  try {
    await Deno.writeTextFile(path, "not a model");
    await using llm = new LlamaCppModel({ modelPath: path, gpu: false });
    await assertRejects(
      () => llm.generate([user("Hi")]),
      AgentGenerationError,
      "it is not a GGUF file",
    );
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("LlamaCppModel refuses image parts with a clear error", async () => {
  await withModel(async (path) => {
    await using llm = model(path);
    await assertRejects(
      () =>
        llm.generate([{
          role: "user",
          content: [{ type: "image", image: new Uint8Array([1]) }],
        }]),
      TypeError,
      "LlamaCppModel takes text only",
    );
  });
});

Deno.test("chatHistory() puts the system prompt first and tool calls and results in as text", () => {
  const history = chatHistory([
    { role: "system", content: "Be brief." },
    user("Weather?"),
    {
      role: "assistant",
      content: null,
      toolCalls: [{ id: "c1", name: "get_weather", arguments: { city: "Paris" } }],
    },
    { role: "tool", toolCallId: "c1", content: "Sunny" },
    user("Thanks"),
  ], "TOOLS");
  assertEquals(history, [
    { type: "system", text: "Be brief.\n\nTOOLS" },
    { type: "user", text: "Weather?" },
    { type: "model", response: ['{"name": "get_weather", "arguments": {"city":"Paris"}}'] },
    { type: "user", text: 'Tool "get_weather" returned:\nSunny\n\nThanks' },
    { type: "model", response: [] },
  ]);
});

Deno.test("toGrammarSchema() maps type lists, nullable and optional properties to the grammar subset", () => {
  assertEquals(
    toGrammarSchema({
      type: "object",
      properties: {
        a: { type: ["string", "null"], description: "dropped" },
        b: { type: "integer" },
        c: { enum: ["x", "y"] },
      },
      required: ["a", "c"],
      additionalProperties: false,
    }),
    {
      type: "object",
      properties: {
        a: { oneOf: [{ type: "string" }, { type: "null" }] },
        b: { oneOf: [{ type: "integer" }, { type: "null" }] },
        c: { enum: ["x", "y"] },
      },
    },
  );
  assertEquals(toGrammarSchema({ type: "array" }).items, {
    oneOf: [{ type: "string" }, { type: "number" }, { type: "boolean" }, { type: "null" }],
  });
});

Deno.test("toolCallSchema() names an unknown toolChoice, and parseToolReply() reads both reply kinds", () => {
  assertThrows(
    () => toolCallSchema([getTime], { name: "nope" }),
    TypeError,
    'no tool is named "nope"; the tools are "get_time"',
  );
  assertEquals(parseToolReply('{"name":"get_time","arguments":{"city":"Rome"}}'), {
    kind: "call",
    name: "get_time",
    arguments: { city: "Rome" },
  });
  assertEquals(parseToolReply('{"content":"Done."}'), { kind: "content", content: "Done." });
});

Deno.test("importing llama_cpp_model.ts loads no node-llama-cpp code: it is imported on first use", async () => {
  const dir = new URL("../../src/models/", import.meta.url);
  const files = [
    "llama_cpp_model.ts",
    "_llama_runtime.ts",
    "_llama_history.ts",
    "_llama_schema.ts",
  ];
  for (const file of files) {
    const source = await Deno.readTextFile(new URL(file, dir));
    for (const line of source.split("\n").filter((l) => /from "node-llama-cpp"/.test(l))) {
      assert(/^import type /.test(line), `${file}: ${line}`);
    }
  }
  const runtime = await Deno.readTextFile(new URL("_llama_runtime.ts", dir));
  assertStringIncludes(runtime, 'import("node-llama-cpp")');
});

Deno.test("LlamaCppModel says which permissions node-llama-cpp lacks instead of crashing the process (generated bigram model)", async () => {
  await withModel(async (path) => {
    const script = `
      import { LlamaCppModel } from ${
      JSON.stringify(new URL("../../src/models/llama_cpp_model.ts", import.meta.url).href)
    };
      await using llm = new LlamaCppModel({ modelPath: ${
      JSON.stringify(path)
    }, gpu: false, threads: 1 });
      try { await llm.generate([{ role: "user", content: "Hi" }]); } catch (error) { console.log(error.message); }
      console.log("still running");
    `;
    const file = `${path}.ts`;
    await Deno.writeTextFile(file, script);
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--config",
        new URL("../../deno.json", import.meta.url).pathname,
        "--allow-read",
        "--allow-env",
        "--allow-ffi",
        "--allow-sys",
        file,
      ],
      stdout: "piped",
      stderr: "null",
    }).output();
    const text = new TextDecoder().decode(output.stdout);
    assertStringIncludes(text, "node-llama-cpp needs --allow-run");
    assertStringIncludes(text, "still running");
  });
});

Deno.test("importing mod.ts does not reach node-llama-cpp or LlamaCppModel", async () => {
  const modules = await moduleGraph("../../mod.ts");
  assertEquals(
    modules.filter((s) => /node-llama-cpp|llama_cpp_model\.ts|_llama_/.test(s)),
    [],
  );
});
