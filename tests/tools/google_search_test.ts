import { assertEquals, assertRejects, assertStringIncludes, assertThrows } from "../_assert.ts";
import { AgentToolExecutionError } from "../../src/errors.ts";
import { GoogleSearchTool } from "../../tools/mod.ts";
import { fixture, json, serveFixtures } from "./_web_server.ts";

Deno.test("GoogleSearchTool through Serper posts the query with the key and lists organic results", async () => {
  await using server = serveFixtures({ "/search": () => json(fixture("serper_search.json")) });
  const search = new GoogleSearchTool({
    provider: "serper",
    apiKey: "serper-key",
    baseUrl: `${server.origin}/search`,
    minIntervalMs: 0,
  });
  assertEquals(search.name, "web_search");
  const text = await search.call({ query: "deno permissions" });
  assertStringIncludes(
    text,
    "1. [Security and permissions - Deno Docs](https://docs.deno.com/runtime/fundamentals/security/)",
  );
  assertStringIncludes(
    text,
    "2. [Deno permissions cheat sheet](https://example.org/deno-cheatsheet)\n   All the --allow-* flags on one page.",
  );
  assertEquals(server.requests[0].headers.get("x-api-key"), "serper-key");
  assertEquals(JSON.parse(server.requests[0].body), { q: "deno permissions", num: 10 });
});

Deno.test("GoogleSearchTool through SerpAPI asks the google engine and lists organic results", async () => {
  await using server = serveFixtures({
    "/search.json": () => json(fixture("serpapi_search.json")),
  });
  const search = new GoogleSearchTool({
    apiKey: "serpapi-key",
    baseUrl: `${server.origin}/search.json`,
    maxResults: 1,
    minIntervalMs: 0,
  });
  const text = await search.call({ query: "deno permissions" });
  assertEquals(
    text,
    "## Search results\n1. [Security and permissions - Deno Docs](https://docs.deno.com/runtime/fundamentals/security/)\n   Deno is secure by default: no file, network, or environment access unless enabled.",
  );
  const params = server.requests[0].url.searchParams;
  assertEquals(params.get("engine"), "google");
  assertEquals(params.get("api_key"), "serpapi-key");
});

Deno.test("GoogleSearchTool through SerpAPI reports an empty search as no results", async () => {
  await using server = serveFixtures({ "/search.json": () => json(fixture("serpapi_empty.json")) });
  const search = new GoogleSearchTool({
    apiKey: "k",
    baseUrl: `${server.origin}/search.json`,
    minIntervalMs: 0,
  });
  await assertRejects(
    () => search.call({ query: "zqxjvbw" }),
    AgentToolExecutionError,
    'No results found for "zqxjvbw" on SerpAPI',
  );
});

Deno.test("GoogleSearchTool reports a quota error as a refusal", async () => {
  await using server = serveFixtures({
    "/search": () => json('{"message":"Not enough credits"}', 429),
  });
  const search = new GoogleSearchTool({
    provider: "serper",
    apiKey: "k",
    baseUrl: `${server.origin}/search`,
    minIntervalMs: 0,
  });
  await assertRejects(
    () => search.call({ query: "deno" }),
    AgentToolExecutionError,
    "Serper refused the search (HTTP 429)",
  );
});

Deno.test("GoogleSearchTool rejects an unknown provider and a missing key at construction", () => {
  assertThrows(
    () => new GoogleSearchTool({ provider: "bing" as "serper", apiKey: "k" }),
    TypeError,
    'unknown provider "bing"',
  );
  const saved = Deno.env.get("SERPER_API_KEY");
  Deno.env.delete("SERPER_API_KEY");
  try {
    assertThrows(() => new GoogleSearchTool({ provider: "serper" }), TypeError, "SERPER_API_KEY");
  } finally {
    if (saved !== undefined) Deno.env.set("SERPER_API_KEY", saved);
  }
});
