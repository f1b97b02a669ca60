// Claude through the AI SDK, with a fallback: a RouterModel sends each step to
// Anthropic first and falls back to another model when Claude is overloaded,
// rate-limited or unreachable. The router says on stderr who answered.
//
//   ANTHROPIC_API_KEY=... deno run --allow-all examples/ai_sdk_anthropic.ts
//
// Optional: ANTHROPIC_MODEL (default claude-sonnet-4-5). The fallback is the
// model the other examples pick (OPENAI_API_KEY, HF_TOKEN, Ollama, or a
// scripted replay, see _model.ts). Without ANTHROPIC_API_KEY, Claude's
// deployment points at a local port where nothing listens, so the run shows
// the fallback at work offline.
import { createAnthropic } from "@ai-sdk/anthropic";
import { CodeAgent } from "@smoldeno/agents";
import { AISdkModel } from "@smoldeno/agents/models/ai-sdk";
import { RouterModel } from "@smoldeno/agents/models/router";
import { pickModel, printAnswer } from "./_model.ts";

const apiKey = Deno.env.get("ANTHROPIC_API_KEY");
const online = apiKey !== undefined && Deno.env.get("SMOLDENO_MODEL") !== "scripted";
const anthropic = createAnthropic(
  online ? { apiKey } : { apiKey: "offline", baseURL: "http://127.0.0.1:9/v1" },
);
const claude = new AISdkModel({
  model: anthropic(Deno.env.get("ANTHROPIC_MODEL") ?? "claude-sonnet-4-5"),
  maxTokens: 4096,
  // Few retries of its own, so that the router falls back quickly.
  maxRetries: online ? 1 : 0,
  // Caches the system prompt (instructions and tools) from one step to the next.
  systemMessageProviderOptions: { anthropic: { cacheControl: { type: "ephemeral" } } },
  secrets: [apiKey],
});

const { model: fallback } = await pickModel([
  "Thought: 2 to the power of 20 is a quick computation.\n<code>\nfinal_answer(2 ** 20);\n</code>",
], { scriptedNotice: "Fallback: a scripted model (offline replay)." });

const router = new RouterModel({
  deployments: [{ name: "claude", model: claude }, { name: "fallback", model: fallback }],
  onRoute: (event) => {
    if (event.type === "failed") {
      const next = event.fallback ? ", falling back" : "";
      console.error(`Router: ${event.deployment} failed (${event.status ?? "no answer"})${next}`);
    } else if (event.type === "answered") {
      console.error(`Router: answered by ${event.deployment} (${event.modelId})`);
    }
  },
});

await using agent = new CodeAgent({ model: router, maxSteps: 5 });
printAnswer(await agent.run("What is 2 to the power of 20?"));
for (const stats of router.usageByDeployment()) {
  console.error(
    `${stats.name}: requests ${stats.requests}, failed ${stats.failures}, tokens ${stats.inputTokens} in / ${stats.outputTokens} out`,
  );
}
