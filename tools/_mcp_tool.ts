// The smoldeno Tool that stands for one tool of an MCP server. It stays on
// the host: a CodeAgent's sandbox reaches it over the executor's RPC, so the
// MCP session never enters the sandbox and every executor can use it.

import {
  BaseTool,
  type Tool,
  type ToolCallOptions,
  type ToolInputs,
  type ToolValueType,
} from "../src/tool.ts";
import {
  errorResultMessage,
  type JsonSchema,
  type McpToolDefinition,
  resultToValue,
  schemaToInputs,
  toIdentifier,
  toServerArguments,
} from "./_mcp_convert.ts";
import type { McpSession } from "./_mcp_session.ts";

/** A tool of an MCP server, as `MCPClient.getTools()` returns it. */
export interface McpTool extends Tool {
  /** The tool's name on the server, used in calls (`name` is its identifier form). */
  readonly originalName: string;
  /** The name of the server it belongs to. */
  readonly serverName: string;
}

/** Options of {@linkcode McpToolImpl}. */
export interface McpToolOptions {
  /** Return `structuredContent` instead of the content blocks when a result has it. */
  structuredOutput: boolean;
  /** Prepended to the tool's name (before it is made an identifier). */
  prefix?: string;
}

/** One tool of an MCP server, callable like any other smoldeno tool. */
export class McpToolImpl extends BaseTool<ToolInputs, ToolValueType> implements McpTool {
  /** The tool's name on the server (the name used in calls). */
  readonly originalName: string;
  /** The server's name. */
  readonly serverName: string;
  #session: McpSession;
  #inputSchema: JsonSchema;
  #renamed: ReadonlyMap<string, string>;
  #structuredOutput: boolean;

  constructor(definition: McpToolDefinition, session: McpSession, options: McpToolOptions) {
    const { inputs, renamed } = schemaToInputs(definition.inputSchema ?? {});
    const describedAs = [definition.description, definition.title].find((d) =>
      typeof d === "string" && d.trim() !== ""
    );
    const hasSchema = options.structuredOutput && typeof definition.outputSchema === "object" &&
      definition.outputSchema !== null;
    super({
      name: toIdentifier(definition.name, options.prefix),
      description: describedAs ?? `Tool "${definition.name}" of MCP server "${session.name}"`,
      inputs,
      // Without an output schema a result may be text, media or a mix: only the server knows.
      outputType: hasSchema ? "object" : "any",
      ...(hasSchema ? { outputSchema: definition.outputSchema } : {}),
    });
    this.originalName = definition.name;
    this.serverName = session.name;
    this.#session = session;
    this.#inputSchema = definition.inputSchema ?? {};
    this.#renamed = renamed;
    this.#structuredOutput = options.structuredOutput;
  }

  /** Calls the tool on the server; an error result throws with the server's message. */
  protected async forward(
    args: Record<string, unknown>,
    options: ToolCallOptions,
  ): Promise<unknown> {
    const result = await this.#session.callTool(
      this.originalName,
      toServerArguments(args, this.#inputSchema, this.#renamed),
      options.signal,
    );
    if (result.isError) {
      throw new Error(
        `MCP server "${this.serverName}" returned an error: ${errorResultMessage(result)}`,
      );
    }
    return resultToValue(result, this.#structuredOutput);
  }
}
