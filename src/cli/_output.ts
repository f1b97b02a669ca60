// Where the CLI reads and writes (CliIo), and its standard error, shared by the agent's log (the Logger writes
// through `writer`) and the CLI's own lines. It remembers whether the last
// text ended its line, so that a line of the CLI never continues a streamed
// reply left open, and every line it writes ends with a newline.

import type { LogWriter } from "../logger.ts";

/** Where `runCli` reads and writes; each defaults to the process's own. */
export interface CliIo {
  /** Receives the final answer and `--help`. */
  stdout?: (text: string) => void;
  /** Receives the log (the agent's steps, each retry of a model request) and error messages. */
  stderr?: (text: string) => void;
  /** Asks one question and resolves to the line typed, or null when there is no terminal. */
  ask?: (question: string) => Promise<string | null>;
  /** Stops the run, like Ctrl-C. Default: the process's SIGINT. */
  signal?: AbortSignal;
}

/** Standard error as the CLI writes to it. */
export class CliStderr {
  readonly #write: (text: string) => void;
  readonly #terminal: boolean;
  #atLineStart = true;

  /** `terminal`: whether `write` reaches a terminal (colours, width). */
  constructor(write: (text: string) => void, terminal: boolean) {
    this.#write = write;
    this.#terminal = terminal;
  }

  /** Writes text as it is (a streamed reply, say). */
  write(text: string): void {
    if (text === "") return;
    this.#write(text);
    this.#atLineStart = text.endsWith("\n");
  }

  /** Writes `text` as whole lines: on a fresh line, ending with a newline. */
  line(text: string): void {
    this.endLine();
    this.write(text.endsWith("\n") ? text : `${text}\n`);
  }

  /** Ends a line left open, if any. */
  endLine(): void {
    if (!this.#atLineStart) this.write("\n");
  }

  /** A writer for the Logger, so that its text is accounted for too. */
  get writer(): LogWriter {
    return {
      write: (text) => this.write(text),
      isTerminal: () => this.#terminal,
      columns: () => {
        if (!this.#terminal) return undefined;
        try {
          return Deno.consoleSize().columns;
        } catch {
          return undefined;
        }
      },
    };
  }
}

/** A writer for a Deno stream that writes all of `text`, however the stream splits it. */
export function writeTo(stream: { writeSync(p: Uint8Array): number }): (text: string) => void {
  const encoder = new TextEncoder();
  return (text) => {
    let bytes = encoder.encode(text);
    while (bytes.length > 0) bytes = bytes.subarray(stream.writeSync(bytes));
  };
}

/**
 * The command's outputs from `io`, each defaulting to the process's own:
 * stdout for the answer, and stderr shared by the log and the CLI's lines.
 */
export function cliOutputs(io: CliIo): {
  stdout: (text: string) => void;
  err: CliStderr;
  stderr: (text: string) => void;
} {
  const err = new CliStderr(
    io.stderr ?? writeTo(Deno.stderr),
    io.stderr === undefined && Deno.stderr.isTerminal(),
  );
  return { stdout: io.stdout ?? writeTo(Deno.stdout), err, stderr: (text) => err.line(text) };
}
