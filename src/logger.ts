/**
 * Console rendering of agent runs, and the only place that writes to the
 * console. {@linkcode Logger} consumes the {@linkcode AgentEvent}s a run
 * yields, like any other UI, and renders them the way smolagents' console
 * does: a task panel, a rule per step, the code with line numbers, logs and
 * outputs, errors, step duration and tokens, the final answer. It also takes
 * plain messages that belong to no run (an executor's warnings, an MCP
 * server's stderr) through {@linkcode Logger.warn} and its siblings, so
 * nothing else in the package needs the console.
 *
 * @module
 */

import type { AgentEvent, ErrorData, ManagedAgentEvent, ModelStreamDeltaEvent } from "./events.ts";
import { footer, inspect, sanitizeForTerminal, unstreamedRest, wrap } from "./_terminal_text.ts";

export { sanitizeForTerminal } from "./_terminal_text.ts";

/**
 * How much a {@linkcode Logger} shows, as in smolagents: `OFF` nothing,
 * `ERROR` only errors, `INFO` the run as it happens (default), `DEBUG` also
 * the model's raw replies and the observations sent back to it.
 */
export const LogLevel = { OFF: -1, ERROR: 0, INFO: 1, DEBUG: 2 } as const;
/** One of the {@linkcode LogLevel} values. */
export type LogLevel = typeof LogLevel[keyof typeof LogLevel];

/** Where a {@linkcode Logger} writes. */
export interface LogWriter {
  /** Writes text as is. */
  write(text: string): void;
  /** Whether the destination is a terminal; colours are used only then. */
  isTerminal?(): boolean;
  /** Width of the terminal in columns, when known. */
  columns?(): number | undefined;
}

/**
 * Takes plain messages by severity, as {@linkcode Logger} does. Components
 * that report outside an agent run (an executor's warnings, an MCP server's
 * stderr) accept one instead of writing to the console themselves.
 */
export interface MessageLogger {
  /** A failure. A Logger shows it at every level but `OFF`. */
  error(message: string): void;
  /** Something the user should act on (a risky grant, say). A Logger shows it at every level but `OFF`. */
  warn(message: string): void;
  /** Context about what is happening. A Logger shows it from `INFO`. */
  info(message: string): void;
  /** Detail for troubleshooting. A Logger shows it at `DEBUG`. */
  debug(message: string): void;
}

/** Options of the {@linkcode Logger} constructor. */
export interface LoggerOptions {
  /** How much to show. Defaults to `LogLevel.INFO`. */
  level?: LogLevel;
  /**
   * Where to write. Defaults to standard error, so that a program's own
   * output (its answer) can be piped from standard output without the logs.
   */
  writer?: LogWriter;
  /**
   * Whether to use colours. Defaults to true only when the writer is a
   * terminal and `NO_COLOR` is not set.
   */
  color?: boolean;
  /** Width of panels and rules. Defaults to the terminal's width (40 to 120), else 80. */
  width?: number;
}

const encoder = new TextEncoder();

const stderrWriter: LogWriter = {
  write(text: string): void {
    // writeSync may write less than asked; loop until all is written.
    let bytes = encoder.encode(text);
    while (bytes.length > 0) bytes = bytes.subarray(Deno.stderr.writeSync(bytes));
  },
  isTerminal: (): boolean => Deno.stderr.isTerminal(),
  columns: (): number | undefined => {
    try {
      return Deno.consoleSize().columns;
    } catch {
      return undefined;
    }
  },
};

const LEVEL_OF: Record<AgentEvent["type"], LogLevel> = {
  run_start: LogLevel.INFO,
  step_start: LogLevel.INFO,
  model_stream_delta: LogLevel.INFO,
  model_output: LogLevel.DEBUG,
  planning: LogLevel.INFO,
  code_action: LogLevel.INFO,
  code_output: LogLevel.INFO,
  tool_call: LogLevel.INFO,
  tool_result: LogLevel.INFO,
  observation: LogLevel.DEBUG,
  error: LogLevel.ERROR,
  step_end: LogLevel.INFO,
  final_answer: LogLevel.INFO,
  run_end: LogLevel.INFO,
  // Shown as the wrapped event would be.
  managed_agent_event: LogLevel.ERROR,
};

/**
 * Renders agent events to a terminal or any writer. Text that comes from the
 * model or from tools is sanitized first: escape sequences are removed and
 * other control characters shown as visible symbols, so a reply cannot move
 * the cursor, clear the screen or fake a colour.
 *
 * When the model streams (`model_stream_delta` events), its text is shown
 * live from `INFO`, once: the complete reply that follows (`model_output`,
 * `planning`) then adds only what was not streamed (the closing tag of a
 * code block, which the stream stops at; tool calls at `DEBUG`; the plan's
 * timing). Without streaming the reply is shown at `DEBUG`.
 *
 * @example Rendering a run into a string
 * ```ts
 * import { Logger, LogLevel } from "@smoldeno/agents";
 *
 * let text = "";
 * const logger = new Logger({ level: LogLevel.INFO, writer: { write: (t) => (text += t) } });
 * logger.log({ type: "step_start", stepNumber: 1, maxSteps: 5 });
 * logger.log({ type: "final_answer", output: 42 });
 * console.log(text.includes("Step 1"), text.includes("Final answer: 42")); // true true
 * ```
 */
export class Logger implements MessageLogger {
  /** How much is shown. */
  readonly level: LogLevel;
  /** Whether colours are used. */
  readonly color: boolean;
  /** Width of panels and rules. */
  readonly width: number;
  readonly #writer: LogWriter;
  // The model call whose text is being shown live, if any.
  #live?: LiveText;
  // Whether the text written so far ends a line, and who wrote its last line
  // (OWN, or a managed agent's name).
  #atLineStart = true;
  #source = OWN;
  // Renderers of managed agents' events, by agent name.
  readonly #children = new Map<string, Logger>();

  /**
   * Creates a logger.
   *
   * @throws {RangeError} when `level` is not a LogLevel or `width` is below 20.
   */
  constructor(options: LoggerOptions = {}) {
    const level = options.level ?? LogLevel.INFO;
    if (!Object.values(LogLevel).includes(level)) {
      throw new RangeError(
        `Invalid log level ${level}: expected LogLevel.OFF (-1), ERROR (0), INFO (1) or DEBUG (2)`,
      );
    }
    if (options.width !== undefined && !(Number.isInteger(options.width) && options.width >= 20)) {
      throw new RangeError(`Invalid width ${options.width}: expected an integer of at least 20`);
    }
    this.level = level;
    this.#writer = options.writer ?? stderrWriter;
    const terminal = this.#writer.isTerminal?.() === true;
    this.color = options.color ?? (terminal && !Deno.noColor);
    const columns = terminal ? this.#writer.columns?.() : undefined;
    this.width = options.width ?? (columns ? Math.min(120, Math.max(40, columns)) : 80);
  }

  /** Writes an event, if the level shows it. */
  log(event: AgentEvent): void {
    const text = this.format(event);
    if (text !== "") this.#writer.write(text);
  }

  /**
   * Writes an error message (sanitized, on a red `Error:` line) unless the level is `OFF`.
   *
   * @example Logging plain messages by severity
   * ```ts
   * import { Logger, LogLevel } from "@smoldeno/agents";
   *
   * let text = "";
   * const logger = new Logger({ level: LogLevel.ERROR, writer: { write: (t) => (text += t) } });
   * logger.warn("granting run gives full access");
   * logger.info("connected"); // hidden below INFO
   * console.log(text); // "Warning: granting run gives full access\n"
   * ```
   */
  error(message: string): void {
    this.#message(LogLevel.ERROR, "1;31", "Error: ", message);
  }

  /** Writes a warning (sanitized, on a yellow `Warning:` line) unless the level is `OFF`. */
  warn(message: string): void {
    this.#message(LogLevel.ERROR, "33", "Warning: ", message);
  }

  /** Writes a message (sanitized) from level `INFO`. */
  info(message: string): void {
    this.#message(LogLevel.INFO, "", "", message);
  }

  /** Writes a dimmed message (sanitized) at level `DEBUG`. */
  debug(message: string): void {
    this.#message(LogLevel.DEBUG, "2", "", message);
  }

  #message(level: LogLevel, codes: string, label: string, message: string): void {
    if (this.level < level) return;
    const text = `${label}${sanitize(String(message)).replace(/\n$/, "")}`;
    this.#writer.write(this.#emit(`${codes ? this.#style(codes, text) : text}\n`, OWN, true));
  }

  /**
   * Renders an event as the logger would write it; empty when the level
   * hides it. Stream deltas are rendered relative to the ones before them
   * (a header for the first, the rest of the reply later left out), so call
   * this once per event, in order, as {@linkcode Logger.log} does.
   */
  format(event: AgentEvent): string {
    if (event.type === "managed_agent_event") return this.#nested(event);
    if (event.type === "model_stream_delta") return this.#delta(event);
    const live = this.#live;
    this.#live = undefined;
    const continues = live !== undefined &&
      (event.type === "model_output" || event.type === "planning") &&
      live.key === liveKey(event.stepNumber, event.type === "planning" ? "planning" : event.phase);
    // The rest of a streamed reply ends its live text, so it shows wherever that did.
    if (this.level < (continues ? LogLevel.INFO : LEVEL_OF[event.type])) return "";
    return this.#emit(
      continues ? this.#afterLive(event, live.streamed) : this.#render(event),
      OWN,
      true,
    );
  }

  // Accounts for text about to be written: what is written next starts a
  // line when asked (`fresh`) or when it comes from another source than the
  // unfinished line before it.
  #emit(text: string, source: string, fresh: boolean): string {
    if (text === "") return "";
    const newline = !this.#atLineStart && (fresh || source !== this.#source) ? "\n" : "";
    this.#atLineStart = text.endsWith("\n");
    this.#source = source;
    return newline + text;
  }

  #delta(event: ModelStreamDeltaEvent): string {
    if (this.level < LEVEL_OF[event.type]) return "";
    const content = event.delta.content ?? "";
    const key = liveKey(event.stepNumber, event.phase);
    let header = "";
    if (this.#live?.key !== key) {
      // Tool-call fragments and usage are not shown live: no header for them.
      if (content === "") return "";
      header = event.phase === "planning"
        ? `${this.#rule(event.stepNumber === 1 ? "Initial plan" : "Updated plan", "─", "1")}\n`
        : `${this.#style("2", "Output message of the LLM:")}\n`;
      this.#live = { key, carry: "", streamed: "" };
    }
    const live = this.#live!;
    live.streamed += content;
    let text = live.carry + content;
    // A CRLF split across two deltas must still become one newline.
    live.carry = text.endsWith("\r") ? "\r" : "";
    if (live.carry) text = text.slice(0, -1);
    return this.#emit(header + sanitize(text), OWN, header !== "");
  }

  // A managed agent's event: rendered by a logger of its own (its live text
  // is its own), narrower, each line behind a bar.
  #nested(event: ManagedAgentEvent): string {
    let child = this.#children.get(event.agentName);
    if (!child) {
      child = new Logger({
        level: this.level,
        color: this.color,
        width: Math.max(20, this.width - NEST_PAD.length),
        writer: this.#writer,
      });
      this.#children.set(event.agentName, child);
    }
    const inner = child.format(event.event);
    if (inner === "") return "";
    const pad = this.#style("2", NEST_PAD);
    let lineStart = this.#atLineStart || this.#source !== event.agentName;
    let text = "";
    for (const piece of inner.split(/(?<=\n)/)) {
      if (lineStart) text += pad;
      text += piece;
      lineStart = piece.endsWith("\n");
    }
    return this.#emit(text, event.agentName, false);
  }

  // The parts of a complete reply that its live text did not show.
  #afterLive(
    event: AgentEvent & { type: "model_output" | "planning" },
    streamed: string,
  ): string {
    if (event.type === "planning") {
      const stats = footer(event.timing, event.tokenUsage);
      return stats ? `${this.#style("2", `[${stats}]`)}\n` : "";
    }
    // The stream stopped at a code block's closing tag; the reply has it back.
    // Its line break, if any, is the one #emit adds after an open line.
    const rest = unstreamedRest(streamed, event.content).replace(/^\r?\n/, "");
    const calls = this.level < LogLevel.DEBUG ? [] : event.toolCalls ?? [];
    return (rest.trim() ? `${sanitize(rest)}\n` : "") +
      calls.map((c) =>
        `${this.#style("2", "Tool call:")} ${sanitize(c.name)} ${sanitize(inspect(c.arguments))}\n`
      ).join("");
  }

  #render(event: AgentEvent): string {
    const s = this.#style;
    switch (event.type) {
      case "run_start": {
        const title = event.agentName ? `New run - ${event.agentName}` : "New run";
        const notes = [
          event.reset ? "" : "(continuing the previous conversation)",
          event.imageCount > 0 ? `${event.imageCount} image(s) attached` : "",
          event.additionalArgs.length > 0
            ? `Variables: ${event.additionalArgs.map(sanitize).join(", ")}`
            : "",
        ].filter(Boolean);
        return this.#panel(title, [event.task, ...notes].join("\n\n"), `${event.modelId}`);
      }
      case "step_start":
        return `${this.#rule(`Step ${event.stepNumber}`, "━", "1;33")}\n`;
      case "model_stream_delta":
      case "managed_agent_event":
        // Rendered by #delta and #nested, which keep state across events.
        return "";
      case "model_output":
        return `${s("2", "Output message of the LLM:")}\n${sanitize(event.content)}\n${
          (event.toolCalls ?? []).map((c) =>
            `${s("2", "Tool call:")} ${sanitize(c.name)} ${sanitize(inspect(c.arguments))}\n`
          ).join("")
        }`;
      case "planning": {
        const title = event.kind === "initial" ? "Initial plan" : "Updated plan";
        const stats = footer(event.timing, event.tokenUsage);
        return `${this.#rule(title, "─", "1")}\n${sanitize(event.plan)}\n${
          stats ? `${s("2", `[${stats}]`)}\n` : ""
        }`;
      }
      case "code_action":
        return this.#codePanel(event.code);
      case "code_output": {
        const parts: string[] = [];
        if (event.logs !== "") {
          parts.push(`${s("1", "Execution logs:")}\n${sanitize(event.logs.replace(/\n$/, ""))}`);
        }
        if (event.isFinalAnswer) {
          parts.push(s("1;33", `Out - Final answer: ${sanitize(inspect(event.output))}`));
        } else if (event.output !== undefined) {
          parts.push(`Out: ${sanitize(inspect(event.output))}`);
        }
        return parts.map((p) => `${p}\n`).join("");
      }
      case "tool_call":
        return this.#panel(
          "",
          `Calling tool: '${event.name}' with arguments: ${inspect(event.arguments)}`,
          "",
        );
      case "tool_result":
        // A failure is shown in red by the step's error event; here it is
        // one line among the step's observations, not a second red error.
        return `${s("1", "Observations:")} ${
          sanitize(event.error ? event.error.message : event.observation)
        }\n`;
      case "observation":
        return `${s("2", "Observation sent to the model:")}\n${sanitize(event.observation)}\n`;
      case "error":
        return this.#error(event.error);
      case "step_end": {
        const stats = footer(event.timing, event.tokenUsage);
        return `${s("2", `[Step ${event.stepNumber}${stats ? `: ${stats}` : ""}]`)}\n`;
      }
      case "final_answer":
        return `${s("1;33", `Final answer: ${sanitize(inspect(event.output))}`)}\n`;
      case "run_end": {
        const state = event.state === "success"
          ? s("32", "success")
          : event.state === "max_steps_error"
          ? s("1;31", "reached the step limit")
          : event.state === "budget_exceeded"
          ? s("1;31", `reached its budget (${event.budgetStop?.limit ?? "limit"})`)
          : s("33", "interrupted");
        const steps = `${event.stepCount} step${event.stepCount === 1 ? "" : "s"}`;
        const stats = footer(event.timing, event.tokenUsage);
        return `${s("2", "[Run ended:")} ${state} ${
          s("2", `after ${steps}${stats ? `: ${stats}` : ""}]`)
        }\n`;
      }
    }
  }

  #style = (codes: string, text: string): string =>
    this.color ? `\x1b[${codes}m${text}\x1b[0m` : text;

  #error(error: ErrorData): string {
    const detail = error.permission
      ? `${error.kind ?? "permission"}: ${error.permission}`
      : error.kind;
    const head = `${error.name}${detail ? ` (${detail})` : ""}`;
    return `${this.#style("1;31", `Error: ${sanitize(head)}: ${sanitize(error.message)}`)}\n`;
  }

  #rule(title: string, char: string, codes: string): string {
    const label = ` ${sanitize(title)} `;
    const left = Math.max(2, Math.floor((this.width - label.length) / 2));
    const right = Math.max(2, this.width - left - label.length);
    return this.#style(codes, `${char.repeat(left)}${label}${char.repeat(right)}`);
  }

  #panel(title: string, body: string, subtitle: string): string {
    const inner = this.width - 4;
    const border = (left: string, label: string, right: string): string => {
      const text = label ? `─ ${sanitize(label)} ` : "";
      const fill = Math.max(0, this.width - 2 - [...text].length);
      return this.#style("1;36", `${left}${text}${"─".repeat(fill)}${right}`);
    };
    const lines = wrap(sanitize(body), inner).map((line) =>
      `${this.#style("1;36", "│")} ${line}${" ".repeat(Math.max(0, inner - [...line].length))} ${
        this.#style("1;36", "│")
      }`
    );
    return `${[border("╭", title, "╮"), ...lines, border("╰", subtitle, "╯")].join("\n")}\n`;
  }

  #codePanel(code: string): string {
    const lines = sanitize(code).split("\n");
    const digits = String(lines.length).length;
    const numbered = lines.map((line, i) =>
      `${this.#style("2", `${String(i + 1).padStart(digits + 1)} │`)} ${line}`
    );
    const head = this.#style(
      "1",
      `─ Executing parsed code: ${"─".repeat(Math.max(0, this.width - 26))}`,
    );
    const foot = this.#style("1", "─".repeat(this.width));
    return `${[head, ...numbered, foot].join("\n")}\n`;
  }
}

// Source of the logger's own text; agent names are identifiers, never empty.
const OWN = "";
// What precedes each line of a managed agent's output.
const NEST_PAD = "│ ";

interface LiveText {
  /** Which model call: step number and phase. */
  key: string;
  /** A trailing "\r" held back until the next delta shows whether "\n" follows. */
  carry: string;
  /** The text streamed so far, as the model sent it. */
  streamed: string;
}

function liveKey(stepNumber: number, phase: string): string {
  return `${stepNumber}:${phase}`;
}

const sanitize = sanitizeForTerminal;
