/**
 * The ReAct loop shared by every agent: memory → messages → model → action →
 * observation, with planning, final-answer checks, step callbacks, managed
 * agents, token and time accounting. Streaming first: {@linkcode
 * MultiStepAgent.stream} yields events and {@linkcode MultiStepAgent.run}
 * drains it.
 *
 * @module
 */

import { AgentBudgetError, AgentError, AgentGenerationError } from "../errors.ts";
import type { BaseToolsContext } from "../base_tools.ts";
import type { AgentEvent, BudgetStop, RunState, Timing } from "../events.ts";
import { Logger, LogLevel } from "../logger.ts";
import {
  type ActionStep,
  addTokenUsage,
  AgentMemory,
  errorToData,
  type FinalAnswerStep,
  type MemoryStep,
  type PlanningStep,
  type TaskStep,
} from "../memory.ts";
import type { Model } from "../models/model.ts";
import { type PromptTemplates, validatePromptTemplates } from "../prompts.ts";
import type { Tool } from "../tool.ts";
import {
  type CallbackLists,
  checkBudget,
  checkFinalAnswerChecks,
  checkManagedAgents,
  checkModel,
  checkName,
  checkRunOptions,
  checkStepOptions,
  checkTools,
  normalizeCallbacks,
  positiveInteger,
  withBaseTools,
} from "./_agent_options.ts";
import { type AgentDescription, describeAgent, renderAgentTree } from "./_describe.ts";
import { type ToolApprovalHandler, withApproval } from "./_approval.ts";
import { writeFallbackAnswer } from "./_fallback_answer.ts";
import { EventQueue, withQueued } from "./_event_queue.ts";
import { managedAgentTool } from "./_managed_agent.ts";
import { isPlanningStep, writePlan } from "./_planning.ts";
import { type AgentData, agentToData, saveAgentData } from "../serialize/_agent_data.ts";
import { agentFromData, type LoadAgentOptions } from "../serialize/_agent_load.ts";
import { SerializationError } from "../serialize/_errors.ts";
import { Telemetry, type TelemetryOptions, type TraceScope } from "../telemetry.ts";
import {
  endRunSpan,
  modelResult,
  planResult,
  startPlanningSpan,
  startRunSpan,
  startStepSpan,
  stepResult,
  stepScope,
  traced,
  withStepScope,
} from "./_telemetry.ts";
import {
  countActions,
  type RunBudget,
  type RunOptions,
  type RunResult,
  type StartStepOptions,
  type StepContext,
  type StepOptions,
  type StepOutcome,
  type StepResult,
  taskWithArgs,
  toImagePart,
} from "./_run.ts";

export type { AgentDescription, ToolDescription } from "./_describe.ts";
export type { AgentData, ModelSpec, ToolData } from "../serialize/_agent_data.ts";
export type { LoadAgentOptions, ModelFactory } from "../serialize/_agent_load.ts";
export type {
  ToolApprovalDecision,
  ToolApprovalHandler,
  ToolApprovalRequest,
} from "./_approval.ts";
export type {
  ModelPrice,
  RunBudget,
  RunOptions,
  RunResult,
  StartStepOptions,
  StepContext,
  StepOptions,
  StepOutcome,
  StepResult,
} from "./_run.ts";

/** A callback run after a step of type `S`, with the agent that ran it. */
export type StepCallback<S> = (step: S, agent: MultiStepAgent) => void | Promise<void>;

/** Step callbacks keyed by the step type they follow. */
export interface StepCallbacks {
  /** After each action step (also the max-steps fallback step). */
  action?: StepCallback<ActionStep> | StepCallback<ActionStep>[];
  /** After each planning step. */
  planning?: StepCallback<PlanningStep> | StepCallback<PlanningStep>[];
  /** After the final answer is accepted. */
  final_answer?: StepCallback<FinalAnswerStep> | StepCallback<FinalAnswerStep>[];
}

/** Anything that renders events, like {@linkcode Logger}. */
export interface AgentEventSink {
  /** Receives each event of a run, as it happens. */
  log(event: AgentEvent): void;
  /**
   * Receives warnings that belong to no run, such as a CodeAgent's default
   * executor warning about risky permissions at construction. Without it,
   * they go to a console {@linkcode Logger} at the agent's `logLevel`.
   */
  warn?(message: string): void;
}

/**
 * Checks a final answer before the run accepts it. Return `false` or throw to
 * reject it: the model then sees why (the thrown message) and tries again.
 */
export type FinalAnswerCheck = (
  answer: unknown,
  memory: AgentMemory,
  agent: MultiStepAgent,
) => boolean | Promise<boolean>;

/** Options shared by every agent. */
export interface MultiStepAgentOptions {
  /** The model that chooses the actions. */
  model: Model;
  /** Tools the agent can call. */
  tools?: Tool[];
  /** Most action steps per run (default 20). */
  maxSteps?: number;
  /**
   * Decides the calls that need approval: those of tools with
   * `requiresApproval`, and of the tools and managed agents named in
   * `approvalRequired` (MCP tools, say). Answer `true`/`false` or
   * `{ approved, reason }`; the model sees a refusal and its reason. A
   * handler that throws or takes longer than `toolApprovalTimeoutMs`
   * refuses; without a handler such calls are refused. Every decision is
   * logged.
   *
   * @example Approving only small transfers
   * ```ts
   * import { LogLevel, tool, ToolCallingAgent } from "@smoldeno/agents";
   * import { ScriptedModel } from "@smoldeno/agents/testing";
   *
   * const pay = tool({
   *   name: "pay",
   *   description: "Sends money.",
   *   inputs: { amount: { type: "number", description: "Euros" } },
   *   outputType: "string",
   *   requiresApproval: true,
   *   forward: ({ amount }) => `sent ${amount} EUR`,
   * });
   * const call = (amount: number) => ({
   *   role: "assistant" as const,
   *   content: "",
   *   toolCalls: [{ id: `c${amount}`, name: "pay", arguments: { amount } }],
   * });
   * const model = new ScriptedModel({
   *   replies: [call(5000), call(20), {
   *     role: "assistant",
   *     content: "",
   *     toolCalls: [{ id: "f", name: "final_answer", arguments: { answer: "paid 20" } }],
   *   }],
   * });
   * await using agent = new ToolCallingAgent({
   *   model,
   *   tools: [pay],
   *   logLevel: LogLevel.OFF,
   *   onToolApproval: ({ args }) =>
   *     (args.amount as number) <= 100 || { approved: false, reason: "over 100 EUR" },
   * });
   * console.log(await agent.run("Pay the bill")); // "paid 20"
   * ```
   */
  onToolApproval?: ToolApprovalHandler;
  /** Names of tools and managed agents whose every call needs approval, whatever the tool says. */
  approvalRequired?: readonly string[];
  /** How long `onToolApproval` may take before the call counts as refused (default 300 000 ms). */
  toolApprovalTimeoutMs?: number;
  /**
   * Limits of each run: tokens, cost, duration (see {@linkcode RunBudget}).
   * A run past one ends with state `"budget_exceeded"`; `run()` then rejects
   * with an {@linkcode AgentBudgetError} unless `returnFullResult`.
   *
   * @example Stopping a run at a token budget
   * ```ts
   * import { CodeAgent, LogLevel } from "@smoldeno/agents";
   * import { ScriptedModel } from "@smoldeno/agents/testing";
   *
   * const model = new ScriptedModel({
   *   replies: ["<code>\nconsole.log('thinking')\n</code>"],
   *   tokenUsage: { inputTokens: 900, outputTokens: 200 },
   * });
   * await using agent = new CodeAgent({ model, budget: { maxTokens: 1_000 }, logLevel: LogLevel.OFF });
   * const result = await agent.run("Think forever", { returnFullResult: true });
   * console.log(result.state, result.budgetStop?.limit); // "budget_exceeded" "maxTokens"
   * ```
   */
  budget?: RunBudget;
  /** Write a plan before step 1, then update it every `planningInterval` steps. */
  planningInterval?: number;
  /**
   * Agents this agent can delegate to; each needs a `name` and a
   * `description`. Their events reach this agent's stream as they happen,
   * wrapped in `managed_agent_event`s, and this agent's logger renders them
   * indented (theirs stays silent). Concurrent calls of one managed agent
   * (`Promise.all` in the code, parallel tool calls) run one after the
   * other, each a fresh run, because an agent has one memory and one sandbox.
   */
  managedAgents?: MultiStepAgent[];
  /** The name by which a manager calls this agent (a valid identifier). */
  name?: string;
  /** What this agent does, shown to a manager. */
  description?: string;
  /** When managed: append a summary of the work to the report. */
  provideRunSummary?: boolean;
  /** Callbacks run after steps, by step type; an array means action-step callbacks. */
  stepCallbacks?: StepCallbacks | StepCallback<ActionStep>[];
  /** Checks the final answer must pass. */
  finalAnswerChecks?: FinalAnswerCheck[];
  /** Replaces the default prompt templates (every key is required). */
  promptTemplates?: PromptTemplates;
  /** Extra instructions appended to the system prompt. */
  instructions?: string;
  /** Use the model's stream when it has one, yielding `model_stream_delta` events (default true). */
  streamOutputs?: boolean;
  /** Renders the run's events (default: a console {@linkcode Logger} at `logLevel`). */
  logger?: AgentEventSink;
  /** Level of the default logger (default `LogLevel.INFO`; `LogLevel.OFF` for silence). */
  logLevel?: LogLevel;
  /**
   * Adds the base tools: `web_search` and `visit_webpage`, plus
   * `code_interpreter` for a `ToolCallingAgent`. They come from the toolbox,
   * so the program must `import "@smoldeno/agents/tools"` (otherwise a
   * TypeError at construction). A tool in `tools` with the same name
   * replaces the base one.
   */
  addBaseTools?: boolean;
  /**
   * OpenTelemetry traces of the runs (default on, and a no-op until an SDK
   * is installed, e.g. Deno's with `OTEL_DENO=true`): a span per run, step,
   * model call, code execution, tool call, managed agent and plan. `false`
   * opens none; `{ recordContent: true }` also records prompts, code and
   * outputs; `tracer` or `tracerProvider` choose where spans go.
   *
   * @example Tracing runs into an in-memory exporter
   * ```ts
   * import { LogLevel, ToolCallingAgent } from "@smoldeno/agents";
   * import { ScriptedModel } from "@smoldeno/agents/testing";
   * import {
   *   BasicTracerProvider,
   *   InMemorySpanExporter,
   *   SimpleSpanProcessor,
   * } from "@opentelemetry/sdk-trace-base";
   *
   * const exporter = new InMemorySpanExporter();
   * const tracerProvider = new BasicTracerProvider({
   *   spanProcessors: [new SimpleSpanProcessor(exporter)],
   * });
   * const model = new ScriptedModel({ replies: ['{"name": "final_answer", "arguments": {"answer": 4}}'] });
   * const agent = new ToolCallingAgent({ model, telemetry: { tracerProvider }, logLevel: LogLevel.OFF });
   * await agent.run("2 + 2?");
   * console.log(exporter.getFinishedSpans().map((span) => span.name));
   * // ["chat scripted-model", "execute_tool final_answer", "step 1", "invoke_agent ToolCallingAgent"]
   * ```
   */
  telemetry?: boolean | TelemetryOptions;
}

const DEFAULT_MAX_STEPS = 20;

// A run between its steps: what the next step needs, and what the run's end
// reports. `run()` keeps one for the length of its loop; `step()` keeps it
// on the agent from one call to the next.
interface OpenRun {
  task: string;
  maxSteps: number;
  // Where the run's steps begin in memory.
  firstIndex: number;
  timing: Timing;
  // The number the next action step gets; past maxSteps, the fallback answer is due.
  nextStep: number;
  // The run's span, when it is traced.
  trace?: TraceScope;
}

// What one turn of the loop did.
interface Turn {
  step: ActionStep;
  planningStep?: PlanningStep;
  output: unknown;
  // Set when the run ends with this turn.
  ended?: "success" | "max_steps_error";
}

/**
 * The base of `CodeAgent` and `ToolCallingAgent`: runs think-act-observe
 * steps until a final answer passes its checks or the step limit is reached.
 * Subclasses define what an action is.
 *
 * @example Checking the answer before accepting it
 * ```ts
 * import { LogLevel, ToolCallingAgent } from "@smoldeno/agents";
 * import { ScriptedModel } from "@smoldeno/agents/testing";
 *
 * const model = new ScriptedModel({
 *   replies: [
 *     '{"name": "final_answer", "arguments": {"answer": "four"}}',
 *     '{"name": "final_answer", "arguments": {"answer": 4}}',
 *   ],
 * });
 * const agent = new ToolCallingAgent({
 *   model,
 *   logLevel: LogLevel.OFF,
 *   finalAnswerChecks: [(answer) => typeof answer === "number"],
 * });
 * const result = await agent.run("2 + 2?", { returnFullResult: true });
 * console.log(result.output, result.state); // 4 "success"
 * ```
 */
export abstract class MultiStepAgent implements AsyncDisposable {
  /** The model. */
  readonly model: Model;
  /** Tools by name, without managed agents. */
  readonly tools: Record<string, Tool>;
  /** Managed agents by name. */
  readonly managedAgents: Record<string, MultiStepAgent>;
  /** Default step limit of a run. */
  readonly maxSteps: number;
  /** Planning cadence, if planning is on. */
  readonly planningInterval?: number;
  /** Name, for a managed agent. */
  readonly name?: string;
  /** Description, for a managed agent. */
  readonly description?: string;
  /** Whether a managed run's report includes a summary of the work. */
  readonly provideRunSummary: boolean;
  /** The prompt templates in use. */
  readonly promptTemplates: PromptTemplates;
  /** Extra system-prompt instructions. */
  readonly instructions: string;
  /** The memory of the runs so far. */
  readonly memory: AgentMemory;
  /** Where the run's events are rendered. */
  readonly logger: AgentEventSink;
  /** Values usable by name in this run (additional args, stored tool outputs). */
  state: Record<string, unknown> = {};
  readonly #callbacks: CallbackLists<StepCallback<never>>;
  readonly #checks: FinalAnswerCheck[];
  readonly #budget?: RunBudget;
  readonly #approve?: ToolApprovalHandler;
  readonly #approvalRequired: ReadonlySet<string>;
  readonly #approvalTimeoutMs: number;
  readonly #streamOutputs: boolean;
  // The options as given, for toJSON().
  readonly #options: Record<string, unknown>;
  readonly #telemetry?: Telemetry;
  #interrupted = false;
  #running = false;
  // Where managed agents' events wait to be yielded, during a run.
  #sideEvents?: EventQueue<AgentEvent>;
  #stepNumber = 0;
  // The run that step() is driving, between its calls.
  #open?: OpenRun;

  /**
   * Validates the options shared by every agent.
   *
   * @throws {TypeError} for a missing model, invalid or duplicate tools, `addBaseTools` without the toolbox imported, a managed agent without name or description, or a non-function callback.
   * @throws {RangeError} for a `maxSteps` or `planningInterval` that is not a positive integer.
   */
  constructor(options: MultiStepAgentOptions, defaultTemplates: () => PromptTemplates) {
    const kind = new.target.name;
    this.model = checkModel(options, kind);
    const prefix = `Cannot create ${kind}`;
    this.maxSteps = positiveInteger(options.maxSteps ?? DEFAULT_MAX_STEPS, "maxSteps", prefix);
    if (options.planningInterval !== undefined) {
      this.planningInterval = positiveInteger(options.planningInterval, "planningInterval", prefix);
    }
    this.name = checkName(options.name, kind);
    if (options.description !== undefined && typeof options.description !== "string") {
      throw new TypeError(`${prefix}: description must be a string`);
    }
    this.description = options.description;
    this.provideRunSummary = options.provideRunSummary ?? false;
    this.instructions = options.instructions ?? "";
    this.#streamOutputs = options.streamOutputs ?? true;
    if (options.logger !== undefined && typeof options.logger?.log !== "function") {
      throw new TypeError(`${prefix}: logger must have a log(event) method`);
    }
    this.logger = options.logger ?? new Logger({ level: options.logLevel ?? LogLevel.INFO });
    this.promptTemplates = validatePromptTemplates(options.promptTemplates ?? defaultTemplates());
    const tools = withBaseTools(
      options.tools,
      options.addBaseTools,
      () => this.baseToolsContext(),
      kind,
    );
    this.tools = checkTools(tools, kind);
    this.managedAgents = checkManagedAgents(
      options.managedAgents,
      (value): value is MultiStepAgent => value instanceof MultiStepAgent,
      this.tools,
      kind,
    );
    this.#callbacks = normalizeCallbacks<StepCallback<never>>(options.stepCallbacks, kind);
    this.#checks = checkFinalAnswerChecks<FinalAnswerCheck>(options.finalAnswerChecks, kind);
    this.#budget = checkBudget(options.budget, this.model.modelId, `Cannot create ${kind}`);
    if (options.onToolApproval !== undefined && typeof options.onToolApproval !== "function") {
      throw new TypeError(`Cannot create ${kind}: onToolApproval must be a function`);
    }
    this.#approve = options.onToolApproval;
    const required = options.approvalRequired ?? [];
    if (!Array.isArray(required) || required.some((n) => typeof n !== "string")) {
      throw new TypeError(`Cannot create ${kind}: approvalRequired must be an array of tool names`);
    }
    const known = new Set([...Object.keys(this.tools), ...Object.keys(this.managedAgents)]);
    const unknown = required.filter((n) => !known.has(n));
    if (unknown.length) {
      throw new TypeError(
        `Cannot create ${kind}: approvalRequired names no tool or managed agent: ${
          unknown.join(", ")
        }`,
      );
    }
    this.#approvalRequired = new Set(required);
    this.#approvalTimeoutMs = positiveInteger(
      options.toolApprovalTimeoutMs ?? 300_000,
      "toolApprovalTimeoutMs",
      `Cannot create ${kind}`,
    );
    this.#telemetry = Telemetry.resolve(options.telemetry, kind);
    this.memory = new AgentMemory("");
    this.#options = { ...options } as Record<string, unknown>;
  }

  /**
   * The agent as data: its class, model settings (never a key), the options
   * that are data (limits, permissions, authorized imports, …), prompt
   * templates, each given tool as module text, and its managed agents. The
   * options that are functions are named in `notSaved`. `JSON.stringify`
   * uses it; {@linkcode MultiStepAgent.fromJSON} reverses it.
   *
   * @example Looking at an agent as data
   * ```ts
   * import { CodeAgent, LogLevel } from "@smoldeno/agents";
   * import { ScriptedModel } from "@smoldeno/agents/testing";
   *
   * await using agent = new CodeAgent({
   *   model: new ScriptedModel({ replies: [], modelId: "scripted" }),
   *   maxSteps: 5,
   *   authorizedImports: ["npm:lodash@4"],
   *   logLevel: LogLevel.OFF,
   * });
   * const data = agent.toJSON();
   * console.log(data.class, data.options.maxSteps, data.model.type); // "CodeAgent" 5 "ScriptedModel"
   * ```
   *
   * @throws {SerializationError} when a tool's code cannot be read as source.
   */
  toJSON(): AgentData {
    return agentToData({
      className: this.constructor.name,
      options: this.#options,
      model: this.model,
      promptTemplates: this.promptTemplates,
      managedAgents: Object.values(this.managedAgents).map((agent) => agent.toJSON()),
    });
  }

  /**
   * Saves the agent as a folder: `agent.json` (see {@linkcode toJSON}, with
   * tools and managed agents by name), `prompts.yaml`, `tools/<name>.ts`
   * (each tool a self-contained module) and `managed_agents/<name>/`. The
   * folder is written beside `dir` and renamed into place, so a failure
   * leaves no half-written folder. Load it with `loadAgent(dir)` from
   * `@smoldeno/agents/serialize`.
   *
   * @example Saving an agent and loading it back
   * ```ts
   * import { CodeAgent, LogLevel } from "@smoldeno/agents";
   * import { loadAgent } from "@smoldeno/agents/serialize";
   * import { ScriptedModel } from "@smoldeno/agents/testing";
   *
   * const model = new ScriptedModel({ replies: ["<code>\nfinal_answer(6 * 7)\n</code>"] });
   * await using agent = new CodeAgent({ model, maxSteps: 3, logLevel: LogLevel.OFF });
   * const dir = await Deno.makeTempDir();
   * await agent.save(`${dir}/agent`);
   * await using loaded = await loadAgent(`${dir}/agent`, { model });
   * console.log(loaded.maxSteps, await loaded.run("6 times 7?")); // 3 42
   * await Deno.remove(dir, { recursive: true });
   * ```
   *
   * @throws {SerializationError} when a tool uses names defined outside it, or the folder cannot be written.
   */
  save(dir: string): Promise<void> {
    return saveAgentData(dir, this.toJSON());
  }

  /**
   * Makes an agent from {@linkcode toJSON}'s data. Its tools are modules, so
   * loading runs their code: it needs `trustRemoteCode: true` when there are
   * any. The model comes from `options.model`, or from the saved spec for a
   * registered model type (`@smoldeno/agents/serialize` registers the
   * built-in ones); functions not saved come back through `overrides`.
   *
   * @example Copying an agent through its data
   * ```ts
   * import { LogLevel, ToolCallingAgent } from "@smoldeno/agents";
   * import { ScriptedModel } from "@smoldeno/agents/testing";
   *
   * const model = new ScriptedModel({ replies: [] });
   * const agent = new ToolCallingAgent({ model, maxToolThreads: 2, logLevel: LogLevel.OFF });
   * const copy = await ToolCallingAgent.fromJSON(agent.toJSON(), { model });
   * console.log(copy instanceof ToolCallingAgent, copy.maxToolThreads); // true 2
   * ```
   *
   * @throws {TypeError} when the data has tools and `trustRemoteCode` is not `true`.
   * @throws {SerializationError} when the data is corrupt, of another class, or names an unknown model type.
   */
  static async fromJSON<T extends MultiStepAgent>(
    this: abstract new (...args: never[]) => T,
    data: AgentData,
    options: LoadAgentOptions = {},
  ): Promise<T> {
    const agent = await agentFromData(data, options);
    if (!(agent instanceof this)) {
      await (agent as MultiStepAgent).close?.();
      throw new SerializationError(
        `Cannot load a ${this.name} from data of a ${(data as { class?: string })?.class}: use ${
          (data as { class?: string })?.class
        }.fromJSON() or MultiStepAgent.fromJSON()`,
        { kind: "unsupported" },
      );
    }
    return agent;
  }

  /**
   * What this agent asks the base-tools provider for with `addBaseTools:
   * true`. It is called by the constructor, before a subclass's fields are
   * set, so it must not read them. The default asks for the tools that need
   * no sandbox of their own.
   */
  protected baseToolsContext(): BaseToolsContext {
    return { agentType: "code" };
  }

  /** Renders the system prompt from the templates, tools and managed agents. */
  protected abstract initializeSystemPrompt(): string;

  /** Runs one action step, filling `step` and yielding its events. */
  protected abstract executeStep(
    step: ActionStep,
    context: StepContext,
  ): AsyncGenerator<AgentEvent, StepOutcome>;

  /**
   * Prepares what the actions need before the first step of a run (e.g. the
   * sandbox); `reset` is false when the run continues the previous one.
   */
  protected prepareRun(
    _additionalArgs: Record<string, unknown>,
    _options: { reset: boolean },
  ): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Tools the model can call, managed agents included, by name. A managed
   * agent's events reach this agent's stream wrapped in
   * `managed_agent_event`s, and this agent's logger renders them (indented);
   * the managed agent's own logger stays silent, so nothing prints twice.
   * Concurrent calls of one managed agent run one after the other.
   */
  protected toolsAndManagedAgents(): Record<string, Tool> {
    const all: Record<string, Tool> = { ...this.tools };
    for (const agent of Object.values(this.managedAgents)) {
      const name = agent.name!;
      all[name] = managedAgentTool(
        agent as MultiStepAgent & { name: string; description: string },
        {
          stream: (task, options) => agent.#stream(task, options, undefined),
          onEvent: (event) =>
            this.#sideEvents?.push({
              type: "managed_agent_event",
              stepNumber: this.#stepNumber,
              agentName: name,
              event,
            }),
        },
      );
    }
    for (const [name, tool] of Object.entries(all)) {
      const marked = this.#approvalRequired.has(name);
      if (!marked && tool.requiresApproval === undefined) continue;
      all[name] = withApproval(tool, {
        marked,
        ask: this.#approve,
        timeoutMs: this.#approvalTimeoutMs,
        agentName: this.name,
        log: (message) => this.logger.warn?.(message),
      });
    }
    return all;
  }

  /**
   * Asks the agent to stop after the current step of `run()` or `stream()`.
   * {@linkcode step} ignores it: there, the caller decides whether another
   * step follows.
   */
  interrupt(): void {
    this.#interrupted = true;
  }

  /**
   * Runs the agent on `task` and resolves to its answer, or to a
   * {@linkcode RunResult} with `returnFullResult: true`.
   *
   * @throws {AgentGenerationError} when the model cannot reply.
   * @throws {AgentError} when the run was interrupted (unless `returnFullResult`).
   */
  run(task: string, options: RunOptions & { returnFullResult: true }): Promise<RunResult>;
  /**
   * Runs the agent on `task` and resolves to its answer.
   *
   * @example Getting the answer of a run
   * ```ts
   * import { LogLevel, ToolCallingAgent } from "@smoldeno/agents";
   * import { ScriptedModel } from "@smoldeno/agents/testing";
   *
   * const model = new ScriptedModel({ replies: ['{"name": "final_answer", "arguments": {"answer": 4}}'] });
   * const agent = new ToolCallingAgent({ model, logLevel: LogLevel.OFF });
   * console.log(await agent.run("2 + 2?")); // 4
   * ```
   *
   * @throws {AgentGenerationError} when the model cannot reply.
   * @throws {AgentError} when the run was interrupted.
   */
  run(task: string, options?: RunOptions): Promise<unknown>;
  async run(task: string, options: RunOptions = {}): Promise<unknown> {
    const events = this.stream(task, options);
    let next = await events.next();
    while (!next.done) next = await events.next();
    const result = next.value;
    if (options.returnFullResult) return result;
    if (result.state === "interrupted") {
      throw new AgentError(`Agent run was interrupted after ${countActions(result.steps)} steps`);
    }
    if (result.state === "budget_exceeded" && result.budgetStop) {
      throw new AgentBudgetError(result.budgetStop);
    }
    return result.output;
  }

  /**
   * Runs the agent on `task`, yielding every event as it happens. The
   * generator's return value is the {@linkcode RunResult}. Closing the
   * generator early (a `break` out of `for await`) ends the run; when a step
   * is busy at that moment (a managed agent reporting from inside it), the
   * step's model call, code or tool calls are aborted.
   *
   * @example Streaming the events of a run
   * ```ts
   * import { LogLevel, ToolCallingAgent } from "@smoldeno/agents";
   * import { ScriptedModel } from "@smoldeno/agents/testing";
   *
   * const model = new ScriptedModel({ replies: ['{"name": "final_answer", "arguments": {"answer": "hi"}}'] });
   * const agent = new ToolCallingAgent({ model, logLevel: LogLevel.OFF });
   * const types: string[] = [];
   * for await (const event of agent.stream("Say hi")) {
   *   if (event.type !== "model_stream_delta") types.push(event.type);
   * }
   * console.log(types.at(0), types.at(-1)); // "run_start" "run_end"
   * ```
   *
   * @throws {AgentGenerationError} when the model cannot reply.
   */
  stream(task: string, options: RunOptions = {}): AsyncGenerator<AgentEvent, RunResult> {
    return this.#stream(task, options, this.logger);
  }

  /**
   * Starts a run on `task` and takes its first step only: the task is written
   * to memory, the tools (and a CodeAgent's sandbox) are set up as `run()`
   * does, a plan is written if planning is on, and one action step runs.
   * Call `step()` without a task for each next step. Between steps the
   * memory is yours to read or edit; it is the memory a `run()` would have.
   *
   * The step's events go to the agent's logger, as in `run()`; step
   * callbacks and final-answer checks run as they would there. An error of
   * the action (bad code, a failed tool call, a rejected final answer) is
   * recorded in `result.step.error` for the model to see next step, not
   * thrown. Once `maxSteps` steps have run without a final answer, the next
   * call writes the fallback answer and ends the run (`max_steps_error`).
   *
   * @example Running an agent one step at a time
   * ```ts
   * import { LogLevel, tool, ToolCallingAgent } from "@smoldeno/agents";
   * import { ScriptedModel } from "@smoldeno/agents/testing";
   *
   * const double = tool({
   *   name: "double",
   *   description: "Doubles a number.",
   *   inputs: { n: { type: "number", description: "The number" } },
   *   outputType: "number",
   *   forward: ({ n }) => n * 2,
   * });
   * const model = new ScriptedModel({
   *   replies: [
   *     '{"name": "double", "arguments": {"n": 21}}',
   *     '{"name": "final_answer", "arguments": {"answer": 42}}',
   *   ],
   * });
   * const agent = new ToolCallingAgent({ model, tools: [double], logLevel: LogLevel.OFF });
   *
   * let result = await agent.step("What is 21 doubled?");
   * console.log(result.isFinalAnswer, result.step.observations); // false "42"
   * while (!result.isFinalAnswer) {
   *   // The memory can be read or edited here, before the next step.
   *   result = await agent.step();
   * }
   * console.log(result.output, result.run?.state); // 42 "success"
   * ```
   *
   * @throws {TypeError} for an empty task or invalid options (as `run()`).
   * @throws {AgentError} when the agent is already running or stepping.
   * @throws {AgentGenerationError} when the model cannot reply.
   */
  step(task: string, options?: StartStepOptions): Promise<StepResult>;
  /**
   * Takes the next step of the run that `step(task)` started. A step that
   * throws (its signal fired, the model failed) leaves the run open: calling
   * `step()` again takes a new step. A new `step(task)` or `run()` abandons
   * the run in progress.
   *
   * @example Cancelling a step
   * ```ts
   * import { LogLevel, ToolCallingAgent } from "@smoldeno/agents";
   * import { ScriptedModel } from "@smoldeno/agents/testing";
   *
   * const controller = new AbortController();
   * const model = new ScriptedModel({
   *   replies: [
   *     '{"name": "final_answer", "arguments": {"answer": "never seen"}}',
   *     '{"name": "final_answer", "arguments": {"answer": "done"}}',
   *   ],
   * });
   * const agent = new ToolCallingAgent({ model, logLevel: LogLevel.OFF });
   * controller.abort(new Error("not now"));
   * const error = await agent.step("Finish", { signal: controller.signal }).catch((e) => e);
   * console.log(error.message); // "not now"
   * console.log((await agent.step()).output); // "never seen"
   * ```
   *
   * @throws {TypeError} when no run is in progress, or for invalid options.
   * @throws {AgentError} when the agent is already running or stepping.
   * @throws {AgentGenerationError} when the model cannot reply.
   */
  step(options?: StepOptions): Promise<StepResult>;
  async step(
    taskOrOptions?: string | StepOptions,
    startOptions?: StartStepOptions,
  ): Promise<StepResult> {
    const kind = this.constructor.name;
    let start: { task: string; options: StartStepOptions; maxSteps: number } | undefined;
    let signal: AbortSignal | undefined;
    if (typeof taskOrOptions === "string") {
      const options = startOptions ?? {};
      start = {
        task: taskOrOptions,
        options,
        maxSteps: this.#checkRun(taskOrOptions, options, "step"),
      };
      signal = options.signal;
    } else {
      signal = checkStepOptions(taskOrOptions ?? {}, kind).signal;
      this.#checkIdle("step");
      if (this.#open === undefined) {
        throw new TypeError(
          `Cannot step ${kind}: no run is in progress: start one with a task, agent.step("…")`,
        );
      }
    }
    const events = this.#drive(
      "step",
      signal,
      this.logger,
      (combined) => this.#stepOnce(start, combined),
    );
    let next = await events.next();
    while (!next.done) next = await events.next();
    return next.value;
  }

  /**
   * The agent's structure as plain data: its class, name, model id, limits,
   * tools, and its managed agents, each described the same way.
   *
   * @example Listing the tools of an agent and its team
   * ```ts
   * import { LogLevel, ToolCallingAgent } from "@smoldeno/agents";
   * import { ScriptedModel } from "@smoldeno/agents/testing";
   *
   * const model = new ScriptedModel({ replies: [] });
   * const researcher = new ToolCallingAgent({
   *   model,
   *   name: "researcher",
   *   description: "Finds facts.",
   *   logLevel: LogLevel.OFF,
   * });
   * const manager = new ToolCallingAgent({ model, managedAgents: [researcher], logLevel: LogLevel.OFF });
   * const description = manager.describe();
   * console.log(description.className, description.managedAgents[0].name); // "ToolCallingAgent" "researcher"
   * ```
   *
   * @throws {TypeError} when an agent manages itself, directly or through others.
   */
  describe(): AgentDescription {
    return describeAgent(this);
  }

  /**
   * The agent drawn as a text tree: its class, name and model, its tools with
   * their inputs and output type, and its managed agents with their own tools,
   * nested. It returns the text and prints nothing; `console.log` it to see it.
   * Long descriptions are cut to one line; {@linkcode describe} has them in full.
   *
   * @example Drawing a manager and its team
   * ```ts
   * import { LogLevel, tool, ToolCallingAgent } from "@smoldeno/agents";
   * import { ScriptedModel } from "@smoldeno/agents/testing";
   *
   * const search = tool({
   *   name: "search",
   *   description: "Searches the web.",
   *   inputs: { query: { type: "string", description: "What to search" } },
   *   outputType: "string",
   *   forward: ({ query }) => `results for ${query}`,
   * });
   * const model = new ScriptedModel({ replies: [] });
   * const researcher = new ToolCallingAgent({
   *   model,
   *   tools: [search],
   *   name: "researcher",
   *   description: "Finds facts on the web.",
   *   logLevel: LogLevel.OFF,
   * });
   * const manager = new ToolCallingAgent({ model, managedAgents: [researcher], logLevel: LogLevel.OFF });
   * console.log(manager.visualize());
   * // ToolCallingAgent (model: scripted-model, maxSteps: 20)
   * // ├── Tools: none
   * // └── Managed agents
   * //     └── ToolCallingAgent "researcher" (model: scripted-model, maxSteps: 20)
   * //         ├── Description: Finds facts on the web.
   * //         └── Tools
   * //             └── search(query: string) → string: Searches the web.
   * ```
   *
   * @throws {TypeError} when an agent manages itself, directly or through others.
   */
  visualize(): string {
    return renderAgentTree(this.describe());
  }

  // The task and the run options, checked; returns the run's step limit.
  #checkRun(task: string, options: RunOptions, verb: string): number {
    const kind = this.constructor.name;
    if (typeof task !== "string" || task.trim() === "") {
      throw new TypeError(`Cannot ${verb} ${kind}: the task must be a non-empty string`);
    }
    const maxSteps = positiveInteger(
      options?.maxSteps ?? this.maxSteps,
      "maxSteps",
      `Cannot ${verb} ${kind}`,
    );
    checkRunOptions(options, kind, verb);
    return maxSteps;
  }

  #checkIdle(verb: string): void {
    if (this.#running) {
      throw new AgentError(
        `Cannot ${verb} ${this.constructor.name}: it is already running; wait for the ${
          verb === "step" ? "current run or step" : "run"
        } to end`,
      );
    }
  }

  // The run's events, each shown on `sink` first; events that managed agents
  // report during a step are merged in as they arrive.
  async *#stream(
    task: string,
    options: RunOptions,
    sink: AgentEventSink | undefined,
  ): AsyncGenerator<AgentEvent, RunResult> {
    const maxSteps = this.#checkRun(task, options, "run");
    return yield* this.#drive(
      "run",
      options.signal,
      sink,
      (signal) => this.#loop(task, { ...options, signal }, maxSteps),
    );
  }

  // Drives `source` (a run, or one step of it) as the only work of the agent:
  // each event is shown on `sink` first, and managed agents' events are merged
  // in as they arrive. `source` gets a signal that fires when `outer` does or
  // when the consumer stops reading while a step is busy.
  async *#drive<R>(
    verb: string,
    outer: AbortSignal | undefined,
    sink: AgentEventSink | undefined,
    source: (signal: AbortSignal) => AsyncGenerator<AgentEvent, R>,
  ): AsyncGenerator<AgentEvent, R> {
    this.#checkIdle(verb);
    this.#running = true;
    this.#interrupted = false;
    // Aborted when the consumer stops reading while a step is busy, so that
    // the step's work (a managed agent's run, the code) stops too.
    const stopped = new AbortController();
    const signal = outer ? AbortSignal.any([outer, stopped.signal]) : stopped.signal;
    const side = new EventQueue<AgentEvent>();
    this.#sideEvents = side;
    const events = withQueued(
      source(signal),
      side,
      () => stopped.abort(new AgentError("The run was stopped: its event stream was closed")),
    );
    try {
      let next = await events.next();
      while (!next.done) {
        sink?.log(next.value);
        yield next.value;
        next = await events.next();
      }
      return next.value;
    } finally {
      // When the consumer stops early, end the source too so its cleanup runs.
      await events.return(undefined as unknown as R);
      this.#sideEvents = undefined;
      this.#running = false;
    }
  }

  async *#loop(
    task: string,
    options: RunOptions,
    maxSteps: number,
  ): AsyncGenerator<AgentEvent, RunResult> {
    const budget = this.#runBudget(options.budget);
    const run = yield* this.#begin(task, options, maxSteps);
    // The duration limit also cancels a step in progress.
    const overtime = new AbortController();
    const timer = budget?.maxDurationMs === undefined ? undefined : setTimeout(
      () => overtime.abort(new AgentError("The run's budget.maxDurationMs was reached")),
      Math.max(0, run.timing.startTime + budget.maxDurationMs - Date.now()),
    );
    const signal = options.signal
      ? AbortSignal.any([options.signal, overtime.signal])
      : overtime.signal;
    const context = this.#context(signal);
    try {
      while (true) {
        if (this.#interrupted) return yield* this.#end(run, "interrupted", null);
        options.signal?.throwIfAborted();
        const stop = this.#overBudget(run, budget);
        if (stop) return yield* this.#end(run, "budget_exceeded", null, stop);
        let turn: Turn;
        try {
          turn = yield* this.#turn(run, context);
        } catch (error) {
          if (!overtime.signal.aborted || options.signal?.aborted) throw error;
          const stop = this.#overBudget(run, budget)!;
          return yield* this.#end(run, "budget_exceeded", null, stop);
        }
        if (turn.ended) return yield* this.#end(run, turn.ended, turn.output);
      }
    } catch (error) {
      run.trace?.end(error);
      throw error;
    } finally {
      clearTimeout(timer);
      run.trace?.end();
    }
  }

  /** This run's budget: the run's limits over the agent's. */
  #runBudget(given: RunBudget | undefined): RunBudget | undefined {
    const run = checkBudget(
      given === undefined
        ? undefined
        : { ...given, prices: { ...this.#budget?.prices, ...given.prices } },
      this.model.modelId,
      `Cannot run ${this.constructor.name}`,
    );
    if (!run) return this.#budget;
    return { ...this.#budget, ...run };
  }

  /** The first limit of `budget` the run has reached, if any. */
  #overBudget(run: OpenRun, budget: RunBudget | undefined): BudgetStop | undefined {
    if (!budget) return undefined;
    const elapsed = Date.now() - run.timing.startTime;
    if (budget.maxDurationMs !== undefined && elapsed >= budget.maxDurationMs) {
      return { limit: "maxDurationMs", max: budget.maxDurationMs, used: elapsed };
    }
    const usage = addTokenUsage(
      ...this.memory.steps.slice(run.firstIndex).map((s) =>
        s.type === "action" || s.type === "planning" ? s.tokenUsage : undefined
      ),
    );
    const tokens = usage.inputTokens + usage.outputTokens;
    if (budget.maxTokens !== undefined && tokens >= budget.maxTokens) {
      return { limit: "maxTokens", max: budget.maxTokens, used: tokens };
    }
    const price = this.model.modelId ? budget.prices?.[this.model.modelId] : undefined;
    if (budget.maxCostUsd !== undefined && price) {
      const cost = (usage.inputTokens * price.inputPerMillion +
        usage.outputTokens * price.outputPerMillion) / 1e6;
      if (cost >= budget.maxCostUsd) {
        return { limit: "maxCostUsd", max: budget.maxCostUsd, used: cost };
      }
    }
    return undefined;
  }

  // One call of step(): starts the run first when given its task.
  async *#stepOnce(
    start: { task: string; options: StartStepOptions; maxSteps: number } | undefined,
    signal: AbortSignal,
  ): AsyncGenerator<AgentEvent, StepResult> {
    let run = this.#open;
    if (start) {
      run = yield* this.#begin(start.task, { ...start.options, signal }, start.maxSteps);
      this.#open = run;
    }
    if (run === undefined) throw new TypeError("Cannot step: no run is in progress");
    signal.throwIfAborted();
    const turn = yield* this.#turn(run, this.#context(signal));
    const planning = turn.planningStep ? { planningStep: turn.planningStep } : {};
    if (!turn.ended) {
      return { step: turn.step, ...planning, isFinalAnswer: false, output: turn.output };
    }
    this.#open = undefined;
    const result = yield* this.#end(run, turn.ended, turn.output);
    return {
      step: turn.step,
      ...planning,
      isFinalAnswer: true,
      output: result.output,
      run: result,
    };
  }

  #context(signal: AbortSignal | undefined): StepContext {
    return { signal, stream: this.#streamOutputs };
  }

  // Starts a run: memory, the task step, run_start, and what the actions need.
  async *#begin(
    task: string,
    options: RunOptions,
    maxSteps: number,
  ): AsyncGenerator<AgentEvent, OpenRun> {
    // A new run abandons the one step() was driving.
    this.#open?.trace?.end();
    this.#open = undefined;
    const timing: Timing = { startTime: Date.now() };
    const reset = options.reset ?? true;
    if (reset) {
      this.memory.reset();
      this.state = {};
    }
    const additionalArgs = { ...options.additionalArgs };
    Object.assign(this.state, additionalArgs);
    this.memory.systemPrompt = {
      type: "system_prompt",
      systemPrompt: this.initializeSystemPrompt(),
    };
    const firstIndex = this.memory.steps.length;
    const taskStep: TaskStep = { type: "task", task: taskWithArgs(task, additionalArgs) };
    const images = options.images?.map(toImagePart);
    if (images?.length) taskStep.images = images;
    this.memory.steps.push(taskStep);
    yield {
      type: "run_start",
      task,
      ...(this.name ? { agentName: this.name } : {}),
      modelId: this.model.modelId,
      maxSteps,
      reset,
      imageCount: images?.length ?? 0,
      additionalArgs: Object.keys(additionalArgs),
    };
    const trace = startRunSpan(this.#telemetry, this, {
      task,
      maxSteps,
      reset,
      additionalArgs: Object.keys(additionalArgs),
    }, options);
    try {
      await this.prepareRun(additionalArgs, { reset });
    } catch (error) {
      trace?.end(error);
      throw error;
    }
    return { task, maxSteps, firstIndex, timing, nextStep: 1, trace };
  }

  // One turn in its span, when the run is traced.
  #turn(run: OpenRun, context: StepContext): AsyncGenerator<AgentEvent, Turn> {
    const scope = startStepSpan(run.trace, run.nextStep);
    return traced(
      scope,
      this.#turnBody(run, withStepScope(context, scope)),
      (span, turn) => stepResult(span, turn.step),
    );
  }

  // One turn of the loop: a plan when due, then an action step and its
  // callbacks; past the step limit, the fallback answer instead.
  async *#turnBody(run: OpenRun, context: StepContext): AsyncGenerator<AgentEvent, Turn> {
    const stepNumber = run.nextStep++;
    const { maxSteps } = run;
    if (stepNumber > maxSteps) {
      const step = yield* this.#fallbackAnswer(run.task, maxSteps, context);
      return { step, output: step.actionOutput, ended: "max_steps_error" };
    }
    this.#stepNumber = stepNumber;
    const planningStep = isPlanningStep(stepNumber, this.planningInterval)
      ? yield* this.#plan(run.task, stepNumber, maxSteps, context)
      : undefined;
    const step: ActionStep = {
      type: "action",
      stepNumber,
      timing: { startTime: Date.now() },
      isFinalAnswer: false,
    };
    yield { type: "step_start", stepNumber, maxSteps };
    try {
      const outcome = yield* this.executeStep(step, context);
      step.actionOutput = outcome.output;
      if (outcome.isFinalAnswer) {
        await runFinalAnswerChecks(this.#checks, outcome.output, this.memory, this);
        step.isFinalAnswer = true;
      }
    } catch (error) {
      if (error instanceof AgentGenerationError || !(error instanceof AgentError)) {
        this.#finishStep(step);
        throw error;
      }
      step.error = errorToData(error);
      yield { type: "error", stepNumber, error: step.error };
    }
    this.#finishStep(step);
    yield {
      type: "step_end",
      stepNumber,
      timing: step.timing,
      ...(step.tokenUsage ? { tokenUsage: step.tokenUsage } : {}),
      isFinalAnswer: step.isFinalAnswer,
    };
    await this.#runCallbacks("action", step);
    return {
      step,
      ...(planningStep ? { planningStep } : {}),
      output: step.actionOutput,
      ...(step.isFinalAnswer ? { ended: "success" as const } : {}),
    };
  }

  // Ends a run: the final answer step (unless interrupted) and run_end.
  async *#end(
    run: OpenRun,
    state: RunState,
    answer: unknown,
    budgetStop?: BudgetStop,
  ): AsyncGenerator<AgentEvent, RunResult> {
    if (state !== "interrupted" && state !== "budget_exceeded") {
      const finalStep: FinalAnswerStep = { type: "final_answer", output: answer };
      this.memory.steps.push(finalStep);
      yield { type: "final_answer", output: answer };
      await this.#runCallbacks("final_answer", finalStep);
    }
    const { timing } = run;
    timing.endTime = Date.now();
    timing.duration = timing.endTime - timing.startTime;
    const steps = this.memory.steps.slice(run.firstIndex);
    const tokenUsage = addTokenUsage(
      ...steps.map((
        s,
      ) => (s.type === "action" || s.type === "planning" ? s.tokenUsage : undefined)),
    );
    const output = state === "interrupted" || state === "budget_exceeded" ? null : answer;
    const stop = budgetStop ? { budgetStop } : {};
    yield {
      type: "run_end",
      state,
      output,
      stepCount: countActions(steps),
      tokenUsage,
      timing,
      ...stop,
    };
    endRunSpan(run.trace, { state, stepCount: countActions(steps), tokenUsage, output });
    return { output, state, steps, tokenUsage, timing, ...stop };
  }

  #finishStep(step: ActionStep): void {
    step.timing.endTime = Date.now();
    step.timing.duration = step.timing.endTime - step.timing.startTime;
    this.memory.steps.push(step);
  }

  async *#plan(
    task: string,
    stepNumber: number,
    maxSteps: number,
    context: StepContext,
  ): AsyncGenerator<AgentEvent, PlanningStep> {
    const scope = startPlanningSpan(stepScope(context), stepNumber);
    const step = yield* traced(
      scope,
      writePlan({
        model: this.model,
        templates: this.promptTemplates,
        memory: this.memory,
        variables: { task, ...this.promptToolVariables() },
        stepNumber,
        maxSteps,
        signal: context.signal,
        stream: context.stream,
        trace: scope,
      }),
      planResult,
    );
    this.memory.steps.push(step);
    await this.#runCallbacks("planning", step);
    return step;
  }

  /** Variables describing tools and managed agents for the prompt templates. */
  protected abstract promptToolVariables(): { tools: unknown[]; managedAgents: unknown[] };

  async *#fallbackAnswer(
    task: string,
    maxSteps: number,
    context: StepContext,
  ): AsyncGenerator<AgentEvent, ActionStep> {
    // The fallback's model call, as a span of its own.
    const scope = stepScope(context)?.child(`chat ${this.model.modelId}`, {
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": this.model.modelId,
      "smoldeno.model.phase": "final_answer",
    });
    const step = yield* traced(
      scope,
      writeFallbackAnswer({
        model: this.model,
        templates: this.promptTemplates,
        memory: this.memory,
        task,
        maxSteps,
        signal: context.signal,
        stream: context.stream,
      }),
      (span, s) => s.modelOutputMessage && modelResult(span, this.model, s.modelOutputMessage),
    );
    this.#finishStep(step);
    await this.#runCallbacks("action", step);
    return step;
  }

  async #runCallbacks<K extends keyof StepCallbacks>(type: K, step: MemoryStep): Promise<void> {
    for (const callback of this.#callbacks[type]) {
      await (callback as StepCallback<MemoryStep>)(step, this);
    }
  }

  /**
   * Renders the runs in memory again through the logger and returns their
   * events, for a UI to show a past run the same way as a live one.
   */
  replay(): AgentEvent[] {
    const events = this.memory.replay();
    for (const event of events) this.logger.log(event);
    return events;
  }

  /** Frees what the agent created (e.g. the sandbox it spawned). Idempotent. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Same as {@linkcode close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Runs `checks` in order on `answer`; the first to return `false` or throw
 * rejects it with an {@linkcode AgentError} the model is shown.
 */
async function runFinalAnswerChecks(
  checks: readonly FinalAnswerCheck[],
  answer: unknown,
  memory: AgentMemory,
  agent: MultiStepAgent,
): Promise<void> {
  for (const check of checks) {
    const label = check.name ? `"${check.name}"` : `${checks.indexOf(check) + 1}`;
    let accepted: boolean;
    try {
      accepted = await check(answer, memory, agent);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new AgentError(`Final answer check ${label} rejected the answer: ${reason}`, {
        cause: error,
      });
    }
    if (accepted === false) {
      throw new AgentError(`Final answer check ${label} rejected the answer`);
    }
  }
}
