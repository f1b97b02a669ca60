/**
 * A web UI for smoldeno agents: {@linkcode serveUI} serves one page (plain
 * HTML, CSS and JavaScript shipped in the package; nothing from a CDN, so it
 * works offline) where you chat with an agent and watch every step as it
 * happens: the model's streamed text, the code with line numbers, logs, tool
 * calls, managed agents' steps nested under their manager's, plans, errors,
 * tokens and time per step, the final answer, images and sounds.
 *
 * Each browser session (each tab) gets its own agent from your factory, so
 * two tabs never share memory or a sandbox. The server listens on 127.0.0.1
 * by default; any other interface requires an access token. Model output is
 * untrusted: the page renders it as text, with a small Markdown subset built
 * element by element (no HTML from the model ever reaches the page), under a
 * Content-Security-Policy that allows no inline script. See `docs/ui.md`.
 *
 * @example Serving a CodeAgent per browser tab
 * ```ts
 * import { CodeAgent, LogLevel } from "@smoldeno/agents";
 * import { ScriptedModel } from "@smoldeno/agents/testing";
 * import { serveUI } from "@smoldeno/agents/ui";
 *
 * const server = await serveUI(
 *   ({ uploadDir }) =>
 *     new CodeAgent({
 *       model: new ScriptedModel({ replies: ["<code>\nfinal_answer('hello')\n</code>"] }),
 *       // Uploaded files reach the run as `files` (their paths): let the code read them.
 *       permissions: { read: [uploadDir] },
 *       logLevel: LogLevel.OFF,
 *     }),
 *   { title: "Demo", onListen: ({ url }) => console.log(`open ${url}`) },
 * );
 * // … the page is served until the server closes:
 * await server.close();
 * console.log(server.sessionCount); // 0
 * ```
 *
 * @module
 */

export {
  type AgentFactory,
  serveUI,
  type ServeUIOptions,
  type UIListenInfo,
  type UIServer,
  type UISessionInfo,
} from "./serve_ui.ts";
