/**
 * Browser tools benchmark (not a test): what the browser session and its
 * tools cost over the bare playwright call they wrap, each measured in the
 * same run against the same Chromium and a local page:
 *
 * - launch: `BrowserSession.launch()` + its first page, against
 *   `chromium.launch()` + `newContext()` + `newPage()` with the same flags.
 * - go_to: the `go_to` tool on a localhost page, against `page.goto()`.
 * - click: the `click` tool on a button found by its text, against
 *   `page.getByRole("button", { name }).click()`.
 * - screenshot: `session.screenshot()` (PNG of the viewport), against
 *   `page.screenshot()`; with the PNG's size.
 *
 * Medians over the runs, alternating tool and floor so load hits both.
 *
 * ```sh
 * deno run -A bench/browser_bench.ts [--runs 30] [--launches 5]
 * ```
 *
 * Needs Chromium (`.ci/chromium.sh`).
 *
 * @module
 */

import { chromium } from "playwright-core";
import { BrowserSession, browserTools } from "../tools/browser.ts";
import { findExecutable, QUIET_SWITCHES } from "../tools/_browser_process.ts";
import { median } from "./_bench.ts";

const arg = (name: string, fallback: number) => {
  const at = Deno.args.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(Deno.args[at + 1]);
};
const RUNS = arg("runs", 30);
const LAUNCHES = arg("launches", 5);
const VIEWPORT = { width: 1024, height: 768 };

const server = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen: () => {} },
  () =>
    new Response(
      `<!doctype html><title>Bench</title><h1>Counter</h1><p id="n">0</p>
<button onclick="document.getElementById('n').textContent = +document.getElementById('n').textContent + 1">Add one</button>
${"<p>Some text of the page, to give it a body.</p>".repeat(50)}`,
      { headers: { "content-type": "text/html" } },
    ),
);
const url = `http://127.0.0.1:${server.addr.port}/`;

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

const rows: { what: string; tool: number; floor: number; note?: string }[] = [];

// Launch.
{
  const tool: number[] = [];
  const floor: number[] = [];
  for (let i = 0; i < LAUNCHES; i++) {
    tool.push(
      await time(async () => {
        const session = await BrowserSession.launch({ viewport: VIEWPORT });
        await session.activePage();
        await session.close();
      }),
    );
    floor.push(
      await time(async () => {
        const browser = await chromium.launch({
          executablePath: findExecutable(),
          args: [...QUIET_SWITCHES],
          handleSIGINT: false,
          handleSIGTERM: false,
          handleSIGHUP: false,
        });
        const context = await browser.newContext({ viewport: VIEWPORT });
        await context.newPage();
        await browser.close();
      }),
    );
  }
  if (LAUNCHES > 0) {
    rows.push({ what: "launch + first page + close", tool: median(tool), floor: median(floor) });
  }
}

// Actions, on one session's page (the floor calls playwright on the same page).
{
  await using session = await BrowserSession.launch({
    viewport: VIEWPORT,
    allowPrivateNetwork: ["127.0.0.1"],
  });
  const tools = Object.fromEntries(browserTools(session).map((t) => [t.name, t]));
  const page = await session.activePage();
  await page.goto(url);
  const measures: Record<string, { tool: number[]; floor: number[] }> = {
    goto: { tool: [], floor: [] },
    click: { tool: [], floor: [] },
    screenshot: { tool: [], floor: [] },
  };
  // Each pair runs in the same state (a page just loaded), tool first on
  // even runs and floor first on odd ones, so neither gets the warmer turn.
  const pair = async (
    key: string,
    tool: () => Promise<unknown>,
    floor: () => Promise<unknown>,
    i: number,
  ) => {
    for (const which of i % 2 ? ["floor", "tool"] as const : ["tool", "floor"] as const) {
      await page.goto(url);
      measures[key][which].push(await time(which === "tool" ? tool : floor));
    }
  };
  let size = 0;
  for (let i = 0; i < RUNS; i++) {
    await pair(
      "goto",
      () => tools.go_to.call({ url }),
      () => page.goto(url, { waitUntil: "load" }),
      i,
    );
    await pair(
      "click",
      () => tools.click.call({ target: "Add one" }),
      () => page.getByRole("button", { name: "Add one" }).click(),
      i,
    );
    await pair(
      "screenshot",
      async () => (size = (await session.screenshot()).data.length),
      () => page.screenshot({ type: "png" }),
      i,
    );
  }
  rows.push({
    what: "go_to (localhost page)",
    tool: median(measures.goto.tool),
    floor: median(measures.goto.floor),
  });
  rows.push({
    what: "click (button by text)",
    tool: median(measures.click.tool),
    floor: median(measures.click.floor),
  });
  rows.push({
    what: "screenshot (1024x768 PNG)",
    tool: median(measures.screenshot.tool),
    floor: median(measures.screenshot.floor),
    note: `${(size / 1024).toFixed(1)} KB`,
  });
}
await server.shutdown();

console.log(`Browser tools, medians (runs ${RUNS}, launches ${LAUNCHES}), ms:\n`);
console.log("| action | tool | bare playwright (floor) | ratio | note |");
console.log("| --- | ---: | ---: | ---: | --- |");
for (const r of rows) {
  console.log(
    `| ${r.what} | ${r.tool.toFixed(1)} | ${r.floor.toFixed(1)} | ${
      (r.tool / r.floor).toFixed(2)
    }× | ${r.note ?? ""} |`,
  );
}
