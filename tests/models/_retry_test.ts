import {
  abortableSleep,
  isRetryableStatus,
  parseRetryAfter,
  retryDelay,
  withRetries,
} from "../../src/models/_retry.ts";
import { assertEquals, assertRejects } from "../_assert.ts";

const policy = { maxRetries: 3, initialDelayMs: 1_000, maxDelayMs: 60_000 };

Deno.test("parseRetryAfter() reads seconds, retry-after-ms and HTTP dates as milliseconds", () => {
  assertEquals(parseRetryAfter(new Headers({ "retry-after": "2" })), 2_000);
  assertEquals(parseRetryAfter(new Headers({ "retry-after": "0.5" })), 500);
  assertEquals(parseRetryAfter(new Headers({ "retry-after-ms": "250", "retry-after": "9" })), 250);
  const now = Date.parse("Wed, 21 Oct 2026 07:28:00 GMT");
  assertEquals(
    parseRetryAfter(new Headers({ "retry-after": "Wed, 21 Oct 2026 07:28:30 GMT" }), now),
    30_000,
  );
  assertEquals(parseRetryAfter(new Headers({ "retry-after": "soon" })), undefined);
  assertEquals(parseRetryAfter(new Headers()), undefined);
  assertEquals(parseRetryAfter(undefined), undefined);
});

Deno.test("retryDelay() waits the Retry-After seconds (plus at most 10 % jitter), not minutes", () => {
  assertEquals(retryDelay(0, { retryable: true, retryAfterMs: 1_000 }, policy, () => 0), 1_000);
  assertEquals(retryDelay(0, { retryable: true, retryAfterMs: 1_000 }, policy, () => 0.999), 1_100);
});

Deno.test("retryDelay() backs off exponentially with jitter between half and the full delay", () => {
  assertEquals(retryDelay(0, { retryable: true }, policy, () => 0), 500);
  assertEquals(retryDelay(0, { retryable: true }, policy, () => 1), 1_000);
  assertEquals(retryDelay(2, { retryable: true }, policy, () => 1), 4_000);
  assertEquals(retryDelay(20, { retryable: true }, policy, () => 1), 60_000);
});

Deno.test("retryDelay() refuses to wait for a Retry-After beyond the longest delay", () => {
  assertEquals(retryDelay(0, { retryable: true, retryAfterMs: 3_600_000 }, policy), undefined);
});

Deno.test("isRetryableStatus() retries 408, 409, 429 and 5xx but no other 4xx", () => {
  assertEquals([400, 401, 403, 404, 408, 409, 422, 429, 500, 503].filter(isRetryableStatus), [
    408,
    409,
    429,
    500,
    503,
  ]);
});

Deno.test("withRetries() retries retryable failures with the computed waits, then succeeds (fake sleep)", async () => {
  const waits: number[] = [];
  let calls = 0;
  const result = await withRetries(
    () => {
      calls++;
      if (calls < 3) return Promise.reject(new Error(`fail ${calls}`));
      return Promise.resolve("done");
    },
    (error) => ({
      retryable: true,
      retryAfterMs: (error as Error).message === "fail 1" ? 2_000 : undefined,
    }),
    policy,
    { sleep: (ms) => (waits.push(ms), Promise.resolve()), random: () => 0 },
  );
  assertEquals(result, "done");
  assertEquals(waits, [2_000, 1_000]);
});

Deno.test("withRetries() rethrows a non-retryable failure at once and the last one after maxRetries (fake sleep)", async () => {
  let calls = 0;
  const sleep = () => Promise.resolve();
  await assertRejects(
    () =>
      withRetries(
        () => (calls++, Promise.reject(new Error("401"))),
        () => ({ retryable: false }),
        policy,
        { sleep },
      ),
    Error,
    "401",
  );
  assertEquals(calls, 1);
  calls = 0;
  await assertRejects(
    () =>
      withRetries(
        () => Promise.reject(new Error(`503 #${++calls}`)),
        () => ({ retryable: true }),
        policy,
        { sleep },
      ),
    Error,
    "503 #4",
  );
  assertEquals(calls, 4);
});

Deno.test("withRetries() tells onRetry of each retry, its number and wait, before waiting (fake sleep)", async () => {
  const log: string[] = [];
  let calls = 0;
  const result = await withRetries(
    () => (++calls < 3 ? Promise.reject(new Error(`fail ${calls}`)) : Promise.resolve("done")),
    () => ({ retryable: true }),
    policy,
    {
      sleep: (ms) => (log.push(`sleep ${ms}`), Promise.resolve()),
      random: () => 1,
      onRetry: (error, retry, delayMs) =>
        log.push(`retry ${retry} in ${delayMs} after ${(error as Error).message}`),
    },
  );
  assertEquals(result, "done");
  assertEquals(log, [
    "retry 1 in 1000 after fail 1",
    "sleep 1000",
    "retry 2 in 2000 after fail 2",
    "sleep 2000",
  ]);
});

Deno.test("abortableSleep() rejects with the signal's reason when aborted", async () => {
  const controller = new AbortController();
  const sleeping = abortableSleep(60_000, controller.signal);
  controller.abort(new Error("stop"));
  const error = await assertRejects(() => sleeping);
  assertEquals(error.message, "stop");
});
