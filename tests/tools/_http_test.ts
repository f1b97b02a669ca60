import { assertEquals } from "../_assert.ts";
import { isPrivateHost } from "../../tools/_http.ts";

Deno.test("isPrivateHost() flags loopback, private, link-local and unspecified hosts only", () => {
  const cases: [string, boolean][] = [
    ["localhost", true],
    ["api.localhost", true],
    ["127.0.0.1", true],
    ["127.8.9.10", true],
    ["10.0.0.1", true],
    ["172.16.0.1", true],
    ["172.31.255.255", true],
    ["172.32.0.1", false],
    ["192.168.1.1", true],
    ["169.254.169.254", true],
    ["0.0.0.0", true],
    ["[::1]", true],
    ["[::]", true],
    ["[fd12:3456::1]", true],
    ["[fe80::1]", true],
    ["[::ffff:127.0.0.1]", true],
    ["8.8.8.8", false],
    ["example.com", false],
    ["[2606:4700::1111]", false],
  ];
  for (const [host, expected] of cases) assertEquals(isPrivateHost(host), expected, host);
});
