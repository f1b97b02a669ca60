// Google results through SerpAPI or Serper, the two providers GoogleSearchTool offers.
import { boundedFetch, decodeBody, USER_AGENT } from "./_http.ts";
import {
  SearchBlockedError,
  type SearchEngine,
  type SearchOptions,
  type SearchResult,
} from "./search_engine.ts";

interface OrganicResult {
  title?: string;
  link?: string;
  snippet?: string;
}

interface EngineOptions {
  apiKey: string;
  baseUrl?: string;
  timeoutMs: number;
}

function refusal(provider: string, status: number, detail?: string): SearchBlockedError {
  const why = status === 429
    ? "rate limit or quota reached; wait before searching again"
    : status === 401 || status === 403
    ? "the API key was rejected"
    : detail ?? "unexpected answer";
  return new SearchBlockedError(`${provider} refused the search (HTTP ${status}): ${why}`, {
    status,
  });
}

function toResults(organic: OrganicResult[] | undefined, max: number): SearchResult[] {
  return (organic ?? [])
    .filter((r) => r.link)
    .slice(0, max)
    .map((r) => ({ title: r.title ?? r.link!, link: r.link!, snippet: r.snippet ?? "" }));
}

/** SerpAPI: GET with `engine=google`, answer in `organic_results`. */
export class SerpApiEngine implements SearchEngine {
  readonly name: string = "SerpAPI";
  #options: EngineOptions;
  constructor(options: EngineOptions) {
    this.#options = options;
  }
  async search(query: string, options: SearchOptions): Promise<SearchResult[]> {
    const url = new URL(this.#options.baseUrl ?? "https://serpapi.com/search.json");
    url.searchParams.set("engine", "google");
    url.searchParams.set("q", query);
    url.searchParams.set("num", String(options.maxResults));
    url.searchParams.set("api_key", this.#options.apiKey);
    const response = await boundedFetch(url.href, {
      headers: { accept: "application/json", "user-agent": USER_AGENT },
      timeoutMs: this.#options.timeoutMs,
      maxRedirects: 2,
      maxBytes: 2_000_000,
      signal: options.signal,
    });
    const data = JSON.parse(decodeBody(response.body, null)) as {
      error?: string;
      organic_results?: OrganicResult[];
    };
    // SerpAPI reports "no results" as an error string with status 200.
    if (data.error && /hasn't returned any results/i.test(data.error)) return [];
    if (response.status !== 200 || data.error) {
      throw refusal("SerpAPI", response.status, data.error);
    }
    return toResults(data.organic_results, options.maxResults);
  }
}

/** Serper: POST JSON `{ q, num }` with `X-API-KEY`, answer in `organic`. */
export class SerperEngine implements SearchEngine {
  readonly name: string = "Serper";
  #options: EngineOptions;
  constructor(options: EngineOptions) {
    this.#options = options;
  }
  async search(query: string, options: SearchOptions): Promise<SearchResult[]> {
    const response = await boundedFetch(
      this.#options.baseUrl ?? "https://google.serper.dev/search",
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-api-key": this.#options.apiKey,
          "user-agent": USER_AGENT,
        },
        body: JSON.stringify({ q: query, num: options.maxResults }),
        timeoutMs: this.#options.timeoutMs,
        maxRedirects: 2,
        maxBytes: 2_000_000,
        signal: options.signal,
      },
    );
    if (response.status !== 200) throw refusal("Serper", response.status);
    const data = JSON.parse(decodeBody(response.body, null)) as { organic?: OrganicResult[] };
    return toResults(data.organic, options.maxResults);
  }
}
