/**
 * Turns a step's JavaScript (types stripped, imports rewritten by
 * `_transform.ts`) into the script the runner evaluates, with the semantics
 * of a REPL but without V8's REPL mode (which only an inspector session can
 * reach, and whose session costs the sandbox's start most of its time):
 *
 * - the code runs in an async arrow, so top-level `await` works;
 * - top-level `let`, `const`, `var` and `class` declarations (and `var`
 *   anywhere outside a function) become assignments to properties of the
 *   global object, which the runner defines before the step: they persist
 *   to later steps, and a later step may declare them again;
 * - top-level function declarations stay where they are (hoisted in the
 *   step) and are copied to the global object as the step starts;
 * - the step's value is its completion value, as `eval` would give it;
 * - `using` and `await using` declarations are left alone: their resources
 *   are disposed of when the step ends.
 *
 * The script's value is `[run, names, columns]`: `run(define)` runs the
 * step and resolves to its value (`define` receives the step's functions),
 * `names` are the names to define first, and `columns` maps the script's
 * columns back to the code's, line by line. Lines are kept.
 *
 * @module
 */

/** acorn's `parse` (loaded lazily by `_transform.ts`, like the type stripper). */
export type Parse = (input: string, options: Record<string, unknown>) => unknown;

/** A syntax error acorn found, with the code's 1-based line and column. */
export class StepSyntaxError extends Error {
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
  constructor(message: string, line: number, column: number) {
    super(message);
    this.name = "SyntaxError";
    this.line = line;
    this.column = column;
  }
}

// The slice of ESTree these rewrites read.
interface Node {
  type: string;
  start: number;
  end: number;
  [key: string]: unknown;
}
interface Declaration extends Node {
  kind: string;
  declarations: (Node & { id: Node; init: Node | null })[];
}

// The arrow is named by its property key, so its frames can be told apart.
const HEAD = "[{ __smoldeno_step: async (__smoldeno_define, __smoldeno_c) => {";
const COMPLETION = "__smoldeno_c";

/**
 * Rewrites `js` into the step script described above.
 *
 * @throws {StepSyntaxError} when `js` does not parse.
 */
export function toStepScript(js: string, parse: Parse): string {
  if (js.startsWith("#!")) js = `//${js.slice(2)}`;
  const options = {
    ecmaVersion: "latest",
    sourceType: "script",
    allowAwaitOutsideFunction: true,
    // A parenthesized expression keeps its parentheses in the tree, so the
    // rewrites below wrap what the code wrote.
    preserveParens: true,
  };
  let body: Node[];
  try {
    body = (parse(js, options) as Node).body as Node[];
  } catch (error) {
    // A script may not hold `using` at its top level, a function body may
    // (and the step is one): parse it as one, then take the wrapper away.
    if (!/Using declaration/.test(String((error as Error).message))) throw syntaxError(error, 0);
    const wrapper = "async () => {";
    let wrapped: Node;
    try {
      wrapped = parse(`${wrapper}${js}\n}`, options) as Node;
    } catch (again) {
      throw syntaxError(again, wrapper.length);
    }
    shiftPositions(wrapped, -wrapper.length);
    const arrow = ((wrapped.body as Node[])[0].expression as Node).body as Node;
    body = arrow.body as Node[];
  }
  const edits: { at: number; end: number; text: string }[] = [];
  const insert = (at: number, text: string) => edits.push({ at, end: at, text });
  const names = new Set<string>();
  const functions: string[] = [];

  // `kind a = 1, { b } = c` becomes `;(   a = 1, { b } = c)`, the same
  // length up to the closing parenthesis; `(` alone where the declaration is
  // the body of an `if` or a loop, since a `;` would end that statement.
  const assign = (d: Declaration, inList: boolean) => {
    const open = inList ? ";(" : "(";
    edits.push({ at: d.start, end: d.start + d.kind.length, text: open.padEnd(d.kind.length) });
    for (const declarator of d.declarations) {
      bindingNames(declarator.id, names);
      if (!declarator.init && d.kind !== "var") insert(declarator.id.end, " = undefined");
    }
    insert(d.declarations[d.declarations.length - 1].end, ")");
  };
  // `for (var i = 0; ...)`, `for (var x of xs)`: the keyword blanked out.
  const assignHead = (d: Declaration) => {
    edits.push({ at: d.start, end: d.start + d.kind.length, text: " ".repeat(d.kind.length) });
    for (const declarator of d.declarations) bindingNames(declarator.id, names);
  };

  // The step's value is its completion value, as a REPL (and eval) gives
  // it: each expression statement outside functions stores its value, and
  // an if, loop, switch, try or with statement starts from undefined, as the
  // language says; a finally block leaves the value alone.
  const statement = (node: Node, inList: boolean, inFinally: boolean, top: boolean): void => {
    const reset = () => {
      if (inList && !inFinally) insert(node.start, `;${COMPLETION} = void 0;`);
    };
    const list = (nodes: Node[], finallyBlock = inFinally) => {
      for (const child of nodes) statement(child, true, finallyBlock, false);
    };
    switch (node.type) {
      case "ExpressionStatement": {
        if (inFinally) return;
        const expression = node.expression as Node;
        insert(expression.start, `${COMPLETION} = (`);
        insert(expression.end, ")");
        return;
      }
      case "VariableDeclaration": {
        const d = node as Declaration;
        // `using` declarations stay: their resources end with the step.
        if (d.kind === "var" || (top && (d.kind === "let" || d.kind === "const"))) {
          assign(d, inList);
        }
        return;
      }
      case "FunctionDeclaration":
        if (top) {
          const name = (node.id as Node).name as string;
          names.add(name);
          if (!functions.includes(name)) functions.push(name);
        }
        return;
      case "ClassDeclaration":
        if (top) {
          const name = (node.id as Node).name as string;
          names.add(name);
          insert(node.start, `;${name} = `);
          insert(node.end, ";");
        }
        return;
      case "BlockStatement":
      case "StaticBlock":
        list(node.body as Node[]);
        return;
      case "IfStatement":
        reset();
        statement(node.consequent as Node, false, inFinally, false);
        if (node.alternate) statement(node.alternate as Node, false, inFinally, false);
        return;
      case "ForStatement":
      case "ForInStatement":
      case "ForOfStatement": {
        reset();
        const head = (node.init ?? node.left) as Node | null;
        if (head?.type === "VariableDeclaration" && (head as Declaration).kind === "var") {
          assignHead(head as Declaration);
        }
        statement(node.body as Node, false, inFinally, false);
        return;
      }
      case "WhileStatement":
      case "DoWhileStatement":
      case "WithStatement":
        reset();
        statement(node.body as Node, false, inFinally, false);
        return;
      case "LabeledStatement":
        reset();
        statement(node.body as Node, false, inFinally, false);
        return;
      case "SwitchStatement":
        reset();
        for (const c of node.cases as Node[]) list(c.consequent as Node[]);
        return;
      case "TryStatement":
        reset();
        list((node.block as Node).body as Node[]);
        if (node.handler) list(((node.handler as Node).body as Node).body as Node[]);
        if (node.finalizer) list((node.finalizer as Node).body as Node[], true);
        return;
    }
  };
  for (const node of body) statement(node, true, false, true);

  let head = HEAD;
  if (functions.length > 0) head += `__smoldeno_define({ ${functions.join(", ")} });`;
  edits.sort((a, b) => a.at - b.at);
  let out = head;
  let cursor = 0;
  // Where the script's columns differ from the code's: per line, pairs of
  // [first script column (0-based) the shift applies from, characters to
  // subtract], so the runner can give stack traces the code's own columns.
  const columns: Record<number, number[][]> = {};
  let line = 1;
  let lineStart = 0; // index in `out` where the current line starts
  let shift = head.length;
  columns[1] = [[0, shift]];
  const advance = (text: string) => {
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) {
      line++;
      lineStart = out.length + i + 1;
      shift = 0;
    }
    out += text;
  };
  for (const edit of edits) {
    advance(js.slice(cursor, edit.at));
    out += edit.text;
    shift += edit.text.length - (edit.end - edit.at);
    (columns[line] ??= []).push([out.length - lineStart, shift]);
    cursor = edit.end;
  }
  advance(js.slice(cursor));
  // Returned as is: a thenable value is awaited, as a REPL awaits it.
  return `${out}\n;return ${COMPLETION};\n} }.__smoldeno_step, ${JSON.stringify([...names])}, ${
    JSON.stringify(columns)
  }]`;
}

function syntaxError(error: unknown, firstLineShift: number): StepSyntaxError {
  const e = error as { message?: string; loc?: { line: number; column: number } };
  const message = String(e.message ?? error).replace(/ \(\d+:\d+\)$/, "");
  const line = e.loc?.line ?? 1;
  const column = (e.loc?.column ?? 0) - (line === 1 ? firstLineShift : 0);
  return new StepSyntaxError(message, line, Math.max(0, column) + 1);
}

function shiftPositions(node: unknown, by: number): void {
  if (node === null || typeof node !== "object") return;
  if (Array.isArray(node)) {
    for (const child of node) shiftPositions(child, by);
    return;
  }
  const n = node as Record<string, unknown>;
  if (typeof n.start === "number" && typeof n.end === "number") {
    n.start = (n.start as number) + by;
    n.end = (n.end as number) + by;
  }
  for (const key in n) if (key !== "loc") shiftPositions(n[key], by);
}

function bindingNames(pattern: Node | null, out: Set<string>): void {
  if (!pattern) return;
  switch (pattern.type) {
    case "Identifier":
      out.add(pattern.name as string);
      return;
    case "ObjectPattern":
      for (const p of pattern.properties as Node[]) {
        bindingNames((p.type === "RestElement" ? p.argument : p.value) as Node, out);
      }
      return;
    case "ArrayPattern":
      for (const e of pattern.elements as (Node | null)[]) bindingNames(e, out);
      return;
    case "AssignmentPattern":
      bindingNames(pattern.left as Node, out);
      return;
    case "RestElement":
      bindingNames(pattern.argument as Node, out);
      return;
  }
}
