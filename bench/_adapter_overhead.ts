/**
 * Issue 12's figures, run by `bench/models_bench.ts`: per-call overhead of
 * the newer adapters over the bare client each wraps, against an instant
 * local server in the same run (`AISdkModel` over the provider model's own
 * `doGenerate`, `AmazonBedrockModel` over the AWS client's `ConverseCommand`),
 * `RouterModel` over a direct call of the model it routes to, and for
 * `LlamaCppModel` time to first token and tokens/s on the tiny generated
 * test model (a real model is far slower: see docs/models.md).
 *
 * Variants are interleaved call by call so machine noise hits them alike;
 * each ratio is the median of per-run ratios.
 *
 * @module
 */

import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { BedrockRuntimeClient, ConverseCommand } from "@aws-sdk/client-bedrock-runtime";
import { AISdkModel } from "../src/models/ai_sdk_model.ts";
import { AmazonBedrockModel } from "../src/models/bedrock_model.ts";
import { LlamaCppModel } from "../src/models/llama_cpp_model.ts";
import type { ChatMessage, Model } from "../src/models/model.ts";
import { OpenAIServerModel } from "../src/models/openai_model.ts";
import { RouterModel } from "../src/models/router_model.ts";
import { BedrockServer, converseReply } from "../tests/models/_bedrock_server.ts";
import { tinyLlamaGguf } from "../tests/models/_llama_gguf.ts";
import { type Row, stats } from "./_bench.ts";

const messages: ChatMessage[] = [{ role: "user", content: "Hi" }];

/** Median per-call ms of each variant, per run, calls interleaved. */
async function interleaved(
  variants: (() => PromiseLike<unknown>)[],
  runs: number,
  calls: number,
): Promise<number[][]> {
  for (let i = 0; i < 50; i++) for (const v of variants) await v(); // warm-up
  const perRun = variants.map(() => [] as number[]);
  for (let r = 0; r < runs; r++) {
    const samples = variants.map(() => [] as number[]);
    for (let c = 0; c < calls; c++) {
      for (const [i, v] of variants.entries()) {
        const t = performance.now();
        await v();
        samples[i].push(performance.now() - t);
      }
    }
    samples.forEach((s, i) => perRun[i].push(stats(s).median));
  }
  return perRun;
}

function ratioRow(
  measure: string,
  perRun: number[][],
  i: number,
  floor: number,
  floorName: string,
  target: number,
): Row {
  const ratio = stats(perRun[i].map((v, r) => v / perRun[floor][r])).median;
  return {
    measure,
    value: `${stats(perRun[i]).median.toFixed(3)} ms`,
    p95: `${stats(perRun[i]).p95.toFixed(3)} ms`,
    floor: `${stats(perRun[floor]).median.toFixed(3)} ms (${floorName})`,
    ratio: `${ratio.toFixed(2)}x`,
    target: `<= ${target}x`,
    met: ratio <= target,
  };
}

/** Runs the measures, prints them, and returns them as summary rows. */
export async function adapterOverheadRows(runs: number): Promise<Row[]> {
  const rows: Row[] = [];

  // AI SDK and the router, over one instant chat-completions server.
  const body = JSON.stringify({
    id: "x",
    object: "chat.completion",
    created: 1,
    model: "m",
    choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    await req.arrayBuffer();
    return new Response(body, { headers: { "content-type": "application/json" } });
  });
  try {
    const origin = `http://127.0.0.1:${server.addr.port}/v1`;
    const provider = createOpenAICompatible({ name: "local", baseURL: origin, apiKey: "k" });
    const bare = provider("m");
    const aiSdk = new AISdkModel({ model: provider("m"), maxRetries: 0 });
    const openai = new OpenAIServerModel({ modelId: "m", apiBase: origin, maxRetries: 0 });
    const router = new RouterModel({ deployments: [openai] });
    const inProcess: Model = {
      modelId: "in-process",
      generate: () => Promise.resolve({ role: "assistant", content: "ok" }),
    };
    const routedInProcess = new RouterModel({ deployments: [inProcess] });
    const prompt = [{ role: "user" as const, content: [{ type: "text" as const, text: "Hi" }] }];
    const t = await interleaved(
      [
        () => bare.doGenerate({ prompt }),
        () => aiSdk.generate(messages),
        () => openai.generate(messages),
        () => router.generate(messages),
        () => inProcess.generate(messages),
        () => routedInProcess.generate(messages),
      ],
      runs,
      50,
    );
    rows.push(
      ratioRow("AISdkModel.generate per call", t, 1, 0, "bare provider doGenerate", 1.3),
      ratioRow("RouterModel over OpenAIServerModel", t, 3, 2, "direct OpenAIServerModel", 1.05),
    );
    const own = stats(t[5].map((v, r) => v - t[4][r])).median * 1000;
    rows.push({
      measure: "RouterModel's own cost per call (in-process model)",
      value: `${own.toFixed(1)} µs`,
      p95: "-",
      floor: `${(stats(t[4]).median * 1000).toFixed(1)} µs (the model alone)`,
      ratio: "-",
      target: "-",
    });
  } finally {
    await server.shutdown();
  }

  // Bedrock, through the real AWS client, against a local Converse server.
  {
    await using server = new BedrockServer([() => converseReply("ok")]);
    const credentials = { accessKeyId: "AKIDBENCH", secretAccessKey: "bench-secret-0123" };
    const client = new BedrockRuntimeClient({
      region: "us-east-1",
      endpoint: server.origin,
      credentials,
      maxAttempts: 1,
    });
    await using model = new AmazonBedrockModel({
      modelId: "m",
      region: "us-east-1",
      endpoint: server.origin,
      credentials,
    });
    try {
      const command = () =>
        new ConverseCommand({
          modelId: "m",
          messages: [{ role: "user", content: [{ text: "Hi" }] }],
        });
      const t = await interleaved(
        [
          () => client.send(command()),
          () => model.generate(messages),
        ],
        runs,
        30,
      );
      rows.push(ratioRow("AmazonBedrockModel.generate per call", t, 1, 0, "bare AWS client", 1.3));
    } finally {
      client.destroy();
    }
  }

  // llama.cpp in-process, on the tiny model the tests generate (one thread:
  // llama.cpp's threads spin while they wait, which a loaded 2-core machine punishes).
  const dir = await Deno.makeTempDir({ prefix: "smoldeno-bench-llama-" });
  try {
    const path = `${dir}/loop.gguf`;
    await Deno.writeFile(path, tinyLlamaGguf({ loop: true }));
    await using model = new LlamaCppModel({
      modelPath: path,
      gpu: false,
      contextSize: 2048,
      threads: 1,
      maxTokens: 200,
    });
    await model.generate([{ role: "user", content: "warm up" }], { maxTokens: 5 });
    const ttft: number[] = [];
    const rate: number[] = [];
    for (let i = 0; i < Math.max(5, Math.min(runs, 15)); i++) {
      const start = performance.now();
      let first = 0;
      let tokens = 0;
      for await (
        const delta of model.generateStream([{ role: "user", content: `Hi ${i} `.repeat(50) }])
      ) {
        if (delta.content && !first) first = performance.now() - start;
        if (delta.tokenUsage) tokens = delta.tokenUsage.outputTokens;
      }
      ttft.push(first);
      rate.push(tokens / ((performance.now() - start - first) / 1000));
    }
    rows.push({
      measure: "LlamaCppModel, tiny generated model: time to first token",
      value: `${stats(ttft).median.toFixed(1)} ms`,
      p95: `${stats(ttft).p95.toFixed(1)} ms`,
      floor: "-",
      ratio: "-",
      target: "-",
    }, {
      measure: "LlamaCppModel, tiny generated model: tokens/s",
      value: `${stats(rate).median.toFixed(0)} tokens/s`,
      p95: "-",
      floor: "-",
      ratio: "-",
      target: "-",
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return rows;
}
