// Argument parsing and help of the `smolagent` CLI: pure functions, so every
// flag is tested without spawning anything.
import { parseArgs } from "node:util";
import { PERMISSION_NAMES } from "../../executors/deno_executor.ts";

/** The model classes the CLI can build. */
export const MODEL_TYPES = [
  "InferenceClientModel",
  "OpenAIServerModel",
  "AzureOpenAIServerModel",
] as const;
/** One of {@linkcode MODEL_TYPES}. */
export type ModelType = typeof MODEL_TYPES[number];

/** Other names `--model-type` accepts: the smolagents class names. */
export const MODEL_TYPE_ALIASES: Readonly<Record<string, ModelType>> = {
  OpenAIModel: "OpenAIServerModel",
  AzureOpenAIModel: "AzureOpenAIServerModel",
};

/** Tools the CLI can add by name. */
export const CLI_TOOLS = [
  "web_search",
  "visit_webpage",
  "wikipedia_search",
  "transcriber",
  "user_input",
  "code_interpreter",
] as const;

// One list of permission names for the sandbox and the CLI flags that grant them.
type PermissionName = typeof PERMISSION_NAMES[number];

/** What the command line asked for. */
export interface CliOptions {
  /** The task, or undefined to ask for it interactively. */
  task?: string;
  modelType: ModelType;
  modelId?: string;
  apiBase?: string;
  apiKey?: string;
  provider?: string;
  actionType: "code" | "tool_calling";
  tools: string[];
  imports: string[];
  permissions: Partial<Record<PermissionName, boolean | string[]>>;
  /** Each `--deny-*` list: wins over every grant, flags, policy and answers alike. */
  deny: Partial<Record<PermissionName, string[]>>;
  /**
   * `--permission-policy`: a JSON file of standing grants and denials, read
   * at start; "always" answers are added to it.
   */
  permissionPolicy?: string;
  /** `--approve-tools`: tools (MCP ones too) whose every call waits for approval. */
  approveTools: string[];
  /** `--no-permission-prompt`: deny a step's permission requests without asking. */
  permissionPrompt: boolean;
  /** `--ui`: serve the web UI instead of running one task. */
  ui: boolean;
  /** `--ui-host`: the interface the UI listens on (default 127.0.0.1). */
  uiHost?: string;
  /** `--ui-port`: the UI's port (default 7860; 0 picks a free one). */
  uiPort?: number;
  maxSteps?: number;
  planningInterval?: number;
  /** 0 errors only, 1 steps (default), 2 everything. */
  verbosity: 0 | 1 | 2;
  /** Each `--mcp-server`: a URL or a command line. */
  mcpServers: string[];
  stream: boolean;
  help: boolean;
  version: boolean;
}

/** The command line is wrong; the message says how to fix it. Exit code 2. */
export class CliUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliUsageError";
  }
}

/** The model type a name stands for (a class name or an alias), or undefined. */
export function resolveModelType(name: string): ModelType | undefined {
  const type = Object.hasOwn(MODEL_TYPE_ALIASES, name) ? MODEL_TYPE_ALIASES[name] : name;
  return (MODEL_TYPES as readonly string[]).includes(type) ? type as ModelType : undefined;
}

/** Parses `smolagent` arguments; throws {@linkcode CliUsageError}. */
export function parseCliArgs(args: readonly string[]): CliOptions {
  // `--tools a b` and `--imports x y` take several words, as in smolagents'
  // CLI; node:util wants one value per flag, so gather those first.
  const rest: string[] = [];
  const tools: string[] = [];
  const imports: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const [flag, inline] = splitFlag(arg);
    if (flag === "--tools" || flag === "--imports") {
      const into = flag === "--tools" ? tools : imports;
      const words = inline !== undefined ? [inline] : [];
      // Following words belong to the flag while they look like its values,
      // so `--tools web_search "the task"` still finds the task.
      while (
        inline === undefined && i + 1 < args.length && !args[i + 1].startsWith("-") &&
        (flag === "--tools" ? isToolList(args[i + 1]) : isImportList(args[i + 1]))
      ) {
        words.push(args[++i]);
      }
      const next = args[i + 1];
      if (words.length === 0 && next !== undefined && !next.startsWith("-")) {
        throw new CliUsageError(
          flag === "--tools"
            ? `Unknown tool "${
              next.split(",").find((w) => !isToolList(w)) ?? next
            }": available tools are ${quoteList(CLI_TOOLS)}`
            : `"${next}" is not a module specifier: use e.g. npm:lodash@4 or "node:*"`,
        );
      }
      if (words.length === 0) {
        throw new CliUsageError(
          flag === "--tools"
            ? `--tools needs tool names: choose from ${quoteList(CLI_TOOLS)}`
            : '--imports needs module specifiers, e.g. --imports npm:lodash@4 "node:*"',
        );
      }
      into.push(...words.flatMap((w) => w.split(",")).map((w) => w.trim()).filter(Boolean));
      continue;
    }
    rest.push(arg);
  }
  for (const name of tools) {
    if (!(CLI_TOOLS as readonly string[]).includes(name)) {
      throw new CliUsageError(
        `Unknown tool "${name}": available tools are ${quoteList(CLI_TOOLS)}`,
      );
    }
  }

  let parsed;
  try {
    parsed = parseArgs({
      // A bare `--allow-net` means "all hosts"; give it a value first so the
      // next word (often the task) is not taken as its value.
      args: normalizePermissionFlags(rest),
      allowPositionals: true,
      strict: true,
      options: {
        "model-type": { type: "string" },
        "model-id": { type: "string" },
        "api-base": { type: "string" },
        "api-key": { type: "string" },
        provider: { type: "string" },
        "action-type": { type: "string" },
        "max-steps": { type: "string" },
        "planning-interval": { type: "string" },
        "verbosity-level": { type: "string" },
        "mcp-server": { type: "string", multiple: true },
        stream: { type: "boolean" },
        "permission-policy": { type: "string" },
        "approve-tools": { type: "string", multiple: true },
        "no-permission-prompt": { type: "boolean" },
        ui: { type: "boolean" },
        "ui-host": { type: "string" },
        "ui-port": { type: "string" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "V" },
        ...Object.fromEntries(
          PERMISSION_NAMES.map((p) => [`allow-${p}`, { type: "string" as const }]),
        ),
        ...Object.fromEntries(
          PERMISSION_NAMES.map((p) => [`deny-${p}`, { type: "string" as const }]),
        ),
      },
    });
  } catch (error) {
    throw new CliUsageError(cleanParseError(error as Error));
  }
  const v = parsed.values as Record<string, string | string[] | boolean | undefined>;

  const givenType = (v["model-type"] ?? "InferenceClientModel") as string;
  const modelType = resolveModelType(givenType);
  if (modelType === undefined) {
    throw new CliUsageError(
      `Unknown model type "${givenType}": use ${quoteList(MODEL_TYPES)} ` +
        `(or the aliases ${quoteList(Object.keys(MODEL_TYPE_ALIASES))})`,
    );
  }
  const actionType = (v["action-type"] ?? "code") as string;
  if (actionType !== "code" && actionType !== "tool_calling") {
    throw new CliUsageError(`Unknown action type "${actionType}": use "code" or "tool_calling"`);
  }
  const verbosity = integer(v["verbosity-level"] as string | undefined, "--verbosity-level", 0) ??
    1;
  if (verbosity > 2) {
    throw new CliUsageError(`--verbosity-level must be 0, 1 or 2, got ${verbosity}`);
  }
  const permissions: CliOptions["permissions"] = {};
  for (const name of PERMISSION_NAMES) {
    const value = v[`allow-${name}`] as string | undefined;
    if (value === undefined) continue;
    permissions[name] = value === BARE ? true : value.split(",").map((s) => s.trim()).filter(
      Boolean,
    );
  }
  const deny: CliOptions["deny"] = {};
  for (const name of PERMISSION_NAMES) {
    const value = v[`deny-${name}`] as string | undefined;
    if (value === undefined) continue;
    const list = value.split(",").map((s) => s.trim()).filter(Boolean);
    if (list.length === 0) {
      throw new CliUsageError(
        `--deny-${name} needs what to deny, e.g. --deny-${name}=${DENY_EXAMPLES[name]}`,
      );
    }
    deny[name] = list;
  }
  const uiPort = integer(v["ui-port"] as string | undefined, "--ui-port", 0);
  if (uiPort !== undefined && uiPort > 65535) {
    throw new CliUsageError(`--ui-port must be at most 65535, got ${uiPort}`);
  }
  const ui = v.ui === true;
  if (!ui && (v["ui-host"] !== undefined || uiPort !== undefined)) {
    throw new CliUsageError("--ui-host and --ui-port go with --ui");
  }
  const apiBase = v["api-base"] as string | undefined;
  if (apiBase !== undefined && (!/^https?:\/\//i.test(apiBase) || !URL.canParse(apiBase))) {
    throw new CliUsageError(
      `--api-base must be an http(s) URL such as http://127.0.0.1:11434/v1, got "${apiBase}"`,
    );
  }
  const task = parsed.positionals.join(" ").trim() || undefined;
  return {
    task,
    modelType,
    modelId: v["model-id"] as string | undefined,
    apiBase,
    apiKey: v["api-key"] as string | undefined,
    provider: v.provider as string | undefined,
    actionType,
    tools: [...new Set(tools)],
    imports,
    permissions,
    deny,
    permissionPolicy: v["permission-policy"] as string | undefined,
    approveTools: [
      ...new Set(
        ((v["approve-tools"] as string[] | undefined) ?? []).flatMap((w) => w.split(","))
          .map((w) => w.trim()).filter(Boolean),
      ),
    ],
    permissionPrompt: v["no-permission-prompt"] !== true,
    ui,
    uiHost: v["ui-host"] as string | undefined,
    uiPort,
    maxSteps: integer(v["max-steps"] as string | undefined, "--max-steps", 1),
    planningInterval: integer(
      v["planning-interval"] as string | undefined,
      "--planning-interval",
      1,
    ),
    verbosity: verbosity as 0 | 1 | 2,
    mcpServers: (v["mcp-server"] as string[] | undefined) ?? [],
    stream: v.stream === true,
    help: v.help === true,
    version: v.version === true,
  };
}

const DENY_EXAMPLES: Record<PermissionName, string> = {
  read: "$HOME/.ssh",
  write: "/etc",
  net: "169.254.169.254",
  env: "AWS_SECRET_ACCESS_KEY",
  sys: "networkInterfaces",
  run: "curl",
  ffi: "/usr/lib",
  import: "example.com",
};

/** Marks a permission flag given without `=value`. */
const BARE = "\u0000all";

function normalizePermissionFlags(args: readonly string[]): string[] {
  return args.map((arg) =>
    PERMISSION_NAMES.some((p) => arg === `--allow-${p}`) ? `${arg}=${BARE}` : arg
  );
}

function splitFlag(arg: string): [string, string | undefined] {
  const eq = arg.indexOf("=");
  return arg.startsWith("--") && eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
}

function isToolList(word: string): boolean {
  return word.split(",").every((w) => (CLI_TOOLS as readonly string[]).includes(w.trim()));
}

function isImportList(word: string): boolean {
  return word.split(",").every((w) => /^(npm|node|jsr|https?):\S+$|^\S+\*$/.test(w.trim()));
}

/** A flag's value as an integer of at least `min`, or undefined when absent; throws {@linkcode CliUsageError}. */
export function integer(value: string | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new CliUsageError(`${flag} must be an integer >= ${min}, got "${value}"`);
  }
  return n;
}

function quoteList(items: readonly string[]): string {
  return items.map((i) => `"${i}"`).join(", ");
}

function cleanParseError(error: Error): string {
  const unknown = /Unknown option '([^']+)'/.exec(error.message);
  if (unknown) return `Unknown option "${unknown[1]}": run smolagent --help for the options`;
  const missing = /Option '([^']+?)(?: <value>)?' argument missing/.exec(error.message);
  if (missing) return `Option "${missing[1].replace(/^-\w, /, "")}" needs a value`;
  return error.message;
}

/** The `--help` text. */
export const HELP: string = `smolagent: run a smoldeno agent on a task from the terminal.

Usage:
  smolagent "task" [options]
  smolagent            (asks for the task and the model interactively)
  smolagent --ui [options]   (chat with the agent in the browser)
  smolagent web "task" [options]
                       (a browser agent on Chromium: smolagent web --help)
  smolagent eval DATASET.jsonl [options]
                       (score an agent on a dataset: smolagent eval --help)

Model:
  --model-type TYPE        InferenceClientModel (default), OpenAIServerModel
                           or AzureOpenAIServerModel
  --model-id ID            e.g. Qwen/Qwen2.5-Coder-32B-Instruct, gpt-4o
  --api-base URL           OpenAI-compatible server (Ollama, vLLM, LM Studio…)
  --api-key KEY            default: HF_TOKEN, OPENAI_API_KEY or
                           AZURE_OPENAI_API_KEY from the environment
  --provider NAME          Hugging Face inference provider (e.g. "together")

Agent:
  --action-type TYPE       code (default: the agent writes TypeScript run in
                           a sandbox) or tool_calling (native tool calls)
  --tools NAME...          web_search visit_webpage wikipedia_search
                           transcriber user_input code_interpreter
  --max-steps N            default 20
  --planning-interval N    plan every N steps
  --mcp-server SERVER      an MCP server's URL, or the command that starts it
                           ("npx -y @modelcontextprotocol/server-everything");
                           repeatable
  --stream                 show the model's reply as it is written
  --approve-tools NAMES    tools whose every call you approve first (y/N,
                           or type why not: the model reads it), e.g.
                           --approve-tools=write_file,delete_file; MCP
                           tools too; repeatable

Sandbox (what the agent's code may do; nothing by default):
  --imports SPEC...        modules it may import: npm:lodash@4 "node:*"
  --allow-net[=HOSTS]      like Deno's flags, with comma-separated lists
  --allow-read[=PATHS]
  --allow-write[=PATHS]
  --allow-env[=NAMES]
  --allow-sys[=APIS]
  --allow-run[=PROGRAMS]
  --allow-ffi[=PATHS]
  --allow-import[=HOSTS]
  --deny-net=HOSTS         deny lists, like Deno's --deny-* flags: they win
  --deny-read=PATHS …      over every grant (also --deny-write, -env, -sys,
                           -run, -ffi, -import)
  --permission-policy FILE JSON file of standing grants and denials:
                           {"allow": {"net": ["api.example.com"]},
                            "deny": {"read": ["/home/me/.ssh"]}}
                           "always" answers are saved to it
  --no-permission-prompt   deny what the code asks for without asking

When the code is denied a permission, smolagent asks on the terminal:
  y  allow it for this run   a  always (saved to --permission-policy)
  N  deny (the default; the model sees the denial)
Only the exact host, path or name asked for is granted, never a whole
permission; every grant is logged.

Web UI:
  --ui                     serve a chat page instead of running one task
  --ui-host HOST           default 127.0.0.1; any other needs the access
                           token that is printed once
  --ui-port N              default 7860 (0: a free port)

Output:
  --verbosity-level N      0 errors only, 1 steps (default), 2 everything
  -h, --help               this help
  -V, --version            the version

The final answer is printed on stdout, the agent's log on stderr (with a
warning line for each retry of a model request, at every verbosity).
Exit codes: 0 answered, 1 the agent failed or reached --max-steps,
2 usage error, 130 interrupted (Ctrl-C).

Examples:
  smolagent "What is 7 * 6?" --model-type OpenAIServerModel --model-id gpt-4o-mini
  smolagent "Summarise https://deno.com" --tools web_search visit_webpage
  smolagent "Fetch example.com's title" --allow-net=example.com \\
      --model-type OpenAIServerModel --api-base http://127.0.0.1:11434/v1 --model-id qwen2.5-coder
`;
