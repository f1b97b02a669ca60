// Adapter overhead of the model classes against a local server that answers
// instantly, compared with a raw fetch of the same request in the same run
// (the floor) and with the bare npm client each adapter wraps, and
// streamed-chunk throughput; then the newer adapters (bench/_adapter_overhead.ts).
// Run: deno task bench:models
//
// "The same request": each adapter has its own floor, a raw fetch with the
// body and the headers its npm client sends (recorded by the server from one
// request of the bare client; fetch adds host, content-length,
// accept-encoding and accept-language itself, to both), parsing the JSON
// reply or every streamed event. The server runs in this process, so its
// own work is in every figure alike.
//
// Each time is the median of RUNS samples; a sample is the mean of BATCH
// sequential calls. Variants are interleaved within each run so that machine
// noise hits them alike, and each ratio is the median of the per-run ratios.
import OpenAI from "openai";
import { InferenceClient } from "@huggingface/inference";
import { InferenceClientModel } from "../src/models/inference_client_model.ts";
import { OpenAIServerModel } from "../src/models/openai_model.ts";
import type { ChatMessage } from "../src/models/model.ts";
import { emitRows, median, printRows, type Row } from "./_bench.ts";
import { adapterOverheadRows } from "./_adapter_overhead.ts";

const RUNS = Math.max(5, Number(Deno.env.get("BENCH_MODEL_RUNS") ?? 41));
const BATCH = 20;
const WARM_UP = 200;
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

// While set, the server records the headers it receives (to build the floors).
let recorded: Headers | undefined;
const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
  recorded = request.headers;
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

/** The headers a client sent, less those fetch adds to every request. */
async function headersOf(send: () => Promise<unknown>): Promise<Record<string, string>> {
  await send();
  const headers: Record<string, string> = {};
  for (const [name, value] of recorded!) {
    if (!["host", "content-length", "accept-encoding", "accept-language"].includes(name)) {
      headers[name] = value;
    }
  }
  return headers;
}

async function rawFetch(headers: Record<string, string>, stream: boolean): Promise<number> {
  const response = await fetch(`${origin}/v1/chat/completions`, {
    method: "POST",
    headers,
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

const bareOpenAICall = () =>
  bareOpenAI.chat.completions.create({ model: "bench", messages: wireMessages });
const bareHfCall = () => bareHf.chatCompletion(hfArgs, { retry_on_error: false });
const openaiHeaders = await headersOf(bareOpenAICall);
const hfHeaders = await headersOf(bareHfCall);

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

/**
 * A measured call; `floor` and `bare` name the variants it is compared with
 * (a floor is compared with itself).
 */
type Variant = { name: string; call: () => Promise<unknown>; floor: number; bare?: number };
const perCall: Variant[] = [
  {
    name: "raw fetch, openai's headers (floor)",
    call: () => rawFetch(openaiHeaders, false),
    floor: 0,
  },
  { name: "bare openai client", call: bareOpenAICall, floor: 0 },
  { name: "OpenAIServerModel.generate", call: () => openai.generate(messages), floor: 0, bare: 1 },
  {
    name: "raw fetch, @huggingface/inference's headers (floor)",
    call: () => rawFetch(hfHeaders, false),
    floor: 3,
  },
  { name: "bare @huggingface/inference client", call: bareHfCall, floor: 3 },
  { name: "InferenceClientModel.generate", call: () => hf.generate(messages), floor: 3, bare: 4 },
];
const streaming: Variant[] = [
  {
    name: "raw fetch + SSE parse, openai's headers (floor)",
    call: () => rawFetch(openaiHeaders, true),
    floor: 0,
  },
  { name: "bare openai client stream", call: bareOpenAIStream, floor: 0 },
  {
    name: "OpenAIServerModel.generateStream",
    call: () => streamCount(openai),
    floor: 0,
    bare: 1,
  },
  {
    name: "raw fetch + SSE parse, @huggingface/inference's headers (floor)",
    call: () => rawFetch(hfHeaders, true),
    floor: 3,
  },
  { name: "bare @huggingface/inference stream", call: bareHfStream, floor: 3 },
  {
    name: "InferenceClientModel.generateStream",
    call: () => streamCount(hf),
    floor: 3,
    bare: 4,
  },
];

/** Per variant, one sample (ms per call) per run. */
async function measure(variants: Variant[], batch: number, warmUp: number): Promise<number[][]> {
  // Warm-up, so that the clients' code is compiled before it is timed.
  for (const v of variants) for (let i = 0; i < warmUp; i++) await v.call();
  const samples = variants.map(() => [] as number[]);
  for (let run = 0; run < RUNS; run++) {
    for (const [i, v] of variants.entries()) {
      const start = performance.now();
      for (let j = 0; j < batch; j++) await v.call();
      samples[i].push((performance.now() - start) / batch);
    }
  }
  return samples;
}

// Ratios are medians of the per-run ratios: each sample is divided by the
// floor (or bare client) measured moments before it in the same run, so the
// shared machine's load swings, which last seconds, cancel out.
function ratio(samples: number[][], i: number, j: number): string {
  return `${median(samples[i].map((value, run) => value / samples[j][run])).toFixed(2)}x`;
}

function table(variants: Variant[], samples: number[][], unit: string, chunks?: number): void {
  const rate = chunks === undefined ? "" : " chunks/s |";
  console.log(`| variant | ${unit} |${rate} vs floor | vs bare client |`);
  console.log(`|---|---:|${chunks === undefined ? "" : "---:|"}---:|---:|`);
  for (const [i, v] of variants.entries()) {
    const ms = median(samples[i]);
    const perSecond = chunks === undefined
      ? ""
      : ` ${Math.round(chunks / (ms / 1000)).toLocaleString("en-US")} |`;
    const vsBare = v.bare === undefined ? "" : ratio(samples, i, v.bare);
    const digits = chunks === undefined ? 3 : 2;
    console.log(
      `| ${v.name} | ${ms.toFixed(digits)} |${perSecond} ${
        ratio(samples, i, v.floor)
      } | ${vsBare} |`,
    );
  }
}

const perCallMs = await measure(perCall, BATCH, WARM_UP);
console.log(`Per-call latency, instant local server (median of ${RUNS} runs x ${BATCH} calls)`);
table(perCall, perCallMs, "ms/call");

const streamMs = await measure(streaming, 2, WARM_UP / 10);
console.log(`\nStreaming ${STREAM_CHUNKS} chunks (median of ${RUNS} runs x 2 streams)`);
table(streaming, streamMs, "ms/stream", STREAM_CHUNKS);

// Where the openai client's time goes, without the network: fetch answers
// from memory at once, so each row is CPU work only. buildRequest() is the
// client's public step that assembles URL, headers and body.
const memoryFetch: typeof fetch = () =>
  Promise.resolve(
    new Response(completionBody, { headers: { "content-type": "application/json" } }),
  );
const memoryOpenAI = new OpenAI({
  apiKey: "sk-bench-key",
  baseURL: `${origin}/v1`,
  maxRetries: 0,
  logLevel: "off",
  fetch: memoryFetch,
});
const memoryModel = new OpenAIServerModel({
  modelId: "bench",
  apiBase: `${origin}/v1`,
  apiKey: "sk-bench-key",
  clientOptions: { fetch: memoryFetch },
});
const cpu: Variant[] = [
  {
    name: "JSON.stringify + in-memory fetch + response.json() (floor)",
    call: async () => {
      const body = JSON.stringify({ model: "bench", messages: wireMessages });
      return await (await memoryFetch(origin, { body })).json();
    },
    floor: 0,
  },
  {
    name: "openai client.buildRequest() alone",
    call: () =>
      memoryOpenAI.buildRequest({
        method: "post",
        path: "/chat/completions",
        body: { model: "bench", messages: wireMessages },
      }),
    floor: 0,
  },
  {
    name: "bare openai client",
    call: () => memoryOpenAI.chat.completions.create({ model: "bench", messages: wireMessages }),
    floor: 0,
  },
  {
    name: "OpenAIServerModel.generate",
    call: () => memoryModel.generate(messages),
    floor: 0,
    bare: 2,
  },
];
const cpuMs = await measure(cpu, BATCH * 4, WARM_UP * 4);
console.log(
  `\nCPU per call, fetch answered from memory (median of ${RUNS} runs x ${BATCH * 4} calls)`,
);
table(cpu, cpuMs, "ms/call");

await server.shutdown();

// Rows for bench/summary.ts (with BENCH_JSON set).
const ratioOf = (i: number, j: number) =>
  median(perCallMs[i].map((value, run) => value / perCallMs[j][run]));
const summaryRow = (measure: string, i: number, floor: number): Row => {
  const r = ratioOf(i, floor);
  return {
    measure,
    value: `${median(perCallMs[i]).toFixed(3)} ms`,
    p95: "-",
    floor: `${median(perCallMs[floor]).toFixed(3)} ms (raw fetch, same headers)`,
    ratio: `${r.toFixed(2)}x`,
    target: "<= 1.5x",
    met: r <= 1.5,
  };
};
// The newer adapters (AI SDK, Bedrock, router, llama.cpp) over their bare clients.
const adapterRows = await adapterOverheadRows(Math.min(RUNS, 21));
printRows("Newer adapters over the bare client each wraps (same run)", adapterRows);

emitRows([
  summaryRow("OpenAIServerModel.generate per call, instant local server", 2, 0),
  summaryRow("InferenceClientModel.generate per call, instant local server", 5, 3),
  ...adapterRows,
]);
