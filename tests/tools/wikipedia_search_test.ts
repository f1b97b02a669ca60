import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "../_assert.ts";
import { AgentToolExecutionError } from "../../src/errors.ts";
import { WikipediaSearchTool } from "../../tools/mod.ts";
import { fixture, html, json, serveFixtures } from "./_web_server.ts";

function wikiServer() {
  return serveFixtures({
    "/w/rest.php/v1/search/page": (_req, r) =>
      json(
        fixture(
          r.url.searchParams.get("q") === "zqxj"
            ? "wikipedia_search_empty.json"
            : "wikipedia_search_page.json",
        ),
      ),
    "/api/rest_v1/page/summary/Ada_Lovelace": () => json(fixture("wikipedia_summary.json")),
    "/api/rest_v1/page/html/Ada_Lovelace": () => html(fixture("wikipedia_page.html")),
  });
}

Deno.test("WikipediaSearchTool returns the summary of the best match with its title and URL", async () => {
  await using server = wikiServer();
  const wiki = new WikipediaSearchTool({ baseUrl: server.origin });
  const text = await wiki.call({ query: "ada lovelace" });
  assert(
    text.startsWith(
      "# Ada Lovelace\nURL: https://en.wikipedia.org/wiki/Ada_Lovelace\n\nAugusta Ada King",
    ),
    text,
  );
  assertStringIncludes(text, "the Analytical Engine.");
  assertEquals(server.requests[0].url.searchParams.get("q"), "ada lovelace");
  assertEquals(server.requests[0].url.searchParams.get("limit"), "1");
  assertStringIncludes(server.requests[0].headers.get("user-agent") ?? "", "smoldeno");
});

Deno.test("WikipediaSearchTool returns the full article as Markdown with contentType text", async () => {
  await using server = wikiServer();
  const wiki = new WikipediaSearchTool({ baseUrl: server.origin, contentType: "text" });
  const text = await wiki.call({ query: "Ada Lovelace" });
  assertStringIncludes(text, "## Biography");
  assertStringIncludes(text, "[Lord Byron](https://en.wikipedia.org/wiki/Lord_Byron)");
  assertStringIncludes(text, "| 1843 | Published the Notes |");
  assertStringIncludes(text, "## Legacy");
});

Deno.test("WikipediaSearchTool says when no article matches", async () => {
  await using server = wikiServer();
  const text = await new WikipediaSearchTool({ baseUrl: server.origin, language: "fr" }).call({
    query: "zqxj",
  });
  assertEquals(
    text,
    'No Wikipedia article found for "zqxj" in the "fr" edition: try other keywords or another language',
  );
});

Deno.test("WikipediaSearchTool reports an HTTP error from the API", async () => {
  await using server = serveFixtures({ "/w/rest.php/v1/search/page": () => json("{}", 429) });
  await assertRejects(
    () => new WikipediaSearchTool({ baseUrl: server.origin }).call({ query: "x" }),
    AgentToolExecutionError,
    "Wikipedia answered HTTP 429",
  );
});

Deno.test("WikipediaSearchTool uses the language edition's host by default", () => {
  const wiki = new WikipediaSearchTool({ language: "de" });
  assertEquals(wiki.language, "de");
  assertThrows(
    () => new WikipediaSearchTool({ language: "en.evil.com/" }),
    TypeError,
    "language must be a Wikipedia code",
  );
  assertThrows(
    () => new WikipediaSearchTool({ contentType: "html" as "text" }),
    TypeError,
    'contentType must be "summary" or "text"',
  );
});
