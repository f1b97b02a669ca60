// The web UI's page in a real Chromium (Debian's, through playwright-core):
// typed tasks, streamed steps, uploads, stop, two tabs, XSS payloads, the
// access token and bad input. A scripted model drives the agent; the
// sandbox, tools and server are real. Screenshots go to a temp folder.

import { Buffer } from "node:buffer";
import type { Browser, Page } from "playwright-core";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { CodeAgent } from "../../src/agents/code_agent.ts";
import { LogLevel } from "../../src/logger.ts";
import { audioValue, imageValue } from "../../src/media.ts";
import { ScriptedModel } from "../../src/testing.ts";
import { tool } from "../../src/tool.ts";
import { serveUI, type UIListenInfo } from "../../src/ui/mod.ts";
import { childrenOf, isAlive } from "../_processes.ts";
import { exists, pacedModel, quiet, scriptedAgent, waitFor } from "./_agents.ts";
import { browserTest, screenshot } from "./_browser.ts";

// The page's DOM as far as the code these tests run in it reads it: test
// files type-check without the DOM library.
interface PageElement {
  className: string;
  classList: { contains(name: string): boolean };
  dataset: Record<string, string | undefined>;
  href?: string;
}
declare const document: {
  querySelectorAll(selector: string): Iterable<PageElement> & { length: number };
};
declare function requestAnimationFrame(callback: () => void): number;

// A 1×1 PNG.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==",
  "base64",
);
// A tiny WAV header: enough for the page to offer a player.
const WAV = new Uint8Array([
  ...new TextEncoder().encode("RIFF"),
  36,
  0,
  0,
  0,
  ...new TextEncoder().encode("WAVEfmt "),
  ...new Array(24).fill(0),
]);

/** Opens the page in a new context (a new "browser profile") and waits until it has its session. */
async function openPage(browser: Browser, url: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url);
  await page.locator("#send:not([disabled])").waitFor();
  return page;
}

async function sendTask(page: Page, task: string): Promise<void> {
  await page.fill("#task", task);
  await page.press("#task", "Enter");
}

function banner(page: Page) {
  return page.locator("#banner:not([hidden]) #banner-text");
}

browserTest(
  "the page shows a task's steps as they happen and in order: streamed text, numbered code, logs, tokens and time, then the answer",
  async (browser) => {
    const midway = Promise.withResolvers<void>();
    const model = pacedModel([
      [
        "Thought: first I count.\n<code>\nconst n = [1, 2, 3].length; // three\n",
        "console.log(`counted ${n}`);\n</code>",
      ],
      [
        "Thought: now I ",
        midway.promise,
        "answer.\n<code>\nfinal_answer(`There are ${n}`);\n</code>",
      ],
    ]);
    await using server = await serveUI(
      () => new CodeAgent({ model, logLevel: LogLevel.OFF }),
      quiet(),
    );
    const page = await openPage(browser, server.url);
    await sendTask(page, "How many are there?");

    const step1 = page.locator('.step[data-step="1"]');
    const step2 = page.locator('.step[data-step="2"]');
    await step1.locator(".logs").getByText("counted 3").waitFor();
    // Step 2's reply is half written: its first words are on the page, as streamed text.
    await step2.locator(".model-text.streaming").getByText("Thought: now I").waitFor();
    assertEquals(await page.locator(".final").count(), 0, "no answer before the model wrote it");
    await screenshot(page, "streaming-midway");

    assertEquals(await step1.locator(".code .ln").allTextContents(), ["1", "2"]);
    assertEquals(await step1.locator(".code .tok-kw").first().textContent(), "const");
    assertEquals(await step1.locator(".code .tok-com").first().textContent(), "// three");
    assertStringIncludes((await step1.locator(".model-text").textContent())!, "first I count.");
    assertEquals(await step1.locator(".model-text").getByText("<code>").count(), 0);
    assertMatch(
      (await step1.locator("header .meta").textContent())!,
      /^\d+ (ms|s) · 10 in · 5 out tokens$/,
    );

    midway.resolve();
    await page.locator(".final").getByText("There are 3").waitFor();
    const order = await page.evaluate(() =>
      [...document.querySelectorAll("#log .step, #log .final, #log .run-summary")].map((el) =>
        el.classList.contains("step") ? `step ${el.dataset.step}` : el.className
      )
    );
    assertEquals(order, ["step 1", "step 2", "final", "run-summary muted"]);
    assertStringIncludes((await page.locator(".run-summary").textContent())!, "Done · 2 steps");
    assertStringIncludes(
      (await page.locator(".run-summary").textContent())!,
      "20 in · 10 out tokens",
    );
    assertEquals(await page.locator("#status").textContent(), "Ready");
    await screenshot(page, "streamed-steps");
  },
);

browserTest(
  "a file uploaded from the page reaches the run as `files`, the agent reads it, an image reaches the model, and the folder goes with the session",
  async (browser) => {
    let uploadDir = "";
    let model: ScriptedModel | undefined;
    await using server = await serveUI(({ uploadDir: dir }) => {
      uploadDir = dir;
      model = new ScriptedModel({
        replies: [
          "<code>\nconst text = await Deno.readTextFile(files[0]);\nfinal_answer(`${files.length} files; first says: ${text.trim().toUpperCase()}`);\n</code>",
        ],
      });
      return new CodeAgent({ model, permissions: { read: [dir] }, logLevel: LogLevel.OFF });
    }, quiet());
    const page = await openPage(browser, server.url);
    await page.setInputFiles("#file", [
      {
        name: "notes.txt",
        mimeType: "text/plain",
        buffer: Buffer.from("hello disk\n"),
      },
      { name: "pixel.png", mimeType: "image/png", buffer: PNG },
    ]);
    await page.locator('#attachments .chip[data-name="pixel.png"]').waitFor();
    assertEquals(await page.locator("#attachments .chip").count(), 2);
    assert(await exists(`${uploadDir}/notes.txt`), "the upload is in the session folder");

    await sendTask(page, "Read my file");
    await page.locator(".final").getByText("2 files; first says: HELLO DISK").waitFor();
    assertEquals(await page.locator(".turn .files .chip").allTextContents(), [
      "📄 notes.txt",
      "🖼 pixel.png",
    ]);
    assertEquals(
      await page.locator("#attachments .chip").count(),
      0,
      "attachments go with the task",
    );
    const task = model!.calls[0].messages.find((m) => m.role === "user")!;
    assert(Array.isArray(task.content), "the task message has parts");
    assertEquals(
      task.content.filter((p) => p.type === "image").length,
      1,
      "the image reached the model",
    );
    await screenshot(page, "upload");

    await server.close();
    assertEquals(await exists(uploadDir), false, "the session folder is removed with the session");
  },
);

browserTest(
  "Stop interrupts a slow sandbox step at once, the page says it stopped, and the next task runs",
  async (browser) => {
    const napping = Promise.withResolvers<void>();
    const nap = tool({
      name: "nap",
      description: "Says the code is about to sleep.",
      inputs: {},
      outputType: "string",
      forward: () => {
        napping.resolve();
        return "zzz";
      },
    });
    await using server = await serveUI(
      () =>
        scriptedAgent([
          "<code>\nawait nap({});\nawait new Promise((resolve) => setTimeout(resolve, 600_000));\n</code>",
          "<code>\nfinal_answer('awake again');\n</code>",
        ], { tools: [nap] }),
      quiet(),
    );
    const before = new Set(childrenOf(Deno.pid));
    const page = await openPage(browser, server.url);
    await sendTask(page, "Take a long nap");
    // The sandbox is in the step: it called the host, and now sleeps.
    await napping.promise;
    const sandboxes = childrenOf(Deno.pid).filter((pid) => !before.has(pid) && isDeno(pid));
    assert(sandboxes.length > 0, "the step runs in a sandbox process");
    assert(await page.locator("#stop").isEnabled(), "Stop is enabled while the task runs");

    await page.click("#stop");
    await page.locator(".turn .stopped").getByText("Stopped").waitFor();
    assertEquals(await page.locator("#status").textContent(), "Stopped");
    assertEquals(await page.locator("#stop").isEnabled(), false);
    await waitFor("the step's sandbox to be killed", () => sandboxes.every((pid) => !isAlive(pid)));
    await screenshot(page, "stopped");

    await sendTask(page, "Wake up");
    await page.locator(".final").getByText("awake again").waitFor();
  },
);

function isDeno(pid: number): boolean {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/cmdline`).includes("deno");
  } catch {
    return false;
  }
}

browserTest(
  "two tabs get two agents that run at once, each with its own memory and sandbox",
  async (browser) => {
    const agents: CodeAgent[] = [];
    const inModel: string[] = [];
    const bothInModel = Promise.withResolvers<void>();
    await using server = await serveUI(() => {
      const agent = scriptedAgent([
        async (messages) => {
          const task = String(messages.find((m) => m.role === "user")?.content);
          inModel.push(task);
          if (inModel.length === 2) bothInModel.resolve();
          // Neither run answers until both are running.
          await bothInModel.promise;
          const name = /task (\w+)/.exec(task)![1];
          return `<code>\nconst secret = ${
            JSON.stringify(name)
          };\nfinal_answer(\`answer \${secret}\`);\n</code>`;
        },
        "<code>\nfinal_answer(typeof secret === 'undefined' ? 'no secret' : `still ${secret}`);\n</code>",
      ]);
      agents.push(agent);
      return agent;
    }, quiet());
    const context = await browser.newContext();
    const [tabA, tabB] = [await context.newPage(), await context.newPage()];
    for (const tab of [tabA, tabB]) {
      await tab.goto(server.url);
      await tab.locator("#send:not([disabled])").waitFor();
    }
    assertEquals(server.sessionCount, 2, "one session per tab, though the tabs share cookies");
    await sendTask(tabA, "This is task alpha");
    await sendTask(tabB, "This is task beta");
    await tabA.locator(".final").getByText("answer alpha").waitFor();
    await tabB.locator(".final").getByText("answer beta").waitFor();
    assertEquals(await tabA.getByText("beta").count(), 0, "tab A shows nothing of tab B");
    assertEquals(await tabB.getByText("alpha").count(), 0, "tab B shows nothing of tab A");

    // The second task continues each tab's own chat: its sandbox still has its variable.
    await sendTask(tabA, "And again?");
    await tabA.locator(".final").getByText("still alpha").waitFor();
    assertEquals(agents.length, 2);
    assert(agents[0].executor !== agents[1].executor, "each agent has its own sandbox");
    const tasks = (agent: CodeAgent) =>
      agent.memory.steps.flatMap((s) => (s.type === "task" ? [s.task] : []));
    const [a, b] = agents[0].memory.steps.some((s) => s.type === "task" && s.task.includes("alpha"))
      ? agents
      : [agents[1], agents[0]];
    assertEquals(tasks(a), ["This is task alpha", "And again?"]);
    assertEquals(tasks(b), ["This is task beta"]);
    await screenshot(tabA, "two-tabs-a");
    await screenshot(tabB, "two-tabs-b");
  },
);

browserTest(
  "model, tool and user text with XSS payloads is shown as text and runs no script",
  async (browser) => {
    const payload =
      `<img src=x onerror="window.pwned='img'"><script>window.pwned='script'</script>`;
    const shout = tool({
      name: "shout",
      description: "Returns HTML, as an untrusted tool might.",
      inputs: {},
      outputType: "string",
      forward: () =>
        `<svg onload="window.pwned='svg'"></svg><iframe src="javascript:window.pwned='iframe'"></iframe>`,
    });
    await using server = await serveUI(
      () =>
        scriptedAgent([
          `Thought: ${payload} [click](javascript:window.pwned='link') [safe](https://example.com/ok)\n<code>\nconsole.log(${
            JSON.stringify(payload)
          });\nconst html = await shout({});\nhtml\n</code>`,
          `<code>\nfinal_answer(${
            JSON.stringify(
              `**bold** ${payload} [a](javascript:window.pwned='a') [b](JaVaScRiPt:window.pwned='b') ` +
                `[c](data:text/html,<script>window.pwned='c'</script>) ![pic](javascript:window.pwned='pic') ` +
                `<a href="javascript:window.pwned='raw'">raw</a> [ok](https://example.com/fine)`,
            )
          });\n</code>`,
        ], { tools: [shout] }),
      quiet(),
    );
    const page = await openPage(browser, server.url);
    const dialogs: string[] = [];
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      dialog.dismiss().catch(() => {});
    });
    await page.setInputFiles("#file", [{
      name: `<img src=x onerror="window.pwned='file'">.txt`,
      mimeType: "text/plain",
      buffer: Buffer.from("x"),
    }]);
    await page.locator("#attachments .chip").waitFor();
    await sendTask(page, `Task ${payload}`);
    await page.locator(".final strong").getByText("bold").waitFor();
    // Give any injected handler the chance to run: images decode, frames load.
    await page.evaluate(() =>
      new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 200)))
    );

    assertEquals(await page.evaluate(() => (globalThis as { pwned?: string }).pwned), undefined);
    assertEquals(dialogs, []);
    const elements = await page.evaluate(() =>
      ["img", "script", "svg", "iframe", "object", "embed"].map((tag) =>
        `${tag}: ${document.querySelectorAll(`#log ${tag}`).length}`
      )
    );
    assertEquals(elements, ["img: 0", "script: 0", "svg: 0", "iframe: 0", "object: 0", "embed: 0"]);
    const hrefs = await page.locator("#log a").evaluateAll((links) =>
      links.map((a) => (a as unknown as PageElement).href)
    );
    assertEquals(hrefs, ["https://example.com/ok", "https://example.com/fine"]);
    const answer = (await page.locator(".final").textContent())!;
    assertStringIncludes(answer, `<img src=x onerror="window.pwned='img'">`);
    assertStringIncludes(answer, "<script>window.pwned='script'</script>");
    assertStringIncludes(answer, `<a href="javascript:window.pwned='raw'">raw</a>`);
    assertStringIncludes((await page.locator(".task-text").textContent())!, payload);
    assertStringIncludes((await page.locator(".logs").textContent())!, payload);
    assertStringIncludes(
      (await page.locator(".tool-call, .output").first().textContent())!,
      "<svg",
    );
    assertStringIncludes((await page.locator(".turn .files").textContent())!, "img src_x");
    await screenshot(page, "xss-as-text");
  },
);

browserTest(
  "managed agents' steps nest under the manager's step; plans, images and sounds show",
  async (browser) => {
    const chart = tool({
      name: "chart",
      description: "Draws a chart.",
      inputs: {},
      outputType: "image",
      forward: () => imageValue(new Uint8Array(PNG)),
    });
    const beep = tool({
      name: "beep",
      description: "Makes a sound.",
      inputs: {},
      outputType: "audio",
      forward: () => audioValue(WAV, { mimeType: "audio/wav" }),
    });
    await using server = await serveUI(() => {
      const helper = scriptedAgent([
        "Thought: helping.\n<code>\nfinal_answer('sub result');\n</code>",
      ], {
        name: "helper",
        description: "Helps.",
      });
      return scriptedAgent([
        "1. Ask the helper.\n2. Draw.",
        "<code>\nconst report = await helper({ task: 'Help me out' });\nconsole.log(report.length > 0);\nconst sound = await beep({});\nsound\n</code>",
        "<code>\nfinal_answer(await chart({}));\n</code>",
      ], { managedAgents: [helper], tools: [chart, beep], planningInterval: 5 });
    }, quiet());
    const page = await openPage(browser, server.url);
    await sendTask(page, "Make a chart with help");
    await page.locator(".final img.media").waitFor();
    assertStringIncludes((await page.locator(".planning").textContent())!, "Ask the helper.");
    const nested = page.locator('.step[data-step="1"] .managed[data-agent="helper"]');
    assertStringIncludes((await nested.locator(".nested-task").textContent())!, "Help me out");
    assertStringIncludes((await nested.locator(".final").textContent())!, "sub result");
    assertEquals(
      await nested.locator('.step[data-step="1"]').count(),
      1,
      "the helper's own step 1",
    );
    assertMatch(
      (await page.locator(".final img.media").getAttribute("src"))!,
      /^data:image\/png;base64,/,
    );
    assertMatch(
      (await page.locator(".step .output audio.media").getAttribute("src"))!,
      /^data:audio\/wav;base64,/,
    );
    await screenshot(page, "managed-and-media");
  },
);

browserTest(
  "the access token is required when forced on 127.0.0.1, and the page works once opened with it",
  async (browser) => {
    let info: UIListenInfo | undefined;
    await using server = await serveUI(
      () => scriptedAgent(["<code>\nfinal_answer('let in');\n</code>"]),
      { ...quiet(), accessToken: true, onListen: (i) => (info = i) },
    );
    assert(info?.token && info.token.length >= 32, "a token was generated and given to onListen");
    assertEquals(
      server.url.includes(info.token),
      false,
      "the server's url does not hold the token",
    );
    const context = await browser.newContext();
    const page = await context.newPage();

    const bare = await page.goto(server.url);
    assertEquals(bare?.status(), 401);
    assertStringIncludes((await page.textContent("body"))!, "needs its access token");
    const wrong = await page.goto(`${server.url}?token=${"x".repeat(43)}`);
    assertEquals(wrong?.status(), 401);
    const events = await page.evaluate(async () =>
      (await fetch("/api/sessions", { method: "POST" })).status
    );
    assertEquals(events, 401, "the API refuses too");

    await page.goto(info.openUrl);
    assertEquals(page.url(), server.url, "the token left the address bar");
    await page.locator("#send:not([disabled])").waitFor();
    await sendTask(page, "Let me in");
    await page.locator(".final").getByText("let in").waitFor();
    const cookie = (await context.cookies()).find((c) => c.name.startsWith("smoldeno_ui_"));
    assertEquals(cookie?.httpOnly, true, "the token cookie is out of the page's scripts' reach");
    await screenshot(page, "token");
  },
);

browserTest(
  "bad input gets a clear message in the page and the server keeps working",
  async (browser) => {
    const release = Promise.withResolvers<void>();
    let sessions = 0;
    await using server = await serveUI(() => {
      if (++sessions === 1) throw new Error("no model configured");
      return new CodeAgent({
        model: pacedModel([
          [
            "<code>\nconsole.log('working');\n",
            release.promise,
            "final_answer('finally');\n</code>",
          ],
          ["<code>\nfinal_answer('again');\n</code>"],
        ]),
        logLevel: LogLevel.OFF,
      });
    }, { ...quiet(), maxUploadBytes: 1000, maxUploads: 2 });
    const page = await (await browser.newContext()).newPage();
    await page.goto(server.url);

    // A factory that throws: its message, and a way to try again.
    await banner(page).getByText(
      "Cannot start the agent: the agent factory failed: no model configured",
    ).waitFor();
    await page.click("#banner-action");
    await page.locator("#send:not([disabled])").waitFor();

    await sendTask(page, "   ");
    await banner(page).getByText("The task is empty").waitFor();

    await page.setInputFiles("#file", [{
      name: "big.bin",
      mimeType: "application/octet-stream",
      buffer: Buffer.alloc(2000),
    }]);
    await banner(page).getByText('"big.bin" is too large: the limit is 1000 bytes per file')
      .waitFor();
    assertEquals(await page.locator("#attachments .chip").count(), 0);

    await sendTask(page, "Work slowly");
    await page.locator('.step[data-step="1"] .model-text').getByText("console.log").waitFor();
    await sendTask(page, "Meanwhile, this");
    await banner(page).getByText("A task is already running").waitFor();
    await screenshot(page, "bad-input");
    release.resolve();
    await page.locator(".final").getByText("finally").waitFor();
    assertEquals(await page.locator(".turn").count(), 1, "the refused task never started");

    // Re-run the task: the same text, as a new turn.
    await page.click(".turn .rerun");
    await page.locator(".final").getByText("again").waitFor();
    assertEquals(await page.locator(".turn .task-text").allTextContents(), [
      "Work slowly",
      "Work slowly",
    ]);

    // The model has no reply left: the run fails, and says why.
    await page.click(".turn .rerun >> nth=0");
    await page.locator(".turn .error").getByText("The run failed: AgentGenerationError").waitFor();
    assertEquals(await page.locator("#status").textContent(), "Failed");
  },
);

browserTest(
  "copy code, download the run as JSON, and New chat start a fresh agent",
  async (browser) => {
    let made = 0;
    await using server = await serveUI(() => {
      made++;
      return scriptedAgent(["<code>\nconst answer = 6 * 7;\nfinal_answer(answer);\n</code>"]);
    }, quiet());
    const context = await browser.newContext({
      permissions: ["clipboard-read", "clipboard-write"],
    });
    const page = await context.newPage();
    await page.goto(server.url);
    await page.locator("#send:not([disabled])").waitFor();
    await sendTask(page, "Six times seven");
    await page.locator(".final").getByText("42").waitFor();

    await page.click(".code-block .copy");
    await page.locator(".code-block .copy").getByText("Copied").waitFor();
    assertEquals(
      await page.evaluate(() =>
        (navigator as unknown as { clipboard: { readText(): Promise<string> } }).clipboard
          .readText()
      ),
      "const answer = 6 * 7;\nfinal_answer(answer);",
    );

    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
    assertMatch(download.suggestedFilename(), /^smoldeno-run-.*\.json$/);
    const memory = JSON.parse(await Deno.readTextFile((await download.path())!));
    assertEquals(memory.steps[0], { type: "task", task: "Six times seven" });
    assertEquals(memory.steps.at(-1), { type: "final_answer", output: 42 });

    await page.click("#new-chat");
    await page.locator(".empty").waitFor();
    await page.locator("#send:not([disabled])").waitFor();
    assertEquals(made, 2, "New chat asked the factory for a fresh agent");
    assertEquals(await page.locator(".turn").count(), 0);
    await waitFor("the old session to close", () => server.sessionCount === 1);
  },
);

browserTest(
  "an idle chat is closed with its sandbox, and the page offers a new one",
  async (browser) => {
    await using server = await serveUI(
      () => scriptedAgent(["<code>\nfinal_answer('done');\n</code>"]),
      { ...quiet(), idleTimeoutMs: 1_500 },
    );
    const page = await openPage(browser, server.url);
    await sendTask(page, "Quick one");
    await page.locator(".final").getByText("done").waitFor();
    await banner(page).getByText("This chat was closed after 1500 ms without activity").waitFor();
    assertEquals(await page.locator("#send").isEnabled(), false);
    assertEquals(server.sessionCount, 0);
    await page.click("#banner-action");
    await page.locator("#send:not([disabled])").waitFor();
    assertEquals(server.sessionCount, 1);
  },
);

browserTest(
  "a permission the code is denied is asked on the page: Allow once grants exactly that file and the run goes on; Deny shows the model the denial",
  async (browser) => {
    const dir = await Deno.makeTempDir({ prefix: "smoldeno-ui-ask-" });
    // A name made to look like markup: the page shows it as text.
    const file = `${dir}/<img src=x onerror=window.pwned=1>.txt`;
    await Deno.writeTextFile(file, "the secret is 7");
    try {
      const read = `<code>\nfinal_answer(Deno.readTextFileSync(${JSON.stringify(file)}));\n</code>`;
      await using server = await serveUI(
        ({ number, requestPermission }) =>
          new CodeAgent({
            model: new ScriptedModel({
              replies: number === 1 ? [read] : [
                read,
                "Thought: I may not read it.\n<code>\nfinal_answer('no access');\n</code>",
              ],
            }),
            onPermissionRequest: requestPermission,
            logLevel: LogLevel.OFF,
          }),
        quiet(),
      );
      const page = await openPage(browser, server.url);
      await sendTask(page, "What is the secret?");
      const ask = page.locator(".permission-ask").first();
      await ask.locator("button[data-decision=once]").waitFor();
      assertEquals(await ask.locator(".ask-text code").textContent(), file);
      assertEquals(await page.locator("#status").textContent(), "Waiting for your answer…");
      await screenshot(page, "permission-ask");
      await ask.locator("button[data-decision=once]").click();
      await page.locator(".final").getByText("the secret is 7").waitFor();
      assertEquals(await ask.locator(".ask-answer").textContent(), "Allowed for this run");
      assertEquals(await page.evaluate(() => (globalThis as { pwned?: string }).pwned), undefined);

      // The next task continues the run's sandbox (granted once: still there)…
      // so a fresh chat asks again, and Deny lets the model see the refusal.
      await page.click("#new-chat");
      await page.locator(".empty").waitFor();
      await page.locator("#send:not([disabled])").waitFor();
      await sendTask(page, "And now?");
      const again = page.locator(".permission-ask").first();
      await again.locator("button[data-decision=deny]").click();
      await again.locator(".ask-answer.deny").waitFor();
      await page.locator(".final").getByText("no access").waitFor();
      assertEquals(await page.locator(".permission-ask").count(), 1);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

browserTest(
  "a tool call that needs approval is shown on the page with its arguments; Refuse with a reason, and the model reads it",
  async (browser) => {
    const send = tool({
      name: "send_email",
      description: "Sends an email.",
      inputs: {
        to: { type: "string", description: "Recipient" },
        body: { type: "string", description: "Text" },
      },
      outputType: "string",
      requiresApproval: true,
      forward: ({ to }) => `sent to ${to}`,
    });
    const model = new ScriptedModel({
      replies: [
        "<code>\nfinal_answer(await send_email({ to: 'boss@example.com', body: '<img src=x onerror=window.pwned=2>' }));\n</code>",
        "Thought: it was refused.\n<code>\nfinal_answer('not sent');\n</code>",
      ],
    });
    await using server = await serveUI(
      ({ requestToolApproval }) =>
        new CodeAgent({
          model,
          tools: [send],
          onToolApproval: requestToolApproval,
          logLevel: LogLevel.OFF,
        }),
      quiet(),
    );
    const page = await openPage(browser, server.url);
    await sendTask(page, "Email my boss");
    const ask = page.locator(".approval-ask");
    await ask.locator("button[data-approved=false]").waitFor();
    assertEquals(await ask.locator(".ask-text code").textContent(), "send_email");
    assertStringIncludes((await ask.locator(".ask-args").textContent())!, "boss@example.com");
    assertStringIncludes((await ask.locator(".ask-args").textContent())!, "<img src=x");
    await screenshot(page, "approval-ask");
    await ask.locator(".ask-reason").fill("not on a Sunday");
    await ask.locator("button[data-approved=false]").click();
    await page.locator(".final").getByText("not sent").waitFor();
    assertEquals(await ask.locator(".ask-answer").textContent(), "Refused: not on a Sunday");
    assertStringIncludes(JSON.stringify(model.calls.at(-1)), "not on a Sunday");
    assertEquals(await page.evaluate(() => (globalThis as { pwned?: number }).pwned), undefined);
  },
);
