/**
 * The model interface the agents call, and the message types they exchange.
 * Provider adapters (OpenAI, Hugging Face, …) live behind their own subpath
 * exports and implement {@linkcode Model}.
 *
 * @module
 */

import type { Tool } from "../tool.ts";

/** Who wrote a message. */
export type MessageRole = "system" | "user" | "assistant" | "tool";

/** A text part of a message. */
export interface TextPart {
  /** Discriminant. */
  type: "text";
  /** The text. */
  text: string;
}

/** An image part of a message. */
export interface ImagePart {
  /** Discriminant. */
  type: "image";
  /** The image bytes, or a URL (`https:` or `data:`). */
  image: Uint8Array | string;
  /** MIME type of the bytes, e.g. `"image/png"`. */
  mimeType?: string;
}

/** One part of a multi-part message. */
export type ContentPart = TextPart | ImagePart;

/** A tool call requested by the model. */
export interface ToolCall {
  /** Identifier that links the call to its result message. */
  id: string;
  /** Name of the tool to call. */
  name: string;
  /** The arguments: parsed JSON, or the raw string when it was not valid JSON. */
  arguments: Record<string, unknown> | string;
}

/** Tokens consumed by one model call or a whole run. */
export interface TokenUsage {
  /** Prompt tokens. */
  inputTokens: number;
  /** Completion tokens. */
  outputTokens: number;
}

/** A chat message sent to or received from a model. */
export interface ChatMessage {
  /** Who wrote it. */
  role: MessageRole;
  /** Plain text, several parts, or null for an assistant message holding only tool calls. */
  content: string | ContentPart[] | null;
  /** Tool calls requested by the assistant. */
  toolCalls?: ToolCall[];
  /** For `role: "tool"`: the call this message answers. */
  toolCallId?: string;
  /** Tokens used to produce this message, when the provider reported them. */
  tokenUsage?: TokenUsage;
  /** The provider's raw response, for debugging. */
  raw?: unknown;
}

/** A JSON-schema constraint on the model's reply. */
export interface ResponseFormat {
  /** Discriminant. */
  type: "json_schema";
  /** The schema the reply must follow. */
  jsonSchema: {
    /** A name for the schema. */
    name: string;
    /** The JSON schema. */
    schema: Record<string, unknown>;
    /** Whether the provider must follow the schema exactly. */
    strict?: boolean;
  };
}

/** How the model must choose among tools. */
export type ToolChoice = "auto" | "required" | "none" | { name: string };

/** Options of {@linkcode Model.generate}. */
export interface GenerateOptions {
  /** Strings at which generation stops (the stop string is not included). */
  stopSequences?: string[];
  /** Constrains the reply to a JSON schema. */
  responseFormat?: ResponseFormat;
  /** Tools the model may call natively. */
  toolsToCallFrom?: Tool[];
  /** How the model must choose among `toolsToCallFrom`. */
  toolChoice?: ToolChoice;
  /** Cancels the request. */
  signal?: AbortSignal;
}

/** A partial tool call in a stream; parts with the same `index` belong together. */
export interface ToolCallDelta {
  /** Position of the call in the reply. */
  index: number;
  /** The call's id, usually in the first part only. */
  id?: string;
  /** The tool name, usually in the first part only. */
  name?: string;
  /** A fragment of the JSON arguments. */
  arguments?: string;
}

/** One piece of a streamed reply. */
export interface ChatMessageStreamDelta {
  /** New text. */
  content?: string;
  /** New tool-call fragments. */
  toolCalls?: ToolCallDelta[];
  /** Token usage, usually on the last delta only. */
  tokenUsage?: TokenUsage;
}

/**
 * A language model. Object literals can satisfy it, so any provider can be
 * plugged in without subclassing.
 */
export interface Model {
  /** The model's identifier, e.g. `"gpt-4o"`. */
  readonly modelId: string;
  /** Produces one reply. */
  generate(messages: ChatMessage[], options?: GenerateOptions): Promise<ChatMessage>;
  /** Streams one reply, when the provider supports it. */
  generateStream?(
    messages: ChatMessage[],
    options?: GenerateOptions,
  ): AsyncIterable<ChatMessageStreamDelta>;
}
