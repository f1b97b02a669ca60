/**
 * Where an agent's `addBaseTools: true` finds its base tools. The core may
 * not import the toolbox (`@smoldeno/agents/tools`, which needs the network
 * libraries), so the toolbox registers its `baseTools` here when it is
 * imported, and the agents ask for them when they are constructed.
 *
 * @module
 */

import type { Executor } from "./executor.ts";
import type { Tool } from "./tool.ts";

/** What an agent tells the provider when it asks for its base tools. */
export interface BaseToolsContext {
  /** The kind of agent: a CodeAgent runs code itself, so it gets no `code_interpreter`. */
  agentType: "code" | "tool_calling";
  /** Makes a fresh sandbox for `code_interpreter` (tool-calling agents only). */
  createExecutor?: () => Executor | Promise<Executor>;
}

/** Makes the base tools for one agent. */
export type BaseToolsProvider = (context: BaseToolsContext) => Tool[];

// One per program: the toolbox module registers itself once, when imported.
let registered: BaseToolsProvider | undefined;

/**
 * Sets where `addBaseTools: true` gets its tools. Importing
 * `@smoldeno/agents/tools` registers its `baseTools`; call this yourself to
 * give agents other base tools. The last registration wins.
 *
 * @throws {TypeError} when `provider` is not a function.
 *
 * @example Base tools of your own
 * ```ts
 * import { LogLevel, registerBaseTools, tool, ToolCallingAgent } from "@smoldeno/agents";
 * import { ScriptedModel } from "@smoldeno/agents/testing";
 *
 * const clock = tool({
 *   name: "clock",
 *   description: "The time now, as an ISO string.",
 *   inputs: {},
 *   outputType: "string",
 *   forward: () => new Date().toISOString(),
 * });
 * registerBaseTools(() => [clock]);
 *
 * const model = new ScriptedModel({ replies: [] });
 * const agent = new ToolCallingAgent({ model, addBaseTools: true, logLevel: LogLevel.OFF });
 * console.log(Object.keys(agent.tools)); // ["clock"]
 * ```
 */
export function registerBaseTools(provider: BaseToolsProvider): void {
  if (typeof provider !== "function") {
    throw new TypeError(
      "Cannot register base tools: provider must be a function returning tools, e.g. baseTools",
    );
  }
  registered = provider;
}

/**
 * The base tools for an agent, from the registered provider. Agents call this
 * for `addBaseTools: true`; a custom agent can too.
 *
 * @throws {TypeError} when no provider is registered (the toolbox was not imported).
 *
 * @example Asking for the base tools of a tool-calling agent
 * ```ts
 * import { registerBaseTools, resolveBaseTools, tool } from "@smoldeno/agents";
 *
 * const echo = tool({
 *   name: "echo",
 *   description: "Returns its text.",
 *   inputs: { text: { type: "string", description: "Any text" } },
 *   outputType: "string",
 *   forward: ({ text }) => text,
 * });
 * registerBaseTools(({ agentType }) => agentType === "tool_calling" ? [echo] : []);
 * console.log(resolveBaseTools({ agentType: "tool_calling" }).map((t) => t.name)); // ["echo"]
 * ```
 */
export function resolveBaseTools(context: BaseToolsContext): Tool[] {
  if (!registered) {
    throw new TypeError(
      'Cannot add base tools: the toolbox is not loaded. Add `import "@smoldeno/agents/tools";` to your program, or pass `tools: baseTools()` imported from it instead of `addBaseTools: true`',
    );
  }
  return registered(context);
}
