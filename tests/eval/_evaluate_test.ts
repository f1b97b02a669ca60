import { CodeAgent } from "../../src/agents/code_agent.ts";
import type { EvalTask } from "../../src/eval/_dataset.ts";
import { EvalResultsError } from "../../src/eval/_errors.ts";
import { evaluate, parseShard } from "../../src/eval/_evaluate.ts";
import { type EvalResult, mergeResults, readResults } from "../../src/eval/_results.ts";
import { summarize } from "../../src/eval/_summary.ts";
import { localEvalTools } from "../../src/eval/_local_tools.ts";
import { LogLevel } from "../../src/logger.ts";
import type { ChatMessage } from "../../src/models/model.ts";
import { ScriptedModel } from "../../src/testing.ts";
import { childrenOf } from "../_processes.ts";
import { assert, assertEquals, assertMatch, assertRejects, assertThrows } from "../_assert.ts";
import { answerCall, idsInFile, tempDir, toolAgent, toolCall } from "./_helpers.ts";

const tasks = (n: number): EvalTask[] =>
  Array.from(
    { length: n },
    (_, i) => ({
      id: `t${i + 1}`,
      question: `What is ${i + 1} squared?`,
      answer: (i + 1) ** 2,
      line: i + 1,
    }),
  );

// A scripted agent that answers n squared, except where told otherwise.
const squarer = (wrong: string[] = []) => (task: EvalTask) => {
  const n = Number(task.id.slice(1));
  return toolAgent([answerCall(wrong.includes(task.id) ? n : n * n)]);
};

Deno.test("evaluate() scores each task with a fresh agent and summarizes (scripted ToolCallingAgent)", async () => {
  const made: string[] = [];
  const report = await evaluate({
    dataset: tasks(4),
    scorers: ["numeric", "exact"],
    agent: (task) => (made.push(task.id), squarer(["t3"])(task)),
  });
  assertEquals(made.sort(), ["t1", "t2", "t3", "t4"]);
  assertEquals(report.results.map((r) => [r.id, r.output, r.passed]), [
    ["t1", 1, true],
    ["t2", 4, true],
    ["t3", 3, false],
    ["t4", 16, true],
  ]);
  assertEquals(report.summary.accuracy, 0.75);
  assertEquals(report.summary.scorers, { numeric: 0.75, exact: 0.75 });
  assertEquals(report.summary.failures, { wrong_answer: 1 });
  const t3 = report.results[2];
  assertEquals(t3.failure?.kind, "wrong_answer");
  assertEquals(t3.steps, 1);
  assert(t3.tokenUsage.inputTokens > 0 && t3.tokenUsage.outputTokens > 0);
  assertEquals(t3.trace[0].toolCalls, [{ name: "final_answer", arguments: { answer: 3 } }]);
});

Deno.test("evaluate() runs up to `concurrency` tasks at once (scripted models wait for each other)", async () => {
  // Each model holds its reply until three calls are waiting: this only ends
  // if three tasks run at the same time.
  const waiting: (() => void)[] = [];
  let peak = 0;
  let running = 0;
  const gate = () => {
    running++;
    peak = Math.max(peak, running);
    return new Promise<void>((resolve) => {
      waiting.push(resolve);
      if (waiting.length === 3) waiting.splice(0).forEach((r) => r());
    }).finally(() => running--);
  };
  const report = await evaluate({
    dataset: tasks(6),
    concurrency: 3,
    agent: (task) => {
      const n = Number(task.id.slice(1));
      return toolAgent([async () => (await gate(), answerCall(n * n))]);
    },
  });
  assertEquals(peak, 3);
  assertEquals(report.summary.passed, 6);
});

Deno.test("evaluate() streams each result to the file as soon as it finishes", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/results.jsonl`;
  const linesAtEachResult: number[] = [];
  await evaluate({
    dataset: tasks(3),
    concurrency: 1,
    resultsPath: path,
    agent: squarer(),
    onResult: () =>
      linesAtEachResult.push(Deno.readTextFileSync(path).split("\n").filter(Boolean).length),
  });
  assertEquals(linesAtEachResult, [1, 2, 3]);
  assertEquals(await idsInFile(path), ["t1", "t2", "t3"]);
});

Deno.test("evaluate() aborted midway, then rerun, has every id in the file exactly once", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/results.jsonl`;
  const controller = new AbortController();
  const firstRun: string[] = [];
  await assertRejects(
    () =>
      evaluate({
        dataset: tasks(8),
        concurrency: 2,
        resultsPath: path,
        signal: controller.signal,
        agent: (task) => (firstRun.push(task.id), squarer()(task)),
        onResult: (r) => r.id === "t3" && controller.abort(new Error("Ctrl-C")),
      }),
    Error,
    "Ctrl-C",
  );
  const kept = await idsInFile(path);
  assert(kept.length >= 1 && kept.length < 8, `kept ${kept.length}`);

  const secondRun: string[] = [];
  const report = await evaluate({
    dataset: tasks(8),
    concurrency: 2,
    resultsPath: path,
    agent: (task) => (secondRun.push(task.id), squarer()(task)),
  });
  assertEquals(report.resumed, kept.length);
  // Nothing finished is run again.
  assertEquals(secondRun.filter((id) => kept.includes(id)), []);
  const ids = await idsInFile(path);
  assertEquals(ids.length, 8);
  assertEquals([...ids].sort(), tasks(8).map((t) => t.id).sort());
  assertEquals(report.results.map((r) => r.id), tasks(8).map((t) => t.id));
  assertEquals(report.summary.passed, 8);
});

Deno.test("evaluate() resumes after a crash cut the last line short", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/results.jsonl`;
  await evaluate({ dataset: tasks(2), resultsPath: path, agent: squarer() });
  await Deno.writeTextFile(path, '{"id": "t3", "questi', { append: true });
  const report = await evaluate({ dataset: tasks(4), resultsPath: path, agent: squarer() });
  assertEquals(report.resumed, 2);
  const file = await readResults(path);
  assertEquals(file.results.map((r) => r.id).sort(), ["t1", "t2", "t3", "t4"]);
  assert(file.complete);
});

Deno.test("evaluate() refuses a results file of another dataset", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/results.jsonl`;
  await evaluate({ dataset: tasks(2), resultsPath: path, agent: squarer() });
  const other = tasks(2).map((t) => ({ ...t, question: `Other: ${t.question}` }));
  const error = await assertRejects(
    () => evaluate({ dataset: other, resultsPath: path, agent: squarer() }),
    EvalResultsError,
  );
  assertMatch(
    error.message,
    /holds results of another dataset: task "t1" was asked another question/,
  );
  const unrelated = [{ id: "x1", question: "q", answer: 1, line: 1 }];
  await assertRejects(
    () => evaluate({ dataset: unrelated, resultsPath: path, agent: squarer() }),
    EvalResultsError,
    "none of this dataset's ids",
  );
  await Deno.writeTextFile(`${dir.path}/notes.jsonl`, '{"hello": "world"}\n');
  await assertRejects(
    () => evaluate({ dataset: tasks(1), resultsPath: `${dir.path}/notes.jsonl`, agent: squarer() }),
    EvalResultsError,
    "is not a result",
  );
});

Deno.test("evaluate() records a scorer that throws as scorer_error and still runs the other scorers", async () => {
  const report = await evaluate({
    dataset: tasks(2),
    scorers: [
      {
        name: "picky",
        score: ({ task }) => {
          if (task.id === "t2") throw new Error("cannot parse");
          return true;
        },
      },
      "numeric",
    ],
    agent: squarer(),
  });
  const [t1, t2] = report.results;
  assertEquals(t1.passed, true);
  assertEquals(t2.passed, false);
  assertEquals(t2.failure?.kind, "scorer_error");
  assertEquals(t2.scores.picky, { score: 0, error: 'Scorer "picky" failed: cannot parse' });
  assertEquals(t2.scores.numeric, { score: 1 });
});

Deno.test("evaluate() classifies failures: model error, agent error, step limit", async () => {
  const report = await evaluate({
    dataset: tasks(3),
    agent: (task) => {
      if (task.id === "t1") return toolAgent([]); // the script is empty: the model fails
      if (task.id === "t2") throw new Error("no such model");
      const loop = toolCall("inventory_lookup", { item: "apple" });
      const agent = toolAgent([loop, loop, "I think the answer is 9."], localEvalTools());
      return agent;
    },
    maxSteps: 2,
  });
  assertEquals(report.results.map((r) => [r.state, r.failure?.kind]), [
    ["error", "model_error"],
    ["error", "agent_error"],
    ["max_steps_error", undefined], // its fallback answer is right
  ]);
  assertEquals(report.results[1].failure?.message, "no such model");
  assertEquals(report.results[2].output, "I think the answer is 9.");
  assertEquals(report.summary.failures, { model_error: 1, agent_error: 1 });
});

Deno.test("evaluate() aborts a task past its timeout and goes on with the others (scripted model that never answers)", async () => {
  let aborted = false;
  const report = await evaluate({
    dataset: tasks(3),
    timeoutMs: 300,
    agent: (task) =>
      task.id !== "t2"
        ? squarer()(task)
        : toolAgent([(_m, { signal }) =>
          new Promise<ChatMessage>((_, reject) =>
            signal?.addEventListener("abort", () => (aborted = true, reject(signal.reason)))
          )]),
  });
  assertEquals(report.results.map((r) => r.state), ["success", "timeout", "success"]);
  assertEquals(report.results[1].failure?.kind, "timeout");
  assert(aborted, "the model call was aborted");
});

Deno.test("evaluate() moves on at the deadline even when the agent ignores its signal", async () => {
  const report = await evaluate({
    dataset: tasks(1),
    timeoutMs: 200,
    agent: () => toolAgent([() => new Promise<ChatMessage>(() => {})]),
  });
  assertEquals(report.results[0].failure?.kind, "timeout");
});

Deno.test("evaluate() shards merge into the same results as one run", async () => {
  await using dir = await tempDir();
  const all = await evaluate({ dataset: tasks(7), agent: squarer(["t5"]) });
  const paths = [1, 2, 3].map((i) => `${dir.path}/shard-${i}.jsonl`);
  for (const [i, path] of paths.entries()) {
    const report = await evaluate({
      dataset: tasks(7),
      shard: `${i + 1}/3`,
      resultsPath: path,
      agent: squarer(["t5"]),
    });
    assert(report.results.every((r) => r.shard === `${i + 1}/3`));
  }
  const shardIds = await Promise.all(paths.map(idsInFile));
  assertEquals(shardIds.map((ids) => ids.length), [3, 2, 2]);
  const merged = await mergeResults(paths);
  assertEquals(merged.map((r) => r.id).sort(), all.results.map((r) => r.id).sort());
  const strip = (s: ReturnType<typeof summarize>) => ({ ...s, durationMs: undefined });
  assertEquals(strip(summarize(merged)), strip(all.summary));
  assertEquals(parseShard("2/4"), { index: 2, count: 4 });
  assertThrows(() => parseShard("0/4"), RangeError, 'Bad shard "0/4"');
  assertThrows(() => parseShard("5/4"), RangeError);
});

Deno.test("evaluate() prices tokens and reports progress with accuracy, tokens, cost and ETA", async () => {
  const seen: { done: number; accuracy: number; cost?: number; eta?: number }[] = [];
  const report = await evaluate({
    dataset: tasks(2),
    concurrency: 1,
    prices: { "priced-model": { inputPerMillion: 1_000_000, outputPerMillion: 0 } },
    agent: (task) => toolAgent([answerCall(task.id === "t1" ? 1 : 5)], [], "priced-model"),
    onProgress: (p) =>
      seen.push({ done: p.done, accuracy: p.accuracy, cost: p.costUsd, eta: p.etaMs }),
  });
  const [t1, t2] = report.results;
  assertEquals(t1.costUsd, t1.tokenUsage.inputTokens);
  assertEquals(report.summary.costUsd, t1.tokenUsage.inputTokens + t2.tokenUsage.inputTokens);
  assertEquals(seen.map((p) => [p.done, p.accuracy]), [[0, NaN], [1, 1], [2, 0.5]]);
  assertEquals(seen[1].cost, t1.costUsd);
  assert(seen[1].eta !== undefined && seen[2].eta === 0);
});

Deno.test("evaluate() rejects bad options before running anything", async () => {
  const agent = squarer();
  await assertRejects(
    () => evaluate({ dataset: tasks(1), agent, concurrency: 0 }),
    RangeError,
    "concurrency",
  );
  await assertRejects(
    () => evaluate({ dataset: tasks(1), agent: "CodeAgent" as never }),
    TypeError,
    "agent must be a function",
  );
  await assertRejects(
    () => evaluate({ dataset: tasks(1), agent, scorers: ["exact", "exact"] }),
    TypeError,
    'two scorers are named "exact"',
  );
  await assertRejects(
    () => evaluate({ dataset: tasks(1), agent, shard: { index: 3, count: 2 } }),
    RangeError,
    "shard",
  );
});

Deno.test("evaluate() runs real CodeAgents in their own sandboxes, files readable, and leaves no process", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/prices.csv`, "item,price\npen,1.35\nbook,2.80\n");
  const dataset: EvalTask[] = [
    {
      id: "primes",
      question: "What is the sum of all prime numbers below 100?",
      answer: 1060,
      line: 1,
    },
    {
      id: "csv",
      question: "What does the attached file say a book costs?",
      answer: 2.8,
      line: 2,
      files: [`${dir.path}/prices.csv`],
    },
  ];
  const replies: Record<string, string> = {
    primes:
      "Thought: I will sieve the primes below 100 and add them.\n<code>\nconst isPrime = (n: number) => { for (let d = 2; d * d <= n; d++) if (n % d === 0) return false; return n > 1; };\nlet total = 0;\nfor (let n = 2; n < 100; n++) if (isPrime(n)) total += n;\nfinal_answer(total);\n</code>",
    csv:
      'Thought: The path is in `files`; I will read the CSV and find the book row.\n<code>\nconst text = await Deno.readTextFile(files[0]);\nconst row = text.trim().split("\\n").find((line) => line.startsWith("book,"));\nfinal_answer(Number(row!.split(",")[1]));\n</code>',
  };
  const report = await evaluate({
    dataset,
    concurrency: 2,
    agent: (task) =>
      new CodeAgent({
        model: new ScriptedModel({ replies: [replies[task.id]] }),
        permissions: { read: task.files ?? [] },
        logLevel: LogLevel.OFF,
      }),
  });
  assertEquals(report.results.map((r: EvalResult) => [r.id, r.output, r.passed]), [[
    "primes",
    1060,
    true,
  ], ["csv", 2.8, true]]);
  assertMatch(report.results[0].trace[0].code ?? "", /isPrime/);
  assertEquals(childrenOf(Deno.pid), []);
});

Deno.test("evaluate() times out a real CodeAgent stuck in its code and kills its sandbox", async () => {
  const report = await evaluate({
    dataset: tasks(1),
    timeoutMs: 1500,
    agent: () =>
      new CodeAgent({
        model: new ScriptedModel({
          replies: [
            "Thought: wait for it.\n<code>\nawait new Promise((r) => setTimeout(r, 60_000));\n</code>",
          ],
        }),
        logLevel: LogLevel.OFF,
      }),
  });
  assertEquals(report.results[0].failure?.kind, "timeout");
  assertEquals(childrenOf(Deno.pid), []);
});

Deno.test("evaluate() with `retry` runs failed tasks of those kinds again, and the last result counts", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/results.jsonl`;
  const outage = (task: EvalTask) => task.id === "t2" ? toolAgent([]) : squarer()(task); // t2: the model fails
  const first = await evaluate({ dataset: tasks(3), resultsPath: path, agent: outage });
  assertEquals(first.results[1].failure?.kind, "model_error");
  const ran: string[] = [];
  const again = await evaluate({
    dataset: tasks(3),
    resultsPath: path,
    agent: (task) => (ran.push(task.id), squarer()(task)),
  });
  assertEquals([ran, again.summary.passed], [[], 2]); // finished is finished
  const retried = await evaluate({
    dataset: tasks(3),
    resultsPath: path,
    retry: ["model_error", "timeout"],
    agent: (task) => (ran.push(task.id), squarer()(task)),
  });
  assertEquals(ran, ["t2"]);
  assertEquals(retried.summary.passed, 3);
  assertEquals((await readResults(path)).results.map((r) => [r.id, r.passed]).sort(), [
    ["t1", true],
    ["t2", true],
    ["t3", true],
  ]);
});

Deno.test("evaluate() refuses a task list with a repeated id", async () => {
  await assertRejects(
    () => evaluate({ dataset: [...tasks(2), tasks(1)[0]], agent: squarer() }),
    TypeError,
    'two tasks have the id "t1"',
  );
});
