// The browser tools against a real Chromium (Debian's, driven by
// playwright-core) on a small local site: the tools, an agent with scripted
// replies that fills a form and pages through a list with screenshots in its
// memory, and no Chromium left behind whichever way the host ends. Where
// Chromium is missing these tests skip and say why, unless
// SMOLDENO_REQUIRE_CHROMIUM=1 (CI), where that is a failure.

import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStringIncludes,
} from "../_assert.ts";
import { isAlive } from "../_processes.ts";
import { AgentMemory } from "../../src/memory.ts";
import { LogLevel } from "../../src/logger.ts";
import { ScriptedModel } from "../../src/testing.ts";
import type { Tool } from "../../src/tool.ts";
import {
  BrowserAgent,
  BrowserError,
  BrowserSession,
  BrowserToolError,
  browserTools,
} from "../../tools/browser.ts";
import { findExecutable, QUIET_SWITCHES } from "../../tools/_browser_process.ts";
import { startSite } from "./_browser_site.ts";

const executable = findExecutable();
const skip: string | false = executable && installed(executable)
  ? false
  : `Chromium is not installed (${
    executable ?? "/usr/bin/chromium"
  }): run .ci/chromium.sh (apt-get install -y chromium)`;
if (skip && Deno.env.get("SMOLDENO_REQUIRE_CHROMIUM") === "1") {
  Deno.test("the browser tool tests must run here (SMOLDENO_REQUIRE_CHROMIUM=1)", () => {
    throw new Error(`The browser tool tests must run here, but ${skip}`);
  });
} else if (skip) {
  console.warn(`SKIPPING the browser tool tests: ${skip}`);
}

function installed(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** A test that needs Chromium; playwright's pipes outlive the test body, so it checks processes itself. */
function chromiumTest(name: string, fn: (t: Deno.TestContext) => Promise<void>): void {
  Deno.test({ name, ignore: skip !== false, sanitizeOps: false, sanitizeResources: false, fn });
}

const VIEWPORT = { width: 800, height: 600 };

function launch(options: Parameters<typeof BrowserSession.launch>[0] = {}) {
  return BrowserSession.launch({
    allowPrivateNetwork: ["127.0.0.1"],
    viewport: VIEWPORT,
    ...options,
  });
}

/** The processes of the browser's process group (the browser and its helpers), from /proc. */
function browserGroup(pid: number): number[] {
  const found: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === pid && fields[0] !== "Z") found.push(Number(entry.name));
    } catch {
      // Ended while we looked.
    }
  }
  return found;
}

function profileDir(pid: number): string | undefined {
  const args = Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0");
  return args.find((a) => a.startsWith("--user-data-dir="))?.slice("--user-data-dir=".length);
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Waits until `condition` holds (checking every 50 ms), failing after 20 s with what it waited for. */
async function waitFor(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(data: Uint8Array): { width: number; height: number } {
  assertEquals([...data.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

function byName(tools: Tool[]): Record<string, Tool> {
  return Object.fromEntries(tools.map((t) => [t.name, t]));
}

async function toolError(promise: Promise<unknown>): Promise<BrowserToolError> {
  try {
    await promise;
  } catch (error) {
    assert(error instanceof BrowserToolError, `expected a BrowserToolError, got ${error}`);
    return error;
  }
  throw new Error("expected the tool to fail");
}

Deno.test("BrowserSession.launch() rejects bad options before starting a browser", async () => {
  await assertRejects(
    () => BrowserSession.launch({ viewport: { width: 10, height: 600 } }),
    RangeError,
    "viewport.width must be an integer from 100 to 4096, got 10",
  );
  await assertRejects(
    () => BrowserSession.launch({ navigationTimeoutMs: 0 }),
    RangeError,
    "navigationTimeoutMs must be a positive number of ms",
  );
  await assertRejects(
    // deno-lint-ignore no-explicit-any
    () => BrowserSession.launch({ allowPrivateNetwork: "127.0.0.1" as any }),
    TypeError,
    'a list of hostnames such as ["127.0.0.1"]',
  );
  await assertRejects(
    () => BrowserSession.connect("localhost:9222"),
    TypeError,
    'give its DevTools address, e.g. "http://127.0.0.1:9222"',
  );
});

Deno.test("BrowserSession.launch() with a missing executable says how to install one", async () => {
  const error = await assertRejects(
    () => BrowserSession.launch({ executablePath: "/nonexistent/chromium" }),
    BrowserError,
  );
  assertEquals((error as BrowserError).reason, "launch");
  assertStringIncludes(
    (error as Error).message,
    "Cannot start Chromium from /nonexistent/chromium",
  );
  assertStringIncludes((error as Error).message, "apt-get install chromium");
});

Deno.test("BrowserSession.connect() to an address where no browser listens is a BrowserError", async () => {
  const error = await assertRejects(
    () => BrowserSession.connect("http://127.0.0.1:9", { connectTimeoutMs: 5_000 }),
    BrowserError,
  );
  assertEquals((error as BrowserError).reason, "connect");
  assertStringIncludes(
    (error as Error).message,
    'Cannot connect to the browser at "http://127.0.0.1:9"',
  );
});

chromiumTest(
  "browser tools navigate, click, type, press, scroll, find and read a real page",
  async (t) => {
    await using site = startSite();
    await using session = await launch();
    const tools = byName(browserTools(session));
    const call = (name: string, args: Record<string, unknown> = {}) =>
      tools[name].call(args) as Promise<string>;

    await t.step("go_to opens a page and says its title, address and status", async () => {
      assertEquals(
        await call("go_to", { url: `${site.origin}/` }),
        `Opened "Orchard Shop" at ${site.origin}/ (HTTP 200)`,
      );
      assertStringIncludes(
        await call("go_to", { url: `${site.origin}/missing` }),
        "(HTTP 404: the page does not exist)",
      );
    });

    await t.step("close_popups clicks the cookie banner's button", async () => {
      await call("go_to", { url: `${site.origin}/` });
      assertEquals(
        await call("close_popups"),
        'Closed 1 pop-up: clicked "Accept all" in "We use cookies to remember your basket. Accept all"',
      );
      const page = await session.activePage();
      assertEquals(await page.locator("#cookie").count(), 0);
      assertEquals(
        await call("close_popups"),
        "Pressed Escape; no other pop-up with a close or consent button was found",
      );
      await call("go_to", { url: `${site.origin}/modal` });
      assertStringIncludes(
        await call("close_popups"),
        'clicked "×" in "Subscribe to our newsletter!',
      );
    });

    await t.step(
      "click follows links by their text through a paginated list, and go_back returns",
      async () => {
        await call("go_to", { url: `${site.origin}/` });
        assertEquals(
          await call("click", { target: "Products" }),
          `Clicked "Products": now at "Products, page 1 of 3" at ${site.origin}/products?page=1`,
        );
        await call("click", { target: "Next page" });
        assertStringIncludes(await call("click", { target: "Next page" }), "page 3 of 3");
        assertEquals(
          await call("find_on_page", { text: "quince jelly" }),
          'Found 1 match for "quince jelly"; showing match 1: "Quince jelly: £5.10"',
        );
        assertEquals(
          await call("go_back"),
          `Back at "Products, page 2 of 3" at ${site.origin}/products?page=2`,
        );
        // A link that opens a tab: the tools follow it there.
        await call("go_to", { url: `${site.origin}/` });
        const home = await session.activePage();
        assertEquals(
          await call("click", { target: "Preserves (opens a tab)" }),
          `Clicked "Preserves (opens a tab)": it opened a new tab, now at "Products, page 3 of 3" at ${site.origin}/products?page=3`,
        );
        assert((await session.activePage()) !== home, "the new tab is not the current page");
        // A CSS selector works too.
        assertStringIncludes(await call("click", { target: "a[href='/contact']" }), "Contact us");
      },
    );

    await t.step(
      "type_text fills fields by label, placeholder and name; click and press submit",
      async () => {
        await call("go_to", { url: `${site.origin}/contact` });
        assertEquals(
          await call("type_text", { field: "Your name", text: "Ada" }),
          'Typed 3 characters into "Your name"',
        );
        await call("type_text", { field: "you@example.com", text: "ada@example.org" });
        await call("type_text", { field: "Message", text: "Hello" });
        assertStringIncludes(await call("click", { target: "Send message" }), '"Message sent"');
        assert(site.requests.includes("/thanks?name=Ada&email=ada%40example.org&message=Hello"));
        await call("go_to", { url: `${site.origin}/contact` });
        await call("type_text", { field: "name", text: "Bob" });
        assertStringIncludes(await call("press", { key: "Enter" }), "Pressed Enter: now at");
        assert(site.requests.includes("/thanks?name=Bob&email=&message="), site.requests.join(" "));
      },
    );

    await t.step("page_text returns the page as Markdown; get_links lists the links", async () => {
      const text = await call("page_text");
      assertStringIncludes(text, "# Message sent\nURL: ");
      assertStringIncludes(text, "# Thank you, Bob!");
      await call("go_to", { url: `${site.origin}/` });
      const links = await call("get_links");
      assertStringIncludes(links, `9 links on ${site.origin}/:`);
      assertStringIncludes(links, `- [Browse our products](${site.origin}/products?page=1)`);
    });

    await t.step("scroll and find_on_page move through a tall page", async () => {
      await call("go_to", { url: `${site.origin}/tall` });
      assertMatch(
        await call("scroll", { direction: "down" }),
        /^Scrolled down 600 px: the view starts 600 px down a \d+ px page$/,
      );
      assertStringIncludes(
        await call("scroll", { direction: "up", amount: 5000 }),
        "the view starts 0 px down",
      );
      assertStringIncludes(
        await call("find_on_page", { text: "great frost" }),
        '"Year 1990: the great frost killed half of the pear trees."',
      );
      const page = await session.activePage();
      assert((await page.evaluate("window.scrollY") as number) > 0, "find_on_page did not scroll");
    });

    await t.step("what cannot be done is a BrowserToolError naming the problem", async () => {
      await call("go_to", { url: `${site.origin}/products?page=1` });
      const missing = await toolError(call("click", { target: "Checkout" }));
      assertEquals(missing.reason, "not_found");
      assertEquals(missing.toolName, "click");
      assertStringIncludes(missing.message, 'No element matches "Checkout"');
      assertEquals(
        (await toolError(call("type_text", { field: "Card number", text: "1" }))).reason,
        "not_found",
      );
      const key = await toolError(call("press", { key: "Foo" }));
      assertEquals([key.reason, key.message.startsWith('Unknown key "Foo"')], ["invalid", true]);
      const nth = await toolError(call("find_on_page", { text: "page", nth: 99 }));
      assertMatch(nth.message, /There is no match 99 for "page": only \d+ on the page/);
      // The tool error is also what validation gives for wrong input.
      await assertRejects(() => call("scroll", { direction: "sideways" }));
    });

    await t.step("private hosts and non-web URLs are blocked, by go_to and by links", async () => {
      const before = site.requests.length;
      const direct = await toolError(call("go_to", { url: `http://localhost:${site.port}/admin` }));
      assertEquals(direct.reason, "blocked");
      assertStringIncludes(direct.message, "is on this machine or a private network");
      await call("go_to", { url: `${site.origin}/` });
      const link = await toolError(call("click", { target: "Router admin" }));
      assertEquals(link.reason, "blocked");
      assertStringIncludes(link.message, `"http://localhost:${site.port}/admin", which is blocked`);
      const file = await toolError(call("go_to", { url: "file:///etc/passwd" }));
      assertStringIncludes(
        file.message,
        'only http and https pages can be opened, not "file:" URLs',
      );
      // What the page does by itself is checked too: fetches and WebSockets.
      const page = await session.activePage();
      const fetched = await page.evaluate(
        `fetch("http://localhost:${site.port}/admin").then(() => "fetched", () => "refused")`,
      );
      assertEquals(fetched, "refused");
      const socket = await page.evaluate(`new Promise((resolve) => {
      const ws = new WebSocket("ws://localhost:${site.port}/admin");
      ws.onopen = () => resolve("open");
      ws.onclose = () => resolve("closed");
    })`);
      assertEquals(socket, "closed");
      assert(!site.requests.slice(before).includes("/admin"), "the blocked page was requested");
    });

    await t.step("a page that does not finish loading is a timeout", async () => {
      // A session of its own would cost a second launch: a short timeout on this page instead.
      const page = await session.activePage();
      page.setDefaultNavigationTimeout(1_000);
      try {
        const slow = await toolError(call("go_to", { url: `${site.origin}/slow` }));
        assertEquals(slow.reason, "timeout");
        assertStringIncludes(slow.message, `loading "${site.origin}/slow": the site is slow`);
      } finally {
        page.setDefaultNavigationTimeout(session.navigationTimeoutMs);
      }
    });
  },
);

chromiumTest("the default policy blocks 127.0.0.1 too", async () => {
  await using site = startSite();
  await using session = await BrowserSession.launch();
  const error = await toolError(
    byName(browserTools(session)).go_to.call({ url: `${site.origin}/` }),
  );
  assertEquals(error.reason, "blocked");
  assertEquals(site.requests, []);
});

chromiumTest(
  "BrowserAgent fills a form and pages through a list; its memory keeps the last two screenshots (scripted model)",
  async () => {
    await using site = startSite();
    await using session = await launch();
    const o = site.origin;
    const model = new ScriptedModel({
      replies: [
        `Thought: I will open the shop's home page first.\n<code>\nconsole.log(await go_to({ url: "${o}/" }));\n</code>`,
        `Thought: A cookie banner covers the bottom of the page. I close it, then open the products.\n<code>\nconsole.log(await close_popups());\nconsole.log(await click({ target: "Products" }));\n</code>`,
        `Thought: Page 1 does not list quince jelly. I will page through until I find it.\n<code>\nlet found = "";\nfor (let i = 0; i < 3 && !found; i++) {\n  try {\n    found = await find_on_page({ text: "Quince jelly" });\n  } catch {\n    console.log(await click({ target: "Next page" }));\n  }\n}\nconsole.log(found);\n</code>`,
        `Thought: Quince jelly costs £5.10. Now I send the message through the contact form.\n<code>\nconsole.log(await go_to("${o}/contact"));\nawait type_text({ field: "Your name", text: "Ada" });\nawait type_text({ field: "you@example.com", text: "ada@example.org" });\nawait type_text({ field: "Message", text: "Is the quince jelly organic?" });\nconsole.log(await click({ target: "Checkout" }));\n</code>`,
        `Thought: There is no Checkout button; the form's button says "Send message".\n<code>\nconsole.log(await click({ target: "Send message" }));\n</code>`,
        `Thought: The screenshot shows the thank-you page. Let me confirm and answer.\n<code>\nconst text = await page_text();\nfinal_answer(text.includes("Thank you, Ada!") ? "Quince jelly costs £5.10; the message was sent." : text);\n</code>`,
      ],
    });
    await using agent = new BrowserAgent({ model, session, logLevel: LogLevel.OFF });
    const answer = await agent.run(
      "Find the price of quince jelly, then ask the shop whether it is organic.",
    );
    assertEquals(answer, "Quince jelly costs £5.10; the message was sent.");
    assert(
      site.requests.includes(
        "/thanks?name=Ada&email=ada%40example.org&message=Is+the+quince+jelly+organic%3F",
      ),
    );

    const steps = agent.memory.steps.filter((s) => s.type === "action");
    assertEquals(steps.length, 6);
    // The failing step is an error the model reads, not a crash.
    assertStringIncludes(steps[3].error?.message ?? "", 'No element matches "Checkout"');
    assertStringIncludes(steps[2].observations ?? "", 'showing match 1: "Quince jelly: £5.10"');
    assertStringIncludes(steps[2].observations ?? "", `Current URL: ${o}/products?page=3`);
    assertStringIncludes(steps[5].observations ?? "", `Current URL: ${o}/thanks?`);
    // Only the last two steps keep their screenshot: PNGs of the viewport's size.
    assertEquals(steps.map((s) => s.observationImages?.length ?? 0), [0, 0, 0, 0, 1, 1]);
    for (const step of steps.slice(4)) {
      const image = step.observationImages![0];
      assertEquals(image.mimeType, "image/png");
      assertEquals(pngSize(image.image as Uint8Array), VIEWPORT);
    }
    // Before its last reply the model saw the screenshots of the two steps before.
    const lastCall = model.calls.at(-1)!.messages;
    const imageParts = lastCall.flatMap((m) => Array.isArray(m.content) ? m.content : [])
      .filter((p) => p.type === "image");
    assertEquals(imageParts.length, 2);
    // The memory's JSON keeps the screenshots as bytes.
    const json = JSON.parse(JSON.stringify(agent.memory));
    assertStringIncludes(JSON.stringify(json.steps.at(-2)), '"$bytesBase64"');
    const restored = AgentMemory.fromJSON(json).steps.filter((s) => s.type === "action");
    const restoredImage = restored[5].observationImages![0].image as Uint8Array;
    assertEquals(restoredImage, steps[5].observationImages![0].image);
    assertStringIncludes(agent.memory.systemPrompt.systemPrompt, "You control a real web browser");
  },
);

chromiumTest(
  "BrowserAgent starts each new run on a fresh page, and reset: false keeps it (scripted model)",
  async () => {
    await using site = startSite();
    await using session = await launch();
    const model = new ScriptedModel({
      replies: [
        `<code>\nawait go_to("${site.origin}/");\nawait close_popups();\nfinal_answer("ok");\n</code>`,
        `<code>\nfinal_answer(await get_links());\n</code>`,
        `<code>\nawait go_to("${site.origin}/");\nfinal_answer(await page_text());\n</code>`,
      ],
    });
    await using agent = new BrowserAgent({
      model,
      session,
      logLevel: LogLevel.OFF,
      screenshots: 0,
    });
    await agent.run("open the shop");
    const page = await session.activePage();
    assertEquals((await page.context().cookies()).map((c) => c.name), ["consent"]);
    // Continuing the run keeps the page.
    assertStringIncludes(String(await agent.run("links?", { reset: false })), "9 links");
    assertEquals(
      agent.memory.steps.filter((s) => s.type === "action").at(-1)?.observationImages,
      undefined,
    );
    // A new run starts without the cookie.
    await agent.run("again");
    const fresh = await session.activePage();
    assert(fresh !== page, "the page was not replaced");
    assertEquals(await fresh.context().cookies(), []);
  },
);

chromiumTest(
  "closing the session ends the browser, its helpers and its profile folder",
  async () => {
    const session = await launch();
    await session.activePage();
    const pid = session.pid!;
    assert(pid > 0, "the browser's pid was not found");
    const group = browserGroup(pid);
    const profile = profileDir(pid);
    assert(group.length >= 2, `expected the browser and its helpers, got ${group}`);
    assert(profile && exists(profile), "no profile folder");
    await session.close();
    await session.close(); // idempotent
    await waitFor("the browser group to end", () => group.every((p) => !isAlive(p)));
    assert(!exists(profile!), `${profile} was left behind`);
    await assertRejects(() => session.activePage(), BrowserError, "The browser session is closed");
  },
);

for (
  const [how, end] of [
    ["is killed (SIGKILL)", (p: Deno.ChildProcess) => p.kill("SIGKILL")],
    // Ctrl-C in a terminal signals the whole foreground process group (the
    // host and its watchdog); the host runs in a group of its own here.
    [
      "is interrupted by Ctrl-C (SIGINT to its process group)",
      (p: Deno.ChildProcess) => Deno.kill(-p.pid, "SIGINT"),
    ],
    ["is terminated (SIGTERM)", (p: Deno.ChildProcess) => p.kill("SIGTERM")],
    ["exits without closing the session", () => {}],
  ] as const
) {
  chromiumTest(`no Chromium is left when the host ${how}`, async () => {
    const host = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--config",
        new URL("../../deno.json", import.meta.url).pathname,
        new URL("./_browser_host.ts", import.meta.url).pathname,
        how.startsWith("exits") ? "exit" : "wait",
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
      detached: true,
    }).spawn();
    const reader = host.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let line = "";
    while (!line.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      line += value;
    }
    const { pid } = JSON.parse(line) as { pid: number };
    const group = browserGroup(pid);
    const profile = profileDir(pid);
    assert(group.includes(pid) && group.length >= 2, `browser group ${group}`);
    end(host);
    // The "exit" host ends once its stdin says so (or closes).
    await host.stdin.close();
    await host.status;
    reader.releaseLock();
    await host.stdout.cancel().catch(() => {});
    await waitFor("every Chromium process to end", () => group.every((p) => !isAlive(p)));
    await waitFor(`the profile folder ${profile} to be removed`, () => !exists(profile!));
    assertEquals(browserGroup(pid), []);
  });
}

chromiumTest(
  "BrowserSession.connect() drives a running Chromium over CDP and leaves it running on close",
  async () => {
    await using site = startSite();
    const profile = await Deno.makeTempDir({ prefix: "smoldeno-cdp-test-" });
    const chrome = new Deno.Command(executable!, {
      args: [
        "--headless",
        "--no-sandbox",
        ...QUIET_SWITCHES,
        "--remote-debugging-port=0",
        `--user-data-dir=${profile}`,
        "about:blank",
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    try {
      // Chromium prints its DevTools address on stderr once it listens.
      const reader = chrome.stderr.pipeThrough(new TextDecoderStream()).getReader();
      let text = "";
      while (!/DevTools listening on (ws:\S+)/.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`Chromium ended before listening:\n${text}`);
        text += value;
      }
      const endpoint = /DevTools listening on (ws:\S+)/.exec(text)![1];
      reader.releaseLock();
      chrome.stderr.cancel().catch(() => {});
      const session = await BrowserSession.connect(endpoint, {
        allowPrivateNetwork: ["127.0.0.1"],
      });
      assertEquals(session.pid, undefined);
      const tools = byName(browserTools(session));
      assertStringIncludes(
        await tools.go_to.call({ url: `${site.origin}/products?page=2` }) as string,
        '"Products, page 2 of 3"',
      );
      assertStringIncludes(
        await tools.click.call({ target: "Next page" }) as string,
        "page 3 of 3",
      );
      assertEquals((await session.screenshot()).mimeType, "image/png");
      await session.close();
      // Only disconnected: the browser still answers on its DevTools port.
      const port = new URL(endpoint).port;
      const version = await fetch(`http://127.0.0.1:${port}/json/version`).then((r) => r.json());
      assertStringIncludes(version.Browser, "Chrome");
    } finally {
      chrome.kill("SIGKILL");
      await chrome.status;
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    }
  },
);
