import { IdleTimer, type IdleWaiter } from "../../src/models/_idle_timer.ts";
import { assert, assertEquals } from "../_assert.ts";

// A waiter whose expiry can be awaited.
function waiter(
  deadline: number,
): IdleWaiter & { deadline: number; expired: Promise<number>; count: number } {
  let resolve!: (at: number) => void;
  const w = {
    deadline,
    count: 0,
    expired: new Promise<number>((r) => resolve = r),
    expire() {
      w.count++;
      resolve(Date.now());
    },
  };
  return w;
}

Deno.test("IdleTimer expires a waiter once its deadline has passed, and forgets it", async () => {
  const timer = new IdleTimer();
  const w = waiter(Date.now() + 20);
  timer.watch(w);
  assertEquals(timer.size, 1);
  const at = await w.expired;
  assert(at >= w.deadline, "expired no earlier than its deadline");
  assertEquals(w.count, 1);
  assertEquals(timer.size, 0);
});

Deno.test("IdleTimer spares a waiter that stopped waiting or was unwatched", async () => {
  const timer = new IdleTimer();
  const answered = waiter(Date.now() + 10);
  const unwatched = waiter(Date.now() + 10);
  const sentinel = waiter(Date.now() + 40);
  timer.watch(answered);
  timer.watch(unwatched);
  timer.watch(sentinel);
  answered.deadline = Infinity; // the server answered
  timer.unwatch(unwatched);
  await sentinel.expired;
  assertEquals(answered.count, 0);
  assertEquals(unwatched.count, 0);
  timer.unwatch(answered);
  assertEquals(timer.size, 0);
});

Deno.test("IdleTimer re-arms for a deadline earlier than the one it waits for", async () => {
  const timer = new IdleTimer();
  const slow = waiter(Date.now() + 60_000);
  const fast = waiter(Date.now() + 20);
  timer.watch(slow);
  timer.watch(fast);
  await fast.expired;
  assertEquals(slow.count, 0);
  timer.unwatch(slow);
});

Deno.test("IdleTimer honours a deadline moved later while the timer runs", async () => {
  const timer = new IdleTimer();
  const w = waiter(Date.now() + 10);
  timer.watch(w);
  w.deadline = Date.now() + 50; // waiting again, e.g. for the next streamed chunk
  timer.extend(w.deadline);
  const at = await w.expired;
  assert(at >= w.deadline, "expired at the new deadline, not the first one");
  assertEquals(w.count, 1);
});

Deno.test("IdleTimer re-arms when an extended deadline is earlier than the timer", async () => {
  const timer = new IdleTimer();
  const slow = waiter(Date.now() + 60_000);
  timer.watch(slow);
  slow.deadline = Date.now() + 20;
  timer.extend(slow.deadline);
  await slow.expired;
  assertEquals(timer.size, 0);
});

Deno.test("IdleTimer reads deadlines against its clock (fake clock)", async () => {
  let now = 1_000;
  const timer = new IdleTimer(() => now);
  const w = waiter(1_000 + 60_000);
  timer.watch(w);
  const early = waiter(1_005);
  timer.watch(early);
  now = 2_000_000; // when the timer fires, both deadlines have passed on this clock
  await early.expired;
  assertEquals(w.count, 1);
  assertEquals(timer.size, 0);
});

Deno.test("IdleTimer does not keep a program alive once nobody is watched (subprocess)", async () => {
  // With a 60 s deadline left to lapse, the program must still exit as soon
  // as its work is done; the watchdog gives up long before the deadline.
  const script = `
    import { IdleTimer } from ${
    JSON.stringify(new URL("../../src/models/_idle_timer.ts", import.meta.url).href)
  };
    const timer = new IdleTimer();
    const waiter = { deadline: Date.now() + 60_000, expire() { console.log("expired"); } };
    timer.watch(waiter);
    await new Promise((resolve) => setTimeout(resolve, 10));
    timer.unwatch(waiter);
    console.log("done");
  `;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-check", script],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(30_000),
  });
  const { code, stdout } = await child.output();
  assertEquals(new TextDecoder().decode(stdout).trim(), "done");
  assertEquals(code, 0);
});
