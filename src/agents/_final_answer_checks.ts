/**
 * Final-answer checks: the caller's gates a final answer must pass before a
 * run accepts it.
 *
 * @module
 */

import { AgentError } from "../errors.ts";
import type { AgentMemory } from "../memory.ts";
import type { MultiStepAgent } from "./multi_step_agent.ts";

/**
 * Checks a final answer before the run accepts it. Return `false` or throw to
 * reject it: the model then sees why (the thrown message) and tries again.
 */
export type FinalAnswerCheck = (
  answer: unknown,
  memory: AgentMemory,
  agent: MultiStepAgent,
) => boolean | Promise<boolean>;

/**
 * Runs `checks` in order on `answer`; the first to return `false` or throw
 * rejects it with an {@linkcode AgentError} the model is shown.
 */
export async function runFinalAnswerChecks(
  checks: readonly FinalAnswerCheck[],
  answer: unknown,
  memory: AgentMemory,
  agent: MultiStepAgent,
): Promise<void> {
  for (const check of checks) {
    const label = check.name ? `"${check.name}"` : `${checks.indexOf(check) + 1}`;
    let accepted: boolean;
    try {
      accepted = await check(answer, memory, agent);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new AgentError(`Final answer check ${label} rejected the answer: ${reason}`, {
        cause: error,
      });
    }
    if (accepted === false) {
      throw new AgentError(`Final answer check ${label} rejected the answer`);
    }
  }
}
