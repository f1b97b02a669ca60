import { assertEquals, assertThrows } from "../_assert.ts";
import { CliUsageError, parseCliArgs, resolveModelType } from "../../src/cli/_args.ts";

Deno.test("parseCliArgs() takes the smolagents class names OpenAIModel and AzureOpenAIModel as aliases", () => {
  assertEquals(parseCliArgs(["t", "--model-type", "OpenAIModel"]).modelType, "OpenAIServerModel");
  assertEquals(
    parseCliArgs(["t", "--model-type", "AzureOpenAIModel"]).modelType,
    "AzureOpenAIServerModel",
  );
  // Not a prototype key either.
  assertThrows(() => parseCliArgs(["t", "--model-type", "toString"]), CliUsageError);
});

Deno.test("parseCliArgs() reads the task, the model and the agent options", () => {
  const options = parseCliArgs([
    "Plan a trip",
    "--model-type",
    "OpenAIServerModel",
    "--model-id",
    "gpt-4o",
    "--api-base",
    "http://127.0.0.1:11434/v1",
    "--api-key",
    "k",
    "--action-type",
    "tool_calling",
    "--max-steps",
    "5",
    "--planning-interval",
    "2",
    "--verbosity-level",
    "2",
    "--stream",
  ]);
  assertEquals(options.task, "Plan a trip");
  assertEquals(options.modelType, "OpenAIServerModel");
  assertEquals(options.modelId, "gpt-4o");
  assertEquals(options.apiBase, "http://127.0.0.1:11434/v1");
  assertEquals(options.actionType, "tool_calling");
  assertEquals([options.maxSteps, options.planningInterval, options.verbosity], [5, 2, 2]);
  assertEquals(options.stream, true);
});

Deno.test("parseCliArgs() has smolagents' defaults", () => {
  const options = parseCliArgs(["task"]);
  assertEquals(options.modelType, "InferenceClientModel");
  assertEquals(options.actionType, "code");
  assertEquals(options.verbosity, 1);
  assertEquals([options.tools, options.imports, options.mcpServers], [[], [], []]);
  assertEquals(options.permissions, {});
});

Deno.test("parseCliArgs() takes several tools and imports after one flag and still finds the task", () => {
  const options = parseCliArgs([
    "--tools",
    "web_search",
    "visit_webpage,wikipedia_search",
    "Find the news",
    "--imports",
    "npm:lodash@4",
    "node:*",
  ]);
  assertEquals(options.tools, ["web_search", "visit_webpage", "wikipedia_search"]);
  assertEquals(options.imports, ["npm:lodash@4", "node:*"]);
  assertEquals(options.task, "Find the news");
});

Deno.test("parseCliArgs() spells sandbox permissions like Deno's flags", () => {
  const options = parseCliArgs([
    "--allow-net",
    "task words",
    "--allow-read=/data,/tmp",
    "--allow-env=HOME",
  ]);
  assertEquals(options.permissions, { net: true, read: ["/data", "/tmp"], env: ["HOME"] });
  assertEquals(options.task, "task words");
});

Deno.test("parseCliArgs() repeats --mcp-server", () => {
  const options = parseCliArgs([
    "t",
    "--mcp-server",
    "http://127.0.0.1:3001/mcp",
    "--mcp-server",
    "npx -y @modelcontextprotocol/server-everything",
  ]);
  assertEquals(options.mcpServers, [
    "http://127.0.0.1:3001/mcp",
    "npx -y @modelcontextprotocol/server-everything",
  ]);
});

Deno.test("parseCliArgs() reports each kind of mistake as a usage error saying what to do", () => {
  const cases: [string[], string][] = [
    [["--tools", "browser"], 'Unknown tool "browser": available tools are "web_search"'],
    [["--tools", "web_search,browser"], 'Unknown tool "browser"'],
    [["--model-type", "Claude"], 'Unknown model type "Claude": use "InferenceClientModel"'],
    [["--action-type", "json"], 'Unknown action type "json": use "code" or "tool_calling"'],
    [["--max-steps", "0"], '--max-steps must be an integer >= 1, got "0"'],
    [["--verbosity-level", "3"], "--verbosity-level must be 0, 1 or 2, got 3"],
    [["--nope"], 'Unknown option "--nope"'],
    [["--model-id"], 'Option "--model-id" needs a value'],
    [["--imports", "lodash"], '"lodash" is not a module specifier'],
  ];
  for (const [args, message] of cases) {
    assertThrows(() => parseCliArgs(args), CliUsageError, message);
  }
});

Deno.test("resolveModelType() takes the class names and their aliases, and nothing else", () => {
  assertEquals(resolveModelType("OpenAIModel"), "OpenAIServerModel");
  assertEquals(resolveModelType("InferenceClientModel"), "InferenceClientModel");
  assertEquals(resolveModelType("hasOwnProperty"), undefined);
});

Deno.test("parseCliArgs() refuses an --api-base that is not an http(s) URL, with an example", () => {
  assertThrows(
    () => parseCliArgs(["t", "--api-base", "localhost:11434/v1"]),
    CliUsageError,
    '--api-base must be an http(s) URL such as http://127.0.0.1:11434/v1, got "localhost:11434/v1"',
  );
  assertEquals(
    parseCliArgs(["t", "--api-base", "https://x.example/v1"]).apiBase,
    "https://x.example/v1",
  );
});

Deno.test("parseCliArgs() reads the deny lists, the policy file, the prompt switch and the UI flags", () => {
  const options = parseCliArgs([
    "t",
    "--allow-read",
    "--deny-read=/home/me/.ssh,/etc",
    "--deny-net=169.254.169.254",
    "--permission-policy",
    "policy.json",
    "--no-permission-prompt",
  ]);
  assertEquals(options.permissions, { read: true });
  assertEquals(options.deny, { read: ["/home/me/.ssh", "/etc"], net: ["169.254.169.254"] });
  assertEquals(options.permissionPolicy, "policy.json");
  assertEquals(options.permissionPrompt, false);
  assertEquals(options.ui, false);
  assertEquals(parseCliArgs(["t"]).permissionPrompt, true);
  assertEquals(parseCliArgs(["t"]).deny, {});

  const ui = parseCliArgs(["--ui", "--ui-host", "0.0.0.0", "--ui-port", "0"]);
  assertEquals([ui.ui, ui.uiHost, ui.uiPort, ui.task], [true, "0.0.0.0", 0, undefined]);
});

Deno.test("parseCliArgs() refuses an empty deny list and UI flags without --ui, saying what to write", () => {
  const empty = assertThrows(() => parseCliArgs(["t", "--deny-net="]), CliUsageError);
  assertEquals(empty.message, "--deny-net needs what to deny, e.g. --deny-net=169.254.169.254");
  assertThrows(() => parseCliArgs(["t", "--ui-host", "0.0.0.0"]), CliUsageError);
  assertThrows(() => parseCliArgs(["--ui", "--ui-port", "-1"]), CliUsageError);
});
