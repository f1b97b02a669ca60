// Loads the TypeScript compiler and parses its libs, once per process, for
// the CodeAgent's type checks: only when a check is asked for, so that an
// agent with typeCheck "off" never loads it.

import type ts from "typescript";

/** The compiler's module. */
export type TS = typeof ts;

/** The file of the sandbox's globals that the libs lack. */
export const GLOBALS_FILE = "/smoldeno/globals.d.ts";

// Deno's runtime has the web APIs of a worker, not a DOM: `document` is
// undefined there and should be reported as such.
const ROOT_LIBS = [
  "lib.esnext.d.ts",
  "lib.webworker.d.ts",
  "lib.webworker.iterable.d.ts",
  "lib.webworker.asynciterable.d.ts",
];

// Globals of the sandbox that the web libs lack. Deno's own API is `any`:
// its full declarations would cost startup time for little gain, and the
// imports of authorized modules are `any` because their types are not
// resolved (`declare module "*"`).
const GLOBALS = `declare module "*";
declare var Deno: any;
declare var process: any;
declare var Buffer: any;
declare var global: typeof globalThis;
declare var localStorage: any;
declare var sessionStorage: any;
declare function setImmediate(callback: (...args: any[]) => void, ...args: any[]): any;
declare function clearImmediate(id: any): void;
declare function alert(message?: any): void;
declare function confirm(message?: string): boolean;
declare function prompt(message?: string, defaultValue?: string): string | null;
`;

/** The loaded compiler, its options, and the files every program shares. */
export interface Engine {
  /** The compiler. */
  ts: TS;
  /** The options of every program. */
  options: ts.CompilerOptions;
  /** Where the lib files are. */
  libDir: string;
  // Parsed once per process and shared by every checker, like a document registry.
  files: Map<string, ts.SourceFile>;
}

let engine: Promise<Engine> | undefined;

/** Whether this process has started loading the compiler (for tests: `"off"` must never). */
export function isTypeScriptLoaded(): boolean {
  return engine !== undefined;
}

/** Loads the compiler and parses its libs, once per process; a failed load is tried again next time. */
export function loadEngine(): Promise<Engine> {
  engine ??= buildEngine().catch((error) => {
    engine = undefined;
    throw error;
  });
  return engine;
}

async function buildEngine(): Promise<Engine> {
  let t: TS;
  try {
    const mod = await import("typescript") as unknown as { default?: TS };
    t = (mod.default ?? mod) as TS;
  } catch (error) {
    throw new Error(
      `Cannot type-check the code: loading the TypeScript compiler failed: ${messageOf(error)}; ` +
        'it needs env access and read access to Deno\'s npm cache, or set typeCheck: "off"',
      { cause: error },
    );
  }
  const options = compilerOptions(t);
  const libDir = t.getDefaultLibFilePath(options).replace(/[\\/][^\\/]*$/, "");
  const files = new Map<string, ts.SourceFile>();
  const queue = [...ROOT_LIBS];
  while (queue.length > 0) {
    const name = queue.shift()!;
    const path = `${libDir}/${name}`;
    if (files.has(path)) continue;
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch (error) {
      throw new Error(
        `Cannot type-check the code: reading the TypeScript lib "${path}" failed: ${
          messageOf(error)
        }; grant read access to Deno's npm cache, or set typeCheck: "off"`,
        { cause: error },
      );
    }
    const file = t.createSourceFile(path, text, sourceOptions(t));
    for (const ref of file.libReferenceDirectives) {
      queue.push(`lib.${ref.fileName.toLowerCase()}.d.ts`);
    }
    files.set(path, file);
    // Parsing the libs takes a few hundred ms: let the run's other work
    // (the first model call, the sandbox start) go on between files.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  files.set(GLOBALS_FILE, t.createSourceFile(GLOBALS_FILE, GLOBALS, sourceOptions(t)));
  return { ts: t, options, libDir, files };
}

/**
 * Options for what model code gets wrong without flagging valid JavaScript:
 * `strict` is off (no implicit-any, null or `this` errors; `[]` is `any[]`),
 * every file is an ES module (top-level await, imports), and nothing is
 * resolved from disk.
 */
function compilerOptions(t: TS): ts.CompilerOptions {
  return {
    target: t.ScriptTarget.ESNext,
    module: t.ModuleKind.ESNext,
    moduleResolution: t.ModuleResolutionKind.Bundler,
    moduleDetection: t.ModuleDetectionKind.Force,
    lib: ROOT_LIBS,
    types: [],
    strict: false,
    noImplicitAny: false,
    strictNullChecks: false,
    strictFunctionTypes: false,
    strictBindCallApply: false,
    useUnknownInCatchVariables: false,
    noImplicitThis: false,
    allowUnreachableCode: true,
    allowUnusedLabels: true,
    noUncheckedSideEffectImports: false,
    allowImportingTsExtensions: true,
    skipLibCheck: true,
    noEmit: true,
  };
}

/** How every file of the checked programs is parsed. */
export function sourceOptions(t: TS): ts.CreateSourceFileOptions {
  return { languageVersion: t.ScriptTarget.ESNext, jsDocParsingMode: t.JSDocParsingMode.ParseNone };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
