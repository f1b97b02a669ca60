// Markdown for untrusted text (the model's replies, tool outputs): a small
// subset parsed into a plain tree, then built element by element with
// createElement and text nodes. No string of the input is ever parsed as
// HTML: `<img onerror=…>` stays text. Links keep only absolute http(s) URLs;
// images are never loaded (a remote image is a way to leak data), they
// become links.

import { tokenize } from "./_highlight.js";

/**
 * A node of the tree: text, or an element `{ t: tag, a?: attributes, c?: children }`.
 *
 * @typedef {string | { t: string, a?: Record<string, string>, c?: MdNode[] }} MdNode
 */

const TAGS = new Set([
  "p",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "hr",
  "blockquote",
  "ul",
  "ol",
  "li",
  "pre",
  "code",
  "strong",
  "em",
  "del",
  "a",
  "br",
  "table",
  "thead",
  "tbody",
  "tr",
  "th",
  "td",
  "span",
]);
const ATTRIBUTES = new Set(["href", "title", "rel", "target", "class", "start"]);
const LINK_ATTRIBUTES = { rel: "noopener noreferrer nofollow", target: "_blank" };

/**
 * The URL a link may point to: absolute `http:` or `https:` only, else null.
 *
 * @param {string} raw
 * @returns {string | null}
 */
export function safeHref(raw) {
  let url;
  try {
    url = new URL(String(raw).trim());
  } catch {
    return null;
  }
  return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
}

/**
 * Parses Markdown into a tree: paragraphs, headings, lists, quotes, rules,
 * fenced code (highlighted), tables, and inline code, bold, italics,
 * strikethrough and links.
 *
 * @param {string} text
 * @returns {MdNode[]}
 */
export function parseMarkdown(text) {
  return blocks(String(text ?? "").replace(/\r\n?/g, "\n").split("\n"));
}

/**
 * Builds the tree as DOM nodes: only known tags and attributes, text as text
 * nodes, links checked again.
 *
 * @param {MdNode[]} nodes
 * @param {Document} doc
 * @returns {DocumentFragment}
 */
export function toDom(nodes, doc) {
  const fragment = doc.createDocumentFragment();
  for (const n of nodes) fragment.append(build(n, doc));
  return fragment;
}

/**
 * Markdown text rendered as safe DOM nodes.
 *
 * @param {string} text
 * @param {Document} doc
 * @returns {DocumentFragment}
 */
export function renderMarkdown(text, doc) {
  return toDom(parseMarkdown(text), doc);
}

function build(n, doc) {
  if (typeof n === "string") return doc.createTextNode(n);
  if (!TAGS.has(n.t)) return doc.createTextNode("");
  const el = doc.createElement(n.t);
  for (const [name, value] of Object.entries(n.a ?? {})) {
    if (!ATTRIBUTES.has(name)) continue;
    if (name === "href" && safeHref(value) === null) continue;
    el.setAttribute(name, String(value));
  }
  for (const child of n.c ?? []) el.append(build(child, doc));
  return el;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([\w+#.-]*)/;
const HEADING = /^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$/;
const RULE = /^ {0,3}([-*_])(?:\s*\1){2,}\s*$/;
const QUOTE = /^ {0,3}>\s?/;
const LIST = /^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$/;
const TABLE_RULE = /^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$/;

function blocks(lines) {
  const out = [];
  let paragraph = [];
  const flush = () => {
    if (paragraph.length) out.push({ t: "p", c: inline(paragraph.join("\n")) });
    paragraph = [];
  };
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    let m;
    if ((m = FENCE.exec(line))) {
      flush();
      const fence = m[1];
      const body = [];
      i++;
      while (i < lines.length && !lines[i].trim().startsWith(fence)) body.push(lines[i++]);
      i++;
      out.push(codeBlock(body.join("\n"), m[2].toLowerCase()));
    } else if (line.trim() === "") {
      flush();
      i++;
    } else if ((m = HEADING.exec(line))) {
      flush();
      out.push({ t: `h${m[1].length}`, c: inline(m[2]) });
      i++;
    } else if (RULE.test(line)) {
      flush();
      out.push({ t: "hr" });
      i++;
    } else if (QUOTE.test(line)) {
      flush();
      const quoted = [];
      while (i < lines.length && QUOTE.test(lines[i])) quoted.push(lines[i++].replace(QUOTE, ""));
      out.push({ t: "blockquote", c: blocks(quoted) });
    } else if ((m = LIST.exec(line)) && (paragraph.length === 0 || m[1] === "")) {
      flush();
      i = list(lines, i, out);
    } else if (line.includes("|") && i + 1 < lines.length && TABLE_RULE.test(lines[i + 1])) {
      flush();
      i = table(lines, i, out);
    } else {
      paragraph.push(line);
      i++;
    }
  }
  flush();
  return out;
}

function list(lines, start, out) {
  const first = LIST.exec(lines[start]);
  const indent = first[1].length;
  const ordered = /\d/.test(first[2]);
  const items = [];
  let i = start;
  while (i < lines.length) {
    const m = LIST.exec(lines[i]);
    if (m && m[1].length === indent && /\d/.test(m[2]) === ordered) {
      items.push([m[3]]);
      i++;
      continue;
    }
    const lead = /^\s*/.exec(lines[i])[0].length;
    if (lines[i].trim() !== "" && lead > indent) {
      items[items.length - 1].push(lines[i].slice(Math.min(lead, indent + 4)));
      i++;
      continue;
    }
    // A blank line inside a list, when the list goes on after it.
    if (lines[i].trim() === "" && i + 1 < lines.length) {
      const next = LIST.exec(lines[i + 1]);
      if (next && next[1].length === indent && /\d/.test(next[2]) === ordered) {
        i++;
        continue;
      }
    }
    break;
  }
  const node = {
    t: ordered ? "ol" : "ul",
    c: items.map((item) => ({
      t: "li",
      c: item.length === 1 ? inline(item[0]) : unwrap(blocks(item)),
    })),
  };
  const number = parseInt(first[2], 10);
  if (ordered && number !== 1) node.a = { start: String(number) };
  out.push(node);
  return i;
}

// A list item's first paragraph needs no <p> of its own.
function unwrap(nodes) {
  if (nodes[0]?.t === "p") return [...nodes[0].c, ...nodes.slice(1)];
  return nodes;
}

function table(lines, start, out) {
  const cells = (line) => {
    const parts = line.trim().replace(/^\|/, "").replace(/(?<!\\)\|$/, "").split(/(?<!\\)\|/);
    return parts.map((p) => p.trim().replace(/\\\|/g, "|"));
  };
  const head = cells(lines[start]);
  const rows = [];
  let i = start + 2;
  while (i < lines.length && lines[i].trim() !== "" && lines[i].includes("|")) {
    rows.push(cells(lines[i++]));
  }
  out.push({
    t: "table",
    c: [
      { t: "thead", c: [{ t: "tr", c: head.map((h) => ({ t: "th", c: inline(h) })) }] },
      {
        t: "tbody",
        c: rows.map((r) => ({
          t: "tr",
          c: head.map((_, k) => ({ t: "td", c: inline(r[k] ?? "") })),
        })),
      },
    ],
  });
  return i;
}

/**
 * A code block: highlighted when it is TypeScript or JavaScript.
 *
 * @param {string} code
 * @param {string} lang
 * @returns {MdNode}
 */
export function codeBlock(code, lang) {
  const highlighted = ["", "ts", "typescript", "js", "javascript", "tsx", "jsx"].includes(lang);
  const children = highlighted
    ? tokenize(code).map((tok) =>
      tok.type === "plain"
        ? tok.text
        : { t: "span", a: { class: `tok-${tok.type}` }, c: [tok.text] }
    )
    : [code];
  return { t: "pre", c: [{ t: "code", a: lang ? { class: `lang-${lang}` } : {}, c: children }] };
}

// Every span is bounded and never holds its own delimiter, so a reply of
// 100 000 unmatched `*` or `[` takes linear time, not minutes: model output
// must not be able to freeze the page.
const CODE_SPAN = /(`{1,16})((?:(?!\1)[^]){1,4000}?)\1(?!`)/y;
const STRONG = /(\*\*|__)(?=\S)((?:(?!\1)[^]){0,2000}?\S)\1/y;
const EM = /(\*|_)(?=[^\s*_])((?:(?!\1)[^]){0,2000}?[^\s\\])\1(?!\1)/y;
const DEL = /~~(?=\S)((?:(?!~~)[^]){0,2000}?\S)~~/y;
// A link target may hold balanced parentheses: (javascript:alert(1)) is one target.
const TARGET = /\(\s*<?((?:[^()\s<>]|\([^()\s<>]{0,200}\)){0,2000})>?(?:\s+"([^"\n]{0,500})")?\s*\)/
  .source;
const IMAGE = new RegExp(/!\[([^[\]\n]{0,500})\]/.source + TARGET, "y");
const LINK = new RegExp(/\[((?:[^[\]\\\n]|\\.){0,1000})\]/.source + TARGET, "y");
const AUTOLINK = /<(https?:\/\/[^\s<>]{1,2000})>/y;
const BARE_URL = /https?:\/\/[^\s<>()[\]]{0,2000}[^\s<>()[\].,;:!?'"*_~]/y;
// Characters that may open a span: when none opens at a run of them, the run is text.
const OPENERS = "*_~`[";
const ESCAPABLE = /[\\`*_{}[\]()#+\-.!~|<>]/;

function match(re, text, at) {
  re.lastIndex = at;
  return re.exec(text);
}

function inline(text) {
  const out = [];
  let buffer = "";
  const push = (...nodes) => {
    if (buffer) out.push(buffer);
    buffer = "";
    out.push(...nodes);
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    const before = i > 0 ? text[i - 1] : " ";
    let m;
    if (ch === "\\" && ESCAPABLE.test(text[i + 1] ?? "")) {
      buffer += text[i + 1];
      i += 2;
    } else if (ch === "\n") {
      push({ t: "br" });
      i++;
    } else if (ch === "`" && (m = match(CODE_SPAN, text, i))) {
      push({ t: "code", c: [m[2].replace(/^ (.+) $/, "$1")] });
      i += m[0].length;
    } else if (
      (ch === "*" || ch === "_") && (m = match(STRONG, text, i)) && wordStart(ch, before)
    ) {
      push({ t: "strong", c: inline(m[2]) });
      i += m[0].length;
    } else if ((ch === "*" || ch === "_") && (m = match(EM, text, i)) && wordStart(ch, before)) {
      push({ t: "em", c: inline(m[2]) });
      i += m[0].length;
    } else if (ch === "~" && (m = match(DEL, text, i))) {
      push({ t: "del", c: inline(m[1]) });
      i += m[0].length;
    } else if (ch === "!" && (m = match(IMAGE, text, i))) {
      const label = `image: ${m[1] || "untitled"}`;
      const href = safeHref(m[2]);
      push(href ? { t: "a", a: { href, ...LINK_ATTRIBUTES }, c: [label] } : `[${label}]`);
      i += m[0].length;
    } else if (ch === "[" && (m = match(LINK, text, i))) {
      const href = safeHref(m[2]);
      const label = inline(m[1]);
      if (href) {
        const a = { href, ...LINK_ATTRIBUTES };
        if (m[3]) a.title = m[3];
        push({ t: "a", a, c: label });
      } else {
        // An unsafe or relative target: the label stays, as text, without the link.
        push(...label);
      }
      i += m[0].length;
    } else if (ch === "<" && (m = match(AUTOLINK, text, i)) && safeHref(m[1])) {
      push({ t: "a", a: { href: safeHref(m[1]), ...LINK_ATTRIBUTES }, c: [m[1]] });
      i += m[0].length;
    } else if (
      ch === "h" && !/[\w/]/.test(before) && (m = match(BARE_URL, text, i)) && safeHref(m[0])
    ) {
      push({ t: "a", a: { href: safeHref(m[0]), ...LINK_ATTRIBUTES }, c: [m[0]] });
      i += m[0].length;
    } else if (OPENERS.includes(ch)) {
      // No span opens here: the run of this character is text, but a link may
      // still open at the run's last `[`.
      let end = i + 1;
      while (text[end] === ch) end++;
      if (ch === "[" && end - i > 1) end--;
      buffer += text.slice(i, end);
      i = end;
    } else {
      buffer += ch;
      i++;
    }
  }
  if (buffer) out.push(buffer);
  return out;
}

// `_` does not emphasize inside words (snake_case stays as it is).
function wordStart(ch, before) {
  return ch === "*" || !/[\p{L}\p{N}]/u.test(before);
}
