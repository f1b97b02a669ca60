import { hmacSha256 } from "../../../executors/sandbox/_hmac.ts";
import { assertEquals } from "../../_assert.ts";

Deno.test("hmacSha256() matches node:crypto for short, block-sized and long messages", async () => {
  const { createHmac } = await import("node:crypto");
  const key = crypto.getRandomValues(new Uint8Array(32));
  const mac = hmacSha256(key);
  for (const size of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 100_000]) {
    const msg = crypto.getRandomValues(new Uint8Array(Math.min(size, 65536)));
    const big = size > 65536 ? new Uint8Array(size).fill(7) : msg;
    const expected = new Uint8Array(createHmac("sha256", key).update(big).digest());
    assertEquals(mac(big), expected, `size ${size}`);
  }
});
