// Stop sequences applied on the client: some models (OpenAI o-series,
// gpt-5) reject the `stop` parameter, and some compatible servers ignore it.

/** Cuts `text` at the earliest stop sequence; `stopped` says whether one was found. */
export function truncateAtStop(
  text: string,
  stopSequences: readonly string[],
): { text: string; stopped: boolean } {
  const index = earliestStop(text, stopSequences);
  return index === -1 ? { text, stopped: false } : { text: text.slice(0, index), stopped: true };
}

function earliestStop(text: string, stopSequences: readonly string[]): number {
  let best = -1;
  for (const stop of stopSequences) {
    if (stop === "") continue;
    const index = text.indexOf(stop);
    if (index !== -1 && (best === -1 || index < best)) best = index;
  }
  return best;
}

/**
 * Streaming version of {@linkcode truncateAtStop}: holds back the tail of the
 * text that could be the start of a stop sequence split across chunks, and
 * releases it once it cannot be.
 */
export class StopSequenceFilter {
  readonly #stops: readonly string[];
  #held = "";
  #stopped = false;

  constructor(stopSequences: readonly string[]) {
    this.#stops = stopSequences.filter((s) => s !== "");
  }

  /** True once a stop sequence was seen; later text is dropped. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Takes a chunk of text and returns what can be emitted now. */
  push(chunk: string): string {
    if (this.#stopped) return "";
    if (this.#stops.length === 0) return chunk;
    const text = this.#held + chunk;
    const index = earliestStop(text, this.#stops);
    if (index !== -1) {
      this.#stopped = true;
      this.#held = "";
      return text.slice(0, index);
    }
    const keep = this.#partialStopLength(text);
    this.#held = text.slice(text.length - keep);
    return text.slice(0, text.length - keep);
  }

  /** Returns the held-back text at the end of the stream. */
  flush(): string {
    const rest = this.#stopped ? "" : this.#held;
    this.#held = "";
    return rest;
  }

  // Length of the longest suffix of `text` that is a proper prefix of a stop sequence.
  #partialStopLength(text: string): number {
    let longest = 0;
    for (const stop of this.#stops) {
      for (let n = Math.min(stop.length - 1, text.length); n > longest; n--) {
        if (text.endsWith(stop.slice(0, n))) {
          longest = n;
          break;
        }
      }
    }
    return longest;
  }
}
