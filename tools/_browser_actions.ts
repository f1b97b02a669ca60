// What the browser tools do, on the session's current page: each action
// returns a sentence for the model, or throws a Failure saying what went
// wrong, which the tool turns into a BrowserToolError.

import { errors, type Locator, type Page } from "playwright-core";
import type { BrowserToolErrorReason } from "./_browser_errors.ts";
import {
  listLinksScript,
  MARK_POPUP_BUTTONS,
  markClickTargetScript,
  SCROLL_POSITION,
} from "./_browser_page_scripts.ts";
import type { BrowserSession } from "./_browser_session.ts";
import { htmlToMarkdown } from "./_html_to_markdown.ts";
import { truncate } from "./_text.ts";

// Thrown inside the actions; asToolError gives it the tool's name.
export class Failure extends Error {
  constructor(message: string, readonly reason: BrowserToolErrorReason) {
    super(message);
  }
}

/** The actions behind the tools, on the session's current page. */
export class Actions {
  readonly #session: BrowserSession;
  #marks = 0;

  constructor(session: BrowserSession) {
    this.#session = session;
  }

  async goTo(raw: string): Promise<string> {
    const url = withScheme(raw.trim());
    const refusal = this.#session.refusal(url);
    if (refusal !== undefined) {
      throw new Failure(`Cannot open "${raw}": ${refusal}`, "blocked");
    }
    const page = await this.#session.activePage();
    this.#session.takeBlocked();
    let response;
    try {
      response = await page.goto(url, { waitUntil: "load" });
    } catch (error) {
      throw this.#navigationFailure(error, url);
    }
    const status = response?.status();
    const note = status === undefined
      ? ""
      : status >= 400
      ? ` (HTTP ${status}${status === 404 ? ": the page does not exist" : ""})`
      : ` (HTTP ${status})`;
    return `Opened ${await where(page)}${note}`;
  }

  async goBack(): Promise<string> {
    const page = await this.#session.activePage();
    const before = page.url();
    let response;
    try {
      response = await page.goBack({ waitUntil: "load" });
    } catch (error) {
      throw this.#navigationFailure(error, "the previous page");
    }
    if (response === null && page.url() === before) {
      throw new Failure(`There is no previous page: the browser is at ${before}`, "navigation");
    }
    return `Back at ${await where(page)}`;
  }

  async click(target: string): Promise<string> {
    const page = await this.#session.activePage();
    if (target.trim() === "") {
      throw new Failure("Give the element's text or a CSS selector", "invalid");
    }
    // One pass in the page finds and marks the element (as fast as
    // playwright's own lookup); playwright's text engine, which also looks
    // into shadow roots, is the fallback.
    const mark = String(++this.#marks);
    const kind = await page.evaluate(markClickTargetScript(target, mark)) as string;
    const element = kind
      ? page.locator(`[data-smoldeno-target="${mark}"]`)
      : await this.#find(page, target, [(t) => page.getByText(t)]);
    if (!element) {
      throw new Failure(
        `No element matches ${JSON.stringify(target)} on ${page.url()}: ` +
          "give the exact visible text of a link or button, or a CSS selector; get_links() lists the links",
        "not_found",
      );
    }
    const before = page.url();
    this.#session.takeBlocked();
    try {
      const tab = kind === "tab"
        ? page.waitForEvent("popup", { timeout: this.#session.navigationTimeoutMs })
        : undefined;
      await element.click();
      await page.waitForLoadState("load");
      await (await tab)?.waitForLoadState("load");
    } catch (error) {
      throw this.#navigationFailure(error, `the page ${JSON.stringify(target)} leads to`);
    }
    const current = await this.#session.activePage();
    if (current !== page) await current.waitForLoadState("load").catch(() => {});
    this.#checkBlocked();
    return current !== page
      ? `Clicked ${JSON.stringify(target)}: it opened a new tab, now at ${await where(current)}`
      : current.url() !== before
      ? `Clicked ${JSON.stringify(target)}: now at ${await where(current)}`
      : `Clicked ${JSON.stringify(target)} (the page stayed at ${before})`;
  }

  async typeText(field: string, text: string): Promise<string> {
    const page = await this.#session.activePage();
    const input = await this.#find(page, field, [
      (t) => page.getByLabel(t, { exact: true }),
      (t) => page.getByPlaceholder(t, { exact: true }),
      (t) => page.locator(`[name=${JSON.stringify(t)}]`),
      (t) => page.getByRole("textbox", { name: t }),
      (t) => page.getByRole("searchbox", { name: t }),
      (t) => page.getByLabel(t),
      (t) => page.getByPlaceholder(t),
    ]);
    if (!input) {
      throw new Failure(
        `No form field matches ${JSON.stringify(field)} on ${page.url()}: ` +
          "give its label, placeholder or name as shown, or a CSS selector such as 'input[type=email]'",
        "not_found",
      );
    }
    try {
      await input.fill(text);
    } catch (error) {
      if (/not an <input>|Element is not an|cannot be filled/i.test(String(error))) {
        throw new Failure(
          `The element ${
            JSON.stringify(field)
          } is not a text field: point type_text at an input or text area`,
          "invalid",
        );
      }
      throw error;
    }
    return `Typed ${text.length} characters into ${JSON.stringify(field)}`;
  }

  async press(key: string): Promise<string> {
    const page = await this.#session.activePage();
    const before = page.url();
    this.#session.takeBlocked();
    try {
      // Pressed on the focused element, playwright waits for a navigation
      // the key starts (Enter in a form); on the page itself it cannot.
      const focused = page.locator("*:focus");
      if (await focused.count()) await focused.first().press(key);
      else await page.keyboard.press(key);
    } catch (error) {
      if (/Unknown key/i.test(String(error))) {
        throw new Failure(
          `Unknown key ${
            JSON.stringify(key)
          }: use names such as "Enter", "Tab", "Escape", "ArrowDown", "PageDown" or "Control+A"`,
          "invalid",
        );
      }
      throw error;
    }
    try {
      await page.waitForLoadState("load");
    } catch (error) {
      throw this.#navigationFailure(error, "the next page");
    }
    const current = await this.#session.activePage();
    this.#checkBlocked();
    return current.url() !== before
      ? `Pressed ${key}: now at ${await where(current)}`
      : `Pressed ${key}`;
  }

  async scroll(direction: "down" | "up", amount?: number): Promise<string> {
    const page = await this.#session.activePage();
    const pixels = amount ?? this.#session.viewport.height;
    if (!(pixels > 0)) {
      throw new Failure(`amount must be a positive number of pixels, got ${amount}`, "invalid");
    }
    const dy = direction === "up" ? -pixels : pixels;
    await page.evaluate(`window.scrollBy(0, ${dy})`);
    const p = await page.evaluate(SCROLL_POSITION) as { y: number; height: number };
    const bottom = p.y + this.#session.viewport.height >= p.height - 1;
    const edge = p.y === 0 ? " (the top)" : bottom ? " (the bottom)" : "";
    return `Scrolled ${direction} ${pixels} px: the view starts ${p.y} px down a ${p.height} px page${edge}`;
  }

  async find(text: string, nth: number): Promise<string> {
    if (text.trim() === "") {
      throw new Failure("find_on_page needs some text to look for", "invalid");
    }
    if (!(nth >= 1)) throw new Failure(`nth counts from 1, got ${nth}`, "invalid");
    const page = await this.#session.activePage();
    const matches = page.getByText(text).filter({ visible: true });
    const count = await matches.count();
    if (count === 0) {
      throw new Failure(`${JSON.stringify(text)} is not on the page ${page.url()}`, "not_found");
    }
    if (nth > count) {
      throw new Failure(
        `There is no match ${nth} for ${JSON.stringify(text)}: only ${count} on the page`,
        "not_found",
      );
    }
    const match = matches.nth(nth - 1);
    await match.scrollIntoViewIfNeeded();
    const shown = (await match.innerText()).trim().replace(/\s+/g, " ");
    return `Found ${count} match${count === 1 ? "" : "es"} for ${
      JSON.stringify(text)
    }; showing match ${nth}: ${
      JSON.stringify(shown.length > 300 ? shown.slice(0, 300) + "…" : shown)
    }`;
  }

  async closePopups(): Promise<string> {
    const page = await this.#session.activePage();
    await page.keyboard.press("Escape");
    const found = await page.evaluate(MARK_POPUP_BUTTONS) as { button: string; text: string }[];
    const closed: string[] = [];
    for (const [i, popup] of found.entries()) {
      try {
        await page.locator(`[data-smoldeno-popup="${i}"]`).click({ timeout: 1_000 });
        closed.push(`"${popup.button}" in "${popup.text}"`);
      } catch {
        // Hidden by an earlier one, or gone: the screenshot shows what is left.
      }
    }
    await page.waitForLoadState("load");
    return closed.length
      ? `Closed ${closed.length} pop-up${closed.length > 1 ? "s" : ""}: clicked ${
        closed.join(", ")
      }`
      : "Pressed Escape; no other pop-up with a close or consent button was found";
  }

  async pageText(max: number): Promise<string> {
    const page = await this.#session.activePage();
    const html = await page.content();
    const { title, markdown } = htmlToMarkdown(html, page.url());
    const header = `${title ? `# ${title}\n` : ""}URL: ${page.url()}\n\n`;
    return truncate(header + (markdown || "(the page has no readable text)"), max);
  }

  async links(max: number): Promise<string> {
    const page = await this.#session.activePage();
    const { links, total } = await page.evaluate(listLinksScript(max)) as {
      links: { text: string; href: string }[];
      total: number;
    };
    if (total === 0) return `The page ${page.url()} has no links`;
    const lines = links.map((l) => `- [${l.text.replace(/[[\]]/g, "") || "(no text)"}](${l.href})`);
    const more = total > links.length ? `\n(${total - links.length} more links not shown)` : "";
    return `${total} link${total === 1 ? "" : "s"} on ${page.url()}:\n${lines.join("\n")}${more}`;
  }

  /** The first candidate, in order, that finds a visible element. */
  async #find(
    page: Page,
    target: string,
    candidates: ((text: string) => Locator)[],
  ): Promise<Locator | undefined> {
    if (target.trim() === "") {
      throw new Failure("Give the element's text or a CSS selector", "invalid");
    }
    const makers = looksLikeSelector(target)
      ? [...candidates, (t: string) => page.locator(t)]
      : candidates;
    // One at a time: the first kinds (a button or link by its exact name)
    // are what models name, so most lookups stop at the first query.
    for (const make of makers) {
      const locator = make(target).filter({ visible: true });
      if (await locator.count().catch(() => 0) > 0) return locator.first();
    }
    return undefined;
  }

  #checkBlocked(): void {
    const blocked = this.#session.takeBlocked();
    if (blocked.length) {
      throw new Failure(
        `The page tried to open "${blocked[0]}", which is blocked: ${
          this.#session.refusal(blocked[0])
        }`,
        "blocked",
      );
    }
  }

  #navigationFailure(error: unknown, what: string): Error {
    const blocked = this.#session.takeBlocked();
    const message = String((error as Error)?.message ?? error);
    if (blocked.length || /ERR_BLOCKED_BY_CLIENT/.test(message)) {
      const url = blocked[0] ?? what;
      return new Failure(
        `Cannot open "${url}": ${this.#session.refusal(url) ?? "the browser blocked it"}`,
        "blocked",
      );
    }
    if (error instanceof errors.TimeoutError) {
      return new Failure(
        `Timed out after ${this.#session.navigationTimeoutMs} ms loading ${
          what.startsWith("http") ? `"${what}"` : what
        }: the site is slow or does not answer; try again, or another page`,
        "timeout",
      );
    }
    const net = /net::(ERR_[A-Z_]+)/.exec(message)?.[1];
    if (net) {
      const hint = net === "ERR_NAME_NOT_RESOLVED"
        ? "no such host, check the address"
        : net === "ERR_CONNECTION_REFUSED"
        ? "nothing answers there"
        : "the network failed";
      return new Failure(
        `Cannot open ${what.startsWith("http") ? `"${what}"` : what}: ${net} (${hint})`,
        "navigation",
      );
    }
    return error as Error;
  }
}

async function where(page: Page): Promise<string> {
  const title = (await page.title().catch(() => "")).trim();
  return title ? `${JSON.stringify(title)} at ${page.url()}` : page.url();
}

/** `example.com/x` becomes `https://example.com/x`, as a browser's address bar does. */
function withScheme(url: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(url) && !/^[\w.-]+:\d+/.test(url)) return url;
  return `https://${url.replace(/^\/\//, "")}`;
}

function looksLikeSelector(target: string): boolean {
  return /^[#.[]|^[a-z][a-z0-9-]*([#.[:\s>]|$)/i.test(target.trim()) &&
    !/\s{2,}/.test(target);
}
