// Streaming: agent.stream() yields typed events as they happen (the model's
// reply token by token, the code, its output, the final answer), for a UI
// of your own. run() is the same stream, drained.
//
//   deno run --allow-all examples/streaming.ts
import { CodeAgent, LogLevel } from "@smoldeno/agents";
import { pickModel, printAnswer } from "./_model.ts";

const { model } = await pickModel([
  'Thought: The first ten squares, summed.\n<code>\nconst squares = Array.from({ length: 10 }, (_, i) => (i + 1) ** 2);\nconsole.log(squares.join(" "));\n</code>',
  "Thought: Now the sum.\n<code>\nfinal_answer(squares.reduce((a, b) => a + b, 0));\n</code>",
]);

// The default console logger is off: this loop is the UI.
await using agent = new CodeAgent({ model, maxSteps: 5, logLevel: LogLevel.OFF });
const write = (text: string) => Deno.stdout.writeSync(new TextEncoder().encode(text));
const stream = agent.stream("What is the sum of the squares of 1 to 10?");
let next = await stream.next();
while (!next.done) {
  const event = next.value;
  switch (event.type) {
    case "step_start":
      write(`\n── step ${event.stepNumber}\n`);
      break;
    case "model_stream_delta":
      write(event.delta.content ?? "");
      break;
    case "code_output":
      if (event.logs.trim()) write(`\n[output] ${event.logs.trim()}\n`);
      break;
    case "error":
      write(`\n[error] ${event.error.message}\n`);
      break;
  }
  next = await stream.next();
}
write("\n");
const result = next.value;
console.error(
  `${result.state} in ${result.steps.length} memory steps, ${result.tokenUsage.outputTokens} output tokens`,
);
printAnswer(result.output);
