/**
 * Type-checks a CodeAgent step's TypeScript before it runs (`typeCheck`
 * "warn" or "block"), in process, with the compiler loaded on first use.
 *
 * The checked program mirrors the sandbox's REPL. Every file is a module:
 * `env.ts` declares the tools, managed agents, `final_answer` and the run's
 * variables; each earlier successful step is a file of its own, its code
 * followed by imports of what was visible when it ran and an export of what
 * it declared; the current step is last, followed by imports of the names it
 * uses but does not declare (the latest declaration of each wins). The tail
 * of each file comes after its code, so positions in the current step are
 * the model's own, and a step that declares a name again shadows the import
 * instead of clashing with it, as a REPL redeclaration does. Diagnostics are
 * asked of the current file only, so earlier steps are never reported again.
 *
 * @module
 */

import type ts from "typescript";
import type { ActionStep } from "../memory.ts";
import {
  type Engine,
  GLOBALS_FILE,
  loadEngine,
  sourceOptions,
  type TS,
} from "./_type_check_engine.ts";
import { type FilterContext, judgeDiagnostic, type Verdict } from "./_type_check_filter.ts";

/** A problem found in a step's code, at a 1-based line and column of that code. */
export type TypeDiagnostic = NonNullable<ActionStep["typeCheck"]>["diagnostics"][number];

// Where the virtual files of the checked program live.
const ROOT = "/smoldeno/";
// The tools, managed agents, final_answer and variables, as exports.
const ENV_FILE = `${ROOT}env.ts`;
const CURRENT_FILE = `${ROOT}current.ts`;
const ENV_SPECIFIER = "smoldeno:env";
const stepSpecifier = (n: number) => `smoldeno:step_${n}`;
const stepFile = (n: number) => `${ROOT}step_${n}.ts`;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const MAX_SHOWN = 10;

// The warm-up session runs once per process: the libs are bound and the
// checker compiled once, whatever the number of agents.
let warming: Promise<void> | undefined;

const WARM_TOOL = "declare function lookup(args: { query: string; limit?: number }): " +
  "Promise<{ title: string; score: number }[]>;";
// Steps like a model's, with the mistakes the checker reports.
const WARM_STEPS = [
  `const hits = await lookup({ query: "deno" });
const best = hits.filter((h) => h.score > 0.5).map((h) => ({ ...h, label: \`\${h.title}!\` }))
  .sort((a, b) => b.score - a.score)[0];
for (const hit of hits) console.log(hit.title.toUpperCase(), best.label.length);
function rank(text: string): number {
  return text.length * 2;
}
class Tally {
  count = 0;
}
const seen = new Map<string, number>();
seen.set("a", rank("b"));
try {
  await fetch("https://example.com");
} catch (e) {
  console.error(e.message, JSON.stringify({ best, n: new Tally().count }));
}`,
  `const more = await lookup({ q: "again", limit: "5" });
const pending = lookup({ query: "x" });
console.log(pending.length, more.lenght, rank(best.title) * 2, undefinedName);`,
];

// A successful step, as it stays in the checked program.
interface CommittedStep {
  specifier: string;
  file: string;
  text: string;
  names: string[];
}

// The current step as last checked, kept so that commit() freezes what was checked.
interface Checked {
  code: string;
  declared: Set<string>;
  exported: Set<string>;
  implicit: string[];
}

/**
 * The type checker of one agent's sandbox session. {@linkcode warmUp} starts
 * loading the compiler without waiting; {@linkcode check} waits for it.
 */
export class StepTypeChecker {
  #ready?: Promise<Engine>;
  #tools: string[] = [];
  #variables = new Map<string, string>();
  #env = "";
  #envNames: string[] = [];
  #steps: CommittedStep[] = [];
  // Name → specifier of the step that declared it last.
  #state = new Map<string, string>();
  #checked?: Checked;
  #program?: ts.Program;
  #sources = new Map<string, { text: string; file?: ts.SourceFile }>();

  /** Starts loading the compiler and its libs, if not started; errors wait for `check()`. */
  warmUp(): void {
    if (this.#ready) return;
    this.#ready = loadEngine().then(async (e) => {
      warming ??= StepTypeChecker.#warm(e);
      await warming;
      return e;
    });
    this.#ready.catch(() => {});
  }

  /** The tool and managed-agent declarations (as `toolToTypeScript` renders them) and `final_answer`'s. */
  setTools(declarations: readonly string[]): void {
    this.#tools = declarations.map((d) =>
      d.replace(/^declare function /m, "export declare function ")
    );
    this.#buildEnv();
  }

  /** Variables given to the sandbox, typed from their values (primitives exactly, others `any`). */
  addVariables(values: Record<string, unknown>): void {
    for (const [name, value] of Object.entries(values)) {
      if (IDENTIFIER.test(name)) this.#variables.set(name, typeOfValue(value));
    }
    this.#buildEnv();
  }

  /**
   * Forgets the REPL state: what earlier steps declared. With `variables`,
   * the sandbox itself was replaced, so its variables are gone too.
   */
  reset(options: { variables?: boolean } = {}): void {
    this.#steps = [];
    this.#state.clear();
    this.#checked = undefined;
    if (options.variables) {
      this.#variables.clear();
      this.#buildEnv();
    }
  }

  /**
   * Checks `code` as the next step of the session and returns what the
   * model should hear about, in order. Code with a syntax error gives no
   * diagnostics: the executor reports it in its own words.
   *
   * @throws {Error} when the compiler cannot be loaded (permissions).
   */
  async check(code: string): Promise<TypeDiagnostic[]> {
    this.warmUp();
    const engine = await this.#ready!.catch((error) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#checkNow(engine, code);
  }

  #checkNow(engine: Engine, code: string): TypeDiagnostic[] {
    const t = engine.ts;
    const source = t.createSourceFile(CURRENT_FILE, code, sourceOptions(t));
    const { declared, exported } = topLevelNames(t, source);
    let checked: Checked = { code, declared, exported, implicit: [] };
    let result = this.#run(engine, checked);
    if (result === undefined) return [];
    const implicit = unresolvedAssignments(t, result.program, result.file);
    if (implicit.length > 0) {
      // Sloppy-mode `x = 1` creates a global in the REPL: declare it and check again.
      checked = { ...checked, implicit };
      result = this.#run(engine, checked);
      if (result === undefined) return [];
    }
    this.#checked = checked;
    const { program, file } = result;
    const context: FilterContext = {
      ts: t,
      checker: program.getTypeChecker(),
      file,
      codeLength: code.length,
      isModelCode: (name) => name === CURRENT_FILE || name.startsWith(`${ROOT}step_`),
      isEnvironment: (name) => name === ENV_FILE,
    };
    return program.getSemanticDiagnostics(file).flatMap((d) => {
      const verdict = judgeDiagnostic(d, context);
      return verdict ? [toTypeDiagnostic(t, d, file, verdict)] : [];
    });
  }

  /** Records `code`, just checked, as a successful step: what it declared is visible from now on. */
  commit(code: string): void {
    const checked = this.#checked;
    this.#checked = undefined;
    if (checked?.code !== code) return;
    const n = this.#steps.length + 1;
    const specifier = stepSpecifier(n);
    const names = [...checked.declared, ...checked.implicit];
    const own = names.filter((name) => !checked.exported.has(name));
    const text = `${code}\n${this.#tail(checked)}\n${
      own.length ? `export { ${own.join(", ")} };\n` : ""
    }`;
    this.#steps.push({ specifier, file: stepFile(n), text, names });
    for (const name of names) this.#state.set(name, specifier);
  }

  // Builds the program with `checked` as the current step; undefined when its code does not parse.
  #run(engine: Engine, checked: Checked): { program: ts.Program; file: ts.SourceFile } | undefined {
    this.#sources.set(CURRENT_FILE, { text: `${checked.code}\n${this.#tail(checked)}` });
    const program = this.#createProgram(engine);
    const file = program.getSourceFile(CURRENT_FILE)!;
    if (program.getSyntacticDiagnostics(file).length > 0) return undefined;
    return { program, file };
  }

  #createProgram(engine: Engine): ts.Program {
    const t = engine.ts;
    if (this.#sources.get(ENV_FILE)?.text !== this.#env) {
      this.#sources.set(ENV_FILE, { text: this.#env });
    }
    for (const step of this.#steps) {
      if (this.#sources.get(step.file)?.text !== step.text) {
        this.#sources.set(step.file, { text: step.text });
      }
    }
    const specifiers = new Map<string, string>([[ENV_SPECIFIER, ENV_FILE]]);
    for (const step of this.#steps) specifiers.set(step.specifier, step.file);
    const sources = this.#sources;
    const host: ts.CompilerHost = {
      getSourceFile(name, languageVersionOrOptions) {
        const shared = engine.files.get(name);
        if (shared) return shared;
        const entry = sources.get(name);
        if (!entry) return undefined;
        entry.file ??= t.createSourceFile(name, entry.text, {
          ...(typeof languageVersionOrOptions === "object"
            ? languageVersionOrOptions
            : { languageVersion: languageVersionOrOptions }),
          jsDocParsingMode: t.JSDocParsingMode.ParseNone,
        });
        return entry.file;
      },
      getDefaultLibFileName: () => `${engine.libDir}/lib.d.ts`,
      writeFile: () => {},
      getCurrentDirectory: () => ROOT,
      getCanonicalFileName: (name) => name,
      useCaseSensitiveFileNames: () => true,
      getNewLine: () => "\n",
      fileExists: (name) => engine.files.has(name) || sources.has(name),
      readFile: (name) => sources.get(name)?.text ?? engine.files.get(name)?.text,
      directoryExists: () => false,
      getDirectories: () => [],
      resolveModuleNameLiterals: (literals) =>
        literals.map((literal) => {
          const file = specifiers.get(literal.text);
          return {
            resolvedModule: file === undefined ? undefined : {
              resolvedFileName: file,
              extension: t.Extension.Ts,
              isExternalLibraryImport: false,
            },
          };
        }),
    };
    const rootNames = [
      GLOBALS_FILE,
      ENV_FILE,
      ...this.#steps.map((s) => s.file),
      CURRENT_FILE,
    ];
    for (const name of [...sources.keys()]) {
      if (!rootNames.includes(name)) sources.delete(name);
    }
    this.#program = t.createProgram({
      rootNames,
      options: engine.options,
      host,
      oldProgram: this.#program,
    });
    return this.#program;
  }

  // Imports of every visible name the code does not declare, and its implicit globals.
  #tail(checked: Checked): string {
    const visible = new Map<string, string>();
    for (const name of this.#envNames) visible.set(name, ENV_SPECIFIER);
    for (const [name, specifier] of this.#state) visible.set(name, specifier);
    const bySource = new Map<string, string[]>();
    for (const [name, specifier] of visible) {
      if (checked.declared.has(name) || checked.implicit.includes(name)) continue;
      bySource.set(specifier, [...(bySource.get(specifier) ?? []), name]);
    }
    const lines = [...bySource].map(([specifier, names]) =>
      `import { ${names.join(", ")} } from "${specifier}";`
    );
    if (checked.implicit.length > 0) {
      lines.push(`declare var ${checked.implicit.map((name) => `${name}: any`).join(", ")};`);
    }
    return lines.join("\n");
  }

  #buildEnv(): void {
    const variables = [...this.#variables].map(([name, type]) =>
      `export declare let ${name}: ${type};`
    );
    this.#env = [...this.#tools, ...variables].join("\n") + "\n";
    this.#envNames = [
      ...this.#tools.flatMap((d) => /^export declare function ([\w$]+)/m.exec(d)?.[1] ?? []),
      ...this.#variables.keys(),
    ];
  }

  // Checks a short session of typical steps once per process, so that the
  // libs are bound and the checker's code is compiled before the first real
  // step. Errors are left for the real checks to report.
  static async #warm(engine: Engine): Promise<void> {
    try {
      const checker = new StepTypeChecker();
      checker.setTools([WARM_TOOL]);
      for (const code of WARM_STEPS) {
        checker.#checkNow(engine, code);
        checker.commit(code);
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    } catch {
      // Reported by check().
    }
  }
}

/** What the model reads about the diagnostics: the code was not run (`blocked`), or ran anyway. */
export function describeDiagnostics(
  diagnostics: readonly TypeDiagnostic[],
  blocked: boolean,
): string {
  const count = diagnostics.length === 1 ? "1 error" : `${diagnostics.length} errors`;
  const head = blocked
    ? `The code was not run: type-checking found ${count} in it. Fix ${
      diagnostics.length === 1 ? "it" : "them"
    } and send the corrected code.`
    : `Type-checking found ${count} in this code (it ran anyway):`;
  const lines = diagnostics.slice(0, MAX_SHOWN).map((d) =>
    `- line ${d.line}, column ${d.column}: ${d.message.replaceAll("\n", "\n  ")} (TS${d.code})`
  );
  if (diagnostics.length > MAX_SHOWN) lines.push(`- and ${diagnostics.length - MAX_SHOWN} more`);
  return [head, ...lines].join("\n");
}

function toTypeDiagnostic(
  t: TS,
  d: ts.Diagnostic,
  file: ts.SourceFile,
  verdict: Verdict,
): TypeDiagnostic {
  const { line, character } = file.getLineAndCharacterOfPosition(d.start ?? 0);
  // Notes that point elsewhere (a tool's declaration) mean nothing to the model.
  const notes = (d.relatedInformation ?? [])
    .filter((r) => r.file?.fileName === CURRENT_FILE)
    .map((r) => t.flattenDiagnosticMessageText(r.messageText, "\n"))
    .filter((note) => !/declared here\.?$/.test(note));
  if (verdict.note) notes.push(verdict.note);
  const text = verdict.message ?? t.flattenDiagnosticMessageText(d.messageText, "\n");
  const message = [text, ...new Set(notes).values().filter((note) => !text.includes(note))]
    .join(" ");
  return { line: line + 1, column: character + 1, code: d.code, message };
}

// The names a step's code declares at the top level (so the REPL keeps
// them), with those already marked `export`.
function topLevelNames(
  t: TS,
  file: ts.SourceFile,
): { declared: Set<string>; exported: Set<string> } {
  const declared = new Set<string>();
  const exported = new Set<string>();
  const add = (name: ts.Node | undefined, isExported: boolean) => {
    if (name === undefined) return;
    if (t.isIdentifier(name)) {
      declared.add(name.text);
      if (isExported) exported.add(name.text);
    } else if (t.isObjectBindingPattern(name) || t.isArrayBindingPattern(name)) {
      for (const element of name.elements) {
        if (t.isBindingElement(element)) add(element.name, isExported);
      }
    }
  };
  const isExported = (node: ts.Node) =>
    t.canHaveModifiers(node) &&
    (t.getModifiers(node) ?? []).some((m) => m.kind === t.SyntaxKind.ExportKeyword);
  // `var` in top-level blocks and loops is global too.
  const vars = (node: ts.Node): void => {
    if (t.isFunctionLike(node) || t.isClassLike(node)) return;
    if (t.isVariableDeclarationList(node) && (node.flags & t.NodeFlags.BlockScoped) === 0) {
      for (const d of node.declarations) add(d.name, false);
    }
    t.forEachChild(node, vars);
  };
  for (const statement of file.statements) {
    const exp = isExported(statement);
    if (t.isVariableStatement(statement)) {
      for (const d of statement.declarationList.declarations) add(d.name, exp);
    } else if (
      t.isFunctionDeclaration(statement) || t.isClassDeclaration(statement) ||
      t.isInterfaceDeclaration(statement) || t.isTypeAliasDeclaration(statement) ||
      t.isEnumDeclaration(statement) || t.isModuleDeclaration(statement) ||
      t.isImportEqualsDeclaration(statement)
    ) {
      add(statement.name, exp);
    } else if (t.isImportDeclaration(statement) && statement.importClause) {
      const clause = statement.importClause;
      add(clause.name, false);
      const bindings = clause.namedBindings;
      if (bindings && t.isNamespaceImport(bindings)) add(bindings.name, false);
      if (bindings && t.isNamedImports(bindings)) {
        for (const element of bindings.elements) add(element.name, false);
      }
    } else {
      vars(statement);
    }
  }
  return { declared, exported };
}

// Identifiers assigned with `=` that resolve to nothing: sloppy-mode globals.
function unresolvedAssignments(t: TS, program: ts.Program, file: ts.SourceFile): string[] {
  const checker = program.getTypeChecker();
  const names = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (
      t.isBinaryExpression(node) && node.operatorToken.kind === t.SyntaxKind.EqualsToken &&
      t.isIdentifier(node.left) && checker.getSymbolAtLocation(node.left) === undefined
    ) {
      names.add(node.left.text);
    }
    t.forEachChild(node, visit);
  };
  visit(file);
  return [...names];
}

function typeOfValue(value: unknown): string {
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
    case "bigint":
      return typeof value;
    default:
      return Array.isArray(value) ? "any[]" : "any";
  }
}
