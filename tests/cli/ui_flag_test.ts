// `smolagent --ui`: the CLI's flags build one agent per browser session and
// the web UI serves them; a task typed in a session runs in a real sandbox
// that may read the session's uploads. Driven over the UI's HTTP API (the
// page itself is tested in real Chromium by tests/ui/page_test.ts).
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { completion, FakeServer } from "../models/_fake_server.ts";
import { runCli } from "../../src/cli/mod.ts";
import { childrenOf } from "../_processes.ts";

function code(body: string): Response {
  return completion(`Thought: read the upload.\n<code>\n${body}\n</code>`);
}

async function waitFor(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

Deno.test("smolagent --ui serves the chat page; a session's task runs with the CLI's flags and reads its upload", async () => {
  await using server = new FakeServer([
    code("final_answer(Deno.readTextFileSync(files[0]).toUpperCase())"),
  ]);
  const controller = new AbortController();
  let stderr = "";
  const before = childrenOf(Deno.pid);
  const exit = runCli([
    "--ui",
    "--ui-port",
    "0",
    "--model-type",
    "OpenAIServerModel",
    "--model-id",
    "m",
    "--api-base",
    `${server.origin}/v1`,
  ], { stderr: (t) => (stderr += t), stdout: () => {}, signal: controller.signal });
  try {
    await waitFor("the address", () => /open (http:\S+)/.test(stderr));
    const url = /open (http:\S+)/.exec(stderr)![1];
    assert(url.startsWith("http://127.0.0.1:"), url);

    const page = await fetch(url);
    assertEquals(page.status, 200);
    assertStringIncludes(await page.text(), "<title>smolagent</title>");

    const opened = await fetch(`${url}api/sessions`, { method: "POST" });
    assertEquals(opened.status, 201);
    const { id } = await opened.json();
    const upload = await fetch(`${url}api/sessions/${id}/files?name=note.txt`, {
      method: "POST",
      body: "hello from the upload",
    });
    assertEquals(upload.status, 201);
    const started = await fetch(`${url}api/sessions/${id}/tasks`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ task: "Shout the note" }),
    });
    assertEquals(started.status, 202, await started.clone().text());
    await started.body?.cancel();
    let last: { type?: string; output?: unknown } = {};
    await waitFor("the final answer", async () => {
      const memory = await fetch(`${url}api/sessions/${id}/memory`);
      last = (await memory.json()).steps?.at(-1) ?? {};
      return last.type === "final_answer";
    });
    assertEquals(last.output, "HELLO FROM THE UPLOAD");
    assertStringIncludes(JSON.stringify(server.requests[0].body.messages), "Shout the note");
  } finally {
    controller.abort();
  }
  assertEquals(await exit, 130);
  // Ctrl-C closed the server with every session's sandbox.
  await waitFor("the sandboxes to end", () => childrenOf(Deno.pid).length <= before.length);
});

Deno.test("smolagent --ui asks the page about a denied read; 'always' lands in --permission-policy", async () => {
  const dir = await Deno.makeTempDir({ prefix: "smolagent-ui-policy-" });
  const file = `${dir}/data.txt`;
  const policy = `${dir}/policy.json`;
  await Deno.writeTextFile(file, "from disk");
  await using server = new FakeServer([
    code(`final_answer(Deno.readTextFileSync(${JSON.stringify(file)}))`),
  ]);
  const controller = new AbortController();
  let stderr = "";
  const exit = runCli([
    "--ui",
    "--ui-port",
    "0",
    "--permission-policy",
    policy,
    "--model-type",
    "OpenAIServerModel",
    "--model-id",
    "m",
    "--api-base",
    `${server.origin}/v1`,
  ], { stderr: (t) => (stderr += t), stdout: () => {}, signal: controller.signal });
  try {
    await waitFor("the address", () => /open (http:\S+)/.test(stderr));
    const url = /open (http:\S+)/.exec(stderr)![1];
    const { id } = await (await fetch(`${url}api/sessions`, { method: "POST" })).json();
    const base = `${url}api/sessions/${id}`;
    const events = await fetch(`${base}/events`);
    const reader = events.body!.pipeThrough(new TextDecoderStream()).getReader();
    await (await fetch(`${base}/tasks`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ task: "Read the file" }),
    })).body?.cancel();
    let seen = "";
    while (!/"type":"permission_request","id":(\d+)/.test(seen)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the stream ended before a request: ${seen}`);
      seen += value;
    }
    const requestId = /"type":"permission_request","id":(\d+)/.exec(seen)![1];
    assertStringIncludes(seen, JSON.stringify(file));
    const answered = await fetch(`${base}/permissions/${requestId}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ decision: "always" }),
    });
    assertEquals(answered.status, 200);
    await answered.body?.cancel();
    while (!seen.includes('"type":"run_finished"')) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += value;
    }
    await reader.cancel();
    assertStringIncludes(seen, '"outcome":"done"');
    assertEquals(JSON.parse(await Deno.readTextFile(policy)).allow.read, [file]);
  } finally {
    controller.abort();
    await exit;
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--ui with a task on the command line, or --ui-port without --ui, is a usage error", async () => {
  for (
    const [args, message] of [
      [["--ui", "a task"], "--ui serves a chat page where tasks are typed"],
      [["--ui-port", "8000", "task"], "--ui-host and --ui-port go with --ui"],
      [["--ui", "--ui-port", "70000"], "--ui-port must be at most 65535"],
    ] as const
  ) {
    let stderr = "";
    const exit = await runCli([...args], { stderr: (t) => (stderr += t), stdout: () => {} });
    assertEquals(exit, 2, args.join(" "));
    assertStringIncludes(stderr, message);
  }
});
