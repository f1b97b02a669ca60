// Which compiler diagnostics a CodeAgent step hears about: the errors models
// really make (a tool called with a wrong argument, a misspelled or undefined
// name, a Promise used without `await`), and none that valid untyped
// JavaScript raises (`const o = {}; o.x = 1`, `new Date() - start`,
// `parseInt(5)`). An allow-list: a code not named here is never reported.

import type ts from "typescript";

type TS = typeof ts;

/** What the filter needs to judge one diagnostic of the current step. */
export interface FilterContext {
  ts: TS;
  checker: ts.TypeChecker;
  /** The current step's file: its code, then the imports the checker appends. */
  file: ts.SourceFile;
  /** Where the step's own code ends in `file`. */
  codeLength: number;
  /** True for the files of model code: earlier steps and the current one. */
  isModelCode: (fileName: string) => boolean;
  /** True for the file declaring the tools, managed agents and final_answer. */
  isEnvironment: (fileName: string) => boolean;
}

// Reported wherever they are.
const ALWAYS = new Set([
  1308, // 'await' expressions are only allowed within async functions
  2304, // Cannot find name 'x'
  2552, // Cannot find name 'x'. Did you mean 'y'?
  2348, // Value of type 'typeof X' is not callable. Did you mean to include 'new'?
  2349, // This expression is not callable
  2351, // This expression is not constructable
  2448, // Block-scoped variable 'x' used before its declaration
  2449, // Class 'X' used before its declaration
  2450, // Enum 'X' used before its declaration
  2451, // Cannot redeclare block-scoped variable 'x' (within one step: a SyntaxError)
  2693, // 'X' only refers to a type, but is being used as a value here
]);
// Unknown names for which the compiler gives advice about its own options
// (add the "dom" lib, install @types/node): the name alone is clearer.
const UNKNOWN_NAME_WITH_ADVICE = new Set([2580, 2581, 2582, 2583, 2584, 2591, 2592, 2593]);
// A missing property, when the type is not one the model wrote itself (an
// object literal, its own class): a tool's result, a Promise, a built-in.
const ON_FOREIGN_RECEIVER = new Set([2339, 2551]);
// Operator and iteration errors, only when a Promise is involved: a missing `await`.
const ON_PROMISE = new Set([2362, 2363, 2365, 2367, 2461, 2488, 2504, 2548, 2549]);
// Argument errors, in calls of tools, managed agents and final_answer (and
// any call given a Promise where something else is expected).
const IN_TOOL_CALL = new Set([
  2322,
  2345,
  2353,
  2554,
  2555,
  2559,
  2561,
  2739,
  2740,
  2741,
  2769,
  2820,
]);
// Assignment to a constant, when the constant is declared in the same step.
const ASSIGN_TO_CONST = 2588;

/** How a kept diagnostic is told: its message replaced, or a note added. */
export interface Verdict {
  /** Replaces the compiler's message, when that one would mislead (it speaks of compiler options). */
  message?: string;
  /** Added after the message. */
  note?: string;
}

const MISSING_AWAIT = "Did you forget to use 'await'?";

/** Whether (and how) the model should hear about `d`, a diagnostic of the current step. */
export function judgeDiagnostic(d: ts.Diagnostic, context: FilterContext): Verdict | undefined {
  const { ts: t, checker, file } = context;
  if (d.file?.fileName !== file.fileName || d.start === undefined) return undefined;
  if (d.start >= context.codeLength) return undefined;
  const node = nodeAt(t, file, d.start, d.length ?? 0);
  const code = d.code;
  if (ALWAYS.has(code)) {
    // Types are stripped before the code runs: an unknown type name breaks nothing.
    if ((code === 2304 || code === 2552) && inTypePosition(t, node)) return undefined;
    return {};
  }
  if (UNKNOWN_NAME_WITH_ADVICE.has(code)) {
    if (!t.isIdentifier(node) || inTypePosition(t, node)) return undefined;
    const dom = code === 2584 ? ": the sandbox runs Deno, which has no DOM" : "";
    return { message: `Cannot find name '${node.text}'${dom}.` };
  }
  if (ON_FOREIGN_RECEIVER.has(code)) {
    const receiver = receiverOf(t, node);
    if (receiver === undefined) return undefined;
    const type = checker.getTypeAtLocation(receiver);
    return isForeign(context, type) ? {} : undefined;
  }
  if (ON_PROMISE.has(code)) {
    return involvesPromise(context, node) ? { note: MISSING_AWAIT } : undefined;
  }
  if (IN_TOOL_CALL.has(code)) {
    if ((code === 2345 || code === 2322) && isPromise(context, checker.getTypeAtLocation(node))) {
      return { note: MISSING_AWAIT };
    }
    const call = enclosingToolCall(context, node);
    return call !== undefined && !isValidPositionalCall(context, call) ? {} : undefined;
  }
  if (code === ASSIGN_TO_CONST && t.isIdentifier(node)) {
    const declarations = checker.getSymbolAtLocation(node)?.getDeclarations() ?? [];
    return declarations.some((decl) => decl.getSourceFile() === file) ? {} : undefined;
  }
  return undefined;
}

// The deepest node that contains [start, start + length).
function nodeAt(t: TS, file: ts.SourceFile, start: number, length: number): ts.Node {
  let found: ts.Node = file;
  const visit = (node: ts.Node): void => {
    if (node.getStart(file) <= start && start + length <= node.getEnd()) {
      found = node;
      t.forEachChild(node, visit);
    }
  };
  t.forEachChild(file, visit);
  return found;
}

function inTypePosition(t: TS, node: ts.Node): boolean {
  for (let n: ts.Node | undefined = node; n !== undefined; n = n.parent) {
    if (t.isExpressionWithTypeArguments(n)) {
      // `class A extends B` names a value; `implements B` a type.
      const clause = n.parent;
      return !(t.isHeritageClause(clause) && clause.token === t.SyntaxKind.ExtendsKeyword &&
        t.isClassLike(clause.parent));
    }
    if (t.isTypeNode(n)) return true;
  }
  return false;
}

// The expression whose type lacks the property `node` names.
function receiverOf(t: TS, node: ts.Node): ts.Expression | undefined {
  const parent = node.parent;
  if (!parent) return undefined;
  if (t.isPropertyAccessExpression(parent) && parent.name === node) return parent.expression;
  if (t.isElementAccessExpression(parent) && parent.argumentExpression === node) {
    return parent.expression;
  }
  // const { missing } = value
  if (t.isBindingElement(parent) && t.isObjectBindingPattern(parent.parent)) {
    const declaration = parent.parent.parent;
    if (t.isVariableDeclaration(declaration)) return declaration.initializer;
  }
  return undefined;
}

// Whether a type comes from the libs or the tools' declarations, not from the model's code.
function isForeign(context: FilterContext, type: ts.Type): boolean {
  const { ts: t, checker } = context;
  const vague = t.TypeFlags.Any | t.TypeFlags.Unknown | t.TypeFlags.Never | t.TypeFlags.Void |
    t.TypeFlags.Undefined | t.TypeFlags.Null | t.TypeFlags.TypeParameter;
  if (type.flags & vague) return false;
  if (type.isUnion()) return type.types.every((member) => isForeign(context, member));
  if (type.isIntersection()) return false;
  const apparent = checker.getApparentType(type);
  const symbol = apparent.getSymbol() ?? apparent.aliasSymbol;
  const declarations = symbol?.getDeclarations() ?? [];
  return declarations.length > 0 &&
    declarations.every((decl) => !context.isModelCode(decl.getSourceFile().fileName));
}

function isPromise(context: FilterContext, type: ts.Type): boolean {
  if (type.isUnion()) return type.types.some((member) => isPromise(context, member));
  const symbol = type.getSymbol();
  return (symbol?.name === "Promise" || symbol?.name === "PromiseLike") &&
    (symbol.getDeclarations() ?? []).every((d) => !context.isModelCode(d.getSourceFile().fileName));
}

function involvesPromise(context: FilterContext, node: ts.Node): boolean {
  const t = context.ts;
  const candidates: ts.Node[] = [node];
  if (t.isBinaryExpression(node)) candidates.push(node.left, node.right);
  if (t.isSpreadElement(node) || t.isParenthesizedExpression(node)) {
    candidates.push(node.expression);
  }
  if (t.isVariableDeclaration(node) && node.initializer) candidates.push(node.initializer);
  return candidates.some((n) => isPromise(context, context.checker.getTypeAtLocation(n)));
}

// The call of a tool, managed agent or final_answer whose arguments (or call) `node` is part of.
function enclosingToolCall(context: FilterContext, node: ts.Node): ts.CallExpression | undefined {
  const { ts: t, checker } = context;
  for (let n: ts.Node | undefined = node; n !== undefined; n = n.parent) {
    if (t.isCallExpression(n) && t.isIdentifier(n.expression)) {
      const inArguments = n.arguments.some((a) => a.pos <= node.pos && node.end <= a.end);
      if (inArguments || node === n || node === n.expression) {
        let symbol = checker.getSymbolAtLocation(n.expression);
        if (symbol && symbol.flags & t.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
        const declarations = symbol?.getDeclarations() ?? [];
        if (declarations.some((d) => context.isEnvironment(d.getSourceFile().fileName))) return n;
      }
    }
    if (n !== node && t.isFunctionLike(n)) return undefined;
  }
  return undefined;
}

// The sandbox also takes a tool's inputs as positional arguments, in the
// order of its declaration (`get_weather("Paris")`): such a call is valid
// when each argument fits its input. A single plain object is the inputs
// object, as the declaration says, unless the tool has one input and the
// object has other keys (then it is that input's value).
function isValidPositionalCall(context: FilterContext, call: ts.CallExpression): boolean {
  const { ts: t, checker } = context;
  const [signature] = checker.getTypeAtLocation(call.expression).getCallSignatures();
  if (!signature) return false;
  const [param] = signature.getParameters();
  const inputs = param ? checker.getPropertiesOfType(checker.getTypeOfSymbol(param)) : [];
  const args = call.arguments.map((a) => checker.getTypeAtLocation(a));
  if (args.length === 1 && isPlainObject(t, checker, args[0])) {
    const keys = checker.getPropertiesOfType(args[0]).map((p) => p.name);
    if (inputs.length !== 1) return inputs.length === 0 && keys.length === 0;
    if (keys.every((key) => key === inputs[0].name)) return false;
  }
  if (args.length > inputs.length) return false;
  return args.every((type, i) =>
    checker.isTypeAssignableTo(type, checker.getTypeOfSymbol(inputs[i]))
  );
}

function isPlainObject(t: TS, checker: ts.TypeChecker, type: ts.Type): boolean {
  if (
    !(type.flags & t.TypeFlags.Object) || checker.isArrayType(type) || checker.isTupleType(type)
  ) {
    return false;
  }
  if (type.getCallSignatures().length > 0) return false;
  const name = type.getSymbol()?.name ?? "";
  return !/Array$|^DataView$|^ArrayBuffer$/.test(name);
}
