// Reading evaluation datasets: one JSON task per line. Bad lines are
// reported with their line number and left out; the others still run.
import { type DatasetProblem, EvalDatasetError } from "./_errors.ts";

/** One task of a dataset. */
export interface EvalTask {
  /** Unique id within the dataset; results are keyed by it. */
  id: string;
  /** What the agent is asked. */
  question: string;
  /** The reference answer the scorers compare with (any JSON value). */
  answer: unknown;
  /** Files given with the task, as absolute paths (relative ones are resolved from the dataset's folder). */
  files?: string[];
  /** 1-based line of the dataset file. */
  line: number;
}

/** Where each field of a task is read from, for datasets with other field names. */
export interface DatasetFields {
  /** The id's field; when absent from a line, the id is made from the question's hash. */
  id?: string;
  /** The question's field. */
  question?: string;
  /** The reference answer's field. */
  answer?: string;
  /** The field of the attached file(s): a path or a list of paths. */
  files?: string;
}

/**
 * Known layouts: `"smoldeno"` (`id`, `question`, `answer`, `files`),
 * `"gaia"` (`task_id`, `Question`, `Final answer`, `file_name`), `"simpleqa"`
 * (`problem`, `answer`, no id). `"auto"` (the default) picks one per line
 * from the fields it finds.
 */
export type DatasetFormat = "auto" | "smoldeno" | "gaia" | "simpleqa";

/** Options of {@linkcode loadDataset} and {@linkcode parseDataset}. */
export interface LoadDatasetOptions {
  /** The layout of the lines. Defaults to `"auto"`. */
  format?: DatasetFormat;
  /** Field names, over those of the format. */
  fields?: DatasetFields;
  /** Throw on the first bad line instead of reporting it and going on. */
  strict?: boolean;
  /** Folder relative file paths are resolved from (default: the dataset's folder, or the working directory). */
  baseDir?: string;
}

/** A dataset read from JSONL. */
export interface Dataset {
  /** The name (the file's base name without extension, or `"dataset"`). */
  name: string;
  /** The valid tasks, in file order. */
  tasks: EvalTask[];
  /** The lines left out, with why. */
  problems: DatasetProblem[];
}

const LAYOUTS: Record<Exclude<DatasetFormat, "auto">, Required<DatasetFields>> = {
  smoldeno: { id: "id", question: "question", answer: "answer", files: "files" },
  gaia: { id: "task_id", question: "Question", answer: "Final answer", files: "file_name" },
  simpleqa: { id: "id", question: "problem", answer: "answer", files: "files" },
};

/**
 * Parses JSONL text into tasks. Blank lines and lines starting with `//` are
 * skipped; a line that is not a JSON object, lacks a question or an answer,
 * or repeats an id is reported in `problems` with its line number (or thrown
 * with `strict`).
 *
 * @throws {EvalDatasetError} when no line is a valid task, or in `strict` mode on a bad line.
 */
export function parseDataset(
  text: string,
  options: LoadDatasetOptions & { name?: string } = {},
): Dataset {
  const format = options.format ?? "auto";
  if (format !== "auto" && !(format in LAYOUTS)) {
    throw new TypeError(
      `Unknown dataset format "${format}": use "auto", "smoldeno", "gaia" or "simpleqa"`,
    );
  }
  const tasks: EvalTask[] = [];
  const problems: DatasetProblem[] = [];
  const seen = new Map<string, number>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (raw === "" || raw.startsWith("//")) continue;
    const line = i + 1;
    const report = (message: string) => {
      if (options.strict) {
        throw new EvalDatasetError(`Line ${line} of the dataset: ${message}`, {
          problems: [{ line, message }],
        });
      }
      problems.push({ line, message });
    };
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      report(`not valid JSON (${(error as Error).message})`);
      continue;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      report(
        `expected a JSON object like {"id": …, "question": …, "answer": …}, got ${describe(value)}`,
      );
      continue;
    }
    const task = toTask(value as Record<string, unknown>, line, format, options, report);
    if (!task) continue;
    const first = seen.get(task.id);
    if (first !== undefined) {
      report(
        `duplicate id "${task.id}" (first on line ${first}): ids must be unique, this line is skipped`,
      );
      continue;
    }
    seen.set(task.id, line);
    tasks.push(task);
  }
  if (tasks.length === 0) {
    const detail = problems.length
      ? `: ${problems.slice(0, 3).map((p) => `line ${p.line}: ${p.message}`).join("; ")}`
      : ": it is empty";
    throw new EvalDatasetError(`The dataset has no valid task${detail}`, { problems });
  }
  return { name: options.name ?? "dataset", tasks, problems };
}

/**
 * Reads a JSONL dataset file (see {@linkcode parseDataset}); also reports
 * tasks whose attached files do not exist.
 *
 * @throws {EvalDatasetError} when the file cannot be read or holds no valid task.
 */
export async function loadDataset(
  path: string,
  options: LoadDatasetOptions = {},
): Promise<Dataset> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new EvalDatasetError(
      `Cannot read the dataset "${path}": ${(error as Error).message}`,
      { cause: error },
    );
  }
  const slash = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  const baseDir = options.baseDir ?? (slash >= 0 ? path.slice(0, slash) : ".");
  const name = path.slice(slash + 1).replace(/\.[^.]*$/, "") || "dataset";
  const dataset = parseDataset(text, { ...options, baseDir, name });
  const kept: EvalTask[] = [];
  for (const task of dataset.tasks) {
    const missing = [];
    for (const file of task.files ?? []) {
      try {
        await Deno.stat(file);
      } catch {
        missing.push(file);
      }
    }
    if (missing.length === 0) {
      kept.push(task);
      continue;
    }
    const message = `attached file "${missing[0]}" does not exist (task "${task.id}" is skipped)`;
    if (options.strict) {
      throw new EvalDatasetError(`Line ${task.line} of the dataset: ${message}`, {
        problems: [{ line: task.line, message }],
      });
    }
    dataset.problems.push({ line: task.line, message });
  }
  dataset.problems.sort((a, b) => a.line - b.line);
  return { ...dataset, tasks: kept };
}

function toTask(
  row: Record<string, unknown>,
  line: number,
  format: DatasetFormat,
  options: LoadDatasetOptions,
  report: (message: string) => void,
): EvalTask | undefined {
  const layout = format === "auto" ? detect(row) : LAYOUTS[format];
  const fields = { ...layout, ...options.fields };
  const question = row[fields.question];
  if (typeof question !== "string" || question.trim() === "") {
    report(`"${fields.question}" must be a non-empty string, got ${describe(question)}`);
    return undefined;
  }
  if (!(fields.answer in row) || row[fields.answer] === null) {
    report(`missing "${fields.answer}": every task needs a reference answer`);
    return undefined;
  }
  let id = row[fields.id];
  if (id === undefined && (format === "simpleqa" || layout === LAYOUTS.simpleqa)) {
    id = `q-${shortHash(question)}`;
  }
  if (typeof id === "number" && Number.isFinite(id)) id = String(id);
  if (typeof id !== "string" || id.trim() === "") {
    report(`"${fields.id}" must be a non-empty string or number, got ${describe(id)}`);
    return undefined;
  }
  const task: EvalTask = { id, question, answer: row[fields.answer], line };
  const files = row[fields.files];
  if (files !== undefined && files !== null && files !== "") {
    const list = typeof files === "string" ? [files] : files;
    if (!Array.isArray(list) || list.some((f) => typeof f !== "string" || f === "")) {
      report(`"${fields.files}" must be a path or a list of paths, got ${describe(files)}`);
      return undefined;
    }
    task.files = (list as string[]).map((f) => resolvePath(f, options.baseDir));
  }
  return task;
}

function detect(row: Record<string, unknown>): Required<DatasetFields> {
  if ("Question" in row || "task_id" in row) return LAYOUTS.gaia;
  if ("problem" in row && !("question" in row)) return LAYOUTS.simpleqa;
  return LAYOUTS.smoldeno;
}

function resolvePath(path: string, baseDir: string | undefined): string {
  if (path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path)) return path;
  const base = baseDir ?? Deno.cwd();
  const absolute = base.startsWith("/") || /^[A-Za-z]:[\\/]/.test(base)
    ? base
    : `${Deno.cwd()}/${base}`;
  return `${absolute.replace(/[\\/]+$/, "")}/${path}`;
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/** A short, stable hash of a text (FNV-1a, 64 bits as hex): ids and result checks need no crypto. */
export function shortHash(text: string): string {
  let h1 = 0x811c9dc5, h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
  }
  return h1.toString(16).padStart(8, "0") + h2.toString(16).padStart(8, "0");
}
