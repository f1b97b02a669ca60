// Who may talk to the UI server: tokens compared in constant time, the
// loopback test, the Host and Origin checks, the cookie.

import { assert, assertEquals, assertMatch } from "../_assert.ts";
import {
  generateToken,
  hostProblem,
  isLoopback,
  offeredTokens,
  originProblem,
  TokenCheck,
  tokenCookie,
} from "../../src/ui/_access.ts";

Deno.test("generated tokens are 43 URL-safe characters, and different every time", () => {
  const a = generateToken();
  assertMatch(a, /^[A-Za-z0-9_-]{43}$/);
  assert(a !== generateToken());
});

Deno.test("TokenCheck accepts the token and refuses anything else, whatever its length", async () => {
  const check = new TokenCheck("correct-horse-battery-staple");
  assertEquals(await check.matches(["correct-horse-battery-staple"]), true);
  assertEquals(await check.matches([undefined, "wrong", "correct-horse-battery-staple"]), true);
  for (
    const candidate of ["", "correct-horse-battery-stapl", "correct-horse-battery-staple!", "x"]
  ) {
    assertEquals(await check.matches([candidate]), false, candidate);
  }
  assertEquals(await check.matches([undefined, undefined]), false);
});

Deno.test("loopback is 127.0.0.0/8, ::1 and localhost; nothing else", () => {
  for (const h of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]", "LOCALHOST"]) {
    assert(isLoopback(h), h);
  }
  for (const h of ["0.0.0.0", "192.168.1.2", "::", "example.com", "127.0.0.1.evil.example"]) {
    assertEquals(isLoopback(h), false, h);
  }
});

Deno.test("a request offers its token by cookie (named by port), bearer header or query", () => {
  const request = new Request("http://127.0.0.1:9000/?token=q", {
    headers: {
      cookie: "other=1; smoldeno_ui_9000=c; smoldeno_ui_9001=z",
      authorization: "Bearer b",
    },
  });
  assertEquals(offeredTokens(request, new URL(request.url), 9000), ["c", "b", "q"]);
  assertEquals(tokenCookie(9000, "t"), "smoldeno_ui_9000=t; Path=/; HttpOnly; SameSite=Strict");
});

Deno.test("the Host check allows only loopback names with the server's port", () => {
  const at = (host: string) => new Request("http://127.0.0.1:9000/", { headers: { host } });
  assertEquals(hostProblem(at("127.0.0.1:9000"), 9000), undefined);
  assertEquals(hostProblem(at("localhost:9000"), 9000), undefined);
  assertMatch(hostProblem(at("rebound.example:9000"), 9000)!, /^Unexpected Host header "rebound/);
  assertMatch(hostProblem(at("127.0.0.1:9001"), 9000)!, /answers only to 127\.0\.0\.1:9000/);
  assertEquals(hostProblem(at("127.0.0.2:9000"), 9000, "127.0.0.2"), undefined);
  assertMatch(hostProblem(at("127.0.0.2:9000"), 9000)!, /^Unexpected Host/);
});

Deno.test("the Origin check refuses writes from other origins, and lets reads and same-origin writes through", () => {
  const req = (method: string, origin?: string) =>
    new Request("http://127.0.0.1:9000/api/sessions", {
      method,
      headers: { host: "127.0.0.1:9000", ...(origin ? { origin } : {}) },
    });
  assertEquals(originProblem(req("POST", "http://127.0.0.1:9000")), undefined);
  assertEquals(originProblem(req("POST")), undefined);
  assertEquals(originProblem(req("GET", "https://evil.example")), undefined);
  assertMatch(originProblem(req("POST", "https://evil.example"))!, /another origin/);
  assertMatch(originProblem(req("DELETE", "http://localhost:9000"))!, /another origin/);
});
