// An agent as plain data (what `agent.toJSON()` returns) and as the files of
// a saved folder. Imports no agent class: the agents call it.

import process from "node:process";
import { stringify } from "yaml";
import type { Model } from "../models/model.ts";
import type { PromptTemplates } from "../prompts.ts";
import type { Tool } from "../tool_types.ts";
import { SerializationError } from "./_errors.ts";
import { type FolderFiles, writeFolderAtomic } from "./_files.ts";
import { checkSelfContained, toolToModule } from "./_tool_source.ts";

/** The model an agent used, as settings without any key. */
export interface ModelSpec {
  /** The model's class, e.g. `"OpenAIServerModel"`. */
  type: string;
  /** The model id, e.g. `"gpt-4o"`. */
  modelId?: string;
  /** Other settings the model reports in its `toJSON()` (never a key). */
  [setting: string]: unknown;
}

/** A tool of a saved agent: its name and the text of its module. */
export interface ToolData {
  /** The tool's name, also its module's file name (`tools/<name>.ts`). */
  name: string;
  /** The module's text (see `toolToModule`). */
  module: string;
}

/**
 * An agent as data: what `agent.toJSON()` returns and `agent.save()` writes.
 * Functions (callbacks, checks, handlers, a logger, an executor) are not
 * data: their option names are listed in `notSaved`, to be passed again
 * when loading.
 */
export interface AgentData {
  /** Marks the data as a saved smoldeno agent. */
  format: "smoldeno.agent";
  /** Version of this format. */
  version: 1;
  /** The agent's class, e.g. `"CodeAgent"`. */
  class: string;
  /** The model's settings, without keys. */
  model: ModelSpec;
  /** The options that are data: maxSteps, permissions, authorizedImports, … */
  options: Record<string, unknown>;
  /** The prompt templates in use. */
  promptTemplates: PromptTemplates;
  /** The tools given to the agent (not the base tools `addBaseTools` adds). */
  tools: ToolData[];
  /** The managed agents, each as data. */
  managedAgents: AgentData[];
  /** The options that were set but are not data, so not saved. */
  notSaved: string[];
}

/** What {@linkcode agentToData} reads from an agent. */
export interface AgentParts {
  /** The agent's class name. */
  className: string;
  /** The options the agent was created with. */
  options: Record<string, unknown>;
  /** The model in use. */
  model: Model;
  /** The prompt templates in use. */
  promptTemplates: PromptTemplates;
  /** The managed agents, already as data. */
  managedAgents: AgentData[];
}

// Saved elsewhere in the data, or never.
const HANDLED = new Set(["model", "tools", "managedAgents", "promptTemplates"]);

/** Whether an entry named `name` may hold a credential (`apiKey`, `hfToken`, `X-Api-Key`, …). */
function looksSecret(name: string): boolean {
  const n = name.replace(/[-_\s]/g, "").toLowerCase();
  return /(apikey|token|secret|password|passwd|authorization|credentials?|cookie|privatekey)$/.test(
    n,
  ) ||
    /^(key|auth|bearer)$/.test(n) || n.includes("secret") || n.includes("password");
}

/** Whether `value` is plain JSON data: what survives a save as it was. */
function isData(value: unknown, depth = 0): boolean {
  if (depth > 20) return false;
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((v) => isData(v, depth + 1));
  if (typeof value === "object") {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return false;
    return Object.values(value as object).every((v) => v === undefined || isData(v, depth + 1));
  }
  return false;
}

/** A copy of `value` without the entries whose names look like credentials. */
export function withoutSecrets<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => withoutSecrets(v)) as T;
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined || looksSecret(key)) continue;
      out[key] = withoutSecrets(v);
    }
    return out as T;
  }
  return value;
}

/** The settings of `model`, from its `toJSON()` when it has one, without keys. */
export function modelSpec(model: Model): ModelSpec {
  const own = (model as { toJSON?: () => unknown }).toJSON;
  const reported = typeof own === "function" ? own.call(model) : undefined;
  const type = (model as object).constructor?.name ?? "Model";
  const spec: Record<string, unknown> = reported !== null && typeof reported === "object"
    ? { ...(reported as Record<string, unknown>) }
    : {};
  if (typeof spec.type !== "string") spec.type = type;
  if (spec.modelId === undefined && typeof model.modelId === "string") spec.modelId = model.modelId;
  return withoutSecrets(JSON.parse(JSON.stringify(spec))) as ModelSpec;
}

/**
 * An agent as data. Tools become module text (`toolToModule`); options that
 * are functions or class instances are listed in `notSaved`; entries whose
 * names look like credentials are dropped everywhere.
 *
 * @throws {SerializationError} when a tool's code cannot be read as source.
 */
export function agentToData(parts: AgentParts): AgentData {
  const options: Record<string, unknown> = {};
  const notSaved: string[] = [];
  for (const [key, value] of Object.entries(parts.options)) {
    if (HANDLED.has(key) || value === undefined) continue;
    if (isData(value)) options[key] = value;
    else notSaved.push(key);
  }
  const given = (parts.options.tools ?? []) as Tool[];
  return {
    format: "smoldeno.agent",
    version: 1,
    class: parts.className,
    model: modelSpec(parts.model),
    options: withoutSecrets(JSON.parse(JSON.stringify(options))),
    promptTemplates: parts.promptTemplates,
    tools: given.map((tool) => ({ name: tool.name, module: toolToModule(tool) })),
    managedAgents: parts.managedAgents,
    notSaved: notSaved.sort(),
  };
}

/** The `agent.json` of a folder: the data, with tools and managed agents named, not inlined. */
export interface AgentJson extends Omit<AgentData, "tools" | "managedAgents" | "promptTemplates"> {
  /** Tool names: each is the module `tools/<name>.ts`. */
  tools: string[];
  /** Managed agent names: each is the folder `managed_agents/<name>/`. */
  managedAgents: string[];
}

// npm:yaml reads debug switches from the environment; hide it while it runs,
// so saving needs no --allow-env.
function toYaml(value: unknown): string {
  const descriptor = Object.getOwnPropertyDescriptor(process, "env");
  if (descriptor === undefined || !descriptor.configurable) return stringify(value);
  Object.defineProperty(process, "env", { value: {}, configurable: true, writable: true });
  try {
    return stringify(value, { lineWidth: 0 });
  } finally {
    Object.defineProperty(process, "env", descriptor);
  }
}

function managedName(data: AgentData, index: number): string {
  const name = data.options.name;
  if (typeof name !== "string" || !/^[A-Za-z_][\w]*$/.test(name)) {
    throw new SerializationError(`Cannot save managed agent ${index}: it has no valid name`, {
      kind: "corrupt",
    });
  }
  return name;
}

/**
 * The files of a saved agent folder: `agent.json`, `prompts.yaml`,
 * `tools/<name>.ts`, and `managed_agents/<name>/…` for each managed agent.
 */
export function agentDataToFiles(data: AgentData): FolderFiles {
  const files: FolderFiles = {};
  const json: AgentJson = {
    format: data.format,
    version: data.version,
    class: data.class,
    model: data.model,
    options: data.options,
    tools: data.tools.map((t) => t.name),
    managedAgents: data.managedAgents.map(managedName),
    notSaved: data.notSaved,
  };
  files["agent.json"] = `${JSON.stringify(json, null, 2)}\n`;
  files["prompts.yaml"] = toYaml(data.promptTemplates);
  for (const tool of data.tools) files[`tools/${tool.name}.ts`] = tool.module;
  data.managedAgents.forEach((managed, i) => {
    for (const [rel, text] of Object.entries(agentDataToFiles(managed))) {
      files[`managed_agents/${managedName(managed, i)}/${rel}`] = text;
    }
  });
  return files;
}

async function checkTools(data: AgentData): Promise<void> {
  for (const tool of data.tools) await checkSelfContained(tool.module, tool.name);
  for (const managed of data.managedAgents) await checkTools(managed);
}

/**
 * Writes `data` as an agent folder at `dir`, replacing it in one rename,
 * after checking that every tool's code is self-contained.
 *
 * @throws {SerializationError} when a tool uses outside names or the folder cannot be written.
 */
export async function saveAgentData(dir: string, data: AgentData): Promise<void> {
  await checkTools(data);
  await writeFolderAtomic(dir, agentDataToFiles(data));
}
