// Streams a reply from OpenAI (or any OpenAI-compatible API) with OpenAIServerModel.
//
//   OPENAI_API_KEY=sk-... deno run --allow-env --allow-net examples/openai.ts
//
// Optional: OPENAI_MODEL (default gpt-4o-mini), OPENAI_BASE_URL for another
// compatible server (Together, Groq, OpenRouter, …). Without a key it says
// what to set and shows a scripted reply instead, so it runs offline.
import { OpenAIServerModel } from "@smoldeno/agents/models/openai";
import { ScriptedModel } from "@smoldeno/agents/testing";
import type { Model } from "@smoldeno/agents";

const apiKey = Deno.env.get("OPENAI_API_KEY");
let model: Model;
if (apiKey) {
  model = new OpenAIServerModel({
    modelId: Deno.env.get("OPENAI_MODEL") ?? "gpt-4o-mini",
    apiBase: Deno.env.get("OPENAI_BASE_URL"),
    apiKey,
    maxTokens: 200,
  });
} else {
  console.log(
    "OPENAI_API_KEY is not set: set it to call OpenAI. Using a scripted model instead.\n",
  );
  model = new ScriptedModel({
    replies: ["Deno runs TypeScript directly, with permissions off by default."],
  });
}

const messages = [{ role: "user" as const, content: "In one sentence, what is Deno?" }];
for await (const delta of model.generateStream!(messages)) {
  if (delta.content) await Deno.stdout.write(new TextEncoder().encode(delta.content));
  if (delta.tokenUsage) {
    console.log(`\n[${delta.tokenUsage.inputTokens} in, ${delta.tokenUsage.outputTokens} out]`);
  }
}
console.log();
