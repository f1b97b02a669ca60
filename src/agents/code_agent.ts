/**
 * The CodeAgent: its actions are TypeScript programs, run by an
 * {@linkcode Executor} (by default a Deno subprocess that can do only what
 * `permissions` grant). Tools and managed agents stay on the host and are
 * called from the code as async functions.
 *
 * @module
 */

import {
  AgentError,
  AgentExecutionError,
  AgentParsingError,
  AgentToolExecutionError,
} from "../errors.ts";
import type { AgentEvent } from "../events.ts";
import type {
  CodeOutput,
  Executor,
  PermissionDecision,
  PermissionRequestHandler,
} from "../executor.ts";
import type { PermissionRequest } from "../errors.ts";
import { isImageValue } from "../media.ts";
import type { ActionStep } from "../memory.ts";
import type { GenerateOptions, ResponseFormat } from "../models/model.ts";
import { codeAgentPromptTemplates, renderPrompt } from "../prompts.ts";
import { type Tool, toolToTypeScript } from "../tool.ts";
import { extractCode } from "./_code_blocks.ts";
import { callModel, textOf } from "./_model_call.ts";
import { Logger, LogLevel } from "../logger.ts";
import {
  type AgentEventSink,
  MultiStepAgent,
  type MultiStepAgentOptions,
  type StepContext,
  type StepOutcome,
} from "./multi_step_agent.ts";
import { registerAgentClass } from "../serialize/_agent_load.ts";
import { DenoExecutor, type DenoExecutorOptions } from "../../executors/deno_executor.ts";
import { formatValue, truncate } from "./_format.ts";
import { recordCalls, type RecordedCall, toolCallEvents } from "./_recorded_calls.ts";
import { describeDiagnostics, StepTypeChecker } from "./_type_check.ts";
import type { TraceScope } from "../telemetry.ts";
import { endExecutionSpan, startExecutionSpan, stepScope, traceTool } from "./_telemetry.ts";

/** Options of {@linkcode CodeAgent}. */
export interface CodeAgentOptions extends MultiStepAgentOptions {
  /** Runs the code; when given, the agent does not close it. Default: a new `DenoExecutor`. */
  executor?: Executor;
  /** What the default executor's code may do (Deno permissions); default: nothing. */
  permissions?: DenoExecutorOptions["permissions"];
  /** Deny lists of the default executor: they win over every grant, requested ones included. */
  deny?: DenoExecutorOptions["deny"];
  /**
   * Asked when a step of the default executor is denied a permission (see
   * `DenoExecutorOptions.onPermissionRequest`): `"deny"`, `"once"` (for this
   * run, and the runs that continue it) or `"always"` (for the later runs of
   * this agent too). On a grant the sandbox restarts with exactly what was
   * asked for and the step runs again; every grant is logged.
   *
   * @example Granting a read when the code asks for it
   * ```ts
   * import { CodeAgent, LogLevel } from "@smoldeno/agents";
   * import { ScriptedModel } from "@smoldeno/agents/testing";
   *
   * const file = await Deno.makeTempFile();
   * await Deno.writeTextFile(file, "42");
   * const model = new ScriptedModel({
   *   replies: [`<code>\nfinal_answer(Deno.readTextFileSync(${JSON.stringify(file)}))\n</code>`],
   * });
   * await using agent = new CodeAgent({
   *   model,
   *   logLevel: LogLevel.OFF,
   *   onPermissionRequest: (request) => (request.permission === "read" ? "once" : "deny"),
   * });
   * console.log(await agent.run("What does the file say?")); // "42"
   * await Deno.remove(file);
   * ```
   */
  onPermissionRequest?: PermissionRequestHandler;
  /** How long `onPermissionRequest` may take before the request counts as denied (default 60 000 ms). */
  permissionRequestTimeoutMs?: number;
  /** Modules the code may import (`"npm:lodash@4"`, `"node:*"`), for the default executor and the prompt. */
  authorizedImports?: string[];
  /** Time limit of one execution in the default executor, in ms (default 30 000). */
  timeoutMs?: number;
  /** V8 heap limit of the default executor, in MB (default 512). */
  memoryLimitMb?: number;
  /** Most characters of printed output the default executor keeps (default 50 000). */
  maxOutputLength?: number;
  /** Working directory of the default executor's sandbox (default: a private temp directory). */
  cwd?: string;
  /** The deno binary the default executor runs (default: the running one). */
  denoPath?: string;
  /** Most characters of an observation shown to the model (default 20 000). */
  maxObservationLength?: number;
  /**
   * Opening and closing tags of a code block in the model's replies
   * (default `["<code>", "</code>"]`; `"markdown"` means fenced `ts` blocks).
   */
  codeBlockTags?: readonly [string, string] | "markdown";
  /** Ask the model for `{ thought, code }` JSON through `responseFormat` instead of tagged code. */
  useStructuredOutputsInternally?: boolean;
  /**
   * Type-checks the model's code before it runs, against the declarations
   * of the tools, managed agents and `final_answer` (as the prompt shows
   * them), the run's `additionalArgs`, and what earlier successful steps of
   * this sandbox defined. `"off"` (the default) does not check; `"warn"`
   * runs the code and adds the problems to the observation; `"block"` does
   * not run it: the model reads the problems, at lines and columns of its
   * own code, and writes the step again. Only mistakes that break or
   * misbehave at run time are reported (a wrong argument name or type for a
   * tool, an undefined or misspelled name, a Promise used without `await`),
   * not the type errors valid JavaScript raises. They are also kept in
   * `ActionStep.typeCheck`.
   *
   * The TypeScript compiler (`npm:typescript`) is loaded in process when
   * the first run starts, while the model writes its first reply; it needs
   * env access and read access to Deno's npm cache. With `"off"` it is never
   * loaded.
   *
   * @example Stopping a tool call with a wrong argument name before it runs
   * ```ts
   * import { CodeAgent, LogLevel, tool } from "@smoldeno/agents";
   * import { ScriptedModel } from "@smoldeno/agents/testing";
   *
   * const sent: string[] = [];
   * const sendEmail = tool({
   *   name: "send_email",
   *   description: "Sends an email.",
   *   inputs: {
   *     to: { type: "string", description: "Recipient" },
   *     body: { type: "string", description: "Text" },
   *   },
   *   outputType: "string",
   *   forward: ({ to }) => (sent.push(to), "sent"),
   * });
   * const model = new ScriptedModel({
   *   replies: [
   *     '<code>\nawait send_email({ recipient: "ann@example.com", body: "Hi" });\n</code>',
   *     '<code>\nfinal_answer(await send_email({ to: "ann@example.com", body: "Hi" }));\n</code>',
   *   ],
   * });
   * await using agent = new CodeAgent({
   *   model,
   *   tools: [sendEmail],
   *   typeCheck: "block",
   *   logLevel: LogLevel.OFF,
   * });
   * const result = await agent.run("Say hi to Ann", { returnFullResult: true });
   * console.log(result.output, sent); // "sent" ["ann@example.com"]
   * const first = result.steps.find((step) => step.type === "action");
   * console.log(first?.type === "action" && first.typeCheck?.diagnostics[0].code); // 2353
   * ```
   */
  typeCheck?: "off" | "warn" | "block";
}

const DEFAULT_TAGS: readonly [string, string] = ["<code>", "</code>"];
const MARKDOWN_TAGS: readonly [string, string] = ["```ts", "```"];
const DEFAULT_MAX_OBSERVATION = 20_000;

const CODE_RESPONSE_FORMAT: ResponseFormat = {
  type: "json_schema",
  jsonSchema: {
    name: "code_step",
    schema: {
      type: "object",
      properties: {
        thought: { type: "string", description: "Reasoning about what to do next." },
        code: { type: "string", description: "TypeScript to run, without fences or tags." },
      },
      required: ["thought", "code"],
      additionalProperties: false,
    },
    strict: true,
  },
};

const FINAL_ANSWER_DECLARATION = [
  "/**",
  " * Ends the task: `answer` is the final answer.",
  " * @param answer The complete answer, of any type.",
  " */",
  "declare function final_answer(answer: any): void;",
].join("\n");

/**
 * An agent that acts by writing TypeScript, run in a sandbox that keeps its
 * variables from step to step.
 *
 * @example Solving a task with a scripted model
 * ```ts
 * import { CodeAgent, tool } from "@smoldeno/agents";
 * import { ScriptedModel } from "@smoldeno/agents/testing";
 *
 * const add = tool({
 *   name: "add",
 *   description: "Adds two numbers.",
 *   inputs: { a: { type: "number", description: "First" }, b: { type: "number", description: "Second" } },
 *   outputType: "number",
 *   forward: ({ a, b }) => a + b,
 * });
 * const model = new ScriptedModel({
 *   replies: ["Thought: use the tool.\n<code>\nfinal_answer(await add({ a: 2, b: 3 }));\n</code>"],
 * });
 * await using agent = new CodeAgent({ model, tools: [add] });
 * console.log(await agent.run("What is 2 + 3?")); // 5
 * ```
 */
export class CodeAgent extends MultiStepAgent {
  /** Modules the code may import. */
  readonly authorizedImports: readonly string[];
  /** The opening and closing code-block tags. */
  readonly codeBlockTags: readonly [string, string];
  /** Whether replies are `{ thought, code }` JSON. */
  readonly useStructuredOutputsInternally: boolean;
  /** Whether the code is type-checked before it runs, and what a problem found does. */
  readonly typeCheck: "off" | "warn" | "block";
  // Set unless typeCheck is "off": it models the sandbox's REPL state.
  readonly #typeChecker?: StepTypeChecker;
  #executor: Executor;
  readonly #ownsExecutor: boolean;
  // How to build the default executor again for a run that starts afresh.
  readonly #executorOptions?: DenoExecutorOptions;
  // Whether the executor holds state of earlier runs (code ran or variables were sent).
  #executorUsed = false;
  /** Requests answered "always": kept for the sandboxes of later runs once granted. */
  readonly #always: PermissionRequest[] = [];
  readonly #maxObservationLength: number;
  // Calls the running code made to host tools, reported as events after it ends.
  readonly #toolCalls: RecordedCall[] = [];
  // The span of the code running now: the sandbox's tool calls go under it.
  #executionSpan?: TraceScope;
  #closed = false;

  /**
   * Creates a CodeAgent. Options are checked here, before any model call or
   * sandbox start.
   *
   * @throws {TypeError} for invalid options (see {@linkcode MultiStepAgent}), bad tags or a bad executor.
   * @throws {RangeError} for non-positive limits.
   */
  constructor(options: CodeAgentOptions) {
    super(options, codeAgentPromptTemplates);
    this.codeBlockTags = checkTags(options.codeBlockTags);
    this.useStructuredOutputsInternally = options.useStructuredOutputsInternally ?? false;
    this.typeCheck = options.typeCheck ?? "off";
    if (!["off", "warn", "block"].includes(this.typeCheck)) {
      throw new TypeError(
        `Cannot create CodeAgent: typeCheck must be "off", "warn" or "block", got ${
          JSON.stringify(options.typeCheck)
        }`,
      );
    }
    if (this.typeCheck !== "off") this.#typeChecker = new StepTypeChecker();
    if (options.authorizedImports !== undefined) {
      if (
        !Array.isArray(options.authorizedImports) ||
        options.authorizedImports.some((s) => typeof s !== "string" || s.trim() === "")
      ) {
        throw new TypeError(
          'Cannot create CodeAgent: authorizedImports must be an array of module specifiers, e.g. ["npm:lodash@4"]',
        );
      }
    }
    this.authorizedImports = [...(options.authorizedImports ?? [])];
    this.#maxObservationLength = options.maxObservationLength ?? DEFAULT_MAX_OBSERVATION;
    if (!Number.isInteger(this.#maxObservationLength) || this.#maxObservationLength < 1) {
      throw new RangeError(
        `Cannot create CodeAgent: maxObservationLength must be a positive integer, got ${options.maxObservationLength}`,
      );
    }
    if (options.executor !== undefined) {
      const e = options.executor as Partial<Executor> | null;
      if (
        e === null || typeof e !== "object" || typeof e.execute !== "function" ||
        typeof e.sendTools !== "function" || typeof e.sendVariables !== "function" ||
        typeof e.close !== "function"
      ) {
        throw new TypeError(
          "Cannot create CodeAgent: executor must implement sendTools(), sendVariables(), execute() and close()",
        );
      }
      this.#executor = options.executor;
      this.#ownsExecutor = false;
    } else {
      // The DenoExecutor checks its options when constructed and spawns the
      // sandbox only on first use, so bad limits fail here, before any run.
      const ask = options.onPermissionRequest;
      this.#executorOptions = {
        permissions: options.permissions,
        deny: options.deny,
        permissionRequestTimeoutMs: options.permissionRequestTimeoutMs,
        onPermissionRequest: typeof ask === "function"
          ? async (request, o): Promise<PermissionDecision> => {
            const decision = await ask(request, o);
            if (decision === "always") this.#always.push(request);
            return decision;
          }
          : ask,
        authorizedImports: this.authorizedImports.length ? [...this.authorizedImports] : undefined,
        timeoutMs: options.timeoutMs,
        memoryLimitMb: options.memoryLimitMb,
        maxOutputLength: options.maxOutputLength,
        cwd: options.cwd,
        denoPath: options.denoPath,
      };
      this.#executor = new DenoExecutor({
        ...this.#executorOptions,
        onWarning: warningSink(this.logger, options.logLevel),
      });
      this.#ownsExecutor = true;
    }
    this.memory.systemPrompt.systemPrompt = this.initializeSystemPrompt();
  }

  /**
   * The executor running the code. The default one is replaced by a fresh
   * one at the start of each run with `reset: true` (the default) once it
   * has been used, so read this after a run, not before.
   */
  get executor(): Executor {
    return this.#executor;
  }

  /** Renders the system prompt: tools as TypeScript declarations, managed agents as functions. */
  protected initializeSystemPrompt(): string {
    const { tools, managedAgents } = this.promptToolVariables();
    return renderPrompt(this.promptTemplates.systemPrompt, {
      tools,
      managedAgents,
      authorizedImports: this.authorizedImports.map((s) => `"${s}"`).join(", "),
      customInstructions: this.instructions,
      codeOpen: this.codeBlockTags[0],
      codeClose: this.codeBlockTags[1],
      structuredOutput: this.useStructuredOutputsInternally,
    }, "systemPrompt");
  }

  /** Tools (with `final_answer`) and managed agents as the prompt templates see them. */
  protected promptToolVariables(): { tools: unknown[]; managedAgents: unknown[] } {
    const all = this.toolsAndManagedAgents();
    const describe = (tool: Tool) => ({
      name: tool.name,
      description: tool.description,
      declaration: toolToTypeScript(tool),
      inputsJson: JSON.stringify(tool.inputs),
      outputType: tool.outputType,
    });
    const tools = Object.values(this.tools).filter((t) => t.name !== "final_answer").map(describe);
    tools.push({
      name: "final_answer",
      description: "Ends the task with the given answer.",
      declaration: this.tools.final_answer
        ? toolToTypeScript(this.tools.final_answer)
        : FINAL_ANSWER_DECLARATION,
      inputsJson: '{"answer":{"type":"any"}}',
      outputType: "any",
    });
    const managedAgents = Object.keys(this.managedAgents).map((name) => describe(all[name]));
    return { tools, managedAgents };
  }

  /**
   * Gives the sandbox the tools, managed agents and this run's additional
   * arguments; a run that starts afresh first replaces a used default sandbox.
   */
  protected override async prepareRun(
    additionalArgs: Record<string, unknown>,
    options: { reset: boolean },
  ): Promise<void> {
    // Loads the compiler while the run starts and the model writes its first reply.
    this.#typeChecker?.warmUp();
    if (options.reset && this.#executorOptions && this.#executorUsed && !this.#closed) {
      const used = this.#executor;
      this.#keepAlwaysGrants(used);
      // Its warnings were shown when the agent was created; grants are logged.
      this.#executor = new DenoExecutor({
        ...this.#executorOptions,
        onWarning: grantsOnly(warningSink(this.logger, undefined)),
      });
      this.#executorUsed = false;
      this.#typeChecker?.reset({ variables: true });
      await used.close();
    }
    const sandboxTools = this.toolsAndManagedAgents();
    // A user-defined final_answer tool runs on the host after the code ends,
    // so the sandbox keeps its own final_answer that ends the step.
    delete sandboxTools.final_answer;
    const recorded: Record<string, Tool> = {};
    for (const [name, tool] of Object.entries(sandboxTools)) {
      const traced = traceTool(tool, () => this.#executionSpan, name in this.managedAgents);
      recorded[name] = recordCalls(traced, this.#toolCalls);
    }
    await this.#executor.sendTools(recorded);
    this.#typeChecker?.setTools([
      ...Object.values(sandboxTools).map((tool) => toolToTypeScript(tool)),
      FINAL_ANSWER_DECLARATION,
    ]);
    if (Object.keys(additionalArgs).length > 0) {
      this.#executorUsed = true;
      await this.#executor.sendVariables(additionalArgs);
      this.#typeChecker?.addVariables(additionalArgs);
    }
    // Start the sandbox now, concurrently with the first model call, so the
    // run does not wait for it later. Not awaited: a failed start is
    // reported by the first execute, which tries again.
    const warmUp = (this.#executor as { start?: () => Promise<void> }).start;
    if (typeof warmUp === "function") {
      Promise.resolve().then(() => warmUp.call(this.#executor)).catch(() => {});
    }
  }

  /** Carries the "always" grants `used` actually made into the options of the next sandbox. */
  #keepAlwaysGrants(used: Executor): void {
    if (this.#always.length === 0 || !this.#executorOptions || !(used instanceof DenoExecutor)) {
      return;
    }
    const granted = used.permissions as Record<string, unknown>;
    const permissions: Record<string, unknown> = { ...this.#executorOptions.permissions };
    const imports = [...(this.#executorOptions.authorizedImports ?? [])];
    for (const { permission, target } of this.#always.splice(0)) {
      if (permission === "import") {
        const now = used.authorizedImports;
        if (target !== undefined && now.includes(target) && !imports.includes(target)) {
          imports.push(target);
          this.#executorOptions.authorizedImports = imports;
        }
        continue;
      }
      const now = granted[permission];
      const before = permissions[permission];
      if (target === undefined || !Array.isArray(now) || !now.includes(target)) continue;
      if (before === true) continue;
      const list = Array.isArray(before) ? before : [];
      if (!list.includes(target)) permissions[permission] = [...list, target];
    }
    this.#executorOptions.permissions = permissions as DenoExecutorOptions["permissions"];
  }

  /** One step: ask for code, run it, record the observation. */
  protected async *executeStep(
    step: ActionStep,
    context: StepContext,
  ): AsyncGenerator<AgentEvent, StepOutcome> {
    const messages = this.memory.toMessages();
    step.modelInputMessages = messages;
    const [open, close] = this.codeBlockTags;
    const options: GenerateOptions = { signal: context.signal };
    if (this.useStructuredOutputsInternally) {
      options.responseFormat = CODE_RESPONSE_FORMAT;
    } else {
      const stops = ["Observation:", "Calling tools:"];
      // A closing tag that is part of the opening one (``` in ```ts) would
      // stop the reply before the code.
      if (!open.includes(close)) stops.push(close);
      options.stopSequences = stops;
    }
    const reply = yield* callModel(this.model, messages, options, {
      stepNumber: step.stepNumber,
      phase: "action",
      stream: context.stream,
      trace: stepScope(context),
    });
    step.modelOutputMessage = reply;
    if (reply.tokenUsage) step.tokenUsage = reply.tokenUsage;
    let text = textOf(reply);
    if (!this.useStructuredOutputsInternally) text = closeLastBlock(text, open, close);
    step.modelOutput = text;
    yield {
      type: "model_output",
      stepNumber: step.stepNumber,
      phase: "action",
      content: text,
      ...(reply.tokenUsage ? { tokenUsage: reply.tokenUsage } : {}),
    };

    const code = this.useStructuredOutputsInternally
      ? codeFromJson(text)
      : extractCode(text, { tags: [open, close] });
    step.code = code;
    yield { type: "code_action", stepNumber: step.stepNumber, code };

    const typeNote = await this.#checkTypes(step, code);
    if (step.typeCheck?.blocked) {
      step.observations = truncate(typeNote!, this.#maxObservationLength);
      yield { type: "observation", stepNumber: step.stepNumber, observation: step.observations };
      return { isFinalAnswer: false, output: undefined };
    }
    let result: CodeOutput;
    this.#toolCalls.length = 0;
    this.#executorUsed = true;
    const span = startExecutionSpan(stepScope(context), this.#executor, code);
    this.#executionSpan = span;
    try {
      result = await (span
        ? span.run(() =>
          this.#executor.execute(code, { signal: context.signal })
        )
        : this.#executor.execute(code, { signal: context.signal }));
      endExecutionSpan(span, result);
    } catch (error) {
      endExecutionSpan(span, undefined, error);
      yield* toolCallEvents(this.#toolCalls, step.stepNumber, this.#maxObservationLength);
      if (!(error instanceof AgentExecutionError)) throw error;
      if (error.stateLost) this.#typeChecker?.reset();
      if (error.logs || typeNote) {
        const logs = error.logs ? `Execution logs:\n${error.logs}` : "";
        step.observations = truncate(
          [logs, typeNote].filter(Boolean).join("\n"),
          this.#maxObservationLength,
        );
        yield { type: "observation", stepNumber: step.stepNumber, observation: step.observations };
      }
      throw error.stateLost && !/state|restart/i.test(error.message)
        ? withStateLostNote(error)
        : error;
    }
    yield* toolCallEvents(this.#toolCalls, step.stepNumber, this.#maxObservationLength);
    this.#typeChecker?.commit(code);
    let output = result.output;
    if (result.isFinalAnswer && this.tools.final_answer) {
      const tool = this.tools.final_answer;
      const input = Object.keys(tool.inputs)[0] ?? "answer";
      try {
        output = await tool.call({ [input]: output }, { signal: context.signal });
      } catch (error) {
        if (error instanceof AgentError) throw error;
        throw new AgentToolExecutionError(
          `Tool "final_answer" failed: ${error instanceof Error ? error.message : String(error)}`,
          { toolName: "final_answer", cause: error },
        );
      }
    }
    yield {
      type: "code_output",
      stepNumber: step.stepNumber,
      logs: result.logs,
      output,
      isFinalAnswer: result.isFinalAnswer,
    };
    if (isImageValue(output)) {
      step.observationImages = [{ type: "image", image: output.data, mimeType: output.mimeType }];
    }
    const parts: string[] = [];
    if (result.logs) parts.push(`Execution logs:\n${result.logs}`);
    if (output !== undefined) parts.push(`Last output from code snippet:\n${formatValue(output)}`);
    if (typeNote) parts.push(typeNote);
    step.observations = truncate(parts.join("\n"), this.#maxObservationLength);
    if (step.observations) {
      yield { type: "observation", stepNumber: step.stepNumber, observation: step.observations };
    }
    return { isFinalAnswer: result.isFinalAnswer, output };
  }

  /**
   * Type-checks the step's code when `typeCheck` is on, recording what was
   * found in `step.typeCheck`; returns the text the model reads about it.
   */
  async #checkTypes(step: ActionStep, code: string): Promise<string | undefined> {
    if (!this.#typeChecker) return undefined;
    const diagnostics = await this.#typeChecker.check(code);
    if (diagnostics.length === 0) return undefined;
    const blocked = this.typeCheck === "block";
    step.typeCheck = { blocked, diagnostics };
    return describeDiagnostics(diagnostics, blocked);
  }

  /** Closes the executor if this agent created it. Idempotent. */
  override async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ownsExecutor) await this.#executor.close();
  }
}

// Executor warnings (risky grants) go where the run's events go when that
// sink takes messages, else to a console Logger at the agent's level.
/** Passes on only the lines that report a permission granted or refused on request. */
function grantsOnly(sink: (message: string) => void): (message: string) => void {
  return (message) => {
    if (/^(?:Granted |Permission request refused)/.test(message)) sink(message);
  };
}

function warningSink(
  logger: AgentEventSink,
  level: LogLevel | undefined,
): (message: string) => void {
  if (typeof logger.warn === "function") return (message) => logger.warn!(message);
  const fallback = new Logger({ level: level ?? LogLevel.INFO });
  return (message) => fallback.warn(message);
}

function checkTags(tags: CodeAgentOptions["codeBlockTags"]): readonly [string, string] {
  if (tags === undefined) return DEFAULT_TAGS;
  if (tags === "markdown") return MARKDOWN_TAGS;
  if (
    !Array.isArray(tags) || tags.length !== 2 ||
    tags.some((t) => typeof t !== "string" || t.trim() === "")
  ) {
    throw new TypeError(
      'Cannot create CodeAgent: codeBlockTags must be "markdown" or two non-empty strings, e.g. ["<code>", "</code>"]',
    );
  }
  return [tags[0], tags[1]];
}

// The closing tag is a stop sequence, so providers cut it off: put it back so
// the transcript the model reads next shows well-formed blocks.
function closeLastBlock(text: string, open: string, close: string): string {
  const lastOpen = text.lastIndexOf(open);
  if (lastOpen === -1) return text;
  const after = text.slice(lastOpen + open.length);
  if (after.includes(close)) return text;
  return `${text.trimEnd()}\n${close}`;
}

function codeFromJson(text: string): string {
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  try {
    const value = JSON.parse(text.slice(start, end + 1));
    if (typeof value?.code === "string" && value.code.trim() !== "") return value.code;
  } catch {
    // Reported below with the expected shape.
  }
  throw new AgentParsingError(
    'The reply is not a JSON object with a "code" string: reply with {"thought": "...", "code": "..."}',
    { reply: text },
  );
}

function withStateLostNote(error: AgentExecutionError): AgentExecutionError {
  return new AgentExecutionError(
    `${error.message}\nThe sandbox was restarted: variables, functions and imports of earlier steps are gone.`,
    {
      kind: error.kind,
      logs: error.logs,
      permission: error.permission,
      line: error.line,
      column: error.column,
      stateLost: true,
      cause: error,
    },
  );
}

// Loading a saved agent finds the class here by name.
registerAgentClass("CodeAgent", (options) => new CodeAgent(options as unknown as CodeAgentOptions));
