// A tool as the text of a module: its name, description, inputs and output
// type as data, and its code (`forward`, a class, or `call`) from the
// function's own source. Imports only the tool types, so `tool.ts` can use it.

import type { Tool } from "../tool_types.ts";
import { SerializationError } from "./_errors.ts";
import { writeFileAtomic } from "./_files.ts";

/** Options of `tool.save()` and `toolToModule()`. */
export interface ToolModuleOptions {
  /**
   * Import declarations written at the top of the module, for names the
   * tool's code uses, e.g. `['import { camelCase } from "npm:lodash-es@4";']`.
   * An `await import("npm:…")` inside `forward` needs none.
   */
  imports?: readonly string[];
  /**
   * Where a saved `BaseTool` subclass imports `BaseTool` from (default
   * `"@smoldeno/agents"`, as mapped by the loading program's import map).
   */
  packageSpecifier?: string;
}

/** What a tool made by `tool()` was defined with: its code is read from here. */
export interface FunctionToolSource {
  /** The tool's `forward`. */
  forward: (...args: never[]) => unknown;
  /** Its `requiresApproval`, which may be a function. */
  requiresApproval?: unknown;
}

/** The definitions of the tools made by `tool()`, registered by their constructor. */
export const functionToolSources: WeakMap<object, FunctionToolSource> = new WeakMap();

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function cannotSave(name: string, why: string): SerializationError {
  return new SerializationError(`Cannot save tool "${name}": ${why}`, { kind: "unsupported" });
}

function parses(code: string): boolean {
  try {
    // Compiles without running: only checks that the text is a valid expression.
    new Function(`"use strict"; return (${code});`);
    return true;
  } catch {
    return false;
  }
}

/** The source of `fn` as an object-literal property named `key`. */
function functionProperty(fn: unknown, key: string, toolName: string): string {
  const source = Function.prototype.toString.call(fn).trim();
  if (/\{\s*\[native code\]\s*\}$/.test(source)) {
    throw cannotSave(
      toolName,
      `its ${key} is a native or bound function, whose source cannot be read: define it inline`,
    );
  }
  if (parses(source)) return `${key}: ${source}`;
  // A method (`forward({ a }) {…}`): renamed, since it may come from another object.
  const method = /^(async\s+)?(\*\s*)?([A-Za-z_$][\w$]*|"[^"]*"|'[^']*'|\[[^\]]*\])\s*\(/.exec(
    source,
  );
  if (method) {
    const renamed = `${method[1] ?? ""}${method[2] ?? ""}${key}${
      source.slice(method[0].length - 1)
    }`;
    if (parses(`{ ${renamed} }`)) return renamed;
  }
  throw cannotSave(toolName, `the source of its ${key} cannot be read as a function`);
}

function dataLines(tool: Tool): string[] {
  const lines = [
    `  name: ${JSON.stringify(tool.name)},`,
    `  description: ${JSON.stringify(tool.description)},`,
    `  inputs: ${indent(JSON.stringify(tool.inputs, null, 2))},`,
    `  outputType: ${JSON.stringify(tool.outputType)},`,
  ];
  if (tool.outputSchema !== undefined) {
    lines.push(`  outputSchema: ${indent(JSON.stringify(tool.outputSchema, null, 2))},`);
  }
  return lines;
}

function indent(text: string): string {
  return text.split("\n").join("\n  ");
}

function header(tool: Tool, options: ToolModuleOptions, extra: string[] = []): string {
  const imports = [...extra, ...(options.imports ?? [])];
  for (const line of options.imports ?? []) {
    if (typeof line !== "string" || !/^\s*import\b/.test(line)) {
      throw new TypeError(
        `Cannot save tool "${tool.name}": imports must be import declarations, e.g. 'import { z } from "npm:zod@3";', got ${
          JSON.stringify(line)
        }`,
      );
    }
  }
  return [
    `// Tool "${tool.name}", saved by smoldeno. Load it with`,
    `// loadTool(<this file>, { trustRemoteCode: true }) from "@smoldeno/agents/serialize".`,
    ...(imports.length ? ["", ...imports] : []),
    "",
  ].join("\n");
}

/**
 * The text of a module that default-exports `tool`: for a tool made by
 * `tool()`, its definition (data plus `forward`'s source); for a `BaseTool`
 * subclass, the class; for an object literal, the object with its `call`.
 * The code must be self-contained: names from outside it come only through
 * `options.imports` (`checkSelfContained` finds the others).
 *
 * @throws {SerializationError} when the tool's code cannot be read back as source.
 */
export function toolToModule(tool: Tool, options: ToolModuleOptions = {}): string {
  if (tool === null || typeof tool !== "object" || typeof tool.name !== "string") {
    throw new TypeError("Cannot save tool: expected a Tool, with a name, inputs and call()");
  }
  const definition = functionToolSources.get(tool);
  if (definition) {
    const lines = [...dataLines(tool)];
    const approval = definition.requiresApproval;
    if (typeof approval === "boolean") lines.push(`  requiresApproval: ${approval},`);
    else if (typeof approval === "function") {
      lines.push(`  ${indent(functionProperty(approval, "requiresApproval", tool.name))},`);
    }
    lines.push(`  ${indent(functionProperty(definition.forward, "forward", tool.name))},`);
    return `${header(tool, options)}export default {\n${lines.join("\n")}\n};\n`;
  }
  const ctor = (tool as { constructor?: unknown }).constructor;
  if (typeof ctor === "function" && ctor !== Object) {
    const source = Function.prototype.toString.call(ctor).trim();
    if (!source.startsWith("class")) {
      throw cannotSave(tool.name, "it is made by a constructor function that is not a class");
    }
    if (ctor.length > 0) {
      throw cannotSave(
        tool.name,
        `its class ${ctor.name} takes constructor arguments; a saved tool class is loaded with \`new ${ctor.name}()\`, so set its values inside the class`,
      );
    }
    const base = /^class\s*(?:[A-Za-z_$][\w$]*)?\s*extends\s+([A-Za-z_$][\w$.]*)/.exec(source)?.[1];
    const extra = base === "BaseTool"
      ? [
        `import { BaseTool } from ${
          JSON.stringify(options.packageSpecifier ?? "@smoldeno/agents")
        };`,
      ]
      : [];
    return `${header(tool, options, extra)}export default ${source}\n`;
  }
  if (typeof tool.call !== "function") {
    throw cannotSave(tool.name, "it has no call() method");
  }
  const lines = [...dataLines(tool)];
  if (typeof tool.requiresApproval === "boolean") {
    lines.push(`  requiresApproval: ${tool.requiresApproval},`);
  } else if (typeof tool.requiresApproval === "function") {
    lines.push(
      `  ${indent(functionProperty(tool.requiresApproval, "requiresApproval", tool.name))},`,
    );
  }
  lines.push(`  ${indent(functionProperty(tool.call, "call", tool.name))},`);
  return `${header(tool, options)}export default {\n${lines.join("\n")}\n};\n`;
}

type TS = typeof import("typescript");
let typescript: Promise<TS> | undefined;

function loadTypeScript(): Promise<TS> {
  typescript ??= import("typescript").then((mod) =>
    ((mod as unknown as { default?: TS }).default ?? mod) as TS
  );
  return typescript;
}

/**
 * The names `source` uses but neither declares, imports nor finds among the
 * globals: they would be undefined once the module runs elsewhere. Declared
 * names count wherever they are declared in the file, so this errs toward
 * silence, never toward a false alarm.
 */
export async function freeNames(source: string): Promise<string[]> {
  const ts = await loadTypeScript();
  const file = ts.createSourceFile("tool.ts", source, ts.ScriptTarget.Latest, true);
  const declared = new Set<string>(["arguments", "undefined"]);
  const used = new Set<string>();
  const visit = (node: import("typescript").Node): void => {
    if (ts.isTypeNode(node) && !ts.isExpressionWithTypeArguments(node)) return;
    if (ts.isIdentifier(node)) {
      const parent = node.parent;
      const named = parent as { name?: unknown };
      if (
        (ts.isPropertyAccessExpression(parent) && parent.name === node) ||
        (ts.isQualifiedName(parent) && parent.right === node) ||
        (ts.isPropertyAssignment(parent) && parent.name === node) ||
        (ts.isMethodDeclaration(parent) && parent.name === node) ||
        (ts.isPropertyDeclaration(parent) && parent.name === node) ||
        (ts.isGetAccessorDeclaration(parent) && parent.name === node) ||
        (ts.isSetAccessorDeclaration(parent) && parent.name === node) ||
        (ts.isBindingElement(parent) && parent.propertyName === node) ||
        ts.isLabeledStatement(parent) || ts.isBreakOrContinueStatement(parent) ||
        ts.isMetaProperty(parent) ||
        (ts.isImportSpecifier(parent) && parent.propertyName === node) ||
        (ts.isExportSpecifier(parent) && parent.propertyName === node)
      ) {
        return;
      }
      if (
        named.name === node &&
        (ts.isVariableDeclaration(parent) || ts.isParameter(parent) ||
          ts.isBindingElement(parent) || ts.isFunctionDeclaration(parent) ||
          ts.isFunctionExpression(parent) || ts.isClassDeclaration(parent) ||
          ts.isClassExpression(parent) || ts.isImportSpecifier(parent) ||
          ts.isImportClause(parent) || ts.isNamespaceImport(parent) ||
          ts.isEnumDeclaration(parent) || ts.isImportEqualsDeclaration(parent))
      ) {
        declared.add(node.text);
        return;
      }
      used.add(node.text);
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return [...used].filter((n) => !declared.has(n) && !(n in globalThis)).sort();
}

/**
 * Checks that the module text of a tool uses no name from outside it.
 *
 * @throws {SerializationError} (`kind: "not_self_contained"`) naming the free names.
 */
export async function checkSelfContained(source: string, toolName: string): Promise<void> {
  const free = await freeNames(source);
  if (free.length > 0) {
    throw new SerializationError(
      `Cannot save tool "${toolName}": its code uses ${
        free.map((n) => `"${n}"`).join(", ")
      }, defined outside it. Define ${
        free.length > 1 ? "them" : "it"
      } inside the tool's code, import ${
        free.length > 1 ? "them" : "it"
      } there with \`await import("npm:…")\`, or pass the import declarations as { imports: [...] }`,
      { kind: "not_self_contained" },
    );
  }
}

/**
 * Writes `tool` as a self-contained module at `path` (through a temporary
 * file and a rename), after checking it uses no outside name.
 *
 * @throws {SerializationError} when the tool cannot be saved.
 */
export async function saveToolModule(
  tool: Tool,
  path: string,
  options: ToolModuleOptions = {},
): Promise<void> {
  if (typeof path !== "string" || !/\.(ts|js|mts|mjs)$/.test(path)) {
    throw new TypeError(
      `Cannot save tool "${tool?.name}": path must be a module file ending in .ts or .js, e.g. "./${
        tool?.name ?? "tool"
      }.ts", got ${JSON.stringify(path)}`,
    );
  }
  const source = toolToModule(tool, options);
  await checkSelfContained(source, tool.name);
  await writeFileAtomic(path, source);
}

/** Whether `name` can be a file name of a saved tool or agent. */
export function isSafeName(name: string): boolean {
  return IDENTIFIER.test(name);
}
