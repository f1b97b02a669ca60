// Asks an open model on Hugging Face Inference Providers with InferenceClientModel.
//
//   HF_TOKEN=hf_... deno run --allow-env --allow-net examples/huggingface.ts
//
// Optional: HF_MODEL (a Hub model id), HF_PROVIDER (e.g. "together"; default
// "auto"). Without a token it says what to set and shows a scripted reply
// instead, so it runs offline.
import { InferenceClientModel } from "@smoldeno/agents/models/hf";
import { ScriptedModel } from "@smoldeno/agents/testing";
import type { Model } from "@smoldeno/agents";

const token = Deno.env.get("HF_TOKEN");
let model: Model;
if (token) {
  model = new InferenceClientModel({
    modelId: Deno.env.get("HF_MODEL"),
    provider: (Deno.env.get("HF_PROVIDER") ?? "auto") as "auto",
    token,
    maxTokens: 200,
  });
} else {
  console.log(
    "HF_TOKEN is not set: create a token at hf.co/settings/tokens. Using a scripted model instead.\n",
  );
  model = new ScriptedModel({ replies: ["def add(a, b):\n    return a + b"] });
}

const reply = await model.generate([
  { role: "user", content: "Write a Python function that adds two numbers. Code only." },
]);
console.log(`${model.modelId}:\n${reply.content}`);
if (reply.tokenUsage) {
  console.log(`[${reply.tokenUsage.inputTokens} in, ${reply.tokenUsage.outputTokens} out]`);
}
