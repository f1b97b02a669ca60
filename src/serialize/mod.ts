/**
 * Agents and tools as files. `agent.save(dir)` writes a folder — `agent.json`
 * (class, model settings without keys, options, permissions, authorized
 * imports, managed agents), `prompts.yaml`, and each tool as a module under
 * `tools/` — and {@linkcode loadAgent} makes the agent again. `tool.save(path)`
 * (or {@linkcode saveTool}) writes one tool as a self-contained module, and
 * {@linkcode loadTool} loads a tool from a path, a URL, or an `npm:`/`jsr:`
 * specifier. Loading runs the modules' code, so it needs
 * `trustRemoteCode: true`.
 *
 * This entry point also registers the built-in model types
 * (`OpenAIServerModel`, `AzureOpenAIServerModel`, `InferenceClientModel`),
 * whose packages load only when a saved agent needs one.
 *
 * @example Saving a tool and loading it back
 * ```ts
 * import { tool } from "@smoldeno/agents";
 * import { loadTool } from "@smoldeno/agents/serialize";
 *
 * const shout = tool({
 *   name: "shout",
 *   description: "Upper-cases a text.",
 *   inputs: { text: { type: "string", description: "Any text" } },
 *   outputType: "string",
 *   forward: ({ text }) => text.toUpperCase(),
 * });
 * const dir = await Deno.makeTempDir();
 * await shout.save(`${dir}/shout.ts`);
 * const loaded = await loadTool(`${dir}/shout.ts`, { trustRemoteCode: true });
 * console.log(await loaded.call({ text: "hi" })); // "HI"
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

import type { MultiStepAgent } from "../agents/multi_step_agent.ts";
import "../agents/code_agent.ts";
import "../agents/tool_calling_agent.ts";
import type { Tool } from "../tool_types.ts";
import {
  agentFromData,
  type LoadAgentOptions,
  readAgentFolder,
  registerModelType,
} from "./_agent_load.ts";
import { saveToolModule, type ToolModuleOptions } from "./_tool_source.ts";

export type { AgentData, AgentJson, ModelSpec, ToolData } from "./_agent_data.ts";
export {
  type AgentFactory,
  type LoadAgentOptions,
  type ModelFactory,
  registerModelType,
} from "./_agent_load.ts";
export {
  SerializationError,
  type SerializationErrorKind,
  type SerializationErrorOptions,
} from "./_errors.ts";
export { freeNames, type ToolModuleOptions, toolToModule } from "./_tool_source.ts";
export { loadTool, type LoadToolOptions, toolsFromModule } from "./_tool_load.ts";

registerModelType("OpenAIServerModel", async (settings) => {
  const { OpenAIServerModel } = await import("../models/openai_model.ts");
  return new OpenAIServerModel(
    settings as unknown as ConstructorParameters<typeof OpenAIServerModel>[0],
  );
});
registerModelType("AzureOpenAIServerModel", async (settings) => {
  const { AzureOpenAIServerModel } = await import("../models/azure_openai_model.ts");
  return new AzureOpenAIServerModel(
    settings as unknown as ConstructorParameters<typeof AzureOpenAIServerModel>[0],
  );
});
registerModelType("InferenceClientModel", async (settings) => {
  const { InferenceClientModel } = await import("../models/inference_client_model.ts");
  return new InferenceClientModel(
    settings as unknown as ConstructorParameters<typeof InferenceClientModel>[0],
  );
});

/**
 * Writes any tool — made by `tool()`, a `BaseTool` subclass, or an object
 * literal with `call()` — as a self-contained module at `path`; the same
 * as `tool.save(path)` for the first two.
 *
 * @example Saving an object-literal tool
 * ```ts
 * import { loadTool, saveTool } from "@smoldeno/agents/serialize";
 *
 * const dir = await Deno.makeTempDir();
 * await saveTool({
 *   name: "today",
 *   description: "The date today, as YYYY-MM-DD.",
 *   inputs: {},
 *   outputType: "string",
 *   call: () => Promise.resolve(new Date().toISOString().slice(0, 10)),
 * }, `${dir}/today.ts`);
 * const today = await loadTool(`${dir}/today.ts`, { trustRemoteCode: true });
 * console.log(today.name); // "today"
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @throws {SerializationError} when its code uses names defined outside it or cannot be read as source.
 */
export function saveTool(tool: Tool, path: string, options?: ToolModuleOptions): Promise<void> {
  return saveToolModule(tool, path, options);
}

/**
 * Loads an agent saved by `agent.save(dir)`. Its tools are modules, so an
 * agent with tools needs `trustRemoteCode: true`. The model is made from
 * the saved settings (pass the key as `modelOptions: { apiKey }`; keys are
 * never saved), or given as `model`. What was not saved — callbacks, checks,
 * handlers, a logger, an executor — comes back through `overrides`.
 *
 * @example Loading a saved agent with a key from the environment
 * ```ts ignore
 * import { loadAgent } from "@smoldeno/agents/serialize";
 *
 * await using agent = await loadAgent("./my_agent", {
 *   trustRemoteCode: true,
 *   modelOptions: { apiKey: Deno.env.get("OPENAI_API_KEY") },
 * });
 * console.log(await agent.run("What is the weather in Paris?"));
 * ```
 *
 * @example Loading with a model of your own
 * ```ts
 * import { CodeAgent, LogLevel } from "@smoldeno/agents";
 * import { loadAgent } from "@smoldeno/agents/serialize";
 * import { ScriptedModel } from "@smoldeno/agents/testing";
 *
 * const model = new ScriptedModel({ replies: [] });
 * const dir = await Deno.makeTempDir();
 * await new CodeAgent({ model, permissions: { net: ["example.com"] }, logLevel: LogLevel.OFF })
 *   .save(`${dir}/agent`);
 * await using agent = await loadAgent(`${dir}/agent`, { model });
 * console.log(agent instanceof CodeAgent && agent.toJSON().options.permissions); // { net: ["example.com"] }
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @throws {TypeError} when the agent has tools and `trustRemoteCode` is not `true`.
 * @throws {SerializationError} for a missing or corrupt file, an unknown class or model type.
 */
export async function loadAgent(
  dir: string,
  options: LoadAgentOptions = {},
): Promise<MultiStepAgent> {
  const data = await readAgentFolder(dir);
  return await agentFromData(data, options, `"${dir}"`) as MultiStepAgent;
}
