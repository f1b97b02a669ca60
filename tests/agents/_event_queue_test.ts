import { EventQueue, withQueued } from "../../src/agents/_event_queue.ts";
import { assertEquals } from "../_assert.ts";

// A generator that yields "a", waits for `gate`, yields "b", returns "done",
// and records whether its cleanup ran.
function main(gate: Promise<void>, log: string[]): AsyncGenerator<string, string> {
  return (async function* () {
    try {
      yield "a";
      await gate;
      yield "b";
      return "done";
    } finally {
      log.push("main closed");
    }
  })();
}

Deno.test("withQueued() yields queued items while the main generator is busy, then its own, and returns its result", async () => {
  const gate = Promise.withResolvers<void>();
  const queue = new EventQueue<string>();
  const log: string[] = [];
  const merged = withQueued(main(gate.promise, log), queue, () => log.push("busy exit"));
  const seen: string[] = [];
  let next = await merged.next();
  while (!next.done) {
    seen.push(next.value);
    // While main waits at the gate, side items arrive one by one.
    if (next.value === "a") queue.push("x1");
    if (next.value === "x1") queue.push("x2");
    if (next.value === "x2") gate.resolve();
    next = await merged.next();
  }
  assertEquals(seen, ["a", "x1", "x2", "b"]);
  assertEquals(next.value, "done");
  assertEquals(log, ["main closed"]);
});

Deno.test("withQueued() aborts busy work when the consumer leaves during a queued item, not otherwise", async () => {
  const gate = Promise.withResolvers<void>();
  const queue = new EventQueue<string>();
  const log: string[] = [];
  const merged = withQueued(main(gate.promise, log), queue, () => {
    log.push("busy exit");
    gate.resolve(); // what aborting does: the busy work ends
  });
  for await (const item of merged) {
    if (item === "a") queue.push("x");
    if (item === "x") break;
  }
  assertEquals(log, ["busy exit", "main closed"]);

  const idle: string[] = [];
  const calm = withQueued(main(Promise.resolve(), idle), new EventQueue(), () => idle.push("busy"));
  for await (const item of calm) if (item === "a") break;
  assertEquals(idle, ["main closed"]);
});
