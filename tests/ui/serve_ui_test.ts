// serveUI() over plain HTTP, no browser: options, the bind and token rules,
// the Host and Origin checks, the session API and its refusals, the
// dropped-connection rule, limits, and that closing leaves nothing behind.

import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStringIncludes,
} from "../_assert.ts";
import { CodeAgent } from "../../src/agents/code_agent.ts";
import { LogLevel } from "../../src/logger.ts";
import { ScriptedModel } from "../../src/testing.ts";
import { tool } from "../../src/tool.ts";
import { serveUI, type UIListenInfo } from "../../src/ui/mod.ts";
import { childrenOf, isAlive } from "../_processes.ts";
import {
  assertNothingLeft,
  exists,
  pacedModel,
  quiet,
  scriptedAgent,
  snapshot,
  waitFor,
} from "./_agents.ts";

const FINAL = "<code>\nfinal_answer('ok');\n</code>";

async function openSession(url: string, init: RequestInit = {}): Promise<string> {
  const response = await fetch(`${url}api/sessions`, { method: "POST", ...init });
  const body = await response.json();
  assertEquals(response.status, 201, body.error);
  return body.id;
}

function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** Reads a session's event stream as parsed messages, with the SSE ids. */
class EventReader {
  readonly messages: Record<string, unknown>[] = [];
  readonly #controller = new AbortController();
  readonly #done: Promise<void>;
  lastId = 0;

  constructor(url: string, lastId = 0) {
    this.#done = (async () => {
      const response = await fetch(url, {
        signal: this.#controller.signal,
        headers: lastId ? { "last-event-id": String(lastId) } : {},
      });
      if (!response.ok) {
        this.messages.push({ type: "http_error", status: response.status });
        await response.body?.cancel();
        return;
      }
      const decoder = new TextDecoder();
      let buffer = "";
      try {
        for await (const chunk of response.body!) {
          buffer += decoder.decode(chunk, { stream: true });
          let end: number;
          while ((end = buffer.indexOf("\n\n")) !== -1) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const id = /^id: (\d+)$/m.exec(frame)?.[1];
            const data = /^data: (.*)$/m.exec(frame)?.[1];
            if (id) this.lastId = Number(id);
            if (data) this.messages.push(JSON.parse(data));
          }
        }
      } catch (error) {
        if (!this.#controller.signal.aborted) throw error;
      }
    })();
  }

  has(predicate: (m: Record<string, unknown>) => boolean): boolean {
    return this.messages.some(predicate);
  }

  /** Drops the connection, as a network failure would. */
  async drop(): Promise<void> {
    this.#controller.abort();
    await this.#done.catch(() => {});
  }

  /** Waits for the server to end the stream. */
  ended(): Promise<void> {
    return this.#done;
  }
}

const agentEvent = (type: string) => (m: Record<string, unknown>) =>
  m.type === "agent" && (m.event as { type: string }).type === type;

Deno.test("serveUI() checks its arguments before it binds a port or makes a folder", async () => {
  const factory = () => scriptedAgent([FINAL]);
  await assertRejects(
    () => serveUI("agent" as unknown as () => CodeAgent),
    TypeError,
    "agentFactory must be a function",
  );
  await assertRejects(() => serveUI(factory, { port: 70_000 }), RangeError, "port must be");
  await assertRejects(() => serveUI(factory, { maxUploads: 0 }), RangeError, "maxUploads must");
  await assertRejects(
    () => serveUI(factory, { idleTimeoutMs: 1.5 }),
    RangeError,
    "idleTimeoutMs must",
  );
  await assertRejects(
    () => serveUI(factory, { accessToken: "short" }),
    RangeError,
    "at least 16 characters",
  );
  await assertRejects(
    () => serveUI(factory, { hostname: "0.0.0.0", accessToken: false }),
    TypeError,
    'Cannot serve the UI on "0.0.0.0" without an access token',
  );
});

Deno.test("an onListen that throws leaves no server behind", async () => {
  let url = "";
  await assertRejects(
    () =>
      serveUI(() => scriptedAgent([FINAL]), {
        onListen: (info) => {
          url = info.url;
          throw new Error("cannot print");
        },
      }),
    Error,
    "cannot print",
  );
  await assertRejects(() => fetch(url), TypeError);
});

Deno.test("the page and its assets are served by the package, with a CSP that allows no inline script and nothing from elsewhere", async () => {
  await using server = await serveUI(() => scriptedAgent([FINAL]), { ...quiet(), title: "<Demo>" });
  assertMatch(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const page = await fetch(server.url);
  const html = await page.text();
  assertEquals(page.status, 200);
  assertStringIncludes(html, "<title>&#60;Demo&#62;</title>");
  const csp = page.headers.get("content-security-policy")!;
  assertStringIncludes(csp, "script-src 'self'");
  assertStringIncludes(csp, "default-src 'none'");
  assertEquals(/https?:\/\//.test(html), false, "the page links nothing outside the server");
  for (const src of html.matchAll(/(?:src|href)="(\/[^"]+)"/g)) {
    const asset = await fetch(new URL(src[1], server.url));
    assertEquals(asset.status, 200, src[1]);
    const text = await asset.text();
    assertEquals(/\bfrom\s+["']https?:/.test(text), false, `${src[1]} imports nothing remote`);
  }
  const app = await (await fetch(`${server.url}assets/_app.js`)).text();
  for (const module of app.matchAll(/from "\.\/(_\w+\.js)"/g)) {
    assertEquals((await fetch(`${server.url}assets/${module[1]}`)).status, 200, module[1]);
  }
  assertEquals((await fetch(`${server.url}assets/nope.js`)).status, 404);
});

Deno.test("binding another host than loopback generates a token, given once to onListen, and every request needs it", async () => {
  let info: UIListenInfo | undefined;
  await using server = await serveUI(() => scriptedAgent([FINAL]), {
    ...quiet(),
    hostname: "0.0.0.0",
    onListen: (i) => (info = i),
  });
  const token = info?.token;
  assert(token && token.length >= 32, "a token was generated");
  assertEquals(server.url.includes(token), false);
  assertEquals(info!.openUrl, `${server.url}?token=${encodeURIComponent(token)}`);
  const base = `http://127.0.0.1:${server.port}/`;

  const page = await fetch(base);
  assertEquals(page.status, 401);
  assertStringIncludes(await page.text(), "needs its access token");
  const api = await fetch(`${base}api/sessions`, { method: "POST" });
  assertEquals(api.status, 401);
  assertStringIncludes((await api.json()).error, "access token");
  const wrong = await fetch(`${base}api/sessions`, {
    method: "POST",
    headers: { authorization: `Bearer ${token.slice(0, -1)}x` },
  });
  assertEquals(wrong.status, 401);
  await wrong.body?.cancel();
  assertEquals((await fetch(`${base}assets/_app.js`)).status, 401, "assets need it too");

  // With the token: a bearer header, or the cookie the page gets from ?token=.
  const id = await openSession(base, { headers: { authorization: `Bearer ${token}` } });
  const noToken = await fetch(`${base}api/sessions/${id}/events`);
  assertEquals(noToken.status, 401, "the event stream needs it");
  await noToken.body?.cancel();
  const opened = await fetch(`${base}?token=${encodeURIComponent(token)}`, { redirect: "manual" });
  assertEquals(opened.status, 303);
  assertEquals(opened.headers.get("location"), "/");
  const cookie = opened.headers.get("set-cookie")!;
  assertMatch(cookie, /HttpOnly/);
  assertMatch(cookie, /SameSite=Strict/);
  await opened.body?.cancel();
  const withCookie = await fetch(base, { headers: { cookie: cookie.split(";")[0] } });
  assertEquals(withCookie.status, 200);
  await withCookie.body?.cancel();
});

async function rawRequest(port: number, lines: string[]): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(`${lines.join("\r\n")}\r\n\r\n`));
    let text = "";
    const buffer = new Uint8Array(4096);
    for (;;) {
      const n = await conn.read(buffer);
      if (n === null) break;
      text += new TextDecoder().decode(buffer.subarray(0, n));
      if (text.includes("\r\n\r\n")) break;
    }
    return text;
  } finally {
    conn.close();
  }
}

Deno.test("without a token, a loopback server answers only to a loopback Host (DNS rebinding) and refuses writes from other origins", async () => {
  await using server = await serveUI(() => scriptedAgent([FINAL]), quiet());
  const rebound = await rawRequest(server.port, [
    "GET / HTTP/1.1",
    "Host: attacker.example:80",
    "Connection: close",
  ]);
  assertMatch(rebound, /^HTTP\/1\.1 403/);
  const local = await rawRequest(server.port, [
    "GET / HTTP/1.1",
    `Host: localhost:${server.port}`,
    "Connection: close",
  ]);
  assertMatch(local, /^HTTP\/1\.1 200/);

  const crossSite = await fetch(`${server.url}api/sessions`, {
    method: "POST",
    headers: { origin: "https://attacker.example" },
  });
  assertEquals(crossSite.status, 403);
  assertStringIncludes((await crossSite.json()).error, "another origin");
  assertEquals(server.sessionCount, 0);
});

Deno.test("a task runs over the API: its events stream as SSE, in order, and the memory downloads as JSON", async () => {
  await using server = await serveUI(
    () =>
      scriptedAgent([
        "<code>\nconsole.log('first');\n</code>",
        "<code>\nfinal_answer('second');\n</code>",
      ]),
    quiet(),
  );
  const id = await openSession(server.url);
  const events = new EventReader(`${server.url}api/sessions/${id}/events`);
  const started = await post(`${server.url}api/sessions/${id}/tasks`, { task: "Count" });
  assertEquals(started.status, 202);
  assertEquals((await started.json()).runId, 1);
  await waitFor("the run to finish", () => events.has((m) => m.type === "run_finished"));
  const types = events.messages.map((m) =>
    m.type === "agent" ? (m.event as { type: string }).type : m.type
  ).filter((t) => t !== "model_stream_delta");
  assertEquals(types, [
    "task",
    "run_start",
    "step_start",
    "model_output",
    "code_action",
    "code_output",
    "observation",
    "step_end",
    "step_start",
    "model_output",
    "code_action",
    "code_output",
    "observation",
    "step_end",
    "final_answer",
    "run_end",
    "run_finished",
  ]);
  const seqs = events.messages.map((m) => m.seq as number);
  assertEquals(seqs, [...seqs].sort((a, b) => a - b), "sequence numbers grow");
  assertEquals(events.messages.at(-1), {
    seq: seqs.at(-1),
    type: "run_finished",
    runId: 1,
    outcome: "done",
  });

  const memory = await fetch(`${server.url}api/sessions/${id}/memory`);
  assertMatch(memory.headers.get("content-disposition")!, /^attachment; filename="smoldeno-run-/);
  const json = await memory.json();
  assertEquals(json.steps.at(-1), { type: "final_answer", output: "second" });
  await events.drop();
});

Deno.test("the API refuses an empty task, a second task while one runs, bad JSON and unknown sessions, and keeps working", async () => {
  const release = Promise.withResolvers<void>();
  await using server = await serveUI(
    () =>
      new CodeAgent({
        model: pacedModel([["<code>\n", release.promise, "final_answer(1);\n</code>"]]),
        logLevel: LogLevel.OFF,
      }),
    quiet(),
  );
  const id = await openSession(server.url);
  const tasks = `${server.url}api/sessions/${id}/tasks`;
  const empty = await post(tasks, { task: " \n " });
  assertEquals(empty.status, 400);
  assertEquals((await empty.json()).error, "The task is empty: type what the agent should do");
  const notText = await post(tasks, { task: 42 });
  assertEquals(notText.status, 400);
  await notText.body?.cancel();
  const garbled = await fetch(tasks, { method: "POST", body: "{task" });
  assertEquals(garbled.status, 400);
  assertStringIncludes((await garbled.json()).error, "not JSON");

  assertEquals((await post(tasks, { task: "Slow" })).status, 202);
  const second = await post(tasks, { task: "Again" });
  assertEquals(second.status, 409);
  assertStringIncludes((await second.json()).error, "A task is already running");
  release.resolve();

  const unknown = await post(`${server.url}api/sessions/nope/tasks`, { task: "x" });
  assertEquals(unknown.status, 404);
  assertStringIncludes((await unknown.json()).error, "start a new chat");
  const wrongMethod = await fetch(`${server.url}api/sessions`);
  assertEquals(wrongMethod.status, 405);
  await wrongMethod.body?.cancel();
  await openSession(server.url);
  assertEquals(server.sessionCount, 2);
});

Deno.test("a factory that throws or returns no agent gets a clear 500, and the next session opens", async () => {
  let calls = 0;
  await using server = await serveUI(() => {
    calls++;
    if (calls === 1) throw new Error("missing OPENAI_API_KEY");
    if (calls === 2) return Promise.resolve({ not: "an agent" } as unknown as CodeAgent);
    return scriptedAgent([FINAL]);
  }, quiet());
  const thrown = await fetch(`${server.url}api/sessions`, { method: "POST" });
  assertEquals(thrown.status, 500);
  assertEquals(
    (await thrown.json()).error,
    "Cannot start the agent: the agent factory failed: missing OPENAI_API_KEY",
  );
  const notAgent = await fetch(`${server.url}api/sessions`, { method: "POST" });
  assertEquals(notAgent.status, 500);
  assertStringIncludes((await notAgent.json()).error, "expected an agent");
  await openSession(server.url);
  assertEquals(server.sessionCount, 1);
});

Deno.test("uploads are limited in size (declared or streamed) and count, named safely, and removable", async () => {
  let dir = "";
  await using server = await serveUI(({ uploadDir }) => {
    dir = uploadDir;
    return scriptedAgent([FINAL]);
  }, { ...quiet(), maxUploadBytes: 100, maxUploads: 2 });
  const id = await openSession(server.url);
  const files = `${server.url}api/sessions/${id}/files`;

  const declared = await fetch(`${files}?name=big.bin`, {
    method: "POST",
    body: new Uint8Array(101),
  });
  assertEquals(declared.status, 413);
  assertEquals(
    (await declared.json()).error,
    '"big.bin" is too large: the limit is 100 bytes per file',
  );
  // A body without a length is counted as it arrives, and the partial file removed.
  const streamed = await fetch(`${files}?name=stream.bin`, {
    method: "POST",
    body: ReadableStream.from([new Uint8Array(60), new Uint8Array(60)]),
  });
  assertEquals(streamed.status, 413);
  await streamed.body?.cancel();
  assertEquals(await exists(`${dir}/stream.bin`), false);

  const ok = await fetch(`${files}?name=${encodeURIComponent("../../etc/pass wd")}`, {
    method: "POST",
    body: "hello",
  });
  assertEquals(ok.status, 201);
  assertEquals(await ok.json(), { name: "pass wd", size: 5, kind: "file" });
  assertEquals(await Deno.readTextFile(`${dir}/pass wd`), "hello");
  const again = await fetch(`${files}?name=pass%20wd`, { method: "POST", body: "again" });
  assertEquals((await again.json()).name, "pass wd-2");
  const third = await fetch(`${files}?name=third`, { method: "POST", body: "x" });
  assertEquals(third.status, 413);
  assertStringIncludes((await third.json()).error, "Too many files: a chat takes at most 2");

  const removed = await fetch(`${files}/${encodeURIComponent("pass wd-2")}`, { method: "DELETE" });
  assertEquals(await removed.json(), { removed: true });
  assertEquals(await exists(`${dir}/pass wd-2`), false);
  const fourth = await fetch(`${files}?name=fourth`, { method: "POST", body: "x" });
  assertEquals(fourth.status, 201, "a removed file frees its place");
  await fourth.body?.cancel();
});

Deno.test("the dropped-connection rule: the run goes on while the page reconnects and catches up; past the grace period the session closes", async () => {
  const before = await snapshot();
  const going = Promise.withResolvers<void>();
  const hold = tool({
    name: "hold",
    description: "Waits for the test.",
    inputs: {},
    outputType: "string",
    forward: async () => {
      going.resolve();
      await new Promise((resolve) => setTimeout(resolve, 400));
      return "held";
    },
  });
  let dir = "";
  {
    await using server = await serveUI(({ uploadDir }) => {
      dir = uploadDir;
      return scriptedAgent([
        "<code>\nawait hold({});\nconsole.log('after the drop');\n</code>",
        "<code>\nawait new Promise((resolve) => setTimeout(resolve, 600_000));\n</code>",
      ], { tools: [hold] });
    }, { ...quiet(), disconnectGraceMs: 1_500 });
    const id = await openSession(server.url);
    const url = `${server.url}api/sessions/${id}/events`;
    const first = new EventReader(url);
    await post(`${server.url}api/sessions/${id}/tasks`, { task: "Hold on" });
    await going.promise;
    await first.drop();

    // Reconnecting within the grace period: the events missed meanwhile arrive, the run went on.
    const second = new EventReader(url, first.lastId);
    await waitFor("the code's logs", () =>
      second.has((m) =>
        agentEvent("code_output")(m) &&
        (m.event as { logs: string }).logs.includes("after the drop")
      ));
    assert(
      second.messages.every((m) => (m.seq as number) > first.lastId),
      "only what was missed is sent again",
    );
    await waitFor("step 2's code", () => second.has(agentEvent("code_action")));

    // Dropped for good during step 2: after the grace period the run stops and the session closes.
    const sandboxes = childrenOf(Deno.pid).filter((pid) => !before.pids.has(pid));
    await second.drop();
    await waitFor("the session to close", () => server.sessionCount === 0);
    await waitFor("its sandbox to end", () => sandboxes.every((pid) => !isAlive(pid)));
    assertEquals(await exists(dir), false, "its upload folder is removed");
    const gone = await fetch(url);
    assertEquals(gone.status, 404);
    await gone.body?.cancel();
  }
  await assertNothingLeft(before);
});

Deno.test("a page that reconnects after its missed events left the replay buffer is told so", async () => {
  await using server = await serveUI(
    () => scriptedAgent(["<code>\nconsole.log('x'.repeat(3000));\nfinal_answer('y');\n</code>"]),
    { ...quiet(), maxReplayBytes: 2_000 },
  );
  const id = await openSession(server.url);
  const url = `${server.url}api/sessions/${id}/events`;
  const live = new EventReader(url);
  await post(`${server.url}api/sessions/${id}/tasks`, { task: "Talk a lot" });
  await waitFor("the run to finish", () => live.has((m) => m.type === "run_finished"));
  await live.drop();
  // A page that saw only the first event comes back: the rest is partly gone.
  const late = new EventReader(url, 1);
  await waitFor("the last event", () => late.has((m) => m.type === "run_finished"));
  assertEquals(late.messages[0].type, "notice");
  assertStringIncludes(String(late.messages[0].message), "Some events were dropped");
  assert(late.messages.length < live.messages.length, "the oldest events were not kept");
  await late.drop();
});

Deno.test("sessions are limited in number, and an idle one is closed with its sandbox", async () => {
  await using server = await serveUI(() => scriptedAgent([FINAL]), {
    ...quiet(),
    maxSessions: 1,
    idleTimeoutMs: 800,
  });
  const id = await openSession(server.url);
  const events = new EventReader(`${server.url}api/sessions/${id}/events`);
  const refused = await fetch(`${server.url}api/sessions`, { method: "POST" });
  assertEquals(refused.status, 503);
  assertStringIncludes((await refused.json()).error, "Too many open chats (1)");
  await waitFor("the idle session to close", () => server.sessionCount === 0);
  await events.ended();
  const closed = events.messages.find((m) => m.type === "session_closed")!;
  assertEquals(closed.reason, "idle");
  assertStringIncludes(String(closed.message), "without activity");
  await openSession(server.url);
});

Deno.test("close() stops runs, closes every agent and sandbox, removes the folders and frees the port; await using and signal do the same", async () => {
  const before = await snapshot();
  const inStep = Promise.withResolvers<void>();
  const signal = tool({
    name: "signal_start",
    description: "Says the step started.",
    inputs: {},
    outputType: "string",
    forward: () => {
      inStep.resolve();
      return "ok";
    },
  });
  let dirs: string[] = [];
  const server = await serveUI(({ uploadDir }) => {
    dirs.push(uploadDir);
    return scriptedAgent(
      ["<code>\nawait signal_start({});\nawait new Promise((r) => setTimeout(r, 600_000));\n</code>"],
      { tools: [signal] },
    );
  }, quiet());
  const id = await openSession(server.url);
  await openSession(server.url);
  const events = new EventReader(`${server.url}api/sessions/${id}/events`);
  await post(`${server.url}api/sessions/${id}/tasks`, { task: "Sleep" });
  await inStep.promise;
  await server.close();
  await server.finished;
  await events.ended();
  assert(events.has((m) => m.type === "run_finished" && m.outcome === "stopped"));
  assert(events.has((m) => m.type === "session_closed" && m.reason === "server_closed"));
  assertEquals(server.sessionCount, 0);
  for (const dir of dirs) assertEquals(await exists(dir), false);
  const root = dirs[0].replace(/\/[^/]+$/, "");
  assertEquals(await exists(root), false, "the server's temp folder is removed");
  await assertRejects(() => fetch(server.url), TypeError);
  await server.close(); // idempotent

  dirs = [];
  {
    await using disposed = await serveUI(({ uploadDir }) => {
      dirs.push(uploadDir);
      return scriptedAgent([FINAL]);
    }, quiet());
    await openSession(disposed.url);
  }
  assertEquals(await exists(dirs[0]), false, "await using closed it");

  const controller = new AbortController();
  const aborted = await serveUI(() => scriptedAgent([FINAL]), {
    ...quiet(),
    signal: controller.signal,
  });
  controller.abort();
  await aborted.finished;
  await assertRejects(() => fetch(aborted.url), TypeError);
  await assertNothingLeft(before);
});

Deno.test("the default onListen prints one line with the address, and the token only there", async () => {
  const model = new ScriptedModel({ replies: [FINAL] });
  const lines: string[] = [];
  const errorWrite = Deno.stderr.writeSync;
  // The logger writes to stderr: capture it for this test only.
  Deno.stderr.writeSync = (bytes: Uint8Array) => {
    lines.push(new TextDecoder().decode(bytes));
    return bytes.length;
  };
  let server;
  try {
    server = await serveUI(() => new CodeAgent({ model, logLevel: LogLevel.OFF }), {
      accessToken: "a-token-of-twenty-chars",
    });
  } finally {
    Deno.stderr.writeSync = errorWrite;
  }
  try {
    assertEquals(lines.length, 1);
    assertStringIncludes(lines[0], `${server.url}?token=a-token-of-twenty-chars`);
    assertStringIncludes(lines[0], "printed only here");
  } finally {
    await server.close();
  }
});

Deno.test("a permission request waits for the page's answer over the API; bad answers are refused, and Stop denies an open request", async () => {
  const dir = await Deno.makeTempDir({ prefix: "smoldeno-ui-perm-" });
  const file = `${dir}/data.txt`;
  await Deno.writeTextFile(file, "42");
  const read = `<code>\nfinal_answer(Deno.readTextFileSync(${JSON.stringify(file)}));\n</code>`;
  try {
    await using server = await serveUI(
      ({ requestPermission }) =>
        scriptedAgent([read, read, "<code>\nfinal_answer('stopped');\n</code>"], {
          onPermissionRequest: requestPermission,
        }),
      quiet(),
    );
    const id = await openSession(server.url);
    const base = `${server.url}api/sessions/${id}`;
    const events = new EventReader(`${base}/events`);
    await post(`${base}/tasks`, { task: "Read it" });
    await waitFor("the request", () => events.has((m) => m.type === "permission_request"));
    const asked = events.messages.find((m) => m.type === "permission_request")!;
    assertEquals([asked.permission, asked.target], ["read", file]);
    assertStringIncludes(String(asked.message), "Requires read access");

    const bad = await post(`${base}/permissions/${asked.id}`, { decision: "maybe" });
    assertEquals(bad.status, 400);
    assertEquals((await bad.json()).error, 'The answer must be "once", "always" or "deny"');
    const unknown = await post(`${base}/permissions/999`, { decision: "once" });
    assertEquals(unknown.status, 404);
    await unknown.body?.cancel();

    const ok = await post(`${base}/permissions/${asked.id}`, { decision: "once" });
    assertEquals(ok.status, 200);
    await ok.body?.cancel();
    await waitFor("the run to finish", () => events.has((m) => m.type === "run_finished"));
    assert(events.has((m) => m.type === "permission_answered" && m.decision === "once"));
    const memory = await (await fetch(`${base}/memory`)).json();
    assertEquals(memory.steps.at(-1), { type: "final_answer", output: "42" });
    // Answered already: a second answer finds nothing open.
    const twice = await post(`${base}/permissions/${asked.id}`, { decision: "always" });
    assertEquals(twice.status, 404);
    await twice.body?.cancel();

    // The next task's request is left unanswered, and Stop denies it.
    const second = await openSession(server.url);
    const base2 = `${server.url}api/sessions/${second}`;
    const events2 = new EventReader(`${base2}/events`);
    await post(`${base2}/tasks`, { task: "Read it again" });
    await waitFor("the request", () => events2.has((m) => m.type === "permission_request"));
    await (await post(`${base2}/stop`, {})).body?.cancel();
    await waitFor("the run to stop", () => events2.has((m) => m.type === "run_finished"));
    assert(events2.has((m) => m.type === "permission_answered" && m.decision === "deny"));
    await events.drop();
    await events2.drop();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a tool call that needs approval waits for the page over the API; a refusal's reason reaches the model", async () => {
  const remove = tool({
    name: "remove_file",
    description: "Removes a file.",
    inputs: { path: { type: "string", description: "The file" } },
    outputType: "string",
    requiresApproval: true,
    forward: ({ path }) => `removed ${path}`,
  });
  const call = "<code>\nfinal_answer(await remove_file({ path: 'notes.txt' }));\n</code>";
  let model: ScriptedModel | undefined;
  await using server = await serveUI(({ requestToolApproval }) => {
    model = new ScriptedModel({
      replies: [call, call, "<code>\nfinal_answer('kept it');\n</code>"],
    });
    return new CodeAgent({
      model,
      tools: [remove],
      onToolApproval: requestToolApproval,
      logLevel: LogLevel.OFF,
    });
  }, quiet());
  const id = await openSession(server.url);
  const base = `${server.url}api/sessions/${id}`;
  const events = new EventReader(`${base}/events`);
  await post(`${base}/tasks`, { task: "Clean up" });
  const isAsk = (m: Record<string, unknown>) => m.type === "approval_request";
  await waitFor("the approval request", () => events.has(isAsk));
  const first = events.messages.find(isAsk)!;
  assertEquals([first.tool, first.args], ["remove_file", { path: "notes.txt" }]);
  const bad = await post(`${base}/approvals/${first.id}`, { approved: "yes" });
  assertEquals(bad.status, 400);
  assertEquals((await bad.json()).error, 'The answer needs "approved": true or false');
  await (await post(`${base}/approvals/${first.id}`, { approved: true })).body?.cancel();
  await waitFor("the first run", () => events.has((m) => m.type === "run_finished"));
  let memory = await (await fetch(`${base}/memory`)).json();
  assertEquals(memory.steps.at(-1), { type: "final_answer", output: "removed notes.txt" });

  // The next task's call is refused with a reason, which the model reads.
  await post(`${base}/tasks`, { task: "Clean up again" });
  await waitFor("the second request", () => events.messages.filter(isAsk).length === 2);
  const second = events.messages.filter(isAsk)[1];
  const refused = await post(`${base}/approvals/${second.id}`, {
    approved: false,
    reason: "keep my notes",
  });
  assertEquals(refused.status, 200);
  await refused.body?.cancel();
  await waitFor(
    "the second run",
    () => events.messages.filter((m) => m.type === "run_finished").length === 2,
  );
  assert(events.has((m) => m.type === "approval_answered" && m.reason === "keep my notes"));
  memory = await (await fetch(`${base}/memory`)).json();
  assertEquals(memory.steps.at(-1), { type: "final_answer", output: "kept it" });
  assertStringIncludes(JSON.stringify(model!.calls.at(-1)), "keep my notes");
  await events.drop();
});
