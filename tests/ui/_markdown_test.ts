// The Markdown subset for untrusted text, as the tree the page builds
// element by element: markup in the input stays text, links keep only
// absolute http(s) targets, images never load.

import { assertEquals } from "../_assert.ts";
import { codeBlock, parseMarkdown, safeHref } from "../../src/ui/_markdown.js";

const LINK = { rel: "noopener noreferrer nofollow", target: "_blank" };

Deno.test("HTML in Markdown stays text: tags, event handlers and entities are not markup", () => {
  assertEquals(
    parseMarkdown(`<img src=x onerror="alert(1)"> <script>alert(2)</script> &lt;b&gt;`),
    [
      { t: "p", c: [`<img src=x onerror="alert(1)"> <script>alert(2)</script> &lt;b&gt;`] },
    ],
  );
});

Deno.test("links keep only absolute http and https targets; others leave their label as text", () => {
  const links = (text: string) =>
    JSON.stringify(parseMarkdown(text)).match(/"href":"[^"]*"/g) ?? [];
  assertEquals(links("[a](https://example.com/x?y=1)"), ['"href":"https://example.com/x?y=1"']);
  assertEquals(links("[a](http://example.com)"), ['"href":"http://example.com/"']);
  for (
    const target of [
      "javascript:alert(1)",
      "JaVaScRiPt:alert(1)",
      " javascript:alert(document.cookie)",
      "java\tscript:alert(1)",
      "data:text/html,hi",
      "vbscript:msgbox(1)",
      "/api/sessions",
      "relative/path",
      "//evil.example/x",
      "file:///etc/passwd",
    ]
  ) {
    assertEquals(links(`[label](${target})`), [], target);
  }
  assertEquals(parseMarkdown("[click](javascript:alert(1)) after"), [
    { t: "p", c: ["click", " after"] },
  ]);
  assertEquals(safeHref("javascript:alert(1)"), null);
  assertEquals(safeHref("https://example.com"), "https://example.com/");
});

Deno.test("images become links (never loaded), and an unsafe image target becomes text", () => {
  assertEquals(parseMarkdown("![chart](https://example.com/c.png?leak=secret)"), [
    {
      t: "p",
      c: [{
        t: "a",
        a: { href: "https://example.com/c.png?leak=secret", ...LINK },
        c: ["image: chart"],
      }],
    },
  ]);
  assertEquals(parseMarkdown("![x](javascript:alert(1))"), [{ t: "p", c: ["[image: x]"] }]);
});

Deno.test("inline Markdown: bold, italics, code, strikethrough, autolinks and escapes; snake_case stays", () => {
  assertEquals(
    parseMarkdown(
      "**b** *i* _j_ `c <b>` ~~d~~ <https://a.example> see https://b.example/p. \\*no* my_var_name",
    ),
    [{
      t: "p",
      c: [
        { t: "strong", c: ["b"] },
        " ",
        { t: "em", c: ["i"] },
        " ",
        { t: "em", c: ["j"] },
        " ",
        { t: "code", c: ["c <b>"] },
        " ",
        { t: "del", c: ["d"] },
        " ",
        { t: "a", a: { href: "https://a.example/", ...LINK }, c: ["https://a.example"] },
        " see ",
        { t: "a", a: { href: "https://b.example/p", ...LINK }, c: ["https://b.example/p"] },
        ". *no* my_var_name",
      ],
    }],
  );
});

Deno.test("block Markdown: headings, lists, quotes, rules, tables, fenced code, and line breaks", () => {
  const tree = parseMarkdown(
    "# Title\nline one\nline two\n\n- a\n- b\n\n3. three\n4. four\n\n> quoted\n\n---\n\n| h1 | h2 |\n|----|:--:|\n| x | y |\n\n```py\nprint('<hi>')\n```",
  );
  assertEquals(tree, [
    { t: "h1", c: ["Title"] },
    { t: "p", c: ["line one", { t: "br" }, "line two"] },
    { t: "ul", c: [{ t: "li", c: ["a"] }, { t: "li", c: ["b"] }] },
    { t: "ol", a: { start: "3" }, c: [{ t: "li", c: ["three"] }, { t: "li", c: ["four"] }] },
    { t: "blockquote", c: [{ t: "p", c: ["quoted"] }] },
    { t: "hr" },
    {
      t: "table",
      c: [
        { t: "thead", c: [{ t: "tr", c: [{ t: "th", c: ["h1"] }, { t: "th", c: ["h2"] }] }] },
        { t: "tbody", c: [{ t: "tr", c: [{ t: "td", c: ["x"] }, { t: "td", c: ["y"] }] }] },
      ],
    },
    { t: "pre", c: [{ t: "code", a: { class: "lang-py" }, c: ["print('<hi>')"] }] },
  ]);
});

Deno.test("fenced TypeScript is highlighted into spans of text", () => {
  assertEquals(codeBlock("const s = '<b>';", "ts"), {
    t: "pre",
    c: [{
      t: "code",
      a: { class: "lang-ts" },
      c: [
        { t: "span", a: { class: "tok-kw" }, c: ["const"] },
        " s = ",
        { t: "span", a: { class: "tok-str" }, c: ["'<b>'"] },
        ";",
      ],
    }],
  });
});

Deno.test("long runs of unmatched delimiters parse quickly, and stay text", () => {
  // Each pattern took minutes with unbounded spans: model output could freeze the page.
  for (const unit of ["*a ", "_a ", "**a ", "~~a ", "`", "[", "[a](", "![", "<https://"]) {
    const text = `x ${unit.repeat(Math.ceil(50_000 / unit.length))}`;
    const tree = parseMarkdown(text);
    const textOf = (nodes: unknown[]): string =>
      nodes.map((n) => typeof n === "string" ? n : textOf((n as { c?: unknown[] }).c ?? [])).join(
        "",
      );
    assertEquals(textOf(tree), text, `${unit} stays text, all of it`);
  }
  assertEquals(parseMarkdown("[[a](https://x.example) **b"), [
    { t: "p", c: ["[", { t: "a", a: { href: "https://x.example/", ...LINK }, c: ["a"] }, " **b"] },
  ]);
});
