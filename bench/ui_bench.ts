/**
 * Web UI benchmark (not a test): how long an agent event takes to reach the
 * page's screen, and how much server memory an open, idle session costs.
 * Each number comes with its floor, measured in the same run:
 *
 * - latency: 1 000 streamed model deltas, one every 5 ms (faster than any
 *   model streams), stamped when the model yields them; the page records,
 *   at the first animation frame after each one is in the DOM, how long ago
 *   that was. Floor: a bare Deno SSE server and a page that appends each
 *   message as text, measured the same way.
 * - memory: the server's heap and RSS growth per session, opened by a
 *   separate client process and held open with its event stream, before
 *   and after one task each (the sandbox is a separate process, not counted).
 *   Floor: the same agents made directly, without the UI.
 *
 * ```sh
 * deno run -A --v8-flags=--expose-gc bench/ui_bench.ts [--events 1000] [--sessions 20]
 * ```
 *
 * Needs Chromium (`.ci/chromium.sh`).
 *
 * @module
 */

import { chromium, type Page } from "playwright-core";
import { CodeAgent } from "../src/agents/code_agent.ts";
import { LogLevel } from "../src/logger.ts";
import type { ChatMessageStreamDelta, Model } from "../src/models/model.ts";
import { ScriptedModel } from "../src/testing.ts";
import { serveUI } from "../src/ui/mod.ts";
import { stats } from "./_bench.ts";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../tests/ui/_browser.ts";

const arg = (name: string, fallback: number) => {
  const at = Deno.args.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(Deno.args[at + 1]);
};
const EVENTS = arg("events", 1000);
const SESSIONS = arg("sessions", 20);
const PACE_MS = 5;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) console.warn("bench/ui_bench: run with --v8-flags=--expose-gc for stable memory numbers");

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Installed in the page before its own scripts: finds the stamps in the text
// nodes added to the page, and at the next animation frame records how old
// each one is.
const OBSERVER = `
  globalThis.__latencies = [];
  const pending = [];
  const stamp = /\\u27e6(\\d+(?:\\.\\d+)?)\\u27e7/g;
  const onFrame = () => {
    const t = performance.timeOrigin + performance.now();
    for (const s of pending.splice(0)) globalThis.__latencies.push(t - s);
  };
  new MutationObserver((records) => {
    const before = pending.length;
    for (const r of records) for (const node of r.addedNodes) {
      const text = node.nodeType === 3 ? node.data : "";
      for (const m of text.matchAll(stamp)) pending.push(Number(m[1]));
    }
    if (pending.length > before) requestAnimationFrame(onFrame);
  }).observe(document, { childList: true, subtree: true });
`;

/** A model that streams `count` stamped deltas, paced, then the code that ends the run. */
function stampingModel(count: number): Model {
  return {
    modelId: "stamping-model",
    generate: () => Promise.reject(new Error("streaming only")),
    async *generateStream(): AsyncIterable<ChatMessageStreamDelta> {
      for (let i = 0; i < count; i++) {
        await sleep(PACE_MS);
        yield { content: `\u27e6${now()}\u27e7 ` };
      }
      yield { content: "\n<code>\nfinal_answer('done');\n</code>" };
      yield { tokenUsage: { inputTokens: 1, outputTokens: count } };
    },
  };
}

async function latencies(page: Page, count: number): Promise<number[]> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const values = await page.evaluate(() =>
      (globalThis as { __latencies?: number[] }).__latencies
    );
    if (values && values.length >= count) return values.slice(0, count);
    if (Date.now() > deadline) {
      throw new Error(`only ${values?.length ?? 0} of ${count} events rendered`);
    }
    await sleep(100);
  }
}

async function uiLatency(page: Page): Promise<number[]> {
  await using server = await serveUI(
    () => new CodeAgent({ model: stampingModel(EVENTS), logLevel: LogLevel.OFF }),
    { onListen: () => {} },
  );
  await page.goto(server.url);
  await page.locator("#send:not([disabled])").waitFor();
  await page.fill("#task", "Stream");
  await page.press("#task", "Enter");
  const values = await latencies(page, EVENTS);
  await page.locator(".final").waitFor();
  return values;
}

// The floor: the same messages over a bare SSE stream, appended as text.
async function floorLatency(page: Page): Promise<number[]> {
  const encoder = new TextEncoder();
  const html = `<!doctype html><div id=log></div><script>
    const log = document.getElementById("log");
    new EventSource("/events").onmessage = (e) => log.append(JSON.parse(e.data).text);
  </script>`;
  await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    if (new URL(req.url).pathname !== "/events") {
      return new Response(html, { headers: { "content-type": "text/html" } });
    }
    let stop = false;
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        for (let i = 0; i < EVENTS && !stop; i++) {
          await sleep(PACE_MS);
          const data = JSON.stringify({ seq: i, text: `\u27e6${now()}\u27e7 ` });
          controller.enqueue(encoder.encode(`id: ${i}\ndata: ${data}\n\n`));
        }
      },
      cancel() {
        stop = true;
      },
    });
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  });
  await page.goto(`http://127.0.0.1:${server.addr.port}/`);
  const values = await latencies(page, EVENTS);
  await page.goto("about:blank");
  return values;
}

function heap(): { heap: number; rss: number } {
  gc?.();
  gc?.();
  const m = Deno.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss };
}

// A client in another process, so its buffers are not counted: opens
// `count` sessions, holds their event streams, and runs one task in each
// when told to on stdin.
const CLIENT = `
const [base, count] = [Deno.args[0], Number(Deno.args[1])];
const ids = [];
for (let i = 0; i < count; i++) {
  const r = await fetch(base + "api/sessions", { method: "POST" });
  const { id } = await r.json();
  ids.push(id);
  const events = await fetch(base + "api/sessions/" + id + "/events");
  (async () => { for await (const _ of events.body) {} })().catch(() => {});
}
console.log("open");
const reader = Deno.stdin.readable.getReader();
await reader.read();
await Promise.all(ids.map((id) => fetch(base + "api/sessions/" + id + "/tasks", {
  method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ task: "Say hi" }),
}).then((r) => r.body?.cancel())));
console.log("sent");
await reader.read();
Deno.exit(0); // the event streams would keep it running
`;

async function lineFrom(reader: ReadableStreamDefaultReader<string>, expected: string) {
  const { value } = await reader.read();
  if (value?.trim() !== expected) throw new Error(`client said ${JSON.stringify(value)}`);
}

async function sessionMemory(): Promise<{ idle: number; ran: number; idleRss: number }> {
  let finished = 0;
  await using server = await serveUI(() => {
    const agent = new CodeAgent({
      model: new ScriptedModel({ replies: ["Thought: hi.\n<code>\nfinal_answer('hi');\n</code>"] }),
      logLevel: LogLevel.OFF,
      stepCallbacks: { final_answer: [() => void finished++] },
    });
    return agent;
  }, { onListen: () => {}, maxSessions: SESSIONS + 1 });
  await sleep(200);
  const base = heap();
  const client = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", CLIENT, server.url, String(SESSIONS)],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = client.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const writer = client.stdin.getWriter();
  try {
    await lineFrom(lines, "open");
    await sleep(300);
    const opened = heap();
    await writer.write(new TextEncoder().encode("go\n"));
    await lineFrom(lines, "sent");
    while (finished < SESSIONS) await sleep(100);
    await sleep(500);
    const ran = heap();
    return {
      idle: (opened.heap - base.heap) / SESSIONS,
      idleRss: (opened.rss - base.rss) / SESSIONS,
      ran: (ran.heap - base.heap) / SESSIONS,
    };
  } finally {
    await writer.write(new TextEncoder().encode("end\n")).catch(() => {});
    await writer.close().catch(() => {});
    await client.status;
  }
}

// The floor of session memory: the agents alone, made and run without the UI.
async function agentMemory(): Promise<{ idle: number; ran: number }> {
  const base = heap();
  const agents = Array.from({ length: SESSIONS }, () =>
    new CodeAgent({
      model: new ScriptedModel({ replies: ["Thought: hi.\n<code>\nfinal_answer('hi');\n</code>"] }),
      logLevel: LogLevel.OFF,
    }));
  const idle = heap();
  try {
    await Promise.all(agents.map((a) => a.run("Say hi")));
    const ran = heap();
    return { idle: (idle.heap - base.heap) / SESSIONS, ran: (ran.heap - base.heap) / SESSIONS };
  } finally {
    await Promise.all(agents.map((a) => a.close()));
  }
}

const progress = (text: string) => console.error(`bench/ui_bench: ${text}`);
const ms = (v: number) => `${v.toFixed(1)} ms`;
const kb = (v: number) => `${(v / 1024).toFixed(0)} KB`;

const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
let floor: number[];
let ui: number[];
try {
  const context = await browser.newContext();
  await context.addInitScript(OBSERVER);
  const page = await context.newPage();
  progress("floor latency…");
  floor = await floorLatency(page);
  progress("web UI latency…");
  ui = await uiLatency(page);
} finally {
  await browser.close();
}
progress("agent memory…");
// Shared caches (prompt templates, the sandbox runner's source) fill on first use: not per session.
{
  await using warm = new CodeAgent({
    model: new ScriptedModel({ replies: ["<code>\nfinal_answer(1);\n</code>"] }),
    logLevel: LogLevel.OFF,
  });
  await warm.run("Warm up");
}
const agents = await agentMemory();
progress("session memory…");
const sessions = await sessionMemory();

const f = stats(floor);
const u = stats(ui);
const rows = [
  ["measure", "floor", "web UI", "target"],
  [
    `event → render, median (${EVENTS} events, 1 per ${PACE_MS} ms)`,
    ms(f.median),
    ms(u.median),
    "≤ 20 ms",
  ],
  [`event → render, p95`, ms(f.p95), ms(u.p95), "≤ 50 ms"],
  [
    `server heap per open idle session (${SESSIONS})`,
    `${kb(agents.idle)} (agent alone)`,
    kb(sessions.idle),
    "≤ 2 MB",
  ],
  [
    `… after one task each (sandbox not counted)`,
    `${kb(agents.ran)} (agent alone)`,
    kb(sessions.ran),
    "≤ 2 MB",
  ],
  [`server RSS per open idle session`, "", kb(sessions.idleRss), ""],
];
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
for (const [i, row] of rows.entries()) {
  console.log(`| ${row.map((cell, c) => cell.padEnd(widths[c])).join(" | ")} |`);
  if (i === 0) console.log(`| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`);
}
