/**
 * DuckDuckGo's HTML endpoint as a {@linkcode SearchEngine}: no key needed.
 *
 * @module
 */
import domino from "@mixmark-io/domino";
import { boundedFetch, decodeBody, USER_AGENT } from "./_http.ts";
import {
  SearchBlockedError,
  type SearchEngine,
  type SearchOptions,
  type SearchResult,
} from "./search_engine.ts";

/** Options of {@linkcode DuckDuckGoEngine}. */
export interface DuckDuckGoEngineOptions {
  /** The HTML endpoint. Default `"https://html.duckduckgo.com/html/"`; tests point it at a local server. */
  baseUrl?: string;
  /** Region code such as `"fr-fr"`; default: DuckDuckGo's choice. */
  region?: string;
  /** Milliseconds per request. Default 15 000. */
  timeoutMs?: number;
}

interface Node {
  textContent: string | null;
  getAttribute(name: string): string | null;
  querySelector(selectors: string): Node | null;
  querySelectorAll(selectors: string): ArrayLike<Node>;
  classList: { contains(name: string): boolean };
}

/**
 * Searches DuckDuckGo through its plain HTML results page and reads the
 * organic results (ads are skipped, redirect links are unwrapped).
 *
 * @example Pointing the engine at a local fixture server
 * ```ts
 * import { DuckDuckGoEngine } from "@smoldeno/agents/tools";
 *
 * const engine = new DuckDuckGoEngine({ baseUrl: "http://127.0.0.1:8080/html/" });
 * console.log(engine.name); // "DuckDuckGo"
 * ```
 */
export class DuckDuckGoEngine implements SearchEngine {
  /** Always `"DuckDuckGo"`. */
  readonly name: string = "DuckDuckGo";
  #baseUrl: string;
  #region?: string;
  #timeoutMs: number;

  /** Creates the engine; throws `TypeError` for a malformed `baseUrl`. */
  constructor(options: DuckDuckGoEngineOptions = {}) {
    this.#baseUrl = new URL(options.baseUrl ?? "https://html.duckduckgo.com/html/").href;
    this.#region = options.region;
    this.#timeoutMs = options.timeoutMs ?? 15_000;
  }

  /** Runs one query. */
  async search(query: string, options: SearchOptions): Promise<SearchResult[]> {
    const form = new URLSearchParams({ q: query });
    if (this.#region) form.set("kl", this.#region);
    const response = await boundedFetch(this.#baseUrl, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "user-agent": USER_AGENT,
      },
      body: form,
      timeoutMs: this.#timeoutMs,
      maxRedirects: 3,
      maxBytes: 2_000_000,
      signal: options.signal,
    });
    const html = decodeBody(response.body, response.headers.get("content-type"));
    // DuckDuckGo answers bots with 202 or 403 and a bot-check page instead of results.
    if (response.status !== 200 || /anomaly-modal|challenge-form/.test(html)) {
      throw new SearchBlockedError(
        `DuckDuckGo refused the search (HTTP ${response.status}${
          response.status === 200 ? ", bot check page" : ""
        }): wait a minute, or use another engine such as Brave (BRAVE_API_KEY)`,
        { status: response.status },
      );
    }
    return parseResults(html, this.#baseUrl).slice(0, options.maxResults);
  }
}

function parseResults(html: string, baseUrl: string): SearchResult[] {
  const document = domino.createDocument(html) as unknown as Node;
  const results: SearchResult[] = [];
  for (const item of Array.from(document.querySelectorAll(".result"))) {
    if (item.classList.contains("result--ad")) continue;
    const anchor = item.querySelector("a.result__a");
    const href = anchor?.getAttribute("href");
    if (!anchor || !href) continue;
    results.push({
      title: clean(anchor.textContent),
      link: unwrapRedirect(href, baseUrl),
      snippet: clean(item.querySelector(".result__snippet")?.textContent ?? null),
    });
  }
  return results;
}

/** DuckDuckGo links go through `/l/?uddg=<target>`; the model wants the target. */
function unwrapRedirect(href: string, baseUrl: string): string {
  const url = new URL(href, baseUrl);
  return url.searchParams.get("uddg") ?? url.href;
}

function clean(text: string | null): string {
  return (text ?? "").replace(/\s+/g, " ").trim();
}
