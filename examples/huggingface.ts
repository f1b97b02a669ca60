// A CodeAgent on an open model from Hugging Face Inference Providers, through
// InferenceClientModel.
//
//   HF_TOKEN=hf_... deno run --allow-all examples/huggingface.ts
//
// Optional: HF_MODEL (a Hub model id; default Qwen/Qwen3-Coder-480B-A35B-Instruct),
// HF_PROVIDER (e.g. "together"; default "auto"). Without a token it says so
// and runs a scripted model instead, so it also works offline.
import { CodeAgent, type Model } from "@smoldeno/agents";
import { type HfInferenceProvider, InferenceClientModel } from "@smoldeno/agents/models/hf";
import { ScriptedModel } from "@smoldeno/agents/testing";

const token = Deno.env.get("HF_TOKEN");
let model: Model;
if (token) {
  model = new InferenceClientModel({
    modelId: Deno.env.get("HF_MODEL"),
    provider: (Deno.env.get("HF_PROVIDER") ?? "auto") as HfInferenceProvider,
    token,
  });
} else {
  console.log(
    "HF_TOKEN is not set: create one at hf.co/settings/tokens. Running a scripted model.\n",
  );
  model = new ScriptedModel({
    replies: [
      "Thought: I compute it in code.\n<code>\nconst primes = [];\nfor (let n = 2; primes.length < 10; n++) if (primes.every((p) => n % p)) primes.push(n);\nfinal_answer(primes.reduce((a, b) => a + b));\n</code>",
    ],
  });
}

await using agent = new CodeAgent({ model, tools: [], maxSteps: 5 });
console.log(await agent.run("What is the sum of the first ten prime numbers?"));
