/**
 * `code_interpreter`: lets a tool-calling agent run TypeScript in a sandbox.
 *
 * @module
 */
import { AgentExecutionError } from "../src/errors.ts";
import type { Executor } from "../src/executor.ts";
import { BaseTool, type ToolArgs, type ToolCallOptions } from "../src/tool.ts";
import { truncate } from "./_text.ts";

/** The inputs of {@linkcode CodeInterpreterTool}. */
export type CodeInterpreterToolInputs = {
  /** The `code` argument. */
  code: { type: "string"; description: string };
};

const inputs: CodeInterpreterToolInputs = {
  code: {
    type: "string",
    description:
      "TypeScript to run. What it prints with console.log and the value of its last expression are returned.",
  },
};

/** Options of {@linkcode CodeInterpreterTool}. */
export interface CodeInterpreterToolOptions {
  /**
   * Makes the sandbox for one call, e.g. `() => new DenoExecutor({ permissions })`.
   * Each call gets a fresh one, closed afterwards, so calls share no state.
   * (tools/ does not depend on executors/, so the executor is injected.)
   */
  createExecutor: () => Executor | Promise<Executor>;
  /** Characters of output returned at most. Default 20 000. */
  maxOutputLength?: number;
  /** What the sandbox may do, shown to the model, e.g. `"no file or network access"`. */
  permissionsSummary?: string;
}

/**
 * Runs TypeScript in a fresh sandbox and returns what it printed and the
 * value of its last expression. This is the base tool that gives a
 * ToolCallingAgent code execution; a CodeAgent runs code natively and does not
 * need it. A failing run becomes a tool error carrying the error kind and the
 * output printed before the failure.
 *
 * @example With a stand-in executor
 * ```ts
 * import { CodeInterpreterTool } from "@smoldeno/agents/tools";
 *
 * const interpreter = new CodeInterpreterTool({
 *   createExecutor: () => ({
 *     sendTools: async () => {},
 *     sendVariables: async () => {},
 *     execute: async () => ({ output: 4, logs: "adding\n", isFinalAnswer: false }),
 *     close: async () => {},
 *     [Symbol.asyncDispose]: async () => {},
 *   }),
 * });
 * console.log(await interpreter.call({ code: "console.log('adding'); 2 + 2" }));
 * // "Stdout:\nadding\n\nLast value: 4"
 * ```
 */
export class CodeInterpreterTool extends BaseTool<CodeInterpreterToolInputs, "string"> {
  #createExecutor: () => Executor | Promise<Executor>;
  #maxOutputLength: number;

  /** Creates the tool; throws `TypeError` without `createExecutor`. */
  constructor(options: CodeInterpreterToolOptions) {
    super({
      name: "code_interpreter",
      description: "Runs TypeScript code in a fresh, isolated Deno sandbox" +
        (options?.permissionsSummary ? ` (${options.permissionsSummary})` : "") +
        " and returns its printed output and the value of its last expression. No state is kept between calls.",
      inputs,
      outputType: "string",
    });
    if (typeof options?.createExecutor !== "function") {
      throw new TypeError(
        "Cannot create CodeInterpreterTool: createExecutor must be a function returning an Executor, e.g. () => new DenoExecutor()",
      );
    }
    this.#createExecutor = options.createExecutor;
    this.#maxOutputLength = options.maxOutputLength ?? 20_000;
  }

  /** Runs the code in a new sandbox. */
  protected async forward(
    { code }: ToolArgs<CodeInterpreterToolInputs>,
    { signal }: ToolCallOptions,
  ): Promise<string> {
    const executor = await this.#createExecutor();
    try {
      const result = await executor.execute(code, { signal });
      const value = result.output === undefined ? "undefined" : stringify(result.output);
      return truncate(
        `Stdout:\n${result.logs.replace(/\n$/, "") || "(nothing printed)"}\n\nLast value: ${value}`,
        this.#maxOutputLength,
      );
    } catch (error) {
      if (error instanceof AgentExecutionError) {
        const printed = error.logs ? `\nPrinted before the error:\n${error.logs}` : "";
        throw new Error(
          truncate(`${error.kind} error: ${error.message}${printed}`, this.#maxOutputLength),
          { cause: error },
        );
      }
      throw error;
    } finally {
      await executor.close();
    }
  }
}

function stringify(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}
