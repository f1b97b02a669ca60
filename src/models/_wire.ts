// The OpenAI chat-completions wire format, as spoken by OpenAI, Azure, the
// Hugging Face router and every "OpenAI-compatible" server. Only the fields
// the adapters read or write are typed; servers add more.

/** A content part of a request message. */
export type WireContentPart =
  | { type: "text"; text: string }
  | { type: "image_url"; image_url: { url: string } };

/** A tool call in a request message. */
export interface WireToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/** A request message. */
export interface WireMessage {
  role: string;
  content: string | WireContentPart[] | null;
  tool_calls?: WireToolCall[];
  tool_call_id?: string;
}

/** A tool offered to the model. */
export interface WireTool {
  type: "function";
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

/** Token counts as servers report them. */
export interface WireUsage {
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
}

/** A tool call in a reply; some servers send `arguments` as an object. */
export interface WireReplyToolCall {
  index?: number;
  id?: string | null;
  type?: string;
  function?: { name?: string | null; arguments?: unknown };
}

/** A non-streamed reply. */
export interface WireCompletion {
  choices?: Array<{
    message?: { content?: string | null; tool_calls?: WireReplyToolCall[] | null };
    finish_reason?: string | null;
  }>;
  usage?: WireUsage | null;
}

/** One server-sent event of a streamed reply. */
export interface WireChunk {
  choices?: Array<{
    delta?: { content?: string | null; tool_calls?: WireReplyToolCall[] | null } | null;
    finish_reason?: string | null;
  }>;
  usage?: WireUsage | null;
}
