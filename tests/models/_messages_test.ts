import { imageUrl, toWireMessages } from "../../src/models/_messages.ts";
import { assertEquals } from "../_assert.ts";

Deno.test("toWireMessages() merges consecutive same-role messages but never tool results", () => {
  assertEquals(
    toWireMessages([
      { role: "user", content: "a" },
      { role: "user", content: "b" },
      { role: "tool", content: "r1", toolCallId: "1" },
      { role: "tool", content: "r2", toolCallId: "2" },
    ]),
    [
      { role: "user", content: "a\nb" },
      { role: "tool", content: "r1", tool_call_id: "1" },
      { role: "tool", content: "r2", tool_call_id: "2" },
    ],
  );
});

Deno.test("toWireMessages() applies role conversions before merging", () => {
  assertEquals(
    toWireMessages([{ role: "system", content: "s" }, { role: "user", content: "u" }], {
      customRoleConversions: { system: "user" },
    }),
    [{ role: "user", content: "s\nu" }],
  );
});

Deno.test("imageUrl() keeps URLs and turns bytes or bare base64 into data URLs", () => {
  assertEquals(imageUrl("https://example.com/a.png"), "https://example.com/a.png");
  assertEquals(imageUrl("data:image/gif;base64,R0lG"), "data:image/gif;base64,R0lG");
  assertEquals(imageUrl("AAAA", "image/webp"), "data:image/webp;base64,AAAA");
  assertEquals(
    imageUrl(new Uint8Array([0xff, 0xd8, 0xff, 0xe0])),
    "data:image/jpeg;base64,/9j/4A==",
  );
});
