/**
 * `final_answer`: how an agent ends its run.
 *
 * @module
 */
import { BaseTool, type ToolArgs } from "../src/tool.ts";

/** The inputs of {@linkcode FinalAnswerTool}. */
export type FinalAnswerToolInputs = {
  /** The `answer` argument. */
  answer: { type: "any"; description: string };
};

const inputs: FinalAnswerToolInputs = {
  answer: { type: "any", description: "The final answer to the task" },
};

/**
 * Returns its argument unchanged; calling it ends the agent's run with that
 * answer. Agents add it themselves; it is exported so custom agents and UIs
 * can reuse the same definition.
 *
 * @example
 * ```ts
 * import { FinalAnswerTool } from "@smoldeno/agents/tools";
 *
 * const finalAnswer = new FinalAnswerTool();
 * console.log(await finalAnswer.call({ answer: 42 })); // 42
 * ```
 */
export class FinalAnswerTool extends BaseTool<FinalAnswerToolInputs, "any"> {
  /** Creates the tool. */
  constructor() {
    super({
      name: "final_answer",
      description: "Gives the final answer to the task and ends the run.",
      inputs,
      outputType: "any",
    });
  }

  /** Returns the answer. */
  protected forward({ answer }: ToolArgs<FinalAnswerToolInputs>): unknown {
    return answer;
  }
}
