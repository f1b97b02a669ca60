/**
 * Tools: what an agent can call. A tool is any object satisfying
 * {@linkcode Tool}; {@linkcode tool} builds one from a schema and a function
 * and infers the function's argument type from the schema;
 * {@linkcode BaseTool} is the base class of stateful tools.
 * {@linkcode toolToTypeScript} and {@linkcode toolToJsonSchema} render a tool
 * for the CodeAgent prompt and for native tool calling.
 *
 * @example Defining a tool and calling it
 * ```ts
 * import { tool } from "@smoldeno/agents";
 *
 * const add = tool({
 *   name: "add",
 *   description: "Adds two numbers.",
 *   inputs: {
 *     a: { type: "number", description: "First term" },
 *     b: { type: "number", description: "Second term" },
 *   },
 *   outputType: "number",
 *   forward: ({ a, b }) => a + b,
 * });
 * console.log(await add.call({ a: 2, b: 3 })); // 5
 * ```
 *
 * @module
 */

import { AgentToolCallError, AgentToolExecutionError } from "./errors.ts";
import { validateTool, validateToolArgs } from "./_tool_validation.ts";
import {
  functionToolSources,
  saveToolModule,
  type ToolModuleOptions,
} from "./serialize/_tool_source.ts";

export { type ToolDefinitionLike, validateTool, validateToolArgs } from "./_tool_validation.ts";
export { type JsonSchemaTool, toolToJsonSchema, toolToTypeScript } from "./_tool_render.ts";
export type { ToolModuleOptions } from "./serialize/_tool_source.ts";

import type {
  Tool,
  ToolArgs,
  ToolCallOptions,
  ToolInputs,
  ToolOutputValue,
  ToolValueType,
} from "./tool_types.ts";

export type {
  NullableInputKeys,
  Tool,
  ToolArgs,
  ToolCallOptions,
  ToolInput,
  ToolInputs,
  ToolInputValue,
  ToolOutputValue,
  ToolValue,
  ToolValueType,
} from "./tool_types.ts";

/** The definition {@linkcode tool} turns into a {@linkcode Tool}. */
export interface ToolDefinition<I extends ToolInputs, O extends ToolValueType> {
  /** Name seen by the model: a JavaScript identifier, snake_case by convention. */
  name: string;
  /** What the tool does, shown to the model. */
  description: string;
  /** The inputs, keyed by argument name. */
  inputs: I;
  /** The type of what `forward` returns. */
  outputType: O;
  /** JSON schema of the output, for structured outputs. */
  outputSchema?: Record<string, unknown>;
  /** Whether a call needs approval first (see `Tool.requiresApproval`). */
  requiresApproval?: boolean | ((args: Record<string, unknown>) => boolean);
  /** Runs the tool with validated arguments. */
  forward(
    args: ToolArgs<I>,
    options: ToolCallOptions,
  ): ToolOutputValue<O> | PromiseLike<ToolOutputValue<O>>;
}

/** What {@linkcode tool} returns: a {@linkcode Tool} that keeps its input and output types. */
export interface FunctionTool<
  I extends ToolInputs = ToolInputs,
  O extends ToolValueType = ToolValueType,
> extends Tool {
  /** The tool's inputs, as declared. */
  readonly inputs: I;
  /** The type of what the tool returns. */
  readonly outputType: O;
  /** Validates `args` against `inputs` (throwing `AgentToolCallError`), then runs the tool. */
  call(args: Record<string, unknown>, options?: ToolCallOptions): Promise<ToolOutputValue<O>>;
  /** Writes the tool as a self-contained module file (see `BaseTool.save`). */
  save(path: string, options?: ToolModuleOptions): Promise<void>;
}

/**
 * Builds a tool from a definition. `forward`'s argument type is inferred from
 * `inputs`: required inputs are properties, nullable ones optional
 * properties, enums literal unions.
 *
 * The definition is checked now, so mistakes surface when the program starts
 * rather than when a model first calls the tool; see {@linkcode validateTool}
 * for the rules.
 *
 * @example A tool with an optional enum input
 * ```ts
 * import { tool } from "@smoldeno/agents";
 *
 * const getWeather = tool({
 *   name: "get_weather",
 *   description: "Weather report for a city.",
 *   inputs: {
 *     city: { type: "string", description: "City name, e.g. 'Paris'" },
 *     units: { type: "string", enum: ["metric", "imperial"], description: "Unit system", nullable: true },
 *   },
 *   outputType: "string",
 *   // city: string; units?: "metric" | "imperial" | null
 *   forward: ({ city, units }) => `Sunny in ${city}, 21° ${units === "imperial" ? "F" : "C"}`,
 * });
 * console.log(await getWeather.call({ city: "Paris" })); // "Sunny in Paris, 21° C"
 * ```
 *
 * @throws {TypeError} when the definition is invalid.
 */
export function tool<const I extends ToolInputs, const O extends ToolValueType>(
  definition: ToolDefinition<I, O>,
): FunctionTool<I, O> {
  if (typeof definition?.forward !== "function") {
    throw new TypeError(
      `Cannot create tool "${definition?.name}": forward must be a function, got ${typeof definition
        ?.forward}`,
    );
  }
  return new FunctionToolImpl(definition);
}

/** Options of the {@linkcode BaseTool} constructor. */
export interface BaseToolOptions<
  I extends ToolInputs = ToolInputs,
  O extends ToolValueType = ToolValueType,
> {
  /** Name seen by the model: a JavaScript identifier, snake_case by convention. */
  name: string;
  /** What the tool does, shown to the model. */
  description: string;
  /** The inputs, keyed by argument name. */
  inputs: I;
  /** The type of what `forward` returns. */
  outputType: O;
  /** JSON schema of the output, for structured outputs. */
  outputSchema?: Record<string, unknown>;
  /** Whether a call needs approval first (see `Tool.requiresApproval`). */
  requiresApproval?: boolean | ((args: Record<string, unknown>) => boolean);
}

/**
 * Base class of stateful tools (a browser, a database connection, a loaded
 * model). The definition is validated by the constructor; `setup()` runs once,
 * lazily, before the first call — concurrent first calls share the same setup,
 * and a failed setup is retried by the next call.
 *
 * @example A tool that opens a resource on first use
 * ```ts
 * import { BaseTool, type ToolArgs } from "@smoldeno/agents";
 *
 * const inputs = { key: { type: "string", description: "Key to look up" } } as const;
 *
 * class LookupTool extends BaseTool<typeof inputs, "string"> {
 *   #table?: Map<string, string>;
 *   constructor() {
 *     super({ name: "lookup", description: "Looks a key up in the table.", inputs, outputType: "string" });
 *   }
 *   protected override setup(): void {
 *     this.#table = new Map([["answer", "42"]]);
 *   }
 *   protected forward({ key }: ToolArgs<typeof inputs>): string {
 *     return this.#table!.get(key) ?? "not found";
 *   }
 * }
 *
 * console.log(await new LookupTool().call({ key: "answer" })); // "42"
 * ```
 */
export abstract class BaseTool<
  I extends ToolInputs = ToolInputs,
  O extends ToolValueType = ToolValueType,
> implements Tool {
  /** Name seen by the model. */
  readonly name: string;
  /** What the tool does, shown to the model. */
  readonly description: string;
  /** The tool's inputs. */
  readonly inputs: I;
  /** The type of what the tool returns. */
  readonly outputType: O;
  /** JSON schema of the output, for structured outputs. */
  readonly outputSchema?: Record<string, unknown>;
  /** Whether a call needs approval first (see `Tool.requiresApproval`). */
  readonly requiresApproval?: boolean | ((args: Record<string, unknown>) => boolean);
  #setup?: Promise<void>;

  /**
   * Validates and stores the definition.
   *
   * @throws {TypeError} when the definition is invalid (see {@linkcode validateTool}).
   */
  constructor(options: BaseToolOptions<I, O>) {
    validateTool(options);
    this.name = options.name;
    this.description = options.description;
    this.inputs = options.inputs;
    this.outputType = options.outputType;
    if (options.outputSchema !== undefined) this.outputSchema = options.outputSchema;
    const approval = options.requiresApproval;
    if (approval !== undefined && typeof approval !== "boolean" && typeof approval !== "function") {
      throw new TypeError(
        `Cannot create tool "${options.name}": requiresApproval must be a boolean or a function of the arguments`,
      );
    }
    if (approval !== undefined) this.requiresApproval = approval;
  }

  /** Prepares the tool; runs once before the first call. Does nothing by default. */
  protected setup(): void | Promise<void> {}

  /** Runs the tool with validated arguments. */
  protected abstract forward(
    args: ToolArgs<I>,
    options: ToolCallOptions,
  ): ToolOutputValue<O> | PromiseLike<ToolOutputValue<O>>;

  /**
   * Validates `args` against `inputs`, runs `setup()` if it has not run yet,
   * then `forward`.
   *
   * @throws {AgentToolCallError} when the arguments do not match the inputs.
   * @throws {AgentToolExecutionError} when setup or forward throws (the original error is its `cause`).
   */
  async call(
    args: Record<string, unknown>,
    options: ToolCallOptions = {},
  ): Promise<ToolOutputValue<O>> {
    const { signal } = options;
    signal?.throwIfAborted();
    validateToolArgs(this, args);
    try {
      await this.#ensureSetup();
      signal?.throwIfAborted();
      return await this.forward(args as ToolArgs<I>, options);
    } catch (error) {
      // A cancelled call reports the cancellation, not whatever the tool threw on the way out.
      if (signal?.aborted) throw signal.reason;
      if (
        (error instanceof AgentToolCallError || error instanceof AgentToolExecutionError) &&
        error.toolName === this.name
      ) {
        throw error;
      }
      throw new AgentToolExecutionError(`Tool "${this.name}" failed: ${describeError(error)}`, {
        toolName: this.name,
        cause: error,
      });
    }
  }

  /**
   * Writes the tool as a self-contained module at `path` (`.ts` or `.js`):
   * its name, description, inputs and output type, and its code — the
   * `forward` of a `tool()`, or the class of a `BaseTool` subclass, which
   * must construct with no argument. The code may use only what it defines
   * or imports itself (`await import("npm:…")` inside it, or
   * `options.imports`); anything else is refused, naming the outside names.
   * Written through a temporary file and a rename. Load it back with
   * `loadTool(path, { trustRemoteCode: true })` from
   * `@smoldeno/agents/serialize`.
   *
   * @example Saving a tool and loading it back
   * ```ts
   * import { tool } from "@smoldeno/agents";
   * import { loadTool } from "@smoldeno/agents/serialize";
   *
   * const add = tool({
   *   name: "add",
   *   description: "Adds two numbers.",
   *   inputs: { a: { type: "number", description: "First" }, b: { type: "number", description: "Second" } },
   *   outputType: "number",
   *   forward: ({ a, b }) => a + b,
   * });
   * const dir = await Deno.makeTempDir();
   * await add.save(`${dir}/add.ts`);
   * const loaded = await loadTool(`${dir}/add.ts`, { trustRemoteCode: true });
   * console.log(await loaded.call({ a: 2, b: 3 })); // 5
   * await Deno.remove(dir, { recursive: true });
   * ```
   *
   * @throws {SerializationError} when the code uses outside names or cannot be read as source.
   */
  save(path: string, options?: ToolModuleOptions): Promise<void> {
    return saveToolModule(this, path, options);
  }

  #ensureSetup(): Promise<void> {
    if (this.#setup === undefined) {
      // Deferred a tick so `setup` always runs after `#setup` is assigned, and a
      // failure can clear it for the next call to retry.
      const pending: Promise<void> = Promise.resolve()
        .then(() => this.setup())
        .catch((error) => {
          if (this.#setup === pending) this.#setup = undefined;
          throw new AgentToolExecutionError(
            `Tool "${this.name}" failed to set up: ${describeError(error)}`,
            { toolName: this.name, cause: error },
          );
        });
      this.#setup = pending;
    }
    return this.#setup;
  }
}

class FunctionToolImpl<I extends ToolInputs, O extends ToolValueType> extends BaseTool<I, O>
  implements FunctionTool<I, O> {
  #forward: ToolDefinition<I, O>["forward"];
  constructor(definition: ToolDefinition<I, O>) {
    super(definition);
    this.#forward = definition.forward;
    functionToolSources.set(this, definition);
  }
  protected forward(
    args: ToolArgs<I>,
    options: ToolCallOptions,
  ): ToolOutputValue<O> | PromiseLike<ToolOutputValue<O>> {
    return this.#forward(args, options);
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    return error.name && error.name !== "Error" ? `${error.name}: ${error.message}` : error.message;
  }
  return String(error);
}
