// BrowserAgent: a CodeAgent wired to a BrowserSession: the browser tools,
// a screenshot after every step, instructions on how to browse, and a fresh
// page for each new run.

import { CodeAgent, type CodeAgentOptions } from "../src/agents/code_agent.ts";
import type { StepCallback, StepCallbacks } from "../src/agents/multi_step_agent.ts";
import type { ActionStep } from "../src/memory.ts";
import { browserScreenshots } from "./_browser_screenshots.ts";
import type { BrowserSession } from "./_browser_session.ts";
import { browserTools, type BrowserToolsOptions } from "./_browser_tools.ts";

/** How the agent is told to use the browser; appended to the system prompt. */
export const BROWSER_INSTRUCTIONS: string =
  `You control a real web browser through the tools go_to, click, type_text, press, scroll, find_on_page, close_popups, page_text, get_links and go_back. Each returns a sentence saying what happened; print it with console.log to read it.
After every step you see a screenshot of the browser and its current URL.
- Work in small steps: end the step after an action that changes the page (go_to, click, press "Enter", close_popups), look at the new screenshot, then decide.
- Click links and buttons by the text they show, e.g. await click({ target: "Next page" }); use a CSS selector when the text is ambiguous.
- Fill forms with await type_text({ field: "Email", text: "..." }), naming the field by its label or placeholder, then click the submit button or press "Enter".
- Read a page with console.log(await page_text()) rather than guessing from the screenshot; use find_on_page to jump to a word.
- A cookie banner or pop-up in the way: await close_popups().
- When a tool throws (element not found, timeout, blocked address), read the error and try another way: the exact visible text, get_links(), or another page.
- Never log in, buy anything or enter personal data unless the task gives it to you.`;

/** Options of {@linkcode BrowserAgent}: a CodeAgent's, plus the browser. */
export interface BrowserAgentOptions extends CodeAgentOptions {
  /** The browser the agent drives. The agent does not close it. */
  session: BrowserSession;
  /** How many of the latest steps keep their screenshot (default 2; 0 for none). */
  screenshots?: number;
  /** Options of the browser tools. */
  browserTools?: BrowserToolsOptions;
}

/**
 * A CodeAgent that browses: it gets the browser tools of its session, a
 * screenshot and URL in each step's observations (the last two kept), and
 * instructions on browsing in its system prompt; every new run starts on a
 * fresh page (no cookies or history of the last run; `reset: false` keeps
 * the page). Use a model that reads images to make use of the screenshots.
 *
 * @example
 * ```ts ignore
 * import { BrowserAgent, BrowserSession } from "@smoldeno/agents/tools/browser";
 *
 * await using session = await BrowserSession.launch();
 * await using agent = new BrowserAgent({ model, session });
 * console.log(await agent.run("What is the top story on https://news.ycombinator.com?"));
 * ```
 */
export class BrowserAgent extends CodeAgent {
  /** The browser this agent drives. */
  readonly session: BrowserSession;

  /**
   * Creates the agent; starts nothing (the browser is the session's).
   *
   * @throws {TypeError} without a session, and for every CodeAgent option error.
   */
  constructor(options: BrowserAgentOptions) {
    const { session, screenshots, browserTools: toolOptions, ...rest } = options;
    if (typeof session?.activePage !== "function") {
      throw new TypeError(
        "Cannot create BrowserAgent: session must be a BrowserSession, e.g. await BrowserSession.launch()",
      );
    }
    const shots = browserScreenshots(session, { keep: screenshots ?? 2 });
    super({
      ...rest,
      tools: [...browserTools(session, toolOptions), ...(rest.tools ?? [])],
      stepCallbacks: withAction(rest.stepCallbacks, shots),
      instructions: rest.instructions
        ? `${BROWSER_INSTRUCTIONS}\n\n${rest.instructions}`
        : BROWSER_INSTRUCTIONS,
    });
    this.session = session;
  }

  /** Opens a fresh page for a new run, then prepares the sandbox. */
  protected override async prepareRun(
    additionalArgs: Record<string, unknown>,
    options: { reset: boolean },
  ): Promise<void> {
    if (options.reset) await this.session.newPage();
    await super.prepareRun(additionalArgs, options);
  }
}

function withAction(
  given: CodeAgentOptions["stepCallbacks"],
  callback: StepCallback<ActionStep>,
): StepCallbacks {
  if (given === undefined) return { action: [callback] };
  if (Array.isArray(given)) return { action: [callback, ...given] };
  const action = given.action === undefined
    ? []
    : Array.isArray(given.action)
    ? given.action
    : [given.action];
  return { ...given, action: [callback, ...action] };
}
