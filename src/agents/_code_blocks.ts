// Turns what real models write into an action: the code of a CodeAgent reply,
// or the JSON tool calls a ToolCallingAgent model wrote as text. Models are
// sloppy (a closing tag eaten by a stop sequence, fences inside tags, code
// labelled as Python out of habit), so this accepts every unambiguous form
// and, when nothing usable is found, says exactly what format to use.

import { AgentParsingError } from "../errors.ts";

/** The opening and closing tags of a code block in a CodeAgent reply. */
export type CodeBlockTags = readonly [open: string, close: string];

/**
 * The default tags. XML-like tags are harder for a model to confuse with the
 * markdown it writes in its thoughts than fences, and the closing tag works
 * as a stop sequence.
 */
export const DEFAULT_CODE_BLOCK_TAGS: CodeBlockTags = ["<code>", "</code>"];

/** Options of {@linkcode extractCode}. */
export interface ExtractCodeOptions {
  /** The code block tags the prompt asked for. Defaults to {@linkcode DEFAULT_CODE_BLOCK_TAGS}. */
  tags?: CodeBlockTags;
}

// Fence languages taken as TypeScript. Python is handled apart (see below);
// any other language (json, bash, text, …) is not code to run.
const SCRIPT_LANGUAGES: ReadonlySet<string> = new Set([
  "",
  "ts",
  "typescript",
  "js",
  "javascript",
  "tsx",
  "jsx",
  "mjs",
  "mts",
  "deno",
]);
const PYTHON_LANGUAGES: ReadonlySet<string> = new Set(["py", "python", "python3"]);

const FENCE_LINE = /^[ \t]*(`{3,}|~{3,})[ \t]*([\w+#.-]*)[^\n`]*$/;
// Lines that only occur in Python: models trained on smolagents sometimes
// write Python, and sometimes label TypeScript as ```python out of habit.
const PYTHON_MARKERS =
  /^[ \t]*(def \w+\(|print\(|elif\b|from [\w.]+ import\b|import [\w.]+( as \w+)?[ \t]*$|for \w+(, \w+)* in\b)|\b(None|True|False)\b/m;

/**
 * Extracts the code of a CodeAgent reply.
 *
 * Accepted, in order of precedence: blocks between the tags (the closing tag
 * may be missing, since it is a stop sequence; fences inside the tags are
 * removed); then fenced blocks labelled ts, typescript, js, javascript, tsx
 * or unlabelled, with or without a closing fence; then a reply that is only
 * code. Several blocks are joined in order. A block fenced as Python is
 * accepted when it contains no Python-only syntax, and refused otherwise.
 *
 * @throws {AgentParsingError} when no code is found; its message tells the
 * model the format to use.
 */
export function extractCode(reply: string, options: ExtractCodeOptions = {}): string {
  const [open, close] = options.tags ?? DEFAULT_CODE_BLOCK_TAGS;
  const text = reply.replace(/\r\n?/g, "\n");

  // Fence-like tags (["```ts", "```"]) are read as fences, so that ```typescript
  // is not cut after its "```ts" prefix.
  const fenceTags = /^\s*(`{3,}|~{3,})/.test(open);
  const tagged = fenceTags
    ? []
    : taggedBlocks(text, open, close).map(stripFences).filter((b) => b !== "");
  if (tagged.length > 0) return tagged.join("\n\n");

  const fenced = fencedBlocks(text);
  const pythonLabelled = fenced.filter((b) => PYTHON_LANGUAGES.has(b.language));
  const usable = fenced
    .filter((b) =>
      b.code !== "" &&
      (SCRIPT_LANGUAGES.has(b.language) ||
        (PYTHON_LANGUAGES.has(b.language) && !PYTHON_MARKERS.test(b.code)))
    )
    .map((b) => b.code);
  if (usable.length > 0) return usable.join("\n\n");
  if (pythonLabelled.length > 0) {
    throw new AgentParsingError(
      `Your code is Python, but the sandbox runs TypeScript: rewrite it in TypeScript (console.log instead of print, const/let, await for tool calls) ${
        formatHint(open, close)
      }`,
      { reply },
    );
  }
  const bare = fenced.length === 0 ? bareCode(text) : undefined;
  if (bare !== undefined) return bare;

  const found = fenced.length > 0
    ? `only blocks of ${[...new Set(fenced.map((b) => b.language))].join(", ")}, not TypeScript`
    : `no ${open}…${close} block`;
  const finalHint = /final[ _]?answer/i.test(text)
    ? ` To give your final answer, call it in code: ${open}final_answer("your answer");${close}`
    : "";
  throw new AgentParsingError(
    `Cannot find code in your reply (${found}).${finalHint} ${formatHint(open, close)}`,
    { reply },
  );
}

function formatHint(open: string, close: string): string {
  return `Use exactly this format:\nThought: what you will do and why.\n${open}\n// TypeScript here\nconst result = await some_tool({ input: "value" });\nconsole.log(result);\n${close}`;
}

// Text between each opening tag and the next closing tag, or the end of the
// reply when the closing tag is missing.
function taggedBlocks(text: string, open: string, close: string): string[] {
  const blocks: string[] = [];
  let from = 0;
  while (true) {
    const start = findOpenTag(text, open, from);
    if (start === -1) return blocks;
    const end = text.indexOf(close, start + open.length);
    // With two opening tags before a closing one, the first was prose
    // ("I put code in <code> tags"): the block starts at the last.
    const last = text.lastIndexOf(open, end === -1 ? text.length : end - open.length);
    const bodyStart = Math.max(start, last) + open.length;
    if (end === -1) {
      blocks.push(cutHallucinatedObservation(text.slice(bodyStart)));
      return blocks;
    }
    blocks.push(text.slice(bodyStart, end));
    from = end + close.length;
  }
}

// An opening tag quoted in the thought (`<code>`) is prose, not a block.
function findOpenTag(text: string, open: string, from: number): number {
  let at = text.indexOf(open, from);
  while (at !== -1 && text[at - 1] === "`" && text[at + open.length] === "`") {
    at = text.indexOf(open, at + open.length);
  }
  return at;
}

// Without its closing tag or fence, a block runs to the end of the reply; a
// model that was not stopped may go on to invent the observation.
function cutHallucinatedObservation(body: string): string {
  const match = /^(Observation:|<end_code>)/m.exec(body);
  return match ? body.slice(0, match.index) : body;
}

interface FencedBlock {
  language: string;
  code: string;
}

function fencedBlocks(text: string): FencedBlock[] {
  const lines = text.split("\n");
  const blocks: FencedBlock[] = [];
  let i = 0;
  while (i < lines.length) {
    const opening = FENCE_LINE.exec(lines[i]);
    if (!opening) {
      i++;
      continue;
    }
    const fence = opening[1];
    const language = opening[2].toLowerCase();
    const body: string[] = [];
    i++;
    // A closing fence uses the same character, at least as many, and nothing else.
    while (i < lines.length && !isClosingFence(lines[i], fence)) body.push(lines[i++]);
    const closed = i < lines.length;
    i++;
    const code = body.join("\n");
    blocks.push({ language, code: trimBlock(closed ? code : cutHallucinatedObservation(code)) });
  }
  return blocks;
}

// A closing fence is a run of the opening character at least as long, alone on
// its line except for trailing tags: old smolagents prompts taught "```<end_code>".
function isClosingFence(line: string, fence: string): boolean {
  const match = /^[ \t]*(`+|~+)[ \t]*((<\/?[\w-]+>)[ \t]*)*$/.exec(line);
  return match !== null && match[1][0] === fence[0] && match[1].length >= fence.length;
}

// Tagged content sometimes wraps a fenced block: keep what is inside the fence.
function stripFences(block: string): string {
  const lines = trimBlock(block).split("\n");
  if (FENCE_LINE.test(lines[0])) {
    const fence = FENCE_LINE.exec(lines[0])![1];
    lines.shift();
    if (lines.length > 0 && isClosingFence(lines[lines.length - 1], fence)) lines.pop();
  } else if (lines.length > 0 && /^[ \t]*(`{3,}|~{3,})[ \t]*$/.test(lines[lines.length - 1])) {
    // A stray closing fence after code, e.g. "<code>\ncode\n```".
    lines.pop();
  }
  return trimBlock(lines.join("\n"));
}

// Drops surrounding blank lines and trailing spaces, and the indentation
// shared by every line, so line numbers and indentation read naturally.
function trimBlock(code: string): string {
  const lines = code.split("\n").map((line) => line.trimEnd());
  while (lines.length > 0 && lines[0] === "") lines.shift();
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  const indents = lines.filter((l) => l !== "").map((l) => /^[ \t]*/.exec(l)![0].length);
  const common = indents.length > 0 ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(common)).join("\n");
}

// A reply with no block is taken as bare code when every line reads as code
// (no "Thought:" prose) and at least one line does something.
const CODE_LINE =
  /^\s*(\/\/|\/\*|\*|import\b|export\b|const\b|let\b|var\b|function\b|async\b|class\b|await\b|return\b|if\b|else\b|for\b|while\b|try\b|catch\b|finally\b|throw\b|switch\b|case\b|default\b|type\b|interface\b|[})\]])|[;{}(,[]\s*$|^\s*[\w$.[\]"'`]+\s*(=|\+=|-=|\+\+|--|\()|^\s*["']?[\w$]+["']?\s*:/;
const PROSE_LINE = /^\s*(Thoughts?|Observation|Answer|Final answer|Plan|Code|Action|Step \d+)\s*:/i;

function looksLikeCode(lines: readonly string[]): boolean {
  const nonEmpty = lines.filter((l) => l.trim() !== "");
  return nonEmpty.length > 0 && nonEmpty.every(isCodeLine) && nonEmpty.some((l) => /[(=]/.test(l));
}

function isCodeLine(line: string): boolean {
  return line.trim() === "" || (CODE_LINE.test(line) && !PROSE_LINE.test(line));
}

// The whole reply when it is code; or, after a "Thought:" paragraph, the
// lines of code that end the reply (a model that forgot the tags).
function bareCode(text: string): string | undefined {
  const lines = text.split("\n");
  if (looksLikeCode(lines)) return trimBlock(text);
  const first = lines.find((l) => l.trim() !== "");
  if (first === undefined || !/^\s*Thoughts?\s*:/i.test(first)) return undefined;
  let start = lines.length;
  while (start > 0 && isCodeLine(lines[start - 1])) start--;
  const tail = lines.slice(start);
  return looksLikeCode(tail) ? trimBlock(tail.join("\n")) : undefined;
}

/** A tool call written as JSON text. */
export interface ParsedToolCall {
  /** The tool's name. */
  name: string;
  /** The arguments object, or a raw string when the model gave one. */
  arguments: Record<string, unknown> | string;
}

/**
 * Extracts the tool calls a model wrote as JSON in its text, for models
 * without native tool calling: `{"name": …, "arguments": {…}}` anywhere in
 * the reply (prose, fences, `<tool_call>` tags), also with `parameters`
 * instead of `arguments`, arguments given as a JSON string, or the OpenAI
 * shape `{"function": {"name", "arguments"}}`. The only repair made is
 * removing trailing commas outside strings; anything else that is not JSON is
 * reported, not guessed at.
 *
 * @throws {AgentParsingError} when the reply holds no tool call; the message
 * gives the JSON parse error when there was an attempt, and the format.
 */
export function extractJsonToolCalls(reply: string): ParsedToolCall[] {
  const calls: ParsedToolCall[] = [];
  let parseError: string | undefined;
  let i = reply.indexOf("{");
  while (i !== -1) {
    const end = matchingBrace(reply, i);
    if (end === -1) {
      // An unclosed brace may be prose ("{like this"): a call may still follow.
      if (/"name"\s*:/.test(reply.slice(i))) parseError ??= "the JSON object is not closed";
      i = reply.indexOf("{", i + 1);
      continue;
    }
    const source = reply.slice(i, end + 1);
    const parsed = parseLenient(source);
    const call = parsed.ok ? asToolCall(parsed.value) : undefined;
    if (call) {
      calls.push(call);
      i = reply.indexOf("{", end + 1);
      continue;
    }
    if (!parsed.ok && /"name"\s*:/.test(source)) parseError ??= parsed.error;
    i = reply.indexOf("{", i + 1);
  }
  if (calls.length > 0) return calls;
  const format =
    'Write the call as JSON: {"name": "tool_name", "arguments": {"argument_name": "value"}}';
  throw new AgentParsingError(
    parseError === undefined
      ? `Cannot find a tool call in your reply. ${format}`
      : `Cannot parse the tool call in your reply as JSON: ${parseError}. ${format}`,
    { reply },
  );
}

function asToolCall(value: unknown): ParsedToolCall | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const object = value as Record<string, unknown>;
  if (typeof object.function === "object" && object.function !== null && !("name" in object)) {
    return asToolCall(object.function);
  }
  if (typeof object.name !== "string" || object.name === "") return undefined;
  const raw = "arguments" in object ? object.arguments : object.parameters;
  return { name: object.name, arguments: normalizeArguments(raw) };
}

function normalizeArguments(raw: unknown): Record<string, unknown> | string {
  if (raw === undefined || raw === null) return {};
  if (typeof raw === "object" && !Array.isArray(raw)) return raw as Record<string, unknown>;
  if (typeof raw === "string") {
    // OpenAI-style: the arguments object encoded as a string.
    try {
      const inner = JSON.parse(raw);
      if (typeof inner === "object" && inner !== null && !Array.isArray(inner)) return inner;
    } catch {
      // Not JSON: a plain string argument, kept as written.
    }
    return raw;
  }
  return JSON.stringify(raw);
}

// Index of the brace closing the object opened at `start`, skipping braces
// inside JSON strings; -1 when it is never closed.
function matchingBrace(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return i;
  }
  return -1;
}

function parseLenient(source: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(source) };
  } catch (error) {
    const repaired = withoutTrailingCommas(source);
    if (repaired !== source) {
      try {
        return { ok: true, value: JSON.parse(repaired) };
      } catch {
        // Report the error of what the model wrote, not of our repair.
      }
    }
    return { ok: false, error: (error as Error).message };
  }
}

// Removes commas followed only by whitespace and a closing bracket, outside strings.
function withoutTrailingCommas(source: string): string {
  let out = "";
  let inString = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (inString) {
      out += c;
      if (c === "\\") out += source[++i] ?? "";
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    if (c === "," && /^\s*[}\]]/.test(source.slice(i + 1))) continue;
    out += c;
  }
  return out;
}
