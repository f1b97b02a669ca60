import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "../_assert.ts";
import { AgentToolExecutionError } from "../../src/errors.ts";
import {
  BraveEngine,
  DuckDuckGoEngine,
  SearchBlockedError,
  WebSearchTool,
} from "../../tools/mod.ts";
import { fixture, html, json, serveFixtures } from "./_web_server.ts";

Deno.test("WebSearchTool returns DuckDuckGo's organic results as a Markdown list, without ads", async () => {
  await using server = serveFixtures({ "/html/": () => html(fixture("duckduckgo_results.html")) });
  const search = new WebSearchTool({
    engine: new DuckDuckGoEngine({ baseUrl: `${server.origin}/html/` }),
    minIntervalMs: 0,
  });
  const text = await search.call({ query: "deno permissions" });
  assertEquals(
    text,
    [
      "## Search results",
      "1. [Security and permissions | Deno Docs](https://docs.deno.com/runtime/fundamentals/security/)",
      "   By default, Deno is secure: code has no file, network, or environment access unless you grant permissions with flags such as --allow-read.",
      "2. [Sandboxing untrusted code with Deno & Workers](https://example.org/blog/deno-sandbox?ref=ddg)",
      "   A walk through permission flags, workers and subprocesses.",
      "3. [Worker import permission is not honoured · Issue #29503](https://github.com/denoland/deno/issues/29503)",
      "   Workers created with restricted permissions can still import remote modules.",
    ].join("\n"),
  );
  assertEquals(server.requests[0].method, "POST");
  assertEquals(new URLSearchParams(server.requests[0].body).get("q"), "deno permissions");
});

Deno.test("WebSearchTool keeps at most maxResults results", async () => {
  await using server = serveFixtures({ "/html/": () => html(fixture("duckduckgo_results.html")) });
  const search = new WebSearchTool({
    engine: new DuckDuckGoEngine({ baseUrl: `${server.origin}/html/` }),
    maxResults: 2,
    minIntervalMs: 0,
  });
  const text = await search.call({ query: "deno permissions" });
  assertStringIncludes(text, "2. [");
  assert(!text.includes("3. ["), text);
});

Deno.test("WebSearchTool fails clearly when DuckDuckGo finds nothing", async () => {
  await using server = serveFixtures({
    "/html/": () => html(fixture("duckduckgo_no_results.html")),
  });
  const search = new WebSearchTool({
    engine: new DuckDuckGoEngine({ baseUrl: `${server.origin}/html/` }),
    minIntervalMs: 0,
  });
  const error = await assertRejects(
    () => search.call({ query: "zqxjvbw qpmz" }),
    AgentToolExecutionError,
  );
  assertStringIncludes(error.message, 'No results found for "zqxjvbw qpmz" on DuckDuckGo');
});

Deno.test("WebSearchTool reports a DuckDuckGo bot check as a blocked search", async () => {
  await using server = serveFixtures({
    "/html/": () => html(fixture("duckduckgo_anomaly.html"), 202),
  });
  const search = new WebSearchTool({
    engine: new DuckDuckGoEngine({ baseUrl: `${server.origin}/html/` }),
    minIntervalMs: 0,
  });
  const error = await assertRejects(() => search.call({ query: "deno" }), AgentToolExecutionError);
  assert(error.cause instanceof SearchBlockedError);
  assertEquals(error.cause.status, 202);
  assertStringIncludes(error.message, "DuckDuckGo refused the search (HTTP 202)");
});

Deno.test("WebSearchTool with BraveEngine sends the key and strips highlight tags", async () => {
  await using server = serveFixtures({ "/search": () => json(fixture("brave_search.json")) });
  const search = new WebSearchTool({
    engine: new BraveEngine({ apiKey: "brave-test-key", baseUrl: `${server.origin}/search` }),
    maxResults: 5,
    minIntervalMs: 0,
  });
  const text = await search.call({ query: "deno permissions" });
  assertStringIncludes(
    text,
    "1. [Security and permissions | Deno Docs](https://docs.deno.com/runtime/fundamentals/security/)\n   By default, Deno is secure & sandboxed",
  );
  assertStringIncludes(
    text,
    "2. [Deno 2.0 permission flags explained](https://example.org/deno-2-permissions)",
  );
  const request = server.requests[0];
  assertEquals(request.headers.get("x-subscription-token"), "brave-test-key");
  assertEquals(request.url.searchParams.get("q"), "deno permissions");
  assertEquals(request.url.searchParams.get("count"), "5");
});

Deno.test("WebSearchTool with BraveEngine fails clearly on an empty answer and on a rejected key", async () => {
  await using server = serveFixtures({
    "/empty": () => json(fixture("brave_empty.json")),
    "/denied": () =>
      json(
        '{"type":"ErrorResponse","error":{"code":"SUBSCRIPTION_TOKEN_INVALID","status":422}}',
        422,
      ),
  });
  const empty = new WebSearchTool({
    engine: new BraveEngine({ apiKey: "k", baseUrl: `${server.origin}/empty` }),
    minIntervalMs: 0,
  });
  await assertRejects(
    () => empty.call({ query: "zqxjvbw" }),
    AgentToolExecutionError,
    "No results found",
  );
  const denied = new WebSearchTool({
    engine: new BraveEngine({ apiKey: "secret-key-value", baseUrl: `${server.origin}/denied` }),
    minIntervalMs: 0,
  });
  const error = await assertRejects(() => denied.call({ query: "deno" }), AgentToolExecutionError);
  assertStringIncludes(error.message, "the API key was rejected");
  assert(!error.message.includes("secret-key-value"), "the key must not leak into the message");
});

Deno.test("BraveEngine without a key throws TypeError naming BRAVE_API_KEY", () => {
  const saved = Deno.env.get("BRAVE_API_KEY");
  Deno.env.delete("BRAVE_API_KEY");
  try {
    assertThrows(() => new BraveEngine(), TypeError, "BRAVE_API_KEY");
  } finally {
    if (saved !== undefined) Deno.env.set("BRAVE_API_KEY", saved);
  }
});

Deno.test("WebSearchTool spaces consecutive requests by minIntervalMs, one at a time", async () => {
  let inFlight = 0;
  let maxInFlight = 0;
  await using server = serveFixtures({
    "/html/": async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return html(fixture("duckduckgo_results.html"));
    },
  });
  const search = new WebSearchTool({
    engine: new DuckDuckGoEngine({ baseUrl: `${server.origin}/html/` }),
    minIntervalMs: 30,
  });
  await Promise.all([
    search.call({ query: "a" }),
    search.call({ query: "b" }),
    search.call({ query: "c" }),
  ]);
  assertEquals(server.requests.length, 3);
  assertEquals(maxInFlight, 1);
});

Deno.test("WebSearchTool rejects a bad maxResults at construction", () => {
  assertThrows(
    () => new WebSearchTool({ maxResults: 0 }),
    RangeError,
    "maxResults must be an integer from 1 to 50",
  );
});

Deno.test("WebSearchTool picks DuckDuckGo when BRAVE_API_KEY is unset and Brave when it is set", () => {
  const saved = Deno.env.get("BRAVE_API_KEY");
  try {
    Deno.env.delete("BRAVE_API_KEY");
    assertEquals(new WebSearchTool().engine.name, "DuckDuckGo");
    Deno.env.set("BRAVE_API_KEY", "k");
    assertEquals(new WebSearchTool().engine.name, "Brave");
  } finally {
    if (saved === undefined) Deno.env.delete("BRAVE_API_KEY");
    else Deno.env.set("BRAVE_API_KEY", saved);
  }
});
