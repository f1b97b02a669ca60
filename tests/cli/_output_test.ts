import { CliStderr } from "../../src/cli/_output.ts";
import { assertEquals } from "../_assert.ts";

Deno.test("CliStderr starts each line of its own on a fresh line and ends it", () => {
  let text = "";
  const err = new CliStderr((t) => (text += t), false);
  err.write("Thought: half a li");
  err.line("error: the stream broke");
  err.line("second line\n");
  err.endLine();
  assertEquals(text, "Thought: half a li\nerror: the stream broke\nsecond line\n");
});

Deno.test("CliStderr accounts for what the Logger writes through it", () => {
  let text = "";
  const err = new CliStderr((t) => (text += t), false);
  const writer = err.writer;
  writer.write("live text");
  err.endLine();
  err.endLine();
  assertEquals(text, "live text\n");
  assertEquals([writer.isTerminal?.(), writer.columns?.()], [false, undefined]);
});
