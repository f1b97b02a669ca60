/**
 * The Brave Search API as a {@linkcode SearchEngine} (needs `BRAVE_API_KEY`).
 *
 * @module
 */
import { boundedFetch, decodeBody, USER_AGENT } from "./_http.ts";
import { readEnv, stripTags } from "./_text.ts";
import {
  SearchBlockedError,
  type SearchEngine,
  type SearchOptions,
  type SearchResult,
} from "./search_engine.ts";

/** Options of {@linkcode BraveEngine}. */
export interface BraveEngineOptions {
  /** The subscription token. Default: the `BRAVE_API_KEY` environment variable. */
  apiKey?: string;
  /** The web search endpoint. Default `"https://api.search.brave.com/res/v1/web/search"`. */
  baseUrl?: string;
  /** Milliseconds per request. Default 15 000. */
  timeoutMs?: number;
}

interface BraveResponse {
  web?: { results?: { title?: string; url?: string; description?: string }[] };
}

/**
 * Searches with the Brave Search API (`web.results` of its JSON answer).
 *
 * @example
 * ```ts
 * import { BraveEngine } from "@smoldeno/agents/tools";
 *
 * const engine = new BraveEngine({ apiKey: "test-key", baseUrl: "http://127.0.0.1:8080/search" });
 * console.log(engine.name); // "Brave"
 * ```
 */
export class BraveEngine implements SearchEngine {
  /** Always `"Brave"`. */
  readonly name: string = "Brave";
  #apiKey: string;
  #baseUrl: string;
  #timeoutMs: number;

  /** Creates the engine; throws `TypeError` when no API key is given or set. */
  constructor(options: BraveEngineOptions = {}) {
    const apiKey = options.apiKey ?? readEnv("BRAVE_API_KEY");
    if (!apiKey) {
      throw new TypeError(
        "Cannot create BraveEngine: no API key; pass `apiKey` or set BRAVE_API_KEY",
      );
    }
    this.#apiKey = apiKey;
    this.#baseUrl = new URL(options.baseUrl ?? "https://api.search.brave.com/res/v1/web/search")
      .href;
    this.#timeoutMs = options.timeoutMs ?? 15_000;
  }

  /** Runs one query. */
  async search(query: string, options: SearchOptions): Promise<SearchResult[]> {
    const url = new URL(this.#baseUrl);
    url.searchParams.set("q", query);
    url.searchParams.set("count", String(Math.min(options.maxResults, 20)));
    const response = await boundedFetch(url.href, {
      headers: {
        accept: "application/json",
        "x-subscription-token": this.#apiKey,
        "user-agent": USER_AGENT,
      },
      timeoutMs: this.#timeoutMs,
      maxRedirects: 2,
      maxBytes: 2_000_000,
      signal: options.signal,
    });
    if (response.status !== 200) {
      const why = response.status === 429
        ? "rate limit reached; wait before searching again"
        : response.status === 401 || response.status === 403 || response.status === 422
        ? "the API key was rejected; check BRAVE_API_KEY"
        : "unexpected answer";
      throw new SearchBlockedError(`Brave refused the search (HTTP ${response.status}): ${why}`, {
        status: response.status,
      });
    }
    const data = JSON.parse(decodeBody(response.body, null)) as BraveResponse;
    return (data.web?.results ?? [])
      .filter((r) => r.url)
      .slice(0, options.maxResults)
      .map((r) => ({
        title: stripTags(r.title ?? r.url!),
        link: r.url!,
        snippet: stripTags(r.description ?? ""),
      }));
  }
}
