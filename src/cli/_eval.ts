// `smolagent eval`: runs a dataset through an agent built from flags (or
// from an agent module), with progress on stderr and the summary on stdout.
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { PERMISSION_NAMES } from "../../executors/deno_executor.ts";
import { writeFileAtomic } from "../serialize/_files.ts";
import { CodeAgent } from "../agents/code_agent.ts";
import { ToolCallingAgent } from "../agents/tool_calling_agent.ts";
import type { ModelPrice } from "../agents/_run.ts";
import type { Executor } from "../executor.ts";
import { LogLevel } from "../logger.ts";
import type { Model } from "../models/model.ts";
import { parsePromptTemplates, type PromptTemplates } from "../prompts.ts";
import type { Tool } from "../tool.ts";
import { MODEL_TYPES, resolveModelType } from "./_args.ts";
import { createModel as createCliModel } from "./_model.ts";
import { writeTo } from "./_output.ts";
import {
  type AgentFactory,
  compareResults,
  EvalDatasetError,
  EvalResultsError,
  evaluate,
  type FailureKind,
  formatComparison,
  formatSummary,
  llmJudge,
  loadDataset,
  localEvalTools,
  mergeResults,
  parseShard,
  progressReporter,
  readResults,
  renderHtmlComparison,
  renderHtmlReport,
  type Scorer,
  scorerByName,
  summarize,
} from "../eval/mod.ts";

/**
 * Where `smolagent eval` reads and writes: the shape of the CLI's `CliIo`
 * (kept here, since `mod.ts` imports this file and no import may circle back).
 */
export interface EvalCliIo {
  /** Receives the summary, the comparison and `--help`. */
  stdout?: (text: string) => void;
  /** Receives the progress, warnings and errors. */
  stderr?: (text: string) => void;
  /** Stops the evaluation, like Ctrl-C. Default: the process's SIGINT. */
  signal?: AbortSignal;
}

/** The `smolagent eval --help` text. */
export const EVAL_HELP: string =
  `smolagent eval: run an agent over a JSONL dataset and score its answers.

Usage:
  smolagent eval DATASET.jsonl [options]      run (a rerun resumes: finished ids are skipped)
  smolagent eval --summary RESULTS.jsonl...   summarize results files (shards are merged)
  smolagent eval --compare A.jsonl B.jsonl    compare two results files side by side
                                              (--html FILE: also as one HTML page)
  smolagent eval --merge SHARD.jsonl... --out ALL.jsonl   merge shards into one file

Dataset (one task per line: {"id", "question", "answer", "files"?}):
  --format NAME            auto (default), smoldeno, gaia or simpleqa
  --limit N                run at most N tasks
  --shard I/N              run shard I of N (1-based); merge the result files after

Agent (flags, or --agent FILE):
  --agent FILE.ts          a module whose default export makes the agent of a task:
                           export default (task, { signal }) => new CodeAgent({ ... })
                           (it may also export "scorers")
  --model-type TYPE        OpenAIServerModel (default), InferenceClientModel
                           or AzureOpenAIServerModel
  --model-id ID  --api-base URL  --api-key KEY  --provider NAME
  --action-type TYPE       code (default) or tool_calling
  --tools NAME,...         local (the tools of examples/data/eval/tools.jsonl),
                           web_search, visit_webpage, wikipedia_search
  --max-steps N            default 10
  --executor NAME          deno (default), docker or e2b
  --instructions TEXT      added to the system prompt
  --prompts FILE.yaml      prompt templates replacing the defaults
  --imports SPEC,...  --allow-net[=HOSTS]  --allow-read[=PATHS]  (and the other --allow-*)

Scoring:
  --scorer NAME            auto (default: numeric for numbers, includes-all for lists,
                           exact otherwise), exact, numeric, numeric:0.01, numeric:1%,
                           contains, includes-all, judge; repeatable, the first
                           gives the accuracy
  --judge-model-id ID      the judge's model (same --model-type and --api-base);
                           default: the agent's model
  --price IN,OUT           US dollars per million input and output tokens, for the cost

Run:
  --out FILE               results file (default DATASET.results.jsonl in the
                           working directory, one per shard)
  --concurrency N          tasks at once (default 4), each with its own sandbox
  --timeout SECONDS        per task (default 600); the agent is then aborted
  --html FILE              also write a self-contained HTML report (with --compare:
                           both runs side by side, each task's two traces)
  --retry KIND,...         on a rerun, run again the tasks that failed with these
                           kinds (timeout, model_error, agent_error, …)
  --min-accuracy X         exit 1 when the accuracy is below X (0 to 1), for CI
  -h, --help

Exit codes: 0 done, 1 failed (or below --min-accuracy), 2 usage error,
130 interrupted (the results so far are kept: rerun to resume).
`;

const FAILURE_KINDS = [
  "wrong_answer",
  "timeout",
  "max_steps",
  "budget_exceeded",
  "model_error",
  "agent_error",
  "scorer_error",
];

// What --agent replaces (the model flags stay usable by --scorer judge).
const AGENT_FLAGS = [
  "action-type",
  "tools",
  "max-steps",
  "executor",
  "instructions",
  "prompts",
  "imports",
  ...PERMISSION_NAMES.map((p) => `allow-${p}`),
];

const TOOL_NAMES = ["local", "web_search", "visit_webpage", "wikipedia_search"];

class UsageError extends Error {}

/**
 * Runs `smolagent eval` with `args` (the words after `eval`) and resolves to its exit code.
 *
 * @example Help
 * ```ts ignore
 * import { runEvalCli } from "./_eval.ts";
 *
 * let out = "";
 * console.log(await runEvalCli(["--help"], { stdout: (t) => (out += t) })); // 0
 * ```
 */
export async function runEvalCli(args: readonly string[], io: EvalCliIo = {}): Promise<number> {
  const stdout = io.stdout ?? writeTo(Deno.stdout);
  const stderr = io.stderr ?? writeTo(Deno.stderr);
  const terminal = io.stderr === undefined && Deno.stderr.isTerminal();
  let v: Values;
  let positionals: string[];
  try {
    ({ values: v, positionals } = parse(args));
  } catch (error) {
    stderr(`error: ${(error as Error).message}\nRun "smolagent eval --help" for usage.\n`);
    return 2;
  }
  if (v.help) {
    stdout(EVAL_HELP);
    return 0;
  }
  try {
    if (v.compare) return await compare(v, positionals, stdout, stderr);
    if (v.summary || v.merge) return await summaryOrMerge(v, positionals, stdout, stderr);
    return await run(v, positionals, { stdout, stderr, terminal, signal: io.signal });
  } catch (error) {
    if (error instanceof UsageError) {
      stderr(`error: ${error.message}\nRun "smolagent eval --help" for usage.\n`);
      return 2;
    }
    if (error instanceof EvalDatasetError || error instanceof EvalResultsError) {
      stderr(`error: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

type Values = Record<string, string | string[] | boolean | undefined>;

function parse(args: readonly string[]): { values: Values; positionals: string[] } {
  const BARE = "\u0000all";
  const normalized = args.map((a) =>
    PERMISSION_NAMES.some((p) => a === `--allow-${p}`) ? `${a}=${BARE}` : a
  );
  try {
    const parsed = parseArgs({
      args: normalized,
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: "boolean", short: "h" },
        compare: { type: "boolean" },
        summary: { type: "boolean" },
        merge: { type: "boolean" },
        format: { type: "string" },
        limit: { type: "string" },
        shard: { type: "string" },
        agent: { type: "string" },
        "model-type": { type: "string" },
        "model-id": { type: "string" },
        "api-base": { type: "string" },
        "api-key": { type: "string" },
        provider: { type: "string" },
        "action-type": { type: "string" },
        tools: { type: "string", multiple: true },
        "max-steps": { type: "string" },
        executor: { type: "string" },
        instructions: { type: "string" },
        prompts: { type: "string" },
        imports: { type: "string", multiple: true },
        scorer: { type: "string", multiple: true },
        "judge-model-id": { type: "string" },
        price: { type: "string" },
        out: { type: "string" },
        concurrency: { type: "string" },
        timeout: { type: "string" },
        html: { type: "string" },
        "min-accuracy": { type: "string" },
        retry: { type: "string" },
        ...Object.fromEntries(
          PERMISSION_NAMES.map((p) => [`allow-${p}`, { type: "string" as const }]),
        ),
      },
    });
    const values = parsed.values as Values;
    for (const p of PERMISSION_NAMES) {
      const value = values[`allow-${p}`];
      if (value === BARE) values[`allow-${p}`] = true as unknown as string;
    }
    return { values, positionals: parsed.positionals };
  } catch (error) {
    const message = (error as Error).message;
    const unknown = /Unknown option '([^']+)'/.exec(message);
    if (unknown) throw new Error(`Unknown option "${unknown[1]}"`);
    const missing = /Option '([^']+?)(?: <value>)?' argument missing/.exec(message);
    if (missing) throw new Error(`Option "${missing[1].replace(/^-\w, /, "")}" needs a value`);
    throw new Error(message);
  }
}

async function compare(
  v: Values,
  files: string[],
  stdout: (t: string) => void,
  stderr: (t: string) => void,
): Promise<number> {
  if (files.length !== 2) {
    throw new UsageError(`--compare needs two results files, got ${files.length}`);
  }
  const html = typeof v.html === "string" ? v.html : undefined;
  if (html !== undefined) await checkHtmlPath(html, files);
  const [a, b] = await Promise.all(files.map(readCompared));
  for (const [i, f] of [a, b].entries()) {
    if (f.results.length === 0) {
      throw new EvalResultsError(`"${files[i]}" holds no results`, { path: files[i] });
    }
  }
  const common = compareResults(a.results, b.results);
  if (common.common === 0) {
    throw new EvalResultsError(
      `"${files[0]}" and "${
        files[1]
      }" have no task in common: are they results of the same dataset?`,
      { path: files[1] },
    );
  }
  stdout(formatComparison(common, files[0], files[1]));
  if (html !== undefined) {
    await writeAtomically(
      html,
      renderHtmlComparison(a.results, b.results, {
        title: `Comparison: ${files[0]} and ${files[1]}`,
        nameA: files[0],
        nameB: files[1],
      }),
    );
    stderr(`HTML comparison: ${html}\n`);
  }
  return 0;
}

// readResults() reads a missing file as empty (a run's results file not yet
// written); a file to compare must exist.
async function readCompared(path: string) {
  try {
    await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new EvalResultsError(
        `Cannot read the results file "${path}": there is no such file`,
        { path, cause: error },
      );
    }
  }
  return await readResults(path);
}

// Checked before any work, so a typo in --html costs none.
async function checkHtmlPath(path: string, inputs: readonly string[]): Promise<void> {
  if (inputs.some((f) => resolve(f) === resolve(path))) {
    throw new UsageError(`--html "${path}" is one of the input files: pick a new file`);
  }
  const stat = await Deno.stat(path).catch(() => undefined);
  if (stat?.isDirectory) {
    throw new UsageError(
      `--html "${path}" is a folder: give a file name, such as ${path}/report.html`,
    );
  }
  const folder = dirname(path);
  const parent = await Deno.stat(folder).catch(() => undefined);
  if (!parent?.isDirectory) {
    throw new UsageError(
      `--html "${path}": the folder "${folder}" ${parent ? "is not a folder" : "does not exist"}`,
    );
  }
}

// Written beside its target and renamed over it: the page is never half there.
async function writeAtomically(path: string, text: string): Promise<void> {
  try {
    await writeFileAtomic(path, text);
  } catch (error) {
    throw new UsageError(`Cannot write --html "${path}": ${(error as Error).message}`);
  }
}

async function summaryOrMerge(
  v: Values,
  files: string[],
  stdout: (t: string) => void,
  stderr: (t: string) => void,
): Promise<number> {
  if (files.length === 0) {
    throw new UsageError(`--${v.merge ? "merge" : "summary"} needs results files`);
  }
  if (v.merge && typeof v.out !== "string") {
    throw new UsageError("--merge needs --out FILE, the merged results file");
  }
  const html = typeof v.html === "string" ? v.html : undefined;
  if (html !== undefined) {
    await checkHtmlPath(html, [...files, ...(v.merge ? [v.out as string] : [])]);
  }
  const results = await mergeResults(files);
  if (v.merge) {
    const out = v.out as string;
    if (files.includes(out)) {
      throw new UsageError(`--out "${out}" is one of the files to merge: pick a new file`);
    }
    await Deno.writeTextFile(
      out,
      results.map((r) => JSON.stringify(r)).join("\n") + (results.length ? "\n" : ""),
    );
    stderr(`Merged ${results.length} results from ${files.length} files into ${out}\n`);
  }
  stdout(formatSummary(summarize(results)));
  if (html !== undefined) {
    await writeAtomically(
      html,
      renderHtmlReport(results, { title: `Evaluation: ${files.join(", ")}` }),
    );
    stderr(`HTML report: ${html}\n`);
  }
  return 0;
}

interface RunIo {
  stdout: (t: string) => void;
  stderr: (t: string) => void;
  terminal: boolean;
  signal?: AbortSignal;
}

async function run(v: Values, positionals: string[], io: RunIo): Promise<number> {
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0
        ? "no dataset given: smolagent eval DATASET.jsonl (see examples/data/eval/)"
        : `one dataset at a time, got ${positionals.map((p) => `"${p}"`).join(", ")}`,
    );
  }
  const datasetPath = positionals[0];
  const format = (v.format ?? "auto") as string;
  if (!["auto", "smoldeno", "gaia", "simpleqa"].includes(format)) {
    throw new UsageError(`Unknown --format "${format}": use auto, smoldeno, gaia or simpleqa`);
  }
  const concurrency = integer(v.concurrency, "--concurrency", 1) ?? 4;
  const timeoutS = number(v.timeout, "--timeout") ?? 600;
  const limit = integer(v.limit, "--limit", 0);
  const maxSteps = integer(v["max-steps"], "--max-steps", 1) ?? 10;
  const minAccuracy = number(v["min-accuracy"], "--min-accuracy");
  if (minAccuracy !== undefined && minAccuracy > 1) {
    throw new UsageError(`--min-accuracy is from 0 to 1, got ${minAccuracy}`);
  }
  let shard;
  try {
    shard = typeof v.shard === "string" ? parseShard(v.shard) : undefined;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const price = parsePrice(v.price);
  const retry = typeof v.retry === "string"
    ? v.retry.split(",").map((k) => k.trim()).filter(Boolean)
    : [];
  for (const kind of retry) {
    if (!FAILURE_KINDS.includes(kind)) {
      throw new UsageError(
        `Unknown failure kind "${kind}" in --retry: use ${FAILURE_KINDS.join(", ")}`,
      );
    }
  }
  const dataset = await loadDataset(datasetPath, { format: format as "auto" });
  for (const p of dataset.problems) io.stderr(`warning: ${datasetPath}:${p.line}: ${p.message}\n`);

  const spec = await agentSpec(v);
  const scorers = await makeScorers(v, spec);
  const out = typeof v.out === "string"
    ? v.out
    : `${dataset.name}${shard ? `.shard-${shard.index}-of-${shard.count}` : ""}.results.jsonl`;
  // Before the run, not after it: a typo must not cost the whole evaluation's report.
  if (typeof v.html === "string") await checkHtmlPath(v.html, [datasetPath, out]);

  const controller = new AbortController();
  const signal = io.signal ? AbortSignal.any([io.signal, controller.signal]) : controller.signal;
  let interrupts = 0;
  const onSigint = () => {
    if (++interrupts > 1) Deno.exit(130);
    controller.abort(new DOMException("Interrupted by the user", "AbortError"));
  };
  if (!io.signal) Deno.addSignalListener("SIGINT", onSigint);
  const progress = progressReporter({ write: io.stderr, terminal: io.terminal });
  io.stderr(
    `Evaluating ${dataset.tasks.length} tasks of ${datasetPath}${
      shard ? ` (shard ${shard.index}/${shard.count})` : ""
    }; results: ${out}\n`,
  );
  try {
    const report = await evaluate({
      dataset,
      agent: spec.factory,
      scorers,
      resultsPath: out,
      concurrency,
      timeoutMs: timeoutS * 1000,
      maxSteps: spec.fromModule ? undefined : maxSteps,
      shard,
      limit,
      retry: retry as FailureKind[],
      prices: price && spec.modelId ? { [spec.modelId]: price } : undefined,
      signal,
      onProgress: progress.update,
    });
    progress.end();
    if (report.resumed) io.stderr(`Resumed: ${report.resumed} tasks were already in ${out}\n`);
    io.stdout(formatSummary(report.summary, { wallMs: report.wallMs }));
    if (typeof v.html === "string") {
      await writeAtomically(
        v.html,
        renderHtmlReport(report.results, {
          title: `Evaluation of ${datasetPath}`,
          wallMs: report.wallMs,
        }),
      );
      io.stderr(`HTML report: ${v.html}\n`);
    }
    if (minAccuracy !== undefined && !(report.summary.accuracy >= minAccuracy)) {
      io.stderr(
        `error: accuracy ${
          (report.summary.accuracy * 100).toFixed(1)
        }% is below --min-accuracy ${minAccuracy}\n`,
      );
      return 1;
    }
    return 0;
  } catch (error) {
    progress.end();
    if (signal.aborted) {
      const kept = (await readResults(out).catch(() => ({ results: [] }))).results.length;
      io.stderr(
        `Interrupted: ${kept} results are kept in ${out}; run the same command again to resume\n`,
      );
      return 130;
    }
    throw error;
  } finally {
    if (!io.signal) Deno.removeSignalListener("SIGINT", onSigint);
  }
}

interface AgentSpec {
  factory: AgentFactory;
  fromModule: boolean;
  modelId?: string;
  model?: () => Promise<Model>;
  scorers?: Scorer[];
}

async function agentSpec(v: Values): Promise<AgentSpec> {
  if (typeof v.agent === "string") {
    const path = v.agent;
    const ignored = AGENT_FLAGS.filter((flag) => v[flag] !== undefined);
    if (ignored.length) {
      throw new UsageError(
        `--agent builds the whole agent: drop ${
          ignored.map((f) => `--${f}`).join(", ")
        } (or set them in "${path}")`,
      );
    }
    let module: Record<string, unknown>;
    try {
      const url = /^[a-z]+:/i.test(path) ? path : pathToFileURL(path).href;
      module = await import(url);
    } catch (error) {
      throw new UsageError(
        `Cannot load --agent "${path}": ${(error as Error).message.split("\n")[0]}`,
      );
    }
    const factory = module.default ?? module.agent;
    if (typeof factory !== "function") {
      throw new UsageError(
        `--agent "${path}" must export a function as default: export default (task) => new CodeAgent({ ... })`,
      );
    }
    const scorers = module.scorers === undefined
      ? undefined
      : (Array.isArray(module.scorers) ? module.scorers : [module.scorers]) as Scorer[];
    return { factory: factory as AgentFactory, fromModule: true, scorers };
  }
  const actionType = (v["action-type"] ?? "code") as string;
  if (actionType !== "code" && actionType !== "tool_calling") {
    throw new UsageError(`Unknown --action-type "${actionType}": use code or tool_calling`);
  }
  const toolNames = ((v.tools as string[] | undefined) ?? []).flatMap((t) => t.split(",")).map((
    t,
  ) => t.trim()).filter(Boolean);
  for (const name of toolNames) {
    if (!TOOL_NAMES.includes(name)) {
      throw new UsageError(`Unknown tool "${name}": use ${TOOL_NAMES.join(", ")}`);
    }
  }
  const executorName = (v.executor ?? "deno") as string;
  if (!["deno", "docker", "e2b"].includes(executorName)) {
    throw new UsageError(`Unknown --executor "${executorName}": use deno, docker or e2b`);
  }
  let templates: PromptTemplates | undefined;
  if (typeof v.prompts === "string") {
    try {
      templates = parsePromptTemplates(await Deno.readTextFile(v.prompts));
    } catch (error) {
      throw new UsageError(`Cannot use --prompts "${v.prompts}": ${(error as Error).message}`);
    }
  }
  const permissions: Record<string, boolean | string[]> = {};
  for (const p of PERMISSION_NAMES) {
    const value = v[`allow-${p}`] as string | boolean | undefined;
    if (value === undefined) continue;
    permissions[p] = value === true
      ? true
      : String(value).split(",").map((s) => s.trim()).filter(Boolean);
  }
  const imports = ((v.imports as string[] | undefined) ?? []).flatMap((s) => s.split(",")).map((
    s,
  ) => s.trim()).filter(Boolean);
  const model = () => createModel(v, v["model-id"] as string | undefined);
  // Checked once before any task starts, so a missing key is one clear error, not one per task.
  const probe = await model();
  const tools = await toolFactory(toolNames);
  const maxSteps = integer(v["max-steps"], "--max-steps", 1) ?? 10;
  const factory: AgentFactory = async (task) => {
    const common = {
      model: await model(),
      tools: tools(),
      maxSteps,
      logLevel: LogLevel.OFF,
      // Nobody watches the reply being written: one request, one response.
      streamOutputs: false,
      instructions: v.instructions as string | undefined,
      promptTemplates: templates,
    };
    if (actionType === "tool_calling") return new ToolCallingAgent(common);
    // A task's files are readable by its sandbox, and nothing else unless granted.
    const read = permissions.read === true
      ? true
      : [...((permissions.read as string[]) ?? []), ...(task.files ?? [])];
    const taskPermissions = { ...permissions, ...(read === true || read.length ? { read } : {}) };
    const executor = await createExecutor(executorName, taskPermissions, imports);
    return new CodeAgent({
      ...common,
      ...(executor ? { executor } : { permissions: taskPermissions }),
      authorizedImports: imports,
    });
  };
  return { factory, fromModule: false, modelId: probe.modelId, model };
}

async function makeScorers(v: Values, spec: AgentSpec): Promise<Scorer[] | undefined> {
  const names = (v.scorer as string[] | undefined) ?? [];
  if (names.length === 0) return spec.scorers;
  const list: Scorer[] = [];
  for (const name of names) {
    if (name === "judge") {
      const judgeModel = v["judge-model-id"] !== undefined
        ? await createModel(v, v["judge-model-id"] as string)
        : await spec.model?.();
      if (!judgeModel) {
        throw new UsageError(
          "--scorer judge with --agent needs --judge-model-id (and the model flags)",
        );
      }
      list.push(llmJudge({ model: judgeModel }));
      continue;
    }
    try {
      list.push(scorerByName(name));
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  return list;
}

async function toolFactory(names: string[]): Promise<() => Tool[]> {
  if (names.length === 0) return () => [];
  const web = names.some((n) => n !== "local") ? await import("../../tools/mod.ts") : undefined;
  return () =>
    names.flatMap((name): Tool[] => {
      switch (name) {
        case "local":
          return localEvalTools();
        case "web_search":
          return [new web!.WebSearchTool()];
        case "visit_webpage":
          return [new web!.VisitWebpageTool()];
        default:
          return [new web!.WikipediaSearchTool()];
      }
    });
}

async function createExecutor(
  name: string,
  permissions: Record<string, boolean | string[]>,
  imports: string[],
): Promise<Executor | undefined> {
  if (name === "docker") {
    const { DockerExecutor } = await import("../../executors/docker.ts");
    return new DockerExecutor(
      { permissions, authorizedImports: imports } as ConstructorParameters<
        typeof DockerExecutor
      >[0],
    );
  }
  if (name === "e2b") {
    const { E2BExecutor } = await import("../../executors/e2b.ts");
    return new E2BExecutor({ permissions, authorizedImports: imports });
  }
  return undefined;
}

// The model flags as in `smolagent`, built by the same code; each missing
// setting is named in CLI terms, as a usage error.
async function createModel(v: Values, modelId: string | undefined): Promise<Model> {
  const given = (v["model-type"] ?? "OpenAIServerModel") as string;
  const modelType = resolveModelType(given);
  if (modelType === undefined) {
    throw new UsageError(
      `Unknown --model-type "${given}": use ${MODEL_TYPES.join(", ")} (or pass --agent FILE)`,
    );
  }
  const apiBase = v["api-base"] as string | undefined;
  if (apiBase !== undefined && (!/^https?:\/\//i.test(apiBase) || !URL.canParse(apiBase))) {
    throw new UsageError(
      `--api-base must be an http(s) URL such as http://127.0.0.1:11434/v1, got "${apiBase}"`,
    );
  }
  try {
    const { model } = await createCliModel({
      modelType,
      modelId,
      apiBase,
      apiKey: v["api-key"] as string | undefined,
      provider: v.provider as string | undefined,
    }, () => {});
    return model;
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(error.message);
    throw error;
  }
}

function parsePrice(value: Values[string]): ModelPrice | undefined {
  if (value === undefined) return undefined;
  const [a, b] = String(value).split(",").map(Number);
  if (!(a >= 0) || !(b >= 0)) {
    throw new UsageError(
      `--price must be IN,OUT in US dollars per million tokens, e.g. 0.15,0.60, got "${value}"`,
    );
  }
  return { inputPerMillion: a, outputPerMillion: b };
}

function integer(value: Values[string], flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new UsageError(`${flag} must be an integer >= ${min}, got "${value}"`);
  }
  return n;
}

function number(value: Values[string], flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    throw new UsageError(`${flag} must be a number > 0, got "${value}"`);
  }
  return n;
}
