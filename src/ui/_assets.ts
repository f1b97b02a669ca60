/**
 * The page and its assets, part of the module graph (text imports), so the
 * package serves them wherever it runs from, JSR included, with no build
 * step and nothing fetched from elsewhere.
 *
 * @module
 */

import page from "./_page.html" with { type: "text" };
import css from "./_page.css" with { type: "text" };
import app from "./_app.js" with { type: "text" };
import markdown from "./_markdown.js" with { type: "text" };
import highlight from "./_highlight.js" with { type: "text" };
import render from "./_render.js" with { type: "text" };

/** One served file. */
export interface Asset {
  /** Its `Content-Type`. */
  type: string;
  /** Its content. */
  body: string;
}

const JS = "text/javascript; charset=utf-8";

/** The assets by URL path. The page itself is {@linkcode pageHtml}. */
export const ASSETS: ReadonlyMap<string, Asset> = new Map([
  ["/assets/_page.css", { type: "text/css; charset=utf-8", body: css }],
  ["/assets/_app.js", { type: JS, body: app }],
  ["/assets/_markdown.js", { type: JS, body: markdown }],
  ["/assets/_highlight.js", { type: JS, body: highlight }],
  ["/assets/_render.js", { type: JS, body: render }],
]);

/** The page, with its title (escaped). */
export function pageHtml(title: string): string {
  return page.replace(/\{\{\s*title\s*\}\}/g, () => escapeHtml(title));
}

/** Text made safe to place in HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
