// A CodeAgent on OpenAI (or any OpenAI-compatible API) through OpenAIServerModel.
//
//   OPENAI_API_KEY=sk-... deno run --allow-all examples/openai.ts
//
// Optional: OPENAI_MODEL (default gpt-4o-mini); OPENAI_BASE_URL for another
// compatible server (Together, Groq, OpenRouter, …), whose key then goes in
// OPENAI_API_KEY too. Without a key it says so and runs a scripted model
// instead, so it also works offline.
import { CodeAgent, type Model, tool } from "@smoldeno/agents";
import { OpenAIServerModel } from "@smoldeno/agents/models/openai";
import { ScriptedModel } from "@smoldeno/agents/testing";

const getWeather = tool({
  name: "get_weather",
  description: "Weather report for a city.",
  inputs: { city: { type: "string", description: "City name, e.g. 'Paris'" } },
  outputType: "string",
  forward: ({ city }) => `Sunny, 18°C in ${city}`,
});

const apiKey = Deno.env.get("OPENAI_API_KEY");
let model: Model;
if (apiKey) {
  model = new OpenAIServerModel({
    modelId: Deno.env.get("OPENAI_MODEL") ?? "gpt-4o-mini",
    apiBase: Deno.env.get("OPENAI_BASE_URL"),
    apiKey,
  });
} else {
  console.log("OPENAI_API_KEY is not set: set it to use OpenAI. Running a scripted model.\n");
  model = new ScriptedModel({
    replies: [
      'Thought: I ask the weather tool.\n<code>\nconst report = await get_weather({ city: "Paris" });\nfinal_answer(report);\n</code>',
    ],
  });
}

await using agent = new CodeAgent({ model, tools: [getWeather], maxSteps: 5 });
console.log(await agent.run("What is the weather in Paris right now?"));
