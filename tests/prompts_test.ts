import {
  codeAgentPromptTemplates,
  parsePromptTemplates,
  type PromptTemplates,
  renderPrompt,
  toolCallingAgentPromptTemplates,
  validatePromptTemplates,
} from "../src/prompts.ts";
import { assert, assertEquals, assertStringIncludes, assertThrows } from "./_assert.ts";

const tools = [{
  name: "get_weather",
  description: "Weather report for a city.",
  declaration:
    "/** Weather report for a city. */\ndeclare function get_weather(args: { city: string }): Promise<string>;",
  inputsJson: '{"city":{"type":"string"}}',
  outputType: "string",
}];
const managedAgents = [{
  name: "researcher",
  description: "Searches the web.",
  declaration: "declare function researcher(args: { task: string }): Promise<string>;",
}];
const systemVariables = {
  tools,
  managedAgents,
  authorizedImports: '"npm:lodash@4"',
  customInstructions: "Answer in French.",
  codeOpen: "<code>",
  codeClose: "</code>",
  structuredOutput: false,
};

function renderAll(templates: PromptTemplates): string[] {
  return [
    renderPrompt(templates.systemPrompt, systemVariables),
    renderPrompt(templates.planning.initialPlan, { task: "T", tools, managedAgents }),
    renderPrompt(templates.planning.updatePlanPreMessages, { task: "T" }),
    renderPrompt(templates.planning.updatePlanPostMessages, {
      task: "T",
      tools,
      managedAgents,
      remainingSteps: 4,
    }),
    renderPrompt(templates.finalAnswer.preMessages, {}),
    renderPrompt(templates.finalAnswer.postMessages, { task: "T" }),
    renderPrompt(templates.managedAgent.task, { name: "researcher", task: "T" }),
    renderPrompt(templates.managedAgent.report, { name: "researcher", finalAnswer: "42" }),
  ];
}

Deno.test("the CodeAgent templates all render with the documented variables", () => {
  const [system, plan, , update, , final, task, report] = renderAll(codeAgentPromptTemplates());
  assertStringIncludes(system, tools[0].declaration);
  assertStringIncludes(system, managedAgents[0].declaration);
  assertStringIncludes(system, '"npm:lodash@4"');
  assertStringIncludes(system, "Answer in French.");
  assertStringIncludes(system, "<code>\nconst start");
  assertStringIncludes(plan, "<end_plan>");
  assertStringIncludes(update, "4 steps are left");
  assertStringIncludes(final, "T");
  assertStringIncludes(task, '"researcher"');
  assertStringIncludes(report, "42");
});

Deno.test("the CodeAgent system prompt speaks TypeScript, not Python", () => {
  const [system] = renderAll(codeAgentPromptTemplates());
  assertStringIncludes(system, "TypeScript");
  assertStringIncludes(system, "await");
  assert(!/\bprint\(|python|\.py\b/i.test(system), "the prompt mentions Python");
});

Deno.test("the CodeAgent system prompt omits the team section and forbids imports when none are allowed", () => {
  const system = renderPrompt(codeAgentPromptTemplates().systemPrompt, {
    ...systemVariables,
    managedAgents: [],
    authorizedImports: "",
    customInstructions: "",
  });
  assert(!system.includes("You lead a team"));
  assertStringIncludes(system, "You may not import modules");
});

Deno.test("the ToolCallingAgent templates all render with the documented variables", () => {
  const [system, plan] = renderAll(toolCallingAgentPromptTemplates());
  assertStringIncludes(system, "- get_weather: Weather report for a city.");
  assertStringIncludes(system, '{"city":{"type":"string"}}');
  assertStringIncludes(system, "- researcher: Searches the web.");
  assertStringIncludes(plan, "- get_weather");
});

Deno.test("the CodeAgent system prompt asks for JSON steps when structured outputs are on", () => {
  const system = renderPrompt(codeAgentPromptTemplates().systemPrompt, {
    ...systemVariables,
    structuredOutput: true,
  });
  assertStringIncludes(system, '{"thought": "...", "code": "..."}');
  assert(!system.includes("A reply without code is an error"));
});

Deno.test("renderPrompt() does not HTML-escape values", () => {
  assertEquals(renderPrompt("{{ x }}", { x: 'a < b && c > "d"' }), 'a < b && c > "d"');
});

Deno.test("renderPrompt() throws a TypeError naming the template when a variable is undefined", () => {
  const error = assertThrows(
    () => renderPrompt("Task: {{ task }}", { tools: [] }, "planning.initialPlan"),
    TypeError,
    'Cannot render prompt template "planning.initialPlan"',
  );
  assertStringIncludes(error.message, 'variables given: "tools"');
});

Deno.test("validatePromptTemplates() lists every missing key", () => {
  const templates = codeAgentPromptTemplates() as unknown as Record<string, unknown>;
  delete templates.finalAnswer;
  const error = assertThrows(() => validatePromptTemplates(templates), TypeError);
  assertStringIncludes(error.message, '"finalAnswer.preMessages", "finalAnswer.postMessages"');
  assertThrows(() => validatePromptTemplates("nope"), TypeError, "must be an object");
});

Deno.test("parsePromptTemplates() reads a YAML document and rejects an incomplete one", () => {
  const yaml = [
    "systemPrompt: Be brief.",
    "planning: {initialPlan: a, updatePlanPreMessages: b, updatePlanPostMessages: c}",
    "finalAnswer: {preMessages: d, postMessages: e}",
    "managedAgent: {task: f, report: g}",
  ].join("\n");
  assertEquals(parsePromptTemplates(yaml).managedAgent.report, "g");
  assertThrows(() => parsePromptTemplates("systemPrompt: x"), TypeError, '"planning.initialPlan"');
});

Deno.test("codeAgentPromptTemplates() returns a fresh copy each time", () => {
  const first = codeAgentPromptTemplates();
  first.systemPrompt = "changed";
  assert(codeAgentPromptTemplates().systemPrompt !== "changed");
});
