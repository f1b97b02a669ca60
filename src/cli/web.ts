/**
 * The `webagent` command: a browser agent on a task from the terminal. It
 * launches Chromium (or connects to a running Chrome), lets a vision model
 * drive it with the browser tools and a screenshot after every step, prints
 * the final answer on stdout and the agent's log on stderr, and closes the
 * browser whatever happens (Ctrl-C included).
 *
 * ```sh
 * deno run -A src/cli/web.ts "Find the opening hours on https://example.com" \
 *   --model-type OpenAIServerModel --model-id gpt-4o
 * ```
 *
 * Exit codes: 0 answered, 1 the agent or the browser failed or the agent
 * reached `--max-steps`, 2 usage or configuration error, 130 interrupted.
 *
 * @example `--help` runs without starting anything
 * ```ts
 * import { runWebAgentCli } from "./web.ts";
 *
 * let out = "";
 * const code = await runWebAgentCli(["--help"], { stdout: (text) => (out += text) });
 * console.log(code, out.startsWith("webagent:")); // 0 true
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { RunResult } from "../agents/multi_step_agent.ts";
import type { AgentEvent } from "../events.ts";
import { Logger, type LogLevel } from "../logger.ts";
import type { Model } from "../models/model.ts";
// The browser (and playwright) load only once a run starts, as smolagent
// loads the toolbox: --help and usage errors need neither.
import type { BrowserAgent, BrowserSession } from "../../tools/browser.ts";
import { CliUsageError, integer, MODEL_TYPES, resolveModelType } from "./_args.ts";
import { explainFailure, formatRetry, type ModelServer } from "./_model_messages.ts";
import { createModel, type ModelFlags } from "./_model.ts";
import { type CliIo, cliOutputs } from "./_output.ts";

/** What the `webagent` command line asked for. */
export interface WebAgentCliOptions extends ModelFlags {
  /** The task. */
  task?: string;
  /** Steps at most (default 20). */
  maxSteps?: number;
  /** 0 errors only, 1 steps (default), 2 everything. */
  verbosity: 0 | 1 | 2;
  /** Show the model's reply as it is written. */
  stream: boolean;
  /** The browser binary. */
  chromium?: string;
  /** A running Chrome's DevTools address, instead of launching one. */
  cdpUrl?: string;
  /** Show the browser window. */
  headed: boolean;
  /** Page size. */
  viewport: { width: number; height: number };
  /** Private hosts the browser may visit: true for all. */
  allowPrivateNetwork: boolean | string[];
  /** Steps that keep their screenshot. */
  screenshots: number;
  /** `--help`. */
  help: boolean;
}

/** The `webagent --help` text. */
export const WEB_HELP: string = `webagent: a browser agent that drives Chromium to do a task.

Usage:
  webagent "task" [options]

Model (as for smolagent; use a model that reads images):
  --model-type TYPE          InferenceClientModel (default), OpenAIServerModel
                             or AzureOpenAIServerModel
  --model-id ID              e.g. gpt-4o, Qwen/Qwen2.5-VL-72B-Instruct
  --api-base URL             OpenAI-compatible server (Ollama, vLLM, LM Studio…)
  --api-key KEY              default: HF_TOKEN, OPENAI_API_KEY or AZURE_OPENAI_API_KEY
  --provider NAME            Hugging Face inference provider

Browser:
  --chromium PATH            the Chromium or Chrome binary (default: SMOLDENO_CHROMIUM,
                             /usr/bin/chromium, …)
  --cdp-url URL              drive a running Chrome instead (its --remote-debugging-port)
  --headed                   show the browser window
  --viewport WxH             page and screenshot size (default 1024x768)
  --screenshots N            steps that keep their screenshot (default 2; 0 for none)
  --allow-private-network[=HOSTS]
                             let the browser open this machine or private hosts
                             (comma-separated; bare: all). Default: blocked

Agent:
  --max-steps N              default 20
  --stream                   show the model's reply as it is written
  --verbosity-level N        0 errors only, 1 steps (default), 2 everything
  -h, --help                 this help

The final answer is printed on stdout, the log on stderr. Exit codes: 0
answered, 1 failed or reached --max-steps, 2 usage error, 130 interrupted.
`;

const BARE = "\u0000all";

/** Parses `webagent` arguments; throws `CliUsageError`. */
export function parseWebAgentArgs(args: readonly string[]): WebAgentCliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: args.map((a) => a === "--allow-private-network" ? `${a}=${BARE}` : a),
      allowPositionals: true,
      strict: true,
      options: {
        "model-type": { type: "string" },
        "model-id": { type: "string" },
        "api-base": { type: "string" },
        "api-key": { type: "string" },
        provider: { type: "string" },
        "max-steps": { type: "string" },
        "verbosity-level": { type: "string" },
        stream: { type: "boolean" },
        chromium: { type: "string" },
        "cdp-url": { type: "string" },
        headed: { type: "boolean" },
        viewport: { type: "string" },
        screenshots: { type: "string" },
        "allow-private-network": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    const message = (error as Error).message;
    const unknown = /Unknown option '([^']+)'/.exec(message);
    throw new CliUsageError(
      unknown ? `Unknown option "${unknown[1]}": run webagent --help for the options` : message,
    );
  }
  const v = parsed.values;
  const givenType = v["model-type"] ?? "InferenceClientModel";
  const modelType = resolveModelType(givenType);
  if (modelType === undefined) {
    throw new CliUsageError(
      `Unknown model type "${givenType}": use ${MODEL_TYPES.map((t) => `"${t}"`).join(", ")}`,
    );
  }
  const viewportText = v.viewport ?? "1024x768";
  const size = /^(\d+)x(\d+)$/i.exec(viewportText);
  if (!size) {
    throw new CliUsageError(`--viewport must look like 1024x768, got "${viewportText}"`);
  }
  const verbosity = integer(v["verbosity-level"], "--verbosity-level", 0) ?? 1;
  if (verbosity > 2) {
    throw new CliUsageError(`--verbosity-level must be 0, 1 or 2, got ${verbosity}`);
  }
  const allow = v["allow-private-network"];
  const apiBase = v["api-base"];
  if (apiBase !== undefined && (!/^https?:\/\//i.test(apiBase) || !URL.canParse(apiBase))) {
    throw new CliUsageError(`--api-base must be an http(s) URL, got "${apiBase}"`);
  }
  return {
    task: parsed.positionals.join(" ").trim() || undefined,
    modelType,
    modelId: v["model-id"],
    apiBase,
    apiKey: v["api-key"],
    provider: v.provider,
    maxSteps: integer(v["max-steps"], "--max-steps", 1),
    verbosity: verbosity as 0 | 1 | 2,
    stream: v.stream === true,
    chromium: v.chromium,
    cdpUrl: v["cdp-url"],
    headed: v.headed === true,
    viewport: { width: Number(size[1]), height: Number(size[2]) },
    allowPrivateNetwork: allow === undefined
      ? false
      : allow === BARE
      ? true
      : allow.split(",").map((h) => h.trim()).filter(Boolean),
    screenshots: integer(v.screenshots, "--screenshots", 0) ?? 2,
    help: v.help === true,
  };
}

/**
 * Runs the `webagent` command with `args` and resolves to its exit code.
 * Arguments and model settings are checked before the browser starts.
 *
 * @example A usage error is exit code 2
 * ```ts
 * import { runWebAgentCli } from "./web.ts";
 *
 * let err = "";
 * const code = await runWebAgentCli(["--viewport", "big", "task"], { stderr: (t) => (err += t) });
 * console.log(code, err.includes("--viewport must look like 1024x768")); // 2 true
 * ```
 */
export async function runWebAgentCli(args: readonly string[], io: CliIo = {}): Promise<number> {
  // The agent's log and the CLI's own lines share stderr: see CliStderr.
  const { stdout, err, stderr } = cliOutputs(io);
  let options: WebAgentCliOptions;
  try {
    options = parseWebAgentArgs(args);
  } catch (error) {
    if (!(error instanceof CliUsageError)) throw error;
    stderr(`error: ${error.message}\nRun "webagent --help" for usage.`);
    return 2;
  }
  if (options.help) {
    stdout(WEB_HELP);
    return 0;
  }
  if (options.task === undefined) {
    stderr('error: no task given: pass it as the first argument, e.g. webagent "Find …"');
    return 2;
  }
  const logger = new Logger({ level: options.verbosity as LogLevel, writer: err.writer });
  let model: Model;
  let server: ModelServer;
  try {
    // A model that reads images: for OpenAI, gpt-4o unless told otherwise.
    const modelId = options.modelId ??
      (options.modelType === "OpenAIServerModel" ? "gpt-4o" : undefined);
    ({ model, server } = await createModel(
      { ...options, modelId },
      (info) => logger.warn(formatRetry(info)),
    ));
  } catch (error) {
    if (error instanceof TypeError || error instanceof RangeError) {
      stderr(`error: ${error.message}`);
      return 2;
    }
    throw error;
  }

  const controller = new AbortController();
  const signal = io.signal ? AbortSignal.any([io.signal, controller.signal]) : controller.signal;
  let agent: BrowserAgent | undefined;
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts > 1) Deno.exit(130);
    stderr("Interrupted: stopping the agent and closing the browser (Ctrl-C again to force)…");
    agent?.interrupt();
    controller.abort(new DOMException("Interrupted by the user", "AbortError"));
  };
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  if (!io.signal) { for (const s of signals) Deno.addSignalListener(s, onSignal); }
  let session: BrowserSession | undefined;
  try {
    const browser = await import("../../tools/browser.ts");
    const common = {
      viewport: options.viewport,
      allowPrivateNetwork: options.allowPrivateNetwork,
      signal,
    };
    try {
      session = options.cdpUrl
        ? await browser.BrowserSession.connect(options.cdpUrl, common)
        : await browser.BrowserSession.launch({
          ...common,
          executablePath: options.chromium,
          headless: !options.headed,
        });
    } catch (error) {
      if (signal.aborted) return 130;
      if (error instanceof RangeError || error instanceof TypeError) {
        stderr(`error: ${error.message}`);
        return 2;
      }
      stderr(`error: ${(error as Error).message}`);
      return 1;
    }
    agent = new browser.BrowserAgent({
      model,
      session,
      maxSteps: options.maxSteps,
      streamOutputs: options.stream,
      screenshots: options.screenshots,
      logger,
    });
    const result = await drain(agent.stream(options.task, { signal }));
    if (result.state === "interrupted" || signal.aborted) return 130;
    err.endLine();
    const output = result.output;
    const text = typeof output === "string" ? output : JSON.stringify(output, null, 2) ?? "";
    stdout(text.endsWith("\n") ? text : `${text}\n`);
    if (result.state === "max_steps_error") {
      stderr(
        `error: the agent reached --max-steps (${agent.maxSteps}) without a final answer; the answer above is its best guess`,
      );
      return 1;
    }
    return 0;
  } catch (error) {
    if (signal.aborted) return 130;
    stderr(`error: ${explainFailure(error, server)}`);
    return 1;
  } finally {
    await agent?.close().catch(() => {});
    await session?.close().catch(() => {});
    if (!io.signal) { for (const s of signals) Deno.removeSignalListener(s, onSignal); }
  }
}

async function drain(events: AsyncGenerator<AgentEvent, RunResult>): Promise<RunResult> {
  let next = await events.next();
  while (!next.done) next = await events.next();
  return next.value;
}

if (import.meta.main) {
  Deno.exit(await runWebAgentCli(Deno.args));
}
