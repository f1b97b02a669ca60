// A ToolCallingAgent: the model acts through native tool calls (JSON
// arguments) instead of code. Tools are plain functions made with tool().
//
//   deno run --allow-all examples/tool_calling.ts
import { tool, ToolCallingAgent } from "@smoldeno/agents";
import { pickModel, printAnswer } from "./_model.ts";

// A stand-in for a real weather API, so the example needs no key.
const REPORTS: Record<string, { sky: string; celsius: number }> = {
  paris: { sky: "sunny", celsius: 21 },
  london: { sky: "light rain", celsius: 14 },
};

const getWeather = tool({
  name: "get_weather",
  description: "Current weather for a city.",
  inputs: { city: { type: "string", description: "City name, e.g. 'Paris'" } },
  outputType: "object",
  forward: ({ city }) => {
    const report = REPORTS[city.toLowerCase()];
    if (!report) throw new Error(`No weather station for "${city}": try Paris or London`);
    return { city, ...report };
  },
});

const convert = tool({
  name: "celsius_to_fahrenheit",
  description: "Converts a temperature from Celsius to Fahrenheit.",
  inputs: { celsius: { type: "number", description: "Temperature in °C" } },
  outputType: "number",
  forward: ({ celsius }) => Math.round((celsius * 9) / 5 + 32),
});

const { model } = await pickModel([
  {
    role: "assistant",
    content: null,
    toolCalls: [{ id: "call_1", name: "get_weather", arguments: { city: "Paris" } }],
  },
  {
    role: "assistant",
    content: null,
    toolCalls: [{ id: "call_2", name: "celsius_to_fahrenheit", arguments: { celsius: 21 } }],
  },
  {
    role: "assistant",
    content: null,
    toolCalls: [{
      id: "call_3",
      name: "final_answer",
      arguments: { answer: "Sunny in Paris, 21°C (70°F)" },
    }],
  },
]);

await using agent = new ToolCallingAgent({ model, tools: [getWeather, convert], maxSteps: 6 });
printAnswer(await agent.run("What's the weather in Paris, in Fahrenheit?"));
