// HTML → Markdown for pages a model reads: parse with domino (the DOM that
// turndown itself uses on servers, so tables and every DOM API it needs work),
// drop scripts, styles and page chrome, make links absolute, then turndown.
import domino from "@mixmark-io/domino";
// @ts-types="@types/turndown"
import TurndownService from "turndown";
// @ts-types="./_turndown_plugin_gfm.d.ts"
import { gfm } from "turndown-plugin-gfm";

/** Elements that never carry the page's content. */
const DROPPED = [
  "script",
  "style",
  "noscript",
  "template",
  "iframe",
  "svg",
  "canvas",
  "form",
  "button",
  "nav",
  "header",
  "footer",
  "aside",
  "[role=navigation]",
  "[role=banner]",
  "[role=contentinfo]",
  "[role=search]",
  "[aria-hidden=true]",
  "[hidden]",
  '[style*="display:none"]',
  '[style*="display: none"]',
].join(",");

/** A page turned into Markdown. */
export interface MarkdownPage {
  title: string;
  markdown: string;
}

/** The part of the DOM this file uses (Deno has no DOM types of its own). */
interface DomElement {
  getAttribute(name: string): string | null;
  setAttribute(name: string, value: string): void;
  removeAttribute(name: string): void;
  remove(): void;
  querySelectorAll(selectors: string): ArrayLike<DomElement>;
}
interface DomDocument {
  title: string;
  body: DomElement;
  querySelector(selectors: string): DomElement | null;
  querySelectorAll(selectors: string): ArrayLike<DomElement>;
}

let service: TurndownService | undefined;

function turndown(): TurndownService {
  if (!service) {
    service = new TurndownService({
      headingStyle: "atx",
      codeBlockStyle: "fenced",
      bulletListMarker: "-",
    });
    service.use(gfm);
    // Images become their alt text: a model cannot see them, and data: URLs are huge.
    service.addRule("image-alt", {
      filter: "img",
      replacement: (_content, node) => {
        const alt = (node as unknown as DomElement).getAttribute("alt")?.trim();
        return alt ? `[image: ${alt}]` : "";
      },
    });
  }
  return service;
}

/** Converts an HTML document to Markdown, resolving links against `baseUrl`. */
export function htmlToMarkdown(html: string, baseUrl: string): MarkdownPage {
  const document = domino.createDocument(html) as unknown as DomDocument;
  const title = document.title.trim();
  for (const element of Array.from(document.querySelectorAll(DROPPED))) element.remove();
  // Prefer the main content when the page marks it; the rest is chrome.
  // A lone <article> is the content; several (a blog index) are not.
  const articles = document.querySelectorAll("article");
  const root = document.querySelector("main") ?? document.querySelector("[role=main]") ??
    (articles.length === 1 ? articles[0] : document.body);
  for (const link of Array.from(root.querySelectorAll("a[href]"))) {
    // Link titles mostly repeat the text and cost the model tokens.
    link.removeAttribute("title");
    const href = link.getAttribute("href")!;
    if (href.startsWith("javascript:")) {
      link.removeAttribute("href");
      continue;
    }
    try {
      link.setAttribute("href", new URL(href, baseUrl).href);
    } catch {
      // A malformed href stays as written.
    }
  }
  const markdown = turndown().turndown(root as unknown as TurndownService.Node);
  return { title, markdown: tidy(markdown) };
}

/** Collapses the blank-line runs that removed elements leave behind. */
function tidy(markdown: string): string {
  return markdown.replace(/[ \t]+\n/g, "\n").replace(/\n{3,}/g, "\n\n").trim();
}
