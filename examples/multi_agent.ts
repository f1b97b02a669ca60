// A manager CodeAgent delegating to a web-search ToolCallingAgent. The
// manager calls its helper like a tool from its sandboxed code:
// `await web_researcher({ task: "…" })`.
//
//   deno run --allow-all examples/multi_agent.ts
//
// With a real model the researcher searches the web (DuckDuckGo, or Brave
// with BRAVE_API_KEY). Offline, its search engine is a small built-in index,
// so the whole delegation still runs for real.
import { CodeAgent, ToolCallingAgent } from "@smoldeno/agents";
import { type SearchEngine, VisitWebpageTool, WebSearchTool } from "@smoldeno/agents/tools";
import { pickModel, printAnswer } from "./_model.ts";

const OFFLINE_INDEX: SearchEngine = {
  name: "offline index",
  search: () =>
    Promise.resolve([{
      title: "Deno 2.0 release notes",
      link: "https://deno.com/blog/v2.0",
      snippet:
        "Deno 2.0 was released on October 9, 2024, with backwards compatibility with Node and npm.",
    }]),
};

// One script for both agents: their calls interleave in a fixed order
// (manager step 1 -> researcher steps 1-2 -> manager step 2).
const { model, scripted } = await pickModel([
  'Thought: I will ask my web researcher.\n<code>\nconst report = await web_researcher({ task: "When was Deno 2.0 released?" });\nconsole.log(report);\n</code>',
  {
    role: "assistant",
    content: null,
    toolCalls: [{ id: "s1", name: "web_search", arguments: { query: "Deno 2.0 release date" } }],
  },
  {
    role: "assistant",
    content: null,
    toolCalls: [{
      id: "s2",
      name: "final_answer",
      arguments: {
        answer: "Deno 2.0 was released on October 9, 2024 (source: https://deno.com/blog/v2.0).",
      },
    }],
  },
  'Thought: The researcher found the date.\n<code>\nfinal_answer("Deno 2.0 was released on October 9, 2024.");\n</code>',
]);

const researcher = new ToolCallingAgent({
  model,
  name: "web_researcher",
  description:
    "Searches the web and reads pages to answer a factual question. Give it the question as `task`.",
  tools: [
    new WebSearchTool(scripted ? { engine: OFFLINE_INDEX, minIntervalMs: 0 } : {}),
    new VisitWebpageTool(),
  ],
  maxSteps: 6,
});

await using manager = new CodeAgent({ model, managedAgents: [researcher], maxSteps: 6 });
printAnswer(await manager.run("When was Deno 2.0 released? Answer with the full date."));
await researcher.close();
