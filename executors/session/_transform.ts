/**
 * Prepares a step's TypeScript for the runner, on the host: types are
 * blanked out (amaro/swc strip-only mode keeps every line and column),
 * static `import` declarations become `await import()` on the same lines (a
 * step is a script, which cannot hold import declarations), every import
 * specifier is checked against `authorizedImports`, and the result becomes
 * the step script of `_script.ts` (REPL semantics: declarations persist).
 *
 * @module
 */

import { AgentExecutionError } from "../../src/errors.ts";
import { describeAuthorizedImports, type ImportPattern, isImportAuthorized } from "./_imports.ts";
import { type Parse, StepSyntaxError, toStepScript } from "./_script.ts";

type Amaro = {
  transformSync(code: string, options: { mode: string }): { code: string };
};
let amaro: Amaro | undefined;
let parse: Parse | undefined;

/**
 * Loads the type stripper and the parser once (about 50 ms); later calls
 * are free. Loaded on first use, not imported: a process that only runs
 * the sandbox (a compiled binary's self-exec mode) never needs them.
 */
export async function loadTransformer(): Promise<void> {
  if (!amaro) amaro = (await import("amaro")) as unknown as Amaro;
  if (!parse) parse = ((await import("acorn")) as unknown as { parse: Parse }).parse;
}

/** A step ready to run. */
export interface PreparedCode {
  /** The step script the runner evaluates (see `_script.ts`). */
  js: string;
  /** Import specifiers found in the code (static and literal dynamic). */
  imports: string[];
}

const STATIC_IMPORT =
  /(^|[;\n])([ \t]*)import(?![\w$])[ \t]*(?:([A-Za-z_$][\w$]*)[ \t]*(,)?[ \t]*)?(\*[ \t]*as[ \t]+[A-Za-z_$][\w$]*|\{[^}]*\})?[ \t]*(from[ \t]*)?(["'])((?:(?!\7)[^\n])+)\7([ \t]*(?:with|assert)[ \t]*\{[^}]*\})?/g;
const CODE_OR_TEXT =
  /("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`|\/\/[^\n]*|\/\*[\s\S]*?\*\/)|(?<![\w$.])import([ \t]*\()/g;
const LITERAL_ARGUMENT = /^[ \t\n]*(["'`])([^"'`\n$]*)\1[ \t\n]*[,)]/;
const EXPORT_KEYWORD =
  /(^|[;\n])([ \t]*)export[ \t]+(?=(?:const|let|var|function|class|async)(?![\w$]))/g;

/**
 * Strips types, rewrites imports, checks authorization, and makes the step
 * script of the result. Throws `AgentExecutionError` with kind `syntax`
 * (line and column of the step's code) or `import` (listing what is
 * authorized).
 */
export async function prepareCode(
  code: string,
  authorized: readonly ImportPattern[],
): Promise<PreparedCode> {
  const { js, imports } = await rewriteCode(code, authorized);
  return { js: stepScript(js), imports };
}

/**
 * The first half of {@linkcode prepareCode}: the code as JavaScript on its
 * own lines, imports rewritten and checked, not yet a step script.
 */
export async function rewriteCode(
  code: string,
  authorized: readonly ImportPattern[],
): Promise<PreparedCode> {
  if (!amaro || !parse) await loadTransformer();
  let js: string;
  try {
    js = amaro!.transformSync(code, { mode: "strip-only" }).code;
  } catch (e) {
    const err = e as { code?: string; message?: string; startLine?: number; startColumn?: number };
    if (err?.code === "UnsupportedSyntax") {
      try {
        // enums, namespaces, parameter properties: transform (positions may shift).
        js = amaro!.transformSync(code, { mode: "transform" }).code;
      } catch {
        throw syntaxError(err);
      }
    } else throw syntaxError(err);
  }
  const imports: string[] = [];
  // Each rewrite below matches only code with its keyword in it.
  const hasImport = js.includes("import");
  if (hasImport) {
    js = js.replace(
      STATIC_IMPORT,
      (_m, lead, indent, def, _comma, clause: string | undefined, from, _q, spec, attrs) => {
        if (!from && (def || clause)) return _m; // not an import declaration
        if (!imports.includes(spec)) imports.push(spec);
        const options = attrs
          ? `, { with: ${attrs.trim().replace(/^(?:with|assert)[ \t]*/, "")} }`
          : "";
        const load = `await import(${JSON.stringify(spec)}${options})`;
        if (!def && !clause) return `${lead}${indent}${load}`;
        if (clause?.startsWith("*")) {
          const ns = clause.replace(/^\*[ \t]*as[ \t]+/, "");
          return `${lead}${indent}const ${ns} = ${load}${
            def ? `, { default: ${def} } = ${ns}` : ""
          }`;
        }
        const named = clause
          ? clause.slice(1, -1).replace(
            /([A-Za-z_$][\w$]*|"[^"]*")[ \t]+as[ \t]+([A-Za-z_$][\w$]*)/g,
            "$1: $2",
          )
          : "";
        const parts = [def ? `default: ${def}` : "", named.trim() ? named : ""].filter(Boolean);
        return `${lead}${indent}const { ${parts.join(", ")} } = ${load}`;
      },
    );
  }
  if (js.includes("export")) {
    js = js.replace(EXPORT_KEYWORD, (_m, lead, indent) => `${lead}${indent}       `);
  }
  if (!hasImport) return { js, imports };
  // A computed specifier cannot be checked here: the runner checks it.
  // Strings, templates and comments are skipped so text that mentions
  // import( stays as written.
  js = js.replace(
    CODE_OR_TEXT,
    (m: string, text: string | undefined, paren: string | undefined, offset: number) => {
      if (text !== undefined || paren === undefined) return m;
      const literal = LITERAL_ARGUMENT.exec(js.slice(offset + m.length, offset + m.length + 2048));
      if (!literal) return `__smoldeno_import${paren}`;
      if (!imports.includes(literal[2])) imports.push(literal[2]);
      return m;
    },
  );
  const denied = imports.filter((s) => !isImportAuthorized(s, authorized));
  if (denied.length > 0) {
    throw new AgentExecutionError(
      `Import of ${denied.map((s) => `"${s}"`).join(", ")} is not authorized. ${
        describeAuthorizedImports(authorized)
      }`,
      {
        kind: "import",
        // One request per specifier: the first here, the next on the retry.
        permissionRequest: {
          permission: "import",
          target: denied[0],
          message: `Import of "${denied[0]}" is not authorized`,
        },
      },
    );
  }
  return { js, imports };
}

function stepScript(js: string): string {
  try {
    return toStepScript(js, parse!);
  } catch (error) {
    if (!(error instanceof StepSyntaxError)) throw error;
    throw syntaxError({
      message: error.message,
      startLine: error.line,
      startColumn: error.column - 1,
    });
  }
}

function syntaxError(
  err: { message?: string; startLine?: number; startColumn?: number },
): AgentExecutionError {
  const line = err?.startLine;
  const column = err?.startColumn === undefined ? undefined : err.startColumn + 1;
  const where = line ? ` (at line ${line}, column ${column})` : "";
  return new AgentExecutionError(`SyntaxError: ${err?.message ?? String(err)}${where}`, {
    kind: "syntax",
    line,
    column,
  });
}
