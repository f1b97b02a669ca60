/**
 * The tool calls a CodeAgent's code makes from the sandbox, noted on the host
 * and reported as `tool_call` / `tool_result` events of the step.
 *
 * @module
 */

import type { AgentEvent, ErrorData } from "../events.ts";
import { errorToData } from "../memory.ts";
import type { Tool, ToolCallOptions } from "../tool.ts";
import { formatValue, truncate } from "./_format.ts";

/** A tool call the code made during a step, as the host saw it. */
export interface RecordedCall {
  /** `<tool name>_<n>`, n counting the calls of that tool. */
  id: string;
  /** The tool's name. */
  name: string;
  /** The arguments the code passed. */
  arguments: Record<string, unknown>;
  /** What the tool returned. */
  output?: unknown;
  /** What the tool threw. */
  error?: ErrorData;
  /** Whether the call has ended (returned or thrown). */
  done: boolean;
}

/**
 * The tool as the sandbox sees it: the same tool, with each call noted in
 * `log` so the step can report what the code called (a UI shows it; the
 * model reads logs).
 */
export function recordCalls(tool: Tool, log: RecordedCall[]): Tool {
  let count = 0;
  return {
    name: tool.name,
    description: tool.description,
    inputs: tool.inputs,
    outputType: tool.outputType,
    ...(tool.outputSchema ? { outputSchema: tool.outputSchema } : {}),
    async call(args: Record<string, unknown>, options?: ToolCallOptions): Promise<unknown> {
      const entry: RecordedCall = {
        id: `${tool.name}_${++count}`,
        name: tool.name,
        arguments: args,
        done: false,
      };
      log.push(entry);
      try {
        entry.output = await tool.call(args, options);
        return entry.output;
      } catch (error) {
        entry.error = errorToData(error);
        throw error;
      } finally {
        entry.done = true;
      }
    },
  };
}

/** The `tool_call` and `tool_result` events of the calls in `log`, which it empties. */
export function* toolCallEvents(
  log: RecordedCall[],
  stepNumber: number,
  maxLength: number,
): Generator<AgentEvent> {
  for (const call of log.splice(0)) {
    yield {
      type: "tool_call",
      stepNumber,
      id: call.id,
      name: call.name,
      arguments: call.arguments,
    };
    if (!call.done) continue;
    yield {
      type: "tool_result",
      stepNumber,
      id: call.id,
      name: call.name,
      observation: call.error
        ? `Error: ${call.error.message}`
        : truncate(formatValue(call.output), maxLength),
      ...(call.error ? { error: call.error } : { output: call.output }),
    };
  }
}
