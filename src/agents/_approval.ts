// Tool approval: calls of tools that require it wait for the caller's
// onToolApproval, and a refusal (with its reason) is what the model sees.

import { AgentToolExecutionError } from "../errors.ts";
import { type Tool, type ToolCallOptions, validateToolArgs } from "../tool.ts";

/** A call waiting for approval. */
export interface ToolApprovalRequest {
  /** The tool's name, as the model called it (a managed agent's name for a managed agent). */
  tool: string;
  /** The validated arguments of the call. */
  args: Record<string, unknown>;
  /** The name of the agent whose model made the call, when it has one. */
  agentName?: string;
}

/** `true` or `false`, or the same with a reason the model is shown. */
export type ToolApprovalDecision = boolean | { approved: boolean; reason?: string };

/**
 * Approves or refuses one call. It may ask a person; it is given up on after
 * the agent's `toolApprovalTimeoutMs` (a refusal, its `signal` aborts), and
 * one that throws refuses too.
 */
export type ToolApprovalHandler = (
  request: ToolApprovalRequest,
  options: { signal: AbortSignal },
) => ToolApprovalDecision | Promise<ToolApprovalDecision>;

/** Whether a call of `tool` with `args` needs approval. */
export function needsApproval(
  tool: Tool,
  marked: boolean,
  args: Record<string, unknown>,
): boolean {
  if (marked) return true;
  const rule = tool.requiresApproval;
  if (typeof rule === "function") {
    try {
      return rule(args) !== false;
    } catch {
      return true; // A rule that cannot decide asks.
    }
  }
  return rule === true;
}

/** `tool`, whose calls first pass `ask` when they need approval. */
export function withApproval(
  tool: Tool,
  options: {
    marked: boolean;
    ask?: ToolApprovalHandler;
    timeoutMs: number;
    agentName?: string;
    log: (message: string) => void;
  },
): Tool {
  const wrapped: Tool = {
    name: tool.name,
    description: tool.description,
    inputs: tool.inputs,
    outputType: tool.outputType,
    ...(tool.outputSchema ? { outputSchema: tool.outputSchema } : {}),
    call: async (args: Record<string, unknown>, callOptions?: ToolCallOptions) => {
      // A malformed call fails as it would without approval, before anyone is asked.
      validateToolArgs(tool, args);
      if (needsApproval(tool, options.marked, args)) {
        const { approved, reason } = await decide(tool.name, args, options, callOptions?.signal);
        options.log(
          `Tool call ${tool.name}(${short(args)}) ${approved ? "approved" : "refused"}${
            reason ? `: ${reason}` : ""
          }`,
        );
        if (!approved) {
          throw new AgentToolExecutionError(
            `The user did not approve this call of "${tool.name}"${
              reason ? `: ${reason}` : ""
            }. Do not retry it as it is; find another way or explain why it is needed.`,
            { toolName: tool.name },
          );
        }
      }
      return await tool.call(args, callOptions);
    },
  };
  return wrapped;
}

async function decide(
  name: string,
  args: Record<string, unknown>,
  options: { ask?: ToolApprovalHandler; timeoutMs: number; agentName?: string },
  outer: AbortSignal | undefined,
): Promise<{ approved: boolean; reason?: string }> {
  const ask = options.ask;
  if (!ask) return { approved: false, reason: "no one is there to approve it (onToolApproval)" };
  const controller = new AbortController();
  const abort = () => controller.abort(outer?.reason);
  outer?.addEventListener("abort", abort, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<{ approved: boolean; reason?: string }>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new DOMException("No answer in time", "TimeoutError"));
      resolve({ approved: false, reason: "no answer in time" });
    }, options.timeoutMs);
  });
  try {
    const request: ToolApprovalRequest = {
      tool: name,
      args: structuredClone(args),
      ...(options.agentName ? { agentName: options.agentName } : {}),
    };
    const answer = await Promise.race([
      Promise.resolve().then(() => ask(request, { signal: controller.signal })),
      late,
    ]);
    outer?.throwIfAborted();
    if (answer === true) return { approved: true };
    if (answer && typeof answer === "object" && answer.approved === true) {
      return { approved: true, ...(answer.reason ? { reason: String(answer.reason) } : {}) };
    }
    const reason = answer && typeof answer === "object" && answer.reason
      ? String(answer.reason)
      : undefined;
    return { approved: false, ...(reason ? { reason } : {}) };
  } catch (error) {
    if (outer?.aborted) throw outer.reason;
    return {
      approved: false,
      reason: `the approval failed (${error instanceof Error ? error.message : String(error)})`,
    };
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener("abort", abort);
    if (!controller.signal.aborted) controller.abort();
  }
}

function short(args: Record<string, unknown>): string {
  let text: string;
  try {
    text = JSON.stringify(args);
  } catch {
    text = "…";
  }
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}
