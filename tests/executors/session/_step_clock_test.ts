import { StepClock } from "../../../executors/session/_step_clock.ts";
import { assert, assertEquals } from "../../_assert.ts";

/** A clock on fake time and fake CPU, checked by hand (its own timers are stopped at the end). */
function fakeClock(timeoutMs: number, withCpu = true) {
  const t = { now: 0, cpu: 0, fired: 0 };
  const clock = new StepClock({
    timeoutMs,
    now: () => t.now,
    cpuMs: withCpu ? () => t.cpu : undefined,
    onTimeout: () => t.fired++,
    pollMs: 1,
  });
  return { t, clock };
}

/** Lets the clock's probe notice that a tool call is still in flight. */
const probe = () => new Promise((r) => setTimeout(r, 10));

Deno.test("StepClock counts wall time while no tool call is in flight", () => {
  const { t, clock } = fakeClock(1000);
  t.now = 999;
  clock.check();
  assertEquals(t.fired, 0);
  t.now = 1000;
  clock.check();
  assertEquals(t.fired, 1);
  clock.stop();
});

Deno.test("StepClock leaves out the wall time of tool calls when the sandbox only waits", async () => {
  const { t, clock } = fakeClock(1000);
  t.now = 400;
  clock.toolStarted();
  await probe();
  t.now = 60_400; // a one-minute tool call, 5 ms of sandbox CPU meanwhile
  t.cpu = 5;
  clock.check();
  clock.toolFinished();
  assertEquals(t.fired, 0);
  assertEquals(clock.usedMs, 405);
  t.now = 60_995;
  clock.check();
  assertEquals(t.fired, 1);
  clock.stop();
});

Deno.test("StepClock counts the sandbox's CPU time while a tool call is in flight", async () => {
  const { t, clock } = fakeClock(1000);
  clock.toolStarted();
  clock.toolStarted(); // two calls in flight: still CPU time, counted once
  await probe();
  t.now = 2000;
  t.cpu = 1500; // a busy loop (or a Worker) burning CPU next to the calls
  clock.check();
  assertEquals(t.fired, 1);
  clock.stop();
});

Deno.test("StepClock counts wall time during tool calls when CPU time cannot be read", async () => {
  const { t, clock } = fakeClock(1000, false);
  clock.toolStarted();
  await probe();
  t.now = 1000;
  clock.check();
  assertEquals(t.fired, 1);
  clock.stop();
});

Deno.test("StepClock never fires after stop()", async () => {
  let fired = false;
  const clock = new StepClock({ timeoutMs: 1, onTimeout: () => fired = true });
  clock.stop();
  await new Promise((r) => setTimeout(r, 20));
  assert(!fired);
});

Deno.test("StepClock counts wall time for intervals whose CPU time could not be read", async () => {
  const t = { now: 0, cpu: undefined as number | undefined, fired: 0 };
  const clock = new StepClock({
    timeoutMs: 1000,
    now: () => t.now,
    cpuMs: () => t.cpu,
    onTimeout: () => t.fired++,
    pollMs: 1,
  });
  clock.toolStarted();
  await probe();
  t.now = 600;
  t.cpu = 10; // the reading becomes available from here on
  clock.check();
  assertEquals(clock.usedMs, 600);
  t.now = 5000;
  t.cpu = 20;
  clock.check();
  assertEquals(clock.usedMs, 610);
  assertEquals(t.fired, 0);
  clock.stop();
});

Deno.test("StepClock counts a short tool call as wall time", () => {
  const { t, clock } = fakeClock(1000);
  clock.toolStarted();
  t.now = 30;
  t.cpu = 1;
  clock.toolFinished(); // before the probe: no CPU mode, the 30 ms count
  assertEquals(clock.usedMs, 30);
  clock.stop();
});
