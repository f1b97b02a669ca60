// Tools as modules: tool.save() writes a module that loadTool() (or
// ToolCollection.fromModule()) loads back from a path, a URL or npm:.

import { assert, assertEquals, assertRejects, assertStringIncludes } from "../_assert.ts";
import { BaseTool, tool, type ToolArgs } from "../../src/tool.ts";
import {
  freeNames,
  loadTool,
  saveTool,
  SerializationError,
  toolsFromModule,
  toolToModule,
} from "../../src/serialize/mod.ts";

const add = tool({
  name: "add",
  description: "Adds two numbers.",
  inputs: {
    a: { type: "number", description: "First" },
    b: { type: "number", description: "Second" },
  },
  outputType: "number",
  forward: ({ a, b }) => a + b,
});

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "smoldeno-tool-test-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("tool.save() writes a module that loadTool() loads back, with the same schema and behaviour", async () => {
  await withDir(async (dir) => {
    await add.save(`${dir}/add.ts`);
    const text = await Deno.readTextFile(`${dir}/add.ts`);
    assertStringIncludes(text, "export default {");
    assertStringIncludes(text, '"Adds two numbers."');
    const loaded = await loadTool(`${dir}/add.ts`, { trustRemoteCode: true });
    assertEquals(
      [loaded.name, loaded.description, loaded.inputs, loaded.outputType],
      [add.name, add.description, add.inputs, add.outputType],
    );
    assertEquals(await loaded.call({ a: 2, b: 40 }), 42);
    // The loaded tool validates its arguments like any tool.
    await assertRejects(() => loaded.call({ a: "two" }), Error, "b");
  });
});

Deno.test("tool.save() keeps a method-style forward, an async one, requiresApproval and an output schema", async () => {
  const greet = tool({
    name: "greet",
    description: "Greets.",
    inputs: { who: { type: "string", description: "Name" } },
    outputType: "object",
    outputSchema: { type: "object", properties: { text: { type: "string" } } },
    requiresApproval: (args) => args.who === "boss",
    async forward({ who }) {
      await Promise.resolve();
      return { text: `hello ${who}` };
    },
  });
  await withDir(async (dir) => {
    await greet.save(`${dir}/greet.ts`);
    const loaded = await loadTool(`${dir}/greet.ts`, { trustRemoteCode: true });
    assertEquals(await loaded.call({ who: "ann" }), { text: "hello ann" });
    assertEquals(loaded.outputSchema, greet.outputSchema);
    const approval = loaded.requiresApproval as (args: Record<string, unknown>) => boolean;
    assertEquals([approval({ who: "boss" }), approval({ who: "ann" })], [true, false]);
  });
});

Deno.test("tool.save() refuses a forward that uses a name defined outside it, and names it", async () => {
  const secretTable = new Map([["x", "1"]]);
  const leaky = tool({
    name: "leaky",
    description: "Uses an outside variable.",
    inputs: { key: { type: "string", description: "Key" } },
    outputType: "string",
    forward: ({ key }) => secretTable.get(key) ?? "",
  });
  await withDir(async (dir) => {
    const error = await assertRejects(
      () => leaky.save(`${dir}/leaky.ts`),
      SerializationError,
      '"secretTable"',
    );
    assertEquals(error.kind, "not_self_contained");
    assertEquals([...Deno.readDirSync(dir)], [], "nothing is written");
  });
});

Deno.test("tool.save() accepts outside names given as imports, and still catches other outside names", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/helpers.ts`, "export const double = (n: number) => n * 2;\n");
    const helpers = await import(new URL(`file://${dir}/helpers.ts`).href);
    const doubler = tool({
      name: "doubler",
      description: "Doubles a number.",
      inputs: { n: { type: "number", description: "Number" } },
      outputType: "number",
      forward: ({ n }) => helpers.double(n),
    });
    await doubler.save(`${dir}/doubler.ts`, {
      imports: ['import * as helpers from "./helpers.ts";'],
    });
    assertEquals(
      await (await loadTool(`${dir}/doubler.ts`, { trustRemoteCode: true })).call({ n: 4 }),
      8,
    );

    const inner = tool({
      name: "inner",
      description: "Imports inside forward.",
      inputs: { n: { type: "number", description: "Number" } },
      outputType: "number",
      forward: async ({ n }) => {
        const { double } = await import(`file://${dir}/helpers.ts`);
        return double(n) + 1;
      },
    });
    // `dir` is an outside name too: the check catches it.
    await assertRejects(() => inner.save(`${dir}/inner.ts`), SerializationError, '"dir"');
  });
});

Deno.test("a BaseTool subclass is saved as its class and loaded with new", async () => {
  class Counter extends BaseTool<{ step: { type: "integer"; description: string } }, "integer"> {
    #count = 0;
    constructor() {
      super({
        name: "counter",
        description: "Counts up.",
        inputs: { step: { type: "integer", description: "Step" } },
        outputType: "integer",
      });
    }
    protected override setup(): void {
      this.#count = 100;
    }
    protected forward(
      { step }: ToolArgs<{ step: { type: "integer"; description: string } }>,
    ): number {
      this.#count += step;
      return this.#count;
    }
  }
  await withDir(async (dir) => {
    await new Counter().save(`${dir}/counter.ts`);
    const text = await Deno.readTextFile(`${dir}/counter.ts`);
    assertStringIncludes(text, 'import { BaseTool } from "@smoldeno/agents";');
    const loaded = await loadTool(`${dir}/counter.ts`, { trustRemoteCode: true });
    assert(loaded instanceof BaseTool, "the loaded tool is a BaseTool");
    assertEquals(await loaded.call({ step: 2 }), 102);
    assertEquals(await loaded.call({ step: 3 }), 105);
  });
});

Deno.test("a tool class that needs constructor arguments is refused at save", async () => {
  class Greeter extends BaseTool<Record<string, never>, "string"> {
    #word: string;
    constructor(word: string) {
      super({ name: "greeter", description: "Greets.", inputs: {}, outputType: "string" });
      this.#word = word;
    }
    protected forward(): string {
      return this.#word;
    }
  }
  await withDir(async (dir) => {
    await assertRejects(
      () => new Greeter("hi").save(`${dir}/greeter.ts`),
      SerializationError,
      "constructor arguments",
    );
  });
});

Deno.test("saveTool() writes an object-literal tool with its call()", async () => {
  await withDir(async (dir) => {
    await saveTool({
      name: "echo",
      description: "Echoes.",
      inputs: { text: { type: "string", description: "Text" } },
      outputType: "string",
      call: (args: Record<string, unknown>) => Promise.resolve(`echo ${args.text}`),
    }, `${dir}/echo.ts`);
    const loaded = await loadTool(`${dir}/echo.ts`, { trustRemoteCode: true });
    assertEquals(await loaded.call({ text: "x" }), "echo x");
  });
});

Deno.test("loadTool() refuses without trustRemoteCode, before importing anything", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/boom.ts`,
      `await Deno.writeTextFile(${JSON.stringify(`${dir}/ran`)}, "x");\nexport default 1;\n`,
    );
    for (const options of [undefined, {}, { trustRemoteCode: false }]) {
      await assertRejects(
        () => loadTool(`${dir}/boom.ts`, options as never),
        TypeError,
        "trustRemoteCode: true",
      );
    }
    await assertRejects(() => Deno.stat(`${dir}/ran`), Deno.errors.NotFound);
  });
});

Deno.test("loadTool() explains a module that exports no tool, a missing module, and a module that fails", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/none.ts`,
      "export const x = 1;\nexport default { hello: true };\n",
    );
    const none = await assertRejects(
      () => loadTool(`${dir}/none.ts`, { trustRemoteCode: true }),
      SerializationError,
      "exports no tool",
    );
    assertEquals(none.kind, "no_tool");
    const missing = await assertRejects(
      () => loadTool(`${dir}/absent.ts`, { trustRemoteCode: true }),
      SerializationError,
      "absent.ts",
    );
    assertEquals(missing.kind, "not_found");
    await Deno.writeTextFile(`${dir}/throws.ts`, 'throw new Error("broken module");\n');
    const failed = await assertRejects(
      () => loadTool(`${dir}/throws.ts`, { trustRemoteCode: true }),
      SerializationError,
      "broken module",
    );
    assertEquals(failed.kind, "import_failed");
    await Deno.writeTextFile(
      `${dir}/bad.ts`,
      'export default { name: "bad name", description: "x", inputs: {}, outputType: "string", forward: () => "" };\n',
    );
    await assertRejects(
      () => loadTool(`${dir}/bad.ts`, { trustRemoteCode: true }),
      SerializationError,
      "not a valid tool",
    );
  });
});

Deno.test("loadTool() picks the default export, or the only tool, or the one named; toolsFromModule() takes them all", async () => {
  await withDir(async (dir) => {
    const def = (name: string) =>
      `{ name: "${name}", description: "Tool ${name}.", inputs: {}, outputType: "string", forward: () => "${name}" }`;
    await Deno.writeTextFile(
      `${dir}/two.ts`,
      `export const a = ${def("a")};\nexport const b = ${def("b")};\n`,
    );
    await assertRejects(
      () => loadTool(`${dir}/two.ts`, { trustRemoteCode: true }),
      SerializationError,
      "several tools",
    );
    assertEquals((await loadTool(`${dir}/two.ts`, { trustRemoteCode: true, name: "b" })).name, "b");
    assertEquals(
      (await toolsFromModule(`${dir}/two.ts`, { trustRemoteCode: true })).map((t) => t.name),
      ["a", "b"],
    );
    await Deno.writeTextFile(
      `${dir}/one.ts`,
      `export const only = ${def("only")};\nexport const n = 3;\n`,
    );
    assertEquals((await loadTool(`${dir}/one.ts`, { trustRemoteCode: true })).name, "only");
  });
});

Deno.test("loadTool() loads a tool module served over http (local server)", async () => {
  const source = toolToModule(add);
  const requests: string[] = [];
  await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    requests.push(new URL(req.url).pathname);
    return new Response(source, { headers: { "content-type": "application/typescript" } });
  });
  const url = `http://127.0.0.1:${server.addr.port}/tools/add.ts`;
  // In a child process with a copy of the lockfile: Deno records every
  // remote module it imports in the lockfile, and this URL's port changes
  // from run to run, so an import here would add a line to deno.lock each time.
  await withDir(async (dir) => {
    const root = new URL("../../", import.meta.url);
    await Deno.copyFile(new URL("deno.lock", root), `${dir}/deno.lock`);
    await Deno.writeTextFile(
      `${dir}/load.ts`,
      `import { loadTool } from ${JSON.stringify(new URL("src/serialize/mod.ts", root).href)};\n` +
        `const loaded = await loadTool(Deno.args[0], { trustRemoteCode: true });\n` +
        `console.log(JSON.stringify([loaded.name, await loaded.call({ a: 1, b: 2 })]));\n`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        `--config=${new URL("deno.json", root).pathname}`,
        `--lock=${dir}/deno.lock`,
        `${dir}/load.ts`,
        url,
      ],
      stdin: "null",
    }).output();
    const text = new TextDecoder();
    assert(out.success, text.decode(out.stderr));
    assertEquals(JSON.parse(text.decode(out.stdout)), ["add", 3]);
  });
  assertEquals(requests, ["/tools/add.ts"]);
});

Deno.test("loadTool() resolves npm: specifiers, and a package without a tool gets the no-tool error", async () => {
  // No package on npm exports a smoldeno tool yet: this checks that npm:
  // resolves through loadTool and that the error says what was missing.
  const error = await assertRejects(
    () => loadTool("npm:yaml@^2.8.1", { trustRemoteCode: true }),
    SerializationError,
    "exports no tool",
  );
  assertEquals(error.kind, "no_tool");
});

Deno.test("loadTool() reports a jsr: package it cannot fetch as an import failure naming it", async () => {
  // JSR is not reachable from this machine, so only the failure path runs here.
  const error = await assertRejects(
    () => loadTool("jsr:@smoldeno/example-tools@1", { trustRemoteCode: true }),
    SerializationError,
    "jsr:@smoldeno/example-tools@1",
  );
  assert(["not_found", "import_failed"].includes(error.kind), error.kind);
});

Deno.test("a saved tool may import npm packages inside forward", async () => {
  const toYaml = tool({
    name: "to_yaml",
    description: "Writes an object as YAML.",
    inputs: { value: { type: "object", description: "Any object" } },
    outputType: "string",
    forward: async ({ value }) => {
      const { stringify } = await import("npm:yaml@^2.8.1");
      return stringify(value);
    },
  });
  await withDir(async (dir) => {
    await toYaml.save(`${dir}/to_yaml.ts`);
    const loaded = await loadTool(`${dir}/to_yaml.ts`, { trustRemoteCode: true });
    assertEquals(await loaded.call({ value: { a: 1 } }), "a: 1\n");
  });
});

Deno.test("freeNames() ignores property names, parameters, locals and globals", async () => {
  assertEquals(
    await freeNames(
      "export default { forward: ({ a }, { signal }) => { const b = { c: a }; label: for (const x of [1]) { break label; } return fetch(b.c, { signal }) + outside + JSON.stringify(x) } };",
    ),
    ["outside"],
  );
});

Deno.test("ToolCollection.fromModule() collects every tool a module exports, and needs trustRemoteCode", async () => {
  const { ToolCollection } = await import("../../tools/mcp.ts");
  await withDir(async (dir) => {
    await add.save(`${dir}/add.ts`);
    await Deno.writeTextFile(
      `${dir}/all.ts`,
      'export { default as add } from "./add.ts";\nexport const neg = { name: "neg", description: "Negates.", inputs: { n: { type: "number", description: "N" } }, outputType: "number", forward: ({ n }) => -n };\n',
    );
    await assertRejects(
      () => ToolCollection.fromModule(`${dir}/all.ts`, { trustRemoteCode: false }),
      TypeError,
      "trustRemoteCode: true",
    );
    await using collection = await ToolCollection.fromModule(`${dir}/all.ts`, {
      trustRemoteCode: true,
    });
    assertEquals(collection.tools.map((t) => t.name).sort(), ["add", "neg"]);
    assertEquals(await collection.tools.find((t) => t.name === "neg")!.call({ n: 2 }), -2);
  });
});
