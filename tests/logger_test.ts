import {
  assert,
  assertEquals,
  assertMatch,
  assertStringIncludes,
  assertThrows,
} from "./_assert.ts";
import type { AgentEvent } from "../src/events.ts";
import { Logger, type LoggerOptions, LogLevel, sanitizeForTerminal } from "../src/logger.ts";
import { imageValue } from "../src/media.ts";

// A writer that records into a string; `terminal` says what isTerminal() answers.
function buffer(terminal = false): { text: string; writer: LoggerOptions["writer"] } {
  const out = { text: "", writer: undefined as LoggerOptions["writer"] };
  out.writer = {
    write: (t: string) => {
      out.text += t;
    },
    isTerminal: () => terminal,
    columns: () => 60,
  };
  return out;
}

const RUN: AgentEvent[] = [
  {
    type: "run_start",
    task: "What is 6 times 7?",
    modelId: "gpt-4o",
    maxSteps: 5,
    reset: true,
    imageCount: 0,
    additionalArgs: [],
  },
  { type: "step_start", stepNumber: 1, maxSteps: 5 },
  { type: "model_output", stepNumber: 1, phase: "action", content: "Thought: easy." },
  { type: "code_action", stepNumber: 1, code: "const x = 6 * 7;\nconsole.log(x);\nx" },
  { type: "code_output", stepNumber: 1, logs: "42\n", output: 42, isFinalAnswer: false },
  { type: "observation", stepNumber: 1, observation: "Execution logs:\n42\nLast output: 42" },
  {
    type: "step_end",
    stepNumber: 1,
    timing: { startTime: 0, endTime: 1520, duration: 1520 },
    tokenUsage: { inputTokens: 1234, outputTokens: 56 },
    isFinalAnswer: false,
  },
  {
    type: "error",
    stepNumber: 2,
    error: {
      name: "AgentExecutionError",
      message: "Requires net access",
      kind: "permission",
      permission: "net",
    },
  },
  { type: "final_answer", output: 42 },
  {
    type: "run_end",
    state: "success",
    output: 42,
    stepCount: 2,
    tokenUsage: { inputTokens: 2000, outputTokens: 100 },
    timing: { startTime: 0, endTime: 3000, duration: 3000 },
  },
];

function render(level: LogLevel, events: AgentEvent[] = RUN, options: LoggerOptions = {}): string {
  const out = buffer();
  const logger = new Logger({ level, writer: out.writer, width: 60, ...options });
  for (const event of events) logger.log(event);
  return out.text;
}

Deno.test("Logger at INFO renders the task panel, step rule, numbered code, logs, tokens and answer", () => {
  const text = render(LogLevel.INFO);
  const lines = text.split("\n");
  assertEquals(lines[0], "╭─ New run " + "─".repeat(48) + "╮");
  assertEquals(lines[1], "│ What is 6 times 7?" + " ".repeat(39) + "│");
  assertEquals(lines[2], "╰─ gpt-4o " + "─".repeat(49) + "╯");
  assertStringIncludes(text, `${"━".repeat(26)} Step 1 ${"━".repeat(26)}`);
  assertStringIncludes(text, " 1 │ const x = 6 * 7;\n 2 │ console.log(x);\n 3 │ x\n");
  assertStringIncludes(text, "Execution logs:\n42\nOut: 42\n");
  assertStringIncludes(
    text,
    "[Step 1: Duration 1.52 seconds | Input tokens: 1,234 | Output tokens: 56]",
  );
  assertStringIncludes(
    text,
    "Error: AgentExecutionError (permission: net): Requires net access",
  );
  assertStringIncludes(text, "Final answer: 42\n");
  assertStringIncludes(
    text,
    "[Run ended: success after 2 steps: Duration 3.00 seconds | Input tokens: 2,000 | Output tokens: 100]",
  );
  // DEBUG-only events stay hidden.
  assert(!text.includes("Thought: easy."));
  assert(!text.includes("Observation sent to the model"));
});

Deno.test("Logger at DEBUG also shows the model's reply and the observation", () => {
  const text = render(LogLevel.DEBUG);
  assertStringIncludes(text, "Output message of the LLM:\nThought: easy.\n");
  assertStringIncludes(
    text,
    "Observation sent to the model:\nExecution logs:\n42\nLast output: 42\n",
  );
});

Deno.test("Logger at ERROR shows only errors, and OFF nothing", () => {
  assertEquals(
    render(LogLevel.ERROR),
    "Error: AgentExecutionError (permission: net): Requires net access\n",
  );
  assertEquals(render(LogLevel.OFF), "");
});

Deno.test("LogLevel has smolagents' values", () => {
  assertEquals(LogLevel, { OFF: -1, ERROR: 0, INFO: 1, DEBUG: 2 });
});

Deno.test("Logger renders tool calls, tool results, plans and a max-steps run end", () => {
  const text = render(LogLevel.INFO, [
    {
      type: "planning",
      stepNumber: 1,
      kind: "initial",
      plan: "1. Look up.\n2. Answer.",
      timing: { startTime: 0, endTime: 500, duration: 500 },
    },
    {
      type: "tool_call",
      stepNumber: 1,
      id: "c1",
      name: "get_weather",
      arguments: { city: "Lima" },
    },
    { type: "tool_result", stepNumber: 1, id: "c1", name: "get_weather", observation: "19°C" },
    {
      type: "tool_result",
      stepNumber: 1,
      id: "c2",
      name: "search",
      observation: "failed",
      error: {
        name: "AgentToolCallError",
        message: 'Tool "search" has no input "q"',
        toolName: "search",
      },
    },
    { type: "code_output", stepNumber: 2, logs: "", output: "done", isFinalAnswer: true },
    {
      type: "run_end",
      state: "max_steps_error",
      output: "best guess",
      stepCount: 1,
      tokenUsage: { inputTokens: 1, outputTokens: 1 },
      timing: { startTime: 0, endTime: 10, duration: 10 },
    },
  ], { width: 100 });
  assertStringIncludes(text, " Initial plan ");
  assertStringIncludes(text, "1. Look up.\n2. Answer.\n[Duration 0.50 seconds]\n");
  assertStringIncludes(text, "│ Calling tool: 'get_weather' with arguments: { city: \"Lima\" }");
  assertStringIncludes(text, "Observations: 19°C\n");
  // A failed call is an observation line; the step's error event shows it in red.
  assertStringIncludes(text, 'Observations: Tool "search" has no input "q"\n');
  assert(!text.includes("Error: AgentToolCallError"));
  assertStringIncludes(text, "Out - Final answer: done\n");
  assertStringIncludes(text, "[Run ended: reached the step limit after 1 step: ");
});

Deno.test("Logger wraps long task text inside the panel", () => {
  const task = "word ".repeat(30).trim();
  const text = render(LogLevel.INFO, [{ ...RUN[0], task } as AgentEvent]);
  const body = text.split("\n").filter((l) => l.startsWith("│"));
  assert(body.length > 1, "the task spans several lines");
  for (const line of body) assertEquals([...line].length, 60);
});

Deno.test("Logger summarizes images instead of dumping their bytes", () => {
  const image = imageValue(new Uint8Array(2048), { mimeType: "image/png" });
  const text = render(LogLevel.INFO, [{ type: "final_answer", output: image }]);
  assertEquals(text, "Final answer: [image image/png, 2,048 bytes]\n");
});

Deno.test("Logger removes escape sequences and shows control characters from model and tool text", () => {
  const hostile = "ok\x1b[2J\x1b[31mred\x1b]0;pwned\x07\x1bc\rfake\x08\u202Egnp.exe";
  const text = render(LogLevel.DEBUG, [
    { type: "model_output", stepNumber: 1, phase: "action", content: hostile },
    { type: "code_action", stepNumber: 1, code: hostile },
    { type: "code_output", stepNumber: 1, logs: hostile, output: hostile, isFinalAnswer: false },
    { type: "error", stepNumber: 1, error: { name: "Error", message: hostile } },
    { type: "final_answer", output: hostile },
  ]);
  assert(!text.includes("\x1b"), "no escape character reaches the terminal");
  assert(!text.includes("\r") && !text.includes("\x08") && !text.includes("\u202E"));
  assertStringIncludes(text, "okred␍fake␈<U+202E>gnp.exe");
});

Deno.test("sanitizeForTerminal() keeps newlines and tabs and normalizes CRLF", () => {
  assertEquals(sanitizeForTerminal("a\tb\r\nc\n"), "a\tb\nc\n");
  assertEquals(sanitizeForTerminal("\x1b[1;32mgreen\x1b[0m"), "green");
  assertEquals(sanitizeForTerminal("\x9b31mx\x00\x7f"), "x␀␡");
  assertEquals(sanitizeForTerminal("\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\"), "link");
});

Deno.test("Logger uses colours only on a terminal, unless told otherwise", () => {
  const event: AgentEvent = { type: "final_answer", output: "x" };
  const tty = buffer(true);
  new Logger({ writer: tty.writer }).log(event);
  assertEquals(tty.text.includes("\x1b["), !Deno.noColor);

  const pipe = buffer(false);
  new Logger({ writer: pipe.writer }).log(event);
  assertEquals(pipe.text, "Final answer: x\n");

  const forced = buffer(false);
  new Logger({ writer: forced.writer, color: true }).log(event);
  assertEquals(forced.text, "\x1b[1;33mFinal answer: x\x1b[0m\n");

  const disabled = buffer(true);
  new Logger({ writer: disabled.writer, color: false }).log(event);
  assertEquals(disabled.text, "Final answer: x\n");
});

Deno.test("Logger turns colours off when NO_COLOR is set, in a real subprocess", async () => {
  const script = `
    import { Logger } from ${JSON.stringify(new URL("../src/logger.ts", import.meta.url).href)};
    const logger = new Logger({ writer: { write: (t) => Deno.stdout.writeSync(new TextEncoder().encode(t)), isTerminal: () => true } });
    logger.log({ type: "final_answer", output: "x" });
    console.log(JSON.stringify(logger.color));
  `;
  const run = async (env: Record<string, string>) => {
    const { stdout } = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--no-check", script],
      env,
      clearEnv: true,
      stdout: "piped",
      stderr: "inherit",
    }).output();
    return new TextDecoder().decode(stdout);
  };
  assertEquals(await run({ NO_COLOR: "1" }), "Final answer: x\nfalse\n");
  assertEquals(await run({}), "\x1b[1;33mFinal answer: x\x1b[0m\ntrue\n");
});

Deno.test("Logger rejects an invalid level or width with a RangeError", () => {
  assertThrows(() => new Logger({ level: 3 as LogLevel }), RangeError, "Invalid log level 3");
  assertThrows(() => new Logger({ width: 5 }), RangeError, "Invalid width 5");
});

Deno.test("Logger.format() returns the rendering without writing it", () => {
  const out = buffer();
  const logger = new Logger({ writer: out.writer, level: LogLevel.ERROR });
  assertEquals(logger.format({ type: "final_answer", output: 1 }), "");
  assertEquals(
    logger.format({
      type: "error",
      stepNumber: 1,
      error: { name: "AgentParsingError", message: "No code" },
    }),
    "Error: AgentParsingError: No code\n",
  );
  assertEquals(out.text, "");
});

Deno.test("Logger leaves out timing and token figures it was not given", () => {
  const text = render(LogLevel.INFO, [
    { type: "planning", stepNumber: 1, kind: "update", plan: "Go on.", timing: { startTime: 0 } },
    { type: "step_end", stepNumber: 2, timing: { startTime: 0 }, isFinalAnswer: false },
  ]);
  assertStringIncludes(text, " Updated plan ");
  assertStringIncludes(text, "Go on.\n[Step 2]\n");
});

Deno.test("Logger writes plain messages by severity, filtered by level", () => {
  const says = (level: LogLevel): string => {
    const out = buffer();
    const logger = new Logger({ level, writer: out.writer });
    logger.error("disk full");
    logger.warn("grants run");
    logger.info("connected");
    logger.debug("frame 3");
    return out.text;
  };
  assertEquals(says(LogLevel.OFF), "");
  assertEquals(says(LogLevel.ERROR), "Error: disk full\nWarning: grants run\n");
  assertEquals(says(LogLevel.INFO), "Error: disk full\nWarning: grants run\nconnected\n");
  assertEquals(
    says(LogLevel.DEBUG),
    "Error: disk full\nWarning: grants run\nconnected\nframe 3\n",
  );
});

Deno.test("Logger messages are sanitized, end with one newline and are coloured by severity", () => {
  const out = buffer();
  const logger = new Logger({ writer: out.writer, level: LogLevel.DEBUG, color: true });
  logger.info("\x1b[2Jcleared\x07\n");
  logger.warn("careful");
  logger.error("broken");
  logger.debug("detail");
  assertEquals(
    out.text,
    "cleared␇\n\x1b[33mWarning: careful\x1b[0m\n\x1b[1;31mError: broken\x1b[0m\n\x1b[2mdetail\x1b[0m\n",
  );
});

// The events of one streamed model call, as the agent yields them.
function streamed(
  phase: "action" | "planning",
  pieces: string[],
  stepNumber = 1,
): AgentEvent[] {
  return pieces.map((content) => ({
    type: "model_stream_delta",
    stepNumber,
    phase,
    delta: { content },
  }));
}

Deno.test("Logger at INFO shows a streamed reply live, once, and ends its last line", () => {
  const writes: string[] = [];
  const logger = new Logger({ width: 40, writer: { write: (t) => writes.push(t) } });
  for (const event of streamed("action", ["Thought: mul", "tiply.\n<code>\n6 * 7", "\n</code>"])) {
    logger.log(event);
  }
  // Each fragment is written as it arrives, the first under a header.
  assertEquals(writes, [
    "Output message of the LLM:\nThought: mul",
    "tiply.\n<code>\n6 * 7",
    "\n</code>",
  ]);
  logger.log({
    type: "model_output",
    stepNumber: 1,
    phase: "action",
    content: "Thought: multiply.\n<code>\n6 * 7\n</code>",
  });
  logger.log({ type: "code_action", stepNumber: 1, code: "6 * 7" });
  const text = writes.join("");
  assertEquals(text.split("Thought: multiply.").length, 2); // shown live, not reprinted
  assertStringIncludes(text, "</code>\n─ Executing parsed code:");
});

Deno.test("Logger shows a streamed code block whole: the closing tag or fence the stream stopped at comes back", () => {
  // The closing tag is a stop sequence, so the stream ends without it; the
  // complete reply (model_output) has it back.
  const cases = [
    { pieces: ["Thought: multiply.\n<code>\n", "6 * 7\n"], close: "</code>" },
    { pieces: ["Thought: multiply.\n<code>\n6 * 7"], close: "</code>" },
    { pieces: ["Thought: multiply.\n```ts\n", "6 * 7\n"], close: "```" },
  ];
  for (const { pieces, close } of cases) {
    const open = close === "```" ? "```ts" : "<code>";
    const text = render(LogLevel.INFO, [
      ...streamed("action", pieces),
      {
        type: "model_output",
        stepNumber: 1,
        phase: "action",
        content: `Thought: multiply.\n${open}\n6 * 7\n${close}`,
      },
      { type: "code_action", stepNumber: 1, code: "6 * 7" },
    ]);
    assertEquals(
      text.split("─ Executing parsed code:")[0],
      `Output message of the LLM:\nThought: multiply.\n${open}\n6 * 7\n${close}\n`,
      `${close}: ${text}`,
    );
  }
});

Deno.test("Logger adds nothing to a streamed reply that its complete reply does not extend", () => {
  const text = render(LogLevel.INFO, [
    ...streamed("action", ["Thought: one thing."]),
    { type: "model_output", stepNumber: 1, phase: "action", content: "Something else entirely" },
  ]);
  assertEquals(text, "Output message of the LLM:\nThought: one thing.");
  // Below INFO the live text is hidden, and so is its rest.
  const quiet = render(LogLevel.ERROR, [
    ...streamed("action", ["<code>\n1\n"]),
    { type: "model_output", stepNumber: 1, phase: "action", content: "<code>\n1\n</code>" },
  ]);
  assertEquals(quiet, "");
});

Deno.test("Logger at DEBUG shows a non-streamed reply, and only the tool calls of a streamed one", () => {
  const call = { id: "c1", name: "get_weather", arguments: { city: "Paris" } };
  const plain = render(LogLevel.DEBUG, [
    {
      type: "model_output",
      stepNumber: 1,
      phase: "action",
      content: "Let me check.",
      toolCalls: [call],
    },
  ]);
  assertEquals(
    plain,
    'Output message of the LLM:\nLet me check.\nTool call: get_weather { city: "Paris" }\n',
  );
  const live = render(LogLevel.DEBUG, [
    ...streamed("action", ["Let me ", "check."]),
    {
      type: "model_output",
      stepNumber: 1,
      phase: "action",
      content: "Let me check.",
      toolCalls: [call],
    },
  ]);
  assertEquals(
    live,
    'Output message of the LLM:\nLet me check.\nTool call: get_weather { city: "Paris" }\n',
  );
});

Deno.test("Logger streams a plan under its rule and then adds only its timing", () => {
  const text = render(LogLevel.INFO, [
    ...streamed("planning", ["1. Look", " it up.\n2. Answer."]),
    {
      type: "planning",
      stepNumber: 1,
      kind: "initial",
      plan: "1. Look it up.\n2. Answer.",
      timing: { startTime: 0, endTime: 2000, duration: 2000 },
    },
    { type: "step_start", stepNumber: 1, maxSteps: 5 },
  ]);
  const lines = text.split("\n");
  assertMatch(lines[0], /─ Initial plan ─/);
  assertEquals(lines.slice(1, 4), ["1. Look it up.", "2. Answer.", "[Duration 2.00 seconds]"]);
  assertEquals(text.split("Initial plan").length, 2);
  assertMatch(lines[4], /━ Step 1 ━/);
});

Deno.test("Logger hides streamed text below INFO and skips deltas without text", () => {
  assertEquals(render(LogLevel.ERROR, streamed("action", ["secret ", "plan"])), "");
  const toolOnly: AgentEvent = {
    type: "model_stream_delta",
    stepNumber: 1,
    phase: "action",
    delta: { toolCalls: [{ index: 0, name: "get_weather", arguments: '{"ci' }] },
  };
  assertEquals(render(LogLevel.INFO, [toolOnly]), "");
});

Deno.test("Logger sanitizes streamed text even when an escape or a CRLF is split across deltas", () => {
  const text = render(
    LogLevel.INFO,
    streamed("action", ["a\x1b[", "2Jb\r", "\nc\x1b]0;title\x07"]),
  );
  // Nothing of the escape sequences reaches the terminal.
  assertEquals(text, "Output message of the LLM:\na2Jb\nc");
});

Deno.test("Logger starts a plain message or a new call on a fresh line when a stream left one open", () => {
  const out = buffer();
  const logger = new Logger({ writer: out.writer, level: LogLevel.INFO });
  for (const event of streamed("action", ["half a li", "ne"])) logger.log(event);
  logger.warn("server restarted");
  for (const event of streamed("action", [" more"])) logger.log(event);
  for (const event of streamed("action", ["next call"], 2)) logger.log(event);
  logger.log({ type: "final_answer", output: 1 });
  assertEquals(
    out.text,
    "Output message of the LLM:\nhalf a line\nWarning: server restarted\n more\n" +
      "Output message of the LLM:\nnext call\nFinal answer: 1\n",
  );
});

// `event` as a manager's stream carries it for the managed agents `names`, outermost first.
function from(names: string[], event: AgentEvent): AgentEvent {
  return names.reduceRight<AgentEvent>(
    (inner, agentName) => ({ type: "managed_agent_event", stepNumber: 1, agentName, event: inner }),
    event,
  );
}

Deno.test("Logger renders managed agents' events behind one bar per level, in narrower rules", () => {
  const text = render(LogLevel.INFO, [
    { type: "step_start", stepNumber: 1, maxSteps: 5 },
    from(["mid"], { type: "step_start", stepNumber: 1, maxSteps: 3 }),
    from(["mid", "leaf"], { type: "final_answer", output: "deep" }),
    from(["mid"], { type: "observation", stepNumber: 1, observation: "hidden below DEBUG" }),
    { type: "final_answer", output: "top" },
  ]);
  const lines = text.split("\n");
  assertMatch(lines[0], /^━+ Step 1 ━+$/);
  assertMatch(lines[1], /^│ ━+ Step 1 ━+$/);
  assertEquals([...lines[0]].length, 60);
  assertEquals([...lines[1]].length, 60);
  assertEquals(lines.slice(2), ["│ │ Final answer: deep", "Final answer: top", ""]);
});

Deno.test("Logger keeps the live text of interleaved agents on lines of their own", () => {
  const text = render(LogLevel.INFO, [
    ...streamed("action", ["manager thin", "king"]),
    ...streamed("action", ["alpha wri", "tes"]).map((e) => from(["alpha"], e)),
    ...streamed("action", ["beta"]).map((e) => from(["beta"], e)),
    ...streamed("action", [" more alpha\n"]).map((e) => from(["alpha"], e)),
    from(["alpha"], { type: "final_answer", output: "a" }),
  ]);
  assertEquals(
    text,
    [
      "Output message of the LLM:",
      "manager thinking",
      "│ Output message of the LLM:",
      "│ alpha writes",
      "│ Output message of the LLM:",
      "│ beta",
      "│  more alpha",
      "│ Final answer: a",
      "",
    ].join("\n"),
  );
});
