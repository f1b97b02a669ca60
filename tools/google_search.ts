/**
 * `web_search` backed by Google results, through SerpAPI or Serper.
 *
 * @module
 */
import { SerpApiEngine, SerperEngine } from "./_google_engines.ts";
import { readEnv } from "./_text.ts";
import { WebSearchTool } from "./web_search.ts";

/** Options of {@linkcode GoogleSearchTool}. */
export interface GoogleSearchToolOptions {
  /** Which Google results API to use. Default `"serpapi"`. */
  provider?: "serpapi" | "serper";
  /** The API key. Default: `SERPAPI_API_KEY` or `SERPER_API_KEY`, matching `provider`. */
  apiKey?: string;
  /** The provider's endpoint; tests point it at a local server. */
  baseUrl?: string;
  /** Results per search, 1 to 50. Default 10. */
  maxResults?: number;
  /** Minimum milliseconds between two requests. Default 1 000. */
  minIntervalMs?: number;
  /** Milliseconds per request. Default 15 000. */
  timeoutMs?: number;
}

/**
 * Google web search through SerpAPI (`SERPAPI_API_KEY`) or Serper
 * (`SERPER_API_KEY`). The model sees it as `web_search`, like
 * {@linkcode WebSearchTool}, with the same Markdown output.
 *
 * @example
 * ```ts
 * import { GoogleSearchTool } from "@smoldeno/agents/tools";
 *
 * const search = new GoogleSearchTool({ provider: "serper", apiKey: "test-key" });
 * console.log(search.name, search.engine.name); // "web_search" "Serper"
 * ```
 */
export class GoogleSearchTool extends WebSearchTool {
  /**
   * Creates the tool.
   *
   * @throws {TypeError} for an unknown provider or when no API key is given or set.
   */
  constructor(options: GoogleSearchToolOptions = {}) {
    const provider = options.provider ?? "serpapi";
    if (provider !== "serpapi" && provider !== "serper") {
      throw new TypeError(
        `Cannot create GoogleSearchTool: unknown provider "${provider}": use "serpapi" or "serper"`,
      );
    }
    const envName = provider === "serpapi" ? "SERPAPI_API_KEY" : "SERPER_API_KEY";
    const apiKey = options.apiKey ?? readEnv(envName);
    if (!apiKey) {
      throw new TypeError(
        `Cannot create GoogleSearchTool: no API key for "${provider}"; pass \`apiKey\` or set ${envName}`,
      );
    }
    const engineOptions = {
      apiKey,
      baseUrl: options.baseUrl,
      timeoutMs: options.timeoutMs ?? 15_000,
    };
    super({
      engine: provider === "serpapi"
        ? new SerpApiEngine(engineOptions)
        : new SerperEngine(engineOptions),
      maxResults: options.maxResults,
      minIntervalMs: options.minIntervalMs,
    });
  }
}
