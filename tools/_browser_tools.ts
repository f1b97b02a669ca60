// The tools a model drives the browser with. Each returns a sentence saying
// what happened and where the page is now; what cannot be done throws a
// BrowserToolError, which the agent shows the model as the step's error.

import { errors } from "playwright-core";
import { type FunctionTool, tool, type ToolArgs, type ToolInputs } from "../src/tool.ts";
import type { Tool } from "../src/tool_types.ts";
import { BrowserToolError, type BrowserToolErrorReason } from "./_browser_errors.ts";
import { Actions, Failure } from "./_browser_actions.ts";
import type { BrowserSession } from "./_browser_session.ts";

/** Options of {@linkcode browserTools}. */
export interface BrowserToolsOptions {
  /** Characters `page_text()` returns at most; the rest is cut with a note. Default 20 000. */
  maxTextLength?: number;
  /** Links `get_links()` lists at most. Default 100. */
  maxLinks?: number;
}

/** The names of the tools {@linkcode browserTools} makes, in order. */
export const BROWSER_TOOL_NAMES: readonly string[] = [
  "go_to",
  "go_back",
  "click",
  "type_text",
  "press",
  "scroll",
  "find_on_page",
  "close_popups",
  "page_text",
  "get_links",
];

/**
 * The browser tools over a session: `go_to`, `go_back`, `click`,
 * `type_text`, `press`, `scroll`, `find_on_page`, `close_popups`,
 * `page_text` and `get_links`. Give them to a `CodeAgent` (or use
 * {@linkcode BrowserAgent}, which also adds screenshots).
 *
 * @example
 * ```ts ignore
 * import { BrowserSession, browserTools } from "@smoldeno/agents/tools/browser";
 *
 * await using session = await BrowserSession.launch();
 * const tools = Object.fromEntries(browserTools(session).map((t) => [t.name, t]));
 * console.log(await tools.go_to.call({ url: "https://example.com" }));
 * // 'Opened "Example Domain" at https://example.com/ (HTTP 200)'
 * console.log(await tools.page_text.call({}));
 * ```
 *
 * @throws {RangeError} for a non-positive `maxTextLength` or `maxLinks`.
 */
export function browserTools(session: BrowserSession, options: BrowserToolsOptions = {}): Tool[] {
  const maxText = positive(options.maxTextLength ?? 20_000, "maxTextLength");
  const maxLinks = positive(options.maxLinks ?? 100, "maxLinks");
  const b = new Actions(session);
  return [
    define("go_to", "Opens a web page in the browser. Returns its title and final address.", {
      url: { type: "string", description: "The address, e.g. 'https://example.com/shop'" },
    }, ({ url }) => b.goTo(url)),
    define(
      "go_back",
      "Goes back to the previous page, like the browser's Back button.",
      {},
      () => b.goBack(),
    ),
    define(
      "click",
      "Clicks a link, button or other element, found by its visible text (e.g. 'Next page') or a CSS selector (e.g. '#submit').",
      {
        target: {
          type: "string",
          description: "The element's visible text, or a CSS selector",
        },
      },
      ({ target }) => b.click(target),
    ),
    define(
      "type_text",
      "Types text into a form field (replacing what it held), found by its label, placeholder, name or a CSS selector.",
      {
        field: {
          type: "string",
          description: "The field's label, placeholder or name (e.g. 'Email'), or a CSS selector",
        },
        text: { type: "string", description: "What to type" },
      },
      ({ field, text }) => b.typeText(field, text),
    ),
    define(
      "press",
      "Presses a key or key combination in the page, e.g. 'Enter' (submits a form), 'Tab', 'Escape', 'ArrowDown', 'Control+A'.",
      { key: { type: "string", description: "The key, as playwright names it: 'Enter', 'Tab'…" } },
      ({ key }) => b.press(key),
    ),
    define("scroll", "Scrolls the page. Returns where the page is now.", {
      direction: {
        type: "string",
        enum: ["down", "up"],
        description: "'down' or 'up'",
      },
      amount: {
        type: "integer",
        description: "Pixels to scroll (default: one screen)",
        nullable: true,
      },
    }, ({ direction, amount }) => b.scroll(direction as "down" | "up", amount ?? undefined)),
    define(
      "find_on_page",
      "Finds text on the page, like Ctrl+F, scrolls to the nth match and returns how many matches there are with the matched text.",
      {
        text: { type: "string", description: "The text to look for (case-insensitive)" },
        nth: {
          type: "integer",
          description: "Which match to scroll to, from 1 (default 1)",
          nullable: true,
        },
      },
      ({ text, nth }) => b.find(text, nth ?? 1),
    ),
    define(
      "close_popups",
      "Closes pop-ups, dialogs and cookie banners in the way (presses Escape, then their close or consent button).",
      {},
      () => b.closePopups(),
    ),
    define(
      "page_text",
      "Returns the readable text of the current page as Markdown (headings, paragraphs, lists, tables, links).",
      {},
      () => b.pageText(maxText),
    ),
    define(
      "get_links",
      "Lists the links of the current page as Markdown, with their text and address.",
      {},
      () => b.links(maxLinks),
    ),
  ];
}

function define<I extends ToolInputs>(
  name: string,
  description: string,
  inputs: I,
  run: (args: ToolArgs<I>) => Promise<string>,
): FunctionTool<I, "string"> {
  return tool({
    name,
    description,
    inputs,
    outputType: "string",
    forward: async (args) => {
      try {
        return await run(args);
      } catch (error) {
        throw asToolError(name, error);
      }
    },
  });
}

/** Turns what playwright threw into the error the model reads. */
function asToolError(toolName: string, error: unknown): BrowserToolError {
  if (error instanceof BrowserToolError) return error;
  if (error instanceof Failure) {
    return new BrowserToolError(error.message, { toolName, reason: error.reason });
  }
  const message = error instanceof Error ? error.message : String(error);
  const first = message.split("\n")[0].replace(/^\w+\.\w+: /, "");
  let reason: BrowserToolErrorReason = "navigation";
  if (error instanceof errors.TimeoutError) reason = "timeout";
  else if (/closed|Target page, context or browser has been closed/i.test(message)) {
    reason = "closed";
  }
  return new BrowserToolError(`The browser could not do it: ${first}`, {
    toolName,
    reason,
    cause: error,
  });
}

function positive(value: number, name: string): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new RangeError(
      `Cannot create the browser tools: ${name} must be a positive integer, got ${value}`,
    );
  }
  return value;
}
