// The spans of an agent run and their attributes (OpenTelemetry GenAI
// semantic conventions where they have a name, `smoldeno.*` otherwise).
// Parents are passed explicitly, not through the active context: the loop is
// a chain of async generators, which resume in their consumer's context, and
// the sandbox's tool calls arrive on the executor's reader, outside any
// step's context. The active context is still set around tools, so the
// spans user code opens nest under the call.

import { type AttributeValue, type Context, SpanKind } from "@opentelemetry/api";
import type { ActionStep, PlanningStep } from "../memory.ts";
import type { ErrorData } from "../events.ts";
import type { CodeOutput, Executor } from "../executor.ts";
import type { ChatMessage, GenerateOptions, Model, TokenUsage } from "../models/model.ts";
import type { Tool, ToolCallOptions } from "../tool.ts";
import { recordError, type Telemetry, type TraceScope } from "../telemetry.ts";

const OPERATION = "gen_ai.operation.name";

// The span a managed agent's run opens under (its tool call's), carried on
// the options of the call and of the run; spreads of those options keep it.
const PARENT: unique symbol = Symbol("smoldeno.traceParent");

// The step's span, keyed by the step context handed to executeStep.
const stepScopes = new WeakMap<object, TraceScope>();

/** `context` for the step's work; the copy knows the step's span. */
export function withStepScope<C extends object>(context: C, scope: TraceScope | undefined): C {
  if (!scope) return context;
  const copy = { ...context };
  stepScopes.set(copy, scope);
  return copy;
}

/** The span of the step that `context` belongs to, when the run is traced. */
export function stepScope(context: object | undefined): TraceScope | undefined {
  return context ? stepScopes.get(context) : undefined;
}

/** `options` carrying `parent` as the trace parent of what they start. */
export function withTraceParent<T extends object>(options: T, parent: Context | undefined): T {
  return parent ? { ...options, [PARENT]: parent } : options;
}

/** The trace parent `options` carry, if any. */
export function traceParentOf(options: object | undefined): Context | undefined {
  return (options as { [PARENT]?: Context } | undefined)?.[PARENT];
}

/**
 * `source`, with `scope` ended when it returns (after `onResult` sets the
 * result's attributes), throws (the error recorded) or is closed early.
 */
export function traced<T, R>(
  scope: TraceScope | undefined,
  source: AsyncGenerator<T, R>,
  onResult?: (scope: TraceScope, result: R) => void,
): AsyncGenerator<T, R> {
  return scope ? new TracedGenerator(scope, source, onResult) : source;
}

// A hand-written delegate rather than an async generator: `yield*` through
// one more generator costs every event of the step more promise turns.
class TracedGenerator<T, R> implements AsyncGenerator<T, R> {
  readonly #scope: TraceScope;
  readonly #source: AsyncGenerator<T, R>;
  readonly #onResult?: (scope: TraceScope, result: R) => void;

  constructor(
    scope: TraceScope,
    source: AsyncGenerator<T, R>,
    onResult?: (scope: TraceScope, result: R) => void,
  ) {
    this.#scope = scope;
    this.#source = source;
    this.#onResult = onResult;
  }

  #settle(step: Promise<IteratorResult<T, R>>): Promise<IteratorResult<T, R>> {
    return step.then((result) => {
      if (result.done) {
        this.#onResult?.(this.#scope, result.value);
        this.#scope.end();
      }
      return result;
    }, (error) => {
      this.#scope.end(error);
      throw error;
    });
  }

  next(...args: [] | [unknown]): Promise<IteratorResult<T, R>> {
    return this.#settle(this.#source.next(...args));
  }

  throw(error: unknown): Promise<IteratorResult<T, R>> {
    return this.#settle(this.#source.throw(error));
  }

  // Closed early (the consumer stopped reading): the span ends as it is.
  async return(value: R | PromiseLike<R>): Promise<IteratorResult<T, R>> {
    try {
      return await this.#source.return(value);
    } finally {
      this.#scope.end();
    }
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.return(undefined as R);
  }
}

/** What a run span says about its agent. */
export interface TracedAgent {
  readonly name?: string;
  readonly model: Model;
}

/** Opens the span of a run (`invoke_agent <name>`), under the parent `options` carry. */
export function startRunSpan(
  telemetry: Telemetry | undefined,
  agent: TracedAgent,
  run: { task: string; maxSteps: number; reset: boolean; additionalArgs: string[] },
  options: object,
): TraceScope | undefined {
  if (!telemetry) return undefined;
  const kind = agent.constructor.name;
  const name = agent.name ?? kind;
  const scope = telemetry.start(`invoke_agent ${name}`, {
    [OPERATION]: "invoke_agent",
    "gen_ai.agent.name": name,
    "gen_ai.request.model": agent.model.modelId,
    "smoldeno.agent.class": kind,
    "smoldeno.run.max_steps": run.maxSteps,
    "smoldeno.run.reset": run.reset,
    // Names only: the values are the user's data.
    "smoldeno.run.additional_args": run.additionalArgs,
  }, traceParentOf(options));
  scope?.content("smoldeno.task", run.task);
  return scope;
}

/** Ends a run span with how the run ended. */
export function endRunSpan(
  scope: TraceScope | undefined,
  result: { state: string; stepCount: number; tokenUsage: TokenUsage; output: unknown },
): void {
  if (!scope) return;
  scope.set({
    "smoldeno.run.state": result.state,
    "smoldeno.run.step_count": result.stepCount,
    ...usage(result.tokenUsage),
  });
  scope.content("smoldeno.output", result.output);
  scope.end();
}

/** Opens the span of one turn: the plan (when due) and the action step. */
export function startStepSpan(
  run: TraceScope | undefined,
  stepNumber: number,
): TraceScope | undefined {
  return run?.child(`step ${stepNumber}`, { "smoldeno.step.number": stepNumber });
}

/** Sets what the action step did on its span; an error shown to the model marks it failed. */
export function stepResult(scope: TraceScope, step: ActionStep): void {
  scope.set({
    "smoldeno.step.is_final_answer": step.isFinalAnswer,
    "smoldeno.step.duration_ms": step.timing.duration,
    "smoldeno.step.tool_calls": step.toolCalls?.length,
    ...usage(step.tokenUsage),
  });
  scope.content("smoldeno.observations", step.observations);
  if (step.error) recordError(scope.span, dataError(step.error));
}

/** Opens the planning span under the step's. */
export function startPlanningSpan(
  step: TraceScope | undefined,
  stepNumber: number,
): TraceScope | undefined {
  return step?.child("planning", {
    "smoldeno.planning.kind": stepNumber === 1 ? "initial" : "update",
  });
}

/** Sets the plan's token usage (and text, with content) on its span. */
export function planResult(scope: TraceScope, step: PlanningStep): void {
  scope.set(usage(step.tokenUsage));
  scope.content("smoldeno.plan", step.plan);
}

/** Opens a model call span (`chat <model>`). */
export function startModelSpan(
  parent: TraceScope | undefined,
  model: Model,
  messages: ChatMessage[],
  options: GenerateOptions,
  info: { phase: string; streamed: boolean },
): TraceScope | undefined {
  if (!parent) return undefined;
  const scope = parent.child(`chat ${model.modelId}`, {
    [OPERATION]: "chat",
    "gen_ai.request.model": model.modelId,
    "smoldeno.model.phase": info.phase,
    "smoldeno.model.streamed": info.streamed,
  }, SpanKind.CLIENT);
  scope.set({
    "gen_ai.request.stop_sequences": options.stopSequences,
    "smoldeno.model.tool_count": options.toolsToCallFrom?.length,
  });
  if (scope.telemetry.recordContent) {
    scope.content("gen_ai.input.messages", messages.map(messageContent));
  }
  return scope;
}

/**
 * Sets what the reply says on its span: the response model and finish
 * reasons from the provider's raw response when it has them (else the
 * requested model, and `tool_calls` or `stop` from the reply itself), usage.
 */
export function modelResult(scope: TraceScope, model: Model, reply: ChatMessage): void {
  const raw = (reply.raw ?? {}) as { model?: unknown; id?: unknown; choices?: unknown };
  const reasons = Array.isArray(raw.choices)
    ? raw.choices.map((c) => (c as { finish_reason?: unknown })?.finish_reason)
      .filter((r): r is string => typeof r === "string")
    : [];
  if (reasons.length === 0) reasons.push(reply.toolCalls?.length ? "tool_calls" : "stop");
  scope.set({
    "gen_ai.response.model": typeof raw.model === "string" ? raw.model : model.modelId,
    "gen_ai.response.id": typeof raw.id === "string" ? raw.id : undefined,
    "gen_ai.response.finish_reasons": reasons,
    ...usage(reply.tokenUsage),
  });
  if (scope.telemetry.recordContent) {
    scope.content("gen_ai.output.messages", [messageContent(reply)]);
  }
}

/** Opens the code execution span under the step's. */
export function startExecutionSpan(
  step: TraceScope | undefined,
  executor: Executor,
  code: string,
): TraceScope | undefined {
  const scope = step?.child("execute_code", {
    "smoldeno.executor.kind": executor.constructor?.name ?? "Executor",
  });
  scope?.content("smoldeno.code", code);
  return scope;
}

/** Ends the execution span with what the code gave, or how it failed. */
export function endExecutionSpan(
  scope: TraceScope | undefined,
  result: CodeOutput | undefined,
  error?: unknown,
): void {
  if (!scope) return;
  if (result) {
    scope.set({ "smoldeno.code.is_final_answer": result.isFinalAnswer });
    scope.content("smoldeno.code.logs", result.logs);
    scope.content("smoldeno.code.output", result.output);
  } else if (error !== undefined) {
    scope.content("smoldeno.code.logs", (error as { logs?: unknown })?.logs);
  }
  scope.end(error);
}

/**
 * Calls `tool` in an `execute_tool <name>` span under `parent` (with the
 * span active, and passed on to a managed agent's run); just calls it when
 * the run is not traced.
 */
export async function tracedToolCall(
  parent: TraceScope | undefined,
  tool: Tool,
  args: Record<string, unknown>,
  options: ToolCallOptions | undefined,
  info: { id?: string; agent: boolean },
): Promise<unknown> {
  if (!parent) return await tool.call(args, options);
  const scope = parent.child(`execute_tool ${tool.name}`, {
    [OPERATION]: "execute_tool",
    "gen_ai.tool.name": tool.name,
    "gen_ai.tool.type": info.agent ? "agent" : "function",
  });
  scope.set({ "gen_ai.tool.call.id": info.id });
  scope.content("gen_ai.tool.call.arguments", args);
  try {
    const output = await scope.run(() =>
      tool.call(args, withTraceParent(options ?? {}, scope.context))
    );
    scope.content("gen_ai.tool.call.result", output);
    scope.end();
    return output;
  } catch (error) {
    scope.end(error);
    throw error;
  }
}

/** `tool` with each call traced under the span `parent()` names at call time. */
export function traceTool(tool: Tool, parent: () => TraceScope | undefined, agent: boolean): Tool {
  return {
    name: tool.name,
    description: tool.description,
    inputs: tool.inputs,
    outputType: tool.outputType,
    ...(tool.outputSchema ? { outputSchema: tool.outputSchema } : {}),
    call: (args: Record<string, unknown>, options?: ToolCallOptions) =>
      tracedToolCall(parent(), tool, args, options, { agent }),
  };
}

function usage(tokens: TokenUsage | undefined): Record<string, AttributeValue | undefined> {
  return tokens
    ? {
      "gen_ai.usage.input_tokens": tokens.inputTokens,
      "gen_ai.usage.output_tokens": tokens.outputTokens,
    }
    : {};
}

function dataError(data: ErrorData): Error & { kind?: string; permission?: string } {
  const error: Error & { kind?: string; permission?: string } = new Error(data.message);
  error.name = data.name;
  if (data.kind) error.kind = data.kind;
  if (data.permission) error.permission = data.permission;
  return error;
}

// A message as content: role, text, tool calls; media named, not inlined.
function messageContent(message: ChatMessage): Record<string, unknown> {
  const content = typeof message.content === "string" || message.content === null
    ? message.content
    : message.content.map((part) => (part.type === "text" ? part.text : `[${part.type}]`)).join(
      "",
    );
  return {
    role: message.role,
    content,
    ...(message.toolCalls?.length ? { toolCalls: message.toolCalls } : {}),
    ...(message.toolCallId ? { toolCallId: message.toolCallId } : {}),
  };
}
