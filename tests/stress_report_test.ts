// bench/stress.ts reads Deno's test report: its totals and the FAILURES list.
import { parseReport, runningTest } from "../bench/stress.ts";
import { assertEquals } from "./_assert.ts";

Deno.test("stress's parseReport adds up every report line and lists the failed tests", () => {
  const output = [
    "\x1b[0m\x1b[32mok\x1b[0m | 12 passed | 0 failed | 2 ignored \x1b[0m(3s)",
    "",
    " ERRORS ",
    "",
    "slow thing => ./tests/a_test.ts:10:6",
    "error: AssertionError: nope",
    "",
    " FAILURES ",
    "",
    "slow thing => ./tests/a_test.ts:10:6",
    "other (step) => ./tests/b_test.ts:3:1",
    "",
    "FAILED | 30 passed (4 steps) | 2 failed (1m2s)",
  ].join("\n");
  assertEquals(parseReport(output), {
    passed: 42,
    failed: 2,
    ignored: 2,
    failures: [
      "slow thing => ./tests/a_test.ts:10:6",
      "other (step) => ./tests/b_test.ts:3:1",
    ],
  });
  assertEquals(parseReport("ok | 3 passed | 0 failed (1s)"), {
    passed: 3,
    failed: 0,
    ignored: 0,
    failures: [],
  });
});

Deno.test("stress's runningTest names the test a hung run was in, and none when the last one ended", () => {
  assertEquals(
    runningTest("a ... \x1b[32mok\x1b[0m (1ms)\nbig one ...\n"),
    "big one",
  );
  assertEquals(runningTest("a ... ok (1ms)\nb ... FAILED (2ms)\n"), undefined);
  assertEquals(runningTest("running 3 tests from ./x_test.ts\n"), undefined);
});

Deno.test("stress's parseReport lists the tests Deno says were pending when it was stopped", () => {
  const report = parseReport(
    "x ...\nSIGINT The following tests were pending:\n\nx => ./tests/a_test.ts:3:6\n",
  );
  assertEquals(report.failures, ["pending when stopped: x => ./tests/a_test.ts:3:6"]);
});
