/**
 * The output of a step that did not come through `console` (text outside
 * frames on stdout, and stderr), capped so sandboxed code cannot make the host
 * hold unbounded text.
 *
 * @module
 */

/** The capped raw output of one step. */
export class RawOutput {
  #limits: { readonly maxOutputLength: number };
  #text = "";
  #dropped = 0;

  /** Keeps at most `limits.maxOutputLength` characters, read at each `add`. */
  constructor(limits: { readonly maxOutputLength: number }) {
    this.#limits = limits;
  }

  /** Appends `text`, counting what no longer fits. */
  add(text: string): void {
    const room = this.#limits.maxOutputLength - this.#text.length;
    if (room >= text.length) this.#text += text;
    else {
      if (room > 0) this.#text += text.slice(0, room);
      this.#dropped += text.length - Math.max(room, 0);
    }
  }

  /** Forgets the output so far, for a new step. */
  clear(): void {
    this.#text = "";
    this.#dropped = 0;
  }

  /** The output kept, with a note of how much was truncated. */
  logs(): string {
    if (!this.#text) return "";
    return this.#dropped
      ? `${this.#text}\n[... ${this.#dropped} characters of output truncated ...]\n`
      : this.#text;
  }
}

/**
 * The last lines of the sandbox's stderr, for error messages: each line
 * capped at 300 characters as it arrives, so one huge line (Deno echoes the
 * runner's whole command line, a data: URL, when it aborts) cannot push out
 * the lines that say what happened. Keeps about 4 000 characters.
 */
export class StderrTail {
  #lines = "";
  #line = "";
  #cut = false;

  /** Appends a chunk of stderr. */
  add(text: string): void {
    const parts = text.split("\n");
    for (let i = 0; i < parts.length; i++) {
      this.#append(parts[i]);
      if (i < parts.length - 1) this.#endLine();
    }
  }

  /** What was kept, the unfinished last line included. */
  text(): string {
    return this.#line || this.#cut
      ? `${this.#lines}${this.#line}${this.#cut ? "…" : ""}`
      : this.#lines;
  }

  #append(part: string): void {
    if (this.#cut) return;
    const room = LINE_CAP - this.#line.length;
    if (part.length <= room) this.#line += part;
    else {
      this.#line += part.slice(0, room);
      this.#cut = true;
    }
  }

  #endLine(): void {
    this.#lines = `${this.#lines}${this.#line}${this.#cut ? "…" : ""}\n`.slice(-TAIL_CAP);
    this.#line = "";
    this.#cut = false;
  }
}

const LINE_CAP = 300;
const TAIL_CAP = 4000;
