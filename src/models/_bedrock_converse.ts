// Translates between the chat-completions body that ChatCore builds and the
// Bedrock Converse API: requests, replies, stream events. Kept apart from the
// client so that the mapping reads (and is tested) on its own.

import type {
  ContentBlock,
  ConverseResponse,
  ConverseStreamOutput,
  ImageFormat,
  Message,
  SystemContentBlock,
  Tool,
  ToolChoice,
  ToolResultContentBlock,
} from "@aws-sdk/client-bedrock-runtime";
import type {
  WireChunk,
  WireCompletion,
  WireContentPart,
  WireMessage,
  WireReplyToolCall,
  WireTool,
} from "./_wire.ts";

/** A request Bedrock cannot take, refused before anything is sent. */
export class BedrockInputError extends TypeError {
  constructor(message: string) {
    super(message);
    this.name = "BedrockInputError";
  }
}

/** The Converse request fields built from a chat body (`modelId` aside). */
export interface ConverseFields {
  messages: Message[];
  system?: SystemContentBlock[];
  inferenceConfig?: Record<string, unknown>;
  toolConfig?: { tools: Tool[]; toolChoice?: ToolChoice };
  outputConfig?: Record<string, unknown>;
  [extra: string]: unknown;
}

// Body keys translated here; every other key came from `extraBody` and is a
// Converse field passed through as it is (guardrailConfig, requestMetadata, …).
const TRANSLATED = new Set([
  "model",
  "messages",
  "stop",
  "tools",
  "tool_choice",
  "response_format",
  "temperature",
  "top_p",
  "max_tokens",
  "max_completion_tokens",
  "stream",
  "stream_options",
]);

/** Parameters of the chat body that Converse has no field for. */
export const UNSUPPORTED_PARAMETERS: Readonly<Record<string, string>> = {
  seed: "seed",
  frequency_penalty: "frequencyPenalty",
  presence_penalty: "presencePenalty",
  reasoning_effort: "reasoningEffort",
};

/** The Converse request for a chat-completions body. */
export function converseFields(body: Record<string, unknown>): ConverseFields {
  const wire = body.messages as WireMessage[];
  const { messages, system } = converseMessages(wire);
  const fields: ConverseFields = { messages };
  if (system.length) fields.system = system;

  const inference: Record<string, unknown> = {};
  const maxTokens = body.max_tokens ?? body.max_completion_tokens;
  if (maxTokens !== undefined) inference.maxTokens = maxTokens;
  if (body.temperature !== undefined) inference.temperature = body.temperature;
  if (body.top_p !== undefined) inference.topP = body.top_p;
  if (Array.isArray(body.stop) && body.stop.length) inference.stopSequences = body.stop;
  if (Object.keys(inference).length) fields.inferenceConfig = inference;

  const tools = body.tools as WireTool[] | undefined;
  if (tools?.length) {
    const choice = body.tool_choice;
    // Converse has no "none": the tools are left out, unless the history
    // holds tool calls, which Bedrock only accepts alongside a toolConfig.
    if (choice !== "none" || hasToolBlocks(messages)) {
      fields.toolConfig = {
        tools: tools.map((tool) => ({
          toolSpec: {
            name: tool.function.name,
            description: tool.function.description || tool.function.name,
            inputSchema: { json: tool.function.parameters as never },
          },
        })),
      };
      const toolChoice = converseToolChoice(choice);
      if (toolChoice) fields.toolConfig.toolChoice = toolChoice;
    }
  }

  const format = body.response_format as
    | { json_schema?: { name?: string; schema?: unknown } }
    | undefined;
  if (format?.json_schema) {
    fields.outputConfig = {
      textFormat: {
        type: "json_schema",
        structure: {
          jsonSchema: {
            name: format.json_schema.name,
            schema: JSON.stringify(format.json_schema.schema ?? {}),
          },
        },
      },
    };
  }

  for (const [key, value] of Object.entries(body)) {
    if (TRANSLATED.has(key) || value === undefined) continue;
    if (key in UNSUPPORTED_PARAMETERS) {
      throw new BedrockInputError(
        `Bedrock's Converse API has no ${
          UNSUPPORTED_PARAMETERS[key]
        } parameter: pass model-specific fields in extraBody.additionalModelRequestFields`,
      );
    }
    // Objects the user extends (inferenceConfig, outputConfig) keep what was built above.
    const built = fields[key];
    fields[key] = isPlainObject(built) && isPlainObject(value) ? { ...built, ...value } : value;
  }
  return fields;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function converseToolChoice(choice: unknown): ToolChoice | undefined {
  if (choice === "required") return { any: {} };
  if (choice === "auto" || choice === "none") return { auto: {} };
  const name = (choice as { function?: { name?: string } } | undefined)?.function?.name;
  return name ? { tool: { name } } : undefined;
}

function hasToolBlocks(messages: Message[]): boolean {
  return messages.some((m) => m.content?.some((b) => b.toolUse || b.toolResult));
}

function converseMessages(wire: readonly WireMessage[]): {
  messages: Message[];
  system: SystemContentBlock[];
} {
  const system: SystemContentBlock[] = [];
  const messages: Message[] = [];
  for (const message of wire) {
    if (message.role === "system") {
      for (const block of contentBlocks(message.content)) {
        if (block.text !== undefined) system.push({ text: block.text });
      }
      continue;
    }
    let converted: Message;
    if (message.role === "tool") {
      converted = {
        role: "user",
        content: [{
          toolResult: {
            toolUseId: message.tool_call_id,
            content: toolResultContent(message.content),
          },
        }],
      };
    } else if (message.role === "user" || message.role === "assistant") {
      const content = contentBlocks(message.content);
      for (const call of message.tool_calls ?? []) {
        content.push({
          toolUse: {
            toolUseId: call.id,
            name: call.function.name,
            input: toolInput(call.function.arguments) as never,
          },
        });
      }
      converted = { role: message.role, content };
    } else {
      throw new BedrockInputError(
        `Bedrock takes the roles "system", "user", "assistant" and "tool", got ${
          JSON.stringify(message.role)
        }: map it with customRoleConversions`,
      );
    }
    // Bedrock refuses empty messages and two messages in a row from the
    // same role (tool results become user turns, next to the user's).
    if (!converted.content?.length) continue;
    const previous = messages.at(-1);
    if (previous && previous.role === converted.role) previous.content!.push(...converted.content);
    else messages.push(converted);
  }
  return { messages, system };
}

function toolInput(args: string): unknown {
  if (args.trim() === "") return {};
  try {
    const parsed = JSON.parse(args);
    return isPlainObject(parsed) ? parsed : { value: parsed };
  } catch {
    // A call whose arguments were not JSON still has to go back as an object.
    return { arguments: args };
  }
}

function toolResultContent(content: WireMessage["content"]): ToolResultContentBlock[] {
  const blocks = contentBlocks(content).map((block): ToolResultContentBlock =>
    block.image ? { image: block.image } : { text: block.text ?? "" }
  );
  // A tool that returned nothing still answers its call.
  return blocks.length ? blocks : [{ text: "" }];
}

function contentBlocks(content: WireMessage["content"]): ContentBlock[] {
  if (content === null) return [];
  const parts: WireContentPart[] = typeof content === "string"
    ? [{ type: "text", text: content }]
    : content;
  const blocks: ContentBlock[] = [];
  for (const part of parts) {
    if (part.type === "text") {
      // Bedrock rejects blank text blocks.
      if (part.text.trim() !== "") blocks.push({ text: part.text });
    } else {
      blocks.push({ image: imageBlock(part.image_url.url) });
    }
  }
  return blocks;
}

const IMAGE_FORMATS: Readonly<Record<string, ImageFormat>> = {
  "image/png": "png",
  "image/jpeg": "jpeg",
  "image/jpg": "jpeg",
  "image/gif": "gif",
  "image/webp": "webp",
};

function imageBlock(url: string): { format: ImageFormat; source: { bytes: Uint8Array } } {
  const match = url.match(/^data:([^;,]+);base64,(.*)$/is);
  if (!match) {
    throw new BedrockInputError(
      `Bedrock takes images as bytes, not URLs: download ${
        JSON.stringify(url.length > 80 ? `${url.slice(0, 80)}…` : url)
      } and pass its bytes as the image`,
    );
  }
  const format = IMAGE_FORMATS[match[1].toLowerCase()];
  if (!format) {
    throw new BedrockInputError(
      `Bedrock takes png, jpeg, gif or webp images, got ${JSON.stringify(match[1])}`,
    );
  }
  return { format, source: { bytes: decodeBase64(match[2]) } };
}

function decodeBase64(text: string): Uint8Array {
  try {
    return Uint8Array.from(atob(text.replace(/\s+/g, "")), (c) => c.charCodeAt(0));
  } catch {
    throw new BedrockInputError("Invalid image: its base64 data does not decode");
  }
}

/** A Converse reply in the chat-completions shape; `response` keeps the original. */
export function completionFromConverse(
  output: ConverseResponse,
): WireCompletion & { response: ConverseResponse } {
  const blocks = output.output?.message?.content ?? [];
  const texts: string[] = [];
  const toolCalls: WireReplyToolCall[] = [];
  for (const block of blocks) {
    if (block.text !== undefined) texts.push(block.text);
    else if (block.toolUse) {
      toolCalls.push({
        id: block.toolUse.toolUseId,
        type: "function",
        function: { name: block.toolUse.name, arguments: block.toolUse.input ?? {} },
      });
    }
  }
  return {
    choices: [{
      message: {
        content: texts.length ? texts.join("") : null,
        ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
      },
      finish_reason: output.stopReason ?? null,
    }],
    usage: output.usage
      ? { prompt_tokens: output.usage.inputTokens, completion_tokens: output.usage.outputTokens }
      : null,
    response: output,
  };
}

/**
 * Converts ConverseStream events into chunks. Tool calls get dense indexes
 * (0, 1, …) in the order they start, whatever their content-block index.
 */
export async function* chunksFromConverseStream(
  events: AsyncIterable<ConverseStreamOutput>,
): AsyncGenerator<WireChunk, void, undefined> {
  const toolIndex = new Map<number, number>();
  for await (const event of events) {
    if (event.contentBlockStart?.start?.toolUse) {
      const { toolUseId, name } = event.contentBlockStart.start.toolUse;
      const index = toolIndex.size;
      toolIndex.set(event.contentBlockStart.contentBlockIndex ?? index, index);
      yield toolChunk({ index, id: toolUseId, function: { name, arguments: "" } });
    } else if (event.contentBlockDelta?.delta) {
      const { delta, contentBlockIndex } = event.contentBlockDelta;
      if (delta.text !== undefined) {
        yield { choices: [{ delta: { content: delta.text } }] };
      } else if (delta.toolUse?.input !== undefined) {
        const index = toolIndex.get(contentBlockIndex ?? -1) ?? Math.max(0, toolIndex.size - 1);
        yield toolChunk({ index, function: { arguments: delta.toolUse.input } });
      }
    } else if (event.messageStop) {
      yield { choices: [{ delta: {}, finish_reason: event.messageStop.stopReason ?? null }] };
    } else if (event.metadata?.usage) {
      const { inputTokens, outputTokens } = event.metadata.usage;
      yield { choices: [], usage: { prompt_tokens: inputTokens, completion_tokens: outputTokens } };
    }
  }
}

function toolChunk(call: WireReplyToolCall): WireChunk {
  return { choices: [{ delta: { tool_calls: [call] } }] };
}
