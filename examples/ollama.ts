// A CodeAgent on a local Ollama server, through its OpenAI-compatible API.
//
//   ollama serve & ollama pull qwen2.5-coder:7b
//   deno run --allow-all examples/ollama.ts
//
// Optional: OLLAMA_HOST (default http://localhost:11434), OLLAMA_MODEL
// (default qwen2.5-coder:7b). vLLM, llama.cpp server and LM Studio work the
// same way with their own base URL. Without a server it says so and runs a
// scripted model instead, so it also works offline.
import { CodeAgent, type Model } from "@smoldeno/agents";
import { OpenAIServerModel } from "@smoldeno/agents/models/openai";
import { ScriptedModel } from "@smoldeno/agents/testing";

const host = (Deno.env.get("OLLAMA_HOST") ?? "http://localhost:11434").replace(/\/+$/, "");
const modelId = Deno.env.get("OLLAMA_MODEL") ?? "qwen2.5-coder:7b";
const running = await fetch(`${host}/v1/models`, { signal: AbortSignal.timeout(2_000) })
  .then(async (response) => (await response.body?.cancel(), response.ok), () => false);

let model: Model;
if (running) {
  // No key needed; small local models follow plain-text messages best.
  model = new OpenAIServerModel({ modelId, apiBase: `${host}/v1`, flattenMessagesAsText: true });
} else {
  console.log(
    `No Ollama server at ${host}: run "ollama serve" and "ollama pull ${modelId}". Running a scripted model.\n`,
  );
  model = new ScriptedModel({
    replies: [
      'Thought: I count the words in code.\n<code>\nconst words = "the quick brown fox jumps over the lazy dog".split(" ");\nfinal_answer(new Set(words).size);\n</code>',
    ],
  });
}

await using agent = new CodeAgent({ model, tools: [], maxSteps: 5 });
console.log(
  await agent.run('How many distinct words are in "the quick brown fox jumps over the lazy dog"?'),
);
