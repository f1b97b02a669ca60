// Builds the JSON body of a chat-completions request, shared by every
// adapter: the wire format is the same for OpenAI, Azure, the Hugging Face
// router and the OpenAI-compatible servers.

import type { ChatMessage, ToolChoice } from "./model.ts";
import { type Tool, toolToJsonSchema } from "../tool.ts";
import type { CompletionParameters, ServerGenerateOptions } from "./model_options.ts";
import { type MessageSettings, toWireMessages } from "./_messages.ts";
import type { WireTool } from "./_wire.ts";

/** What the body depends on besides the call's options. */
export interface RequestSettings {
  /** Sent as `model`. */
  modelId: string;
  /** Whether to send `stop` (otherwise stop sequences are only applied client-side). */
  stopParameter: boolean;
  /** Send `max_completion_tokens` instead of `max_tokens`. */
  maxCompletionTokens: boolean;
  /** Ask for a final usage chunk when streaming. */
  includeStreamUsage: boolean;
  /** Model-level defaults, overridden per call. */
  defaults: CompletionParameters;
  /** Message cleaning. */
  messages: MessageSettings;
}

// OpenAI reasoning models reject `stop` and `max_tokens`; so do xAI's newer
// reasoning models. Matched on the last path segment so that
// "openai/gpt-5" (OpenRouter) and "azure/o3" are recognised too.
const NO_STOP_MODEL = /^(o\d+(-[\w.-]+)?|gpt-5([\w.-]*)?|grok-(3-mini|4|code)[\w.-]*)$/i;

/** Whether a model accepts the `stop` parameter. */
export function supportsStopParameter(modelId: string): boolean {
  return !NO_STOP_MODEL.test(modelId.split("/").at(-1) ?? modelId);
}

/**
 * Whether a model wants `max_completion_tokens` (OpenAI reasoning models
 * reject `max_tokens`). Routed ids such as "openai/gpt-5" keep `max_tokens`,
 * which routers like OpenRouter translate.
 */
export function wantsMaxCompletionTokens(modelId: string): boolean {
  return /^(o\d|gpt-5)/i.test(modelId);
}

/** The tool in the OpenAI function-calling shape. */
export function wireTool(tool: Tool): WireTool {
  return toolToJsonSchema(tool);
}

function wireToolChoice(choice: ToolChoice): unknown {
  return typeof choice === "string"
    ? choice
    : { type: "function", function: { name: choice.name } };
}

/** Builds the request body. */
export function buildChatBody(
  messages: readonly ChatMessage[],
  options: ServerGenerateOptions,
  settings: RequestSettings,
  stream: boolean,
): Record<string, unknown> {
  const params = { ...settings.defaults, ...definedOnly(options) };
  const body: Record<string, unknown> = {
    model: settings.modelId,
    messages: toWireMessages(messages, settings.messages),
  };
  if (options.stopSequences?.length && settings.stopParameter) body.stop = options.stopSequences;
  if (options.toolsToCallFrom?.length) {
    body.tools = options.toolsToCallFrom.map(wireTool);
    // Like smolagents: an agent that offers tools expects a call.
    body.tool_choice = wireToolChoice(options.toolChoice ?? "required");
  } else if (options.toolChoice === "none") {
    body.tool_choice = "none";
  }
  if (options.responseFormat) {
    body.response_format = {
      type: "json_schema",
      json_schema: {
        name: options.responseFormat.jsonSchema.name,
        schema: options.responseFormat.jsonSchema.schema,
        strict: options.responseFormat.jsonSchema.strict ?? false,
      },
    };
  }
  if (params.temperature !== undefined) body.temperature = params.temperature;
  if (params.topP !== undefined) body.top_p = params.topP;
  if (params.seed !== undefined) body.seed = params.seed;
  if (params.frequencyPenalty !== undefined) body.frequency_penalty = params.frequencyPenalty;
  if (params.presencePenalty !== undefined) body.presence_penalty = params.presencePenalty;
  if (params.reasoningEffort !== undefined) body.reasoning_effort = params.reasoningEffort;
  if (params.maxTokens !== undefined) {
    body[settings.maxCompletionTokens ? "max_completion_tokens" : "max_tokens"] = params.maxTokens;
  }
  if (stream) {
    body.stream = true;
    if (settings.includeStreamUsage) body.stream_options = { include_usage: true };
  }
  Object.assign(body, settings.defaults.extraBody, options.extraBody);
  return body;
}

function definedOnly(options: CompletionParameters): CompletionParameters {
  const out: Record<string, unknown> = {};
  for (
    const key of [
      "temperature",
      "maxTokens",
      "topP",
      "seed",
      "frequencyPenalty",
      "presencePenalty",
      "reasoningEffort",
    ] as const
  ) {
    if (options[key] !== undefined) out[key] = options[key];
  }
  return out as CompletionParameters;
}
