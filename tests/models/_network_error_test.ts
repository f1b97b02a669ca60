import { networkFailureReason } from "../../src/models/_network_error.ts";
import { assertEquals } from "../_assert.ts";

// The shape of Deno's fetch errors: a bare TypeError whose cause holds the reason.
function fetchError(inner: string): TypeError {
  return new TypeError("fetch failed", { cause: new Error(inner) });
}

Deno.test("networkFailureReason() names a refused connection, a failed DNS lookup and a reset", () => {
  assertEquals(
    networkFailureReason(fetchError(
      "error sending request for url (http://127.0.0.1:1234/v1/chat/completions): client error (Connect): tcp connect error: Connection refused (os error 111)",
    )),
    "connection refused",
  );
  assertEquals(
    networkFailureReason(fetchError(
      "error sending request for url (http://nohost.invalid/v1): client error (Connect): dns error: failed to lookup address information: Name or service not known",
    )),
    "host not found (DNS lookup failed)",
  );
  assertEquals(
    networkFailureReason(fetchError("connection error: Connection reset by peer (os error 104)")),
    "connection reset",
  );
});

Deno.test("networkFailureReason() falls back to the innermost message, without Deno's URL prefix", () => {
  const wrapped = new Error("Connection error.", {
    cause: fetchError(
      "error sending request for url (https://x/v1): client error (Connect): invalid peer certificate: UnknownIssuer",
    ),
  });
  assertEquals(
    networkFailureReason(wrapped),
    "client error (Connect): invalid peer certificate: UnknownIssuer",
  );
  assertEquals(networkFailureReason(new TypeError("network down")), "network down");
  assertEquals(networkFailureReason("not an error"), "not an error");
});
