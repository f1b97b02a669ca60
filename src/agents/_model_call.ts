// One model call as a stream of events: uses the model's stream when it has
// one (so UIs see text as it arrives), and folds deltas into a ChatMessage.

import { AgentError, AgentGenerationError } from "../errors.ts";
import type { AgentEvent, ModelCallPhase } from "../events.ts";
import type { ChatMessage, GenerateOptions, Model, ToolCall } from "../models/model.ts";
import type { TraceScope } from "../telemetry.ts";
import { modelResult, startModelSpan, traced } from "./_telemetry.ts";

/**
 * Calls `model`, yielding stream deltas; returns the complete reply. With
 * `trace`, the call is a `chat` span under it.
 */
export function callModel(
  model: Model,
  messages: ChatMessage[],
  options: GenerateOptions,
  context: { stepNumber: number; phase: ModelCallPhase; stream: boolean; trace?: TraceScope },
): AsyncGenerator<AgentEvent, ChatMessage> {
  const reply = modelReply(model, messages, options, context);
  const scope = startModelSpan(context.trace, model, messages, options, {
    phase: context.phase,
    streamed: context.stream && model.generateStream !== undefined,
  });
  return traced(scope, reply, (span, message) => modelResult(span, model, message));
}

async function* modelReply(
  model: Model,
  messages: ChatMessage[],
  options: GenerateOptions,
  context: { stepNumber: number; phase: ModelCallPhase; stream: boolean },
): AsyncGenerator<AgentEvent, ChatMessage> {
  try {
    if (!context.stream || model.generateStream === undefined) {
      return await model.generate(messages, options);
    }
    let content = "";
    const calls = new Map<number, { id?: string; name?: string; arguments: string }>();
    let tokenUsage: ChatMessage["tokenUsage"];
    for await (const delta of model.generateStream(messages, options)) {
      yield {
        type: "model_stream_delta",
        stepNumber: context.stepNumber,
        phase: context.phase,
        delta,
      };
      content += delta.content ?? "";
      for (const part of delta.toolCalls ?? []) {
        const call = calls.get(part.index) ?? { arguments: "" };
        call.id ??= part.id;
        call.name ??= part.name;
        call.arguments += part.arguments ?? "";
        calls.set(part.index, call);
      }
      if (delta.tokenUsage) tokenUsage = delta.tokenUsage;
    }
    const toolCalls: ToolCall[] = [...calls.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, call]) => ({
        id: call.id ?? `call_${index}`,
        name: call.name ?? "",
        arguments: parseArguments(call.arguments),
      }));
    return {
      role: "assistant",
      content,
      ...(toolCalls.length ? { toolCalls } : {}),
      ...(tokenUsage ? { tokenUsage } : {}),
    };
  } catch (error) {
    // An abort is the caller's decision, not a model failure: let it through as is.
    if (options.signal?.aborted) throw error;
    if (error instanceof AgentError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new AgentGenerationError(`Model "${model.modelId}" failed to reply: ${message}`, {
      cause: error,
    });
  }
}

/** Parses tool-call arguments given as JSON text; keeps the text when it is not JSON. */
export function parseArguments(text: string): Record<string, unknown> | string {
  if (text.trim() === "") return {};
  try {
    const value = JSON.parse(text);
    return value !== null && typeof value === "object" && !Array.isArray(value) ? value : text;
  } catch {
    return text;
  }
}

/** The text content of a reply (text parts joined). */
export function textOf(message: ChatMessage): string {
  if (typeof message.content === "string") return message.content;
  if (message.content === null) return "";
  return message.content.flatMap((part) => (part.type === "text" ? [part.text] : [])).join("");
}
