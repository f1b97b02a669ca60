// The `webagent` command: its arguments, and whole runs against a local
// server speaking the OpenAI wire format, a local site and a real Chromium
// (skipped, saying why, where Chromium is missing).

import { assert, assertEquals, assertStringIncludes, assertThrows } from "../_assert.ts";
import { childrenOf, isAlive } from "../_processes.ts";
import { completion, FakeServer } from "../models/_fake_server.ts";
import { CliUsageError } from "../../src/cli/_args.ts";
import { runCli } from "../../src/cli/mod.ts";
import { parseWebAgentArgs, runWebAgentCli, WEB_HELP } from "../../src/cli/web.ts";
import { findExecutable } from "../../tools/_browser_process.ts";
import { startSite } from "../tools/_browser_site.ts";

const executable = findExecutable();
const skip: string | false = executable && exists(executable)
  ? false
  : "Chromium is not installed: run .ci/chromium.sh (apt-get install -y chromium)";
if (skip && Deno.env.get("SMOLDENO_REQUIRE_CHROMIUM") === "1") {
  Deno.test("the webagent browser tests must run here (SMOLDENO_REQUIRE_CHROMIUM=1)", () => {
    throw new Error(`The webagent browser tests must run here, but ${skip}`);
  });
} else if (skip) {
  console.warn(`SKIPPING the webagent browser tests: ${skip}`);
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function code(thought: string, body: string): Response {
  return completion(`Thought: ${thought}\n<code>\n${body}\n</code>`);
}

function openai(server: FakeServer): string[] {
  return [
    "--model-type",
    "OpenAIServerModel",
    "--model-id",
    "vision-model",
    "--api-base",
    `${server.origin}/v1`,
  ];
}

Deno.test("parseWebAgentArgs() reads the model, browser and agent flags", () => {
  const options = parseWebAgentArgs([
    "Find the price",
    "--model-type",
    "OpenAIModel",
    "--model-id",
    "gpt-4o",
    "--viewport",
    "800x600",
    "--screenshots",
    "3",
    "--allow-private-network=127.0.0.1,wiki.lan",
    "--headed",
    "--max-steps",
    "5",
  ]);
  assertEquals(options.task, "Find the price");
  assertEquals(options.modelType, "OpenAIServerModel");
  assertEquals(options.viewport, { width: 800, height: 600 });
  assertEquals(options.screenshots, 3);
  assertEquals(options.allowPrivateNetwork, ["127.0.0.1", "wiki.lan"]);
  assertEquals([options.headed, options.maxSteps], [true, 5]);
  assertEquals(parseWebAgentArgs(["--allow-private-network", "task"]).allowPrivateNetwork, true);
  const defaults = parseWebAgentArgs(["task"]);
  assertEquals(defaults.allowPrivateNetwork, false);
  assertEquals([defaults.screenshots, defaults.headed, defaults.verbosity], [2, false, 1]);
});

Deno.test("parseWebAgentArgs() rejects what it cannot use, saying what is expected", () => {
  assertThrows(() => parseWebAgentArgs(["--viewport", "big"]), CliUsageError, "like 1024x768");
  assertThrows(() => parseWebAgentArgs(["--screenshots=-1"]), CliUsageError, ">= 0");
  assertThrows(() => parseWebAgentArgs(["--model-type", "Nope"]), CliUsageError, '"Nope"');
  assertThrows(
    () => parseWebAgentArgs(["--tools", "x"]),
    CliUsageError,
    'Unknown option "--tools"',
  );
  assertThrows(() => parseWebAgentArgs(["--api-base", "ftp://x"]), CliUsageError, "http(s) URL");
});

Deno.test("webagent --help prints the help; no task or no key is exit 2 before any browser starts", async () => {
  let out = "";
  assertEquals(await runWebAgentCli(["--help"], { stdout: (t) => (out += t) }), 0);
  assertEquals(out, WEB_HELP);
  let err = "";
  const io = { stderr: (t: string) => (err += t), signal: new AbortController().signal };
  assertEquals(await runWebAgentCli([], io), 2);
  assertStringIncludes(err, "no task given");
  err = "";
  const before = childrenOf(Deno.pid).length;
  const noKey = await runWebAgentCli(["task", "--model-type", "OpenAIServerModel"], io);
  if (Deno.env.get("OPENAI_API_KEY")) return;
  assertEquals(noKey, 2);
  assertStringIncludes(err, "Missing API key for OpenAI");
  assertEquals(childrenOf(Deno.pid).length, before);
});

Deno.test({
  name:
    "webagent runs a browser agent to its answer and sends the model screenshots (fake OpenAI server)",
  ignore: skip !== false,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    await using site = startSite();
    await using server = new FakeServer([
      code(
        "I open the shop and go to its products.",
        `console.log(await go_to("${site.origin}/"));\nconsole.log(await click({ target: "Products" }));`,
      ),
      code(
        "The screenshot shows page 1. I read it.",
        "final_answer((await page_text()).includes('Bramley apples: £3.20') ? 'Bramley apples cost £3.20' : 'not found');",
      ),
    ]);
    let out = "";
    let err = "";
    const code0 = await runWebAgentCli(
      [
        "How much are Bramley apples?",
        ...openai(server),
        "--allow-private-network=127.0.0.1",
        "--viewport",
        "640x480",
      ],
      {
        stdout: (t) => (out += t),
        stderr: (t) => (err += t),
        signal: new AbortController().signal,
      },
    );
    assertEquals(code0, 0, err);
    assertEquals(out, "Bramley apples cost £3.20\n");
    assertStringIncludes(err, "Products, page 1 of 3");
    // The second request carries the screenshot of step 1 as an image part, and its URL.
    const messages = JSON.stringify(server.requests[1].body.messages);
    assertStringIncludes(messages, '"url":"data:image/png;base64,');
    assertStringIncludes(messages, `Current URL: ${site.origin}/products?page=1`);
    assert(site.requests.includes("/products?page=1"));
    // The browser is closed: no Chromium below this process.
    const chromium = childrenOf(Deno.pid).filter((pid) => {
      try {
        return Deno.readTextFileSync(`/proc/${pid}/cmdline`).includes("chromium");
      } catch {
        return false;
      }
    }).filter(isAlive);
    assertEquals(chromium, []);
  },
});

Deno.test({
  name: "webagent interrupted by Ctrl-C closes the browser and exits 130 (fake OpenAI server)",
  ignore: skip !== false,
  fn: async () => {
    await using site = startSite();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await using server = new FakeServer([
      code("I open the shop.", `console.log(await go_to("${site.origin}/"));`),
      // The second model call waits, so the test can interrupt mid-run.
      async () => {
        await held;
        return completion("<code>\nfinal_answer('late')\n</code>");
      },
    ]);
    const cli = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--config",
        new URL("../../deno.json", import.meta.url).pathname,
        new URL("../../src/cli/web.ts", import.meta.url).pathname,
        "Open the shop",
        ...openai(server),
        "--allow-private-network=127.0.0.1",
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      clearEnv: true,
      env: {
        PATH: Deno.env.get("PATH") ?? "",
        HOME: Deno.env.get("HOME") ?? "/tmp",
        NO_COLOR: "1",
      },
    }).spawn();
    try {
      const deadline = Date.now() + 60_000;
      while (server.requests.length < 2 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assertEquals(server.requests.length, 2, "the CLI did not reach its second step");
      const below = childrenOf(cli.pid);
      assert(below.length > 2, `expected the browser below the CLI, got ${below}`);
      cli.kill("SIGINT");
      const result = await cli.output();
      const stderr = new TextDecoder().decode(result.stderr);
      assertEquals(result.code, 130, stderr);
      assertStringIncludes(stderr, "Interrupted: stopping the agent and closing the browser");
      const deadline2 = Date.now() + 20_000;
      while (below.some(isAlive) && Date.now() < deadline2) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assertEquals(below.filter(isAlive), []);
    } finally {
      release();
    }
  },
});

Deno.test("`smolagent web` is the webagent command: its help, and its usage errors with exit code 2", async () => {
  let out = "";
  assertEquals(await runCli(["web", "--help"], { stdout: (t) => (out += t) }), 0);
  assert(out.startsWith("webagent: a browser agent"), out);
  let err = "";
  assertEquals(await runCli(["web"], { stderr: (t) => (err += t), stdout: () => {} }), 2);
  assert(err.includes("no task given"), err);
});
