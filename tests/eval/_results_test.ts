import { EvalResultsError } from "../../src/eval/_errors.ts";
import {
  type EvalResult,
  mergeResults,
  readResults,
  ResultsWriter,
} from "../../src/eval/_results.ts";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { tempDir } from "./_helpers.ts";

const result = (id: string, questionHash = id): EvalResult => ({
  id,
  question: `q ${id}`,
  questionHash,
  dataset: "d",
  expected: 1,
  output: 1,
  score: 1,
  passed: true,
  scores: {},
  state: "success",
  steps: 1,
  tokenUsage: { inputTokens: 1, outputTokens: 1 },
  durationMs: 1,
  startedAt: "2026-01-01T00:00:00.000Z",
  stepErrors: {},
  trace: [],
});

Deno.test("readResults() of a missing file is empty", async () => {
  assertEquals(await readResults("/no/such/results.jsonl"), {
    results: [],
    complete: true,
    completeBytes: 0,
  });
});

Deno.test("ResultsWriter appends one line per result and keeps answers JSON cannot hold readable", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/r.jsonl`;
  {
    await using writer = await ResultsWriter.open(path);
    await Promise.all([
      writer.append({ ...result("a"), output: 12345678901234567890n }),
      writer.append({ ...result("b"), output: new Map([["k", new Set([1, 2])]]) }),
    ]);
  }
  const lines = (await Deno.readTextFile(path)).split("\n");
  assertEquals(lines.length, 3);
  assertEquals(JSON.parse(lines[0]).output, "12345678901234567890");
  assertEquals(JSON.parse(lines[1]).output, { k: [1, 2] });
  const file = await readResults(path);
  assert(file.complete);
  assertEquals(file.completeBytes, new TextEncoder().encode(lines.join("\n")).length);
});

Deno.test("mergeResults() keeps each id once and refuses files of different datasets", async () => {
  await using dir = await tempDir();
  const write = (name: string, rs: EvalResult[]) =>
    Deno.writeTextFile(`${dir.path}/${name}`, rs.map((r) => JSON.stringify(r) + "\n").join(""));
  await write("1.jsonl", [result("a"), result("b")]);
  await write("2.jsonl", [result("b"), result("c")]);
  await write("other.jsonl", [result("a", "another question")]);
  const merged = await mergeResults([`${dir.path}/1.jsonl`, `${dir.path}/2.jsonl`]);
  assertEquals(merged.map((r) => r.id), ["a", "b", "c"]);
  await assertRejects(
    () => mergeResults([`${dir.path}/1.jsonl`, `${dir.path}/other.jsonl`]),
    EvalResultsError,
    'task "a" has different questions',
  );
});
