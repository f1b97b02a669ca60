// The CLI's tool approval: a call of a tool that needs approval (named by
// --approve-tools, or declared by the tool) is shown on the terminal and
// waits for y, or a reason to refuse that the model reads.
import type { ToolApprovalHandler } from "../agents/multi_step_agent.ts";
import { sanitizeForTerminal } from "../logger.ts";

/** Options of {@linkcode terminalToolApproval}. */
export interface ToolPromptOptions {
  /** Asks one question; null means there is no terminal to ask on. */
  ask: (question: string) => Promise<string | null>;
  /** The CLI's log line writer. */
  line: (text: string) => void;
}

/** Most characters of the arguments shown in the question. */
const MAX_ARGS_SHOWN = 2_000;

/**
 * Asks `y/N` for each call; any other answer refuses with the words typed
 * as the reason. No terminal refuses, saying so.
 */
export function terminalToolApproval(options: ToolPromptOptions): ToolApprovalHandler {
  const { ask, line } = options;
  return async (request, { signal }) => {
    let args = JSON.stringify(request.args) ?? "{}";
    if (args.length > MAX_ARGS_SHOWN) {
      args = `${args.slice(0, MAX_ARGS_SHOWN)}… (${args.length} characters)`;
    }
    // The arguments are the model's words: no escape sequence reaches the terminal.
    const call = sanitizeForTerminal(`${request.tool}(${args})`);
    const who = request.agentName ? ` (agent ${sanitizeForTerminal(request.agentName)})` : "";
    const answer = await Promise.race([
      ask(`The agent${who} wants to call ${call}. Approve? [y] yes, [N] no, or type why not:`),
      new Promise<null>((resolve) => signal.addEventListener("abort", () => resolve(null))),
    ]);
    if (answer === null) {
      line(`Refused ${request.tool}: no answer (no terminal, or the wait ran out).`);
      return { approved: false, reason: "no one answered the approval prompt" };
    }
    const word = answer.trim();
    if (/^(y|yes)$/i.test(word)) return true;
    if (word === "" || /^(n|no)$/i.test(word)) return false;
    return { approved: false, reason: word };
  };
}
