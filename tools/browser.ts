/**
 * A browser for agents: {@linkcode BrowserSession} drives a real Chromium
 * (launched headless with playwright-core, or a running Chrome over CDP),
 * {@linkcode browserTools} gives the model `go_to`, `click`, `type_text`,
 * `press`, `scroll`, `find_on_page`, `close_popups`, `page_text`,
 * `get_links` and `go_back`, {@linkcode browserScreenshots} puts a
 * screenshot of the page into each step's memory, and
 * {@linkcode BrowserAgent} wires them all into a CodeAgent.
 *
 * Loaded only from this subpath, so `@smoldeno/agents` does not pull in
 * playwright. Private and loopback addresses are blocked unless
 * `allowPrivateNetwork` says otherwise; a launched browser ends with the
 * session, and also when the program is interrupted, killed, or calls
 * `Deno.exit()` without closing it (a program that simply reaches its end
 * stays open while the session is: close it, or use `await using`).
 *
 * @example Options are checked before any browser starts
 * ```ts
 * import { BrowserSession } from "@smoldeno/agents/tools/browser";
 *
 * try {
 *   await BrowserSession.launch({ viewport: { width: 10, height: 600 } });
 * } catch (error) {
 *   console.log((error as Error).message);
 *   // "Cannot launch the browser: viewport.width must be an integer from 100 to 4096, got 10"
 * }
 * ```
 *
 * @example An agent that browses
 * ```ts ignore
 * import { BrowserAgent, BrowserSession } from "@smoldeno/agents/tools/browser";
 * import { OpenAIServerModel } from "@smoldeno/agents/models/openai";
 *
 * await using session = await BrowserSession.launch();
 * await using agent = new BrowserAgent({
 *   model: new OpenAIServerModel({ modelId: "gpt-4o" }),
 *   session,
 * });
 * console.log(await agent.run("Find the opening hours on https://example.com"));
 * ```
 *
 * @module
 */

export { BROWSER_INSTRUCTIONS, BrowserAgent, type BrowserAgentOptions } from "./_browser_agent.ts";
export { BrowserError, BrowserToolError, type BrowserToolErrorReason } from "./_browser_errors.ts";
export { browserScreenshots, type BrowserScreenshotsOptions } from "./_browser_screenshots.ts";
export {
  type BrowserConnectOptions,
  type BrowserLaunchOptions,
  type BrowserPage,
  BrowserSession,
  type BrowserSessionOptions,
  type PlaywrightBrowser,
  type Viewport,
} from "./_browser_session.ts";
export { BROWSER_TOOL_NAMES, browserTools, type BrowserToolsOptions } from "./_browser_tools.ts";
