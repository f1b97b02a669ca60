import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "./_assert.ts";
import { AgentToolCallError, AgentToolExecutionError } from "../src/errors.ts";
import { imageValue } from "../src/media.ts";
import {
  BaseTool,
  type Tool,
  tool,
  type ToolArgs,
  type ToolInputs,
  toolToJsonSchema,
  toolToTypeScript,
  validateTool,
} from "../src/tool.ts";

// Compile-time equality: `check<Equal<A, B>>(true)` fails to type-check when A and B differ.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true
  : false;
function check<T extends true>(_: T): void {}

const weather = tool({
  name: "get_weather",
  description: "Weather report for a city.",
  inputs: {
    city: { type: "string", description: "City name, e.g. 'Paris'" },
    units: {
      type: "string",
      enum: ["metric", "imperial"],
      description: "Unit system",
      nullable: true,
    },
    days: { type: "integer", description: "Days ahead", nullable: true },
  },
  outputType: "string",
  forward: ({ city, units, days }) => `${city}:${units ?? "metric"}:${days ?? 0}`,
});

Deno.test("tool() infers forward's argument type from inputs", () => {
  const inputs = {
    s: { type: "string", description: "s" },
    b: { type: "boolean", description: "b" },
    i: { type: "integer", description: "i" },
    n: { type: "number", description: "n" },
    a: { type: "array", description: "a" },
    o: { type: "object", description: "o" },
    x: { type: "any", description: "x" },
    img: { type: "image", description: "img" },
    multi: { type: ["string", "number"], description: "multi" },
    e: { type: "string", enum: ["a", "b"], description: "e" },
    opt: { type: ["string", "null"], description: "opt", nullable: true },
  } as const;
  type Args = ToolArgs<typeof inputs>;
  check<Equal<Args["s"], string>>(true);
  check<Equal<Args["b"], boolean>>(true);
  check<Equal<Args["i"], number>>(true);
  check<Equal<Args["a"], unknown[]>>(true);
  check<Equal<Args["o"], Record<string, unknown>>>(true);
  check<Equal<Args["x"], unknown>>(true);
  check<
    Equal<
      Args["img"],
      { readonly type: "image"; readonly mimeType: string; readonly data: Uint8Array }
    >
  >(
    true,
  );
  check<Equal<Args["multi"], string | number>>(true);
  check<Equal<Args["e"], "a" | "b">>(true);
  check<Equal<Args["opt"], string | null | undefined>>(true);
  // Required inputs are required properties, nullable ones optional.
  const ok: Args = {
    s: "",
    b: true,
    i: 1,
    n: 1,
    a: [],
    o: {},
    x: 1,
    img: imageValue(new Uint8Array(1), { mimeType: "image/png" }),
    multi: 1,
    e: "a",
  };
  // @ts-expect-error: "s" is required
  const missing: Args = { ...ok, s: undefined };
  assert(ok && missing);
});

Deno.test("tool() checks forward's return type against outputType", () => {
  tool({
    name: "n",
    description: "d",
    inputs: {},
    outputType: "number",
    // @ts-expect-error: a string is not a number
    forward: () => "not a number",
  });
  const t = tool({
    name: "o",
    description: "d",
    inputs: {},
    outputType: "object",
    forward: () => ({ a: 1 }),
  });
  check<Equal<Awaited<ReturnType<typeof t.call>>, object>>(true);
});

Deno.test("tool.call() runs forward with validated arguments", async () => {
  assertEquals(await weather.call({ city: "Paris" }), "Paris:metric:0");
  assertEquals(await weather.call({ city: "Oslo", units: "imperial", days: 2 }), "Oslo:imperial:2");
  assertEquals(await weather.call({ city: "Rome", units: null }), "Rome:metric:0");
});

Deno.test("tool.call() rejects an unknown input, naming the tool and the valid inputs", async () => {
  const err = await assertRejects(() => weather.call({ town: "Paris" }), AgentToolCallError);
  assertEquals(err.toolName, "get_weather");
  assertEquals(
    err.message,
    'Tool "get_weather" has no input "town": its inputs are "city", "units", "days"',
  );
});

Deno.test("tool.call() rejects a missing required input, saying what it expects", async () => {
  const err = await assertRejects(() => weather.call({ units: "metric" }), AgentToolCallError);
  assertEquals(
    err.message,
    `Tool "get_weather" is missing required input "city": expected a string (City name, e.g. 'Paris')`,
  );
});

Deno.test("tool.call() rejects a wrong type with the expected type and the value found", async () => {
  const err = await assertRejects(() => weather.call({ city: 42 }), AgentToolCallError);
  assertEquals(err.message, 'Input "city" of tool "get_weather" must be a string: got number 42');
  await assertRejects(
    () => weather.call({ city: "Paris", days: 1.5 }),
    AgentToolCallError,
    'Input "days" of tool "get_weather" must be an integer: got number 1.5',
  );
  await assertRejects(
    () => weather.call({ city: null }),
    AgentToolCallError,
    "must be a string: got null",
  );
});

Deno.test("tool.call() rejects a value outside the enum, listing the allowed values", async () => {
  await assertRejects(
    () => weather.call({ city: "Paris", units: "kelvin" }),
    AgentToolCallError,
    'Input "units" of tool "get_weather" must be one of "metric", "imperial": got string "kelvin"',
  );
});

Deno.test("tool.call() rejects arguments that are not an object, showing the call shape", async () => {
  await assertRejects(
    () => weather.call("Paris" as unknown as Record<string, unknown>),
    AgentToolCallError,
    'got string "Paris": call it as get_weather({ city: …, units: …, days: … })',
  );
  await assertRejects(
    () => weather.call(["Paris"] as unknown as Record<string, unknown>),
    AgentToolCallError,
    "takes one object of named arguments",
  );
});

Deno.test("tool.call() accepts an integer for a number input and rejects NaN", async () => {
  const half = tool({
    name: "half",
    description: "Halves a number.",
    inputs: { x: { type: "number", description: "x" } },
    outputType: "number",
    forward: ({ x }) => x / 2,
  });
  assertEquals(await half.call({ x: 3 }), 1.5);
  assertEquals(await half.call({ x: 0.5 }), 0.25);
  await assertRejects(() => half.call({ x: NaN }), AgentToolCallError, "got number NaN");
});

Deno.test("tool.call() checks image, audio, array, object, null and any inputs", async () => {
  const seen: unknown[] = [];
  const t = tool({
    name: "inspect",
    description: "Records its inputs.",
    inputs: {
      img: { type: "image", description: "img", nullable: true },
      list: { type: "array", description: "list", nullable: true },
      obj: { type: "object", description: "obj", nullable: true },
      nothing: { type: "null", description: "nothing", nullable: true },
      whatever: { type: "any", description: "whatever", nullable: true },
    },
    outputType: "null",
    forward: (args) => {
      seen.push(args);
      return null;
    },
  });
  const png = imageValue(new Uint8Array([0x89, 0x50, 0x4e, 0x47]));
  await t.call({ img: png, list: [1], obj: { a: 1 }, nothing: null, whatever: [2] });
  assertEquals(seen.length, 1);
  await assertRejects(
    () => t.call({ img: "cat.png" }),
    AgentToolCallError,
    'must be an image ({ type: "image", mimeType, data }): got string "cat.png"',
  );
  await assertRejects(
    () => t.call({ list: { 0: 1 } }),
    AgentToolCallError,
    "must be an array: got an object",
  );
  await assertRejects(
    () => t.call({ obj: [1] }),
    AgentToolCallError,
    "must be an object: got an array of 1 items",
  );
  await assertRejects(
    () => t.call({ nothing: 0 }),
    AgentToolCallError,
    "must be null: got number 0",
  );
});

Deno.test("tool.call() wraps what forward throws in AgentToolExecutionError with the cause", async () => {
  const cause = new RangeError("city not found");
  const failing = tool({
    name: "failing",
    description: "Always fails.",
    inputs: {},
    outputType: "string",
    forward: () => {
      throw cause;
    },
  });
  const err = await assertRejects(() => failing.call({}), AgentToolExecutionError);
  assertEquals(err.message, 'Tool "failing" failed: RangeError: city not found');
  assertEquals(err.toolName, "failing");
  assert(err.cause === cause);
});

Deno.test("tool.call() lets forward reject its own arguments with AgentToolCallError", async () => {
  const strict = tool({
    name: "strict",
    description: "Rejects empty strings.",
    inputs: { q: { type: "string", description: "query" } },
    outputType: "string",
    forward: ({ q }) => {
      if (!q) {
        throw new AgentToolCallError('Input "q" of tool "strict" must not be empty', {
          toolName: "strict",
        });
      }
      return q;
    },
  });
  await assertRejects(() => strict.call({ q: "" }), AgentToolCallError, "must not be empty");
});

Deno.test("tool.call() passes the signal to forward and reports an abort as the abort reason", async () => {
  const controller = new AbortController();
  let received: AbortSignal | undefined;
  const started = Promise.withResolvers<void>();
  const slow = tool({
    name: "slow",
    description: "Waits until aborted.",
    inputs: {},
    outputType: "string",
    forward: (_args, { signal }) => {
      received = signal;
      started.resolve();
      return new Promise<string>((_resolve, reject) => {
        signal?.addEventListener("abort", () => reject(new Error("stopped")), { once: true });
      });
    },
  });
  const pending = slow.call({}, { signal: controller.signal });
  await started.promise;
  controller.abort(new DOMException("user cancelled", "AbortError"));
  const err = await assertRejects(() => pending);
  assertEquals(err.name, "AbortError");
  assert(received === controller.signal);
  await assertRejects(() => slow.call({}, { signal: controller.signal }), DOMException);
});

Deno.test("tool() rejects invalid definitions with a TypeError naming the mistake", () => {
  const base = { description: "d", inputs: {}, outputType: "string" as const, forward: () => "" };
  assertThrows(
    () => tool({ ...base, name: "get weather" }),
    TypeError,
    'Tool name "get weather" is invalid',
  );
  assertThrows(() => tool({ ...base, name: "1tool" }), TypeError, "not starting with a digit");
  assertThrows(() => tool({ ...base, name: "x".repeat(65) }), TypeError, "at most 64 characters");
  assertThrows(
    () => tool({ ...base, name: "delete" }),
    TypeError,
    'Tool name "delete" is a reserved word',
  );
  assertThrows(() => tool({ ...base, name: "console" }), TypeError, "a global the sandbox needs");
  assertThrows(
    () => tool({ ...base, name: "t", description: "  " }),
    TypeError,
    'Tool "t" has no description',
  );
  assertThrows(
    // @ts-expect-error: not a valid type
    () => tool({ ...base, name: "t", outputType: "str" }),
    TypeError,
    'Tool "t" has invalid outputType "str": expected one of "string"',
  );
  assertThrows(
    // @ts-expect-error: forward is required
    () => tool({ name: "t", description: "d", inputs: {}, outputType: "string" }),
    TypeError,
    "forward must be a function",
  );
});

Deno.test("tool() allows the name final_answer, which replaces the default final-answer tool", () => {
  const t = tool({
    name: "final_answer",
    description: "Gives the final answer.",
    inputs: { answer: { type: "any", description: "The answer" } },
    outputType: "any",
    forward: ({ answer }) => answer,
  });
  assertEquals(t.name, "final_answer");
});

Deno.test("tool() rejects invalid inputs with a TypeError naming the input", () => {
  const make = (inputs: ToolInputs) => () =>
    validateTool({ name: "t", description: "d", inputs, outputType: "string" });
  assertThrows(
    make({ "bad-name": { type: "string", description: "d" } }),
    TypeError,
    'Input "bad-name" of tool "t" has an invalid name',
  );
  assertThrows(
    make({ a: { type: "text" as never, description: "d" } }),
    TypeError,
    'Input "a" of tool "t" has invalid type "text"',
  );
  assertThrows(make({ a: { type: [], description: "d" } }), TypeError, "has no type");
  assertThrows(
    make({ a: { type: ["string", "string"], description: "d" } }),
    TypeError,
    "lists a type twice",
  );
  assertThrows(
    make({ a: { type: "string", description: "" } }),
    TypeError,
    'Input "a" of tool "t" has no description',
  );
  assertThrows(
    make({ a: { type: ["string", "null"], description: "d" } }),
    TypeError,
    'accepts "null" but is not nullable',
  );
  assertThrows(
    make({ a: { type: "string", enum: [1], description: "d" } }),
    TypeError,
    "enum value 1, which is not of its type",
  );
  assertThrows(
    make({ a: { type: "string", enum: [], description: "d" } }),
    TypeError,
    "invalid enum",
  );
  assertThrows(
    make({ a: { type: "string", items: {}, description: "d" } }),
    TypeError,
    '"items", which needs type "array"',
  );
  assertThrows(
    make({ a: { type: "string", description: "d", nullable: "yes" as never } }),
    TypeError,
    "expected a boolean",
  );
});

class CountingTool extends BaseTool<{ n: { type: "integer"; description: string } }, "integer"> {
  setups = 0;
  failSetups = 0;
  constructor() {
    super({
      name: "counter",
      description: "Counts setups.",
      inputs: { n: { type: "integer", description: "A number" } },
      outputType: "integer",
    });
  }
  protected override async setup(): Promise<void> {
    this.setups++;
    await new Promise((resolve) => setTimeout(resolve, 1));
    if (this.failSetups > 0) {
      this.failSetups--;
      throw new Error("database unreachable");
    }
  }
  protected forward({ n }: { n: number }): number {
    return n + this.setups;
  }
}

Deno.test("BaseTool runs setup() once, shared by concurrent first calls", async () => {
  const t = new CountingTool();
  assertEquals(t.setups, 0);
  const results = await Promise.all([t.call({ n: 1 }), t.call({ n: 2 }), t.call({ n: 3 })]);
  assertEquals(results, [2, 3, 4]);
  await t.call({ n: 0 });
  assertEquals(t.setups, 1);
});

Deno.test("BaseTool reports a failed setup as AgentToolExecutionError and retries it on the next call", async () => {
  const t = new CountingTool();
  t.failSetups = 1;
  const [a, b] = await Promise.allSettled([t.call({ n: 1 }), t.call({ n: 1 })]);
  assert(a.status === "rejected" && b.status === "rejected");
  assert(a.reason instanceof AgentToolExecutionError);
  assertEquals(a.reason.message, 'Tool "counter" failed to set up: database unreachable');
  assertEquals(t.setups, 1);
  assertEquals(await t.call({ n: 1 }), 3);
  assertEquals(t.setups, 2);
});

Deno.test("BaseTool validates its definition in the constructor", () => {
  class Bad extends BaseTool {
    constructor() {
      super({ name: "bad", description: "", inputs: {}, outputType: "string" });
    }
    protected forward(): string {
      return "";
    }
  }
  assertThrows(() => new Bad(), TypeError, 'Tool "bad" has no description');
});

Deno.test("toolToTypeScript() renders a one-line declaration with JSDoc", () => {
  const t = tool({
    name: "get_weather",
    description: "Weather report for a city.",
    inputs: { city: { type: "string", description: "City name" } },
    outputType: "string",
    forward: () => "",
  });
  assertEquals(
    toolToTypeScript(t),
    [
      "/**",
      " * Weather report for a city.",
      " *",
      " * @param args.city City name",
      " */",
      "declare function get_weather(args: { city: string }): Promise<string>;",
    ].join("\n"),
  );
});

Deno.test("toolToTypeScript() renders optional, integer, enum, nested and media inputs on several lines", () => {
  const t: Tool = {
    name: "search_images",
    description: "Searches images.\nReturns the best matches first.",
    inputs: {
      query: { type: "string", description: "What to look for" },
      limit: { type: "integer", description: "How many results", nullable: true },
      size: { type: "string", enum: ["small", "large"], description: "Size", nullable: true },
      tags: { type: "array", items: { type: "string" }, description: "Tags */ here" },
      filter: {
        type: "object",
        properties: { "min-width": { type: "number" }, color: { type: "string" } },
        description: "Filters",
        nullable: true,
      },
      like: { type: "image", description: "An example image", nullable: true },
    },
    outputType: "array",
    outputSchema: {
      description: "Matching images.",
      type: "array",
      items: { type: "object", properties: { url: { type: "string" } }, required: ["url"] },
    },
    call: () => Promise.resolve([]),
  };
  assertEquals(
    toolToTypeScript(t),
    [
      "/**",
      " * Searches images.",
      " * Returns the best matches first.",
      " *",
      " * @param args.query What to look for",
      " * @param args.limit Optional. An integer. How many results",
      " * @param args.size Optional. Size",
      " * @param args.tags Tags *\\/ here",
      " * @param args.filter Optional. Filters",
      " * @param args.like Optional. An example image",
      " * @returns Matching images.",
      " */",
      "declare function search_images(args: {",
      "  query: string;",
      "  limit?: number;",
      '  size?: "small" | "large";',
      "  tags: string[];",
      '  filter?: { "min-width"?: number; color?: string };',
      '  like?: { type: "image"; mimeType: string; data: Uint8Array };',
      "}): Promise<Array<{ url: string }>>;",
    ].join("\n"),
  );
});

Deno.test("toolToTypeScript() renders a tool without inputs as a function of no arguments", () => {
  const t = tool({
    name: "now",
    description: "Current time.",
    inputs: {},
    outputType: "any",
    forward: () => 1,
  });
  assertEquals(
    toolToTypeScript(t),
    "/**\n * Current time.\n */\ndeclare function now(): Promise<any>;",
  );
});

Deno.test("toolToJsonSchema() renders an OpenAI-style function schema", () => {
  assertEquals(toolToJsonSchema(weather), {
    type: "function",
    function: {
      name: "get_weather",
      description: "Weather report for a city.",
      parameters: {
        type: "object",
        properties: {
          city: { type: "string", description: "City name, e.g. 'Paris'" },
          units: {
            type: ["string", "null"],
            description: "Unit system",
            enum: ["metric", "imperial", null],
          },
          days: { type: ["integer", "null"], description: "Days ahead" },
        },
        required: ["city"],
        additionalProperties: false,
      },
    },
  });
});

Deno.test("toolToJsonSchema() maps any, image and nested schemas for native tool calling", () => {
  const items = { type: "string" };
  const t: Tool = {
    name: "t",
    description: "d",
    inputs: {
      x: { type: "any", description: "anything" },
      img: { type: "image", description: "A photo" },
      list: { type: "array", items, description: "list" },
    },
    outputType: "string",
    call: () => Promise.resolve(""),
  };
  const { properties } = toolToJsonSchema(t).function.parameters;
  assertEquals(properties.x, { description: "anything" });
  assertEquals(properties.img.type, "string");
  assertStringIncludes(
    String(properties.img.description),
    "pass the name of the variable that holds it",
  );
  assertEquals(properties.list, { type: "array", description: "list", items: { type: "string" } });
  assert(properties.list.items !== items, "nested schemas are copied, not shared");
});

Deno.test("tool.call() checks nested items and properties schemas, naming the path", async () => {
  const seen: unknown[] = [];
  const t = tool({
    name: "plot",
    description: "Plots points.",
    inputs: {
      points: {
        type: "array",
        items: {
          type: "object",
          properties: { x: { type: "number" }, label: { type: ["string", "null"] } },
          required: ["x"],
        },
        description: "Points",
      },
      style: {
        type: "object",
        properties: { color: { type: "string", enum: ["red", "blue"] } },
        description: "Style",
        nullable: true,
      },
      extra: { type: "array", items: { type: "any" }, description: "Anything", nullable: true },
    },
    outputType: "null",
    forward: (args) => {
      seen.push(args);
      return null;
    },
  });
  await t.call({
    points: [{ x: 1 }, { x: 2.5, label: null }],
    style: { color: "red" },
    extra: [1, "a"],
  });
  assertEquals(seen.length, 1);
  await assertRejects(
    () => t.call({ points: [{ x: 1 }, { x: "2" }] }),
    AgentToolCallError,
    'Input "points" of tool "plot" is invalid: points[1].x must be a number, got string "2"',
  );
  await assertRejects(
    () => t.call({ points: [{ label: "a" }] }),
    AgentToolCallError,
    "points[0].x is required",
  );
  await assertRejects(
    () => t.call({ points: [], style: { color: "green" } }),
    AgentToolCallError,
    'style.color must be one of "red", "blue", got string "green"',
  );
});

Deno.test("tool() rejects an input named __proto__", () => {
  assertThrows(
    () =>
      validateTool({
        name: "t",
        description: "d",
        inputs: JSON.parse('{"__proto__": {"type": "string", "description": "d"}}'),
        outputType: "string",
      }),
    TypeError,
    'Input "__proto__" of tool "t" has an invalid name',
  );
});

Deno.test("tool() with outputType null accepts a forward that returns nothing", async () => {
  const effects: string[] = [];
  const log = tool({
    name: "log_line",
    description: "Appends a line to the log.",
    inputs: { line: { type: "string", description: "The line" } },
    outputType: "null",
    forward: ({ line }) => {
      effects.push(line);
    },
  });
  assertEquals(await log.call({ line: "hello" }), undefined);
  assertEquals(effects, ["hello"]);
});
