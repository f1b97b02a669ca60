// Gives a CodeAgent the tools of an MCP server (the reference "everything"
// server): its code calls them from the sandbox, which itself has no
// permissions. Optionally serves that agent to other MCP clients.
//
//   deno run --allow-all examples/mcp_tools.ts            # run a task
//   deno run --allow-all examples/mcp_tools.ts --serve    # serve the agent over stdio
//
// The server is started with node from the cache that .ci/mcp-servers.sh
// fills (SMOLDENO_MCP_SERVERS), else with `npx -y`. Without OPENAI_API_KEY the
// model is scripted, so it runs offline; with it, OPENAI_MODEL (default
// gpt-4o-mini) decides which tools to call.
//
// With --serve, any MCP client can call the agent. Claude Desktop
// (claude_desktop_config.json):
//
//   { "mcpServers": { "smoldeno": {
//       "command": "deno",
//       "args": ["run", "--allow-all", "/abs/path/examples/mcp_tools.ts", "--serve"] } } }
import { CodeAgent, type Model } from "@smoldeno/agents";
import { MCPClient, type McpStdioServerParameters, serveMcp } from "@smoldeno/agents/mcp";
import { OpenAIServerModel } from "@smoldeno/agents/models/openai";
import { ScriptedModel } from "@smoldeno/agents/testing";

const serve = Deno.args.includes("--serve");
const cache = Deno.env.get("SMOLDENO_MCP_SERVERS") ??
  `${Deno.env.get("HOME")}/.cache/smoldeno/mcp-servers`;
const installed = `${cache}/node_modules/@modelcontextprotocol/server-everything/dist/index.js`;
const everything: McpStdioServerParameters = await Deno.stat(installed).then(
  () => ({ command: "node", args: [installed], name: "everything" }),
  () => ({
    command: "npx",
    args: ["-y", "@modelcontextprotocol/server-everything@2026.8.31"],
    name: "everything",
  }),
);

const apiKey = Deno.env.get("OPENAI_API_KEY");
function makeModel(): Model {
  if (apiKey) {
    return new OpenAIServerModel({
      modelId: Deno.env.get("OPENAI_MODEL") ?? "gpt-4o-mini",
      apiKey,
    });
  }
  // What a model would write: TypeScript that calls the MCP tools. It runs in
  // the sandbox, which has no permissions; the calls reach the MCP server
  // through the host.
  const code = [
    "Thought: I will add the numbers and look up the weather with the MCP tools.",
    "<code>",
    "const sum = await get_sum({ a: 19, b: 23 });",
    'const weather = await get_structured_content({ location: "Chicago" });',
    "console.log(sum, weather);",
    "final_answer(`${sum} In Chicago: ${weather.conditions}, ${weather.temperature}°.`);",
    "</code>",
  ].join("\n");
  // One reply per run; served over MCP, the agent may run many times.
  return new ScriptedModel({ replies: Array.from({ length: 100 }, () => code) });
}

// The first `npx -y` downloads the server, which can take half a minute:
// say what the wait is for.
console.error(
  everything.command === "npx"
    ? `Starting the MCP server ${
      everything.args?.at(-1)
    } with npx (it may download it the first time)…`
    : `Starting the MCP server "${everything.name}"…`,
);
await using client = new MCPClient(everything);
await client.connect();
const tools = client.getTools();

await using agent = new CodeAgent({
  model: makeModel(),
  tools,
  name: "everything_agent",
  description: "Answers questions using the MCP 'everything' demo server (sums, weather, echo).",
});

if (serve) {
  // stdout now belongs to the protocol; logs go to stderr.
  const server = await serveMcp(agent, { transport: "stdio", name: "smoldeno-example" });
  await server.finished;
} else {
  console.log(`Tools from MCP: ${tools.map((t) => t.name).join(", ")}\n`);
  const answer = await agent.run("What is 19 + 23, and what is the weather in Chicago?");
  console.log(`\nAnswer: ${answer}`);
}
