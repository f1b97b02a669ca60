import { assert, assertEquals, assertStringIncludes, assertThrows } from "../_assert.ts";
import { VisitWebpageTool } from "../../tools/mod.ts";
import { fixture, html, json, serveFixtures } from "./_web_server.ts";

function visitor(
  options: ConstructorParameters<typeof VisitWebpageTool>[0] = {},
): VisitWebpageTool {
  return new VisitWebpageTool({ allowPrivateNetwork: true, ...options });
}

Deno.test("VisitWebpageTool turns an article into Markdown without scripts, styles or page chrome", async () => {
  await using server = serveFixtures({ "/history/engine": () => html(fixture("article.html")) });
  const text = await visitor().call({ url: `${server.origin}/history/engine` });
  assert(text.startsWith("# How the Analytical Engine Worked — The Computing Quarterly\n"), text);
  assertStringIncludes(text, `URL: ${server.origin}/history/engine`);
  assertStringIncludes(text, "Charles Babbage designed the **Analytical Engine** in 1837.");
  // Relative links are made absolute so the model can visit them next.
  assertStringIncludes(text, `[notes by Ada Lovelace](${server.origin}/history/notes/lovelace)`);
  assertStringIncludes(text, "| Store | Held 1,000 numbers of 40 digits |");
  assertStringIncludes(text, "```ts\nfor (let i = 1; i <= 7; i++) console.log(bernoulli(i));\n```");
  assertStringIncludes(text, "[image: Trial model of the Analytical Engine]");
  for (
    const chrome of [
      "gtag",
      "TRACKING_PIXEL",
      "SIDEBAR_TRENDING",
      "Subscribe",
      "Privacy",
      "NOSCRIPT_PIXEL",
      "We use cookies",
      "font-family",
      "javascript:",
    ]
  ) {
    assert(!text.includes(chrome), `"${chrome}" should have been dropped:\n${text}`);
  }
});

Deno.test("VisitWebpageTool truncates the Markdown at maxOutputLength and says so", async () => {
  await using server = serveFixtures({ "/": () => html(fixture("article.html")) });
  const text = await visitor({ maxOutputLength: 100 }).call({ url: `${server.origin}/` });
  assertStringIncludes(text, "[…truncated: showing the first 100 of");
  assertEquals(text.indexOf("\n\n[…truncated"), 100);
});

Deno.test("VisitWebpageTool returns JSON and plain text as they are", async () => {
  await using server = serveFixtures({
    "/data.json": () => json('{"name":"deno","stars":100000}'),
    "/notes.txt": () =>
      new Response("line one\n<b>not html</b>\n", { headers: { "content-type": "text/plain" } }),
  });
  assertEquals(
    await visitor().call({ url: `${server.origin}/data.json` }),
    '{"name":"deno","stars":100000}',
  );
  assertEquals(
    await visitor().call({ url: `${server.origin}/notes.txt` }),
    "line one\n<b>not html</b>\n",
  );
});

Deno.test("VisitWebpageTool explains that PDFs and binary files cannot be read", async () => {
  await using server = serveFixtures({
    "/paper.pdf": () =>
      new Response("%PDF-1.7\n%\xff\xff", { headers: { "content-type": "application/pdf" } }),
    "/logo.png": () =>
      new Response(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13]), {
        headers: { "content-type": "image/png" },
      }),
  });
  assertStringIncludes(
    await visitor().call({ url: `${server.origin}/paper.pdf` }),
    "is a PDF document",
  );
  assertStringIncludes(
    await visitor().call({ url: `${server.origin}/logo.png` }),
    "is a binary file (image/png, 8 bytes)",
  );
});

Deno.test("VisitWebpageTool follows redirects up to the limit, then returns an error text", async () => {
  await using server = serveFixtures({
    "/old": () => Response.redirect("http://127.0.0.1/placeholder", 301),
    "/a": (req) =>
      new Response(null, { status: 302, headers: { location: new URL("/b", req.url).href } }),
    "/b": () => new Response(null, { status: 302, headers: { location: "/c" } }),
    "/c": () => html("<html><head><title>C</title></head><body><p>arrived</p></body></html>"),
    "/loop": () => new Response(null, { status: 302, headers: { location: "/loop" } }),
  });
  const arrived = await visitor().call({ url: `${server.origin}/a` });
  assertStringIncludes(arrived, "arrived");
  assertStringIncludes(arrived, `URL: ${server.origin}/c`);
  const looped = await visitor({ maxRedirects: 3 }).call({ url: `${server.origin}/loop` });
  assertStringIncludes(looped, "Too many redirects");
  assertEquals(server.requests.filter((r) => r.url.pathname === "/loop").length, 4);
});

Deno.test("VisitWebpageTool returns HTTP errors as text the model can act on", async () => {
  await using server = serveFixtures({});
  const text = await visitor().call({ url: `${server.origin}/missing` });
  assertStringIncludes(text, "HTTP 404");
  assertStringIncludes(text, "check the URL");
});

Deno.test("VisitWebpageTool stops a slow page at timeoutMs and says it timed out", async () => {
  const never = Promise.withResolvers<void>();
  await using server = serveFixtures({
    "/slow": async () => {
      await never.promise;
      return html("late");
    },
  });
  try {
    const text = await visitor({ timeoutMs: 50 }).call({ url: `${server.origin}/slow` });
    assertStringIncludes(text, "Timed out after 50 ms");
  } finally {
    never.resolve();
  }
});

Deno.test("VisitWebpageTool caps the download size", async () => {
  await using server = serveFixtures({
    "/big.txt": () =>
      new Response("x".repeat(100_000), { headers: { "content-type": "text/plain" } }),
  });
  const text = await visitor({ maxDownloadBytes: 1_000 }).call({ url: `${server.origin}/big.txt` });
  assertStringIncludes(text, "[…the download stopped at 1000 bytes]");
  assertEquals(text.indexOf("\n\n[…the download"), 1_000);
});

Deno.test("VisitWebpageTool refuses loopback and private hosts unless allowed", async () => {
  const tool = new VisitWebpageTool();
  for (
    const url of [
      "http://127.0.0.1:9/",
      "http://localhost/",
      "http://[::1]/",
      "http://10.1.2.3/",
      "http://169.254.169.254/latest",
      "http://2130706433/",
      "http://0x7f.1/",
      "http://[::ffff:127.0.0.1]/",
    ]
  ) {
    assertStringIncludes(await tool.call({ url }), "private network", url);
  }
  assertStringIncludes(await tool.call({ url: "file:///etc/passwd" }), "only http and https");
  assertStringIncludes(await tool.call({ url: "not a url" }), "not an absolute URL");
});

Deno.test("VisitWebpageTool refuses a redirect into a private network", async () => {
  await using server = serveFixtures({
    "/jump": () =>
      new Response(null, {
        status: 302,
        headers: { location: "http://169.254.169.254/latest/meta-data" },
      }),
  });
  // Only the test server's host is allowed; the redirect target is not.
  const tool = new VisitWebpageTool({ allowPrivateNetwork: ["127.0.0.1"] });
  const text = await tool.call({ url: `${server.origin}/jump` });
  assertStringIncludes(text, 'Refusing to fetch "http://169.254.169.254/latest/meta-data"');
  assertEquals(server.requests.length, 1);
});

Deno.test("VisitWebpageTool rejects bad limits at construction", () => {
  assertThrows(
    () => new VisitWebpageTool({ maxOutputLength: 0 }),
    RangeError,
    "maxOutputLength must be > 0",
  );
  assertThrows(() => new VisitWebpageTool({ maxRedirects: -1 }), RangeError, "maxRedirects");
});

Deno.test("VisitWebpageTool keeps every article of an index page that has no <main>", async () => {
  await using server = serveFixtures({
    "/blog": () =>
      html(
        "<html><body><nav>Menu</nav><article><h2>First post</h2></article><article><h2>Second post</h2></article></body></html>",
      ),
  });
  const text = await visitor().call({ url: `${server.origin}/blog` });
  assertStringIncludes(text, "## First post");
  assertStringIncludes(text, "## Second post");
  assert(!text.includes("Menu"));
});
