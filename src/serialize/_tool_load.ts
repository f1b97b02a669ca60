// Loading tools from modules: a path, a URL, an `npm:` or `jsr:` specifier.
// A module may export tools, tool definitions (what `tool()` takes) or
// `BaseTool` subclasses that construct with no argument.

import { BaseTool, tool, type ToolDefinition, validateTool } from "../tool.ts";
import type { Tool, ToolInputs, ToolValueType } from "../tool_types.ts";
import { SerializationError } from "./_errors.ts";

/** Options of {@linkcode loadTool} and {@linkcode toolsFromModule}. */
export interface LoadToolOptions {
  /**
   * Must be `true`: loading a tool runs its module's code in this program,
   * with this program's permissions. Read the code first, as you would a
   * package you install.
   */
  trustRemoteCode: boolean;
  /** With a module exporting several tools: the name of the one to load. */
  name?: string;
}

/** The URL a specifier means: paths are relative to the working directory. */
export function moduleUrl(spec: string): string {
  if (typeof spec !== "string" || spec.trim() === "") {
    throw new TypeError(
      'Cannot load tool: expected a module path, a URL, or an "npm:"/"jsr:" specifier, e.g. "./add.ts"',
    );
  }
  if (/^(npm|jsr|https?|file|data):/.test(spec)) return spec;
  if (/^[A-Za-z][\w+.-]*:/.test(spec) && !/^[A-Za-z]:[\\/]/.test(spec)) {
    throw new TypeError(
      `Cannot load tool from "${spec}": unsupported scheme; use a path, an http(s) or file URL, or an "npm:"/"jsr:" specifier`,
    );
  }
  const absolute = spec.startsWith("/") || /^[A-Za-z]:[\\/]/.test(spec)
    ? spec
    : `${Deno.cwd()}/${spec}`;
  const url = new URL("file:///");
  url.pathname = absolute.replace(/\\/g, "/");
  return url.href;
}

/** Refuses to load code without the explicit opt-in. */
export function requireTrust(
  options: { trustRemoteCode?: boolean } | undefined,
  what: string,
): void {
  if (options?.trustRemoteCode !== true) {
    throw new TypeError(
      `Loading ${what} needs { trustRemoteCode: true }: it runs the module's code in this program, with this program's permissions. Read the code first, then pass it only for code you trust`,
    );
  }
}

// A BaseTool subclass, or any class whose instances have call() (a class
// implementing Tool): made with no argument.
function isToolClass(value: unknown): value is new () => Tool {
  return typeof value === "function" && /^class\b/.test(Function.prototype.toString.call(value)) &&
    (value.prototype instanceof BaseTool || typeof value.prototype?.call === "function");
}

function isDefinition(value: unknown): value is ToolDefinition<ToolInputs, ToolValueType> {
  const v = value as Record<string, unknown> | null;
  return v !== null && typeof v === "object" && typeof v.forward === "function" &&
    typeof v.call !== "function" && typeof v.name === "string";
}

function isTool(value: unknown): value is Tool {
  const v = value as Record<string, unknown> | null;
  return v !== null && typeof v === "object" && typeof v.call === "function" &&
    typeof v.name === "string" && typeof v.inputs === "object";
}

function toTool(value: unknown, exportName: string, spec: string): Tool | undefined {
  try {
    if (isToolClass(value)) return new value();
    if (isDefinition(value)) return tool(value);
    if (isTool(value)) {
      validateTool(value);
      return value;
    }
  } catch (error) {
    throw new SerializationError(
      `Cannot load tool from "${spec}": its export "${exportName}" is not a valid tool: ${
        (error as Error)?.message ?? error
      }`,
      { kind: "corrupt", path: spec, cause: error },
    );
  }
  return undefined;
}

/** Imports `spec`, turning a failed import into a `SerializationError` naming it. */
export async function importModule(spec: string): Promise<Record<string, unknown>> {
  const url = moduleUrl(spec);
  try {
    return await import(url);
  } catch (error) {
    const message = (error as Error)?.message ?? String(error);
    const missing = error instanceof Deno.errors.NotFound ||
      /Module not found|Cannot find module|not found/i.test(message);
    throw new SerializationError(`Cannot load tool from "${spec}": ${message}`, {
      kind: missing ? "not_found" : "import_failed",
      path: spec,
      cause: error,
    });
  }
}

/** Every tool a module namespace exports, the default export first, by export name. */
export function toolsOfNamespace(namespace: Record<string, unknown>, spec: string): Tool[] {
  const found: Tool[] = [];
  const seen = new Set<unknown>();
  const names = Object.keys(namespace).sort((a, b) =>
    a === "default" ? -1 : b === "default" ? 1 : 0
  );
  for (const name of names) {
    const value = namespace[name];
    if (seen.has(value)) continue;
    seen.add(value);
    const made = toTool(value, name, spec);
    if (made) found.push(made);
  }
  return found;
}

function noTool(spec: string): SerializationError {
  return new SerializationError(
    `Cannot load tool from "${spec}": the module exports no tool. Export (by default or by name) a Tool, a tool definition ({ name, description, inputs, outputType, forward }), or a BaseTool subclass constructed with no argument`,
    { kind: "no_tool", path: spec },
  );
}

/**
 * Loads the tool a module exports: its default export, or its only tool, or
 * the one named `options.name`.
 *
 * @throws {TypeError} unless `trustRemoteCode` is `true`.
 * @throws {SerializationError} when the module cannot be imported or exports no (or several) tools.
 */
export async function loadTool(spec: string, options: LoadToolOptions): Promise<Tool> {
  requireTrust(options, `tool "${spec}"`);
  const namespace = await importModule(spec);
  const tools = toolsOfNamespace(namespace, spec);
  if (tools.length === 0) throw noTool(spec);
  if (options.name !== undefined) {
    const named = tools.find((t) => t.name === options.name);
    if (!named) {
      throw new SerializationError(
        `Cannot load tool "${options.name}" from "${spec}": the module exports ${
          tools.map((t) => `"${t.name}"`).join(", ")
        }`,
        { kind: "no_tool", path: spec },
      );
    }
    return named;
  }
  // toolsOfNamespace puts the default export first.
  const d = namespace.default;
  const hasDefault = isToolClass(d) || isDefinition(d) || isTool(d);
  if (tools.length > 1 && !hasDefault) {
    throw new SerializationError(
      `Cannot load tool from "${spec}": the module exports several tools (${
        tools.map((t) => `"${t.name}"`).join(", ")
      }) and no default one: pass { name } to pick one, or use ToolCollection.fromModule()`,
      { kind: "no_tool", path: spec },
    );
  }
  return tools[0];
}

/**
 * Loads every tool a module exports.
 *
 * @throws {TypeError} unless `trustRemoteCode` is `true`.
 * @throws {SerializationError} when the module cannot be imported or exports no tool.
 */
export async function toolsFromModule(
  spec: string,
  options: Omit<LoadToolOptions, "name">,
): Promise<Tool[]> {
  requireTrust(options, `tools from "${spec}"`);
  const tools = toolsOfNamespace(await importModule(spec), spec);
  if (tools.length === 0) throw noTool(spec);
  return tools;
}
