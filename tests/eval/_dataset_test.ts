import { loadDataset, parseDataset } from "../../src/eval/_dataset.ts";
import { EvalDatasetError } from "../../src/eval/_errors.ts";
import { assert, assertEquals, assertMatch, assertRejects, assertThrows } from "../_assert.ts";
import { tempDir } from "./_helpers.ts";

Deno.test("parseDataset reads one task per line and skips blank and comment lines", () => {
  const dataset = parseDataset(
    [
      '{"id": "a", "question": "2 + 2?", "answer": 4}',
      "",
      "// a comment",
      '{"id": 7, "question": "Capital of Peru?", "answer": "Lima"}',
    ].join("\n"),
  );
  assertEquals(dataset.tasks, [
    { id: "a", question: "2 + 2?", answer: 4, line: 1 },
    { id: "7", question: "Capital of Peru?", answer: "Lima", line: 4 },
  ]);
  assertEquals(dataset.problems, []);
});

Deno.test("parseDataset reports a malformed line with its number and keeps the others", () => {
  const dataset = parseDataset(
    [
      '{"id": "a", "question": "q1", "answer": 1}',
      '{"id": "b", "question": "q2", "answer": 2', // cut short
      '["not", "an", "object"]',
      '{"id": "c", "answer": 3}',
      '{"id": "d", "question": "q4"}',
      '{"id": "e", "question": "q5", "answer": 5}',
    ].join("\n"),
  );
  assertEquals(dataset.tasks.map((t) => t.id), ["a", "e"]);
  assertEquals(dataset.problems.map((p) => p.line), [2, 3, 4, 5]);
  assertMatch(dataset.problems[0].message, /not valid JSON/);
  assertMatch(dataset.problems[1].message, /expected a JSON object/);
  assertMatch(dataset.problems[2].message, /"question" must be a non-empty string/);
  assertMatch(dataset.problems[3].message, /missing "answer"/);
});

Deno.test("parseDataset skips a duplicate id and names the line of the first", () => {
  const dataset = parseDataset(
    '{"id": "a", "question": "q1", "answer": 1}\n{"id": "a", "question": "q2", "answer": 2}\n',
  );
  assertEquals(dataset.tasks.length, 1);
  assertEquals(dataset.problems, [{
    line: 2,
    message: 'duplicate id "a" (first on line 1): ids must be unique, this line is skipped',
  }]);
});

Deno.test("parseDataset throws in strict mode at the first bad line", () => {
  const error = assertThrows(
    () => parseDataset('{"id": "a", "question": "q", "answer": 1}\nnope\n', { strict: true }),
    EvalDatasetError,
  );
  assertMatch(error.message, /^Line 2 of the dataset: not valid JSON/);
  assertEquals(error.problems[0].line, 2);
});

Deno.test("parseDataset throws when no line is a task", () => {
  const error = assertThrows(() => parseDataset("nope\n"), EvalDatasetError);
  assertMatch(error.message, /no valid task: line 1: not valid JSON/);
  assertThrows(() => parseDataset(""), EvalDatasetError, "it is empty");
});

Deno.test("parseDataset reads GAIA and SimpleQA lines (auto-detected or named)", () => {
  const gaia = parseDataset(
    '{"task_id": "g1", "Question": "How many?", "Final answer": "17", "file_name": "", "Level": 1}',
  );
  assertEquals(gaia.tasks[0], { id: "g1", question: "How many?", answer: "17", line: 1 });
  const simple = parseDataset('{"problem": "Who wrote Dune?", "answer": "Frank Herbert"}', {
    format: "simpleqa",
  });
  assertMatch(simple.tasks[0].id, /^q-[0-9a-f]{16}$/);
  assertEquals(simple.tasks[0].question, "Who wrote Dune?");
  // The same question gives the same id, so a rerun resumes.
  assertEquals(
    parseDataset('{"problem": "Who wrote Dune?", "answer": "x"}').tasks[0].id,
    simple.tasks[0].id,
  );
  const custom = parseDataset('{"key": "k", "prompt": "p", "target": 1}', {
    fields: { id: "key", question: "prompt", answer: "target" },
  });
  assertEquals(custom.tasks[0], { id: "k", question: "p", answer: 1, line: 1 });
  assertThrows(
    () => parseDataset("{}", { format: "csv" as "auto" }),
    TypeError,
    'Unknown dataset format "csv"',
  );
});

Deno.test("loadDataset resolves files from the dataset's folder and skips tasks whose file is missing", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/table.csv`, "a,b\n1,2\n");
  await Deno.writeTextFile(
    `${dir.path}/tasks.jsonl`,
    [
      '{"id": "a", "question": "Sum of column b?", "answer": 2, "files": ["table.csv"]}',
      '{"id": "b", "question": "Read it", "answer": 1, "files": "missing.csv"}',
    ].join("\n"),
  );
  const dataset = await loadDataset(`${dir.path}/tasks.jsonl`);
  assertEquals(dataset.name, "tasks");
  assertEquals(dataset.tasks.map((t) => [t.id, t.files]), [["a", [`${dir.path}/table.csv`]]]);
  assertEquals(dataset.problems.length, 1);
  assertEquals(dataset.problems[0].line, 2);
  assertMatch(dataset.problems[0].message, /attached file ".*missing\.csv" does not exist/);
});

Deno.test("loadDataset names a file it cannot read", async () => {
  const error = await assertRejects(() => loadDataset("/no/such/tasks.jsonl"), EvalDatasetError);
  assertMatch(error.message, /^Cannot read the dataset "\/no\/such\/tasks\.jsonl"/);
});

Deno.test("the shipped datasets load cleanly: 30 arithmetic tasks, 20 tool-use tasks", async () => {
  const arithmetic = await loadDataset(
    new URL("../../examples/data/eval/arithmetic.jsonl", import.meta.url).pathname,
  );
  const tools = await loadDataset(
    new URL("../../examples/data/eval/tools.jsonl", import.meta.url).pathname,
  );
  assertEquals([arithmetic.tasks.length, arithmetic.problems.length], [30, 0]);
  assertEquals([tools.tasks.length, tools.problems.length], [20, 0]);
  assert(new Set([...arithmetic.tasks, ...tools.tasks].map((t) => t.id)).size === 50);
});
