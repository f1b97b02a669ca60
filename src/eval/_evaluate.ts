// Runs a dataset's tasks through fresh agents, several at a time, scores
// each answer and appends each result to the results file as it finishes.
import type { ModelPrice, RunBudget, RunResult } from "../agents/_run.ts";
import type { MultiStepAgent } from "../agents/multi_step_agent.ts";
import { AgentGenerationError } from "../errors.ts";
import type { MemoryStep } from "../memory.ts";
import type { TokenUsage } from "../models/model.ts";
import { type Dataset, type EvalTask, loadDataset } from "./_dataset.ts";
import type { DatasetProblem } from "./_errors.ts";
import {
  checkResultsMatch,
  type EvalResult,
  type FailureKind,
  questionHash,
  readResults,
  ResultsWriter,
  type ScoreRecord,
  type TraceStep,
} from "./_results.ts";
import { auto, type ScoreFunction, type Scorer, toDetail, toScorer } from "./_scorers.ts";
import { type EvalSummary, summarize } from "./_summary.ts";

/** What an agent factory is given besides the task. */
export interface AgentFactoryContext {
  /** Fires when the task times out or the evaluation is stopped. */
  signal: AbortSignal;
}

/**
 * Makes the agent for one task. It is called once per task, so each task has
 * its own agent, memory and sandbox; the harness closes the agent when the
 * task ends. A task's `files` are also given to the run as the variable
 * `files` (the factory grants the sandbox read access to them if the agent
 * should open them).
 */
export type AgentFactory = (
  task: EvalTask,
  context: AgentFactoryContext,
) => MultiStepAgent | Promise<MultiStepAgent>;

/** Which slice of the dataset this process runs: shard `index` (1-based) of `count`. */
export interface Shard {
  /** 1-based shard number. */
  index: number;
  /** How many shards the dataset is split into. */
  count: number;
}

/** How far an evaluation is. */
export interface EvalProgress {
  /** Tasks of this run (after sharding and `limit`). */
  total: number;
  /** Tasks finished, resumed ones included. */
  done: number;
  /** Tasks found finished in the results file and not run again. */
  resumed: number;
  /** Tasks running now. */
  running: number;
  /** Finished tasks that passed. */
  passed: number;
  /** Mean first-scorer score of the finished tasks (0 to 1), or NaN before the first. */
  accuracy: number;
  /** Tokens used by the finished tasks. */
  tokenUsage: TokenUsage;
  /** Cost of the finished tasks, when prices are known. */
  costUsd?: number;
  /** Milliseconds since the evaluation started. */
  elapsedMs: number;
  /** Estimated milliseconds left, once a task has finished in this run. */
  etaMs?: number;
  /** The result that just finished, if any. */
  last?: EvalResult;
}

/** Options of {@linkcode evaluate}. */
export interface EvaluateOptions {
  /** The tasks: a dataset, a list of tasks, or the path of a JSONL file (see `loadDataset`). */
  dataset: Dataset | readonly EvalTask[] | string;
  /** Makes the agent of each task. */
  agent: AgentFactory;
  /**
   * How answers are scored: one scorer or several (the first gives the
   * accuracy), as scorers, functions or names (`"auto"`, `"exact"`,
   * `"numeric:0.01"`, `"contains"`, `"includesAll"`). Defaults to `auto()`.
   */
  scorers?: Scorer | ScoreFunction | string | readonly (Scorer | ScoreFunction | string)[];
  /** The results file (JSONL). Finished tasks found in it are skipped: a rerun resumes. */
  resultsPath?: string;
  /** Tasks run at once. Defaults to 4. */
  concurrency?: number;
  /** Per-task time limit in ms, agent creation to answer; the agent is then aborted. Defaults to 600 000. */
  timeoutMs?: number;
  /** Step limit of each run, over the agent's. */
  maxSteps?: number;
  /** Budget of each run (see `RunBudget`). */
  budget?: RunBudget;
  /** Prices by model id, to report the cost. Defaults to `budget.prices`. */
  prices?: Readonly<Record<string, ModelPrice>>;
  /** Run only this shard of the tasks: `{ index: 2, count: 4 }` or `"2/4"`. */
  shard?: Shard | string;
  /** Run at most this many tasks (after sharding). */
  limit?: number;
  /**
   * Failure kinds to run again on a rerun instead of skipping, e.g.
   * `["timeout", "model_error"]` after a provider outage. The new result is
   * appended; the file's last result for an id is the one that counts.
   */
  retry?: readonly FailureKind[];
  /** Keep each task's steps in its result (default true). */
  recordTrace?: boolean;
  /** Stops the evaluation: running tasks are aborted (and not recorded), and `evaluate` rejects with the reason. */
  signal?: AbortSignal;
  /** Called at the start and after each task. */
  onProgress?: (progress: EvalProgress) => void;
  /** Called with each result as it is written. */
  onResult?: (result: EvalResult) => void;
}

/** What {@linkcode evaluate} gives back. */
export interface EvalReport {
  /** The results of this run's tasks, resumed ones included, in dataset order. */
  results: EvalResult[];
  /** Accuracy, per-scorer means, tokens, time, failures by kind. */
  summary: EvalSummary;
  /** Dataset lines left out, with why. */
  problems: DatasetProblem[];
  /** How many results came from the results file and were not run again. */
  resumed: number;
  /** Wall time of this run in ms. */
  wallMs: number;
}

const TEXT_LIMIT = 20_000;

/**
 * Evaluates an agent on a dataset: each task gets a fresh agent from the
 * factory, runs with a time limit, and its answer is scored; results are
 * appended to `resultsPath` as they finish, and a rerun skips the ids found
 * there, so an interrupted evaluation resumes where it stopped.
 *
 * @example Two tasks, a scripted tool-calling agent
 * ```ts
 * import { evaluate } from "@smoldeno/agents/eval";
 * import { LogLevel, ToolCallingAgent } from "@smoldeno/agents";
 * import { ScriptedModel } from "@smoldeno/agents/testing";
 *
 * const report = await evaluate({
 *   dataset: [
 *     { id: "a", question: "2 + 2?", answer: 4, line: 1 },
 *     { id: "b", question: "3 * 3?", answer: 9, line: 2 },
 *   ],
 *   scorers: "numeric",
 *   agent: (task) =>
 *     new ToolCallingAgent({
 *       logLevel: LogLevel.OFF,
 *       model: new ScriptedModel({
 *         replies: [{
 *           role: "assistant",
 *           content: null,
 *           toolCalls: [{ id: "1", name: "final_answer", arguments: { answer: task.id === "a" ? 4 : 10 } }],
 *         }],
 *       }),
 *     }),
 * });
 * console.log(report.summary.accuracy); // 0.5
 * ```
 */
export async function evaluate(options: EvaluateOptions): Promise<EvalReport> {
  const settings = checkOptions(options);
  const dataset = typeof options.dataset === "string"
    ? await loadDataset(options.dataset)
    : Array.isArray(options.dataset)
    ? { name: "dataset", tasks: [...options.dataset] as EvalTask[], problems: [] }
    : options.dataset as Dataset;
  const ids = new Set<string>();
  for (const task of dataset.tasks) {
    if (typeof task?.id !== "string" || typeof task.question !== "string") {
      throw new TypeError(
        `evaluate(): each task needs a string id and question, got ${
          JSON.stringify(task)?.slice(0, 80)
        }`,
      );
    }
    if (ids.has(task.id)) {
      throw new TypeError(`evaluate(): two tasks have the id "${task.id}": ids must be unique`);
    }
    ids.add(task.id);
  }
  let tasks = dataset.tasks;
  if (settings.shard) {
    const { index, count } = settings.shard;
    tasks = tasks.filter((_, i) => i % count === index - 1);
  }
  if (options.limit !== undefined) tasks = tasks.slice(0, options.limit);

  const previous = new Map<string, EvalResult>();
  let writer: ResultsWriter | undefined;
  if (options.resultsPath !== undefined) {
    const file = await readResults(options.resultsPath);
    checkResultsMatch(file.results, dataset.tasks, options.resultsPath);
    const retry = new Set(options.retry ?? []);
    for (const result of file.results) {
      if (!(result.failure && retry.has(result.failure.kind))) previous.set(result.id, result);
    }
    writer = await ResultsWriter.open(
      options.resultsPath,
      file.complete ? undefined : file.completeBytes,
    );
  }
  const wanted = new Set(tasks.map((t) => t.id));
  const resumed = [...previous.values()].filter((r) => wanted.has(r.id));
  const todo = tasks.filter((t) => !previous.has(t.id));

  const started = performance.now();
  const finished: EvalResult[] = [...resumed];
  let running = 0;
  let doneThisRun = 0;
  // Running totals, so progress costs the same at the 10 000th task as at the first.
  const totals = { score: 0, passed: 0, inputTokens: 0, outputTokens: 0, cost: 0, priced: 0 };
  const count = (r: EvalResult) => {
    totals.score += r.score;
    totals.passed += r.passed ? 1 : 0;
    totals.inputTokens += r.tokenUsage.inputTokens;
    totals.outputTokens += r.tokenUsage.outputTokens;
    if (r.costUsd !== undefined) (totals.cost += r.costUsd, totals.priced++);
  };
  resumed.forEach(count);
  const progress = (last?: EvalResult): void => {
    if (!options.onProgress) return;
    const elapsedMs = performance.now() - started;
    const done = finished.length;
    options.onProgress({
      total: tasks.length,
      done,
      resumed: resumed.length,
      running,
      passed: totals.passed,
      accuracy: done ? totals.score / done : NaN,
      tokenUsage: { inputTokens: totals.inputTokens, outputTokens: totals.outputTokens },
      costUsd: totals.priced ? totals.cost : undefined,
      elapsedMs,
      etaMs: doneThisRun > 0 ? (elapsedMs / doneThisRun) * (tasks.length - done) : undefined,
      last,
    });
  };

  const signal = options.signal;
  try {
    progress();
    let next = 0;
    const worker = async () => {
      try {
        await work();
      } catch (error) {
        next = todo.length; // the other workers finish their task and stop
        throw error;
      }
    };
    const work = async () => {
      while (next < todo.length) {
        signal?.throwIfAborted();
        const task = todo[next++];
        running++;
        let result: EvalResult | undefined;
        try {
          result = await runTask(task, dataset.name, settings, options);
        } finally {
          running--;
        }
        signal?.throwIfAborted();
        await writer?.append(result);
        finished.push(result);
        count(result);
        doneThisRun++;
        options.onResult?.(result);
        progress(result);
      }
    };
    const workers = Array.from({ length: Math.min(settings.concurrency, todo.length) }, worker);
    const outcomes = await Promise.allSettled(workers);
    signal?.throwIfAborted();
    const failed = outcomes.find((o) => o.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
  } finally {
    await writer?.close();
  }
  const order = new Map(tasks.map((t, i) => [t.id, i]));
  finished.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  return {
    results: finished,
    summary: summarize(finished),
    problems: dataset.problems,
    resumed: resumed.length,
    wallMs: performance.now() - started,
  };
}

interface Settings {
  scorers: Scorer[];
  concurrency: number;
  timeoutMs: number;
  shard?: Shard;
  prices?: Readonly<Record<string, ModelPrice>>;
  shardLabel?: string;
}

function checkOptions(options: EvaluateOptions): Settings {
  if (options === null || typeof options !== "object") {
    throw new TypeError("evaluate() needs an options object: { dataset, agent, scorers? }");
  }
  if (typeof options.agent !== "function") {
    throw new TypeError(
      "evaluate(): agent must be a function that makes a fresh agent for each task, e.g. (task) => new CodeAgent({ model })",
    );
  }
  if (options.dataset === undefined || options.dataset === null) {
    throw new TypeError(
      "evaluate(): dataset is required: a Dataset, a list of tasks, or a JSONL path",
    );
  }
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`evaluate(): concurrency must be an integer >= 1, got ${concurrency}`);
  }
  const timeoutMs = options.timeoutMs ?? 600_000;
  if (!(timeoutMs > 0)) throw new RangeError(`evaluate(): timeoutMs must be > 0, got ${timeoutMs}`);
  if (options.limit !== undefined && (!Number.isInteger(options.limit) || options.limit < 0)) {
    throw new RangeError(`evaluate(): limit must be an integer >= 0, got ${options.limit}`);
  }
  const list = options.scorers === undefined
    ? [auto()]
    : (Array.isArray(options.scorers) ? options.scorers : [options.scorers]).map(toScorer);
  if (list.length === 0) throw new TypeError("evaluate(): scorers is empty: give at least one");
  const names = new Set<string>();
  for (const s of list) {
    if (names.has(s.name)) {
      throw new TypeError(
        `evaluate(): two scorers are named "${s.name}": give each a distinct name`,
      );
    }
    names.add(s.name);
  }
  const shard = typeof options.shard === "string" ? parseShard(options.shard) : options.shard;
  if (
    shard &&
    (!Number.isInteger(shard.count) || shard.count < 1 || !Number.isInteger(shard.index) ||
      shard.index < 1 || shard.index > shard.count)
  ) {
    throw new RangeError(
      `evaluate(): shard must be 1-based, index 1 to count, got ${shard.index}/${shard.count}`,
    );
  }
  return {
    scorers: list,
    concurrency,
    timeoutMs,
    shard,
    shardLabel: shard ? `${shard.index}/${shard.count}` : undefined,
    prices: options.prices ?? options.budget?.prices,
  };
}

/**
 * Parses `"i/n"` (1-based shard `i` of `n`).
 *
 * @throws {RangeError} when it is not `i/n` with 1 ≤ i ≤ n.
 */
export function parseShard(text: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count) {
    throw new RangeError(`Bad shard "${text}": write i/n with 1 <= i <= n, e.g. 2/4`);
  }
  return { index, count };
}

async function runTask(
  task: EvalTask,
  datasetName: string,
  settings: Settings,
  options: EvaluateOptions,
): Promise<EvalResult> {
  const startedAt = new Date();
  const t0 = performance.now();
  const timeout = new AbortController();
  const timer = setTimeout(
    () =>
      timeout.abort(
        new DOMException(`The task took longer than ${settings.timeoutMs} ms`, "TimeoutError"),
      ),
    settings.timeoutMs,
  );
  const signal = options.signal
    ? AbortSignal.any([options.signal, timeout.signal])
    : timeout.signal;
  let agent: MultiStepAgent | undefined;
  let run: RunResult | undefined;
  let thrown: unknown;
  try {
    const made = Promise.resolve(options.agent(task, { signal }));
    // An agent made after the deadline is closed as soon as it exists.
    made.then((late) => {
      if (signal.aborted && !agent) late?.close?.().catch(() => {});
    }, () => {});
    agent = await untilAborted(made, signal);
    if (typeof agent?.run !== "function") {
      throw new TypeError(
        `The agent factory returned ${typeof agent} for task "${task.id}": expected an agent`,
      );
    }
    const additionalArgs = task.files ? { files: task.files } : undefined;
    // An agent that ignored its signal must not hold the evaluation: the race
    // moves on at the deadline, and close() below ends its sandbox.
    run = await untilAborted(
      agent.run(task.question, {
        returnFullResult: true,
        signal,
        maxSteps: options.maxSteps,
        budget: options.budget,
        additionalArgs,
      }) as Promise<RunResult>,
      signal,
    );
  } catch (error) {
    thrown = error;
  } finally {
    clearTimeout(timer);
    await agent?.close().catch(() => {});
  }
  if (options.signal?.aborted) throw options.signal.reason;

  const steps: MemoryStep[] = run?.steps ?? agent?.memory?.steps ?? [];
  const tokenUsage = run?.tokenUsage ?? sumTokens(steps);
  const output = run ? run.output : null;
  const scores: Record<string, ScoreRecord> = {};
  let judgeTokens: TokenUsage | undefined;
  let scorerFailure: { name: string; message: string } | undefined;
  if (run) {
    for (const s of settings.scorers) {
      try {
        const detail = toDetail(
          await s.score({ output, answer: task.answer, task, signal: options.signal }),
          s.name,
        );
        scores[s.name] = {
          score: detail.score,
          ...(detail.reason ? { reason: detail.reason } : {}),
        };
        if (detail.tokenUsage) judgeTokens = sumTokenUsage(judgeTokens, detail.tokenUsage);
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason;
        const message = `Scorer "${s.name}" failed: ${(error as Error)?.message ?? String(error)}`;
        scores[s.name] = { score: 0, error: message };
        scorerFailure ??= { name: (error as Error)?.name ?? "Error", message };
      }
    }
  }
  const score = scores[settings.scorers[0].name]?.score ?? 0;
  const passed = score >= 1 && !scorerFailure;
  const state: EvalResult["state"] = run ? run.state : timeout.signal.aborted ? "timeout" : "error";
  const failure = passed
    ? undefined
    : describeFailure(state, thrown, scorerFailure, settings.timeoutMs);
  const model = agent?.model?.modelId;
  const price = model ? settings.prices?.[model] : undefined;
  const result: EvalResult = {
    id: task.id,
    question: task.question,
    questionHash: questionHash(task),
    dataset: datasetName,
    expected: task.answer,
    output: output === undefined ? null : output,
    score,
    passed,
    scores,
    state,
    ...(failure ? { failure } : {}),
    steps:
      steps.filter((s) => s.type === "action" && s.error?.name !== "AgentMaxStepsError").length,
    tokenUsage,
    ...(judgeTokens ? { judgeTokenUsage: judgeTokens } : {}),
    ...(price
      ? {
        costUsd: (tokenUsage.inputTokens * price.inputPerMillion +
          tokenUsage.outputTokens * price.outputPerMillion) / 1e6,
      }
      : {}),
    durationMs: Math.round(performance.now() - t0),
    ...(model ? { model } : {}),
    startedAt: startedAt.toISOString(),
    ...(settings.shardLabel ? { shard: settings.shardLabel } : {}),
    stepErrors: countStepErrors(steps),
    trace: options.recordTrace === false ? [] : toTrace(steps),
  };
  return result;
}

function describeFailure(
  state: EvalResult["state"],
  thrown: unknown,
  scorerFailure: { name: string; message: string } | undefined,
  timeoutMs: number,
): EvalResult["failure"] {
  const of = (kind: FailureKind, error: unknown) => ({
    kind,
    name: (error as Error)?.name ?? "Error",
    message: clip((error as Error)?.message ?? String(error), 2000),
  });
  if (state === "timeout") {
    return {
      kind: "timeout",
      name: "TimeoutError",
      message: `The task took longer than ${timeoutMs} ms and was aborted`,
    };
  }
  if (state === "error") {
    return of(thrown instanceof AgentGenerationError ? "model_error" : "agent_error", thrown);
  }
  if (scorerFailure) return { kind: "scorer_error", ...scorerFailure };
  if (state === "max_steps_error") {
    return {
      kind: "max_steps",
      name: "AgentMaxStepsError",
      message: "The agent reached its step limit; its fallback answer was scored",
    };
  }
  if (state === "budget_exceeded") {
    return {
      kind: "budget_exceeded",
      name: "AgentBudgetError",
      message: "The run stopped at its budget",
    };
  }
  return {
    kind: "wrong_answer",
    name: "WrongAnswer",
    message: "The answer did not pass the scorer",
  };
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

function sumTokenUsage(a: TokenUsage | undefined, b: TokenUsage): TokenUsage {
  return {
    inputTokens: (a?.inputTokens ?? 0) + b.inputTokens,
    outputTokens: (a?.outputTokens ?? 0) + b.outputTokens,
  };
}

function sumTokens(steps: readonly MemoryStep[]): TokenUsage {
  let total: TokenUsage = { inputTokens: 0, outputTokens: 0 };
  for (const s of steps) {
    if ((s.type === "action" || s.type === "planning") && s.tokenUsage) {
      total = sumTokenUsage(total, s.tokenUsage);
    }
  }
  return total;
}

function countStepErrors(steps: readonly MemoryStep[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of steps) {
    if (s.type !== "action" || !s.error || s.error.name === "AgentMaxStepsError") continue;
    const key = s.error.kind ?? s.error.name;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

function toTrace(steps: readonly MemoryStep[]): TraceStep[] {
  const trace: TraceStep[] = [];
  for (const s of steps) {
    if (s.type === "planning") {
      trace.push({
        type: "planning",
        modelOutput: clip(s.plan),
        durationMs: s.timing.duration,
        tokenUsage: s.tokenUsage,
      });
    } else if (s.type === "action") {
      trace.push({
        type: "action",
        step: s.stepNumber,
        ...(s.modelOutput !== undefined ? { modelOutput: clip(s.modelOutput) } : {}),
        ...(s.code !== undefined ? { code: clip(s.code) } : {}),
        ...(s.code === undefined && s.toolCalls?.length
          ? { toolCalls: s.toolCalls.map((c) => ({ name: c.name, arguments: c.arguments })) }
          : {}),
        ...(s.observations !== undefined ? { observations: clip(s.observations) } : {}),
        ...(s.error ? { error: { ...s.error } } : {}),
        durationMs: s.timing.duration,
        tokenUsage: s.tokenUsage,
      });
    }
  }
  return trace;
}

function clip(text: string, limit = TEXT_LIMIT): string {
  return text.length > limit
    ? `${text.slice(0, limit)}… (${text.length - limit} more characters)`
    : text;
}
