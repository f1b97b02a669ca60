// Planning: with planningInterval, the agent writes a plan before its first
// step and revises it every N steps, from what it has learned so far.
//
//   deno run --allow-all examples/planning.ts
import { CodeAgent, type PlanningStep } from "@smoldeno/agents";
import { pickModel, printAnswer } from "./_model.ts";

const { model } = await pickModel([
  // Initial plan (before step 1)
  "## Facts\n- A marathon is 42.195 km.\n- The pace is 5:30 per km.\n\n## Plan\n1. Convert the pace to seconds.\n2. Multiply by the distance.\n3. Format as h:mm:ss.",
  "Thought: Step 1 and 2 of the plan.\n<code>\nconst seconds = Math.round(42.195 * (5 * 60 + 30));\nconsole.log(seconds);\n</code>",
  'Thought: Step 3: format.\n<code>\nconst h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;\nconst time = `${h}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}`;\nconsole.log(time);\n</code>',
  // Updated plan (before step 3)
  "## Progress\nThe time is computed and formatted.\n\n## Plan\n1. Give the final answer.",
  "Thought: Done.\n<code>\nfinal_answer(time);\n</code>",
]);

const plans: PlanningStep[] = [];
await using agent = new CodeAgent({
  model,
  maxSteps: 6,
  planningInterval: 2,
  stepCallbacks: { planning: (step) => void plans.push(step) },
});
const answer = await agent.run("How long does a marathon take at 5:30 per km?");
console.error(`The agent wrote ${plans.length} plans: ${plans.map((p) => p.kind).join(", ")}`);
printAnswer(answer);
