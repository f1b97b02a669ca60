import { assert, assertEquals, assertStringIncludes, assertThrows } from "../_assert.ts";
import { AgentParsingError } from "../../src/errors.ts";
import {
  DEFAULT_CODE_BLOCK_TAGS,
  extractCode,
  extractJsonToolCalls,
  type ParsedToolCall,
} from "../../src/agents/_code_blocks.ts";

const FIXTURES = new URL("../fixtures/replies/", import.meta.url);
const reply = (name: string): string => Deno.readTextFileSync(new URL(name, FIXTURES));

// Every CodeAgent fixture with the exact code that must come out of it.
const CODE_CASES: Record<string, string> = {
  "tagged_complete.txt": [
    'const report = await get_weather({ city: "Paris" });',
    "console.log(report);",
  ].join("\n"),
  "tagged_closer_eaten_by_stop_sequence.txt": [
    "const ratio = 545_000 / 232_000;",
    "final_answer(`Lisbon has about ${ratio.toFixed(2)} times the population of Porto.`);",
  ].join("\n"),
  "tags_wrapping_typescript_fence.txt": [
    'const results = await web_search({ query: "attention is all you need arxiv" });',
    "console.log(results.slice(0, 500));",
  ].join("\n"),
  "fenced_ts_with_prose_around.txt": [
    'const start = new Date("2024-02-10T00:00:00Z");',
    'const end = new Date("2024-03-05T00:00:00Z");',
    "console.log((end.getTime() - start.getTime()) / 86_400_000);",
  ].join("\n"),
  "fenced_typescript_missing_closer.txt": [
    "const biggest = files.reduce((a, b) => (a.size >= b.size ? a : b));",
    "const text = await read_file({ path: biggest.path });",
    "console.log(text.length, text.slice(0, 200));",
  ].join("\n"),
  "several_blocks_js_and_javascript.txt": [
    "function celsius(f) {",
    "  return Math.round(((f - 32) * 5) / 9);",
    "}",
    "",
    "const [a, b] = await Promise.all([",
    '  get_temperature({ city: "Boston" }),',
    '  get_temperature({ city: "Denver" }),',
    "]);",
    "console.log(celsius(a), celsius(b));",
  ].join("\n"),
  "bare_fence_after_code_label.txt": "final_answer(1969);",
  "thought_with_inline_backticks.txt": [
    'const lines = results.split("\\n").filter((line) => line.trim() !== "");',
    "console.log(lines.length);",
    "console.log(lines.slice(0, 3));",
  ].join("\n"),
  "bare_code_reply.txt": [
    'const answer = await calculator({ expression: "sqrt(1764)" });',
    "final_answer(answer);",
  ].join("\n"),
  "thought_then_code_without_tags.txt": [
    "const prices = [1890, 2210, 1975];",
    "const cheapest = Math.min(...prices);",
    "final_answer(cheapest);",
  ].join("\n"),
  "python_label_typescript_body.txt": [
    'const euros = await convert_currency({ amount: 1890, from: "NOK", to: "EUR" });',
    "final_answer(`about ${Math.round(euros)} EUR`);",
  ].join("\n"),
  "tsx_fence_and_json_example.txt": [
    'const data = await fetch_json({ url: "https://api.example.com/items" });',
    "console.log(data.items.length);",
  ].join("\n"),
  "missing_closer_with_invented_observation.txt": [
    "const n = 7919;",
    "let prime = n > 1;",
    "for (let d = 2; d * d <= n; d++) if (n % d === 0) prime = false;",
    "console.log(prime);",
  ].join("\n"),
  "windows_line_endings_indented.txt": [
    "let total = 0;",
    "for (let i = 1; i <= 100; i++) {",
    "  total += i;",
    "}",
    "console.log(total);",
  ].join("\n"),
  "tagged_several_blocks_stray_fence.txt": [
    'const rows = await query_db({ sql: "SELECT name, score FROM players" });',
    "",
    "const avg = rows.reduce((s, r) => s + r.score, 0) / rows.length;",
    "console.log(avg);",
  ].join("\n"),
};

for (const [file, expected] of Object.entries(CODE_CASES)) {
  Deno.test(`extractCode() takes the exact code out of the reply ${file}`, () => {
    assertEquals(extractCode(reply(file)), expected);
  });
}

Deno.test("extractCode() refuses real Python, telling the model to write TypeScript", () => {
  const text = reply("python_code_refused.txt");
  const err = assertThrows(() => extractCode(text), AgentParsingError);
  assertStringIncludes(err.message, "Your code is Python, but the sandbox runs TypeScript");
  assertStringIncludes(err.message, "<code>\n// TypeScript here");
  assertEquals(err.reply, text);
});

Deno.test("extractCode() explains how to give a final answer when the reply has none in code", () => {
  const err = assertThrows(
    () => extractCode(reply("no_code_final_answer_in_prose.txt")),
    AgentParsingError,
  );
  assertStringIncludes(err.message, "Cannot find code in your reply (no <code>…</code> block).");
  assertStringIncludes(
    err.message,
    'To give your final answer, call it in code: <code>final_answer("your answer");</code>',
  );
  assertStringIncludes(
    err.message,
    "Use exactly this format:\nThought: what you will do and why.\n<code>\n",
  );
  assertStringIncludes(err.message, "\n</code>");
});

Deno.test("extractCode() reports the languages it found when no block is TypeScript", () => {
  const err = assertThrows(
    () => extractCode('Here is the config:\n```json\n{ "a": 1 }\n```\n```bash\nls\n```'),
    AgentParsingError,
  );
  assertStringIncludes(err.message, "(only blocks of json, bash, not TypeScript)");
});

Deno.test("extractCode() does not take a short prose reply for bare code", () => {
  assertThrows(() => extractCode("Paris"), AgentParsingError);
  assertThrows(() => extractCode("Thought: I will call get_weather(city) now."), AgentParsingError);
  assertThrows(() => extractCode(""), AgentParsingError);
});

Deno.test("extractCode() uses the configured tags and names them in its error", () => {
  const tags = ["<ts>", "</ts>"] as const;
  assertEquals(
    extractCode("Thought: x\n<ts>\nfinal_answer(1);\n</ts>", { tags }),
    "final_answer(1);",
  );
  // With custom tags, the default ones are plain text; a fence still works.
  assertEquals(extractCode("```ts\nconsole.log(2);\n```", { tags }), "console.log(2);");
  const err = assertThrows(
    () => extractCode("Thought: nothing to run.", { tags }),
    AgentParsingError,
  );
  assertStringIncludes(err.message, "no <ts>…</ts> block");
  assertStringIncludes(err.message, "<ts>\n// TypeScript here");
});

Deno.test("extractCode() with markdown tags reads every TypeScript fence, not just the ```ts prefix", () => {
  const tags = ["```ts", "```"] as const;
  assertEquals(
    extractCode(reply("fenced_typescript_missing_closer.txt"), { tags }),
    CODE_CASES["fenced_typescript_missing_closer.txt"],
  );
  assertEquals(
    extractCode(reply("tsx_fence_and_json_example.txt"), { tags }),
    CODE_CASES["tsx_fence_and_json_example.txt"],
  );
  assertEquals(
    extractCode("Thought: x\n```ts\nfinal_answer(1);\n```", { tags }),
    "final_answer(1);",
  );
});

Deno.test("extractCode() takes an unquoted opening tag in the thought for prose", () => {
  const text = "Thought: I put my code in <code> tags as asked.\n<code>\nconsole.log(5);\n</code>";
  assertEquals(extractCode(text), "console.log(5);");
  const unclosed = "Thought: code goes in <code> tags.\n<code>\nconsole.log(6);\n";
  assertEquals(extractCode(unclosed), "console.log(6);");
});

Deno.test("extractCode() prefers tagged blocks to fenced examples in the thought", () => {
  const text =
    "Thought: the API returns\n```ts\n{ id: 1 }\n```\nso:\n<code>\nconsole.log(3);\n</code>";
  assertEquals(extractCode(text), "console.log(3);");
});

Deno.test("extractCode() treats longer fences and tildes as fences, keeping inner backticks", () => {
  const text = "````ts\nconst md = `\n```\ninner\n```\n`;\nconsole.log(md);\n````";
  assertEquals(extractCode(text), "const md = `\n```\ninner\n```\n`;\nconsole.log(md);");
  assertEquals(extractCode("~~~js\nconsole.log(4);\n~~~"), "console.log(4);");
});

Deno.test("DEFAULT_CODE_BLOCK_TAGS are <code> and </code>", () => {
  assertEquals(DEFAULT_CODE_BLOCK_TAGS, ["<code>", "</code>"]);
});

// Every JSON tool-call fixture with the exact calls that must come out of it.
const JSON_CASES: Record<string, ParsedToolCall[]> = {
  "json_call_after_prose.txt": [
    { name: "get_weather", arguments: { city: "Lima", units: "metric" } },
  ],
  "json_call_fenced_trailing_comma.txt": [
    {
      name: "web_search",
      arguments: { query: "tallest building in Europe, 2024", max_results: 5 },
    },
  ],
  "json_call_hermes_tags_parameters.txt": [
    {
      name: "lookup_fact",
      arguments: { query: "capital of Peru", note: 'braces {like this} and a quote " stay' },
    },
    { name: "final_answer", arguments: { answer: "Lima" } },
  ],
  "json_call_openai_shape_string_arguments.txt": [
    { name: "create_user", arguments: { name: "Bob", age: 31 } },
  ],
};

for (const [file, expected] of Object.entries(JSON_CASES)) {
  Deno.test(`extractJsonToolCalls() takes the exact calls out of the reply ${file}`, () => {
    assertEquals(extractJsonToolCalls(reply(file)), expected);
  });
}

Deno.test("extractJsonToolCalls() reports invalid JSON with the parser's error instead of guessing", () => {
  const err = assertThrows(
    () => extractJsonToolCalls(reply("json_call_malformed.txt")),
    AgentParsingError,
  );
  assertStringIncludes(err.message, "Cannot parse the tool call in your reply as JSON: ");
  assertStringIncludes(
    err.message,
    'Write the call as JSON: {"name": "tool_name", "arguments": {"argument_name": "value"}}',
  );
});

Deno.test("extractJsonToolCalls() keeps commas inside strings when repairing trailing commas", () => {
  const calls = extractJsonToolCalls('{"name": "say", "arguments": {"text": "a, }, b,]",},}');
  assertEquals(calls, [{ name: "say", arguments: { text: "a, }, b,]" } }]);
});

Deno.test("extractJsonToolCalls() handles missing arguments, string arguments and nested wrappers", () => {
  assertEquals(extractJsonToolCalls('{"name": "now"}'), [{ name: "now", arguments: {} }]);
  assertEquals(extractJsonToolCalls('{"name": "echo", "arguments": "hello"}'), [
    { name: "echo", arguments: "hello" },
  ]);
  assertEquals(extractJsonToolCalls('{"tool_call": {"name": "add", "arguments": {"name": "x"}}}'), [
    { name: "add", arguments: { name: "x" } },
  ]);
});

Deno.test("extractJsonToolCalls() finds a call after an unclosed brace in the prose", () => {
  assertEquals(
    extractJsonToolCalls('Braces {like this one, then: {"name": "x", "arguments": {}}'),
    [
      { name: "x", arguments: {} },
    ],
  );
});

Deno.test("extractJsonToolCalls() reports a reply with no tool call, or an unclosed one", () => {
  const none = assertThrows(
    () => extractJsonToolCalls("I think the answer is {x}."),
    AgentParsingError,
  );
  assert(none.message.startsWith("Cannot find a tool call in your reply."));
  assertThrows(
    () => extractJsonToolCalls('Call: {"name": "get_weather", "arguments": {"city": "Lima"}'),
    AgentParsingError,
    "the JSON object is not closed",
  );
});
