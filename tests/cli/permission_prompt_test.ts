// The CLI's permission conversation: the code is denied a permission, the
// CLI asks y/N/always, the sandbox is widened by exactly that, and "always"
// answers land in the --permission-policy file that later runs read. Real
// sandboxes; the model is a local server speaking the OpenAI wire format.
import { hasScript, spawnOnTerminal } from "./_terminal.ts";
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { completion, FakeServer } from "../models/_fake_server.ts";
import { runCli } from "../../src/cli/mod.ts";

const CLI = new URL("../../src/cli/mod.ts", import.meta.url).pathname;
const CONFIG = new URL("../../deno.json", import.meta.url).pathname;

function code(body: string): Response {
  return completion(`Thought: I will read the file.\n<code>\n${body}\n</code>`);
}

function openai(server: FakeServer): string[] {
  return [
    "--model-type",
    "OpenAIServerModel",
    "--model-id",
    "m",
    "--api-base",
    `${server.origin}/v1`,
  ];
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  questions: string[];
}

async function run(args: string[], answers: (string | null)[] = []): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const questions: string[] = [];
  const exit = await runCli([...args, "--verbosity-level", "0"], {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    ask: (q) => {
      questions.push(q);
      return Promise.resolve(answers.length ? answers.shift()! : null);
    },
    signal: new AbortController().signal,
  });
  return { code: exit, stdout, stderr, questions };
}

async function withFile(fn: (dir: string, file: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "smolagent-policy-" });
  const file = `${dir}/secret.txt`;
  await Deno.writeTextFile(file, "forty-two");
  try {
    await fn(dir, file);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const readCode = (file: string) =>
  code(`final_answer(Deno.readTextFileSync(${JSON.stringify(file)}))`);

Deno.test("answering y grants that one file for the run: the step runs again and reads it", async () => {
  await withFile(async (_dir, file) => {
    await using server = new FakeServer([readCode(file)]);
    const r = await run(["Read the file", ...openai(server)], ["y"]);
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.stdout, "forty-two\n");
    assertEquals(r.questions.length, 1);
    assertStringIncludes(r.questions[0], `wants to read ${JSON.stringify(file)}`);
    assertStringIncludes(r.questions[0], "[y] this run, [a] always (for the rest of this command)");
    // One model call: the grant retried the same step, the model was not asked again.
    assertEquals(server.requests.length, 1);
  });
});

Deno.test("answering N (or nothing) denies: the model sees the permission error", async () => {
  await withFile(async (_dir, file) => {
    for (const answer of ["", "n", null]) {
      await using server = new FakeServer([readCode(file), code("final_answer('gave up')")]);
      const r = await run(["Read the file", ...openai(server)], [answer]);
      assertEquals(r.code, 0, r.stderr);
      assertEquals(r.stdout, "gave up\n");
      assertStringIncludes(r.stderr, "Denied to read");
      assertStringIncludes(JSON.stringify(server.requests[1].body.messages), "NotCapable");
    }
  });
});

Deno.test("answering always saves the exact grant to --permission-policy, which a later run reads without asking", async () => {
  await withFile(async (dir, file) => {
    const policy = `${dir}/policy.json`;
    {
      await using server = new FakeServer([readCode(file)]);
      const r = await run(
        ["Read the file", ...openai(server), "--permission-policy", policy],
        ["always"],
      );
      assertEquals(r.code, 0, r.stderr);
      assertStringIncludes(r.questions[0], `[a] always (saved to ${policy})`);
      assertStringIncludes(r.stderr, `Saved to ${policy}: later runs allow it without asking.`);
    }
    assertEquals(JSON.parse(await Deno.readTextFile(policy)), {
      allow: { read: [file] },
      deny: {},
    });
    // Only the policy file remains: the save left no temporary file behind.
    const names = [];
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
    assertEquals(names.sort(), ["policy.json", "secret.txt"]);
    {
      await using server = new FakeServer([readCode(file)]);
      const r = await run([
        "Read the file",
        ...openai(server),
        "--permission-policy",
        policy,
        "--no-permission-prompt",
      ]);
      assertEquals(r.code, 0, r.stderr);
      assertEquals(r.stdout, "forty-two\n");
      assertEquals(r.questions, []);
    }
  });
});

Deno.test("--deny-read wins over the policy's grant, and nobody is asked about what it covers", async () => {
  await withFile(async (dir, file) => {
    const policy = `${dir}/policy.json`;
    await Deno.writeTextFile(policy, JSON.stringify({ allow: { read: [file] } }));
    await using server = new FakeServer([readCode(file), code("final_answer('denied')")]);
    const r = await run(
      ["Read the file", ...openai(server), "--permission-policy", policy, `--deny-read=${dir}`],
      ["a"],
    );
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.stdout, "denied\n");
    assertEquals(r.questions, []);
    // The policy's deny list works the same way.
    await Deno.writeTextFile(
      policy,
      JSON.stringify({ allow: { read: [file] }, deny: { read: [dir] } }),
    );
    await using again = new FakeServer([readCode(file), code("final_answer('denied')")]);
    const r2 = await run(["Read the file", ...openai(again), "--permission-policy", policy], ["y"]);
    assertEquals(r2.stdout, "denied\n");
    assertEquals(r2.questions, []);
  });
});

Deno.test("a policy file that is not a policy is a usage error naming the problem, before any model call", async () => {
  await withFile(async (dir) => {
    const policy = `${dir}/policy.json`;
    await using server = new FakeServer([]);
    const cases: [string, string][] = [
      ["{ not json", "is not valid JSON"],
      ["[]", 'must hold an object with "allow" and/or "deny"'],
      ['{"grant": {}}', 'unknown key "grant"'],
      ['{"allow": {"network": ["x"]}}', 'unknown permission "network"'],
      ['{"allow": {"net": true}}', "a whole permission is granted by the --allow flags only"],
    ];
    for (const [text, message] of cases) {
      await Deno.writeTextFile(policy, text);
      const r = await run(["task", ...openai(server), "--permission-policy", policy]);
      assertEquals(r.code, 2, text);
      assertStringIncludes(r.stderr, message);
    }
    assertEquals(server.requests.length, 0);
  });
});

Deno.test({
  name: "on a real terminal smolagent asks y/N/always and the answer typed there grants the read",
  ignore: !hasScript(),
  fn: async () => {
    await withFile(async (dir, file) => {
      const policy = `${dir}/policy.json`;
      await using server = new FakeServer([readCode(file)]);
      const command = [
        Deno.execPath(),
        "run",
        "--allow-all",
        "--config",
        CONFIG,
        CLI,
        "Read the file",
        ...openai(server),
        "--permission-policy",
        policy,
        "--verbosity-level",
        "0",
      ];
      // A pseudo-terminal, as when a user runs it.
      const child = spawnOnTerminal(command);
      const writer = child.stdin.getWriter();
      let text = "";
      const decoder = new TextDecoder();
      // Type the answer once the question is on the terminal.
      for await (const bytes of child.stdout) {
        text += decoder.decode(bytes, { stream: true });
        if (text.includes("Allow?") && !text.includes("\u0000typed")) {
          await writer.write(new TextEncoder().encode("a\n"));
          await writer.close();
          text += "\u0000typed";
        }
      }
      const status = await child.status;
      await child.stderr.cancel();
      assertEquals(status.code, 0, text);
      assert(text.includes(`wants to read "${file}"`), text);
      assertStringIncludes(text, "forty-two");
      assertEquals(JSON.parse(await Deno.readTextFile(policy)).allow.read, [file]);
    });
  },
});
