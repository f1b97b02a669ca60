// A Gradio app (a Hugging Face Space, or any Gradio server) as a tool,
// through `npm:@gradio/client`: its API description gives the inputs.

import { Client } from "@gradio/client";
import { AgentToolExecutionError } from "../errors.ts";
import { readEnv } from "../models/_settings.ts";
import { validateTool, validateToolArgs } from "../tool.ts";
import type { Tool, ToolCallOptions, ToolInput, ToolInputs, ToolValueType } from "../tool_types.ts";

/** Options of {@linkcode toolFromSpace}. */
export interface ToolFromSpaceOptions {
  /** The tool's name, seen by the model (a valid identifier). */
  name: string;
  /** What the tool does, seen by the model. */
  description: string;
  /** The endpoint to call, e.g. `"/predict"` (default: the app's first named endpoint). */
  apiName?: string;
  /** A Hugging Face token (`hf_…`) for private Spaces or GPU quota. Default: `HF_TOKEN`, if readable. */
  token?: string;
}

/** A Gradio endpoint as a tool; `close()` (or `await using`) ends its connection. */
export interface SpaceTool extends Tool, AsyncDisposable {
  /** The endpoint it calls. */
  readonly apiName: string;
  /** Ends the connection to the app. */
  close(): Promise<void>;
}

interface Parameter {
  label?: string;
  parameter_name?: string;
  parameter_has_default?: boolean;
  parameter_default?: unknown;
  type?: string | { type?: string };
  python_type?: { type?: string; description?: string };
  component?: string;
  description?: string;
}

function valueType(p: Parameter): ToolValueType {
  const py = (p.python_type?.type ?? "").toLowerCase();
  const js = (typeof p.type === "string" ? p.type : p.type?.type ?? "").toLowerCase();
  if (py === "str" || js === "string") return "string";
  if (py === "int") return "integer";
  if (py === "float" || js === "number") return "number";
  if (py === "bool" || js === "boolean") return "boolean";
  if (py.startsWith("list") || py.startsWith("tuple") || js.endsWith("[]")) return "array";
  if (py.startsWith("dict") || js === "object") return "object";
  return "any";
}

function inputName(p: Parameter, i: number): string {
  const raw = p.parameter_name ?? p.label ?? `input_${i}`;
  const name = raw.replace(/[^A-Za-z0-9_]/g, "_").replace(/^(\d)/, "_$1");
  return name || `input_${i}`;
}

class GradioSpaceTool implements SpaceTool {
  readonly name: string;
  readonly description: string;
  readonly inputs: ToolInputs;
  readonly outputType: ToolValueType;
  readonly apiName: string;
  readonly #client: Client;
  readonly #names: string[];
  readonly #single: boolean;

  constructor(
    client: Client,
    options: ToolFromSpaceOptions,
    apiName: string,
    parameters: Parameter[],
    returns: Parameter[],
  ) {
    this.#client = client;
    this.name = options.name;
    this.description = options.description;
    this.apiName = apiName;
    const inputs: Record<string, ToolInput> = {};
    this.#names = parameters.map((p, i) => {
      const name = inputName(p, i);
      const input: ToolInput = {
        type: valueType(p),
        description: p.description || p.python_type?.description || p.label || name,
      };
      if (p.parameter_has_default) input.nullable = true;
      inputs[name] = input;
      return name;
    });
    this.inputs = inputs;
    this.#single = returns.length === 1;
    this.outputType = this.#single ? valueType(returns[0]) : "array";
    validateTool(this);
  }

  async call(args: Record<string, unknown>, options: ToolCallOptions = {}): Promise<unknown> {
    options.signal?.throwIfAborted();
    validateToolArgs(this, args);
    const payload: Record<string, unknown> = {};
    for (const name of this.#names) if (args[name] != null) payload[name] = args[name];
    try {
      const result = await this.#client.predict(this.apiName, payload);
      const data = (result as { data?: unknown }).data;
      return this.#single && Array.isArray(data) ? data[0] : data;
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      const detail = (error as { message?: string })?.message ?? JSON.stringify(error);
      throw new AgentToolExecutionError(`Tool "${this.name}" failed: the app answered: ${detail}`, {
        toolName: this.name,
        cause: error,
      });
    }
  }

  close(): Promise<void> {
    this.#client.close();
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Connects to a Gradio app — a Space id such as `"black-forest-labs/FLUX.1-schnell"`,
 * or the URL of any Gradio server — and makes one of its endpoints a tool,
 * its inputs read from the app's API description. Close it when done.
 *
 * @example Image generation from a Space (needs network)
 * ```ts ignore
 * import { toolFromSpace } from "@smoldeno/agents/hub";
 *
 * await using imageGenerator = await toolFromSpace("black-forest-labs/FLUX.1-schnell", {
 *   name: "image_generator",
 *   description: "Generates an image from a prompt.",
 * });
 * console.log(Object.keys(imageGenerator.inputs));
 * ```
 *
 * @throws {TypeError} for a bad name or description, or an `apiName` the app does not have.
 * @throws {Error} when the app cannot be reached.
 */
export async function toolFromSpace(
  space: string,
  options: ToolFromSpaceOptions,
): Promise<SpaceTool> {
  if (typeof space !== "string" || space.trim() === "") {
    throw new TypeError(
      'Cannot make a tool from a Space: expected a Space id ("owner/name") or a Gradio app URL',
    );
  }
  if (options === null || typeof options !== "object") {
    throw new TypeError("Cannot make a tool from a Space: pass { name, description }");
  }
  const token = options.token ?? readEnv("HF_TOKEN");
  const client = await Client.connect(space, token ? { token: token as `hf_${string}` } : {});
  try {
    const api = await client.view_api() as {
      named_endpoints?: Record<string, { parameters?: Parameter[]; returns?: Parameter[] }>;
    };
    const named = api.named_endpoints ?? {};
    const apiName = options.apiName ?? Object.keys(named)[0];
    const endpoint = apiName === undefined ? undefined : named[apiName];
    if (!endpoint) {
      throw new TypeError(
        `Cannot make a tool from "${space}": ${
          apiName === undefined ? "it has no named endpoint" : `it has no endpoint "${apiName}"`
        }; its endpoints are ${Object.keys(named).map((n) => `"${n}"`).join(", ") || "none"}`,
      );
    }
    return new GradioSpaceTool(
      client,
      options,
      apiName!,
      endpoint.parameters ?? [],
      endpoint.returns ?? [],
    );
  } catch (error) {
    client.close();
    throw error;
  }
}
