// The smallest useful agent: a CodeAgent that answers by writing TypeScript,
// run in a Deno sandbox with no permissions at all.
//
//   deno run --allow-all examples/quickstart.ts
//
// With OPENAI_API_KEY, HF_TOKEN or a local Ollama the model is real;
// otherwise a scripted model replays what a model would write (see _model.ts).
import { CodeAgent } from "@smoldeno/agents";
import { pickModel, printAnswer } from "./_model.ts";

const { model } = await pickModel([
  "Thought: A leap year has 366 days of 24 hours of 3600 seconds; let me compute it.\n<code>\nconst seconds = 366 * 24 * 3600;\nconsole.log(seconds);\n</code>",
  'Thought: The code printed the number of seconds.\n<code>\nfinal_answer(seconds.toLocaleString("en-US"));\n</code>',
]);

await using agent = new CodeAgent({ model, maxSteps: 5 });
const answer = await agent.run("How many seconds are there in a leap year?");
printAnswer(answer);
