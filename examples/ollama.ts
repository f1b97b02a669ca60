// Streams a reply from a local Ollama server through its OpenAI-compatible API.
//
//   ollama serve & ollama pull qwen2.5-coder:7b
//   deno run --allow-env --allow-net examples/ollama.ts
//
// Optional: OLLAMA_HOST (default http://localhost:11434), OLLAMA_MODEL
// (default qwen2.5-coder:7b). The same settings work for vLLM, llama.cpp
// server and LM Studio with their own base URL. Without a server it says
// what to do and shows a scripted reply instead, so it runs offline.
import { OpenAIServerModel } from "@smoldeno/agents/models/openai";
import { ScriptedModel } from "@smoldeno/agents/testing";
import type { Model } from "@smoldeno/agents";

const host = (Deno.env.get("OLLAMA_HOST") ?? "http://localhost:11434").replace(/\/+$/, "");
const modelId = Deno.env.get("OLLAMA_MODEL") ?? "qwen2.5-coder:7b";
const running = await fetch(`${host}/v1/models`, { signal: AbortSignal.timeout(2_000) })
  .then(async (response) => (await response.body?.cancel(), response.ok), () => false);

let model: Model;
if (running) {
  // Ollama needs no key; small local models follow flattened text best.
  model = new OpenAIServerModel({ modelId, apiBase: `${host}/v1`, flattenMessagesAsText: true });
} else {
  console.log(
    `No Ollama server at ${host}: run "ollama serve" and "ollama pull ${modelId}", or set OLLAMA_HOST. Using a scripted model instead.\n`,
  );
  model = new ScriptedModel({ replies: ["const square = (x: number): number => x * x;"] });
}

const messages = [{
  role: "user" as const,
  content: "Write a TypeScript arrow function that squares a number. Code only.",
}];
for await (const delta of model.generateStream!(messages, { stopSequences: ["\n\n\n"] })) {
  if (delta.content) await Deno.stdout.write(new TextEncoder().encode(delta.content));
}
console.log();
