// The `smolagent` CLI run as a subprocess against a local server speaking the
// OpenAI chat-completions wire format (JSON and SSE), with the real sandbox.
import { hasScript, spawnOnTerminal } from "./_terminal.ts";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import {
  chunk,
  closedOrigin,
  completion,
  errorReply,
  FakeServer,
  RawServer,
  type ReceivedRequest,
  sse,
} from "../models/_fake_server.ts";
import { withEnv } from "../models/_env.ts";
import { tool } from "../../src/tool.ts";
import { runCli } from "../../src/cli/mod.ts";
import { childrenOf, dirsLeftBy, isAlive } from "../_processes.ts";

const CLI = new URL("../../src/cli/mod.ts", import.meta.url).pathname;
const CONFIG = new URL("../../deno.json", import.meta.url).pathname;

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

function spawnCli(args: string[], env: Record<string, string> = {}): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--config", CONFIG, CLI, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    // No provider keys from the developer's environment reach the CLI.
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: Deno.env.get("HOME") ?? "/tmp",
      NO_COLOR: "1",
      ...env,
    },
  }).spawn();
}

async function runCliProcess(args: string[], env?: Record<string, string>): Promise<CliRun> {
  const out = await spawnCli(args, env).output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

function openai(server: FakeServer): string[] {
  return [
    "--model-type",
    "OpenAIServerModel",
    "--model-id",
    "test-model",
    "--api-base",
    `${server.origin}/v1`,
  ];
}

function code(body: string): Response {
  return completion(`Thought: next step.\n<code>\n${body}\n</code>`);
}

Deno.test("smolagent prints the final answer alone on stdout, the log on stderr, and exits 0", async () => {
  await using server = new FakeServer([
    code("const x = 6 * 7;\nconsole.log('computed', x);"),
    code("final_answer(`The answer is ${x}`);"),
  ]);
  const run = await runCliProcess(["What is 6 * 7?", ...openai(server)]);
  assertEquals(run.code, 0, run.stderr);
  assertEquals(run.stdout, "The answer is 42\n");
  assertStringIncludes(run.stderr, "computed 42");
  assertEquals(server.requests.length, 2);
  assertStringIncludes(JSON.stringify(server.requests[0].body.messages), "What is 6 * 7?");
});

Deno.test("smolagent exits 1 and says so when the agent reaches --max-steps", async () => {
  await using server = new FakeServer((request: ReceivedRequest) =>
    // The last call (no code expected) is the max-steps fallback answer.
    JSON.stringify(request.body.messages).includes("final answer")
      ? completion("My best guess is 41")
      : code("console.log('still thinking');")
  );
  const run = await runCliProcess(["Think forever", ...openai(server), "--max-steps", "1"]);
  assertEquals(run.code, 1, run.stderr);
  assertStringIncludes(run.stderr, "reached --max-steps (1)");
});

Deno.test("smolagent exits 1 with the provider's message when the model call fails, without leaking the key", async () => {
  await using server = new FakeServer([errorReply(401, "Incorrect API key provided")]);
  const run = await runCliProcess(["Hi", ...openai(server), "--api-key", "sk-secret-123"]);
  assertEquals(run.code, 1);
  assertStringIncludes(run.stderr, "401");
  assert(!run.stderr.includes("sk-secret-123") && !run.stdout.includes("sk-secret-123"));
});

Deno.test("smolagent shows each retry of a model request as it happens: the reason, the wait and the attempt count", async () => {
  await using server = new FakeServer([
    errorReply(503, "overloaded", { "retry-after-ms": "1" }),
    errorReply(503, "overloaded", { "retry-after-ms": "1" }),
    code("final_answer('ok')"),
  ]);
  const run = await runCliProcess(["Hi", ...openai(server)]);
  assertEquals(run.code, 0, run.stderr);
  assertEquals(run.stdout, "ok\n");
  const retries = run.stderr.split("\n").filter((line) => line.startsWith("Warning:"));
  assertEquals(retries, [
    'Warning: Model "test-model" request failed (status 503: overloaded): retrying in 1 ms, attempt 2 of 4',
    'Warning: Model "test-model" request failed (status 503: overloaded): retrying in 1 ms, attempt 3 of 4',
  ]);
  // Shown in the step that waits, before its code runs.
  assert(run.stderr.indexOf("attempt 3 of 4") < run.stderr.indexOf("Executing parsed code"));
});

Deno.test("smolagent shows the retries of a server that is down, then one error line saying to check --api-base", async () => {
  const origin = closedOrigin();
  let err = "";
  const exit = await runCli(
    [
      "Hi",
      "--model-type",
      "OpenAIServerModel",
      "--model-id",
      "test-model",
      "--api-base",
      `${origin}/v1`,
    ],
    { stdout: () => {}, stderr: (t) => (err += t), signal: new AbortController().signal },
  );
  assertEquals(exit, 1, err);
  const lines = err.split("\n");
  const retries = lines.filter((line) => line.startsWith("Warning:"));
  assertEquals(retries.length, 3, err);
  retries.forEach((line, i) =>
    assertMatch(
      line,
      new RegExp(
        `^Warning: Model "test-model" request failed \\(cannot reach http://127\\.0\\.0\\.1:\\d+/v1: connection refused\\): retrying in \\d\\.\\d s, attempt ${
          i + 2
        } of 4$`,
      ),
    )
  );
  // Every line ended, the last one too.
  assertEquals(lines.at(-1), "");
  assertEquals(
    lines.at(-2),
    `error: cannot reach the model server at ${origin}/v1 after 4 attempts (connection refused): check that it is running and that --api-base is right`,
  );
});

Deno.test("smolagent says in one error line that a wrong --model-id is not at the server (404), and what to check", async () => {
  await using server = new FakeServer([
    errorReply(404, "The model `test-model` does not exist or you do not have access to it."),
  ]);
  const run = await runCliProcess(["Hi", ...openai(server)]);
  assertEquals(run.code, 1);
  const errors = run.stderr.split("\n").filter((line) => line.startsWith("error:"));
  assertEquals(errors, [
    `error: model "test-model" was not found at ${server.origin}/v1 (404: The model \`test-model\` does not exist or you do not have access to it.): check --model-id, and that --api-base is the server's OpenAI-compatible URL (usually ending in /v1)`,
  ]);
  assert(run.stderr.endsWith("\n"));
  // In CLI terms: no library option names, and no retry of a 404.
  assert(!/modelId|apiBase/.test(run.stderr), run.stderr);
  assertEquals(server.requests.length, 1);
});

Deno.test("smolagent ends the line a broken stream left open before its error line", async () => {
  await using server = new RawServer(() => ({
    sseThenDrop: [chunk({ role: "assistant", content: "Thought: I will" })],
  }));
  const run = await runCliProcess([
    "Hi",
    "--model-type",
    "OpenAIServerModel",
    "--model-id",
    "test-model",
    "--api-base",
    `${server.origin}/v1`,
    "--stream",
  ]);
  assertEquals(run.code, 1, run.stderr);
  const lines = run.stderr.split("\n");
  assert(lines.includes("Thought: I will"), run.stderr);
  const error = lines.find((line) => line.startsWith("error: "));
  assertMatch(error ?? run.stderr, /^error: the connection to the model server at .* broke/);
  assert(run.stderr.endsWith("\n"), JSON.stringify(run.stderr));
});

Deno.test("smolagent --stream shows a code block whole, with the closing tag the stream stopped at", async () => {
  const reply = "Thought: streaming works.\n<code>\nfinal_answer('streamed')\n</code>";
  for (const verbosity of ["1", "0"]) {
    await using server = new FakeServer([sse([chunk({ role: "assistant", content: reply })])]);
    const run = await runCliProcess([
      "Stream",
      ...openai(server),
      "--stream",
      "--verbosity-level",
      verbosity,
    ]);
    assertEquals(run.code, 0, run.stderr);
    assertEquals(run.stdout, "streamed\n");
    if (verbosity === "0") {
      // The CLI writes the stream itself, and ends its last line before the answer.
      assertEquals(run.stderr, `${reply}\n`);
    } else {
      assertStringIncludes(run.stderr, `${reply}\n─ Executing parsed code:`);
    }
  }
});

Deno.test("smolagent says what Hugging Face and Azure miss in its own flags and variables", async () => {
  const unset = {
    HF_TOKEN: undefined,
    AZURE_OPENAI_ENDPOINT: undefined,
    AZURE_OPENAI_API_KEY: undefined,
    OPENAI_API_VERSION: undefined,
  };
  const run = async (args: string[], env: Record<string, string | undefined> = {}) => {
    let err = "";
    const exit = await withEnv(
      { ...unset, ...env },
      () => runCli(args, { stderr: (t) => (err += t), signal: new AbortController().signal }),
    );
    assertEquals(exit, 2, err);
    // Not the library's option names, nor Deno's flag (in the CLI, the sandbox's).
    assert(!/--allow-env|pass token|azureEndpoint|apiKey|apiVersion/.test(err), err);
    return err;
  };
  assertStringIncludes(await run(["task"]), "pass --api-key, or set HF_TOKEN");
  assertStringIncludes(
    await run(["task", "--api-key", "tgp_v1_example"]),
    "pass --provider with the provider it belongs to",
  );
  const azure = ["task", "--model-type", "AzureOpenAIModel", "--model-id", "my-gpt"];
  assertStringIncludes(await run(azure), "pass --api-base https://<resource>.openai.azure.com");
  const withEndpoint = [...azure, "--api-base", "https://res.openai.azure.com"];
  assertStringIncludes(await run(withEndpoint), "set OPENAI_API_VERSION");
  assertStringIncludes(
    await run(withEndpoint, { OPENAI_API_VERSION: "2024-10-21" }),
    "pass --api-key, or set AZURE_OPENAI_API_KEY",
  );
});

Deno.test("smolagent exits 2 on usage errors before contacting any model", async () => {
  await using server = new FakeServer([code("final_answer(1)")]);
  const unknown = await runCliProcess(["task", "--frobnicate", ...openai(server)]);
  assertEquals(unknown.code, 2);
  assertStringIncludes(unknown.stderr, 'Unknown option "--frobnicate"');
  const azure = await runCliProcess(["task", "--model-type", "AzureOpenAIServerModel"]);
  assertEquals(azure.code, 2);
  assertStringIncludes(azure.stderr, "--model-id is required with AzureOpenAIServerModel");
  const noKey = await runCliProcess(["task", "--model-type", "OpenAIServerModel"]);
  assertEquals(noKey.code, 2);
  // In CLI terms: the flag and the variable, not the library's option or a Deno flag.
  assertStringIncludes(noKey.stderr, "pass --api-key, or set OPENAI_API_KEY");
  assert(!noKey.stderr.includes("--allow-env"), noKey.stderr);
  const alias = await runCliProcess(["task", "--model-type", "OpenAIModel"]);
  assertEquals(alias.code, 2);
  assertStringIncludes(alias.stderr, "pass --api-key, or set OPENAI_API_KEY");
  assertEquals(server.requests.length, 0);
});

Deno.test("smolagent without a task and without a terminal exits 2 with a hint", async () => {
  const run = await runCliProcess([]);
  assertEquals(run.code, 2);
  assertStringIncludes(run.stderr, "no task given: pass it as the first argument");
});

Deno.test("smolagent --help documents every option and exits 0", async () => {
  const run = await runCliProcess(["--help"]);
  assertEquals(run.code, 0);
  for (
    const flag of [
      "--model-type",
      "--model-id",
      "--api-base",
      "--api-key",
      "--provider",
      "--action-type",
      "--tools",
      "--imports",
      "--allow-net",
      "--allow-read",
      "--max-steps",
      "--planning-interval",
      "--verbosity-level",
      "--mcp-server",
      "--stream",
      "Exit codes",
    ]
  ) assertStringIncludes(run.stdout, flag);
});

Deno.test("smolagent --action-type tool_calling answers through a native tool call", async () => {
  await using server = new FakeServer([
    completion(null, {
      toolCalls: [{ id: "c1", name: "final_answer", arguments: '{"answer":"blue"}' }],
    }),
  ]);
  const run = await runCliProcess([
    "Sky colour?",
    ...openai(server),
    "--action-type",
    "tool_calling",
  ]);
  assertEquals(run.code, 0, run.stderr);
  assertEquals(run.stdout, "blue\n");
  const tools = server.requests[0].body.tools as { function: { name: string } }[];
  assert(tools.some((t) => t.function.name === "final_answer"));
});

Deno.test("smolagent gives the sandbox exactly the --allow-* permissions it was given", async () => {
  await using server = new FakeServer([
    code(
      "try { Deno.env.get('HOME'); console.log('env ok'); } catch (e) { console.log('env denied'); }\ntry { await Deno.readTextFile('/etc/hostname'); console.log('read ok'); } catch { console.log('read denied'); }",
    ),
    code("final_answer('done')"),
  ]);
  const run = await runCliProcess(["Probe", ...openai(server), "--allow-read=/etc/hostname"]);
  assertEquals(run.code, 0, run.stderr);
  assertStringIncludes(run.stderr, "env denied");
  assertStringIncludes(run.stderr, "read ok");
});

Deno.test("smolagent --stream shows the model's reply on stderr once, as it arrives, at every verbosity", async () => {
  const reply = "Thought: streaming works.\n<code>\nfinal_answer('streamed')\n</code>";
  // The thought arrives whole in the first fragment, so a copy of it is counted whole.
  const cut = reply.indexOf("<code>");
  // At 1 the logger renders the stream live; at 0 (errors only) the CLI writes it itself.
  for (const verbosity of ["1", "0"]) {
    await using server = new FakeServer([
      sse([
        chunk({ role: "assistant", content: reply.slice(0, cut) }),
        chunk({ content: reply.slice(cut) }),
        chunk({}, { choices: [{ index: 0, delta: {}, finish_reason: "stop" }] }),
      ]),
    ]);
    const run = await runCliProcess([
      "Stream",
      ...openai(server),
      "--stream",
      "--verbosity-level",
      verbosity,
    ]);
    assertEquals(run.code, 0, run.stderr);
    assertEquals(run.stdout, "streamed\n");
    assertEquals(
      run.stderr.split("Thought: streaming works.").length - 1,
      1,
      `--verbosity-level ${verbosity}: stderr was ${run.stderr}`,
    );
    assertEquals(server.requests[0].body.stream, true);
  }
});

Deno.test("smolagent --mcp-server adds the tools of an MCP server reached over HTTP", async () => {
  const { serveMcp } = await import("../../tools/mcp.ts");
  const add = tool({
    name: "add",
    description: "Adds two numbers.",
    inputs: { a: { type: "number", description: "a" }, b: { type: "number", description: "b" } },
    outputType: "number",
    forward: ({ a, b }) => a + b,
  });
  await using mcp = await serveMcp(add, { port: 0 });
  await using server = new FakeServer([
    code("const sum = await add({ a: 2, b: 3 });\nfinal_answer(`sum=${sum}`);"),
  ]);
  const run = await runCliProcess(["Add", ...openai(server), "--mcp-server", String(mcp.url)]);
  assertEquals(run.code, 0, run.stderr);
  assertEquals(run.stdout, "sum=5\n");
  assertStringIncludes(JSON.stringify(server.requests[0].body.messages), "add");
});

/**
 * Sends Ctrl-C once `ready()` holds and the CLI runs a sandbox, then checks
 * that it stopped with exit 130 and left no process or directory behind.
 */
async function interruptCli(child: Deno.ChildProcess, ready: () => boolean): Promise<void> {
  let sandboxes: number[] = [];
  for (let i = 0; i < 400 && !(ready() && sandboxes.length > 0); i++) {
    await new Promise((r) => setTimeout(r, 25));
    sandboxes = childrenOf(child.pid);
  }
  assert(ready(), "the CLI never reached the phase to interrupt");
  assert(sandboxes.length > 0, "the sandbox process should have started");
  const dirs = await dirsLeftBy(child.pid);
  assert(dirs.length > 0, "the sandbox's directories should exist while it runs");
  child.kill("SIGINT");
  // A CLI that ignored the interrupt would wait forever: bound the wait.
  let ignored = false;
  const guard = setTimeout(() => {
    ignored = true;
    child.kill("SIGKILL");
  }, 60_000);
  const out = await child.output();
  clearTimeout(guard);
  const stderr = new TextDecoder().decode(out.stderr);
  assert(!ignored, `the CLI did not stop within a minute of Ctrl-C: ${stderr}`);
  assertEquals(out.code, 130, stderr);
  assertStringIncludes(stderr, "Interrupted");
  for (const pid of sandboxes) assert(!isAlive(pid), `sandbox process ${pid} is still running`);
  assertEquals(await dirsLeftBy(child.pid), []);
}

Deno.test("smolagent stops on Ctrl-C during a code step with exit 130 and leaves nothing behind", async () => {
  await using server = new FakeServer([
    code("console.log('sleeping');\nawait new Promise((r) => setTimeout(r, 60_000));"),
  ]);
  const child = spawnCli(["Sleep", ...openai(server)]);
  await interruptCli(child, () => server.requests.length > 0);
});

Deno.test("smolagent stops on Ctrl-C during a model call, abandoning the request, and leaves nothing behind", async () => {
  let entered = false;
  const { promise: abandoned, resolve: onAbandon } = Promise.withResolvers<void>();
  await using server = new FakeServer([
    code("console.log('first step');"),
    () => {
      entered = true;
      // The headers, then a body that never comes: its stream is cancelled
      // only when the client gives up on the request.
      const body = new ReadableStream({ cancel: () => onAbandon() });
      return new Response(body, { headers: { "content-type": "application/json" } });
    },
  ]);
  const child = spawnCli(["Wait for the model", ...openai(server)]);
  await interruptCli(child, () => entered);
  await abandoned;
});

Deno.test("smolagent stops on Ctrl-C during an MCP tool call, cancelling the call on the server, and leaves nothing behind", async () => {
  const { serveMcp } = await import("../../tools/mcp.ts");
  let entered = false;
  const { promise: cancelled, resolve: onCancel } = Promise.withResolvers<void>();
  const waitForever = tool({
    name: "wait_forever",
    description: "Waits until cancelled.",
    inputs: {},
    outputType: "string",
    forward: (_args, { signal }) => {
      entered = true;
      return new Promise<string>((_resolve, reject) =>
        signal?.addEventListener("abort", () => {
          onCancel();
          reject(signal.reason);
        })
      );
    },
  });
  await using mcp = await serveMcp(waitForever, { port: 0 });
  await using server = new FakeServer([
    code("const r = await wait_forever({});\nfinal_answer(r);"),
  ]);
  const child = spawnCli(["Wait", ...openai(server), "--mcp-server", String(mcp.url)]);
  await interruptCli(child, () => entered);
  await cancelled;
});

Deno.test("runCli() answers --help and --version in-process without a model", async () => {
  let out = "";
  assertEquals(await runCli(["--version"], { stdout: (t) => (out += t) }), 0);
  assertMatch(out, /^smolagent \d+\.\d+\.\d+\n$/);
});

Deno.test("runCli() asks for the task and the model when none is given", async () => {
  await using server = new FakeServer([code("final_answer('asked')")]);
  const answers = ["Say asked", "OpenAIServerModel", "test-model"];
  const questions: string[] = [];
  let out = "";
  const codeOut = await runCli(["--api-base", `${server.origin}/v1`, "--verbosity-level", "0"], {
    stdout: (t) => (out += t),
    stderr: () => {},
    ask: (q) => {
      questions.push(q);
      return Promise.resolve(answers.shift() ?? null);
    },
    signal: new AbortController().signal,
  });
  assertEquals(codeOut, 0);
  assertEquals(out, "asked\n");
  assertEquals(questions.length, 3);
  assertStringIncludes(questions[1], "Model type");
  assertStringIncludes(JSON.stringify(server.requests[0].body.messages), "Say asked");
});

Deno.test({
  name: "smolagent without a task asks for it on a real terminal, then runs it",
  ignore: !hasScript(),
  fn: async () => {
    await using server = new FakeServer([code("final_answer('from the terminal')")]);
    // `script` gives the CLI a pseudo-terminal, as when a user types the command.
    const command = [
      Deno.execPath(),
      "run",
      "--allow-all",
      "--config",
      CONFIG,
      CLI,
      "--api-base",
      `${server.origin}/v1`,
      "--verbosity-level",
      "0",
    ];
    const child = spawnOnTerminal(command);
    const writer = child.stdin.getWriter();
    const output = child.output();
    // One answer per question, typed after the prompt has had time to appear.
    for (const line of ["Say something", "OpenAIServerModel", "test-model"]) {
      await new Promise((r) => setTimeout(r, 700));
      await writer.write(new TextEncoder().encode(`${line}\n`));
    }
    await writer.close();
    const out = await output;
    const text = new TextDecoder().decode(out.stdout);
    assertEquals(out.code, 0, text);
    assertStringIncludes(text, "What should the agent do?");
    assertStringIncludes(text, "from the terminal");
    assertStringIncludes(JSON.stringify(server.requests[0]?.body.messages), "Say something");
  },
});
