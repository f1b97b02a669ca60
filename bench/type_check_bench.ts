/**
 * What `typeCheck` costs a CodeAgent step: the cold warm-up (in fresh
 * processes, as a run pays it, overlapped with its first model call), then
 * each step's check once warm, next to its floors measured in the same run
 * (parsing the step alone; checking an empty step with the same REPL state,
 * i.e. building the program and its checker). Prints one markdown table.
 *
 * `deno run -A bench/type_check_bench.ts` (BENCH_RUNS sessions of six
 * steps, default 20; BENCH_COLD fresh processes, default 5).
 *
 * @module
 */

import ts from "typescript";
import { StepTypeChecker } from "../src/agents/_type_check.ts";
import { toolToTypeScript } from "../src/_tool_render.ts";
import { tool } from "../src/tool.ts";
import { median, stats } from "./_bench.ts";

const RUNS = Number(Deno.env.get("BENCH_RUNS") ?? 20);
const COLD = Number(Deno.env.get("BENCH_COLD") ?? 5);

const TOOLS = [
  tool({
    name: "get_weather",
    description: "Weather report for a city.",
    inputs: { city: { type: "string", description: "City name" } },
    outputType: "string",
    forward: ({ city }) => `Sunny in ${city}`,
  }),
  tool({
    name: "search_flights",
    description: "Lists flights between two cities on a date.",
    inputs: {
      from: { type: "string", description: "Departure city" },
      to: { type: "string", description: "Arrival city" },
      date: { type: "string", description: "ISO date" },
    },
    outputType: "array",
    outputSchema: {
      type: "array",
      items: {
        type: "object",
        properties: { airline: { type: "string" }, price: { type: "number" } },
        required: ["airline", "price"],
      },
    },
    forward: () => [],
  }),
  tool({
    name: "convert_currency",
    description: "Converts an amount between currencies.",
    inputs: {
      amount: { type: "number", description: "Amount" },
      from: { type: "string", description: "ISO code" },
      to: { type: "string", description: "ISO code" },
    },
    outputType: "number",
    forward: ({ amount }) => amount,
  }),
  tool({
    name: "visit_webpage",
    description: "The page at a URL, as markdown.",
    inputs: { url: { type: "string", description: "The URL" } },
    outputType: "string",
    forward: () => "",
  }),
];
const DECLARATIONS = [
  ...TOOLS.map((t) => toolToTypeScript(t)),
  "declare function final_answer(answer: any): void;",
];

// A session's steps, as models write them: each uses what the earlier ones defined.
const STEPS = [
  `const cities = ["Paris", "Oslo", "Rome"];
const reports = [];
for (const city of cities) {
  const report = await get_weather({ city });
  reports.push({ city, report });
}
console.log(reports);`,
  `const flights = await search_flights({ from: "Oslo", to: "Paris", date: "2024-06-01" });
const cheapest = flights.sort((a, b) => a.price - b.price)[0];
console.log(cheapest.airline, cheapest.price);`,
  `const eur = await convert_currency({ amount: cheapest.price, from: "NOK", to: "EUR" });
const summary = reports.map((r) => \`\${r.city}: \${r.report}\`).join("\\n");
console.log(summary, eur.toFixed(2), budget);`,
  `function score(report: string): number {
  return report.includes("Sunny") ? 2 : report.includes("Cloudy") ? 1 : 0;
}
const ranked = reports.map((r) => ({ ...r, score: score(r.report) }))
  .sort((a, b) => b.score - a.score);
console.log(ranked);`,
  `const page = await visit_webpage({ url: "https://example.com/paris" });
const lines = page.split("\\n").filter((l) => l.trim().length > 0).slice(0, 5);
console.log(lines.join("\\n"));`,
  `final_answer({ best: ranked[0].city, price: eur, notes: lines.length });`,
];
const WITH_ERROR = `const rate = await convert_currency({ value: 100, from: "NOK", to: "EUR" });
console.log(rate.toFixed(2));`;
const WITH_GLOBAL = `total = 0;
for (const r of reports) total += r.report.length;
console.log(total);`;

async function timeIt(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

function session(): StepTypeChecker {
  const checker = new StepTypeChecker();
  checker.setTools(DECLARATIONS);
  checker.addVariables({ budget: 1000 });
  return checker;
}

// A fresh process: how long loading the compiler takes, then the libs and
// the first program, then the first step.
if (Deno.args[0] === "--cold") {
  const load = await timeIt(() => import("typescript"));
  const checker = session();
  const warm = await timeIt(async () => {
    checker.warmUp();
    await checker.check("");
  });
  const first = await timeIt(() => checker.check(STEPS[0]));
  console.log(JSON.stringify({ load, warm, first }));
  Deno.exit(0);
}

const cold: { load: number; warm: number; first: number }[] = [];
for (let i = 0; i < COLD; i++) {
  const { stdout, success } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(import.meta.url).pathname, "--cold"],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!success) throw new Error("The cold-start child process failed");
  cold.push(JSON.parse(new TextDecoder().decode(stdout)));
}

// Warm: the engine is loaded once per process, as in an agent's later runs.
await session().check("");
const parse: number[] = [];
const empty: number[] = [];
const steps: number[] = [];
const errors: number[] = [];
const globals: number[] = [];
let found = 0;
for (let run = 0; run < RUNS; run++) {
  const checker = session();
  for (const code of STEPS) {
    parse.push(
      await timeIt(() => ts.createSourceFile("/step.ts", code, ts.ScriptTarget.ESNext, false)),
    );
    // The step is checked first, as in a run (its check also takes in the
    // step committed before it), then the empty step with the same state:
    // the two alternate, so load on the machine hits them alike.
    let diagnostics = 0;
    steps.push(await timeIt(async () => (diagnostics = (await checker.check(code)).length)));
    if (diagnostics > 0) throw new Error(`A valid step got ${diagnostics} diagnostics:\n${code}`);
    empty.push(await timeIt(() => checker.check("")));
    await checker.check(code);
    checker.commit(code);
  }
  errors.push(await timeIt(async () => (found += (await checker.check(WITH_ERROR)).length)));
  globals.push(await timeIt(() => checker.check(WITH_GLOBAL)));
}
if (found !== RUNS) throw new Error(`The wrong argument was found ${found} times in ${RUNS}`);

const row = (what: string, xs: number[]) =>
  `| ${what} | ${xs.length} | ${median(xs).toFixed(1)} | ${stats(xs).p95.toFixed(1)} |`;
console.log(
  `Type-checking a CodeAgent step (TypeScript ${ts.version}, ${navigator.hardwareConcurrency} cores)

| What | n | median ms | p95 ms |
| --- | --- | --- | --- |
${row("cold: loading npm:typescript", cold.map((c) => c.load))}
${row("cold: parsing the libs, first program (warm-up)", cold.map((c) => c.warm))}
${row("cold: warm-up total", cold.map((c) => c.load + c.warm))}
${row("cold: first step after the warm-up", cold.map((c) => c.first))}
${row("floor: parsing a step alone", parse)}
${row("floor: checking an empty step (program + checker)", empty)}
${row("typical step, no error (steps 1–6 of a session)", steps)}
${row("step with a wrong tool argument (reported)", errors)}
${row("step assigning an undeclared global (checked twice)", globals)}`,
);
