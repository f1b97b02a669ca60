// Adapter overhead of the model classes against a local server that answers
// instantly, compared with a raw fetch of the same request in the same run
// (the floor) and with the bare npm client each adapter wraps, and
// streamed-chunk throughput. Run: deno task bench:models
//
// Each figure is the median of RUNS samples; a sample is the mean of BATCH
// sequential calls. Variants are interleaved within each run so that machine
// noise hits them alike.
import OpenAI from "openai";
import { InferenceClient } from "@huggingface/inference";
import { InferenceClientModel } from "../src/models/inference_client_model.ts";
import { OpenAIServerModel } from "../src/models/openai_model.ts";
import type { ChatMessage } from "../src/models/model.ts";

const RUNS = 25;
const BATCH = 20;
const STREAM_CHUNKS = 500;

const encoder = new TextEncoder();
const completionBody = encoder.encode(JSON.stringify({
  id: "chatcmpl-bench",
  object: "chat.completion",
  created: 1_700_000_000,
  model: "bench",
  choices: [{
    index: 0,
    message: { role: "assistant", content: "Hello there!" },
    finish_reason: "stop",
  }],
  usage: { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 },
}));
const sseBody = encoder.encode(
  Array.from({ length: STREAM_CHUNKS }, (_, i) =>
    `data: ${
      JSON.stringify({
        id: "chatcmpl-bench",
        object: "chat.completion.chunk",
        created: 1_700_000_000,
        model: "bench",
        choices: [{ index: 0, delta: { content: `tok${i} ` }, finish_reason: null }],
      })
    }\n\n`).join("") +
    `data: ${
      JSON.stringify({
        id: "chatcmpl-bench",
        object: "chat.completion.chunk",
        created: 1_700_000_000,
        model: "bench",
        choices: [],
        usage: { prompt_tokens: 10, completion_tokens: STREAM_CHUNKS, total_tokens: 510 },
      })
    }\n\ndata: [DONE]\n\n`,
);

const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
  const body = await request.json();
  return body.stream
    ? new Response(sseBody, { headers: { "content-type": "text/event-stream" } })
    : new Response(completionBody, { headers: { "content-type": "application/json" } });
});
const origin = `http://127.0.0.1:${server.addr.port}`;

const wireMessages = [
  { role: "system" as const, content: "You are a helpful assistant." },
  { role: "user" as const, content: "Say hello." },
];
const messages: ChatMessage[] = wireMessages;

async function rawFetch(stream: boolean): Promise<number> {
  const response = await fetch(`${origin}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer sk-bench-key" },
    body: JSON.stringify({
      model: "bench",
      messages: wireMessages,
      ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    }),
  });
  if (!stream) return (await response.json()).choices.length;
  // The floor for streaming: split the events and parse each, as any client must.
  let chunks = 0;
  let buffer = "";
  const decoder = new TextDecoder();
  for await (const bytes of response.body!) {
    buffer += decoder.decode(bytes, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n\n")) !== -1) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (event.startsWith("data: ") && event !== "data: [DONE]") {
        JSON.parse(event.slice(6));
        chunks++;
      }
    }
  }
  return chunks;
}

const openai = new OpenAIServerModel({
  modelId: "bench",
  apiBase: `${origin}/v1`,
  apiKey: "sk-bench-key",
});
const hf = new InferenceClientModel({ modelId: "bench", endpointUrl: origin, token: "hf_bench" });

async function streamCount(model: OpenAIServerModel | InferenceClientModel): Promise<number> {
  let chunks = 0;
  for await (const _ of model.generateStream(messages)) chunks++;
  return chunks;
}

const bareOpenAI = new OpenAI({
  apiKey: "sk-bench-key",
  baseURL: `${origin}/v1`,
  maxRetries: 0,
  logLevel: "off",
});
const bareHf = new InferenceClient("hf_bench");
const hfArgs = { model: "bench", endpointUrl: origin, messages: wireMessages };

async function bareOpenAIStream(): Promise<number> {
  let chunks = 0;
  const stream = await bareOpenAI.chat.completions.create({
    model: "bench",
    messages: wireMessages,
    stream: true,
    stream_options: { include_usage: true },
  });
  for await (const _ of stream) chunks++;
  return chunks;
}

async function bareHfStream(): Promise<number> {
  let chunks = 0;
  const stream = bareHf.chatCompletionStream(
    { ...hfArgs, stream_options: { include_usage: true } },
    { retry_on_error: false },
  );
  for await (const _ of stream) chunks++;
  return chunks;
}

/** A measured call; `bare` names the variant it wraps, for the overhead column. */
type Variant = { name: string; call: () => Promise<unknown>; bare?: number };
const perCall: Variant[] = [
  { name: "raw fetch (floor)", call: () => rawFetch(false) },
  {
    name: "bare openai client",
    call: () => bareOpenAI.chat.completions.create({ model: "bench", messages: wireMessages }),
  },
  { name: "OpenAIServerModel.generate", call: () => openai.generate(messages), bare: 1 },
  {
    name: "bare @huggingface/inference client",
    call: () => bareHf.chatCompletion(hfArgs, { retry_on_error: false }),
  },
  { name: "InferenceClientModel.generate", call: () => hf.generate(messages), bare: 3 },
];
const streaming: Variant[] = [
  { name: "raw fetch + SSE parse (floor)", call: () => rawFetch(true) },
  { name: "bare openai client stream", call: bareOpenAIStream },
  { name: "OpenAIServerModel.generateStream", call: () => streamCount(openai), bare: 1 },
  { name: "bare @huggingface/inference stream", call: bareHfStream },
  { name: "InferenceClientModel.generateStream", call: () => streamCount(hf), bare: 3 },
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function measure(variants: Variant[], batch: number): Promise<number[]> {
  for (const v of variants) for (let i = 0; i < batch * 2; i++) await v.call(); // warm-up
  const samples = variants.map(() => [] as number[]);
  for (let run = 0; run < RUNS; run++) {
    for (const [i, v] of variants.entries()) {
      const start = performance.now();
      for (let j = 0; j < batch; j++) await v.call();
      samples[i].push((performance.now() - start) / batch);
    }
  }
  return samples.map(median);
}

const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;

const perCallMs = await measure(perCall, BATCH);
console.log(`Per-call latency, instant local server (median of ${RUNS} runs x ${BATCH} calls)`);
console.log("| variant | ms/call | vs raw fetch | vs bare client |");
console.log("|---|---:|---:|---:|");
for (const [i, v] of perCall.entries()) {
  const vsBare = v.bare === undefined ? "" : ratio(perCallMs[i], perCallMs[v.bare]);
  console.log(
    `| ${v.name} | ${perCallMs[i].toFixed(3)} | ${ratio(perCallMs[i], perCallMs[0])} | ${vsBare} |`,
  );
}

const streamMs = await measure(streaming, 2);
console.log(`\nStreaming ${STREAM_CHUNKS} chunks (median of ${RUNS} runs x 2 streams)`);
console.log("| variant | ms/stream | chunks/s | vs floor | vs bare client |");
console.log("|---|---:|---:|---:|---:|");
for (const [i, v] of streaming.entries()) {
  const rate = Math.round(STREAM_CHUNKS / (streamMs[i] / 1000)).toLocaleString("en-US");
  const vsBare = v.bare === undefined ? "" : ratio(streamMs[i], streamMs[v.bare]);
  console.log(
    `| ${v.name} | ${streamMs[i].toFixed(2)} | ${rate} | ${
      ratio(streamMs[i], streamMs[0])
    } | ${vsBare} |`,
  );
}

await server.shutdown();
