import type { EvalProgress } from "../../src/eval/_evaluate.ts";
import { progressReporter } from "../../src/eval/_progress.ts";
import type { EvalResult } from "../../src/eval/_results.ts";
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";

const at = (done: number, last?: Partial<EvalResult>): EvalProgress => ({
  total: 4,
  done,
  resumed: 0,
  running: 1,
  passed: done,
  accuracy: done ? 0.75 : NaN,
  tokenUsage: { inputTokens: 1200 * done, outputTokens: 300 * done },
  costUsd: 0.01 * done,
  elapsedMs: 2000 * done,
  etaMs: done ? 2000 * (4 - done) : undefined,
  last: last as EvalResult | undefined,
});

Deno.test("progressReporter() writes one plain line per finished task when not on a terminal", () => {
  let text = "";
  const progress = progressReporter({ write: (t) => (text += t) });
  progress.update(at(0));
  progress.update(at(1, { id: "t1", passed: true, durationMs: 1500 }));
  progress.update(
    at(2, {
      id: "t2",
      passed: false,
      failure: { kind: "timeout", name: "", message: "" },
      durationMs: 600_000,
    }),
  );
  progress.end();
  const lines = text.split("\n").filter(Boolean);
  assertEquals(lines.length, 3);
  assertEquals(
    lines[1],
    "[1/4] t1: pass in 1.5 s; 1/4 · accuracy 75.0% · 1.5k tokens · $0.0100 · elapsed 2.0 s · ETA 6.0 s",
  );
  assertStringIncludes(lines[2], "t2: timeout in 10m00s");
  assert(!text.includes("\r"));
});

Deno.test("progressReporter() redraws one bar on a terminal and ends its line", () => {
  let text = "";
  const progress = progressReporter({ write: (t) => (text += t), terminal: true, barWidth: 8 });
  progress.update(at(2, { id: "t2", passed: true, durationMs: 1 }));
  assertEquals(
    text,
    "\r\x1b[2K████░░░░ 2/4 · accuracy 75.0% · 3.0k tokens · $0.0200 · elapsed 4.0 s · ETA 4.0 s",
  );
  progress.end();
  assert(text.endsWith("\n"));
});
