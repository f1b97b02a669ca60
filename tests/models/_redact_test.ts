import { redactSecrets } from "../../src/models/_redact.ts";
import { assertEquals } from "../_assert.ts";

Deno.test("redactSecrets() replaces every occurrence of each secret", () => {
  assertEquals(
    redactSecrets("key sk-abcdef123 and again sk-abcdef123, token hf_zzzzzz", [
      "sk-abcdef123",
      "hf_zzzzzz",
      undefined,
    ]),
    "key [redacted] and again [redacted], token [redacted]",
  );
});

Deno.test("redactSecrets() ignores placeholder secrets too short to matter", () => {
  assertEquals(redactSecrets("a b c", ["b", ""]), "a b c");
});
