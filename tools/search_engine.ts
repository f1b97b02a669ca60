/**
 * The search-engine interface behind `web_search`: one object per provider,
 * so a new engine is a new object, not a new branch in the tool.
 *
 * @module
 */

/** One web search hit. */
export interface SearchResult {
  /** The page title. */
  title: string;
  /** The page URL. */
  link: string;
  /** A short excerpt of the page, as plain text. */
  snippet: string;
}

/** Options of {@linkcode SearchEngine.search}. */
export interface SearchOptions {
  /** At most this many results. */
  maxResults: number;
  /** Cancels the request. */
  signal?: AbortSignal;
}

/**
 * A web search provider. `search` resolves to the hits (possibly none) and
 * rejects with {@linkcode SearchBlockedError} when the provider refuses to
 * answer (rate limit, bot check, bad key).
 *
 * @example A fixed engine for tests
 * ```ts
 * import type { SearchEngine } from "@smoldeno/agents/tools";
 *
 * const engine: SearchEngine = {
 *   name: "fixed",
 *   search: () => Promise.resolve([{ title: "Deno", link: "https://deno.com", snippet: "A runtime" }]),
 * };
 * console.log((await engine.search("deno", { maxResults: 1 }))[0].title); // "Deno"
 * ```
 */
export interface SearchEngine {
  /** Name shown in messages, e.g. `"DuckDuckGo"`. */
  readonly name: string;
  /** Runs one query. */
  search(query: string, options: SearchOptions): Promise<SearchResult[]>;
}

/**
 * The engine refused the request: rate limited, a bot check, or rejected
 * credentials. `status` is the HTTP status when there was one.
 *
 * @example
 * ```ts
 * import { SearchBlockedError } from "@smoldeno/agents/tools";
 *
 * const err = new SearchBlockedError("Brave rejected the API key", { status: 401 });
 * console.log(err.status); // 401
 * ```
 */
export class SearchBlockedError extends Error {
  /** The HTTP status of the refusal, when known. */
  readonly status?: number;
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions & { status?: number }) {
    super(message, options);
    this.name = "SearchBlockedError";
    this.status = options?.status;
  }
}

/**
 * Formats hits as the Markdown list `web_search` returns: a numbered list of
 * linked titles, each followed by its snippet.
 *
 * @example
 * ```ts
 * import { formatSearchResults } from "@smoldeno/agents/tools";
 *
 * const text = formatSearchResults([{ title: "Deno", link: "https://deno.com", snippet: "A runtime" }]);
 * console.log(text); // "1. [Deno](https://deno.com)\n   A runtime"
 * ```
 */
export function formatSearchResults(results: readonly SearchResult[]): string {
  return results
    .map((r, i) => {
      const head = `${i + 1}. [${r.title.replaceAll("]", "\\]")}](${r.link})`;
      return r.snippet ? `${head}\n   ${r.snippet}` : head;
    })
    .join("\n");
}
