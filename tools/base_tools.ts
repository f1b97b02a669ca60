/**
 * The base toolbox an agent gets with `addBaseTools: true`.
 *
 * @module
 */
import type { Executor } from "../src/executor.ts";
import type { Tool } from "../src/tool.ts";
import { CodeInterpreterTool } from "./code_interpreter.ts";
import { VisitWebpageTool, type VisitWebpageToolOptions } from "./visit_webpage.ts";
import { WebSearchTool, type WebSearchToolOptions } from "./web_search.ts";

/** Options of {@linkcode baseTools}. */
export interface BaseToolsOptions {
  /** The agent the tools are for. Default `"code"`. */
  agentType?: "code" | "tool_calling";
  /**
   * Makes a fresh sandbox for `code_interpreter`. Given only for tool-calling
   * agents (a CodeAgent runs code natively); without it, no
   * `code_interpreter` is added.
   */
  createExecutor?: () => Executor | Promise<Executor>;
  /** Options of `web_search`. */
  webSearch?: WebSearchToolOptions;
  /** Options of `visit_webpage`. */
  visitWebpage?: VisitWebpageToolOptions;
}

/**
 * The default tools: `web_search` and `visit_webpage`, plus `code_interpreter`
 * for a tool-calling agent given a `createExecutor`. Pass them as an agent's
 * `tools`, or set `addBaseTools: true` on the agent once this module is
 * imported.
 *
 * @example
 * ```ts
 * import { baseTools } from "@smoldeno/agents/tools";
 *
 * console.log(baseTools().map((t) => t.name)); // ["web_search", "visit_webpage"]
 * ```
 */
export function baseTools(options: BaseToolsOptions = {}): Tool[] {
  const tools: Tool[] = [
    new WebSearchTool(options.webSearch),
    new VisitWebpageTool(options.visitWebpage),
  ];
  if (options.agentType === "tool_calling" && options.createExecutor) {
    tools.push(new CodeInterpreterTool({ createExecutor: options.createExecutor }));
  }
  return tools;
}
