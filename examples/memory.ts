// Memory is plain data: agent.memory.steps. Step callbacks can read and edit
// it while the agent runs (here: old, long observations are shortened to save
// tokens), replay() shows a past run again, and run(…, { reset: false })
// continues the same conversation.
//
//   deno run --allow-all examples/memory.ts
import { type ActionStep, CodeAgent, type MultiStepAgent } from "@smoldeno/agents";
import { pickModel, printAnswer } from "./_model.ts";

const { model } = await pickModel([
  // Run 1
  'Thought: Let me list the primes below 60.\n<code>\nconst primes = [];\nfor (let n = 2; n < 60; n++) if (primes.every((p) => n % p !== 0)) primes.push(n);\nconsole.log(primes.join(", "));\n</code>',
  "Thought: Count them.\n<code>\nfinal_answer(primes.length);\n</code>",
  // Run 2, same conversation: `primes` still exists in the sandbox.
  "Thought: The largest is the last one.\n<code>\nfinal_answer(primes.at(-1));\n</code>",
]);

// Keeps only the latest observation in full: older ones are cut to 40 characters.
function shortenOldObservations(step: ActionStep, agent: MultiStepAgent): void {
  for (const old of agent.memory.steps) {
    if (old.type === "action" && old !== step && (old.observations?.length ?? 0) > 40) {
      old.observations = `${old.observations!.slice(0, 40)}… (shortened)`;
    }
  }
}

await using agent = new CodeAgent({ model, maxSteps: 5, stepCallbacks: [shortenOldObservations] });
const count = await agent.run("How many primes are there below 60?");
console.error(`Run 1 answered ${count}; memory holds ${agent.memory.steps.length} steps:`);
for (const step of agent.memory.steps) {
  console.error(
    `  - ${step.type}${
      step.type === "action" ? ` ${step.stepNumber}: ${step.observations ?? ""}` : ""
    }`,
  );
}

// Plain data: it survives JSON, e.g. to store a conversation.
const saved = JSON.stringify(agent.memory.steps);
console.error(`Serialized memory: ${saved.length} characters`);

console.error("\nReplaying run 1 through the logger:");
const events = agent.replay();
console.error(`(${events.length} events replayed)\n`);

const largest = await agent.run("And which is the largest of them?", { reset: false });
printAnswer(`${count} primes below 60; the largest is ${largest}`);
