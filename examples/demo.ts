// `deno task demo`: a CodeAgent solving a small multi-step task with tools,
// in the Deno sandbox, with the console log showing every step.
//
// The model comes from the environment: OPENAI_API_KEY (OpenAI), HF_TOKEN
// (Hugging Face), or a responding Ollama (OLLAMA_HOST, default
// 127.0.0.1:11434). With none of them, the model's replies are replayed from
// a recorded session below, and everything else is real: the sandbox
// subprocess runs the code, the tools run on the host, errors go back to the
// model, memory records each step.
import { CodeAgent, tool } from "@smoldeno/agents";
import { pickModel, printAnswer } from "./_model.ts";

// A small offline data set, so the demo needs no network.
const CITIES: Record<string, { country: string; population: number; areaKm2: number }> = {
  paris: { country: "France", population: 2_102_650, areaKm2: 105.4 },
  tokyo: { country: "Japan", population: 14_094_034, areaKm2: 2_194 },
  "new york": { country: "United States", population: 8_258_035, areaKm2: 783.8 },
  lagos: { country: "Nigeria", population: 8_048_430, areaKm2: 1_171.3 },
  "são paulo": { country: "Brazil", population: 11_451_245, areaKm2: 1_521.1 },
};

const lookupCity = tool({
  name: "lookup_city",
  description: "Population and area (km²) of a city, from an offline almanac.",
  inputs: { city: { type: "string", description: "City name, e.g. 'Paris'" } },
  outputType: "object",
  forward: ({ city }) => {
    const entry = CITIES[city.trim().toLowerCase()];
    if (!entry) {
      throw new Error(
        `No almanac entry for "${city}": known cities are ${
          Object.keys(CITIES).map((c) => `"${c}"`).join(", ")
        }`,
      );
    }
    return { city, ...entry };
  },
});

// What a model wrote in a recorded session, including a mistake it recovers from.
const RECORDED_SESSION = [
  `Thought: I need population and area for each city; I'll look them up in parallel.
<code>
const names = ["Paris", "Tokio", "New York", "Lagos"];
const cities = await Promise.all(names.map((city) => lookup_city({ city })));
console.log(cities);
</code>`,
  `Thought: "Tokio" is misspelled; the almanac knows "tokyo". I'll retry with the right name.
<code>
const cities = await Promise.all(
  ["Paris", "Tokyo", "New York", "Lagos"].map((city) => lookup_city({ city })),
);
const densities = cities.map((c) => ({ city: c.city, perKm2: Math.round(c.population / c.areaKm2) }));
densities.sort((a, b) => b.perKm2 - a.perKm2);
console.table(densities);
</code>`,
  `Thought: Paris is the densest by far. I'll write the ranking as the answer.
<code>
final_answer(
  densities.map((d, i) => \`\${i + 1}. \${d.city}: \${d.perKm2.toLocaleString("en-US")} people/km²\`).join("\\n"),
);
</code>`,
];

const { model, label } = await pickModel(RECORDED_SESSION, {
  scriptedNotice:
    "No model is configured, so this demo replays a recorded session: the model's replies are\n" +
    "scripted, but the sandbox, the tools, the memory and the logs below are all real.",
});

await using agent = new CodeAgent({ model, tools: [lookupCity], maxSteps: 8 });
const result = await agent.run(
  "Rank Paris, Tokyo, New York and Lagos by population density (people per km²).",
  { returnFullResult: true },
);
console.error(
  `\nModel: ${label} | ${result.state} | ${
    result.steps.filter((s) => s.type === "action").length
  } steps | ${result.tokenUsage.inputTokens} input + ${result.tokenUsage.outputTokens} output tokens`,
);
printAnswer(`\n${result.output}`);
