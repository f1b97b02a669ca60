import { assertEquals } from "../_assert.ts";
import { formatSearchResults, SearchBlockedError } from "../../tools/mod.ts";

Deno.test("formatSearchResults() numbers the hits, links the titles and escapes brackets", () => {
  assertEquals(
    formatSearchResults([
      { title: "Deno [docs]", link: "https://docs.deno.com", snippet: "The manual" },
      { title: "No snippet", link: "https://example.org", snippet: "" },
    ]),
    "1. [Deno [docs\\]](https://docs.deno.com)\n   The manual\n2. [No snippet](https://example.org)",
  );
});

Deno.test("SearchBlockedError keeps the HTTP status", () => {
  const error = new SearchBlockedError("blocked", { status: 429 });
  assertEquals([error.name, error.status], ["SearchBlockedError", 429]);
});
