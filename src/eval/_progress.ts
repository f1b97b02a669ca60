// The progress line of an evaluation: a bar redrawn in place on a terminal,
// one plain line per finished task elsewhere (CI logs, files).
import type { EvalProgress } from "./_evaluate.ts";
import { formatCount, formatDuration } from "./_summary.ts";

/** Options of {@linkcode progressReporter}. */
export interface ProgressReporterOptions {
  /** Where text goes (stderr in the CLI). */
  write: (text: string) => void;
  /** Redraw one line in place (a terminal) instead of writing a line per task. */
  terminal?: boolean;
  /** Width of the bar in characters. Defaults to 24. */
  barWidth?: number;
}

/**
 * An `onProgress` handler that draws the progress: done/total, a bar, ETA,
 * accuracy so far, tokens and cost. On a terminal it redraws one line; call
 * `end()` after the evaluation to finish that line.
 *
 * @example Plain lines, as in a CI log
 * ```ts
 * import { progressReporter } from "@smoldeno/agents/eval";
 *
 * let text = "";
 * const progress = progressReporter({ write: (t) => (text += t) });
 * progress.update({
 *   total: 2, done: 0, resumed: 0, running: 2, passed: 0, accuracy: NaN,
 *   tokenUsage: { inputTokens: 0, outputTokens: 0 }, elapsedMs: 0,
 * });
 * console.log(text); // "[0/2] 0/2 · accuracy - · 0 tokens · elapsed 0 ms · ETA -\n"
 * ```
 */
export function progressReporter(options: ProgressReporterOptions): {
  update: (progress: EvalProgress) => void;
  end: () => void;
} {
  const width = options.barWidth ?? 24;
  let drawn = false;
  return {
    update(p) {
      if (options.terminal) {
        const filled = p.total ? Math.round((p.done / p.total) * width) : width;
        const bar = `${"█".repeat(filled)}${"░".repeat(width - filled)}`;
        options.write(`\r\x1b[2K${bar} ${describe(p)}`);
        drawn = true;
        return;
      }
      // Plain lines: one per finished task, and the start.
      if (p.last === undefined && p.done > 0 && p.done !== p.resumed) return;
      const what = p.last
        ? ` ${p.last.id}: ${p.last.passed ? "pass" : p.last.failure?.kind ?? "fail"} in ${
          formatDuration(p.last.durationMs)
        };`
        : p.resumed
        ? ` resumed ${p.resumed} finished tasks;`
        : "";
      options.write(`[${p.done}/${p.total}]${what} ${describe(p)}\n`);
    },
    end() {
      if (drawn) options.write("\n");
      drawn = false;
    },
  };
}

function describe(p: EvalProgress): string {
  const parts = [
    `${p.done}/${p.total}`,
    `accuracy ${Number.isNaN(p.accuracy) ? "-" : `${(p.accuracy * 100).toFixed(1)}%`}`,
    `${formatCount(p.tokenUsage.inputTokens + p.tokenUsage.outputTokens)} tokens`,
  ];
  if (p.costUsd !== undefined) parts.push(`$${p.costUsd.toFixed(4)}`);
  parts.push(`elapsed ${formatDuration(p.elapsedMs)}`);
  if (p.done < p.total) parts.push(`ETA ${p.etaMs === undefined ? "-" : formatDuration(p.etaMs)}`);
  return parts.join(" · ");
}
