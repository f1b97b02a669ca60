// The evaluation harness's errors: each says what was wrong and what to do.
import { AgentError } from "../errors.ts";

/** One line of a dataset that could not be used, with its 1-based line number. */
export interface DatasetProblem {
  /** 1-based line of the dataset file. */
  line: number;
  /** What is wrong with it. */
  message: string;
}

/**
 * A dataset could not be used at all (missing file, no valid task, or a bad
 * line in `strict` mode). `problems` lists every bad line found.
 */
export class EvalDatasetError extends AgentError {
  /** Every bad line found, in file order. */
  readonly problems: DatasetProblem[];
  /** Creates a dataset error. */
  constructor(message: string, options?: ErrorOptions & { problems?: DatasetProblem[] }) {
    super(message, options);
    this.name = "EvalDatasetError";
    this.problems = options?.problems ?? [];
  }
}

/**
 * A results file cannot be resumed, merged or compared: it holds results of
 * another dataset, or lines that are not results.
 */
export class EvalResultsError extends AgentError {
  /** The results file involved. */
  readonly path: string;
  /** Creates a results error. */
  constructor(message: string, options: ErrorOptions & { path: string }) {
    super(message, options);
    this.name = "EvalResultsError";
    this.path = options.path;
  }
}

/** A scorer threw, or an LLM judge gave a reply with no verdict in it. */
export class ScorerError extends AgentError {
  /** The scorer's name. */
  readonly scorer: string;
  /** Creates a scorer error. */
  constructor(message: string, options: ErrorOptions & { scorer: string }) {
    super(message, options);
    this.name = "ScorerError";
    this.scorer = options.scorer;
  }
}
