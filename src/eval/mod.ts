/**
 * The evaluation harness: run an agent over a JSONL dataset, several tasks
 * at a time, each with its own agent and sandbox and a time limit; score
 * each answer; stream the results to a JSONL file that a rerun resumes; and
 * summarize, compare or render them as self-contained HTML pages (one run's
 * report, or two runs side by side). The `smolagent eval` command is built
 * on it.
 *
 * @example Evaluating a scripted code agent on two tasks
 * ```ts
 * import { CodeAgent, LogLevel } from "@smoldeno/agents";
 * import { evaluate, formatSummary, numeric } from "@smoldeno/agents/eval";
 * import { ScriptedModel } from "@smoldeno/agents/testing";
 *
 * const report = await evaluate({
 *   dataset: [
 *     { id: "sum", question: "What is 19 + 23?", answer: 42, line: 1 },
 *     { id: "pow", question: "What is 2 ** 10?", answer: 1024, line: 2 },
 *   ],
 *   scorers: numeric(),
 *   concurrency: 2,
 *   agent: (task) =>
 *     new CodeAgent({
 *       logLevel: LogLevel.OFF,
 *       model: new ScriptedModel({
 *         replies: [`Thought: compute it.\n<code>final_answer(${task.id === "sum" ? "19 + 23" : "2 ** 10"})</code>`],
 *       }),
 *     }),
 * });
 * console.log(report.summary.accuracy); // 1
 * console.log(formatSummary(report.summary).includes("Accuracy")); // true
 * ```
 *
 * @module
 */

export {
  type Dataset,
  type DatasetFields,
  type DatasetFormat,
  type EvalTask,
  loadDataset,
  type LoadDatasetOptions,
  parseDataset,
} from "./_dataset.ts";
export { type DatasetProblem, EvalDatasetError, EvalResultsError, ScorerError } from "./_errors.ts";
export {
  type AgentFactory,
  type AgentFactoryContext,
  type EvalProgress,
  type EvalReport,
  evaluate,
  type EvaluateOptions,
  parseShard,
  type Shard,
} from "./_evaluate.ts";
export { localEvalTools } from "./_local_tools.ts";
export { progressReporter, type ProgressReporterOptions } from "./_progress.ts";
export { type HtmlComparisonOptions, renderHtmlComparison } from "./_compare_report.ts";
export { type HtmlReportOptions, renderHtmlReport } from "./_report.ts";
export {
  type EvalResult,
  type FailureKind,
  mergeResults,
  readResults,
  type ResultsFile,
  ResultsWriter,
  type ScoreRecord,
  type TraceStep,
} from "./_results.ts";
export {
  auto,
  contains,
  exact,
  includesAll,
  llmJudge,
  type LlmJudgeOptions,
  numeric,
  type NumericScorerOptions,
  type ScoreDetail,
  type ScoreFunction,
  type ScoreInput,
  type Scorer,
  scorer,
  scorerByName,
  type ScoreValue,
  type TextScorerOptions,
} from "./_scorers.ts";
export {
  compareResults,
  type EvalComparison,
  type EvalSummary,
  formatComparison,
  formatSummary,
  summarize,
} from "./_summary.ts";
