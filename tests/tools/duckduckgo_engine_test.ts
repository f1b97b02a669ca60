import { assertEquals } from "../_assert.ts";
import { DuckDuckGoEngine } from "../../tools/mod.ts";
import { fixture, html, serveFixtures } from "./_web_server.ts";

Deno.test("DuckDuckGoEngine skips ads and unwraps DuckDuckGo's redirect links", async () => {
  await using server = serveFixtures({ "/html/": () => html(fixture("duckduckgo_results.html")) });
  const engine = new DuckDuckGoEngine({ baseUrl: `${server.origin}/html/`, region: "fr-fr" });
  const results = await engine.search("deno permissions", { maxResults: 10 });
  assertEquals(results.map((r) => r.link), [
    "https://docs.deno.com/runtime/fundamentals/security/",
    "https://example.org/blog/deno-sandbox?ref=ddg",
    "https://github.com/denoland/deno/issues/29503",
  ]);
  const form = new URLSearchParams(server.requests[0].body);
  assertEquals([form.get("q"), form.get("kl")], ["deno permissions", "fr-fr"]);
  assertEquals(server.requests[0].headers.get("content-type"), "application/x-www-form-urlencoded");
});

Deno.test("DuckDuckGoEngine returns no results for DuckDuckGo's empty page", async () => {
  await using server = serveFixtures({
    "/html/": () => html(fixture("duckduckgo_no_results.html")),
  });
  const engine = new DuckDuckGoEngine({ baseUrl: `${server.origin}/html/` });
  assertEquals(await engine.search("zqxjvbw qpmz", { maxResults: 10 }), []);
});
