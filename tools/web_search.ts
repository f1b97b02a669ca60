/**
 * `web_search`: searches the web and returns a Markdown list of hits.
 *
 * @module
 */
import { BaseTool, type ToolArgs, type ToolCallOptions } from "../src/tool.ts";
import { BraveEngine } from "./brave_engine.ts";
import { DuckDuckGoEngine } from "./duckduckgo_engine.ts";
import { RateLimiter } from "./_rate_limiter.ts";
import { readEnv } from "./_text.ts";
import { formatSearchResults, type SearchEngine } from "./search_engine.ts";

/** The inputs of {@linkcode WebSearchTool}. */
export type WebSearchToolInputs = {
  /** The `query` argument. */
  query: { type: "string"; description: string };
};

const inputs: WebSearchToolInputs = {
  query: { type: "string", description: "The search query, e.g. 'deno permissions'" },
};

/** Options of {@linkcode WebSearchTool}. */
export interface WebSearchToolOptions {
  /**
   * The provider. Default: {@linkcode BraveEngine} when `BRAVE_API_KEY` is
   * set, else {@linkcode DuckDuckGoEngine} (no key needed).
   */
  engine?: SearchEngine;
  /** Results per search, 1 to 50. Default 10. */
  maxResults?: number;
  /**
   * Minimum milliseconds between two requests of this tool, so an agent
   * looping on searches does not get blocked. Default 1 000; 0 disables.
   */
  minIntervalMs?: number;
}

/**
 * Searches the web (DuckDuckGo by default, Brave with `BRAVE_API_KEY`, or any
 * {@linkcode SearchEngine}) and returns the hits as a Markdown list of linked
 * titles and snippets. Finding nothing, or being refused by the engine, is an
 * error whose message tells the model what to try next.
 *
 * @example Searching with a custom engine
 * ```ts
 * import { WebSearchTool } from "@smoldeno/agents/tools";
 *
 * const search = new WebSearchTool({
 *   engine: {
 *     name: "fixed",
 *     search: () => Promise.resolve([{ title: "Deno", link: "https://deno.com", snippet: "A runtime" }]),
 *   },
 * });
 * console.log(await search.call({ query: "deno" }));
 * // "## Search results\n1. [Deno](https://deno.com)\n   A runtime"
 * ```
 */
export class WebSearchTool extends BaseTool<WebSearchToolInputs, "string"> {
  /** The provider in use. */
  readonly engine: SearchEngine;
  /** Results per search. */
  readonly maxResults: number;
  #limiter: RateLimiter;

  /** Creates the tool; throws `RangeError` for an out-of-range `maxResults` or interval. */
  constructor(options: WebSearchToolOptions = {}) {
    super({
      name: "web_search",
      description:
        "Searches the web for the query and returns the top results as a Markdown list of linked titles with snippets.",
      inputs,
      outputType: "string",
    });
    const maxResults = options.maxResults ?? 10;
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 50) {
      throw new RangeError(
        `Cannot create WebSearchTool: maxResults must be an integer from 1 to 50, got ${maxResults}`,
      );
    }
    const minIntervalMs = options.minIntervalMs ?? 1_000;
    if (!(minIntervalMs >= 0)) {
      throw new RangeError(
        `Cannot create WebSearchTool: minIntervalMs must be >= 0, got ${minIntervalMs}`,
      );
    }
    this.maxResults = maxResults;
    this.engine = options.engine ??
      (readEnv("BRAVE_API_KEY") ? new BraveEngine() : new DuckDuckGoEngine());
    this.#limiter = new RateLimiter(minIntervalMs);
  }

  /** Runs one search. */
  protected async forward(
    { query }: ToolArgs<WebSearchToolInputs>,
    { signal }: ToolCallOptions,
  ): Promise<string> {
    if (!query.trim()) throw new TypeError("The query is empty: pass the words to search for");
    await this.#limiter.wait(signal);
    const results = await this.engine.search(query, { maxResults: this.maxResults, signal });
    if (results.length === 0) {
      throw new Error(
        `No results found for "${query}" on ${this.engine.name}: try fewer or more general words`,
      );
    }
    return `## Search results\n${formatSearchResults(results)}`;
  }
}
