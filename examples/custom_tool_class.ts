// A tool written as a class: BaseTool gives argument validation and a lazy
// setup() that runs once, before the first call (open a connection, load a
// model or, here, build a rates table).
//
//   deno run --allow-all examples/custom_tool_class.ts
import { BaseTool, CodeAgent, type ToolArgs } from "@smoldeno/agents";
import { pickModel, printAnswer } from "./_model.ts";

const inputs = {
  amount: { type: "number", description: "The amount to convert" },
  from: { type: "string", description: "Currency code to convert from, e.g. 'EUR'" },
  to: { type: "string", description: "Currency code to convert to, e.g. 'JPY'" },
} as const;

class CurrencyConverterTool extends BaseTool<typeof inputs, "number"> {
  #perEuro?: Map<string, number>;
  setupCount = 0;

  constructor() {
    super({
      name: "convert_currency",
      description: "Converts an amount between currencies at fixed reference rates.",
      inputs,
      outputType: "number",
    });
  }

  // A real tool would fetch today's rates here; it runs once, lazily.
  protected override setup(): void {
    this.setupCount++;
    this.#perEuro = new Map([["EUR", 1], ["USD", 1.08], ["GBP", 0.85], ["JPY", 162.5]]);
  }

  protected forward({ amount, from, to }: ToolArgs<typeof inputs>): number {
    const rate = (code: string) => {
      const value = this.#perEuro!.get(code.toUpperCase());
      if (value === undefined) {
        throw new Error(
          `Unknown currency "${code}": known are ${[...this.#perEuro!.keys()].join(", ")}`,
        );
      }
      return value;
    };
    return Math.round((amount / rate(from)) * rate(to) * 100) / 100;
  }
}

const converter = new CurrencyConverterTool();
const { model } = await pickModel([
  'Thought: I\'ll convert both amounts with the tool, in parallel.\n<code>\nconst [yen, pounds] = await Promise.all([\n  convert_currency({ amount: 250, from: "USD", to: "JPY" }),\n  convert_currency({ amount: 250, from: "USD", to: "GBP" }),\n]);\nconsole.log(yen, pounds);\n</code>',
  "Thought: I have both.\n<code>\nfinal_answer(`250 USD is ${yen} JPY or ${pounds} GBP`);\n</code>",
]);

await using agent = new CodeAgent({ model, tools: [converter], maxSteps: 5 });
printAnswer(await agent.run("How much is 250 US dollars in yen and in pounds?"));
console.error(`(setup ran ${converter.setupCount} time for ${2} calls)`);
