/**
 * `visit_webpage`: fetches a page and returns its content as Markdown.
 *
 * @module
 */
import { BaseTool, type ToolArgs, type ToolCallOptions } from "../src/tool.ts";
import { boundedFetch, decodeBody, HttpLimitError, USER_AGENT } from "./_http.ts";
import { htmlToMarkdown } from "./_html_to_markdown.ts";
import { truncate } from "./_text.ts";

/** The inputs of {@linkcode VisitWebpageTool}. */
export type VisitWebpageToolInputs = {
  /** The `url` argument. */
  url: { type: "string"; description: string };
};

const inputs: VisitWebpageToolInputs = {
  url: { type: "string", description: "The address of the page, e.g. 'https://deno.com/blog'" },
};

/** Options of {@linkcode VisitWebpageTool}. */
export interface VisitWebpageToolOptions {
  /** Characters of Markdown returned; the rest is cut with a note. Default 40 000. */
  maxOutputLength?: number;
  /** Milliseconds for the whole download. Default 20 000. */
  timeoutMs?: number;
  /** Redirects followed. Default 5. */
  maxRedirects?: number;
  /** Bytes downloaded at most; longer bodies are cut. Default 5 MB. */
  maxDownloadBytes?: number;
  /**
   * Allow URLs on this machine or a private network: `true` for all, or a
   * list of hostnames (e.g. `["127.0.0.1", "wiki.intranet"]`). Default
   * `false`: the tool runs on the host, so a model-chosen URL must not reach
   * internal services. Checked on every redirect hop. Hostnames are checked
   * as written; a public name that resolves to a private address is not
   * caught, so use a network policy when that matters.
   */
  allowPrivateNetwork?: boolean | readonly string[];
}

/**
 * Downloads a web page and returns it as Markdown the model can read: scripts,
 * styles and navigation chrome are dropped, links made absolute, and the text
 * cut at `maxOutputLength`. JSON and plain text come back as they are; PDFs
 * and other binary files get a short explanation instead. Failures (HTTP
 * errors, timeouts, too many redirects) are returned as text saying what
 * happened, so the model can try another page instead of crashing the step.
 *
 * @example
 * ```ts
 * import { VisitWebpageTool } from "@smoldeno/agents/tools";
 *
 * const visit = new VisitWebpageTool({ maxOutputLength: 10_000 });
 * console.log(visit.name); // "visit_webpage"
 * console.log(await visit.call({ url: "http://localhost:1/" }));
 * // 'Cannot visit "http://localhost:1/": Refusing to fetch … private network'
 * ```
 */
export class VisitWebpageTool extends BaseTool<VisitWebpageToolInputs, "string"> {
  /** Characters of Markdown returned at most. */
  readonly maxOutputLength: number;
  #timeoutMs: number;
  #maxRedirects: number;
  #maxBytes: number;
  #allowPrivate: boolean | readonly string[];

  /** Creates the tool; throws `RangeError` for non-positive limits. */
  constructor(options: VisitWebpageToolOptions = {}) {
    super({
      name: "visit_webpage",
      description:
        "Visits the web page at the given URL and returns its content as Markdown. Use it to read pages found by web_search.",
      inputs,
      outputType: "string",
    });
    this.maxOutputLength = positive("maxOutputLength", options.maxOutputLength ?? 40_000);
    this.#timeoutMs = positive("timeoutMs", options.timeoutMs ?? 20_000);
    this.#maxRedirects = options.maxRedirects ?? 5;
    if (!Number.isInteger(this.#maxRedirects) || this.#maxRedirects < 0) {
      throw new RangeError(
        `Cannot create VisitWebpageTool: maxRedirects must be an integer >= 0, got ${this.#maxRedirects}`,
      );
    }
    this.#maxBytes = positive("maxDownloadBytes", options.maxDownloadBytes ?? 5_000_000);
    this.#allowPrivate = options.allowPrivateNetwork ?? false;
  }

  /** Fetches the page. */
  protected async forward(
    { url }: ToolArgs<VisitWebpageToolInputs>,
    { signal }: ToolCallOptions,
  ): Promise<string> {
    let target: URL;
    try {
      target = new URL(url.trim());
    } catch {
      return `Cannot visit "${url}": it is not an absolute URL; give one like "https://example.com/page"`;
    }
    let response;
    try {
      response = await boundedFetch(target.href, {
        headers: {
          "user-agent": USER_AGENT,
          accept: "text/html,application/xhtml+xml,application/json,text/plain;q=0.9,*/*;q=0.5",
        },
        timeoutMs: this.#timeoutMs,
        maxRedirects: this.#maxRedirects,
        maxBytes: this.#maxBytes,
        blockPrivateHosts: this.#allowPrivate !== true,
        allowedPrivateHosts: Array.isArray(this.#allowPrivate) ? this.#allowPrivate : [],
        signal,
      });
    } catch (error) {
      if (error instanceof HttpLimitError) return `Cannot visit "${url}": ${error.message}`;
      throw error;
    }
    if (response.status >= 400) {
      return `Cannot visit "${url}": the server answered HTTP ${response.status} ${response.statusText}`
        .trim() +
        (response.status === 404
          ? "; the page does not exist, check the URL"
          : "; try another page");
    }
    const contentType = response.headers.get("content-type") ?? "";
    const mime = contentType.split(";")[0].trim().toLowerCase();
    const cut = response.truncated ? `\n\n[…the download stopped at ${this.#maxBytes} bytes]` : "";
    if (mime === "application/pdf" || startsWith(response.body, "%PDF-")) {
      return `The page at "${response.url}" is a PDF document (${response.body.byteLength} bytes): visit_webpage reads HTML, JSON and text only; look for an HTML version of it`;
    }
    const isHtml = mime === "text/html" || mime === "application/xhtml+xml" ||
      (mime === "" &&
        /^\s*<(!doctype html|html)/i.test(decodeBody(response.body.subarray(0, 512), null)));
    const isText = mime.startsWith("text/") || mime.endsWith("json") || mime.endsWith("+xml") ||
      mime === "application/xml" || mime === "application/javascript";
    if (!isHtml && !isText && !looksLikeText(response.body)) {
      return `The page at "${response.url}" is a binary file (${
        mime || "unknown type"
      }, ${response.body.byteLength} bytes): visit_webpage cannot read it`;
    }
    const text = decodeBody(response.body, contentType);
    if (!isHtml) return truncate(text, this.maxOutputLength) + cut;
    const page = htmlToMarkdown(text, response.url);
    const header = page.title
      ? `# ${page.title}\nURL: ${response.url}\n\n`
      : `URL: ${response.url}\n\n`;
    return truncate(header + page.markdown, this.maxOutputLength) + cut;
  }
}

function positive(name: string, value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new RangeError(`Cannot create VisitWebpageTool: ${name} must be > 0, got ${value}`);
  }
  return value;
}

function startsWith(body: Uint8Array, magic: string): boolean {
  return magic.split("").every((c, i) => body[i] === c.charCodeAt(0));
}

/** A body with no NUL byte and valid UTF-8 in its first kilobyte is treated as text. */
function looksLikeText(body: Uint8Array): boolean {
  const head = body.subarray(0, 1024);
  if (head.includes(0)) return false;
  try {
    // stream: a multi-byte character cut at the 1 KB boundary is not an error.
    new TextDecoder("utf-8", { fatal: true }).decode(head, { stream: true });
    return true;
  } catch {
    return false;
  }
}
