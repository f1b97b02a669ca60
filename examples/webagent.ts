// A browser agent: a CodeAgent drives a real headless Chromium with the
// browser tools (go_to, click, close_popups, find_on_page, …) and sees a
// screenshot of the page after every step.
//
//   deno run --allow-all examples/webagent.ts
//   deno run --allow-all examples/webagent.ts "What do Conference pears cost?"
//
// The agent browses a small orchard shop this script serves on 127.0.0.1
// (so it runs offline; the browser is allowed that one private host). Needs
// Chromium: Debian/Ubuntu `apt-get install chromium`, or set
// SMOLDENO_CHROMIUM to a Chrome binary. For any site, use the CLI instead:
// `deno run -A src/cli/web.ts "task" --model-type OpenAIServerModel --model-id gpt-4o`.
import { BrowserAgent, BrowserSession } from "@smoldeno/agents/tools/browser";
import { pickModel, printAnswer } from "./_model.ts";

const task = Deno.args.join(" ") ||
  "When does the orchard shop open on Saturdays? Answer with the opening and closing times.";

await using site = serveShop();
const origin = `http://127.0.0.1:${site.addr.port}`;

const { model } = await pickModel([
  `Thought: I start on the shop's home page.\n<code>\nconsole.log(await go_to("${origin}/"));\n</code>`,
  'Thought: The screenshot shows a cookie banner over the page. I close it and open the opening hours.\n<code>\nconsole.log(await close_popups());\nconsole.log(await click({ target: "Opening hours" }));\n</code>',
  'Thought: This is the opening hours page. I look for Saturday.\n<code>\nconst line = await find_on_page({ text: "Saturday" });\nconsole.log(line);\n</code>',
  'Thought: The page says Saturday 9:00 to 13:00.\n<code>\nfinal_answer("On Saturdays the shop opens at 9:00 and closes at 13:00.");\n</code>',
], {
  scriptedNotice:
    "Model: a scripted model (offline replay); the browser, the page and the screenshots are real.",
});

await using session = await BrowserSession.launch({
  allowPrivateNetwork: ["127.0.0.1"],
  viewport: { width: 1024, height: 768 },
});
await using agent = new BrowserAgent({ model, session, maxSteps: 8 });
printAnswer(await agent.run(`${task}\nThe shop's website is ${origin}/`));
const shots = agent.memory.steps.filter((s) => s.type === "action" && s.observationImages?.length);
console.error(`Screenshots kept in memory: ${shots.length} (the latest steps)`);

/** The shop's three pages. */
function serveShop(): Deno.HttpServer<Deno.NetAddr> {
  const page = (title: string, body: string) =>
    new Response(
      `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title><style>
body{font-family:sans-serif;margin:2em} .banner{position:fixed;bottom:0;left:0;right:0;padding:1em;background:#234;color:#fff}
</style></head><body><nav><a href="/">Home</a> · <a href="/hours">Opening hours</a> · <a href="/prices">Prices</a></nav>${body}</body></html>`,
      { headers: { "content-type": "text/html; charset=utf-8" } },
    );
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    switch (new URL(request.url).pathname) {
      case "/":
        return page(
          "Orchard Shop",
          `<h1>The Orchard Shop</h1><p>Apples, pears and preserves from the community orchard.</p>
<div class="banner" id="banner">We use cookies for your basket.
<button onclick="document.getElementById('banner').remove()">Accept all</button></div>`,
        );
      case "/hours":
        return page(
          "Opening hours",
          "<h1>Opening hours</h1><ul><li>Monday to Friday: 10:00 to 18:00</li><li>Saturday: 9:00 to 13:00</li><li>Sunday: closed</li></ul>",
        );
      case "/prices":
        return page(
          "Prices",
          "<h1>Prices</h1><ul><li>Bramley apples: £3.20 a kilo</li><li>Conference pears: £2.80 a kilo</li></ul>",
        );
      default:
        return new Response("Not found", { status: 404 });
    }
  });
}
