// Loads node-llama-cpp on first use only (importing LlamaCppModel costs
// nothing), and shares what is expensive: one llama.cpp runtime per GPU
// setting, one loaded model per GGUF file (weights are hundreds of MB to
// GBs), one compiled grammar per schema. Each is counted by its users and
// freed when the last one lets go.

import type { Llama, LlamaGrammar, LlamaModel } from "node-llama-cpp";

/** Which backend llama.cpp uses: `"auto"` picks a GPU when one works, `false` forces the CPU. */
export type LlamaGpu = "auto" | false | "cuda" | "vulkan" | "metal";

/** Receives llama.cpp's own log lines (none are printed). */
export type LlamaLogListener = (level: string, message: string) => void;

type Library = typeof import("node-llama-cpp");

let library: Promise<Library> | undefined;

/** The node-llama-cpp module, imported once. */
export function loadLibrary(): Promise<Library> {
  library ??= import("node-llama-cpp").catch((error) => {
    library = undefined;
    throw new Error(
      `Cannot load node-llama-cpp: ${(error as Error).message}; it needs --allow-ffi, ` +
        "--allow-run, --allow-read, --allow-env and --allow-sys, and its prebuilt binary " +
        "for this platform",
      { cause: error },
    );
  });
  return library;
}

interface Counted<T> {
  value: Promise<T>;
  users: number;
}

const runtimes = new Map<string, Counted<Llama>>();
const models = new Map<string, Counted<LlamaModel>>();
const grammars = new WeakMap<Llama, Map<string, Promise<LlamaGrammar>>>();
let logListener: LlamaLogListener | undefined;

/** One user's hold on a loaded model; `release()` lets go of it. */
export interface SharedModel {
  /** The runtime that loaded it. */
  llama: Llama;
  /** The loaded weights. */
  model: LlamaModel;
  /** Drops this hold; the last one frees the model (and the runtime). */
  release(): Promise<void>;
}

/** How many models are loaded now: for tests of the sharing. */
export function loadedModelCount(): number {
  return models.size;
}

// node-llama-cpp throws a missing permission from a child-process callback,
// out of reach of any catch, which ends the process: it is checked first.
function checkPermissions(): void {
  const needed: [string, Deno.PermissionDescriptor][] = [
    ["--allow-ffi", { name: "ffi" }],
    ["--allow-run", { name: "run", command: Deno.execPath() }],
    ["--allow-env", { name: "env" }],
    ["--allow-sys", { name: "sys" }],
  ];
  const missing = needed
    .filter(([, descriptor]) => Deno.permissions.querySync(descriptor).state !== "granted")
    .map(([flag]) => flag);
  if (missing.length) {
    throw new Error(
      `node-llama-cpp needs ${missing.join(", ")}: it loads llama.cpp's native library and ` +
        "tests it in a child process (run with --allow-ffi --allow-run --allow-env --allow-sys " +
        "--allow-read)",
    );
  }
}

async function acquireRuntime(gpu: LlamaGpu, onLog?: LlamaLogListener): Promise<Llama> {
  checkPermissions();
  if (onLog) logListener = onLog;
  const key = String(gpu);
  let entry = runtimes.get(key);
  if (!entry) {
    entry = {
      users: 0,
      value: loadLibrary().then(({ getLlama }) =>
        getLlama({
          gpu,
          // Never compile or download at run time: the prebuilt binary or nothing.
          build: "never",
          logLevel: "warn" as never,
          logger: (level, message) => logListener?.(String(level), message),
        })
      ),
    };
    runtimes.set(key, entry);
    entry.value.catch(() => {
      if (runtimes.get(key) === entry) runtimes.delete(key);
    });
  }
  entry.users++;
  try {
    return await entry.value;
  } catch (error) {
    entry.users--;
    throw error;
  }
}

async function releaseRuntime(gpu: LlamaGpu): Promise<void> {
  const key = String(gpu);
  const entry = runtimes.get(key);
  if (!entry || --entry.users > 0) return;
  runtimes.delete(key);
  await (await entry.value).dispose();
}

/** Checks the file's magic bytes, so that a wrong file gets a clear error, not a native one. */
async function checkGguf(path: string): Promise<void> {
  using file = await Deno.open(path, { read: true });
  const magic = new Uint8Array(4);
  const read = await file.read(magic);
  if (read !== 4 || new TextDecoder().decode(magic) !== "GGUF") {
    throw new TypeError(
      `Invalid model file ${
        JSON.stringify(path)
      }: it is not a GGUF file (no "GGUF" magic bytes); ` +
        "convert the model with llama.cpp's convert_hf_to_gguf.py or download a .gguf build",
    );
  }
}

/**
 * Loads the GGUF file at `path` (an absolute, resolved path), or shares the
 * copy already loaded.
 */
export async function acquireModel(
  path: string,
  options: { gpu: LlamaGpu; onLog?: LlamaLogListener },
): Promise<SharedModel> {
  const llama = await acquireRuntime(options.gpu, options.onLog);
  const key = `${String(options.gpu)}\u0000${path}`;
  let entry = models.get(key);
  if (!entry) {
    entry = {
      users: 0,
      value: checkGguf(path).then(() => llama.loadModel({ modelPath: path })),
    };
    models.set(key, entry);
  }
  entry.users++;
  let model: LlamaModel;
  try {
    model = await entry.value;
  } catch (error) {
    // A failed load is forgotten, so that the next call tries again.
    entry.users--;
    if (models.get(key) === entry) models.delete(key);
    await releaseRuntime(options.gpu);
    throw error;
  }
  let released = false;
  const held = entry;
  return {
    llama,
    model,
    release: async () => {
      if (released) return;
      released = true;
      if (--held.users === 0) {
        if (models.get(key) === held) models.delete(key);
        await model.dispose();
      }
      await releaseRuntime(options.gpu);
    },
  };
}

/** The grammar for a JSON schema, compiled once per runtime. */
export function grammarFor(llama: Llama, schema: Record<string, unknown>): Promise<LlamaGrammar> {
  let cache = grammars.get(llama);
  if (!cache) grammars.set(llama, cache = new Map());
  const key = JSON.stringify(schema);
  let grammar = cache.get(key);
  if (!grammar) {
    grammar = llama.createGrammarForJsonSchema(schema as never) as Promise<LlamaGrammar>;
    cache.set(key, grammar);
    grammar.catch(() => cache.delete(key));
  }
  return grammar;
}
