/**
 * The `smolagent` command: runs a CodeAgent (or ToolCallingAgent) on a task
 * from the terminal. The final answer goes to stdout and the agent's log to
 * stderr, so `smolagent "…" > answer.txt` keeps only the answer.
 *
 * Run it from a clone with `deno task smolagent "task"`, or install it:
 *
 * ```sh
 * deno install -g -A -n smolagent jsr:@smoldeno/agents/cli
 * # from a clone:
 * deno install -g -A -n smolagent --config deno.json src/cli/mod.ts
 * ```
 *
 * Exit codes: 0 answered, 1 the agent failed or reached `--max-steps`, 2
 * usage or configuration error, 130 interrupted by Ctrl-C (the sandbox is
 * killed before the command exits).
 *
 * @example Running the CLI in-process with a scripted model
 * ```ts
 * import { runCli } from "@smoldeno/agents/cli";
 *
 * let out = "";
 * const code = await runCli(["--help"], { stdout: (text) => (out += text) });
 * console.log(code, out.startsWith("smolagent:")); // 0 true
 * ```
 *
 * @module
 */
// Dependency direction: src/ never imports tools/ statically. The CLI is an
// application entry point (like examples/), so it reaches the toolbox and the
// MCP client through dynamic imports of the package's own files: they load
// only when `--tools` or `--mcp-server` asks for them, and `deno compile`
// still sees the literal specifiers. Models load the same way, so the CLI
// does not pull in every provider's npm client.
import { DenoExecutor } from "../../executors/deno_executor.ts";
import { CodeAgent } from "../agents/code_agent.ts";
import type { MultiStepAgent, RunResult, ToolApprovalHandler } from "../agents/multi_step_agent.ts";
import { ToolCallingAgent } from "../agents/tool_calling_agent.ts";
import type { AgentEvent } from "../events.ts";
import { Logger, LogLevel, sanitizeForTerminal } from "../logger.ts";
import type { Model } from "../models/model.ts";
import type { Tool } from "../tool.ts";
import type { PermissionRequestHandler } from "../executor.ts";
import { unstreamedRest } from "../_terminal_text.ts";
import {
  type CliOptions,
  CliUsageError,
  HELP,
  MODEL_TYPES,
  parseCliArgs,
  resolveModelType,
} from "./_args.ts";
import { createModel } from "./_model.ts";
import { explainFailure, formatRetry, type ModelServer } from "./_model_messages.ts";
import { type CliIo, cliOutputs, type CliStderr, writeTo } from "./_output.ts";
import { terminalToolApproval } from "./_tool_prompt.ts";
import {
  mergeDenials,
  mergeGrants,
  readPolicy,
  savePolicyGrant,
  terminalPermissionPrompt,
} from "./_policy.ts";
import denoJson from "../../deno.json" with { type: "json" };

export type { CliIo } from "./_output.ts";

/**
 * Runs the `smolagent` command with `args` and resolves to its exit code.
 * The command line is parsed and checked before any model call, MCP server
 * or sandbox is started.
 *
 * @example A usage error is exit code 2
 * ```ts
 * import { runCli } from "@smoldeno/agents/cli";
 *
 * let err = "";
 * const code = await runCli(["--max-steps", "zero", "task"], { stderr: (text) => (err += text) });
 * console.log(code, err.includes("--max-steps must be an integer")); // 2 true
 * ```
 */
export async function runCli(args: readonly string[], io: CliIo = {}): Promise<number> {
  if (args[0] === "web") {
    const { runWebAgentCli } = await import("./web.ts");
    return await runWebAgentCli(args.slice(1), io);
  }
  if (args[0] === "eval") {
    const { runEvalCli } = await import("./_eval.ts");
    return await runEvalCli(args.slice(1), io);
  }
  // The agent's log and the CLI's own lines share stderr: see CliStderr.
  const { stdout, err, stderr } = cliOutputs(io);
  let options: CliOptions;
  try {
    options = parseCliArgs(args);
  } catch (error) {
    if (!(error instanceof CliUsageError)) throw error;
    stderr(`error: ${error.message}\nRun "smolagent --help" for usage.`);
    return 2;
  }
  if (options.help) {
    stdout(HELP);
    return 0;
  }
  if (options.version) {
    stdout(`smolagent ${denoJson.version}\n`);
    return 0;
  }
  if (options.permissionPolicy !== undefined) {
    try {
      const policy = await readPolicy(options.permissionPolicy);
      options.permissions = mergeGrants(options.permissions, policy.allow);
      options.deny = mergeDenials(options.deny, policy.deny);
    } catch (error) {
      if (!(error instanceof CliUsageError)) throw error;
      stderr(`error: ${error.message}`);
      return 2;
    }
  }
  if (options.ui && options.task !== undefined) {
    stderr(
      "error: --ui serves a chat page where tasks are typed: drop the task from the command line",
    );
    return 2;
  }
  if (options.task === undefined && !options.ui) {
    const asked = await askForTask(options, io.ask ?? askOnTerminal, stderr);
    if (!asked) {
      stderr(
        'error: no task given: pass it as the first argument, e.g. smolagent "What is 7 * 6?"',
      );
      return 2;
    }
  }

  const cleanups: (() => Promise<void>)[] = [];
  const controller = new AbortController();
  const signal = io.signal ? AbortSignal.any([io.signal, controller.signal]) : controller.signal;
  let agent: MultiStepAgent | undefined;
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) Deno.exit(130);
    stderr("Interrupted: stopping the agent and its sandbox (Ctrl-C again to force)…");
    agent?.interrupt();
    controller.abort(new DOMException("Interrupted by the user", "AbortError"));
  };
  if (!io.signal) Deno.addSignalListener("SIGINT", onSigint);
  const logger = new Logger({ level: options.verbosity as LogLevel, writer: err.writer });
  let server: ModelServer | undefined;
  try {
    let model: Model;
    let tools: Tool[];
    try {
      // A server that is down means seconds of retries: each is shown as it starts.
      ({ model, server } = await createModel(options, (info) => logger.warn(formatRetry(info))));
      tools = await createTools(options);
    } catch (error) {
      if (error instanceof TypeError || error instanceof RangeError) {
        stderr(`error: ${error.message}`);
        return 2;
      }
      throw error;
    }
    if (options.mcpServers.length > 0) {
      const mcp = await import("../../tools/mcp.ts");
      const client = new mcp.MCPClient(options.mcpServers.map(parseMcpServer));
      cleanups.push(() => client.disconnect());
      await client.connect({ signal });
      tools.push(...client.getTools());
    }
    const unknown = options.approveTools.filter((name) => !tools.some((t) => t.name === name));
    if (unknown.length > 0) {
      stderr(
        `error: --approve-tools names ${unknown.map((n) => `"${n}"`).join(", ")}, which ${
          unknown.length === 1 ? "is not a tool" : "are not tools"
        } of this agent: its tools are ${
          tools.map((t) => `"${t.name}"`).join(", ") || "none (add --tools or --mcp-server)"
        }`,
      );
      return 2;
    }
    if (options.ui) {
      return await serveCliUI(options, model, tools, signal, stderr, cleanups);
    }
    const onPermissionRequest = options.permissionPrompt
      ? terminalPermissionPrompt({
        ask: io.ask ?? askOnTerminal,
        line: stderr,
        policyPath: options.permissionPolicy,
      })
      : undefined;
    agent = createAgent(options, model, tools, logger, {
      onPermissionRequest,
      onToolApproval: terminalToolApproval({ ask: io.ask ?? askOnTerminal, line: stderr }),
    });
    cleanups.unshift(() => agent!.close());
    // From INFO (verbosity 1) the Logger shows the streamed reply live; below
    // it, --stream still asks for the reply, so the CLI writes it itself.
    const echoStream = options.stream && options.verbosity < LogLevel.INFO;
    const result = await drain(agent.stream(options.task!, { signal }), echoStream, err);
    if (result.state === "interrupted" || signal.aborted) return 130;
    // On a terminal the answer must not continue the log's last line.
    err.endLine();
    stdout(formatAnswer(result.output));
    if (result.state === "max_steps_error") {
      stderr(
        `error: the agent reached --max-steps (${agent.maxSteps}) without a final answer; the answer above is its best guess`,
      );
      return 1;
    }
    return 0;
  } catch (error) {
    if (signal.aborted) return 130;
    const message = server ? explainFailure(error, server) : (error as Error)?.message;
    stderr(`error: ${message ?? String(error)}`);
    return 1;
  } finally {
    for (const cleanup of cleanups) await cleanup().catch(() => {});
    if (!io.signal) Deno.removeSignalListener("SIGINT", onSigint);
  }
}

async function drain(
  events: AsyncGenerator<AgentEvent, RunResult>,
  echoStream: boolean,
  err: CliStderr,
): Promise<RunResult> {
  // The reply streamed so far, to complete it as the Logger does.
  let streamed = "";
  let next = await events.next();
  while (!next.done) {
    const event = next.value;
    if (event.type === "model_stream_delta") {
      if (echoStream && event.delta.content) {
        streamed += event.delta.content;
        // Model text, so no escape sequence reaches the terminal (as in the Logger).
        err.write(sanitizeForTerminal(event.delta.content));
      }
    } else {
      if (event.type === "model_output" && streamed !== "") {
        // The closing tag of a code block, which the stream stopped at.
        const rest = unstreamedRest(streamed, event.content).replace(/^\r?\n/, "");
        if (rest.trim()) err.line(sanitizeForTerminal(rest));
      }
      streamed = "";
    }
    next = await events.next();
  }
  return next.value;
}

async function createTools(options: CliOptions): Promise<Tool[]> {
  if (options.tools.length === 0) return [];
  if (options.tools.includes("code_interpreter") && options.actionType === "code") {
    throw new TypeError(
      "code_interpreter is for --action-type tool_calling: a code agent already runs code in its sandbox",
    );
  }
  const toolbox = await import("../../tools/mod.ts");
  const make: Record<string, () => Tool> = {
    web_search: () => new toolbox.WebSearchTool(),
    visit_webpage: () => new toolbox.VisitWebpageTool(),
    wikipedia_search: () => new toolbox.WikipediaSearchTool(),
    transcriber: () => new toolbox.SpeechToTextTool(),
    user_input: () => new toolbox.UserInputTool(),
    code_interpreter: () =>
      new toolbox.CodeInterpreterTool({
        createExecutor: () =>
          new DenoExecutor({ permissions: options.permissions, deny: options.deny }),
        permissionsSummary: describePermissions(options.permissions),
      }),
  };
  return options.tools.map((name) => make[name]());
}

function createAgent(
  options: CliOptions,
  model: Model,
  tools: Tool[],
  logger: Logger,
  asks: { onPermissionRequest?: PermissionRequestHandler; onToolApproval?: ToolApprovalHandler },
): MultiStepAgent {
  const common = {
    model,
    tools,
    approvalRequired: options.approveTools,
    onToolApproval: asks.onToolApproval,
    maxSteps: options.maxSteps,
    planningInterval: options.planningInterval,
    streamOutputs: options.stream,
    logger,
  };
  return options.actionType === "code"
    ? new CodeAgent({
      ...common,
      permissions: options.permissions,
      deny: options.deny,
      onPermissionRequest: asks.onPermissionRequest,
      authorizedImports: options.imports,
    })
    : new ToolCallingAgent(common);
}

/**
 * `--ui`: serves the web UI until the server closes or Ctrl-C. Each browser
 * session gets its own agent, built from the same flags, with fresh tools
 * (MCP tools are shared: one connection per server) and read access to its
 * uploads. The page shows every step, so the terminal shows only the
 * address and problems. Permission requests and tool approvals are asked
 * on the page ("always" answers go to the policy file, as on the terminal).
 */
async function serveCliUI(
  options: CliOptions,
  model: Model,
  sharedTools: Tool[],
  signal: AbortSignal,
  stderr: (text: string) => void,
  cleanups: (() => Promise<void>)[],
): Promise<number> {
  const { serveUI } = await import("../ui/mod.ts");
  const builtIn = new Set<string>(options.tools);
  const shared = sharedTools.filter((t) => !builtIn.has(t.name));
  const server = await serveUI(
    async ({ uploadDir, requestPermission, requestToolApproval }) => {
      const read = options.permissions.read;
      const sessionOptions: CliOptions = {
        ...options,
        permissions: {
          ...options.permissions,
          read: read === true ? true : [...(Array.isArray(read) ? read : []), uploadDir],
        },
      };
      const tools = [...(await createTools(sessionOptions)), ...shared];
      const policyPath = options.permissionPolicy;
      const ask: PermissionRequestHandler = async (request, o) => {
        const decision = await requestPermission(request, o);
        if (decision === "always" && policyPath) {
          await savePolicyGrant(policyPath, request).catch((error) =>
            stderr(`warning: could not save to ${policyPath}: ${(error as Error).message}`)
          );
        }
        return decision;
      };
      return createAgent(
        sessionOptions,
        model,
        tools,
        new Logger({ level: LogLevel.OFF }),
        {
          onPermissionRequest: options.permissionPrompt ? ask : undefined,
          onToolApproval: requestToolApproval,
        },
      );
    },
    {
      hostname: options.uiHost,
      port: options.uiPort ?? 7860,
      signal,
      title: "smolagent",
      onListen: ({ openUrl }) => stderr(`smolagent UI: open ${openUrl} (Ctrl-C stops it)`),
      onError: (message) => stderr(`warning: ${message}`),
    },
  );
  cleanups.unshift(() => server.close());
  await server.finished;
  return signal.aborted ? 130 : 0;
}

/** `--mcp-server` value: a URL, or a command line split like a shell would (quotes kept together). */
function parseMcpServer(
  value: string,
): { url: string } | { command: string; args: string[] } {
  if (/^https?:\/\//i.test(value.trim())) return { url: value.trim() };
  const words = [...value.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
  if (words.length === 0) throw new TypeError("--mcp-server needs a URL or a command");
  return { command: words[0], args: words.slice(1) };
}

function describePermissions(permissions: CliOptions["permissions"]): string {
  const granted = Object.entries(permissions).map(([name, value]) =>
    value === true ? `${name}: all` : `${name}: ${(value as string[]).join(", ")}`
  );
  return granted.length
    ? `allowed: ${granted.join("; ")}`
    : "no file, network or environment access";
}

function formatAnswer(output: unknown): string {
  const text = typeof output === "string" ? output : JSON.stringify(output, null, 2) ?? "";
  return text.endsWith("\n") ? text : `${text}\n`;
}

async function askForTask(
  options: CliOptions,
  ask: (question: string) => Promise<string | null>,
  stderr: (text: string) => void,
): Promise<boolean> {
  const task = (await ask("What should the agent do?"))?.trim();
  if (!task) return false;
  options.task = task;
  const type = (await ask(`Model type [${options.modelType}] (${MODEL_TYPES.join(", ")}):`))
    ?.trim();
  if (type) {
    const resolved = resolveModelType(type);
    if (resolved === undefined) {
      stderr(`Unknown model type "${type}": keeping ${options.modelType}`);
    } else {
      options.modelType = resolved;
    }
  }
  const id = (await ask(`Model id [${options.modelId ?? "the default"}]:`))?.trim();
  if (id) options.modelId = id;
  return true;
}

async function askOnTerminal(question: string): Promise<string | null> {
  if (!Deno.stdin.isTerminal()) return null;
  writeTo(Deno.stderr)(`${question}\n> `);
  const buffer = new Uint8Array(4096);
  const decoder = new TextDecoder();
  let line = "";
  while (!line.includes("\n")) {
    const n = await Deno.stdin.read(buffer);
    if (n === null) return line || null;
    line += decoder.decode(buffer.subarray(0, n), { stream: true });
  }
  return line.slice(0, line.indexOf("\n"));
}

if (import.meta.main) {
  Deno.exit(await runCli(Deno.args));
}
