// CodeAgent's typeCheck option, through real runs: ScriptedModel replies
// written the way models write them, the real DenoExecutor sandbox, and the
// TypeScript compiler in process.
import { CodeAgent } from "../../src/agents/code_agent.ts";
import { LogLevel } from "../../src/logger.ts";
import type { ActionStep, MemoryStep } from "../../src/memory.ts";
import { ScriptedModel } from "../../src/testing.ts";
import { tool } from "../../src/tool.ts";
import { assert, assertEquals, assertStringIncludes, assertThrows } from "../_assert.ts";

const OFF = LogLevel.OFF;

const actions = (steps: MemoryStep[]): ActionStep[] =>
  steps.filter((s): s is ActionStep => s.type === "action");

// 1-based column of `needle` in `line`, where the compiler should point.
const columnOf = (line: string, needle: string): number => {
  const index = line.indexOf(needle);
  assert(index >= 0, `${JSON.stringify(needle)} is not in ${JSON.stringify(line)}`);
  return index + 1;
};

// The text the model received after the given step (its observation).
const seenAfter = (model: ScriptedModel, call: number): string =>
  JSON.stringify(model.calls[call].messages.slice(-2));

function weatherTool(calls: string[]) {
  return tool({
    name: "get_weather",
    description: "Weather report for a city.",
    inputs: { city: { type: "string", description: "City name" } },
    outputType: "string",
    forward: ({ city }) => {
      calls.push(city);
      return `Sunny in ${city}`;
    },
  });
}

function emailTool(sent: string[]) {
  return tool({
    name: "send_email",
    description: "Sends an email and returns its id.",
    inputs: {
      to: { type: "string", description: "Recipient address" },
      body: { type: "string", description: "Text of the email" },
    },
    outputType: "string",
    forward: ({ to }) => {
      sent.push(to);
      return `email-${sent.length}`;
    },
  });
}

Deno.test('CodeAgent with typeCheck: "block" does not run a tool call with a wrong argument name, and tells the model where', async () => {
  const sent: string[] = [];
  const wrong = 'await send_email({ recipient: "ann@example.com", body: "Hi Ann" });';
  const model = new ScriptedModel({
    replies: [
      `Thought: I will email Ann, then report the id.\n<code>\nconsole.log("sending");\n${wrong}\n</code>`,
      'Thought: the input is called "to".\n<code>\nconst id = await send_email({ to: "ann@example.com", body: "Hi Ann" });\nfinal_answer(id);\n</code>',
    ],
  });
  await using agent = new CodeAgent({
    model,
    tools: [emailTool(sent)],
    typeCheck: "block",
    logLevel: OFF,
  });
  const result = await agent.run("Say hi to Ann by email", { returnFullResult: true });
  assertEquals(result.output, "email-1");
  assertEquals(sent, ["ann@example.com"], "only the corrected step sent an email");
  const [blocked, fixed] = actions(result.steps);
  assertEquals(blocked.typeCheck?.blocked, true);
  assertEquals(blocked.typeCheck?.diagnostics.length, 1);
  const [diagnostic] = blocked.typeCheck!.diagnostics;
  assertEquals(
    { line: diagnostic.line, column: diagnostic.column, code: diagnostic.code },
    { line: 2, column: columnOf(wrong, "recipient"), code: 2353 },
  );
  assertStringIncludes(diagnostic.message, "'recipient' does not exist");
  assertEquals(blocked.error, undefined);
  assertStringIncludes(blocked.observations ?? "", "The code was not run");
  assert(!blocked.observations?.includes("sending"), "nothing of it ran, not even the log line");
  assertEquals(fixed.typeCheck, undefined);
  const seen = seenAfter(model, 1);
  assertStringIncludes(seen, "The code was not run: type-checking found 1 error in it");
  assertStringIncludes(seen, `line 2, column ${columnOf(wrong, "recipient")}:`);
  assertStringIncludes(seen, "(TS2353)");
});

Deno.test('CodeAgent with typeCheck: "block" reports a wrong argument type for a tool', async () => {
  const calls: string[] = [];
  const wrong = "const report = await get_weather({ city: 75001 });";
  const model = new ScriptedModel({
    replies: [
      `I'll look up the weather by postcode.\n\n\`\`\`ts\n${wrong}\nfinal_answer(report);\n\`\`\``,
      'The city must be a name.\n\n```ts\nfinal_answer(await get_weather({ city: "Paris" }));\n```',
    ],
  });
  await using agent = new CodeAgent({
    model,
    tools: [weatherTool(calls)],
    typeCheck: "block",
    codeBlockTags: "markdown",
    logLevel: OFF,
  });
  const result = await agent.run("Weather in Paris?", { returnFullResult: true });
  assertEquals(result.output, "Sunny in Paris");
  assertEquals(calls, ["Paris"]);
  const [diagnostic] = actions(result.steps)[0].typeCheck?.diagnostics ?? [];
  assertEquals(diagnostic?.code, 2322);
  assertEquals([diagnostic.line, diagnostic.column], [1, columnOf(wrong, "city")]);
  assertStringIncludes(diagnostic.message, "Type 'number' is not assignable to type 'string'");
});

Deno.test('CodeAgent with typeCheck: "block" reports a misspelled tool with the right name', async () => {
  const calls: string[] = [];
  const wrong = 'const report = await get_wether({ city: "Oslo" });';
  const model = new ScriptedModel({
    replies: [
      `Thought: get the weather.\n<code>\n${wrong}\nfinal_answer(report);\n</code>`,
      '<code>\nfinal_answer(await get_weather({ city: "Oslo" }));\n</code>',
    ],
  });
  await using agent = new CodeAgent({
    model,
    tools: [weatherTool(calls)],
    typeCheck: "block",
    logLevel: OFF,
  });
  const result = await agent.run("Weather in Oslo?", { returnFullResult: true });
  assertEquals(result.output, "Sunny in Oslo");
  const [diagnostic] = actions(result.steps)[0].typeCheck?.diagnostics ?? [];
  assertEquals(diagnostic?.code, 2552);
  assertEquals([diagnostic.line, diagnostic.column], [1, columnOf(wrong, "get_wether")]);
  assertStringIncludes(diagnostic.message, "Did you mean 'get_weather'?");
});

Deno.test('CodeAgent with typeCheck: "warn" runs code that uses a tool result without await, and adds the warning to what the model reads', async () => {
  const calls: string[] = [];
  const line = "console.log(report.toUpperCase());";
  const model = new ScriptedModel({
    replies: [
      `Thought: shout the report.\n<code>\nconst report = get_weather({ city: "Rome" });\n${line}\n</code>`,
      '<code>\nfinal_answer((await get_weather({ city: "Rome" })).toUpperCase());\n</code>',
    ],
  });
  await using agent = new CodeAgent({
    model,
    tools: [weatherTool(calls)],
    typeCheck: "warn",
    logLevel: OFF,
  });
  const result = await agent.run("Shout the weather in Rome", { returnFullResult: true });
  assertEquals(result.output, "SUNNY IN ROME");
  const [first] = actions(result.steps);
  // It ran: the tool was called, and the missing await failed at run time.
  assertEquals(calls, ["Rome", "Rome"]);
  assertStringIncludes(first.error?.message ?? "", "toUpperCase");
  assertEquals(first.typeCheck?.blocked, false);
  const [diagnostic] = first.typeCheck?.diagnostics ?? [];
  assertEquals(diagnostic?.code, 2339);
  assertEquals([diagnostic.line, diagnostic.column], [2, columnOf(line, "toUpperCase")]);
  assertStringIncludes(diagnostic.message, "on type 'Promise<string>'");
  assertStringIncludes(diagnostic.message, "Did you forget to use 'await'?");
  const seen = seenAfter(model, 1);
  assertStringIncludes(seen, "Type-checking found 1 error in this code (it ran anyway)");
  assertStringIncludes(seen, "Did you forget to use 'await'?");
});

Deno.test('CodeAgent with typeCheck: "block" runs valid code that uses what earlier steps defined, redeclares it, and uses globals, imports and untyped JavaScript', async () => {
  const calls: string[] = [];
  const model = new ScriptedModel({
    replies: [
      [
        "Thought: first I collect the reports.",
        "<code>",
        'import { join } from "node:path";',
        'const cities = ["Paris", "Oslo"];',
        "let reports = [];",
        "for (const city of cities) reports.push(await get_weather({ city }));",
        "function shout(text: string) {",
        "  return text.toUpperCase();",
        "}",
        "class Tally {",
        "  count = 0;",
        "}",
        "seen = reports.length;",
        "console.log(join('a', 'b'), reports);",
        "</code>",
      ].join("\n"),
      [
        "Thought: now one more city; I redefine the list.",
        "<code>",
        'const cities = ["Rome"];',
        "reports.push(await get_weather({ city: cities[0] }));",
        "const tally = new Tally();",
        "tally.count = reports.length + seen + budget;",
        "const summary = {};",
        "summary.loud = reports.map(shout);",
        'const elapsed = new Date() - new Date("2024-01-01");',
        "console.log(typeof Deno.cwd, typeof fetch, elapsed > 0, join('c', 'd'));",
        "summary",
        "</code>",
      ].join("\n"),
      "Thought: done.\n<code>\nfinal_answer({ count: tally.count, loud: summary.loud, last: cities[0] });\n</code>",
    ],
  });
  await using agent = new CodeAgent({
    model,
    tools: [weatherTool(calls)],
    typeCheck: "block",
    authorizedImports: ["node:path"],
    logLevel: OFF,
  });
  const result = await agent.run("Weather in three cities", {
    returnFullResult: true,
    additionalArgs: { budget: 10 },
  });
  const steps = actions(result.steps);
  assertEquals(steps.map((s) => s.typeCheck), [undefined, undefined, undefined]);
  assertEquals(steps.map((s) => s.error), [undefined, undefined, undefined]);
  assertEquals(calls, ["Paris", "Oslo", "Rome"]);
  assertEquals(result.output, {
    count: 3 + 2 + 10,
    loud: ["SUNNY IN PARIS", "SUNNY IN OSLO", "SUNNY IN ROME"],
    last: "Rome",
  });
});

Deno.test('CodeAgent with typeCheck: "block" reports a misspelled name, suggesting what an earlier step defined', async () => {
  const model = new ScriptedModel({
    replies: [
      "<code>\nconst rates = { EUR: 1 };\nconsole.log(rates.EUR);\n</code>",
      "<code>\nfinal_answer(rates.EUR + ratez.USD);\n</code>",
      "<code>\nfinal_answer(rates.EUR);\n</code>",
    ],
  });
  await using agent = new CodeAgent({ model, typeCheck: "block", logLevel: OFF });
  const result = await agent.run("Rates?", { returnFullResult: true });
  assertEquals(result.output, 1);
  const steps = actions(result.steps);
  assertEquals(steps[0].typeCheck, undefined);
  assertEquals(steps[1].typeCheck?.diagnostics.map((d) => d.code), [2552]);
  assertStringIncludes(steps[1].typeCheck!.diagnostics[0].message, "Did you mean 'rates'?");
});

Deno.test('CodeAgent with typeCheck: "block" does not call a tool that "warn" calls, for the same code', async () => {
  const code = "const doubled = count_items({}) * 2;\nconsole.log(doubled);";
  const run = async (typeCheck: "warn" | "block") => {
    let counted = 0;
    const countItems = tool({
      name: "count_items",
      description: "Counts the items in the basket (and logs the count).",
      inputs: {},
      outputType: "number",
      forward: () => ++counted,
    });
    const model = new ScriptedModel({
      replies: [
        `Thought: count, then double.\n<code>\n${code}\n</code>`,
        "<code>\nfinal_answer((await count_items({})) * 2);\n</code>",
      ],
    });
    await using agent = new CodeAgent({ model, tools: [countItems], typeCheck, logLevel: OFF });
    const result = await agent.run("Twice the basket count?", { returnFullResult: true });
    return { result, counted, first: actions(result.steps)[0], model };
  };

  const blocked = await run("block");
  assertEquals(blocked.counted, 1, "block: only the corrected code called the tool");
  assertEquals(blocked.result.output, 2);
  assertEquals(blocked.first.typeCheck?.blocked, true);
  assertStringIncludes(seenAfter(blocked.model, 1), "The code was not run");

  const warned = await run("warn");
  assertEquals(warned.counted, 2, "warn: both codes called the tool");
  assertEquals(warned.result.output, 4);
  assertStringIncludes(warned.first.observations ?? "", "NaN", "the missing await ran as written");
  assertEquals(warned.first.typeCheck?.blocked, false);
  assertEquals(warned.first.typeCheck?.diagnostics.map((d) => d.code), [2362]);
  assertStringIncludes(
    warned.first.typeCheck!.diagnostics[0].message,
    "Did you forget to use 'await'?",
  );
  assertStringIncludes(warned.first.observations ?? "", "it ran anyway");
});

Deno.test("CodeAgent rejects an unknown typeCheck at construction", () => {
  const model = new ScriptedModel({ replies: [] });
  assertThrows(
    () => new CodeAgent({ model, logLevel: OFF, typeCheck: "strict" as never }),
    TypeError,
    'typeCheck must be "off", "warn" or "block", got "strict"',
  );
  assertEquals(model.calls.length, 0);
});

// The modules Deno loads for `file` at run time: static code imports only
// (dynamic ones load on first use, type-only ones never).
async function loadedModules(file: string): Promise<{ loaded: string[]; dynamic: string[] }> {
  const { stdout, success } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", new URL(file, import.meta.url).pathname],
    stdout: "piped",
    stderr: "null",
  }).output();
  assert(success, `deno info ${file} failed`);
  const graph = JSON.parse(new TextDecoder().decode(stdout)) as {
    roots: string[];
    modules: {
      specifier: string;
      dependencies?: { code?: { specifier?: string }; isDynamic?: boolean }[];
    }[];
    redirects?: Record<string, string>;
  };
  const resolve = (s: string) => graph.redirects?.[s] ?? s;
  const bySpecifier = new Map(graph.modules.map((m) => [m.specifier, m]));
  const loaded = new Set<string>();
  const dynamic = new Set<string>();
  const queue = graph.roots.map(resolve);
  while (queue.length > 0) {
    const specifier = queue.pop()!;
    if (loaded.has(specifier)) continue;
    loaded.add(specifier);
    for (const dep of bySpecifier.get(specifier)?.dependencies ?? []) {
      const target = dep.code?.specifier;
      if (target === undefined) continue;
      if (dep.isDynamic) dynamic.add(resolve(target));
      else queue.push(resolve(target));
    }
  }
  return { loaded: [...loaded], dynamic: [...dynamic] };
}

const isTypeScript = (specifier: string) => /^npm:\/?typescript@/.test(specifier);

Deno.test("importing mod.ts loads no typescript: the type checker imports it on first use", async () => {
  const root = await loadedModules("../../mod.ts");
  assert(
    root.loaded.some((s) => s.endsWith("/src/agents/_type_check_engine.ts")),
    "the loader is in",
  );
  assertEquals(root.loaded.filter(isTypeScript), []);
  // The check can see typescript where it is imported.
  assert(root.dynamic.some(isTypeScript), "typescript is a dynamic import of the checker");
});

Deno.test('CodeAgent with typeCheck: "off" (the default) never loads the compiler; "warn" starts loading it before the first model call', async () => {
  // A fresh process: in this one, earlier tests have loaded the compiler.
  const url = (path: string) => JSON.stringify(new URL(path, import.meta.url).href);
  const script = `
    import { CodeAgent, LogLevel } from ${url("../../mod.ts")};
    import { ScriptedModel } from ${url("../../src/testing.ts")};
    import { isTypeScriptLoaded } from ${url("../../src/agents/_type_check_engine.ts")};
    const run = async (typeCheck) => {
      let loadingWhenAsked;
      const model = new ScriptedModel({
        replies: [() => {
          loadingWhenAsked = isTypeScriptLoaded();
          return "Thought: easy.\\n<code>\\nfinal_answer(6 * 7);\\n</code>";
        }],
      });
      const options = typeCheck ? { typeCheck } : {};
      await using agent = new CodeAgent({ model, logLevel: LogLevel.OFF, ...options });
      const answer = await agent.run("6 * 7?");
      return \`\${answer} \${loadingWhenAsked}\`;
    };
    console.log(await run(undefined), "|", await run("off"), "|", isTypeScriptLoaded());
    console.log(await run("warn"));
  `;
  const { stdout, stderr, success } = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-check", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(success, new TextDecoder().decode(stderr));
  assertEquals(new TextDecoder().decode(stdout), "42 false | 42 false | false\n42 true\n");
});

Deno.test('CodeAgent with typeCheck: "block" fails the run with a clear error when the compiler cannot load, and "off" runs there', async () => {
  const url = (path: string) => JSON.stringify(new URL(path, import.meta.url).href);
  // An executor that needs no permission, so that the process can have none:
  // loading typescript needs env access (it reads TSC_* variables).
  const script = `
    import { CodeAgent, LogLevel } from ${url("../../mod.ts")};
    import { ScriptedModel } from ${url("../../src/testing.ts")};
    const executor = {
      sendTools: async () => {},
      sendVariables: async () => {},
      execute: async () => ({ output: 1, logs: "", isFinalAnswer: true }),
      close: async () => {},
      [Symbol.asyncDispose]: async () => {},
    };
    for (const typeCheck of ["off", "block"]) {
      const model = new ScriptedModel({ replies: ["<code>\\nfinal_answer(1);\\n</code>"] });
      await using agent = new CodeAgent({ model, executor, typeCheck, logLevel: LogLevel.OFF });
      try {
        console.log(typeCheck, "answered", await agent.run("1?"));
      } catch (error) {
        console.log(typeCheck, "failed:", error.message);
      }
    }
  `;
  const file = await Deno.makeTempFile({ suffix: ".js" });
  try {
    await Deno.writeTextFile(file, script);
    const { stdout, stderr, success } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-prompt",
        "--config",
        new URL("../../deno.json", import.meta.url).pathname,
        file,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert(success, new TextDecoder().decode(stderr));
    const [off, block] = new TextDecoder().decode(stdout).trimEnd().split("\n");
    assertEquals(off, "off answered 1");
    assertStringIncludes(
      block,
      "block failed: Cannot type-check the code: loading the TypeScript compiler failed:",
    );
    assertStringIncludes(block, 'set typeCheck: "off"');
  } finally {
    await Deno.remove(file);
  }
});
