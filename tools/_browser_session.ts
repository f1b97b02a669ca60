// BrowserSession: one Chromium (launched, or reached over CDP), one fresh
// context and page at a time, and the network policy every request of that
// context goes through.

import type { Browser, BrowserContext, Page, Route } from "playwright-core";
import { chromium } from "playwright-core";
import { type ImageValue, imageValue } from "../src/media.ts";
import { BrowserError } from "./_browser_errors.ts";
import { launchBrowser, type LaunchedBrowser } from "./_browser_process.ts";
import { isPrivateHost } from "./_http.ts";

/** The size of the page, in CSS pixels; screenshots have this size. */
export interface Viewport {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
}

/** Options of a {@linkcode BrowserSession}, launched or connected. */
export interface BrowserSessionOptions {
  /** The page size, and so the screenshot size. Default 1024 × 768. */
  viewport?: Viewport;
  /**
   * Allow pages on this machine or a private network: `true` for all, or a
   * list of hostnames (e.g. `["127.0.0.1", "wiki.intranet"]`). Default
   * `false`: the browser runs on the host, so a page the model chooses must
   * not reach internal services. Every request of the page is checked
   * (links, redirects, images, scripts, forms), not only `go_to`.
   * Hostnames are checked as written, like `VisitWebpageTool`'s policy.
   */
  allowPrivateNetwork?: boolean | readonly string[];
  /** Milliseconds a navigation (`go_to`, `go_back`) may take. Default 20 000. */
  navigationTimeoutMs?: number;
  /** Milliseconds an action (click, typing, a screenshot) may take. Default 5 000. */
  actionTimeoutMs?: number;
}

/** Options of {@linkcode BrowserSession.launch}. */
export interface BrowserLaunchOptions extends BrowserSessionOptions {
  /**
   * The Chromium or Chrome binary. Default: `SMOLDENO_CHROMIUM`, then the
   * usual install paths (`/usr/bin/chromium`, …), then playwright's own
   * downloaded browser.
   */
  executablePath?: string;
  /** Run without a window. Default true. */
  headless?: boolean;
  /** More command-line switches for the browser. */
  args?: readonly string[];
  /** Milliseconds the browser may take to start. Default 30 000. */
  launchTimeoutMs?: number;
  /** Cancels the launch; the browser, if started, is closed. */
  signal?: AbortSignal;
}

/** Options of {@linkcode BrowserSession.connect}. */
export interface BrowserConnectOptions extends BrowserSessionOptions {
  /** Milliseconds the connection may take. Default 30 000. */
  connectTimeoutMs?: number;
  /** Cancels the connection. */
  signal?: AbortSignal;
}

/** A playwright `Page`: what {@linkcode BrowserSession.activePage} gives, for any playwright call. */
export type BrowserPage = Page;
/** A playwright `Browser`: the one a {@linkcode BrowserSession} drives. */
export type PlaywrightBrowser = Browser;

const DEFAULT_VIEWPORT: Viewport = { width: 1024, height: 768 };

/**
 * A browser the agent's tools drive: Chromium launched headless (or a
 * running Chrome reached with {@linkcode BrowserSession.connect}), with one
 * fresh context and page at a time ({@linkcode BrowserSession.newPage}
 * starts over: no cookies, no history). Close it with `await using`; a
 * launched browser also ends when the program is interrupted, killed or
 * crashes (Linux: a watchdog process) or calls `Deno.exit()` without
 * closing it (an unload handler). An open session keeps the program
 * running, as any open connection does.
 *
 * Private and loopback hosts are blocked by default for every request the
 * page makes; `allowPrivateNetwork` opens them.
 *
 * @example Opening a page and taking a screenshot
 * ```ts ignore
 * import { BrowserSession } from "@smoldeno/agents/tools/browser";
 *
 * await using session = await BrowserSession.launch({ viewport: { width: 800, height: 600 } });
 * const page = await session.activePage();
 * await page.goto("https://example.com/");
 * const shot = await session.screenshot();
 * console.log(shot.mimeType, shot.data.length > 0); // "image/png" true
 * ```
 */
export class BrowserSession implements AsyncDisposable {
  /** The playwright browser. */
  readonly browser: PlaywrightBrowser;
  /** The launched browser's process id, when known (Linux); undefined when connected. */
  readonly pid?: number;
  /** The page size. */
  readonly viewport: Viewport;
  /** Milliseconds a navigation may take. */
  readonly navigationTimeoutMs: number;
  /** Milliseconds an action may take. */
  readonly actionTimeoutMs: number;
  readonly #launched?: LaunchedBrowser;
  readonly #allowPrivate: boolean | readonly string[];
  #context?: BrowserContext;
  #page?: Page;
  #opening?: Promise<Page>;
  #closing?: Promise<void>;
  #blocked: string[] = [];

  private constructor(
    browser: Browser,
    launched: LaunchedBrowser | undefined,
    options: BrowserSessionOptions,
  ) {
    this.browser = browser;
    this.#launched = launched;
    this.pid = launched?.pid;
    this.viewport = options.viewport ?? DEFAULT_VIEWPORT;
    this.navigationTimeoutMs = options.navigationTimeoutMs ?? 20_000;
    this.actionTimeoutMs = options.actionTimeoutMs ?? 5_000;
    this.#allowPrivate = options.allowPrivateNetwork ?? false;
  }

  /**
   * Launches Chromium and returns the session. Options are checked before
   * anything starts.
   *
   * @throws {TypeError} or {RangeError} for bad options.
   * @throws {BrowserError} when the browser cannot start.
   */
  static async launch(options: BrowserLaunchOptions = {}): Promise<BrowserSession> {
    checkOptions(options, "launch");
    options.signal?.throwIfAborted();
    const launched = await launchBrowser({
      executablePath: options.executablePath,
      headless: options.headless ?? true,
      args: options.args ?? [],
      timeoutMs: options.launchTimeoutMs ?? 30_000,
    });
    const session = new BrowserSession(launched.browser, launched, options);
    if (options.signal?.aborted) {
      await session.close();
      throw options.signal.reason;
    }
    return session;
  }

  /**
   * Connects to a running Chrome or Chromium over the DevTools protocol
   * (`chrome --remote-debugging-port=9222`, then
   * `connect("http://127.0.0.1:9222")`). The session works in a context of
   * its own and leaves the browser's other tabs alone; closing it
   * disconnects without ending the browser.
   *
   * @throws {BrowserError} when the browser cannot be reached.
   */
  static async connect(
    endpointUrl: string,
    options: BrowserConnectOptions = {},
  ): Promise<BrowserSession> {
    if (typeof endpointUrl !== "string" || !/^(https?|wss?):\/\//i.test(endpointUrl)) {
      throw new TypeError(
        `Cannot connect to the browser at "${endpointUrl}": give its DevTools address, e.g. "http://127.0.0.1:9222"`,
      );
    }
    checkOptions(options, "connect");
    options.signal?.throwIfAborted();
    let browser: Browser;
    try {
      browser = await chromium.connectOverCDP(endpointUrl, {
        timeout: options.connectTimeoutMs ?? 30_000,
      });
    } catch (error) {
      throw new BrowserError(
        `Cannot connect to the browser at "${endpointUrl}": ${
          (error as Error).message?.split("\n")[0]
        }; start it with --remote-debugging-port`,
        { reason: "connect", cause: error },
      );
    }
    return new BrowserSession(browser, undefined, options);
  }

  /** True once {@linkcode close} was called. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** The address of the current page, or `"about:blank"` before any. */
  get url(): string {
    return this.#page && !this.#page.isClosed() ? this.#page.url() : "about:blank";
  }

  /**
   * The current page, opened when there is none yet (or the last one was
   * closed). A link that opens a new tab makes that tab the current page.
   *
   * @throws {BrowserError} when the session is closed.
   */
  activePage(): Promise<BrowserPage> {
    this.#checkOpen();
    if (this.#page && !this.#page.isClosed()) return Promise.resolve(this.#page);
    return this.#opening ??= this.#open().finally(() => (this.#opening = undefined));
  }

  /**
   * Starts over in a fresh context: the current page, its cookies, storage
   * and history are dropped. An agent calls it at the start of each run.
   *
   * @throws {BrowserError} when the session is closed.
   */
  async newPage(): Promise<BrowserPage> {
    this.#checkOpen();
    await this.#opening?.catch(() => {});
    const old = this.#context;
    this.#context = undefined;
    this.#page = undefined;
    await old?.close().catch(() => {});
    return await this.activePage();
  }

  /**
   * Why a URL may not be opened, or undefined when it may: only http(s),
   * and private hosts only as `allowPrivateNetwork` says.
   */
  refusal(url: string): string | undefined {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return `"${url}" is not an absolute URL`;
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      return `only http and https pages can be opened, not "${parsed.protocol}" URLs`;
    }
    const allow = this.#allowPrivate;
    if (allow === true || !isPrivateHost(parsed.hostname)) return undefined;
    if (Array.isArray(allow) && allow.includes(parsed.hostname)) return undefined;
    return `"${parsed.host}" is on this machine or a private network, which this browser may not visit`;
  }

  /** Navigations blocked by the policy since the last call, oldest first. */
  takeBlocked(): string[] {
    const blocked = this.#blocked;
    this.#blocked = [];
    return blocked;
  }

  /**
   * A PNG screenshot of the visible part of the current page, at the
   * viewport's size.
   *
   * @throws {BrowserError} when the session is closed.
   */
  async screenshot(): Promise<ImageValue> {
    const page = await this.activePage();
    const data = await page.screenshot({ type: "png", timeout: this.actionTimeoutMs });
    return imageValue(new Uint8Array(data), { mimeType: "image/png" });
  }

  /**
   * Closes the page, and the browser if this session launched it (a
   * connected browser is only disconnected). Idempotent.
   */
  close(): Promise<void> {
    return this.#closing ??= (async () => {
      await this.#opening?.catch(() => {});
      await this.#context?.close().catch(() => {});
      if (this.#launched) await this.#launched.close();
      else await this.browser.close().catch(() => {});
    })();
  }

  /** Same as {@linkcode close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #open(): Promise<Page> {
    // Service workers could answer requests without the policy seeing them.
    const context = await this.browser.newContext({
      viewport: this.viewport,
      serviceWorkers: "block",
    });
    context.setDefaultTimeout(this.actionTimeoutMs);
    context.setDefaultNavigationTimeout(this.navigationTimeoutMs);
    if (this.#allowPrivate !== true) {
      await context.route("**/*", (route) => this.#filter(route));
      // WebSockets bypass the route above; the refused ones are closed unopened.
      await context.routeWebSocket(
        (url) => this.refusal(url.href.replace(/^ws/i, "http")) !== undefined,
        (socket) => socket.close({ code: 1008, reason: "Blocked by the browser's network policy" }),
      );
    }
    // A link or script that opens a tab: the agent follows it there.
    context.on("page", (page) => {
      if (this.#context === context) this.#page = page;
    });
    const page = await context.newPage();
    if (this.closed) {
      await context.close().catch(() => {});
      throw closedError();
    }
    this.#context = context;
    this.#page = page;
    return page;
  }

  #filter(route: Route): Promise<void> {
    const request = route.request();
    const url = request.url();
    // data: and blob: URLs made by the page itself load nothing from the network.
    if (/^(data|blob):/i.test(url)) return route.continue();
    if (this.refusal(url) === undefined) return route.continue();
    if (request.isNavigationRequest()) this.#blocked.push(url);
    return route.abort("blockedbyclient");
  }

  #checkOpen(): void {
    if (this.closed) throw closedError();
  }
}

function closedError(): BrowserError {
  return new BrowserError(
    "The browser session is closed: launch a new one with BrowserSession.launch()",
    { reason: "closed" },
  );
}

function checkOptions(options: BrowserSessionOptions, verb: string): void {
  const prefix = `Cannot ${verb} the browser`;
  const v = options.viewport;
  if (v !== undefined) {
    for (const side of ["width", "height"] as const) {
      if (!Number.isInteger(v?.[side]) || v[side] < 100 || v[side] > 4096) {
        throw new RangeError(
          `${prefix}: viewport.${side} must be an integer from 100 to 4096, got ${v?.[side]}`,
        );
      }
    }
  }
  for (const name of ["navigationTimeoutMs", "actionTimeoutMs"] as const) {
    const value = options[name];
    if (value !== undefined && !(value > 0 && Number.isFinite(value))) {
      throw new RangeError(`${prefix}: ${name} must be a positive number of ms, got ${value}`);
    }
  }
  const allow = options.allowPrivateNetwork;
  if (
    allow !== undefined && typeof allow !== "boolean" &&
    !(Array.isArray(allow) && allow.every((h) => typeof h === "string"))
  ) {
    throw new TypeError(
      `${prefix}: allowPrivateNetwork must be true, false or a list of hostnames such as ["127.0.0.1"]`,
    );
  }
}
