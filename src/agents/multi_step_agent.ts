/**
 * The ReAct loop shared by every agent: memory → messages → model → action →
 * observation, with planning, final-answer checks, step callbacks, managed
 * agents, token and time accounting. Streaming first: {@linkcode
 * MultiStepAgent.stream} yields events and {@linkcode MultiStepAgent.run}
 * drains it.
 *
 * @module
 */

import { AgentError, AgentGenerationError } from "../errors.ts";
import type { BaseToolsContext } from "../base_tools.ts";
import type { AgentEvent, RunState, Timing } from "../events.ts";
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
  checkFinalAnswerChecks,
  checkManagedAgents,
  checkModel,
  checkName,
  checkRunOptions,
  checkTools,
  normalizeCallbacks,
  positiveInteger,
  withBaseTools,
} from "./_agent_options.ts";
import { writeFallbackAnswer } from "./_fallback_answer.ts";
import { EventQueue, withQueued } from "./_event_queue.ts";
import { managedAgentTool } from "./_managed_agent.ts";
import { isPlanningStep, writePlan } from "./_planning.ts";
import {
  countActions,
  type RunOptions,
  type RunResult,
  type StepContext,
  type StepOutcome,
  taskWithArgs,
  toImagePart,
} from "./_run.ts";

export type { RunOptions, RunResult, StepContext, StepOutcome } from "./_run.ts";

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
}

const DEFAULT_MAX_STEPS = 20;

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
  readonly #streamOutputs: boolean;
  #interrupted = false;
  #running = false;
  // Where managed agents' events wait to be yielded, during a run.
  #sideEvents?: EventQueue<AgentEvent>;
  #stepNumber = 0;

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
    this.memory = new AgentMemory("");
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
    return all;
  }

  /** Asks the agent to stop after the current step. */
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

  // The run's events, each shown on `sink` first; events that managed agents
  // report during a step are merged in as they arrive.
  async *#stream(
    task: string,
    options: RunOptions,
    sink: AgentEventSink | undefined,
  ): AsyncGenerator<AgentEvent, RunResult> {
    if (typeof task !== "string" || task.trim() === "") {
      throw new TypeError(
        `Cannot run ${this.constructor.name}: the task must be a non-empty string`,
      );
    }
    const maxSteps = positiveInteger(
      options.maxSteps ?? this.maxSteps,
      "maxSteps",
      `Cannot run ${this.constructor.name}`,
    );
    checkRunOptions(options, this.constructor.name);
    if (this.#running) {
      throw new AgentError(
        `Cannot run ${this.constructor.name}: it is already running; wait for the run to end`,
      );
    }
    this.#running = true;
    this.#interrupted = false;
    // Aborted when the consumer stops reading while a step is busy, so that
    // the step's work (a managed agent's run, the code) stops too.
    const stopped = new AbortController();
    const signal = options.signal
      ? AbortSignal.any([options.signal, stopped.signal])
      : stopped.signal;
    const side = new EventQueue<AgentEvent>();
    this.#sideEvents = side;
    const events = withQueued(
      this.#loop(task, { ...options, signal }, maxSteps),
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
      // When the consumer stops early, end the loop too so its cleanup runs.
      await events.return(undefined as unknown as RunResult);
      this.#sideEvents = undefined;
      this.#running = false;
    }
  }

  async *#loop(
    task: string,
    options: RunOptions,
    maxSteps: number,
  ): AsyncGenerator<AgentEvent, RunResult> {
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
    await this.prepareRun(additionalArgs, { reset });

    const context: StepContext = { signal: options.signal, stream: this.#streamOutputs };
    let state: RunState = "success";
    let answer: unknown = null;
    let done = false;
    let stepNumber = 1;
    for (; stepNumber <= maxSteps; stepNumber++) {
      this.#stepNumber = stepNumber;
      if (this.#interrupted) {
        state = "interrupted";
        break;
      }
      options.signal?.throwIfAborted();
      if (isPlanningStep(stepNumber, this.planningInterval)) {
        yield* this.#plan(task, stepNumber, maxSteps, context);
      }
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
          answer = outcome.output;
          done = true;
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
      if (done) break;
    }
    if (!done && state !== "interrupted") {
      if (this.#interrupted) state = "interrupted";
      else {
        state = "max_steps_error";
        answer = yield* this.#fallbackAnswer(task, maxSteps, context);
      }
    }
    if (state !== "interrupted") {
      const finalStep: FinalAnswerStep = { type: "final_answer", output: answer };
      this.memory.steps.push(finalStep);
      yield { type: "final_answer", output: answer };
      await this.#runCallbacks("final_answer", finalStep);
    }
    timing.endTime = Date.now();
    timing.duration = timing.endTime - timing.startTime;
    const steps = this.memory.steps.slice(firstIndex);
    const tokenUsage = addTokenUsage(
      ...steps.map((
        s,
      ) => (s.type === "action" || s.type === "planning" ? s.tokenUsage : undefined)),
    );
    const output = state === "interrupted" ? null : answer;
    yield { type: "run_end", state, output, stepCount: countActions(steps), tokenUsage, timing };
    return { output, state, steps, tokenUsage, timing };
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
  ): AsyncGenerator<AgentEvent> {
    const step = yield* writePlan({
      model: this.model,
      templates: this.promptTemplates,
      memory: this.memory,
      variables: { task, ...this.promptToolVariables() },
      stepNumber,
      maxSteps,
      signal: context.signal,
      stream: context.stream,
    });
    this.memory.steps.push(step);
    await this.#runCallbacks("planning", step);
  }

  /** Variables describing tools and managed agents for the prompt templates. */
  protected abstract promptToolVariables(): { tools: unknown[]; managedAgents: unknown[] };

  async *#fallbackAnswer(
    task: string,
    maxSteps: number,
    context: StepContext,
  ): AsyncGenerator<AgentEvent, unknown> {
    const step = yield* writeFallbackAnswer({
      model: this.model,
      templates: this.promptTemplates,
      memory: this.memory,
      task,
      maxSteps,
      signal: context.signal,
      stream: context.stream,
    });
    this.#finishStep(step);
    await this.#runCallbacks("action", step);
    return step.actionOutput;
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
