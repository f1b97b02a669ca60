import { RateLimiter } from "../../src/models/_rate_limiter.ts";
import { assertEquals, assertThrows } from "../_assert.ts";

function fakeClock() {
  const clock = {
    time: 0,
    waits: [] as number[],
    now: () => clock.time,
    sleep: (ms: number) => {
      clock.waits.push(ms);
      return Promise.resolve();
    },
  };
  return clock;
}

Deno.test("RateLimiter gives parallel callers evenly spaced slots (fake clock)", async () => {
  const clock = fakeClock();
  const limiter = new RateLimiter(600, clock); // one slot every 100 ms
  await Promise.all([limiter.acquire(), limiter.acquire(), limiter.acquire()]);
  assertEquals(clock.waits, [100, 200]);
});

Deno.test("RateLimiter lets a caller through at once when its slot has passed (fake clock)", async () => {
  const clock = fakeClock();
  const limiter = new RateLimiter(60, clock); // one slot a second
  await limiter.acquire();
  clock.time = 5_000;
  await limiter.acquire();
  clock.time = 5_500;
  await limiter.acquire();
  assertEquals(clock.waits, [500]);
});

Deno.test("RateLimiter rejects a non-positive rate", () => {
  assertThrows(() => new RateLimiter(0), RangeError, "Invalid requestsPerMinute");
  assertThrows(() => new RateLimiter(Number.NaN), RangeError);
});
