/**
 * A local model that runs inside the Deno process, with no server: any
 * GGUF file, through llama.cpp's bindings in `node-llama-cpp`. Import from
 * `@smoldeno/agents/models/llama-cpp`; node-llama-cpp itself is imported
 * only when the first call loads the model.
 *
 * CPU-only machines are slow. On 2 cores, llama.cpp typically writes 20–30
 * tokens/s with a 0.5B model quantized to Q4, 8–12 with a 1.5B one and 2–4
 * with a 7B one, and an agent's first step (a prompt of 2 000+ tokens) waits
 * tens of seconds for its first token with a 1.5B model (typical figures,
 * not measured on this project's machines, where no real model can be
 * downloaded). On a busy or shared machine, `threads: 1` can be much faster:
 * llama.cpp's threads spin while they wait for each other. A GPU build
 * (CUDA, Vulkan, Metal) is used automatically when its prebuilt binary and
 * a GPU are present.
 *
 * Deno needs `--allow-ffi --allow-run --allow-env --allow-sys --allow-read`.
 *
 * @example A small model from a local file (needs the GGUF file)
 * ```ts ignore
 * import { LlamaCppModel } from "@smoldeno/agents/models/llama-cpp";
 *
 * await using model = new LlamaCppModel({
 *   modelPath: "./models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
 *   contextSize: 8192,
 * });
 * const reply = await model.generate([{ role: "user", content: "Write hello world in TypeScript" }]);
 * console.log(reply.content);
 * ```
 *
 * @module
 */

import type { LlamaChat, LlamaContext, LlamaContextSequence } from "node-llama-cpp";
import { AgentGenerationError } from "../errors.ts";
import type { Tool } from "../tool.ts";
import type {
  ChatMessage,
  ChatMessageStreamDelta,
  GenerateOptions,
  Model,
  TokenUsage,
} from "./model.ts";
import { StopSequenceFilter, truncateAtStop } from "./_stop_sequences.ts";
import {
  acquireModel,
  grammarFor,
  type LlamaGpu,
  type LlamaLogListener,
  loadLibrary,
  type SharedModel,
} from "./_llama_runtime.ts";
import { chatHistory } from "./_llama_history.ts";
import {
  type GrammarSchema,
  parseToolReply,
  toGrammarSchema,
  toolCallSchema,
  toolsPrompt,
} from "./_llama_schema.ts";

export type { LlamaGpu, LlamaLogListener };

/** Sampling parameters of {@linkcode LlamaCppModel}, set on the model or per call. */
export interface LlamaCppSamplingOptions {
  /** Sampling temperature; 0 (the default) always picks the likeliest token. */
  temperature?: number;
  /** Most tokens to write in one reply. Default 1 024. */
  maxTokens?: number;
  /** Nucleus sampling probability mass. */
  topP?: number;
  /** Samples among the `topK` likeliest tokens only. */
  topK?: number;
  /** Seed of the sampler, for reproducible replies at a temperature above 0. */
  seed?: number;
}

/** Per-call options of {@linkcode LlamaCppModel}. */
export interface LlamaCppGenerateOptions extends GenerateOptions, LlamaCppSamplingOptions {}

/** Options of {@linkcode LlamaCppModel}. */
export interface LlamaCppModelOptions extends LlamaCppSamplingOptions {
  /** Path of the GGUF file; its chat template is the one used. */
  modelPath: string;
  /** The name in logs and errors. Default: the file name without `.gguf`. */
  modelId?: string;
  /**
   * Tokens the context holds: the prompt plus the reply. Default 4 096, or
   * the model's own training context when that is smaller. Memory grows
   * with it.
   */
  contextSize?: number;
  /** CPU threads. Default: llama.cpp's choice (the machine's cores). */
  threads?: number;
  /** `"auto"` (the default) uses a GPU when a prebuilt GPU binary works; `false` forces the CPU. */
  gpu?: LlamaGpu;
  /** Receives llama.cpp's warnings and errors; nothing is printed otherwise. */
  onLog?: LlamaLogListener;
}

interface LoadedState {
  shared: SharedModel;
  context: LlamaContext;
  sequence: LlamaContextSequence;
  chat: LlamaChat;
}

interface RunResult {
  text: string;
  usage: TokenUsage;
  stopReason: string;
}

const DEFAULT_CONTEXT_SIZE = 4096;
const DEFAULT_MAX_TOKENS = 1024;

function checkNumber(name: string, value: unknown, min: number, integer: boolean): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
    throw new RangeError(`Invalid ${name}: expected a number >= ${min}, got ${value}`);
  }
  if (integer && !Number.isInteger(value)) {
    throw new RangeError(`Invalid ${name}: expected an integer, got ${value}`);
  }
}

function checkSampling(options: LlamaCppSamplingOptions): void {
  checkNumber("temperature", options.temperature, 0, false);
  checkNumber("maxTokens", options.maxTokens, 1, true);
  checkNumber("topP", options.topP, 0, false);
  checkNumber("topK", options.topK, 1, true);
  checkNumber("seed", options.seed, 0, true);
}

function resolvePath(path: string): string {
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new TypeError(
        `Cannot find the GGUF file ${JSON.stringify(path)}: no such file; pass the path of a ` +
          "downloaded .gguf model as modelPath",
      );
    }
    // Without --allow-read the file is checked when it is loaded.
    return path;
  }
  if (!info.isFile) {
    throw new TypeError(`Invalid modelPath ${JSON.stringify(path)}: it is not a file`);
  }
  try {
    return Deno.realPathSync(path);
  } catch {
    return path;
  }
}

/**
 * A GGUF model running in-process on llama.cpp. The model's own chat
 * template (from the file) formats the conversation. Tool calls and
 * `responseFormat` replies are constrained by a grammar built from their
 * JSON schema, so even a small model always writes JSON that parses and
 * fits; the tools are described in the system prompt. Streams text as it
 * is written (a tool call arrives whole at the end), stops at stop
 * sequences, reports token usage, and stops generating when the call's
 * `signal` aborts.
 *
 * The weights of a file are loaded once and shared by every
 * `LlamaCppModel` on that path; each model holds its own context (its
 * KV cache, which keeps the common prefix of consecutive agent steps, so
 * that only the new part of the prompt is evaluated). Calls on one model
 * run one at a time. `await using` (or `close()`) frees the context, and
 * the weights once no model uses them.
 *
 * Failures to load or generate reject with `AgentGenerationError`;
 * aborting rejects with the signal's reason.
 *
 * @example Setting up a model (nothing loads before the first call)
 * ```ts
 * import { LlamaCppModel } from "@smoldeno/agents/models/llama-cpp";
 *
 * const path = await Deno.makeTempFile({ suffix: ".gguf" });
 * await using model = new LlamaCppModel({ modelPath: path, modelId: "my-model", temperature: 0.2 });
 * console.log(model.modelId); // "my-model"
 * await Deno.remove(path);
 * ```
 */
export class LlamaCppModel implements Model, AsyncDisposable {
  /** The name in logs and errors. */
  readonly modelId: string;
  /** The resolved path of the GGUF file. */
  readonly modelPath: string;
  readonly #options: LlamaCppModelOptions;
  #state: Promise<LoadedState> | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  /**
   * Creates the model; the file is only loaded by the first call.
   *
   * @throws {TypeError} when `modelPath` is missing or names no file.
   * @throws {RangeError} when a numeric option is out of range.
   */
  constructor(options: LlamaCppModelOptions) {
    if (options === null || typeof options !== "object") {
      throw new TypeError(
        `Invalid options: expected an object such as { modelPath: "./model.gguf" }, got ${options}`,
      );
    }
    if (typeof options.modelPath !== "string" || options.modelPath.trim() === "") {
      throw new TypeError(
        `Invalid modelPath: expected the path of a .gguf file, got ${
          JSON.stringify(options.modelPath)
        }`,
      );
    }
    checkSampling(options);
    checkNumber("contextSize", options.contextSize, 16, true);
    checkNumber("threads", options.threads, 1, true);
    this.modelPath = resolvePath(options.modelPath);
    this.modelId = options.modelId ??
      (options.modelPath.split(/[\\/]/).at(-1) ?? options.modelPath).replace(/\.gguf$/i, "");
    this.#options = { ...options };
  }

  /** Produces one reply. */
  async generate(
    messages: ChatMessage[],
    options: LlamaCppGenerateOptions = {},
  ): Promise<ChatMessage> {
    const plan = this.#plan(messages, options);
    const result = await this.#run(plan, options, undefined);
    if (plan.tools.length) return this.#toolMessage(result, plan);
    const { text } = truncateAtStop(result.text, options.stopSequences ?? []);
    return {
      role: "assistant",
      content: text,
      tokenUsage: result.usage,
      raw: { stopReason: result.stopReason },
    };
  }

  /** Streams one reply: text as it is written (a tool call whole at the end), then token usage. */
  async *generateStream(
    messages: ChatMessage[],
    options: LlamaCppGenerateOptions = {},
  ): AsyncGenerator<ChatMessageStreamDelta, void, undefined> {
    const plan = this.#plan(messages, options);
    const chunks: string[] = [];
    let wake: (() => void) | undefined;
    const stop = new AbortController();
    const onText = plan.tools.length ? undefined : (text: string) => {
      chunks.push(text);
      wake?.();
    };
    let finished = false;
    const run = this.#run(plan, options, onText, stop.signal).finally(() => {
      finished = true;
      wake?.();
    });
    // The run's rejection is awaited below; this keeps it from counting as unhandled meanwhile.
    run.catch(() => {});
    const stops = new StopSequenceFilter(options.stopSequences ?? []);
    let complete = false;
    try {
      while (true) {
        while (chunks.length) {
          // Text queued before an abort is not delivered after it.
          options.signal?.throwIfAborted();
          const text = stops.push(chunks.shift()!);
          if (text) yield { content: text };
          if (stops.stopped) break;
        }
        if (stops.stopped || finished) break;
        await new Promise<void>((resolve) => wake = resolve);
        wake = undefined;
      }
      if (stops.stopped) stop.abort();
      const result = await run;
      if (!stops.stopped) {
        while (chunks.length) {
          const text = stops.push(chunks.shift()!);
          if (text) yield { content: text };
        }
        const rest = stops.flush();
        if (rest) yield { content: rest };
      }
      if (plan.tools.length) {
        const message = this.#toolMessage(result, plan);
        if (message.toolCalls) {
          const [call] = message.toolCalls;
          yield {
            toolCalls: [{
              index: 0,
              id: call.id,
              name: call.name,
              arguments: JSON.stringify(call.arguments),
            }],
          };
        } else if (message.content) {
          yield { content: message.content as string };
        }
      }
      yield { tokenUsage: result.usage };
      complete = true;
    } finally {
      if (!complete) {
        stop.abort();
        await run.catch(() => {});
      }
    }
  }

  #plan(messages: ChatMessage[], options: LlamaCppGenerateOptions): Plan {
    options.signal?.throwIfAborted();
    checkSampling(options);
    const tools = options.toolChoice === "none" ? [] : options.toolsToCallFrom ?? [];
    const choice = options.toolChoice ?? "required";
    let schema: GrammarSchema | undefined;
    let extraSystem: string | undefined;
    if (tools.length) {
      schema = toolCallSchema(tools, choice);
      extraSystem = toolsPrompt(tools, choice);
    } else if (options.responseFormat) {
      schema = toGrammarSchema(options.responseFormat.jsonSchema.schema);
    }
    return { tools, schema, history: chatHistory(messages, extraSystem) };
  }

  #toolMessage(result: RunResult, plan: Plan): ChatMessage {
    let reply;
    try {
      reply = parseToolReply(result.text);
    } catch {
      const why = result.stopReason === "maxTokens"
        ? `the reply reached maxTokens (${
          this.#options.maxTokens ?? DEFAULT_MAX_TOKENS
        }) before its tool call was complete: raise maxTokens`
        : `its tool call is not valid JSON: ${JSON.stringify(result.text.slice(0, 200))}`;
      throw new AgentGenerationError(`Model "${this.modelId}" failed: ${why}`);
    }
    const raw = { stopReason: result.stopReason, text: result.text };
    if (reply.kind === "content") {
      return { role: "assistant", content: reply.content, tokenUsage: result.usage, raw };
    }
    if (!plan.tools.some((t) => t.name === reply.name)) {
      throw new AgentGenerationError(
        `Model "${this.modelId}" called an unknown tool ${JSON.stringify(reply.name)}`,
      );
    }
    return {
      role: "assistant",
      content: null,
      toolCalls: [{
        id: `call_${crypto.randomUUID().slice(0, 8)}`,
        name: reply.name,
        arguments: reply.arguments,
      }],
      tokenUsage: result.usage,
      raw,
    };
  }

  // One call at a time: the context has one sequence.
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(fn);
    this.#queue = result.catch(() => {});
    return result;
  }

  #load(): Promise<LoadedState> {
    this.#state ??= (async () => {
      const library = await loadLibrary();
      const shared = await acquireModel(this.modelPath, {
        gpu: this.#options.gpu ?? "auto",
        onLog: this.#options.onLog,
      });
      try {
        const context = await shared.model.createContext({
          contextSize: this.#options.contextSize ??
            Math.min(DEFAULT_CONTEXT_SIZE, shared.model.trainContextSize),
          sequences: 1,
          ...(this.#options.threads ? { threads: this.#options.threads } : {}),
        });
        const sequence = context.getSequence();
        const chat = new library.LlamaChat({
          contextSequence: sequence,
          autoDisposeSequence: false,
        });
        return { shared, context, sequence, chat };
      } catch (error) {
        await shared.release();
        throw error;
      }
    })();
    this.#state.catch(() => this.#state = undefined);
    return this.#state;
  }

  #run(
    plan: Plan,
    options: LlamaCppGenerateOptions,
    onText: ((text: string) => void) | undefined,
    streamSignal?: AbortSignal,
  ): Promise<RunResult> {
    const callerSignal = options.signal;
    return this.#exclusive(async () => {
      if (this.#closed) throw new TypeError(`Model "${this.modelId}" was closed`);
      callerSignal?.throwIfAborted();
      let state: LoadedState;
      let grammar;
      try {
        state = await this.#load();
        grammar = plan.schema ? await grammarFor(state.shared.llama, plan.schema) : undefined;
      } catch (error) {
        throw new AgentGenerationError(
          `Model "${this.modelId}" could not be loaded from ${JSON.stringify(this.modelPath)}: ${
            (error as Error).message
          }`,
          { cause: error },
        );
      }
      const signals = [callerSignal, streamSignal].filter((s): s is AbortSignal => !!s);
      const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
      const before = state.sequence.tokenMeter.getState();
      const stopSequences = options.stopSequences?.filter((s) => s !== "");
      try {
        const response = await state.chat.generateResponse(plan.history, {
          signal,
          // A stream closed early keeps what was written; the caller's abort is an error.
          stopOnAbortSignal: false,
          onTextChunk: onText,
          maxTokens: options.maxTokens ?? this.#options.maxTokens ?? DEFAULT_MAX_TOKENS,
          temperature: options.temperature ?? this.#options.temperature ?? 0,
          topP: options.topP ?? this.#options.topP,
          topK: options.topK ?? this.#options.topK,
          seed: options.seed ?? this.#options.seed,
          customStopTriggers: stopSequences?.length ? stopSequences : undefined,
          grammar,
          trimWhitespaceSuffix: false,
        });
        const after = state.sequence.tokenMeter.getState();
        return {
          text: response.response,
          stopReason: response.metadata.stopReason,
          usage: {
            inputTokens: after.usedInputTokens - before.usedInputTokens,
            outputTokens: after.usedOutputTokens - before.usedOutputTokens,
          },
        };
      } catch (error) {
        if (callerSignal?.aborted) throw callerSignal.reason;
        if (streamSignal?.aborted) {
          return { text: "", stopReason: "abort", usage: { inputTokens: 0, outputTokens: 0 } };
        }
        throw new AgentGenerationError(
          `Model "${this.modelId}" failed to generate: ${(error as Error).message}`,
          { cause: error },
        );
      }
    });
  }

  /** Frees this model's context, and the weights once no other model on the file uses them. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue;
    const state = await this.#state?.catch(() => undefined);
    this.#state = undefined;
    if (!state) return;
    state.chat.dispose({ disposeSequence: true });
    await state.context.dispose();
    await state.shared.release();
  }

  /** Same as {@linkcode LlamaCppModel.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Serializable settings. */
  toJSON(): { type: string; modelId: string; modelPath: string } {
    return { type: "LlamaCppModel", modelId: this.modelId, modelPath: this.modelPath };
  }
}

interface Plan {
  tools: readonly Tool[];
  schema: GrammarSchema | undefined;
  history: ReturnType<typeof chatHistory>;
}
