// An agent's structure (its tools and its managed agents, recursively) as
// plain data, and that data drawn as a text tree for `agent.visualize()`.

import { sanitizeForTerminal } from "../_terminal_text.ts";
import type { Tool } from "../tool.ts";
import type { ToolInputs, ToolValueType } from "../tool_types.ts";

/** A tool as {@linkcode MultiStepAgent.describe} reports it. */
export interface ToolDescription {
  /** The name the model calls it by. */
  name: string;
  /** What it does, as the model reads it. */
  description: string;
  /** Its inputs by name (a copy). */
  inputs: ToolInputs;
  /** The type of what it returns. */
  outputType: ToolValueType;
}

/** An agent's structure, as {@linkcode MultiStepAgent.describe} returns it: plain data. */
export interface AgentDescription {
  /** The agent's class, e.g. `"CodeAgent"`. */
  className: string;
  /** Its name, when it has one (a managed agent does). */
  name?: string;
  /** What it does, when described (a managed agent is). */
  description?: string;
  /** The model's id, when the model reports one. */
  modelId?: string;
  /** Its default step limit. */
  maxSteps: number;
  /** Its planning cadence, when planning is on. */
  planningInterval?: number;
  /** Its tools (base tools included; not the built-in `final_answer`), in the order given. */
  tools: ToolDescription[];
  /** The agents it manages, each described the same way. */
  managedAgents: AgentDescription[];
}

/** What {@linkcode describeAgent} reads of an agent. */
export interface DescribableAgent {
  readonly name?: string;
  readonly description?: string;
  readonly model: object;
  readonly maxSteps: number;
  readonly planningInterval?: number;
  readonly tools: Record<string, Tool>;
  readonly managedAgents: Record<string, DescribableAgent>;
}

/** The agent and the agents it manages, recursively, as plain data. */
export function describeAgent(
  agent: DescribableAgent,
  managers: DescribableAgent[] = [],
): AgentDescription {
  // Cycles cannot be built through the constructor, only by editing
  // `managedAgents` afterwards; without this check they overflow the stack.
  if (managers.includes(agent)) {
    const who = agent.name ? `managed agent "${agent.name}"` : `the ${agent.constructor.name}`;
    throw new TypeError(
      `Cannot describe ${
        managers[0].constructor.name
      }: ${who} manages itself, directly or through others: remove it from managedAgents`,
    );
  }
  const modelId = (agent.model as { modelId?: unknown }).modelId;
  return {
    className: agent.constructor.name,
    ...(agent.name !== undefined ? { name: agent.name } : {}),
    ...(agent.description !== undefined ? { description: agent.description } : {}),
    ...(typeof modelId === "string" && modelId !== "" ? { modelId } : {}),
    maxSteps: agent.maxSteps,
    ...(agent.planningInterval !== undefined ? { planningInterval: agent.planningInterval } : {}),
    tools: Object.values(agent.tools).map(describeTool),
    managedAgents: Object.values(agent.managedAgents).map((managed) =>
      describeAgent(managed, [...managers, agent])
    ),
  };
}

/** A tool as plain data; its inputs are copied, so editing them changes nothing. */
export function describeTool(tool: Tool): ToolDescription {
  const inputs: ToolInputs = {};
  for (const [name, input] of Object.entries(tool.inputs)) inputs[name] = { ...input };
  return {
    name: tool.name,
    description: tool.description,
    inputs,
    outputType: tool.outputType,
  };
}

interface Node {
  label: string;
  children: Node[];
}

// Descriptions can run to paragraphs; the tree gives a line to each.
const MAX_TEXT = 100;

/**
 * The description as a tree drawn with box-drawing characters, one line per
 * node. Text that came from tools or models is sanitized for the terminal.
 */
export function renderAgentTree(agent: AgentDescription): string {
  const lines: string[] = [];
  const root = agentNode(agent);
  lines.push(root.label);
  drawChildren(root.children, "", lines);
  return lines.join("\n");
}

function agentNode(agent: AgentDescription): Node {
  const facts = [
    agent.modelId ? `model: ${oneLine(agent.modelId)}` : "",
    `maxSteps: ${agent.maxSteps}`,
    agent.planningInterval !== undefined ? `planningInterval: ${agent.planningInterval}` : "",
  ].filter(Boolean);
  const name = agent.name ? ` "${oneLine(agent.name)}"` : "";
  const children: Node[] = [];
  if (agent.description) {
    children.push({ label: `Description: ${oneLine(agent.description)}`, children: [] });
  }
  children.push(
    agent.tools.length === 0
      ? { label: "Tools: none", children: [] }
      : { label: "Tools", children: agent.tools.map(toolNode) },
  );
  if (agent.managedAgents.length > 0) {
    children.push({ label: "Managed agents", children: agent.managedAgents.map(agentNode) });
  }
  return { label: `${agent.className}${name} (${facts.join(", ")})`, children };
}

function toolNode(tool: ToolDescription): Node {
  const inputs = Object.entries(tool.inputs).map(([name, input]) => {
    const type = Array.isArray(input.type) ? input.type.join(" | ") : String(input.type);
    return `${name}${input.nullable ? "?" : ""}: ${type}`;
  });
  const signature = `${tool.name}(${inputs.join(", ")}) → ${tool.outputType}`;
  const description = oneLine(tool.description);
  return { label: description ? `${oneLine(signature)}: ${description}` : signature, children: [] };
}

function drawChildren(children: Node[], indent: string, lines: string[]): void {
  children.forEach((child, i) => {
    const last = i === children.length - 1;
    lines.push(`${indent}${last ? "└── " : "├── "}${child.label}`);
    drawChildren(child.children, `${indent}${last ? "    " : "│   "}`, lines);
  });
}

// Whitespace collapsed, safe to print, cut at MAX_TEXT characters.
function oneLine(text: string): string {
  const flat = sanitizeForTerminal(text).replace(/\s+/g, " ").trim();
  return flat.length > MAX_TEXT ? `${flat.slice(0, MAX_TEXT - 1)}…` : flat;
}
