/**
 * `wikipedia_search`: finds the Wikipedia article for a query and returns its
 * summary or full text.
 *
 * @module
 */
import { BaseTool, type ToolArgs, type ToolCallOptions } from "../src/tool.ts";
import { boundedFetch, type BoundedResponse, decodeBody, USER_AGENT } from "./_http.ts";
import { htmlToMarkdown } from "./_html_to_markdown.ts";
import { truncate } from "./_text.ts";

/** The inputs of {@linkcode WikipediaSearchTool}. */
export type WikipediaSearchToolInputs = {
  /** The `query` argument. */
  query: { type: "string"; description: string };
};

const inputs: WikipediaSearchToolInputs = {
  query: { type: "string", description: "The topic to look up, e.g. 'Ada Lovelace'" },
};

/** Options of {@linkcode WikipediaSearchTool}. */
export interface WikipediaSearchToolOptions {
  /** Wikipedia language edition, e.g. `"fr"`. Default `"en"`. */
  language?: string;
  /** `"summary"` (the lead section, default) or `"text"` (the whole article as Markdown). */
  contentType?: "summary" | "text";
  /** The wiki's origin. Default `https://<language>.wikipedia.org`; tests point it at a local server. */
  baseUrl?: string;
  /** Characters returned at most. Default 40 000. */
  maxOutputLength?: number;
  /** Milliseconds per request. Default 15 000. */
  timeoutMs?: number;
}

interface SearchPage {
  key: string;
  title: string;
}

interface Summary {
  type?: string;
  title?: string;
  extract?: string;
  description?: string;
  content_urls?: { desktop?: { page?: string } };
}

/**
 * Looks a topic up on Wikipedia through its REST API: the search endpoint
 * picks the best-matching article, then its summary or full text (HTML turned
 * into Markdown) is returned with its title and URL.
 *
 * @example
 * ```ts
 * import { WikipediaSearchTool } from "@smoldeno/agents/tools";
 *
 * const wiki = new WikipediaSearchTool({ language: "fr", contentType: "text" });
 * console.log(wiki.name, wiki.language); // "wikipedia_search" "fr"
 * ```
 */
export class WikipediaSearchTool extends BaseTool<WikipediaSearchToolInputs, "string"> {
  /** The language edition searched. */
  readonly language: string;
  /** Summary or full text. */
  readonly contentType: "summary" | "text";
  #baseUrl: string;
  #maxOutputLength: number;
  #timeoutMs: number;

  /** Creates the tool; throws `TypeError`/`RangeError` for bad options. */
  constructor(options: WikipediaSearchToolOptions = {}) {
    super({
      name: "wikipedia_search",
      description:
        "Searches Wikipedia and returns the best-matching article (its summary or full text) with its title and URL.",
      inputs,
      outputType: "string",
    });
    this.language = options.language ?? "en";
    if (!/^[a-z][a-z-]{1,15}$/.test(this.language)) {
      throw new TypeError(
        `Cannot create WikipediaSearchTool: language must be a Wikipedia code such as "en" or "fr", got "${this.language}"`,
      );
    }
    this.contentType = options.contentType ?? "summary";
    if (this.contentType !== "summary" && this.contentType !== "text") {
      throw new TypeError(
        `Cannot create WikipediaSearchTool: contentType must be "summary" or "text", got "${this.contentType}"`,
      );
    }
    this.#baseUrl = new URL(options.baseUrl ?? `https://${this.language}.wikipedia.org`).href
      .replace(/\/$/, "");
    this.#maxOutputLength = options.maxOutputLength ?? 40_000;
    if (!(this.#maxOutputLength > 0)) {
      throw new RangeError(
        `Cannot create WikipediaSearchTool: maxOutputLength must be > 0, got ${this.#maxOutputLength}`,
      );
    }
    this.#timeoutMs = options.timeoutMs ?? 15_000;
  }

  /** Looks the query up. */
  protected async forward(
    { query }: ToolArgs<WikipediaSearchToolInputs>,
    { signal }: ToolCallOptions,
  ): Promise<string> {
    const searchUrl = `${this.#baseUrl}/w/rest.php/v1/search/page?${new URLSearchParams({
      q: query,
      limit: "1",
    })}`;
    const found = JSON.parse(await this.#get(searchUrl, signal)) as { pages?: SearchPage[] };
    const page = found.pages?.[0];
    if (!page) {
      return `No Wikipedia article found for "${query}" in the "${this.language}" edition: try other keywords or another language`;
    }
    const key = encodeURIComponent(page.key);
    const summary = JSON.parse(
      await this.#get(`${this.#baseUrl}/api/rest_v1/page/summary/${key}`, signal),
    ) as Summary;
    const title = summary.title ?? page.title;
    const url = summary.content_urls?.desktop?.page ?? `${this.#baseUrl}/wiki/${key}`;
    let body: string;
    if (this.contentType === "summary") {
      body = summary.extract ?? "";
      if (summary.type === "disambiguation") {
        body += "\n\n(This is a disambiguation page: search again with a more specific query.)";
      }
    } else {
      const html = await this.#get(`${this.#baseUrl}/api/rest_v1/page/html/${key}`, signal);
      body = htmlToMarkdown(html, url).markdown;
    }
    return truncate(`# ${title}\nURL: ${url}\n\n${body.trim()}`, this.#maxOutputLength);
  }

  async #get(url: string, signal?: AbortSignal): Promise<string> {
    const response: BoundedResponse = await boundedFetch(url, {
      // Wikimedia asks API clients to identify themselves in the User-Agent.
      headers: { "user-agent": USER_AGENT, "api-user-agent": USER_AGENT },
      timeoutMs: this.#timeoutMs,
      maxRedirects: 3,
      maxBytes: 5_000_000,
      signal,
    });
    if (response.status !== 200) {
      throw new Error(
        `Wikipedia answered HTTP ${response.status} for "${new URL(url).pathname}"${
          response.status === 429 ? ": rate limited, wait before trying again" : ""
        }`,
      );
    }
    return decodeBody(response.body, response.headers.get("content-type"));
  }
}
