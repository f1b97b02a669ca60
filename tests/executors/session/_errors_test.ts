// How a sandbox's end reads as an error: unit tests of exitFailure and
// StderrTail on stderr as Deno 2.9.6 prints it (the real abort is exercised
// in docker_test.ts, under a real PID limit).
import { exitFailure } from "../../../executors/session/_errors.ts";
import { StderrTail } from "../../../executors/session/_raw_output.ts";
import { assert, assertEquals, assertStringIncludes } from "../../_assert.ts";

const runnerUrl = `data:text/javascript;base64,${"QUJD".repeat(20_000)}`;
// What Deno printed when it could not start one of its threads (captured
// from a sandbox under `--pids-limit 32`), with its whole command line.
const threadAbort = [
  "",
  "============================================================",
  "Deno could not start: unable to create worker threads.",
  "",
  "This usually happens when running in a container with a low",
  "PID limit. Try increasing the limit (e.g. --pids-limit=40).",
  "",
  "Platform: linux x86_64",
  "Version: 2.9.6",
  `Args: ["/bin/deno", "run", "--no-prompt", "${runnerUrl}"]`,
  "",
].join("\n");

/** Feeds `text` in chunks of `size`, as a pipe delivers it. */
function tailOf(text: string, size: number): string {
  const tail = new StderrTail();
  for (let i = 0; i < text.length; i += size) tail.add(text.slice(i, i + size));
  return tail.text();
}

Deno.test("StderrTail keeps the lines that say what happened when one line is huge", () => {
  for (const size of [1, 7, 4096, 1 << 20]) {
    const kept = tailOf(threadAbort, size);
    assertStringIncludes(kept, "unable to create worker threads");
    assert(kept.length < 1000, `kept ${kept.length} characters (chunks of ${size})`);
    assertStringIncludes(kept, 'Args: ["/bin/deno"');
    assertStringIncludes(kept, "…");
  }
  assertEquals(tailOf("no newline at the end", 5), "no newline at the end");
  // A flood keeps only the end.
  const flood = tailOf("line\n".repeat(10_000) + "last words\n", 100);
  assert(flood.length <= 4000);
  assert(flood.endsWith("last words\n"));
});

Deno.test("exitFailure names the PID limit when Deno aborts because it cannot start a thread", () => {
  const { kind, message } = exitFailure(
    null,
    "",
    { code: 1, signal: null },
    tailOf(threadAbort, 4096),
  );
  assertEquals(kind, "crashed");
  assertStringIncludes(message, "process/thread limit");
  assertStringIncludes(message, "exit code 1");
  assertStringIncludes(message, "pidsLimit");
});

Deno.test("exitFailure quotes the end of stderr for any other unexpected exit", () => {
  const stderr = tailOf(`warming up\nerror: Uncaught Error: boom\n    at runner.js:1:1\n`, 64);
  const { kind, message } = exitFailure(null, "", { code: 1, signal: null }, stderr);
  assertEquals(kind, "crashed");
  assertStringIncludes(message, "The sandbox exited unexpectedly (exit code 1). It printed:");
  assertStringIncludes(message, "error: Uncaught Error: boom\n    at runner.js:1:1");
  // Nothing printed: nothing quoted.
  assertEquals(
    exitFailure(null, "", { code: null, signal: "SIGKILL" }, "").message,
    "The sandbox exited unexpectedly (signal SIGKILL)",
  );
  // A heap limit is still memory, and the session's own reason still wins.
  assertEquals(
    exitFailure(null, "", { code: 133, signal: null }, "Fatal JavaScript out of memory").kind,
    "memory",
  );
  assertEquals(
    exitFailure("timeout", "Timed out after 5 ms", { code: null, signal: "SIGKILL" }, stderr),
    { kind: "timeout", message: "Timed out after 5 ms", quotesStderr: false },
  );
});

Deno.test("exitFailure gives the launcher's reason in place of the exit status and stderr", () => {
  const reason = "The Docker engine is not answering (Cannot connect to the Docker daemon)";
  const stderr = 'time="…" level=error msg="error waiting for container: unexpected EOF"\n';
  assertEquals(
    exitFailure(null, "", { code: 125, signal: null, reason }, stderr),
    { kind: "crashed", message: reason, quotesStderr: true },
  );
  // A heap limit still reads as memory, whatever the launcher says.
  assertEquals(
    exitFailure(null, "", { code: 133, signal: null, reason }, "").kind,
    "memory",
  );
});
