/**
 * Prompt templates of the agents: YAML data in `src/prompts/`, rendered with
 * nunjucks (no HTML escaping; an undefined variable is an error, never an
 * empty string). Users may replace any template; a template set missing a key
 * is rejected with a `TypeError` naming the key.
 *
 * @module
 */

import process from "node:process";
import nunjucks from "nunjucks";
import { parse } from "yaml";
import codeAgentYaml from "./prompts/code_agent.yaml" with { type: "text" };
import toolCallingAgentYaml from "./prompts/tool_calling_agent.yaml" with { type: "text" };

/** Templates of the planning calls. */
export interface PlanningPromptTemplates {
  /** User message asking for the first plan. Variables: `task`, `tools`, `managedAgents`. */
  initialPlan: string;
  /** System message before the history when updating the plan. Variables: `task`. */
  updatePlanPreMessages: string;
  /**
   * User message after the history when updating the plan. Variables: `task`,
   * `tools`, `managedAgents`, `remainingSteps`.
   */
  updatePlanPostMessages: string;
}

/** Templates of the extra call made when the step limit is reached. */
export interface FinalAnswerPromptTemplates {
  /** System message before the history. No variables. */
  preMessages: string;
  /** User message after the history. Variables: `task`. */
  postMessages: string;
}

/** Templates used when the agent is a managed agent called by another agent. */
export interface ManagedAgentPromptTemplates {
  /** The task given to the managed agent. Variables: `name`, `task`. */
  task: string;
  /** The report returned to the manager. Variables: `name`, `finalAnswer`. */
  report: string;
}

/**
 * Every prompt an agent uses. The system prompt's variables are `tools`
 * (each with `name`, `description`, `declaration`, `inputsJson`,
 * `outputType`), `managedAgents` (each with `name`, `description`,
 * `declaration`), `authorizedImports` (a string, empty when none),
 * `customInstructions` (a string, possibly empty), `codeOpen` and `codeClose`.
 */
export interface PromptTemplates {
  /** The system prompt. */
  systemPrompt: string;
  /** Planning prompts. */
  planning: PlanningPromptTemplates;
  /** Prompts of the max-steps fallback answer. */
  finalAnswer: FinalAnswerPromptTemplates;
  /** Prompts for managed agents. */
  managedAgent: ManagedAgentPromptTemplates;
}

// npm:yaml reads the LOG_TOKENS and LOG_STREAM debug switches from the
// environment on every parse, so parsing a prompt would need --allow-env.
// Parsing is synchronous: hiding the environment for its duration is safe.
function parseYaml(text: string): unknown {
  const descriptor = Object.getOwnPropertyDescriptor(process, "env");
  if (descriptor === undefined || !descriptor.configurable) return parse(text);
  Object.defineProperty(process, "env", { value: {}, configurable: true, writable: true });
  try {
    return parse(text);
  } finally {
    Object.defineProperty(process, "env", descriptor);
  }
}

const REQUIRED_KEYS: readonly string[] = [
  "systemPrompt",
  "planning.initialPlan",
  "planning.updatePlanPreMessages",
  "planning.updatePlanPostMessages",
  "finalAnswer.preMessages",
  "finalAnswer.postMessages",
  "managedAgent.task",
  "managedAgent.report",
];

/**
 * Checks that `value` holds every template as a string and returns it typed.
 * Throws a `TypeError` naming each missing or non-string key.
 *
 * @example Catching an incomplete template set
 * ```ts
 * import { validatePromptTemplates } from "@smoldeno/agents";
 *
 * try {
 *   validatePromptTemplates({ systemPrompt: "Be brief." });
 * } catch (error) {
 *   console.log((error as TypeError).message.startsWith("Prompt templates are missing")); // true
 * }
 * ```
 */
export function validatePromptTemplates(value: unknown): PromptTemplates {
  if (value === null || typeof value !== "object") {
    throw new TypeError(`Prompt templates must be an object, got ${typeof value}`);
  }
  const missing = REQUIRED_KEYS.filter((key) => {
    const found = key.split(".").reduce<unknown>(
      (node, part) =>
        node !== null && typeof node === "object"
          ? (node as Record<string, unknown>)[part]
          : undefined,
      value,
    );
    return typeof found !== "string";
  });
  if (missing.length > 0) {
    throw new TypeError(
      `Prompt templates are missing ${missing.map((k) => `"${k}"`).join(", ")}: ` +
        "each must be a string (start from codeAgentPromptTemplates() and override what you need)",
    );
  }
  return value as PromptTemplates;
}

/**
 * Parses a YAML document of prompt templates (same keys as
 * {@linkcode PromptTemplates}) and validates it.
 *
 * @example Parsing templates from YAML text
 * ```ts
 * import { parsePromptTemplates } from "@smoldeno/agents";
 *
 * const yaml = `
 * systemPrompt: "You are terse."
 * planning: { initialPlan: "Plan {{ task }}", updatePlanPreMessages: "a", updatePlanPostMessages: "b" }
 * finalAnswer: { preMessages: "c", postMessages: "{{ task }}" }
 * managedAgent: { task: "{{ task }}", report: "{{ finalAnswer }}" }
 * `;
 * console.log(parsePromptTemplates(yaml).systemPrompt); // "You are terse."
 * ```
 */
export function parsePromptTemplates(yamlText: string): PromptTemplates {
  return validatePromptTemplates(parseYaml(yamlText));
}

/**
 * A fresh copy of the CodeAgent's default templates, to modify and pass as
 * `promptTemplates`.
 *
 * @example Adding a rule to the system prompt
 * ```ts
 * import { codeAgentPromptTemplates } from "@smoldeno/agents";
 *
 * const templates = codeAgentPromptTemplates();
 * templates.systemPrompt += "\nAlways answer in French.";
 * console.log(templates.systemPrompt.includes("TypeScript")); // true
 * ```
 */
export function codeAgentPromptTemplates(): PromptTemplates {
  return parsePromptTemplates(codeAgentYaml);
}

/**
 * A fresh copy of the ToolCallingAgent's default templates.
 *
 * @example Reading the default ToolCallingAgent templates
 * ```ts
 * import { toolCallingAgentPromptTemplates } from "@smoldeno/agents";
 *
 * console.log(toolCallingAgentPromptTemplates().managedAgent.report.includes("{{ finalAnswer }}")); // true
 * ```
 */
export function toolCallingAgentPromptTemplates(): PromptTemplates {
  return parsePromptTemplates(toolCallingAgentYaml);
}

const environment = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: true });

// Compiled templates by source: every agent renders the same few system
// prompts, and compiling one costs milliseconds. Bounded, oldest out first.
const MAX_COMPILED = 64;
const compiled = new Map<string, nunjucks.Template>();

function compile(template: string): nunjucks.Template {
  let found = compiled.get(template);
  if (found === undefined) {
    found = new nunjucks.Template(template, environment, undefined, true);
    if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
    compiled.set(template, found);
  }
  return found;
}

/**
 * Renders one template with nunjucks. An undefined variable or a syntax error
 * throws a `TypeError` naming the template.
 *
 * @example Rendering without HTML escaping
 * ```ts
 * import { renderPrompt } from "@smoldeno/agents";
 *
 * console.log(renderPrompt("Hello {{ name }} & co", { name: "<Ada>" })); // "Hello <Ada> & co"
 * ```
 */
export function renderPrompt(
  template: string,
  variables: Record<string, unknown>,
  templateName = "template",
): string {
  try {
    return compile(template).render(variables);
  } catch (error) {
    const detail = String((error as Error)?.message ?? error).replace(/\s+/g, " ").trim();
    throw new TypeError(
      `Cannot render prompt template "${templateName}": ${detail} ` +
        `(variables given: ${Object.keys(variables).map((k) => `"${k}"`).join(", ") || "none"})`,
      { cause: error },
    );
  }
}
