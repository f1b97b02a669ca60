// Scorers: how an agent's answer is compared with the reference answer.
import type { Model, TokenUsage } from "../models/model.ts";
import type { EvalTask } from "./_dataset.ts";
import { ScorerError } from "./_errors.ts";

/** What a scorer is given. */
export interface ScoreInput {
  /** The agent's final answer. */
  output: unknown;
  /** The dataset's reference answer. */
  answer: unknown;
  /** The whole task. */
  task: EvalTask;
  /** Fires when the evaluation is stopped. */
  signal?: AbortSignal;
}

/** A score with its reason; `score` is between 0 and 1 (`true` is 1). */
export interface ScoreDetail {
  /** 0 to 1; a task passes a scorer at 1. */
  score: number | boolean;
  /** Why, in a few words (an LLM judge's explanation). */
  reason?: string;
  /** Tokens the scorer used (an LLM judge's call). */
  tokenUsage?: TokenUsage;
}

/** What a scorer returns: a boolean, a number from 0 to 1, or a detail. */
export type ScoreValue = boolean | number | ScoreDetail;

/** Compares an answer with the reference. An object literal can implement it. */
export interface Scorer {
  /** Shown in the summary and keyed in each result's `scores`. */
  readonly name: string;
  /** Scores one answer. May throw: the task is then recorded with a scorer failure. */
  score(input: ScoreInput): ScoreValue | Promise<ScoreValue>;
}

/** A scorer as a plain function. */
export type ScoreFunction = (input: ScoreInput) => ScoreValue | Promise<ScoreValue>;

/** Options of {@linkcode exact} and {@linkcode contains}. */
export interface TextScorerOptions {
  /** Compare letter case too. Defaults to false. */
  caseSensitive?: boolean;
}

/**
 * Passes when the answer equals the reference, as text: whitespace runs
 * count as one space, a trailing period is ignored and, by default, so is
 * case. Numbers, arrays and objects compare by their JSON.
 *
 * @example
 * ```ts
 * import { exact } from "@smoldeno/agents/eval";
 *
 * const task = { id: "1", question: "Capital of Peru?", answer: "Lima", line: 1 };
 * console.log(exact().score({ output: " lima.", answer: "Lima", task })); // true
 * ```
 */
export function exact(options: TextScorerOptions = {}): Scorer {
  return {
    name: "exact",
    score: ({ output, answer }) =>
      normalize(toText(output), options) === normalize(toText(answer), options),
  };
}

/**
 * Passes when the answer's text contains the reference's text (case-insensitive by default).
 *
 * @example
 * ```ts
 * import { contains } from "@smoldeno/agents/eval";
 *
 * const task = { id: "1", question: "Capital of Peru?", answer: "Lima", line: 1 };
 * console.log(contains().score({ output: "It is Lima, Peru.", answer: "Lima", task })); // true
 * ```
 */
export function contains(options: TextScorerOptions = {}): Scorer {
  return {
    name: "contains",
    score: ({ output, answer }) =>
      normalize(toText(output), options).includes(normalize(toText(answer), options)),
  };
}

/**
 * Scores the share of the reference's items found in the answer's text: the
 * reference is a list (a string counts as one item). A task passes when all
 * are found.
 *
 * @example
 * ```ts
 * import { includesAll } from "@smoldeno/agents/eval";
 *
 * const task = { id: "1", question: "Two primes?", answer: ["2", "3"], line: 1 };
 * console.log(includesAll().score({ output: "2 and 5", answer: ["2", "3"], task })); // 0.5
 * ```
 */
export function includesAll(options: TextScorerOptions = {}): Scorer {
  return {
    name: "includesAll",
    score: ({ output, answer }) => {
      const items = Array.isArray(answer) ? answer : [answer];
      if (items.length === 0) return 1;
      const text = normalize(toText(output), options);
      return items.filter((item) => text.includes(normalize(toText(item), options))).length /
        items.length;
    },
  };
}

/** Options of {@linkcode numeric}. */
export interface NumericScorerOptions {
  /** Largest absolute difference that still passes. Defaults to 1e-6. */
  tolerance?: number;
  /** Largest difference relative to the reference (0.01 is 1 %), checked besides `tolerance`. */
  relativeTolerance?: number;
}

/**
 * Passes when the answer is the reference number, within a tolerance. Text
 * answers are read for their first number (`"$1,234.50"` is 1234.5); an
 * answer with no number fails.
 *
 * @example
 * ```ts
 * import { numeric } from "@smoldeno/agents/eval";
 *
 * const task = { id: "1", question: "Pi?", answer: 3.14159, line: 1 };
 * console.log(numeric({ tolerance: 0.01 }).score({ output: "about 3.14", answer: 3.14159, task })); // true
 * ```
 */
export function numeric(options: NumericScorerOptions = {}): Scorer {
  const tolerance = options.tolerance ?? 1e-6;
  const relative = options.relativeTolerance ?? 0;
  if (!(tolerance >= 0) || !(relative >= 0)) {
    throw new RangeError(
      `numeric(): tolerance and relativeTolerance must be numbers >= 0, got ${tolerance} and ${relative}`,
    );
  }
  return {
    name: "numeric",
    score: ({ output, answer }) => {
      const expected = toNumber(answer);
      if (expected === undefined) {
        throw new TypeError(`The reference answer ${JSON.stringify(answer)} is not a number`);
      }
      const got = toNumber(output);
      if (got === undefined) return { score: 0, reason: "the answer holds no number" };
      const diff = Math.abs(got - expected);
      return diff <= tolerance || diff <= relative * Math.abs(expected);
    },
  };
}

/**
 * Names a scoring function, so it shows in the summary under that name.
 *
 * @example
 * ```ts
 * import { scorer } from "@smoldeno/agents/eval";
 *
 * const even = scorer("even", ({ output }) => Number(output) % 2 === 0);
 * const task = { id: "1", question: "An even number?", answer: "any", line: 1 };
 * console.log(even.name, even.score({ output: 4, answer: "any", task })); // "even" true
 * ```
 */
export function scorer(name: string, score: ScoreFunction): Scorer {
  if (typeof name !== "string" || name === "") {
    throw new TypeError("scorer(): name must be a non-empty string");
  }
  if (typeof score !== "function") {
    throw new TypeError(`scorer("${name}"): score must be a function`);
  }
  return { name, score };
}

/**
 * Picks the comparison from the reference answer, as GAIA-style graders do:
 * a number is compared with {@linkcode numeric} (relative tolerance 1e-9), a
 * list with {@linkcode includesAll}, anything else with {@linkcode exact}.
 * The default scorer of `evaluate()`.
 *
 * @example
 * ```ts
 * import { auto } from "@smoldeno/agents/eval";
 *
 * const task = { id: "1", question: "Total?", answer: 44.1, line: 1 };
 * console.log(auto().score({ output: "$44.10", answer: 44.1, task })); // true
 * ```
 */
export function auto(options: TextScorerOptions = {}): Scorer {
  const byNumber = numeric({ tolerance: 1e-9, relativeTolerance: 1e-9 });
  const byList = includesAll(options);
  const byText = exact(options);
  return {
    name: "auto",
    score: (input) =>
      typeof input.answer === "number"
        ? byNumber.score(input)
        : Array.isArray(input.answer)
        ? byList.score(input)
        : byText.score(input),
  };
}

/** Options of {@linkcode llmJudge}. */
export interface LlmJudgeOptions {
  /** The model that judges. */
  model: Model;
  /** What counts as correct, in words. Defaults to a rubric asking for the same facts as the reference. */
  rubric?: string;
  /** The scorer's name. Defaults to `"judge"`. */
  name?: string;
}

const DEFAULT_RUBRIC =
  "The answer is correct when it states the same facts or value as the reference answer; wording, units written out and extra explanation do not matter. It is partial when it is right in part.";

/**
 * A scorer that asks a model. The judge is told the question, the reference
 * answer, the agent's answer and the rubric, and must end its reply with
 * `VERDICT: CORRECT`, `VERDICT: PARTIAL`, `VERDICT: INCORRECT` or
 * `SCORE: <0 to 1>`; a reply with neither is a {@linkcode ScorerError}.
 *
 * @example Judging with a scripted model
 * ```ts
 * import { llmJudge } from "@smoldeno/agents/eval";
 * import { ScriptedModel } from "@smoldeno/agents/testing";
 *
 * const judge = llmJudge({
 *   model: new ScriptedModel({ replies: ["Both say Lima.\nVERDICT: CORRECT"] }),
 * });
 * const task = { id: "1", question: "Capital of Peru?", answer: "Lima", line: 1 };
 * const result = await judge.score({ output: "The capital is Lima", answer: "Lima", task });
 * console.log(typeof result === "object" && result.score); // 1
 * ```
 */
export function llmJudge(options: LlmJudgeOptions): Scorer {
  if (typeof options?.model?.generate !== "function") {
    throw new TypeError("llmJudge(): model must be a Model (an object with generate())");
  }
  const name = options.name ?? "judge";
  const rubric = options.rubric ?? DEFAULT_RUBRIC;
  return {
    name,
    async score({ output, answer, task, signal }): Promise<ScoreDetail> {
      const prompt = [
        "You grade an assistant's answer against a reference answer.",
        `Rubric: ${rubric}`,
        `Question:\n${task.question}`,
        `Reference answer:\n${toText(answer)}`,
        `Assistant's answer:\n${toText(output)}`,
        "Explain in one or two sentences, then end with one line: VERDICT: CORRECT, VERDICT: PARTIAL or VERDICT: INCORRECT (or SCORE: a number from 0 to 1).",
      ].join("\n\n");
      const reply = await options.model.generate([{ role: "user", content: prompt }], { signal });
      const text = typeof reply.content === "string"
        ? reply.content
        : (reply.content ?? []).map((p) => (p.type === "text" ? p.text : "")).join("");
      const verdict = /VERDICT:\s*\**\s*(CORRECT|PARTIAL|INCORRECT)/i.exec(text);
      const numberMatch = /SCORE:\s*\**\s*([01](?:\.\d+)?|\.\d+)/i.exec(text);
      let score: number;
      if (verdict) {
        score = { correct: 1, partial: 0.5, incorrect: 0 }[
          verdict[1].toLowerCase() as "correct" | "partial" | "incorrect"
        ];
      } else if (numberMatch && Number(numberMatch[1]) <= 1) {
        score = Number(numberMatch[1]);
      } else {
        throw new ScorerError(
          `The judge's reply has no verdict: expected a last line "VERDICT: CORRECT" (or PARTIAL, INCORRECT, or "SCORE: 0.7"), got ${
            JSON.stringify(text.slice(-120))
          }`,
          { scorer: name },
        );
      }
      const reason = text.replace(/(VERDICT|SCORE):.*$/is, "").trim().slice(0, 500) || undefined;
      return { score, reason, tokenUsage: reply.tokenUsage };
    },
  };
}

/** A scorer from a scorer, a function, or one of the built-in names. */
export function toScorer(value: Scorer | ScoreFunction | string): Scorer {
  if (typeof value === "function") return scorer(value.name || "custom", value);
  if (typeof value === "string") return scorerByName(value);
  if (value && typeof value.name === "string" && typeof value.score === "function") return value;
  throw new TypeError(
    'A scorer must be a Scorer ({ name, score() }), a function, or one of "exact", "numeric", "contains", "includesAll"',
  );
}

/** `auto`, `exact`, `contains`, `includesAll`, `numeric` or `numeric:TOLERANCE` (as the CLI writes them). */
export function scorerByName(spec: string): Scorer {
  const [name, arg] = spec.split(":", 2);
  switch (name) {
    case "auto":
      return auto();
    case "exact":
      return exact();
    case "contains":
      return contains();
    case "includesAll":
    case "includes-all":
      return includesAll();
    case "numeric": {
      if (arg === undefined) return numeric();
      const relative = arg.endsWith("%");
      const value = Number(relative ? arg.slice(0, -1) : arg);
      if (!Number.isFinite(value) || value < 0) {
        throw new RangeError(
          `Bad tolerance in scorer "${spec}": use numeric:0.01 (absolute) or numeric:1% (relative)`,
        );
      }
      return relative
        ? numeric({ relativeTolerance: value / 100, tolerance: 0 })
        : numeric({ tolerance: value });
    }
    default:
      throw new TypeError(
        `Unknown scorer "${spec}": use "auto", "exact", "numeric", "numeric:0.01", "numeric:1%", "contains" or "includesAll"`,
      );
  }
}

/** A score value as a detail with a number from 0 to 1. */
export function toDetail(value: ScoreValue, name: string): ScoreDetail & { score: number } {
  const detail = typeof value === "object" && value !== null ? value : { score: value };
  const score = typeof detail.score === "boolean" ? (detail.score ? 1 : 0) : detail.score;
  if (typeof score !== "number" || !Number.isFinite(score) || score < 0 || score > 1) {
    throw new ScorerError(
      `Scorer "${name}" returned ${
        JSON.stringify(value)
      }: expected a boolean, a number from 0 to 1, or { score }`,
      { scorer: name },
    );
  }
  return { ...detail, score };
}

/** The text of a value: strings as they are, everything else as JSON. */
export function toText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined) return "";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function normalize(text: string, options: TextScorerOptions): string {
  const folded = text.trim().replace(/\s+/g, " ").replace(/[.。]$/, "");
  return options.caseSensitive ? folded : folded.toLowerCase();
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "bigint") return Number(value);
  if (typeof value !== "string") return undefined;
  const match = /-?\d[\d,_]*(?:\.\d+)?(?:e[+-]?\d+)?|-?\.\d+/i.exec(value);
  if (!match) return undefined;
  const n = Number(match[0].replace(/[,_]/g, ""));
  return Number.isFinite(n) ? n : undefined;
}
