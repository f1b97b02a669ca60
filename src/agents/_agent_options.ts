// Checks of the options every agent shares. Programmer mistakes surface as
// TypeError/RangeError at construction, before any model call or spawn.

import { type BaseToolsContext, resolveBaseTools } from "../base_tools.ts";
import type { Model } from "../models/model.ts";
import { type Tool, validateTool } from "../tool.ts";
import type { RunBudget, RunOptions, StepOptions } from "./_run.ts";

/** Step callbacks as lists by the step type they follow. */
export interface CallbackLists<C> {
  /** After each action step. */
  action: C[];
  /** After each planning step. */
  planning: C[];
  /** After the final answer is accepted. */
  final_answer: C[];
}

/** `value` if it is a positive integer; a RangeError starting with `prefix` otherwise. */
export function positiveInteger(value: unknown, name: string, prefix: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`${prefix}: ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/** The options object itself, and its model. */
export function checkModel(options: unknown, kind: string): Model {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`Cannot create ${kind}: expected an options object`);
  }
  const model = (options as { model?: Partial<Model> }).model;
  if (model === null || typeof model !== "object" || typeof model.generate !== "function") {
    throw new TypeError(`Cannot create ${kind}: "model" must be a Model with a generate() method`);
  }
  return model as Model;
}

/** A managed agent's name: it becomes a function name in the manager's code. */
export function checkName(name: unknown, kind: string): string | undefined {
  if (name === undefined) return undefined;
  if (typeof name !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new TypeError(
      `Cannot create ${kind}: name ${
        JSON.stringify(name)
      } must be a valid identifier, e.g. "web_researcher"`,
    );
  }
  return name;
}

/**
 * The tools to check: with `addBaseTools: true`, the registered base tools
 * first, then the given ones; a given tool replaces the base tool of its
 * name. Resolved here, at construction, so a missing toolbox is a TypeError
 * before any model call.
 */
export function withBaseTools(
  tools: unknown,
  addBaseTools: unknown,
  context: () => BaseToolsContext,
  kind: string,
): unknown {
  if (addBaseTools === undefined || addBaseTools === false) return tools;
  if (addBaseTools !== true) {
    throw new TypeError(`Cannot create ${kind}: addBaseTools must be true or false`);
  }
  // checkTools explains what is wrong with a non-array.
  if (tools !== undefined && !Array.isArray(tools)) return tools;
  const given = (tools ?? []) as Tool[];
  const names = new Set(given.map((t) => t?.name));
  return [...resolveBaseTools(context()).filter((t) => !names.has(t.name)), ...given];
}

/** Tools by name, each validated, no two with the same name. */
export function checkTools(tools: unknown, kind: string): Record<string, Tool> {
  if (tools !== undefined && !Array.isArray(tools)) {
    throw new TypeError(`Cannot create ${kind}: "tools" must be an array of tools`);
  }
  const byName: Record<string, Tool> = {};
  for (const tool of (tools ?? []) as Tool[]) {
    validateTool(tool);
    if (typeof tool.call !== "function") {
      throw new TypeError(`Cannot create ${kind}: tool "${tool.name}" has no call() method`);
    }
    if (tool.name in byName) {
      throw new TypeError(`Cannot create ${kind}: two tools are named "${tool.name}"`);
    }
    byName[tool.name] = tool;
  }
  return byName;
}

/** Managed agents by name: each named, described, and named unlike any tool. */
export function checkManagedAgents<A extends { name?: string; description?: string }>(
  agents: unknown,
  isAgent: (value: unknown) => value is A,
  tools: Record<string, Tool>,
  kind: string,
): Record<string, A> {
  if (agents !== undefined && !Array.isArray(agents)) {
    throw new TypeError(`Cannot create ${kind}: "managedAgents" must be an array of agents`);
  }
  const byName: Record<string, A> = {};
  for (const [i, agent] of ((agents ?? []) as unknown[]).entries()) {
    if (!isAgent(agent)) {
      throw new TypeError(`Cannot create ${kind}: managed agent ${i} is not an agent`);
    }
    if (!agent.name || !agent.description?.trim()) {
      throw new TypeError(
        `Cannot create ${kind}: managed agent ${i} needs a name and a description, so the manager knows how and when to call it`,
      );
    }
    if (agent.name in tools || agent.name in byName) {
      throw new TypeError(
        `Cannot create ${kind}: managed agent "${agent.name}" has the name of another tool or agent`,
      );
    }
    byName[agent.name] = agent;
  }
  return byName;
}

/** Step callbacks as lists by type; an array means action-step callbacks. */
export function normalizeCallbacks<C>(value: unknown, kind: string): CallbackLists<C> {
  const byType: Record<string, unknown> = Array.isArray(value)
    ? { action: value }
    : { ...(value as object | undefined) };
  const result: CallbackLists<C> = { action: [], planning: [], final_answer: [] };
  for (const [type, entry] of Object.entries(byType)) {
    if (!(type in result)) {
      throw new TypeError(
        `Cannot create ${kind}: unknown step type "${type}" in stepCallbacks: use "action", "planning" or "final_answer"`,
      );
    }
    const list = Array.isArray(entry) ? entry : entry === undefined ? [] : [entry];
    if (list.some((cb) => typeof cb !== "function")) {
      throw new TypeError(`Cannot create ${kind}: stepCallbacks.${type} must be functions`);
    }
    result[type as keyof CallbackLists<C>].push(...(list as C[]));
  }
  return result;
}

/** The final-answer checks, as a copy. */
export function checkFinalAnswerChecks<C>(checks: unknown, kind: string): C[] {
  if (checks === undefined) return [];
  if (!Array.isArray(checks) || checks.some((c) => typeof c !== "function")) {
    throw new TypeError(`Cannot create ${kind}: "finalAnswerChecks" must be an array of functions`);
  }
  return [...checks] as C[];
}

/**
 * The options of one run (the task and maxSteps are checked by the caller);
 * `verb` names the call in messages ("run", or "step" when a step starts one).
 */
export function checkRunOptions(options: RunOptions, kind: string, verb = "run"): void {
  const prefix = `Cannot ${verb} ${kind}`;
  if (options === null || typeof options !== "object") {
    throw new TypeError(`${prefix}: options must be an object`);
  }
  const args = options.additionalArgs;
  if (
    args !== undefined &&
    (args === null || typeof args !== "object" || Array.isArray(args))
  ) {
    throw new TypeError(
      `${prefix}: additionalArgs must be an object of named values, e.g. { report: "…" }`,
    );
  }
  if (options.images !== undefined) {
    const ok = Array.isArray(options.images) &&
      options.images.every((image) => image?.type === "image");
    if (!ok) {
      throw new TypeError(
        `${prefix}: images must be an array of image parts or image values (see imageValue())`,
      );
    }
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new TypeError(`${prefix}: signal must be an AbortSignal`);
  }
}

// What only the first step of a run takes: a later step continues that run.
const START_OPTIONS = ["reset", "images", "additionalArgs", "maxSteps"] as const;

/** The options of a step that continues the run in progress. */
export function checkStepOptions(options: unknown, kind: string): StepOptions {
  const prefix = `Cannot step ${kind}`;
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `${prefix}: pass a task string to start a run, or an options object ({ signal }) to continue it, got ${
        options === null ? "null" : typeof options
      }`,
    );
  }
  const record = options as Record<string, unknown>;
  const misplaced = START_OPTIONS.filter((key) => record[key] !== undefined);
  if (misplaced.length > 0) {
    throw new TypeError(
      `${prefix}: ${
        misplaced.map((key) => `"${key}"`).join(", ")
      } can only be given with a task, when the step starts a run: agent.step("…", { ${
        misplaced[0]
      }: … })`,
    );
  }
  const { signal } = options as StepOptions;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`${prefix}: signal must be an AbortSignal`);
  }
  return options as StepOptions;
}

/**
 * A budget, checked: each limit a positive number, prices non-negative, and
 * `maxCostUsd` only with a price for `modelId`. `prefix` starts each message.
 */
export function checkBudget(
  budget: unknown,
  modelId: string | undefined,
  prefix: string,
): RunBudget | undefined {
  if (budget === undefined) return undefined;
  if (budget === null || typeof budget !== "object" || Array.isArray(budget)) {
    throw new TypeError(`${prefix}: budget must be an object, e.g. { maxTokens: 50_000 }`);
  }
  const b = budget as Record<string, unknown>;
  for (const key of Object.keys(b)) {
    if (!["maxTokens", "maxCostUsd", "maxDurationMs", "prices"].includes(key)) {
      throw new TypeError(
        `${prefix}: unknown budget option "${key}" (use maxTokens, maxCostUsd, maxDurationMs, prices)`,
      );
    }
  }
  for (const key of ["maxTokens", "maxCostUsd", "maxDurationMs"]) {
    const v = b[key];
    if (v !== undefined && (typeof v !== "number" || !Number.isFinite(v) || v <= 0)) {
      throw new RangeError(`${prefix}: budget.${key} must be a positive number, got ${String(v)}`);
    }
  }
  const prices = b.prices;
  if (prices !== undefined) {
    if (prices === null || typeof prices !== "object" || Array.isArray(prices)) {
      throw new TypeError(
        `${prefix}: budget.prices must map model ids to { inputPerMillion, outputPerMillion }`,
      );
    }
    for (const [id, price] of Object.entries(prices)) {
      const p = price as Record<string, unknown> | null;
      const ok = p !== null && typeof p === "object" &&
        ["inputPerMillion", "outputPerMillion"].every((k) =>
          typeof p[k] === "number" && Number.isFinite(p[k]) && (p[k] as number) >= 0
        );
      if (!ok) {
        throw new TypeError(
          `${prefix}: budget.prices["${id}"] must be { inputPerMillion, outputPerMillion } in US dollars`,
        );
      }
    }
  }
  if (b.maxCostUsd !== undefined) {
    const price = modelId === undefined
      ? undefined
      : (prices as Record<string, unknown> | undefined)?.[modelId];
    if (price === undefined) {
      throw new TypeError(
        `${prefix}: budget.maxCostUsd needs a price for the model${
          modelId ? ` "${modelId}"` : ""
        }: add it to budget.prices, e.g. { "${
          modelId ?? "model-id"
        }": { inputPerMillion: 2.5, outputPerMillion: 10 } }`,
      );
    }
  }
  return { ...b } as RunBudget;
}
