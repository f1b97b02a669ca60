// `smolagent --approve-tools`: each call of a named tool (here an MCP
// server's, over stdio) waits for y/N on the terminal, and a refusal's
// reason is what the model reads. Real sandbox and MCP server; the model is
// a local server speaking the OpenAI wire format.
import { assertEquals, assertStringIncludes } from "../_assert.ts";
import { completion, FakeServer } from "../models/_fake_server.ts";
import { runCli } from "../../src/cli/mod.ts";

const FIXTURE = new URL("../tools/_mcp_fixture_server.ts", import.meta.url).pathname;
const MCP = `${Deno.execPath()} run --allow-all ${FIXTURE}`;

function code(body: string): Response {
  return completion(`Thought: I add them with the tool.\n<code>\n${body}\n</code>`);
}

async function run(server: FakeServer, answers: (string | null)[], extra: string[] = []) {
  let stdout = "";
  let stderr = "";
  const questions: string[] = [];
  const exit = await runCli([
    "Add 2 and 3",
    "--model-type",
    "OpenAIServerModel",
    "--model-id",
    "m",
    "--api-base",
    `${server.origin}/v1`,
    "--mcp-server",
    MCP,
    "--verbosity-level",
    "0",
    ...extra,
  ], {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    ask: (q) => {
      questions.push(q);
      return Promise.resolve(answers.length ? answers.shift()! : null);
    },
    signal: new AbortController().signal,
  });
  return { exit, stdout, stderr, questions };
}

Deno.test("--approve-tools asks before each call: y runs it, a typed reason refuses it and the model reads why", async () => {
  await using server = new FakeServer([
    code("final_answer(await add({ a: 2, b: 3 }))"),
  ]);
  const yes = await run(server, ["y"], ["--approve-tools", "add"]);
  assertEquals(yes.exit, 0, yes.stderr);
  assertEquals(yes.stdout, "5\n");
  assertEquals(yes.questions, [
    'The agent wants to call add({"a":2,"b":3}). Approve? [y] yes, [N] no, or type why not:',
  ]);

  await using refused = new FakeServer([
    code("final_answer(await add({ a: 2, b: 3 }))"),
    code("final_answer('I will add them myself: 5')"),
  ]);
  const no = await run(refused, ["use mental arithmetic"], ["--approve-tools=add"]);
  assertEquals(no.exit, 0, no.stderr);
  assertEquals(no.stdout, "I will add them myself: 5\n");
  const observation = JSON.stringify(refused.requests[1].body.messages);
  assertStringIncludes(observation, 'The user did not approve this call of \\"add\\"');
  assertStringIncludes(observation, "use mental arithmetic");
});

Deno.test("without a terminal an approval is refused, and tools not named are called without asking", async () => {
  await using server = new FakeServer([
    code("final_answer(await add({ a: 2, b: 3 }))"),
    code("final_answer('refused')"),
  ]);
  const r = await run(server, [null], ["--approve-tools", "add"]);
  assertEquals(r.stdout, "refused\n");
  assertStringIncludes(r.stderr, "Refused add: no answer");
  await using free = new FakeServer([code("final_answer(await add({ a: 2, b: 3 }))")]);
  const unasked = await run(free, []);
  assertEquals(unasked.stdout, "5\n");
  assertEquals(unasked.questions, []);
});

Deno.test("--approve-tools naming no tool of the agent is a usage error that lists its tools", async () => {
  await using server = new FakeServer([]);
  const r = await run(server, [], ["--approve-tools", "ad,crash"]);
  assertEquals(r.exit, 2);
  assertStringIncludes(r.stderr, '--approve-tools names "ad", which is not a tool of this agent');
  assertStringIncludes(r.stderr, '"add"');
  assertEquals(server.requests.length, 0);
});
