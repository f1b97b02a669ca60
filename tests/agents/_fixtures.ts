// Fixtures the agent loop tests share: a quiet log level, a lookup tool, and
// native tool-call replies.

import { LogLevel } from "../../src/logger.ts";
import type { ChatMessage } from "../../src/models/model.ts";
import { tool } from "../../src/tool.ts";

/** Keeps test output readable: the console logger has its own tests. */
export const OFF: LogLevel = LogLevel.OFF;

/** A tool that answers any query. */
export const lookup = tool({
  name: "lookup",
  description: "Looks up a fact.",
  inputs: { query: { type: "string", description: "What to look up" } },
  outputType: "string",
  forward: ({ query }) => `fact about ${query}`,
});

/** A reply making one native tool call. */
export function call(name: string, args: Record<string, unknown>, id = "c1"): ChatMessage {
  return { role: "assistant", content: null, toolCalls: [{ id, name, arguments: args }] };
}

/** A reply calling final_answer with `value`. */
export const answer = (value: unknown): ChatMessage =>
  call("final_answer", { answer: value }, "final");
