// Turns the chat-completions body the shared request engine builds into the
// call options of an AI SDK language model (specification v4). Going through
// the body keeps every engine rule (role conversions, merged turns, stop
// sequences, `tool_choice: "required"` with tools, sampling defaults) the same
// as in the other adapters; the translation is a cheap walk over plain data.

import type {
  JSONValue,
  LanguageModelV4CallOptions,
  LanguageModelV4FilePart,
  LanguageModelV4FunctionTool,
  LanguageModelV4Message,
  LanguageModelV4TextPart,
  LanguageModelV4ToolChoice,
  LanguageModelV4ToolResultOutput,
  SharedV4ProviderOptions,
} from "@ai-sdk/provider";
import type { WireContentPart, WireMessage, WireTool } from "./_wire.ts";

/**
 * The body key (a symbol, so it is never serialized) under which a call's
 * AI SDK extras travel through the engine's `extraBody`.
 */
export const AI_SDK_EXTRAS: unique symbol = Symbol("aiSdkExtras");

/** AI SDK settings that have no chat-completions field. */
export interface AISdkExtras {
  /** Top-k sampling. */
  topK?: number;
  /** Provider-specific options, e.g. `{ anthropic: { thinking: … } }`. */
  providerOptions?: SharedV4ProviderOptions;
  /** Extra HTTP headers of the request. */
  headers?: Record<string, string>;
  /** Provider options attached to the system message (prompt caching hints). */
  systemMessageProviderOptions?: SharedV4ProviderOptions;
}

type Body = Record<string | symbol, unknown>;

const REASONING = new Set(["none", "minimal", "low", "medium", "high", "xhigh", "max"]);

/** The call options for one request, without its abort signal. */
export function toCallOptions(body: Body, defaults: AISdkExtras): LanguageModelV4CallOptions {
  const extras = { ...defaults, ...definedOnly(body[AI_SDK_EXTRAS] as AISdkExtras | undefined) };
  const options: LanguageModelV4CallOptions = {
    prompt: toPrompt(body.messages as WireMessage[], extras.systemMessageProviderOptions),
  };
  const maxTokens = body.max_tokens ?? body.max_completion_tokens;
  if (typeof maxTokens === "number") options.maxOutputTokens = maxTokens;
  if (typeof body.temperature === "number") options.temperature = body.temperature;
  if (typeof body.top_p === "number") options.topP = body.top_p;
  if (typeof body.seed === "number") options.seed = body.seed;
  if (typeof body.frequency_penalty === "number") {
    options.frequencyPenalty = body.frequency_penalty;
  }
  if (typeof body.presence_penalty === "number") options.presencePenalty = body.presence_penalty;
  if (typeof body.reasoning_effort === "string" && REASONING.has(body.reasoning_effort)) {
    options.reasoning = body.reasoning_effort as LanguageModelV4CallOptions["reasoning"];
  }
  if (Array.isArray(body.stop) && body.stop.length) options.stopSequences = body.stop as string[];
  if (Array.isArray(body.tools) && body.tools.length) {
    options.tools = (body.tools as WireTool[]).map((tool): LanguageModelV4FunctionTool => ({
      type: "function",
      name: tool.function.name,
      description: tool.function.description,
      inputSchema: tool.function.parameters,
    }));
  }
  if (body.tool_choice !== undefined) options.toolChoice = toolChoice(body.tool_choice);
  const format = body.response_format as
    | { json_schema?: { name?: string; schema?: Record<string, unknown> } }
    | undefined;
  if (format?.json_schema) {
    options.responseFormat = {
      type: "json",
      schema: format.json_schema.schema,
      name: format.json_schema.name,
    };
  }
  if (extras.topK !== undefined) options.topK = extras.topK;
  if (extras.providerOptions) options.providerOptions = extras.providerOptions;
  if (extras.headers) options.headers = extras.headers;
  return options;
}

function definedOnly(extras: AISdkExtras | undefined): AISdkExtras {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(extras ?? {})) {
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function toolChoice(choice: unknown): LanguageModelV4ToolChoice {
  if (choice === "auto" || choice === "none" || choice === "required") return { type: choice };
  const name = (choice as { function?: { name?: string } }).function?.name ?? "";
  return { type: "tool", toolName: name };
}

/** Wire messages as an AI SDK prompt; tool results get the name of the call they answer. */
export function toPrompt(
  messages: readonly WireMessage[],
  systemProviderOptions?: SharedV4ProviderOptions,
): LanguageModelV4Message[] {
  const toolNames = new Map<string, string>();
  const prompt: LanguageModelV4Message[] = [];
  for (const message of messages) {
    switch (message.role) {
      case "system":
      case "developer": {
        const system: LanguageModelV4Message = { role: "system", content: textOf(message.content) };
        if (systemProviderOptions) system.providerOptions = systemProviderOptions;
        prompt.push(system);
        break;
      }
      case "assistant": {
        const content: Extract<LanguageModelV4Message, { role: "assistant" }>["content"] = [];
        const text = textOf(message.content);
        if (text !== "") content.push({ type: "text", text });
        for (const call of message.tool_calls ?? []) {
          toolNames.set(call.id, call.function.name);
          content.push({
            type: "tool-call",
            toolCallId: call.id,
            toolName: call.function.name,
            input: parseInput(call.function.arguments),
          });
        }
        prompt.push({ role: "assistant", content });
        break;
      }
      case "tool": {
        const id = message.tool_call_id ?? "";
        prompt.push({
          role: "tool",
          content: [{
            type: "tool-result",
            toolCallId: id,
            toolName: toolNames.get(id) ?? "tool",
            output: toolOutput(message.content),
          }],
        });
        break;
      }
      default:
        prompt.push({ role: "user", content: userParts(message.content) });
    }
  }
  return prompt;
}

function textOf(content: WireMessage["content"]): string {
  if (content === null) return "";
  if (typeof content === "string") return content;
  return content.flatMap((part) => part.type === "text" ? [part.text] : []).join("\n");
}

function userParts(
  content: WireMessage["content"],
): (LanguageModelV4TextPart | LanguageModelV4FilePart)[] {
  if (content === null || typeof content === "string") {
    return [{ type: "text", text: content ?? "" }];
  }
  return content.map(partOf);
}

function partOf(part: WireContentPart): LanguageModelV4TextPart | LanguageModelV4FilePart {
  if (part.type === "text") return { type: "text", text: part.text };
  const url = part.image_url.url;
  const data = /^data:([^;,]+)?(;base64)?,(.*)$/s.exec(url);
  if (data) {
    const base64 = data[2] ? data[3] : btoa(decodeURIComponent(data[3]));
    return {
      type: "file",
      mediaType: data[1] ?? "image/png",
      data: { type: "data", data: base64 },
    };
  }
  return { type: "file", mediaType: "image", data: { type: "url", url: new URL(url) } };
}

function toolOutput(content: WireMessage["content"]): LanguageModelV4ToolResultOutput {
  if (Array.isArray(content) && content.some((part) => part.type === "image_url")) {
    return {
      type: "content",
      value: content.map((part) => {
        if (part.type === "text") return { type: "text" as const, text: part.text };
        const file = partOf(part) as LanguageModelV4FilePart;
        return { type: "file" as const, data: file.data, mediaType: file.mediaType };
      }),
    };
  }
  return { type: "text", value: textOf(content) };
}

function parseInput(text: string): JSONValue {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
