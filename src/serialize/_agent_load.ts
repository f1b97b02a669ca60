// Making an agent from its data or its saved folder. Agent classes and model
// types register here (the agent modules register themselves when loaded),
// so this file imports no agent and the agents may import it.

import type { Model } from "../models/model.ts";
import { parsePromptTemplates, type PromptTemplates, validatePromptTemplates } from "../prompts.ts";
import type { Tool } from "../tool_types.ts";
import type { AgentData, AgentJson, ModelSpec, ToolData } from "./_agent_data.ts";
import { SerializationError } from "./_errors.ts";
import { readFolderFile } from "./_files.ts";
import { importModule, moduleUrl, requireTrust, toolsOfNamespace } from "./_tool_load.ts";

/** Options of `loadAgent()` and `MultiStepAgent.fromJSON()`. */
export interface LoadAgentOptions {
  /**
   * Must be `true` when the agent has tools: loading runs their modules'
   * code in this program, with its permissions. Read them first.
   */
  trustRemoteCode?: boolean;
  /**
   * The model to use instead of the saved spec: one model for the agent and
   * its managed agents, or a function making one from each saved spec.
   */
  model?: Model | ((spec: ModelSpec) => Model | Promise<Model>);
  /** Settings merged into each saved model spec before it is made, e.g. `{ apiKey }`. */
  modelOptions?: Record<string, unknown>;
  /**
   * Options of the top agent given over the saved ones: what is not data
   * (`stepCallbacks`, `finalAnswerChecks`, `onToolApproval`, `logger`,
   * `executor`, …) or what should change (`logLevel`, `maxSteps`).
   */
  overrides?: Record<string, unknown>;
  /** Options of managed agents given over their saved ones, by agent name. */
  managedOverrides?: Record<string, Record<string, unknown>>;
}

/** Makes an agent of one class from its constructor options. */
export type AgentFactory = (options: Record<string, unknown>) => unknown;
/** Makes a model of one type from its saved settings (merged with `modelOptions`). */
export type ModelFactory = (settings: Record<string, unknown>) => Model | Promise<Model>;

const agentClasses = new Map<string, AgentFactory>();
const modelTypes = new Map<string, ModelFactory>();

/** Registers how to make agents of the class `name` when loading. */
export function registerAgentClass(name: string, factory: AgentFactory): void {
  agentClasses.set(name, factory);
}

/** Registers how to make models of the type `type` (as a model's `toJSON()` names it) when loading. */
export function registerModelType(type: string, factory: ModelFactory): void {
  if (typeof type !== "string" || typeof factory !== "function") {
    throw new TypeError(
      'Cannot register model type: expected a type name and a function making the model, e.g. registerModelType("MyModel", (s) => new MyModel(s))',
    );
  }
  modelTypes.set(type, factory);
}

function hasTools(data: AgentData): boolean {
  return data.tools.length > 0 || data.managedAgents.some(hasTools);
}

function checkData(data: unknown, where: string): AgentData {
  const d = data as Partial<AgentData> | null;
  const bad = (why: string) =>
    new SerializationError(`Cannot load agent from ${where}: ${why}`, {
      kind: "corrupt",
      path: where,
    });
  if (d === null || typeof d !== "object") throw bad("expected an object");
  if (d.format !== "smoldeno.agent") throw bad('"format" is not "smoldeno.agent"');
  if (d.version !== 1) throw bad(`unsupported version ${JSON.stringify(d.version)}, expected 1`);
  if (typeof d.class !== "string") throw bad('"class" must be a class name such as "CodeAgent"');
  if (d.model === null || typeof d.model !== "object" || typeof d.model.type !== "string") {
    throw bad('"model" must be a spec with a "type"');
  }
  if (d.options === null || typeof d.options !== "object" || Array.isArray(d.options)) {
    throw bad('"options" must be an object');
  }
  if (!Array.isArray(d.tools) || !Array.isArray(d.managedAgents)) {
    throw bad('"tools" and "managedAgents" must be arrays');
  }
  try {
    validatePromptTemplates(d.promptTemplates);
  } catch (error) {
    throw bad((error as Error).message);
  }
  return d as AgentData;
}

async function makeModel(spec: ModelSpec, options: LoadAgentOptions): Promise<Model> {
  const given = options.model;
  if (given !== undefined && typeof given !== "function") return given;
  if (typeof given === "function") return await given(spec);
  const factory = modelTypes.get(spec.type);
  if (!factory) {
    throw new SerializationError(
      `Cannot load agent: no model of type "${spec.type}" is known here. Pass { model } (a model, or a function of the saved spec), register the type with registerModelType(), or load through "@smoldeno/agents/serialize", which knows the built-in models`,
      { kind: "unsupported" },
    );
  }
  const { type: _, ...settings } = spec;
  return await factory({ ...settings, ...options.modelOptions });
}

let loads = 0;

async function importTools(data: AgentData, dir?: string): Promise<Tool[]> {
  const urls = (data as AgentData & { toolUrls?: Record<string, string> }).toolUrls ?? {};
  let temp: string | undefined;
  try {
    const tools: Tool[] = [];
    for (const entry of data.tools as ToolData[]) {
      if (typeof entry?.name !== "string" || !/^[A-Za-z_$][\w$]*$/.test(entry.name)) {
        throw new SerializationError(
          `Cannot load agent: tool name ${JSON.stringify(entry?.name)} is not a valid identifier`,
          { kind: "corrupt", path: dir },
        );
      }
      let url = urls[entry.name];
      if (url === undefined) {
        if (typeof entry.module !== "string") {
          throw new SerializationError(
            `Cannot load agent: tool "${entry.name}" has no module text`,
            {
              kind: "corrupt",
            },
          );
        }
        temp ??= await Deno.makeTempDir({ prefix: "smoldeno-agent-tools-" });
        await Deno.writeTextFile(`${temp}/${entry.name}.ts`, entry.module);
        url = moduleUrl(`${temp}/${entry.name}.ts`);
      }
      // A query makes a module saved again under the same path load afresh.
      const found = toolsOfNamespace(await importModule(`${url}?load=${++loads}`), url);
      const tool = found.find((t) => t.name === entry.name);
      if (!tool) {
        throw new SerializationError(
          `Cannot load agent: the module of tool "${entry.name}" exports ${
            found.length ? found.map((t) => `"${t.name}"`).join(", ") : "no tool"
          }`,
          { kind: "no_tool", path: url },
        );
      }
      tools.push(tool);
    }
    return tools;
  } finally {
    if (temp !== undefined) await Deno.remove(temp, { recursive: true }).catch(() => {});
  }
}

/**
 * Makes an agent from its data: its managed agents first, its model from
 * the spec (or `options.model`), its tools by importing their modules.
 *
 * @throws {TypeError} when the data has tools and `trustRemoteCode` is not `true`.
 * @throws {SerializationError} when the data is corrupt or a class or model type is unknown.
 */
export async function agentFromData(
  data: unknown,
  options: LoadAgentOptions = {},
  where = "data",
  overrides: Record<string, unknown> = options.overrides ?? {},
): Promise<unknown> {
  const checked = checkData(data, where);
  if (hasTools(checked)) requireTrust(options, `agent from ${where} (it has tools)`);
  const factory = agentClasses.get(checked.class);
  if (!factory) {
    throw new SerializationError(
      `Cannot load agent from ${where}: unknown agent class "${checked.class}" (known: ${
        [...agentClasses.keys()].map((k) => `"${k}"`).join(", ")
      })`,
      { kind: "unsupported", path: where },
    );
  }
  const managedAgents = [];
  for (const managed of checked.managedAgents) {
    const name = String((managed as AgentData)?.options?.name ?? "");
    managedAgents.push(
      await agentFromData(managed, options, `${where} (managed agent "${name}")`, {
        ...options.managedOverrides?.[name],
      }),
    );
  }
  const model = await makeModel(checked.model, options);
  const tools = await importTools(checked, where);
  return factory({
    ...checked.options,
    model,
    tools,
    managedAgents,
    promptTemplates: checked.promptTemplates,
    ...overrides,
  });
}

/**
 * Reads a saved agent folder into data, with its tools as module URLs in
 * the folder (so their relative imports keep working).
 *
 * @throws {SerializationError} for a missing or corrupt file.
 */
export async function readAgentFolder(dir: string): Promise<AgentData> {
  if (typeof dir !== "string" || dir.trim() === "") {
    throw new TypeError(
      'Cannot load agent: expected the path of a saved agent folder, e.g. "./my_agent"',
    );
  }
  const text = await readFolderFile(dir, "agent.json", "agent");
  let json: AgentJson;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SerializationError(
      `Cannot load agent: "agent.json" in "${dir}" is not valid JSON: ${(error as Error).message}`,
      { kind: "corrupt", path: `${dir}/agent.json`, cause: error },
    );
  }
  if (
    json === null || typeof json !== "object" || !Array.isArray(json.tools) ||
    !Array.isArray(json.managedAgents)
  ) {
    throw new SerializationError(
      `Cannot load agent: "agent.json" in "${dir}" has no "tools" and "managedAgents" lists`,
      { kind: "corrupt", path: `${dir}/agent.json` },
    );
  }
  let promptTemplates: PromptTemplates;
  const yaml = await readFolderFile(dir, "prompts.yaml", "agent");
  try {
    promptTemplates = parsePromptTemplates(yaml);
  } catch (error) {
    throw new SerializationError(
      `Cannot load agent: "prompts.yaml" in "${dir}" is not valid: ${(error as Error).message}`,
      { kind: "corrupt", path: `${dir}/prompts.yaml`, cause: error },
    );
  }
  const toolUrls: Record<string, string> = {};
  const tools: ToolData[] = [];
  for (const name of json.tools) {
    if (typeof name !== "string" || !/^[A-Za-z_$][\w$]*$/.test(name)) {
      throw new SerializationError(
        `Cannot load agent: "agent.json" in "${dir}" names tool ${
          JSON.stringify(name)
        }, not a valid identifier`,
        { kind: "corrupt", path: `${dir}/agent.json` },
      );
    }
    // Read now, so a missing file fails before anything is imported.
    const module = await readFolderFile(dir, `tools/${name}.ts`, "agent");
    tools.push({ name, module });
    toolUrls[name] = moduleUrl(`${dir}/tools/${name}.ts`);
  }
  const managedAgents: AgentData[] = [];
  for (const name of json.managedAgents) {
    if (typeof name !== "string" || !/^[A-Za-z_][\w]*$/.test(name)) {
      throw new SerializationError(
        `Cannot load agent: "agent.json" in "${dir}" names managed agent ${
          JSON.stringify(name)
        }, not a valid identifier`,
        { kind: "corrupt", path: `${dir}/agent.json` },
      );
    }
    managedAgents.push(await readAgentFolder(`${dir}/managed_agents/${name}`));
  }
  const data = { ...json, promptTemplates, tools, managedAgents } as AgentData;
  // Not enumerable: the data stays what toJSON() gives, should it be saved again.
  return Object.defineProperty(data, "toolUrls", { value: toolUrls, enumerable: false });
}
