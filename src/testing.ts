/**
 * Test helpers: {@linkcode ScriptedModel}, a {@linkcode Model} that replays
 * the replies you give it, so agents can be tested (and demonstrated) with no
 * LLM and no network.
 *
 * @example An agent-style exchange with a scripted model
 * ```ts
 * import { ScriptedModel } from "@smoldeno/agents/testing";
 *
 * const model = new ScriptedModel({
 *   replies: [
 *     "Thought: I will compute it.\n<code>final_answer(6 * 7)</code>",
 *     (messages) => `You said: ${messages.at(-1)?.content}`,
 *   ],
 * });
 * const first = await model.generate([{ role: "user", content: "6 times 7?" }]);
 * console.log(first.content); // "Thought: I will compute it.\n<code>final_answer(6 * 7)</code>"
 * const second = await model.generate([{ role: "user", content: "hi" }]);
 * console.log(second.content); // "You said: hi"
 * console.log(model.calls.length); // 2
 * ```
 *
 * @module
 */

import { AgentGenerationError } from "./errors.ts";
import type {
  ChatMessage,
  ChatMessageStreamDelta,
  GenerateOptions,
  Model,
  TokenUsage,
  ToolCall,
} from "./models/model.ts";

/** A function that computes a reply from the messages the model receives. */
export type ScriptedReplyFunction = (
  messages: ChatMessage[],
  options: GenerateOptions,
) => string | ChatMessage | PromiseLike<string | ChatMessage>;

/** One scripted reply: text, a full assistant message (e.g. with tool calls), or a function. */
export type ScriptedReply = string | ChatMessage | ScriptedReplyFunction;

/** Options of the {@linkcode ScriptedModel} constructor. */
export interface ScriptedModelOptions {
  /** The replies, used in order, one per call. */
  replies: ScriptedReply[];
  /** The model id to report. Defaults to `"scripted-model"`. */
  modelId?: string;
  /**
   * Token usage reported for every reply. By default it is estimated from
   * the text (about four characters per token), so totals are deterministic.
   * A ChatMessage reply carrying its own `tokenUsage` keeps it.
   */
  tokenUsage?: TokenUsage;
  /** How many characters each streamed text or argument delta holds. Defaults to 4. */
  streamChunkSize?: number;
}

/** One recorded call of a {@linkcode ScriptedModel}. */
export interface ScriptedModelCall {
  /** A deep copy of the messages the model received. */
  messages: ChatMessage[];
  /** A copy of the options (tools and signal are kept by reference). */
  options: GenerateOptions;
  /** True when the call was `generateStream`. */
  stream: boolean;
  /** The reply given, after stop sequences were applied. Set once the reply is known. */
  reply?: ChatMessage;
}

/**
 * A {@linkcode Model} that gives scripted replies in order and records every
 * call in {@linkcode ScriptedModel.calls}. It behaves like a real provider
 * where agents depend on it: it cuts the reply at the first stop sequence,
 * reports token usage, streams replies in several deltas (tool-call
 * arguments split across deltas by index), and honours the abort signal.
 * When the script runs out it throws an `AgentGenerationError` saying so.
 *
 * @example Native tool calls and streaming
 * ```ts
 * import { ScriptedModel } from "@smoldeno/agents/testing";
 *
 * const model = new ScriptedModel({
 *   replies: [{
 *     role: "assistant",
 *     content: null,
 *     toolCalls: [{ id: "call_1", name: "get_weather", arguments: { city: "Paris" } }],
 *   }],
 * });
 * let args = "";
 * for await (const delta of model.generateStream([{ role: "user", content: "Weather?" }])) {
 *   args += delta.toolCalls?.[0]?.arguments ?? "";
 * }
 * console.log(args); // '{"city":"Paris"}'
 * ```
 */
export class ScriptedModel implements Model {
  /** The model id reported to agents. */
  readonly modelId: string;
  /** Every call so far, in order. */
  readonly calls: ScriptedModelCall[] = [];
  readonly #replies: ScriptedReply[];
  readonly #tokenUsage?: TokenUsage;
  readonly #chunkSize: number;

  /**
   * Creates a scripted model.
   *
   * @throws {TypeError} when `replies` is not an array of strings, messages or functions.
   * @throws {RangeError} when `streamChunkSize` is not a positive integer.
   */
  constructor(options: ScriptedModelOptions) {
    if (!Array.isArray(options?.replies)) {
      throw new TypeError(
        "Cannot create ScriptedModel: replies must be an array of strings, ChatMessages or functions",
      );
    }
    options.replies.forEach((reply, i) => {
      const ok = typeof reply === "string" || typeof reply === "function" ||
        (typeof reply === "object" && reply !== null && "role" in reply);
      if (!ok) {
        throw new TypeError(
          `Cannot create ScriptedModel: reply ${i} must be a string, a ChatMessage or a function, got ${
            reply === null ? "null" : typeof reply
          }`,
        );
      }
    });
    const chunkSize = options.streamChunkSize ?? 4;
    if (!Number.isInteger(chunkSize) || chunkSize < 1) {
      throw new RangeError(
        `Cannot create ScriptedModel: streamChunkSize must be a positive integer, got ${chunkSize}`,
      );
    }
    this.#replies = [...options.replies];
    this.modelId = options.modelId ?? "scripted-model";
    this.#tokenUsage = options.tokenUsage;
    this.#chunkSize = chunkSize;
  }

  /** How many scripted replies have not been used yet. */
  get remainingReplies(): number {
    return this.#replies.length - this.calls.length;
  }

  /**
   * Gives the next scripted reply.
   *
   * @throws {AgentGenerationError} when no reply is left.
   */
  async generate(messages: ChatMessage[], options: GenerateOptions = {}): Promise<ChatMessage> {
    return await this.#next(messages, options, false);
  }

  /**
   * Streams the next scripted reply: text in chunks of `streamChunkSize`
   * characters, then each tool call (id and name first, arguments in chunks),
   * then a last delta with the token usage.
   *
   * @throws {AgentGenerationError} when no reply is left.
   */
  async *generateStream(
    messages: ChatMessage[],
    options: GenerateOptions = {},
  ): AsyncIterable<ChatMessageStreamDelta> {
    const reply = await this.#next(messages, options, true);
    const text = textOf(reply);
    for (const chunk of chunks(text, this.#chunkSize)) {
      options.signal?.throwIfAborted();
      yield { content: chunk };
    }
    for (const [index, call] of (reply.toolCalls ?? []).entries()) {
      const args = typeof call.arguments === "string"
        ? call.arguments
        : JSON.stringify(call.arguments);
      const pieces = chunks(args, this.#chunkSize);
      options.signal?.throwIfAborted();
      yield { toolCalls: [{ index, id: call.id, name: call.name, arguments: pieces[0] ?? "" }] };
      for (const piece of pieces.slice(1)) {
        options.signal?.throwIfAborted();
        yield { toolCalls: [{ index, arguments: piece }] };
      }
    }
    if (reply.tokenUsage) yield { tokenUsage: { ...reply.tokenUsage } };
  }

  async #next(
    messages: ChatMessage[],
    options: GenerateOptions,
    stream: boolean,
  ): Promise<ChatMessage> {
    options.signal?.throwIfAborted();
    const index = this.calls.length;
    const record: ScriptedModelCall = {
      messages: messages.map(cloneMessage),
      options: copyOptions(options),
      stream,
    };
    this.calls.push(record);
    if (index >= this.#replies.length) {
      throw new AgentGenerationError(
        `ScriptedModel has no reply left: it was called ${
          index + 1
        } times with ${this.#replies.length} ${this.#replies.length === 1 ? "reply" : "replies"}`,
      );
    }
    const scripted = this.#replies[index];
    const produced = typeof scripted === "function" ? await scripted(messages, options) : scripted;
    options.signal?.throwIfAborted();
    const reply = toAssistantMessage(produced, index);
    if (typeof reply.content === "string" && options.stopSequences?.length) {
      reply.content = cutAtStop(reply.content, options.stopSequences);
    }
    reply.tokenUsage ??= this.#tokenUsage
      ? { ...this.#tokenUsage }
      : { inputTokens: estimateInput(messages), outputTokens: estimateOutput(reply) };
    record.reply = structuredClone(reply);
    return reply;
  }
}

function toAssistantMessage(produced: string | ChatMessage, index: number): ChatMessage {
  if (typeof produced === "string") return { role: "assistant", content: produced };
  if (typeof produced !== "object" || produced === null || !("role" in produced)) {
    throw new TypeError(
      `ScriptedModel reply ${index} function returned ${typeof produced}: expected a string or a ChatMessage`,
    );
  }
  // A copy, so stop-sequence cuts and token counts never alter the script.
  return cloneMessage(produced);
}

// Deep copy of the data; `raw` (a provider response, possibly not cloneable) by reference.
function cloneMessage(message: ChatMessage): ChatMessage {
  const { raw, ...rest } = message;
  const copy: ChatMessage = structuredClone(rest);
  if (raw !== undefined) copy.raw = raw;
  return copy;
}

function copyOptions(options: GenerateOptions): GenerateOptions {
  const { signal, toolsToCallFrom, ...data } = options;
  const copy: GenerateOptions = structuredClone(data);
  if (toolsToCallFrom !== undefined) copy.toolsToCallFrom = [...toolsToCallFrom];
  if (signal !== undefined) copy.signal = signal;
  return copy;
}

function cutAtStop(text: string, stops: readonly string[]): string {
  let cut = text.length;
  for (const stop of stops) {
    if (stop === "") continue;
    const at = text.indexOf(stop);
    if (at !== -1 && at < cut) cut = at;
  }
  return text.slice(0, cut);
}

function textOf(message: ChatMessage): string {
  if (typeof message.content === "string") return message.content;
  if (message.content === null) return "";
  return message.content.map((part) => (part.type === "text" ? part.text : "")).join("");
}

// Splits on code points so a chunk never ends inside a surrogate pair.
function chunks(text: string, size: number): string[] {
  const points = [...text];
  const out: string[] = [];
  for (let i = 0; i < points.length; i += size) out.push(points.slice(i, i + size).join(""));
  return out;
}

// About four characters per token, plus a few tokens of framing per message,
// as chat templates add: plausible, and the same on every run.
function estimateInput(messages: readonly ChatMessage[]): number {
  return messages.reduce((sum, m) => sum + 4 + Math.ceil(textOf(m).length / 4), 0);
}

function estimateOutput(reply: ChatMessage): number {
  const calls = (reply.toolCalls ?? []).map((c: ToolCall) =>
    c.name + (typeof c.arguments === "string" ? c.arguments : JSON.stringify(c.arguments))
  );
  return Math.ceil([textOf(reply), ...calls].join("").length / 4);
}
