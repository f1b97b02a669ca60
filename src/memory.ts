/**
 * An agent's memory: the system prompt and the steps of its runs, as plain
 * serializable data tagged with `type`. Turning a step into chat messages is
 * the pure function {@linkcode toMessages}; {@linkcode AgentMemory} holds the
 * steps and can replay them as events or round-trip them through JSON.
 *
 * @module
 */

import type { AgentEvent, ErrorData, Timing } from "./events.ts";
import type { ChatMessage, ContentPart, ImagePart, TokenUsage, ToolCall } from "./models/model.ts";

/** The system prompt the model sees first. */
export interface SystemPromptStep {
  /** Discriminant. */
  type: "system_prompt";
  /** The rendered system prompt. */
  systemPrompt: string;
}

/** A task given to `run()`. */
export interface TaskStep {
  /** Discriminant. */
  type: "task";
  /** The task text, including the description of additional arguments. */
  task: string;
  /** Images attached to the task. */
  images?: ImagePart[];
}

/** A plan written before a step (initial plan or update). */
export interface PlanningStep {
  /** Discriminant. */
  type: "planning";
  /** Whether this is the first plan of the task or an update. */
  kind: "initial" | "update";
  /** The plan's text. */
  plan: string;
  /** The messages sent to the model to get the plan. */
  modelInputMessages: ChatMessage[];
  /** The model's raw reply. */
  modelOutputMessage?: ChatMessage;
  /** How long planning took. */
  timing: Timing;
  /** Tokens used. */
  tokenUsage?: TokenUsage;
}

/** One think-act-observe cycle. */
export interface ActionStep {
  /** Discriminant. */
  type: "action";
  /** 1-based step number within its run. */
  stepNumber: number;
  /** How long the step took. */
  timing: Timing;
  /** The messages sent to the model. */
  modelInputMessages?: ChatMessage[];
  /** The model's reply as a message. */
  modelOutputMessage?: ChatMessage;
  /** The text of the model's reply. */
  modelOutput?: string;
  /** The tool calls made in this step (ToolCallingAgent), or the code run as a call (CodeAgent). */
  toolCalls?: ToolCall[];
  /** The code run in this step (CodeAgent). */
  code?: string;
  /** What the model reads about the step's action. */
  observations?: string;
  /** Images produced by the step, shown to the model. */
  observationImages?: ImagePart[];
  /** The value the action produced (last expression, tool result or final answer). */
  actionOutput?: unknown;
  /** The error of a failed step, as plain data. */
  error?: ErrorData;
  /**
   * What type-checking found in `code` before it ran (CodeAgent with
   * `typeCheck: "warn"` or `"block"`); set only when it found something.
   * The model reads the same diagnostics in `observations`.
   */
  typeCheck?: {
    /** True when the code was not run because of these diagnostics (`typeCheck: "block"`). */
    blocked: boolean;
    /** The problems, at 1-based lines and columns of `code`, with their TypeScript error code. */
    diagnostics: { line: number; column: number; code: number; message: string }[];
  };
  /** Tokens used by the step's model call. */
  tokenUsage?: TokenUsage;
  /** True when the step produced the accepted final answer. */
  isFinalAnswer: boolean;
}

/** The answer a run ended with. */
export interface FinalAnswerStep {
  /** Discriminant. */
  type: "final_answer";
  /** The answer. */
  output: unknown;
}

/** A step in {@linkcode AgentMemory.steps}. */
export type MemoryStep = TaskStep | PlanningStep | ActionStep | FinalAnswerStep;

/** Options of {@linkcode toMessages}. */
export interface ToMessagesOptions {
  /**
   * Leave out the system prompt, plans and the model's own replies, keeping
   * what happened. Used when asking for a plan update, so the old plan does
   * not anchor the new one.
   */
  summaryMode?: boolean;
}

/**
 * Renders one memory step as the chat messages the model reads. Pure: the
 * same step always gives the same messages.
 *
 * @example Rendering a failed action step
 * ```ts
 * import { toMessages } from "@smoldeno/agents";
 *
 * const messages = toMessages({
 *   type: "action",
 *   stepNumber: 1,
 *   timing: { startTime: 0, endTime: 5, duration: 5 },
 *   modelOutput: "Let me divide.",
 *   code: "1 / undefinedVariable",
 *   error: { name: "AgentExecutionError", message: "undefinedVariable is not defined" },
 *   isFinalAnswer: false,
 * });
 * console.log(messages.map((m) => m.role)); // ["assistant", "user"]
 * ```
 */
export function toMessages(
  step: MemoryStep | SystemPromptStep,
  options: ToMessagesOptions = {},
): ChatMessage[] {
  const summary = options.summaryMode ?? false;
  switch (step.type) {
    case "system_prompt":
      return summary ? [] : [{ role: "system", content: step.systemPrompt }];
    case "task": {
      const text = `New task:\n${step.task}`;
      if (!step.images?.length) return [{ role: "user", content: text }];
      return [{ role: "user", content: [{ type: "text", text }, ...step.images] }];
    }
    case "planning":
      if (summary) return [];
      return [
        { role: "assistant", content: step.plan.trim() },
        { role: "user", content: "Now carry out this plan, one step at a time." },
      ];
    case "action":
      return actionMessages(step, summary);
    case "final_answer":
      return [];
  }
}

// Each step's messages, kept while the fields they come from stay the same:
// every later step's model input repeats them, and building them again each
// time would make a long run's memory (its steps' modelInputMessages) grow
// with the square of its length. The check is by identity, so any change to
// a step (a new observation, images dropped) rebuilds its messages.
interface BuiltMessages {
  summary: boolean;
  modelOutput: string | undefined;
  toolCalls: unknown;
  toolCallCount: number;
  code: string | undefined;
  images: unknown;
  imageCount: number;
  observations: string | undefined;
  error: unknown;
  errorMessage: string | undefined;
  messages: ChatMessage[];
}
const built = new WeakMap<ActionStep, BuiltMessages>();

function actionMessages(step: ActionStep, summary: boolean): ChatMessage[] {
  const seen = built.get(step);
  if (
    seen !== undefined && seen.summary === summary && seen.modelOutput === step.modelOutput &&
    seen.toolCalls === step.toolCalls && seen.toolCallCount === (step.toolCalls?.length ?? 0) &&
    seen.code === step.code && seen.images === step.observationImages &&
    seen.imageCount === (step.observationImages?.length ?? 0) &&
    seen.observations === step.observations && seen.error === step.error &&
    seen.errorMessage === step.error?.message
  ) {
    return [...seen.messages];
  }
  const messages = buildActionMessages(step, summary);
  built.set(step, {
    summary,
    modelOutput: step.modelOutput,
    toolCalls: step.toolCalls,
    toolCallCount: step.toolCalls?.length ?? 0,
    code: step.code,
    images: step.observationImages,
    imageCount: step.observationImages?.length ?? 0,
    observations: step.observations,
    error: step.error,
    errorMessage: step.error?.message,
    messages,
  });
  return [...messages];
}

function buildActionMessages(step: ActionStep, summary: boolean): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (step.modelOutput !== undefined && step.modelOutput.trim() !== "" && !summary) {
    messages.push({ role: "assistant", content: step.modelOutput.trim() });
  }
  // Tool calls are rendered as text rather than native tool messages so the
  // transcript reads the same to every provider, including ones that reject
  // tool messages they did not issue themselves.
  if (step.toolCalls?.length && step.code === undefined) {
    const calls = step.toolCalls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments }));
    messages.push({ role: "assistant", content: `Calling tools:\n${JSON.stringify(calls)}` });
  }
  if (step.observationImages?.length) {
    const parts: ContentPart[] = [{ type: "text", text: "Images from this step:" }];
    messages.push({ role: "user", content: parts.concat(step.observationImages) });
  }
  if (step.observations !== undefined && step.observations !== "") {
    messages.push({ role: "user", content: `Observation:\n${step.observations}` });
  }
  if (step.error !== undefined) {
    const text = `Error:\n${step.error.message}\n` +
      "Try again, and do not repeat this mistake. If the same approach keeps failing, " +
      "change approach.";
    messages.push({ role: "user", content: text });
  }
  return messages;
}

/**
 * Converts anything thrown into {@linkcode ErrorData}, keeping the typed
 * fields of agent errors (`kind`, `toolName`, `permission`).
 *
 * @example Keeping the typed fields of an execution error
 * ```ts
 * import { AgentExecutionError, errorToData } from "@smoldeno/agents";
 *
 * const data = errorToData(new AgentExecutionError("boom", { kind: "runtime" }));
 * console.log(data); // { name: "AgentExecutionError", message: "boom", kind: "runtime" }
 * ```
 */
export function errorToData(error: unknown): ErrorData {
  if (!(error instanceof Error)) return { name: "Error", message: String(error) };
  const data: ErrorData = { name: error.name, message: error.message };
  const fields = error as Error & { kind?: unknown; toolName?: unknown; permission?: unknown };
  if (typeof fields.kind === "string") data.kind = fields.kind;
  if (typeof fields.toolName === "string") data.toolName = fields.toolName;
  if (typeof fields.permission === "string") data.permission = fields.permission;
  return data;
}

/**
 * Adds token usages; `undefined` counts as zero.
 *
 * @example Summing the usage of two calls
 * ```ts
 * import { addTokenUsage } from "@smoldeno/agents";
 *
 * const total = addTokenUsage({ inputTokens: 10, outputTokens: 2 }, { inputTokens: 5, outputTokens: 1 });
 * console.log(total); // { inputTokens: 15, outputTokens: 3 }
 * ```
 */
export function addTokenUsage(...usages: (TokenUsage | undefined)[]): TokenUsage {
  const total: TokenUsage = { inputTokens: 0, outputTokens: 0 };
  for (const usage of usages) {
    total.inputTokens += usage?.inputTokens ?? 0;
    total.outputTokens += usage?.outputTokens ?? 0;
  }
  return total;
}

/** The JSON form of an {@linkcode AgentMemory}, as produced by `toJSON()`. */
export interface AgentMemoryJson {
  /** The system prompt step. */
  systemPrompt: SystemPromptStep;
  /** The steps, with bytes encoded as base64. */
  steps: unknown[];
}

/**
 * The memory of an agent: its system prompt and the steps of its runs, in
 * order. Steps are plain objects; change them freely (for example in a step
 * callback) and the next model call sees the change.
 *
 * @example Inspecting and serializing a memory
 * ```ts
 * import { AgentMemory } from "@smoldeno/agents";
 *
 * const memory = new AgentMemory("You are a helpful agent.");
 * memory.steps.push({ type: "task", task: "Add 2 and 3" });
 * memory.steps.push({
 *   type: "action",
 *   stepNumber: 1,
 *   timing: { startTime: 0, endTime: 10, duration: 10 },
 *   code: "final_answer(2 + 3)",
 *   actionOutput: 5,
 *   isFinalAnswer: true,
 * });
 * const copy = AgentMemory.fromJSON(JSON.parse(JSON.stringify(memory)));
 * console.log(copy.fullCode()); // "final_answer(2 + 3)"
 * ```
 */
export class AgentMemory {
  /** The system prompt, sent first to the model. */
  systemPrompt: SystemPromptStep;
  /** Task, planning, action and final-answer steps, oldest first. */
  steps: MemoryStep[] = [];

  /** Creates an empty memory with a system prompt. */
  constructor(systemPrompt: string) {
    this.systemPrompt = { type: "system_prompt", systemPrompt };
  }

  /** Forgets every step; the system prompt stays. */
  reset(): void {
    this.steps = [];
  }

  /** Deep copies of every step, JSON-ready (bytes as base64). */
  getFullSteps(): Record<string, unknown>[] {
    return this.steps.map((step) => toPlain(step) as Record<string, unknown>);
  }

  /** Like {@linkcode getFullSteps} without the model input messages, which repeat the whole history. */
  getSuccinctSteps(): Record<string, unknown>[] {
    return this.getFullSteps().map(({ modelInputMessages: _, ...rest }) => rest);
  }

  /** The whole memory as the messages the model would read next. */
  toMessages(options: ToMessagesOptions = {}): ChatMessage[] {
    return [this.systemPrompt, ...this.steps].flatMap((step) => toMessages(step, options));
  }

  /** The code of every action step, in order, separated by blank lines. */
  fullCode(): string {
    return this.steps.flatMap((s) => (s.type === "action" && s.code ? [s.code] : [])).join("\n\n");
  }

  /** Total tokens used by every step. */
  tokenUsage(): TokenUsage {
    return addTokenUsage(
      ...this.steps.map((
        s,
      ) => (s.type === "action" || s.type === "planning" ? s.tokenUsage : undefined)),
    );
  }

  /**
   * The events a run with these steps would have produced, so a logger or a
   * UI can render a past run the same way as a live one.
   */
  replay(): AgentEvent[] {
    const events: AgentEvent[] = [];
    let lastStep = 0;
    for (const step of this.steps) {
      events.push(...replayStep(step, lastStep, (n) => (lastStep = n)));
    }
    return events;
  }

  /** The memory as JSON-ready data. */
  toJSON(): AgentMemoryJson {
    return { systemPrompt: { ...this.systemPrompt }, steps: this.getFullSteps() };
  }

  /** Rebuilds a memory from {@linkcode toJSON}'s output, validating its shape. */
  static fromJSON(data: AgentMemoryJson): AgentMemory {
    if (typeof data?.systemPrompt?.systemPrompt !== "string" || !Array.isArray(data.steps)) {
      throw new TypeError(
        "Cannot read agent memory: expected { systemPrompt: { systemPrompt: string }, steps: [] }",
      );
    }
    const memory = new AgentMemory(data.systemPrompt.systemPrompt);
    memory.steps = data.steps.map((raw, i) => {
      const step = fromPlain(raw) as MemoryStep;
      if (!["task", "planning", "action", "final_answer"].includes(step?.type)) {
        throw new TypeError(
          `Cannot read agent memory: step ${i} has type ${JSON.stringify(step?.type)}, ` +
            'expected "task", "planning", "action" or "final_answer"',
        );
      }
      return step;
    });
    return memory;
  }
}

function replayStep(step: MemoryStep, last: number, setLast: (n: number) => void): AgentEvent[] {
  switch (step.type) {
    case "task":
      return [{
        type: "run_start",
        task: step.task,
        modelId: "",
        maxSteps: 0,
        reset: true,
        imageCount: step.images?.length ?? 0,
        additionalArgs: [],
      }];
    case "planning":
      return [{
        type: "planning",
        stepNumber: last + 1,
        kind: step.kind,
        plan: step.plan,
        timing: step.timing,
        tokenUsage: step.tokenUsage,
      }];
    case "final_answer":
      return [{ type: "final_answer", output: step.output }];
    case "action": {
      setLast(step.stepNumber);
      const n = step.stepNumber;
      const events: AgentEvent[] = [{ type: "step_start", stepNumber: n, maxSteps: 0 }];
      if (step.modelOutput !== undefined) {
        events.push({
          type: "model_output",
          stepNumber: n,
          phase: "action",
          content: step.modelOutput,
          toolCalls: step.code === undefined ? step.toolCalls : undefined,
          tokenUsage: step.tokenUsage,
        });
      }
      if (step.code !== undefined) {
        events.push({ type: "code_action", stepNumber: n, code: step.code });
      } else {
        for (const call of step.toolCalls ?? []) {
          events.push({
            type: "tool_call",
            stepNumber: n,
            id: call.id,
            name: call.name,
            arguments: call.arguments,
          });
        }
      }
      if (step.observations) {
        events.push({ type: "observation", stepNumber: n, observation: step.observations });
      }
      if (step.error) events.push({ type: "error", stepNumber: n, error: step.error });
      events.push({
        type: "step_end",
        stepNumber: n,
        timing: step.timing,
        tokenUsage: step.tokenUsage,
        isFinalAnswer: step.isFinalAnswer,
      });
      return events;
    }
  }
}

// Bytes (image parts, tool outputs) are the only non-JSON values steps hold in
// practice; they are encoded so a memory survives JSON.stringify/parse.
const BYTES_KEY = "$bytesBase64";

function toPlain(value: unknown): unknown {
  if (value instanceof Uint8Array) return { [BYTES_KEY]: encodeBase64(value) };
  if (Array.isArray(value)) return value.map(toPlain);
  if (value instanceof Error) return errorToData(value);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toPlain(v);
    return out;
  }
  return value;
}

function fromPlain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromPlain);
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    if (keys.length === 1 && typeof record[BYTES_KEY] === "string") {
      return decodeBase64(record[BYTES_KEY]);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(record)) out[k] = fromPlain(v);
    return out;
  }
  return value;
}

function encodeBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

function decodeBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}
