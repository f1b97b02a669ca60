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
