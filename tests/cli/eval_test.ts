// `smolagent eval`, called in-process. The agents come from an --agent
// module written by each test: scripted models, real agents.
import { EVAL_HELP, runEvalCli } from "../../src/cli/_eval.ts";
import { readResults } from "../../src/eval/_results.ts";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { idsInFile, tempDir } from "../eval/_helpers.ts";
import { completion, FakeServer } from "../models/_fake_server.ts";

const SRC = new URL("../../src/", import.meta.url).href;
const ARITHMETIC = new URL("../../examples/data/eval/arithmetic.jsonl", import.meta.url).pathname;
const TOOLS = new URL("../../examples/data/eval/tools.jsonl", import.meta.url).pathname;

// An agent module answering "n squared" tasks: right, except for the ids in `wrong`.
function squareAgentModule(wrong: string[] = [], hook = false): string {
  return `
import { ToolCallingAgent } from "${SRC}agents/tool_calling_agent.ts";
import { ScriptedModel } from "${SRC}testing.ts";
export default (task) => {
  ${hook ? "globalThis.__evalHook?.(task.id);" : ""}
  const n = Number(task.id.slice(1));
  const value = ${JSON.stringify(wrong)}.includes(task.id) ? n + 1 : n * n;
  return new ToolCallingAgent({
    logLevel: -1,
    model: new ScriptedModel({
      modelId: "scripted-squarer",
      replies: [{ role: "assistant", content: null, toolCalls: [{ id: "c1", name: "final_answer", arguments: { answer: value } }] }],
    }),
  });
};
`;
}

async function setup(n = 4, wrong: string[] = [], hook = false) {
  const dir = await tempDir();
  const lines = Array.from(
    { length: n },
    (_, i) =>
      JSON.stringify({
        id: `t${i + 1}`,
        question: `What is ${i + 1} squared?`,
        answer: (i + 1) ** 2,
      }),
  );
  await Deno.writeTextFile(`${dir.path}/squares.jsonl`, lines.join("\n") + "\n");
  await Deno.writeTextFile(`${dir.path}/agent.ts`, squareAgentModule(wrong, hook));
  return dir;
}

async function cli(args: string[], signal?: AbortSignal) {
  let stdout = "", stderr = "";
  const code = await runEvalCli(args, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    signal: signal ?? new AbortController().signal,
  });
  return { code, stdout, stderr };
}

Deno.test("smolagent eval --help prints the usage", async () => {
  const { code, stdout } = await cli(["--help"]);
  assertEquals(code, 0);
  assertEquals(stdout, EVAL_HELP);
  for (
    const flag of [
      "--concurrency",
      "--timeout",
      "--shard",
      "--compare",
      "--merge",
      "--scorer",
      "--html",
      "--agent",
    ]
  ) {
    assertStringIncludes(stdout, flag);
  }
});

Deno.test("smolagent eval gives exit code 2 and a clear message for a bad command line", async () => {
  const cases: [string[], RegExp][] = [
    [[], /no dataset given/],
    [["a.jsonl", "b.jsonl"], /one dataset at a time/],
    [["x.jsonl", "--concurrency", "0"], /--concurrency must be an integer >= 1, got "0"/],
    [["x.jsonl", "--bogus"], /Unknown option "--bogus"/],
    [["x.jsonl", "--shard", "3/2"], /Bad shard "3\/2"/],
    [["--compare", "a.jsonl"], /--compare needs two results files, got 1/],
    [["--merge", "a.jsonl"], /--merge needs --out FILE/],
  ];
  for (const [args, message] of cases) {
    const { code, stderr } = await cli(args);
    assertEquals(code, 2, args.join(" "));
    assertMatch(stderr, message);
  }
});

Deno.test("smolagent eval checks the agent flags and the scorer before running", async () => {
  await using dir = await setup(1);
  const dataset = `${dir.path}/squares.jsonl`;
  const noKey = await cli([
    dataset,
    "--model-type",
    "OpenAIServerModel",
    "--api-key",
    "",
    "--tools",
    "nope",
  ]);
  assertEquals(noKey.code, 2);
  assertMatch(noKey.stderr, /Unknown tool "nope"/);
  const scorer = await cli([dataset, "--agent", `${dir.path}/agent.ts`, "--scorer", "fuzzy"]);
  assertEquals(scorer.code, 2);
  assertMatch(scorer.stderr, /Unknown scorer "fuzzy"/);
  const both = await cli([
    dataset,
    "--agent",
    `${dir.path}/agent.ts`,
    "--tools",
    "local",
    "--allow-net",
  ]);
  assertEquals(both.code, 2);
  assertMatch(both.stderr, /--agent builds the whole agent: drop --tools, --allow-net/);
  const badAgent = await cli([dataset, "--agent", `${dir.path}/squares.jsonl`]);
  assertEquals(badAgent.code, 2);
  assertMatch(badAgent.stderr, /Cannot load --agent/);
});

Deno.test("smolagent eval runs a dataset, prints the summary, writes results and an HTML report, and resumes", async () => {
  await using dir = await setup(4, ["t2"]);
  const out = `${dir.path}/results.jsonl`;
  const html = `${dir.path}/report.html`;
  const args = [
    `${dir.path}/squares.jsonl`,
    "--agent",
    `${dir.path}/agent.ts`,
    "--out",
    out,
    "--html",
    html,
    "--concurrency",
    "2",
    "--price",
    "1,2",
  ];
  const first = await cli(args);
  assertEquals(first.code, 0, first.stderr);
  assertMatch(first.stdout, /Accuracy\s+75\.0% \(3\/4 passed\)/);
  assertMatch(first.stdout, /Failures\s+wrong_answer 1/);
  assertMatch(first.stderr, /\[4\/4\] t\d: (pass|wrong_answer) in/); // plain progress lines
  assertStringIncludes(first.stderr, `HTML report: ${html}`);
  assertEquals((await idsInFile(out)).sort(), ["t1", "t2", "t3", "t4"]);
  assertStringIncludes(await Deno.readTextFile(html), '<details class="task">');

  const again = await cli(args);
  assertEquals(again.code, 0);
  assertStringIncludes(again.stderr, `Resumed: 4 tasks were already in ${out}`);
  assertEquals((await idsInFile(out)).length, 4);

  const strict = await cli([...args, "--min-accuracy", "0.9"]);
  assertEquals(strict.code, 1);
  assertStringIncludes(strict.stderr, "accuracy 75.0% is below --min-accuracy 0.9");
});

Deno.test("smolagent eval interrupted exits 130, keeps its results, and the rerun completes each id once", async () => {
  await using dir = await setup(6, [], true);
  const out = `${dir.path}/results.jsonl`;
  const args = [
    `${dir.path}/squares.jsonl`,
    "--agent",
    `${dir.path}/agent.ts`,
    "--out",
    out,
    "--concurrency",
    "1",
  ];
  const controller = new AbortController();
  (globalThis as Record<string, unknown>).__evalHook = (id: string) =>
    id === "t4" && controller.abort();
  try {
    const first = await cli(args, controller.signal);
    assertEquals(first.code, 130);
    assertMatch(
      first.stderr,
      /Interrupted: 3 results are kept in .*; run the same command again to resume/,
    );
  } finally {
    delete (globalThis as Record<string, unknown>).__evalHook;
  }
  const second = await cli(args);
  assertEquals(second.code, 0);
  assertStringIncludes(second.stderr, "Resumed: 3 tasks");
  assertEquals((await idsInFile(out)).sort(), ["t1", "t2", "t3", "t4", "t5", "t6"]);
});

Deno.test("smolagent eval reports a malformed line and a duplicate id with their line numbers, and runs the rest", async () => {
  await using dir = await setup(2);
  await Deno.writeTextFile(
    `${dir.path}/squares.jsonl`,
    '{"id": "t3", "question": "3 squared?"\n{"id": "t1", "question": "again", "answer": 1}\n',
    { append: true },
  );
  const { code, stdout, stderr } = await cli([
    `${dir.path}/squares.jsonl`,
    "--agent",
    `${dir.path}/agent.ts`,
    "--out",
    `${dir.path}/r.jsonl`,
  ]);
  assertEquals(code, 0);
  assertMatch(stderr, /squares\.jsonl:3: not valid JSON/);
  assertMatch(stderr, /squares\.jsonl:4: duplicate id "t1" \(first on line 1\)/);
  assertMatch(stdout, /Tasks\s+2\n/);
});

Deno.test("smolagent eval refuses a results file of another dataset (exit 1)", async () => {
  await using dir = await setup(2);
  const out = `${dir.path}/results.jsonl`;
  await cli([`${dir.path}/squares.jsonl`, "--agent", `${dir.path}/agent.ts`, "--out", out]);
  const { code, stderr } = await cli([TOOLS, "--agent", `${dir.path}/agent.ts`, "--out", out]);
  assertEquals(code, 1);
  assertMatch(stderr, /holds results of another dataset/);
});

Deno.test("smolagent eval shards, --merge and --summary give the whole dataset once", async () => {
  await using dir = await setup(5, ["t5"]);
  const shards = [1, 2].map((i) => `${dir.path}/shard-${i}.jsonl`);
  for (const [i, out] of shards.entries()) {
    const run = await cli([
      `${dir.path}/squares.jsonl`,
      "--agent",
      `${dir.path}/agent.ts`,
      "--shard",
      `${i + 1}/2`,
      "--out",
      out,
    ]);
    assertEquals(run.code, 0, run.stderr);
  }
  assertEquals((await idsInFile(shards[0])).length + (await idsInFile(shards[1])).length, 5);
  const merged = `${dir.path}/all.jsonl`;
  const merge = await cli(["--merge", ...shards, "--out", merged]);
  assertEquals(merge.code, 0);
  assertStringIncludes(merge.stderr, `Merged 5 results from 2 files into ${merged}`);
  assertMatch(merge.stdout, /Accuracy\s+80\.0% \(4\/5 passed\)/);
  assertEquals((await readResults(merged)).results.map((r) => r.id).sort(), [
    "t1",
    "t2",
    "t3",
    "t4",
    "t5",
  ]);
  const summary = await cli(["--summary", ...shards]);
  assertEquals(summary.stdout, merge.stdout);
});

/**
 * Two result files of the squares set made by setup(3, ["t2"]): a.jsonl gets
 * t2 wrong, b.jsonl (an agent that gets t3 wrong) gets t3 wrong.
 */
async function twoRuns(dir: string): Promise<{ a: string; b: string }> {
  const a = `${dir}/a.jsonl`, b = `${dir}/b.jsonl`;
  await cli([`${dir}/squares.jsonl`, "--agent", `${dir}/agent.ts`, "--out", a]);
  // A new module URL, since the old one is cached by this process.
  await Deno.writeTextFile(`${dir}/agent_b.ts`, squareAgentModule(["t3"]));
  await cli([`${dir}/squares.jsonl`, "--agent", `${dir}/agent_b.ts`, "--out", b]);
  return { a, b };
}

Deno.test("smolagent eval --compare shows two result files side by side", async () => {
  await using dir = await setup(3, ["t2"]);
  const { a, b } = await twoRuns(dir.path);
  const { code, stdout } = await cli(["--compare", a, b]);
  assertEquals(code, 0);
  assert(/Accuracy\s+66\.7%\s+66\.7%\s+\+0\.0 pts/.test(stdout), stdout);
  assertStringIncludes(stdout, `Pass only in ${b}: t2`);
  assertStringIncludes(stdout, `Pass only in ${a}: t3`);
});

Deno.test("smolagent eval --compare --html writes both runs side by side as one page, and still prints the table", async () => {
  await using dir = await setup(3, ["t2"]);
  const { a, b } = await twoRuns(dir.path);
  const html = `${dir.path}/compare.html`;
  const { code, stdout, stderr } = await cli(["--compare", a, b, "--html", html]);
  assertEquals(code, 0, stderr);
  assertStringIncludes(stdout, `Pass only in ${b}: t2`);
  assertEquals(stderr, `HTML comparison: ${html}\n`);
  const page = await Deno.readTextFile(html);
  assertStringIncludes(page, `<title>Comparison: ${a} and ${b}</title>`);
  // t3 regressed, t2 was fixed, t1 passes in both: in that order, each with both traces.
  const rows = [...page.matchAll(/<tbody class="task (\w+) \w+">\n<tr><th scope="row">([^<]*)</g)];
  assertEquals(rows.map((m) => [m[2], m[1]]), [["t3", "regressed"], ["t2", "fixed"], [
    "t1",
    "both_pass",
  ]]);
  assertEquals(page.match(/<div class="side">/g)?.length, 3);
  // t2's two traces side by side: A answered 2 + 1, B 2 * 2.
  const t2 = page.slice(page.indexOf('<tbody class="task fixed'));
  const [, sideA, sideB] = t2.slice(0, t2.indexOf("</tbody>")).split("<div><h4>");
  assertStringIncludes(sideA, `A: ${a}</h4>`);
  assertStringIncludes(sideA, "final_answer({&#34;answer&#34;:3})");
  assertStringIncludes(sideB, `B: ${b}</h4>`);
  assertStringIncludes(sideB, "final_answer({&#34;answer&#34;:4})");
  // Written beside its target and renamed: no temporary file is left.
  const names = [];
  for await (const entry of Deno.readDir(dir.path)) names.push(entry.name);
  assertEquals(names.filter((n) => n.includes("compare")), ["compare.html"]);
});

Deno.test("smolagent eval --compare (and --summary, --merge) refuse bad input with a clear message", async () => {
  await using dir = await tempDir();
  const line = (id: string) => JSON.stringify({ id, questionHash: id, score: 1, passed: true });
  const a = `${dir.path}/a.jsonl`, other = `${dir.path}/other.jsonl`;
  const empty = `${dir.path}/empty.jsonl`, junk = `${dir.path}/junk.jsonl`;
  await Deno.writeTextFile(a, `${line("t1")}\n${line("t2")}\n`);
  await Deno.writeTextFile(other, `${line("x1")}\n`);
  await Deno.writeTextFile(empty, "");
  await Deno.writeTextFile(junk, "<html>\n");
  const cases: [string[], number, RegExp][] = [
    [
      ["--compare", a, `${dir.path}/missing.jsonl`],
      1,
      /"[^"]*missing\.jsonl": there is no such file/,
    ],
    [["--compare", a, empty], 1, /"[^"]*empty\.jsonl" holds no results/],
    [["--compare", a, dir.path], 1, /Cannot read the results file "[^"]+"/],
    [["--compare", a, junk], 1, /Line 1 of "[^"]*junk\.jsonl" is not JSON/],
    [["--compare", a, other], 1, /have no task in common: are they results of the same dataset\?/],
    [
      ["--compare", a, a, "--html", `${dir.path}/nope/c.html`],
      2,
      /--html "[^"]*nope\/c\.html": the folder "[^"]*nope" does not exist/,
    ],
    [["--compare", a, a, "--html", dir.path], 2, /--html "[^"]+" is a folder: give a file name/],
    [
      ["--compare", a, other, "--html", a],
      2,
      /--html "[^"]*a\.jsonl" is one of the input files/,
    ],
    // --summary and --merge check --html the same way, before any work.
    [
      ["--summary", a, "--html", `${dir.path}/nope/r.html`],
      2,
      /--html "[^"]*nope\/r\.html": the folder "[^"]*nope" does not exist/,
    ],
    [
      ["--merge", a, "--out", `${dir.path}/all.jsonl`, "--html", `${dir.path}/nope/r.html`],
      2,
      /the folder "[^"]*nope" does not exist/,
    ],
  ];
  for (const [args, exit, message] of cases) {
    const { code, stdout, stderr } = await cli(args);
    assertEquals(code, exit, args.join(" "));
    assertMatch(stderr, message);
    assertEquals(stdout, "", args.join(" "));
  }
  // A refused --html wrote nothing, and the results file it named is intact.
  assertEquals(await Deno.readTextFile(a), `${line("t1")}\n${line("t2")}\n`);
  assertEquals((await Array.fromAsync(Deno.readDir(dir.path))).map((e) => e.name).sort(), [
    "a.jsonl",
    "empty.jsonl",
    "junk.jsonl",
    "other.jsonl",
  ]);
});

Deno.test("smolagent eval runs real CodeAgents on the shipped arithmetic dataset (scripted replies)", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(
    `${dir.path}/agent.ts`,
    `
import { CodeAgent } from "${SRC}agents/code_agent.ts";
import { ScriptedModel } from "${SRC}testing.ts";
const CODE = {
  "arith-01": "let s = 0;\\nfor (let n = 2; n < 100; n++) { let p = true; for (let d = 2; d * d <= n; d++) if (n % d === 0) p = false; if (p) s += n; }\\nfinal_answer(s);",
  "arith-02": "const sieve = new Array(1000).fill(true); let c = 0;\\nfor (let n = 2; n < 1000; n++) if (sieve[n]) { c++; for (let m = n * n; m < 1000; m += n) sieve[m] = false; }\\nfinal_answer(c);",
};
export default (task) => new CodeAgent({
  logLevel: -1,
  model: new ScriptedModel({ replies: ["Thought: I will compute it in code.\\n<code>\\n" + CODE[task.id] + "\\n</code>"] }),
});
`,
  );
  const out = `${dir.path}/r.jsonl`;
  const { code, stdout, stderr } = await cli([
    ARITHMETIC,
    "--agent",
    `${dir.path}/agent.ts`,
    "--limit",
    "2",
    "--concurrency",
    "2",
    "--out",
    out,
  ]);
  assertEquals(code, 0, stderr);
  assertMatch(stdout, /Accuracy\s+100\.0% \(2\/2 passed\)/);
  assertEquals((await readResults(out)).results.map((r) => [r.id, r.output]).sort(), [[
    "arith-01",
    1060,
  ], ["arith-02", 168]]);
});

Deno.test("smolagent eval builds agents from the model flags with the local tools (fake OpenAI-compatible server)", async () => {
  // Like a tool-calling model: asks for the stock of the fruits named in the
  // task, then answers with the sum of what the tools said.
  const fruits: Record<string, string> = { apple: "apple", banana: "banana", cherry: "cherr" };
  await using server = new FakeServer((request) => {
    const messages = request.body.messages as { role: string; content: unknown }[];
    const task = String(messages.find((m) => m.role === "user")?.content ?? "");
    // The agent sends tool results back as "Observation:" messages.
    const observations = messages.filter((m) => String(m.content).startsWith("Observation:"));
    if (observations.length === 0) {
      const named = Object.keys(fruits).filter((f) => task.includes(fruits[f]));
      const calls = named.map((item, i) => ({
        id: `call_${i}`,
        name: "inventory_lookup",
        arguments: JSON.stringify({ item }),
      }));
      return completion(null, { toolCalls: calls });
    }
    const numbers = observations.flatMap((m) => String(m.content).match(/\b\d+\b/g) ?? []);
    const sum = numbers.reduce((s, n) => s + Number(n), 0);
    return completion(null, {
      toolCalls: [{
        id: "call_f",
        name: "final_answer",
        arguments: JSON.stringify({ answer: sum }),
      }],
    });
  });
  await using dir = await tempDir();
  const out = `${dir.path}/r.jsonl`;
  const { code, stdout, stderr } = await cli([
    TOOLS,
    "--model-type",
    "OpenAIServerModel",
    "--api-base",
    `${server.origin}/v1`,
    "--model-id",
    "test-model",
    "--action-type",
    "tool_calling",
    "--tools",
    "local",
    "--limit",
    "2",
    "--price",
    "1000000,0",
    "--out",
    out,
  ]);
  assertEquals(code, 0, stderr);
  assertMatch(stdout, /Accuracy\s+100\.0% \(2\/2 passed\)/);
  // Four requests of 10 prompt tokens each, at one dollar per token.
  assertMatch(stdout, /Cost\s+\$40\.0000/);
  const results = (await readResults(out)).results;
  assertEquals(results.map((r) => [r.id, r.output, r.model]).sort(), [
    ["tool-01", 42, "test-model"],
    ["tool-02", 137, "test-model"],
  ]);
});

Deno.test("smolagent eval's code agents call the local tools from their sandbox (fake OpenAI-compatible server)", async () => {
  await using server = new FakeServer([
    completion(
      'Thought: I will look the stock up.\n<code>\nconst apples = await inventory_lookup({ item: "apple" });\nfinal_answer(apples);\n</code>',
    ),
  ]);
  await using dir = await tempDir();
  const { code, stdout, stderr } = await cli([
    TOOLS,
    "--api-base",
    `${server.origin}/v1`,
    "--tools",
    "local",
    "--limit",
    "1",
    "--out",
    `${dir.path}/r.jsonl`,
    "--timeout",
    "60",
  ]);
  assertEquals(code, 0, stderr);
  assertMatch(stdout, /Accuracy\s+100\.0% \(1\/1 passed\)/);
  assertStringIncludes(
    String(server.requests[0].body.messages && JSON.stringify(server.requests[0].body.messages)),
    "inventory_lookup",
  );
});

Deno.test("`smolagent eval` through the real command: the subcommand reaches the harness and its exit code is the command's", async () => {
  await using dir = await setup(3, ["t3"]);
  const cliPath = new URL("../../src/cli/mod.ts", import.meta.url).pathname;
  const config = new URL("../../deno.json", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      "--config",
      config,
      cliPath,
      "eval",
      `${dir.path}/squares.jsonl`,
      "--agent",
      `${dir.path}/agent.ts`,
      "--out",
      `${dir.path}/results.jsonl`,
      "--min-accuracy",
      "0.9",
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  assertMatch(stdout, /Accuracy\s+66\.7% \(2\/3 passed\)/);
  assertEquals(out.code, 1, new TextDecoder().decode(out.stderr));
  assertEquals((await idsInFile(`${dir.path}/results.jsonl`)).sort(), ["t1", "t2", "t3"]);
});
