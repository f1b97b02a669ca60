/**
 * `user_input`: lets the agent ask the user a question.
 *
 * @module
 */
import { BaseTool, type ToolArgs, type ToolCallOptions } from "../src/tool.ts";

/** The inputs of {@linkcode UserInputTool}. */
export type UserInputToolInputs = {
  /** The `question` argument. */
  question: { type: "string"; description: string };
};

const inputs: UserInputToolInputs = {
  question: { type: "string", description: "The question to ask the user" },
};

/** Reads the user's answer to a question. */
export type ReadAnswer = (question: string, options: ToolCallOptions) => Promise<string>;

/** Options of {@linkcode UserInputTool}. */
export interface UserInputToolOptions {
  /**
   * How to ask. Default: print the question on stderr and read one line from
   * the terminal. A web or chat UI passes its own function.
   */
  readAnswer?: ReadAnswer;
}

/**
 * Asks the user a question and returns the answer. By default it asks on the
 * terminal (the question on stderr, so stdout stays clean for the final
 * answer) and fails clearly when there is no terminal to ask on: standard
 * input piped, redirected or closed.
 *
 * @example With a custom way of asking
 * ```ts
 * import { UserInputTool } from "@smoldeno/agents/tools";
 *
 * const ask = new UserInputTool({ readAnswer: (question) => Promise.resolve(`You asked: ${question}`) });
 * console.log(await ask.call({ question: "Which city?" })); // "You asked: Which city?"
 * ```
 */
export class UserInputTool extends BaseTool<UserInputToolInputs, "string"> {
  #readAnswer: ReadAnswer;

  /** Creates the tool. */
  constructor(options: UserInputToolOptions = {}) {
    super({
      name: "user_input",
      description: "Asks the user a question and returns their answer.",
      inputs,
      outputType: "string",
    });
    this.#readAnswer = options.readAnswer ?? askOnTerminal;
  }

  /** Asks the question. */
  protected forward(
    { question }: ToolArgs<UserInputToolInputs>,
    options: ToolCallOptions,
  ): Promise<string> {
    return this.#readAnswer(question, options);
  }
}

async function askOnTerminal(question: string, { signal }: ToolCallOptions): Promise<string> {
  if (!Deno.stdin.isTerminal()) {
    throw new Error(
      "Cannot ask the user: standard input is not a terminal (it is piped, redirected or closed); run the agent in an interactive terminal, or give UserInputTool a `readAnswer` function",
    );
  }
  const encoder = new TextEncoder();
  Deno.stderr.writeSync(encoder.encode(`\n${question}\n> `));
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(1024);
  let line = "";
  while (!line.includes("\n")) {
    signal?.throwIfAborted();
    const n = await Deno.stdin.read(buffer);
    if (n === null) {
      throw new Error("Cannot ask the user: standard input was closed before an answer was given");
    }
    line += decoder.decode(buffer.subarray(0, n), { stream: true });
  }
  return line.slice(0, line.indexOf("\n")).replace(/\r$/, "");
}
