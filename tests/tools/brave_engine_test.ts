import { assertEquals } from "../_assert.ts";
import { BraveEngine } from "../../tools/mod.ts";
import { fixture, json, serveFixtures } from "./_web_server.ts";

Deno.test("BraveEngine asks for at most 20 results, Brave's limit, and maps web.results", async () => {
  await using server = serveFixtures({ "/search": () => json(fixture("brave_search.json")) });
  const engine = new BraveEngine({ apiKey: "k", baseUrl: `${server.origin}/search` });
  const results = await engine.search("deno", { maxResults: 50 });
  assertEquals(server.requests[0].url.searchParams.get("count"), "20");
  assertEquals(server.requests[0].headers.get("accept"), "application/json");
  assertEquals(results[1], {
    title: "Deno 2.0 permission flags explained",
    link: "https://example.org/deno-2-permissions",
    snippet: "Every --allow flag with examples.",
  });
});
