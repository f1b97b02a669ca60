// The results file: one JSON result per line, appended as each task ends,
// so a crash or Ctrl-C loses only the tasks still running.
import type { ErrorData } from "../events.ts";
import type { TokenUsage } from "../models/model.ts";
import { type EvalTask, shortHash } from "./_dataset.ts";
import { EvalResultsError } from "./_errors.ts";

/**
 * Why a task did not pass: answered wrong, ran out of time, steps or budget,
 * the model failed, the agent failed otherwise (its factory included), or a
 * scorer threw.
 */
export type FailureKind =
  | "wrong_answer"
  | "timeout"
  | "max_steps"
  | "budget_exceeded"
  | "model_error"
  | "agent_error"
  | "scorer_error";

/** One step of a task's trace, as the report shows it. */
export interface TraceStep {
  /** An action or a plan. */
  type: "action" | "planning";
  /** 1-based step number, for actions. */
  step?: number;
  /** The model's reply (for plans, the plan). */
  modelOutput?: string;
  /** The code run (CodeAgent). */
  code?: string;
  /** The tool calls made (ToolCallingAgent). */
  toolCalls?: { name: string; arguments: unknown }[];
  /** What the model read back. */
  observations?: string;
  /** The step's error. */
  error?: ErrorData;
  /** How long the step took. */
  durationMs?: number;
  /** Tokens of the step's model call. */
  tokenUsage?: TokenUsage;
}

/** A scorer's verdict on one task. */
export interface ScoreRecord {
  /** 0 to 1 (0 when the scorer threw). */
  score: number;
  /** The scorer's reason, when it gave one. */
  reason?: string;
  /** The scorer's error message, when it threw. */
  error?: string;
}

/** One finished task, as a line of the results file. */
export interface EvalResult {
  /** The task's id. */
  id: string;
  /** The question asked. */
  question: string;
  /** A hash of the question: a rerun checks that the file belongs to the same dataset. */
  questionHash: string;
  /** The dataset's name. */
  dataset: string;
  /** The reference answer. */
  expected: unknown;
  /** The agent's answer (null when it gave none). */
  output: unknown;
  /** The first scorer's score, 0 to 1: the one accuracy is computed from. */
  score: number;
  /** True when `score` is 1. */
  passed: boolean;
  /** Every scorer's verdict, by name. */
  scores: Record<string, ScoreRecord>;
  /** How the run ended (`"timeout"` and `"error"` when it threw). */
  state: "success" | "max_steps_error" | "budget_exceeded" | "interrupted" | "timeout" | "error";
  /** Why the task did not pass, when it did not. */
  failure?: { kind: FailureKind; name: string; message: string };
  /** Action steps taken. */
  steps: number;
  /** Tokens used by the agent (judge calls excluded: see `judgeTokenUsage`). */
  tokenUsage: TokenUsage;
  /** Tokens used by scorers (LLM judges). */
  judgeTokenUsage?: TokenUsage;
  /** Cost in US dollars, when the model's price is known. */
  costUsd?: number;
  /** Wall time of the task, agent creation to scoring. */
  durationMs: number;
  /** The agent's model id. */
  model?: string;
  /** When the task started (ISO 8601). */
  startedAt: string;
  /** The shard that ran it (`"2/4"`). */
  shard?: string;
  /** Errors inside steps, counted by kind (`"runtime"`, `"AgentParsingError"`, …). */
  stepErrors: Record<string, number>;
  /** The steps of the run, for the report. */
  trace: TraceStep[];
}

/** What {@linkcode readResults} found. */
export interface ResultsFile {
  /** The results, in file order; for an id written twice, the last. */
  results: EvalResult[];
  /** False when the file ends inside a line (a write cut short): it is ignored. */
  complete: boolean;
  /** Bytes of the file up to its last complete line. */
  completeBytes: number;
}

/** The hash a result keeps of its task's question. */
export function questionHash(task: Pick<EvalTask, "question">): string {
  return shortHash(task.question);
}

/**
 * Reads a results file. A missing file is empty; a last line cut short by a
 * crash is ignored.
 *
 * @throws {EvalResultsError} when a line is not a result.
 */
export async function readResults(path: string): Promise<ResultsFile> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return { results: [], complete: true, completeBytes: 0 };
    }
    throw new EvalResultsError(
      `Cannot read the results file "${path}": ${(error as Error).message}`,
      {
        path,
        cause: error,
      },
    );
  }
  const lines = text.split("\n");
  const complete = text === "" || text.endsWith("\n");
  const byId = new Map<string, EvalResult>();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "") continue;
    let value: Partial<EvalResult>;
    try {
      value = JSON.parse(line);
    } catch {
      if (i === lines.length - 1 && !complete) break;
      throw new EvalResultsError(
        `Line ${i + 1} of "${path}" is not JSON: this is not a results file of smolagent eval`,
        { path },
      );
    }
    if (
      typeof value?.id !== "string" || typeof value.questionHash !== "string" ||
      typeof value.score !== "number"
    ) {
      throw new EvalResultsError(
        `Line ${
          i + 1
        } of "${path}" is not a result (no id, questionHash or score): pass a file written by smolagent eval`,
        { path },
      );
    }
    byId.delete(value.id);
    byId.set(value.id, value as EvalResult);
  }
  const completeBytes = new TextEncoder().encode(text.slice(0, text.lastIndexOf("\n") + 1)).length;
  return { results: [...byId.values()], complete, completeBytes };
}

/**
 * Checks that results belong to these tasks: a result whose id is a task's
 * must have been asked the same question, and some result must match a task.
 *
 * @throws {EvalResultsError} when the file holds results of another dataset.
 */
export function checkResultsMatch(
  results: readonly EvalResult[],
  tasks: readonly EvalTask[],
  path: string,
): void {
  if (results.length === 0) return;
  const byId = new Map(tasks.map((t) => [t.id, t]));
  let matched = 0;
  for (const result of results) {
    const task = byId.get(result.id);
    if (!task) continue;
    if (questionHash(task) !== result.questionHash) {
      throw new EvalResultsError(
        `"${path}" holds results of another dataset: task "${result.id}" was asked another question there. Pass another results file, or delete this one to start over`,
        { path },
      );
    }
    matched++;
  }
  if (matched === 0) {
    throw new EvalResultsError(
      `"${path}" holds results of another dataset (${results.length} results, none of this dataset's ids, e.g. "${
        results[0].id
      }" from "${
        results[0].dataset
      }"). Pass another results file, or delete this one to start over`,
      { path },
    );
  }
}

/**
 * Merges results files (the shards of one evaluation) into one list, each id
 * once.
 *
 * @throws {EvalResultsError} when two files disagree about a task's question, or a file is not results.
 */
export async function mergeResults(paths: readonly string[]): Promise<EvalResult[]> {
  const byId = new Map<string, { result: EvalResult; path: string }>();
  for (const path of paths) {
    const file = await readResults(path);
    for (const result of file.results) {
      const seen = byId.get(result.id);
      if (seen && seen.result.questionHash !== result.questionHash) {
        throw new EvalResultsError(
          `"${path}" and "${seen.path}" are results of different datasets: task "${result.id}" has different questions`,
          { path },
        );
      }
      if (!seen) byId.set(result.id, { result, path });
    }
  }
  return [...byId.values()].map((v) => v.result);
}

/** Appends results to a file, one line each, in the order they finish. */
export class ResultsWriter implements AsyncDisposable {
  readonly #file: Deno.FsFile;
  #queue: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(file: Deno.FsFile) {
    this.#file = file;
  }

  /**
   * Opens `path` for appending. `keepBytes` first cuts the file to that
   * length: the line a crash left half-written goes, the complete ones stay.
   */
  static async open(path: string, keepBytes?: number): Promise<ResultsWriter> {
    const file = await Deno.open(path, { append: true, create: true });
    if (keepBytes !== undefined) await file.truncate(keepBytes);
    return new ResultsWriter(file);
  }

  /** Appends one result as a line; resolves once it is written. */
  append(result: EvalResult): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("The results file is closed"));
    const line = `${JSON.stringify(result, jsonSafe)}\n`;
    const done = this.#queue.then(() => this.#write(line));
    this.#queue = done.catch(() => {});
    return done;
  }

  async #write(text: string): Promise<void> {
    let bytes = new TextEncoder().encode(text);
    while (bytes.length > 0) bytes = bytes.subarray(await this.#file.write(bytes));
  }

  /** Waits for pending writes and closes the file. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue;
    this.#file.close();
  }

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

// Answers can be anything the sandbox returns: keep what JSON cannot hold readable.
function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Map) return Object.fromEntries(value);
  if (value instanceof Set) return [...value];
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  return value;
}
