// A host program for the orphan tests: opens a browser session, prints the
// browser's process id, then (by its argument) waits to be killed, exits
// without closing the session, or closes it.
import { BrowserSession } from "../../tools/browser.ts";

const mode = Deno.args[0] ?? "wait";
const session = await BrowserSession.launch();
await session.activePage();
console.log(JSON.stringify({ pid: session.pid }));
if (mode === "exit") {
  // Exits, without closing the session, once the test has looked at the browser.
  await Deno.stdin.read(new Uint8Array(1));
  Deno.exit(0);
}
if (mode === "close") {
  await session.close();
} else {
  // Waits for the test's signal.
  setInterval(() => {}, 60_000);
}
