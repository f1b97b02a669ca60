// Agents for the harness's tests: scripted models with replies shaped like
// what real models send.
import { ToolCallingAgent } from "../../src/agents/tool_calling_agent.ts";
import { LogLevel } from "../../src/logger.ts";
import type { ChatMessage } from "../../src/models/model.ts";
import { ScriptedModel, type ScriptedReply } from "../../src/testing.ts";
import type { Tool } from "../../src/tool.ts";
import type { EvalResult } from "../../src/eval/_results.ts";

/** A native tool call, as an OpenAI-style model sends it. */
export function toolCall(name: string, args: Record<string, unknown>, id = "call_1"): ChatMessage {
  return { role: "assistant", content: null, toolCalls: [{ id, name, arguments: args }] };
}

/** A final_answer call. */
export function answerCall(value: unknown): ChatMessage {
  return toolCall("final_answer", { answer: value }, "call_final");
}

/** A ToolCallingAgent with a scripted model. */
export function toolAgent(
  replies: ScriptedReply[],
  tools: Tool[] = [],
  modelId?: string,
): ToolCallingAgent {
  return new ToolCallingAgent({
    model: new ScriptedModel({ replies, modelId }),
    tools,
    logLevel: LogLevel.OFF,
  });
}

/** A fresh temp directory, removed by `await using`. */
export async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix: "smoldeno-eval-test-" });
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}

/** The ids in a results file, one per line, in file order. */
export async function idsInFile(path: string): Promise<string[]> {
  const text = await Deno.readTextFile(path);
  return text.split("\n").filter(Boolean).map((line) => JSON.parse(line).id);
}

/** A result line as the harness writes it: passed or a wrong answer, then `extra`. */
export function evalResult(
  id: string,
  passed: boolean,
  extra: Partial<EvalResult> = {},
): EvalResult {
  return {
    id,
    question: `q ${id}`,
    questionHash: id,
    dataset: "d",
    expected: 1,
    output: passed ? 1 : 2,
    score: passed ? 1 : 0,
    passed,
    scores: { auto: { score: passed ? 1 : 0 } },
    state: "success",
    ...(passed ? {} : { failure: { kind: "wrong_answer", name: "WrongAnswer", message: "x" } }),
    steps: 2,
    tokenUsage: { inputTokens: 1000, outputTokens: 100 },
    durationMs: 1000,
    startedAt: "2026-01-01T00:00:00.000Z",
    stepErrors: {},
    trace: [],
    ...extra,
  };
}

/** The plots of an HTML report, single-run or comparison, in page order. */
export const PLOT_TITLES = [
  "Accuracy by scorer",
  "Failures by kind",
  "Step errors by kind",
  "Steps per task",
  "Tokens per task",
  "Time per task",
];
