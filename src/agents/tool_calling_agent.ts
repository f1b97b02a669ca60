/**
 * The ToolCallingAgent: its actions are tool calls, made through the model's
 * native tool calling, or written as JSON in the reply when the model has
 * none.
 *
 * @module
 */

import {
  AgentError,
  AgentParsingError,
  AgentToolCallError,
  AgentToolExecutionError,
} from "../errors.ts";
import { DenoExecutor } from "../../executors/deno_executor.ts";
import type { BaseToolsContext } from "../base_tools.ts";
import type { AgentEvent, ErrorData } from "../events.ts";
import { isAudioValue, isImageValue } from "../media.ts";
import { type ActionStep, errorToData } from "../memory.ts";
import type { ImagePart, ToolCall } from "../models/model.ts";
import { renderPrompt, toolCallingAgentPromptTemplates } from "../prompts.ts";
import type { Tool } from "../tool.ts";
import { extractJsonToolCalls } from "./_code_blocks.ts";
import { formatValue, truncate } from "./_format.ts";
import { positiveInteger } from "./_agent_options.ts";
import { callModel, parseArguments, textOf } from "./_model_call.ts";
import { stepScope, tracedToolCall } from "./_telemetry.ts";
import {
  MultiStepAgent,
  type MultiStepAgentOptions,
  type StepContext,
  type StepOutcome,
} from "./multi_step_agent.ts";
import { registerAgentClass } from "../serialize/_agent_load.ts";

/** Options of {@linkcode ToolCallingAgent}. */
export interface ToolCallingAgentOptions extends MultiStepAgentOptions {
  /** Most characters of one tool's observation shown to the model (default 20 000). */
  maxObservationLength?: number;
  /**
   * Most tool calls of one model reply that run at the same time (default:
   * all of them). The others wait for a free slot, in the model's order;
   * observations are reported in the model's order either way. `1` runs the
   * calls one after the other, for tools that must not overlap.
   *
   * @example Running at most two tool calls at a time
   * ```ts
   * import { LogLevel, ToolCallingAgent } from "@smoldeno/agents";
   * import { ScriptedModel } from "@smoldeno/agents/testing";
   *
   * const agent = new ToolCallingAgent({
   *   model: new ScriptedModel({ replies: [] }),
   *   maxToolThreads: 2,
   *   logLevel: LogLevel.OFF,
   * });
   * console.log(agent.maxToolThreads); // 2
   * ```
   */
  maxToolThreads?: number;
}

const DEFAULT_FINAL_ANSWER: Tool = {
  name: "final_answer",
  description: "Gives the final answer to the task and ends it.",
  inputs: { answer: { type: "any", description: "The complete final answer." } },
  outputType: "any",
  call(args: Record<string, unknown>): Promise<unknown> {
    if (Object.hasOwn(args, "answer")) return Promise.resolve(args.answer);
    // Models sometimes rename the argument ("result", "final_answer"); one
    // value is unambiguous, several are not.
    const values = Object.values(args);
    if (values.length === 1) return Promise.resolve(values[0]);
    return Promise.reject(
      new AgentToolCallError(
        `final_answer takes one argument, "answer", got ${
          Object.keys(args).map((k) => `"${k}"`).join(", ") || "none"
        }`,
        { toolName: "final_answer" },
      ),
    );
  },
};

interface CallResult {
  call: ToolCall;
  output?: unknown;
  observation: string;
  error?: AgentError;
}

/**
 * An agent that acts by calling tools. Calls made in one step run
 * concurrently (at most `maxToolThreads` at a time, when set); their
 * observations are reported in call order.
 *
 * @example Calling a tool, then answering
 * ```ts
 * import { tool, ToolCallingAgent } from "@smoldeno/agents";
 * import { ScriptedModel } from "@smoldeno/agents/testing";
 *
 * const getWeather = tool({
 *   name: "get_weather",
 *   description: "Weather report for a city.",
 *   inputs: { city: { type: "string", description: "City name" } },
 *   outputType: "string",
 *   forward: ({ city }) => `Sunny in ${city}`,
 * });
 * const model = new ScriptedModel({
 *   replies: [
 *     { role: "assistant", content: null, toolCalls: [{ id: "1", name: "get_weather", arguments: { city: "Paris" } }] },
 *     '{"name": "final_answer", "arguments": {"answer": "Sunny"}}',
 *   ],
 * });
 * const agent = new ToolCallingAgent({ model, tools: [getWeather] });
 * console.log(await agent.run("Weather in Paris?")); // "Sunny"
 * ```
 */
export class ToolCallingAgent extends MultiStepAgent {
  /** Most tool calls of one reply run at the same time; undefined: no limit. */
  readonly maxToolThreads?: number;
  readonly #maxObservationLength: number;

  /**
   * Creates a ToolCallingAgent. Options are checked here, before any model call.
   *
   * @throws {TypeError} for invalid options (see {@linkcode MultiStepAgent}).
   * @throws {RangeError} for a `maxObservationLength` or `maxToolThreads` that is not a positive integer.
   */
  constructor(options: ToolCallingAgentOptions) {
    super(options, toolCallingAgentPromptTemplates);
    this.#maxObservationLength = options.maxObservationLength ?? 20_000;
    if (!Number.isInteger(this.#maxObservationLength) || this.#maxObservationLength < 1) {
      throw new RangeError(
        `Cannot create ToolCallingAgent: maxObservationLength must be a positive integer, got ${options.maxObservationLength}`,
      );
    }
    if (options.maxToolThreads !== undefined) {
      this.maxToolThreads = positiveInteger(
        options.maxToolThreads,
        "maxToolThreads",
        "Cannot create ToolCallingAgent",
      );
    }
    this.memory.systemPrompt.systemPrompt = this.initializeSystemPrompt();
  }

  /**
   * Asks for `code_interpreter` too, each call in a fresh default sandbox.
   * A ToolCallingAgent has no `permissions` option, so that sandbox gets no
   * permissions: the code can compute, not reach files or the network.
   */
  protected override baseToolsContext(): BaseToolsContext {
    return { agentType: "tool_calling", createExecutor: () => new DenoExecutor() };
  }

  /** Every tool the model may call: tools, managed agents and `final_answer`. */
  get callableTools(): Record<string, Tool> {
    return { final_answer: DEFAULT_FINAL_ANSWER, ...this.toolsAndManagedAgents() };
  }

  /** Renders the system prompt with the tools' names, descriptions and input schemas. */
  protected initializeSystemPrompt(): string {
    const { tools, managedAgents } = this.promptToolVariables();
    return renderPrompt(this.promptTemplates.systemPrompt, {
      tools,
      managedAgents,
      authorizedImports: "",
      customInstructions: this.instructions,
      codeOpen: "",
      codeClose: "",
      structuredOutput: false,
    }, "systemPrompt");
  }

  /** Tools and managed agents as the prompt templates see them. */
  protected promptToolVariables(): { tools: unknown[]; managedAgents: unknown[] } {
    const describe = (tool: Tool) => ({
      name: tool.name,
      description: tool.description,
      declaration: "",
      inputsJson: JSON.stringify(tool.inputs),
      outputType: tool.outputType,
    });
    const all = this.callableTools;
    const tools = Object.values(all).filter((t) => !(t.name in this.managedAgents)).map(describe);
    const managedAgents = Object.keys(this.managedAgents).map((name) => describe(all[name]));
    return { tools, managedAgents };
  }

  /** One step: ask for tool calls, run them concurrently (up to `maxToolThreads`), record the observations. */
  protected async *executeStep(
    step: ActionStep,
    context: StepContext,
  ): AsyncGenerator<AgentEvent, StepOutcome> {
    const messages = this.memory.toMessages();
    step.modelInputMessages = messages;
    const tools = this.callableTools;
    const reply = yield* callModel(this.model, messages, {
      signal: context.signal,
      toolsToCallFrom: Object.values(tools),
      toolChoice: "required",
      stopSequences: ["Observation:", "Calling tools:"],
    }, {
      stepNumber: step.stepNumber,
      phase: "action",
      stream: context.stream,
      trace: stepScope(context),
    });
    step.modelOutputMessage = reply;
    if (reply.tokenUsage) step.tokenUsage = reply.tokenUsage;
    const text = textOf(reply);
    step.modelOutput = text;
    yield {
      type: "model_output",
      stepNumber: step.stepNumber,
      phase: "action",
      content: text,
      ...(reply.toolCalls?.length ? { toolCalls: reply.toolCalls } : {}),
      ...(reply.tokenUsage ? { tokenUsage: reply.tokenUsage } : {}),
    };

    const calls = reply.toolCalls?.length
      ? reply.toolCalls.map((c) => ({
        ...c,
        arguments: typeof c.arguments === "string" ? parseArguments(c.arguments) : c.arguments,
      }))
      : extractJsonToolCalls(text).map((c, i) => ({
        id: `call_${step.stepNumber}_${i + 1}`,
        ...c,
      }));
    step.toolCalls = calls;
    if (calls.length === 0) {
      throw new AgentParsingError("The reply has no tool call: call a tool, or final_answer", {
        reply: text,
      });
    }
    const finals = calls.filter((c) => c.name === "final_answer");
    if (finals.length > 0 && calls.length > 1) {
      const others = calls.filter((c) => c.name !== "final_answer").map((c) => `"${c.name}"`);
      throw new AgentToolCallError(
        `final_answer must be called alone, but it came with ${
          others.join(", ") || "another final_answer"
        }: call the other tools first, then final_answer in a later step`,
        { toolName: "final_answer" },
      );
    }
    for (const call of calls) {
      yield {
        type: "tool_call",
        stepNumber: step.stepNumber,
        id: call.id,
        name: call.name,
        arguments: call.arguments,
      };
    }

    const results = await mapConcurrently(
      calls,
      this.maxToolThreads ?? calls.length,
      (call) => this.#execute(call, tools, context),
    );
    const images: ImagePart[] = [];
    for (const result of results) {
      const error: ErrorData | undefined = result.error ? errorToData(result.error) : undefined;
      yield {
        type: "tool_result",
        stepNumber: step.stepNumber,
        id: result.call.id,
        name: result.call.name,
        observation: result.observation,
        ...(error ? { error } : { output: result.output }),
      };
      if (isImageValue(result.output)) {
        images.push({ type: "image", image: result.output.data, mimeType: result.output.mimeType });
      }
    }
    if (images.length) step.observationImages = images;
    const observations = results.filter((r) => !r.error).map((r) =>
      results.length > 1
        ? `Result of ${r.call.name} (${r.call.id}):\n${r.observation}`
        : r.observation
    );
    if (observations.length) {
      step.observations = observations.join("\n\n");
      yield { type: "observation", stepNumber: step.stepNumber, observation: step.observations };
    }
    const failed = results.find((r) => r.error);
    if (failed?.error) throw failed.error;

    if (finals.length === 1) return { isFinalAnswer: true, output: results[0].output };
    const outputs = results.map((r) => r.output);
    return { isFinalAnswer: false, output: outputs.length === 1 ? outputs[0] : outputs };
  }

  async #execute(
    call: ToolCall,
    tools: Record<string, Tool>,
    context: StepContext,
  ): Promise<CallResult> {
    const tool = tools[call.name];
    try {
      if (tool === undefined) {
        throw new AgentToolCallError(
          `Cannot find tool "${call.name}": available tools are ${
            Object.keys(tools).map((n) => `"${n}"`).join(", ")
          }`,
          { toolName: call.name },
        );
      }
      const args = this.#substituteState(call.arguments, tool);
      const output = await tracedToolCall(
        stepScope(context),
        tool,
        args,
        context.signal ? { signal: context.signal } : undefined,
        { id: call.id, agent: call.name in this.managedAgents },
      );
      return { call, output, observation: this.#observe(output) };
    } catch (error) {
      if (context.signal?.aborted) throw error;
      const agentError = error instanceof AgentError ? error : new AgentToolExecutionError(
        `Tool "${call.name}" failed: ${error instanceof Error ? error.message : String(error)}`,
        { toolName: call.name, cause: error },
      );
      return { call, observation: "", error: agentError };
    }
  }

  // A string argument that names a stored value (an additional argument or an
  // earlier image/audio result) stands for that value: models cannot write
  // bytes or big objects in JSON, but they can name them.
  #substituteState(args: Record<string, unknown> | string, tool: Tool): Record<string, unknown> {
    let record: Record<string, unknown>;
    if (typeof args === "string") {
      const names = Object.keys(tool.inputs);
      if (names.length !== 1) {
        throw new AgentToolCallError(
          `Tool "${tool.name}" takes an object of arguments (${
            names.map((n) => `"${n}"`).join(", ") || "none"
          }), got the text ${JSON.stringify(args.slice(0, 100))}`,
          { toolName: tool.name },
        );
      }
      record = { [names[0]]: args };
    } else record = args;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(record)) {
      out[key] = typeof value === "string" && Object.hasOwn(this.state, value)
        ? this.state[value]
        : value;
    }
    return out;
  }

  #observe(output: unknown): string {
    if (isImageValue(output) || isAudioValue(output)) {
      const prefix = output.type;
      let n = 1;
      while (Object.hasOwn(this.state, `${prefix}_${n}`)) n++;
      const name = `${prefix}_${n}`;
      this.state[name] = output;
      return `Stored the result as "${name}".`;
    }
    return truncate(formatValue(output), this.#maxObservationLength);
  }
}

/**
 * `fn` over `items` with at most `limit` calls pending at once, started in
 * order; the results keep the order of `items`. After a rejection no new call
 * starts, and the first rejection is the result.
 */
async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < items.length && !failed) {
      const index = next++;
      try {
        results[index] = await fn(items[index]);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const workers = Array.from({ length: Math.min(limit, items.length) }, worker);
  await Promise.all(workers);
  return results;
}

// Loading a saved agent finds the class here by name.
registerAgentClass(
  "ToolCallingAgent",
  (options) => new ToolCallingAgent(options as unknown as ToolCallingAgentOptions),
);
