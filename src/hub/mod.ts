/**
 * Sharing agents and tools on the Hugging Face Hub, through
 * `npm:@huggingface/hub`. {@linkcode pushToHub} uploads a tool or an agent
 * as a Space in one commit, in a layout smolagents users know — `tool.ts`
 * where a Python tool has `tool.py`; `agent.json`, `prompts.yaml`, `tools/`
 * and `managed_agents/` for an agent — and {@linkcode toolFromHub} /
 * {@linkcode agentFromHub} load them back, which runs their code, hence
 * `trustRemoteCode: true`. {@linkcode toolFromSpace} calls a Gradio Space as
 * a tool, through `npm:@gradio/client`.
 *
 * The token is `accessToken`, or the `HF_TOKEN` environment variable (read
 * only with `--allow-env`); it never appears in errors or saved files.
 * `hubUrl` points at another Hub, such as a local mirror.
 *
 * @example Sharing a tool and loading it back (needs a Hub token)
 * ```ts ignore
 * import { tool } from "@smoldeno/agents";
 * import { pushToHub, toolFromHub } from "@smoldeno/agents/hub";
 *
 * const add = tool({
 *   name: "add",
 *   description: "Adds two numbers.",
 *   inputs: { a: { type: "number", description: "First" }, b: { type: "number", description: "Second" } },
 *   outputType: "number",
 *   forward: ({ a, b }) => a + b,
 * });
 * await pushToHub(add, "my-name/add-tool", { accessToken: Deno.env.get("HF_TOKEN") });
 * const loaded = await toolFromHub("my-name/add-tool", { trustRemoteCode: true });
 * console.log(await loaded.call({ a: 2, b: 3 })); // 5
 * ```
 *
 * @example Without trustRemoteCode, nothing is downloaded
 * ```ts
 * import { toolFromHub } from "@smoldeno/agents/hub";
 *
 * try {
 *   await toolFromHub("someone/some-tool", { trustRemoteCode: false });
 * } catch (error) {
 *   console.log((error as Error).message.includes("trustRemoteCode: true")); // true
 * }
 * ```
 *
 * @module
 */

import {
  commit,
  type CommitOperation,
  createRepo,
  downloadFile,
  HubApiError,
  listFiles,
} from "@huggingface/hub";
import type { MultiStepAgent } from "../agents/multi_step_agent.ts";
import { readEnv } from "../models/_settings.ts";
import type { Tool } from "../tool_types.ts";
import { type AgentData, agentDataToFiles } from "../serialize/_agent_data.ts";
import { SerializationError } from "../serialize/_errors.ts";
import { type FolderFiles, writeFolderAtomic } from "../serialize/_files.ts";
import {
  checkSelfContained,
  type ToolModuleOptions,
  toolToModule,
} from "../serialize/_tool_source.ts";
import { loadTool, requireTrust } from "../serialize/_tool_load.ts";
import { loadAgent, type LoadAgentOptions } from "../serialize/mod.ts";

export { type SpaceTool, toolFromSpace, type ToolFromSpaceOptions } from "./_space_tool.ts";

/** Where the Hub is and who you are, for every call of this module. */
export interface HubOptions {
  /** A Hugging Face token (`hf_…`). Default: the `HF_TOKEN` environment variable, if readable. */
  accessToken?: string;
  /** The Hub's address (default: `HF_ENDPOINT` if set and readable, else the public Hugging Face Hub). */
  hubUrl?: string;
  /** The kind of repository (default `"space"`, as smolagents shares tools and agents). */
  repoType?: "space" | "model";
  /** A custom `fetch`, e.g. through a proxy. */
  fetch?: typeof fetch;
  /** Cancels the transfer. */
  signal?: AbortSignal;
}

/** Options of {@linkcode pushToHub}. */
export interface PushToHubOptions extends HubOptions {
  /** The commit's title (default `"Upload tool"` or `"Upload agent"`). */
  commitMessage?: string;
  /** Whether a repository created now is private (an existing one keeps its visibility). */
  private?: boolean;
  /** For a tool: import declarations its code needs (see `ToolModuleOptions.imports`). */
  imports?: ToolModuleOptions["imports"];
}

/** What {@linkcode pushToHub} did. */
export interface PushToHubResult {
  /** The repository's id, `namespace/name`. */
  repoId: string;
  /** The commit's URL on the Hub. */
  commitUrl: string;
  /** The files the commit uploaded, by path. */
  files: string[];
}

/** Options of {@linkcode toolFromHub}. */
export interface ToolFromHubOptions extends HubOptions {
  /** Must be `true`: the tool's code runs in this program. */
  trustRemoteCode: boolean;
  /** The branch, tag or commit to load (default `"main"`). */
  revision?: string;
}

/** Options of {@linkcode agentFromHub}. */
export interface AgentFromHubOptions extends HubOptions, LoadAgentOptions {
  /** The branch, tag or commit to load (default `"main"`). */
  revision?: string;
  /** Keep the downloaded folder here; by default it goes to a temporary folder, removed once loaded. */
  dir?: string;
}

const REPO_ID = /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/;

function checkRepoId(repoId: unknown): string {
  if (typeof repoId !== "string" || !REPO_ID.test(repoId)) {
    throw new TypeError(
      `Invalid Hub repository id ${
        JSON.stringify(repoId)
      }: expected "namespace/name", e.g. "my-name/my-tool"`,
    );
  }
  return repoId;
}

function token(options: HubOptions): string | undefined {
  return options.accessToken ?? readEnv("HF_TOKEN");
}

function hubUrl(options: HubOptions): string | undefined {
  return options.hubUrl ?? readEnv("HF_ENDPOINT");
}

/** A Hub failure as a SerializationError, without the token. */
function hubError(error: unknown, push: boolean, repoId: string, secret?: string): Error {
  const where = push
    ? `Cannot push to "${repoId}" on the Hub`
    : `Cannot load "${repoId}" from the Hub`;
  // A commit is applied whole or not at all, so a failed push changed nothing.
  const after = push ? "; nothing was committed, so the push can simply be tried again" : "";
  if (
    error instanceof SerializationError ||
    error instanceof TypeError && /trustRemoteCode/.test(error.message)
  ) {
    return error;
  }
  if ((error as Error)?.name === "AbortError") return error as Error;
  const scrub = (text: string) => secret ? text.split(secret).join("***") : text;
  if (error instanceof HubApiError) {
    const status = error.statusCode;
    const detail = scrub(String(error.message).split(". URL:")[0]);
    const notFound = status === 404 || status === 401 && !secret;
    return new SerializationError(
      notFound
        ? `${where}: the repository does not exist${
          secret ? "" : ", or is private (pass accessToken or set HF_TOKEN)"
        } (status ${status}: ${detail})`
        : `${where}: status ${status}: ${detail}${after}`,
      { kind: notFound ? "not_found" : "network", path: repoId, cause: error },
    );
  }
  const message = scrub((error as Error)?.message ?? String(error));
  return new SerializationError(
    `${where}: ${message}${after}`,
    { kind: "network", path: repoId, cause: error },
  );
}

function readme(title: string, tags: string[], body: string): string {
  return [
    "---",
    `title: ${JSON.stringify(title)}`,
    "sdk: static",
    "tags:",
    ...tags.map((t) => `  - ${t}`),
    "---",
    "",
    body,
    "",
  ].join("\n");
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"]/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!,
  );
}

function page(title: string, description: string, code: string): string {
  return `<!doctype html>\n<meta charset="utf-8">\n<title>${escapeHtml(title)}</title>\n<h1>${
    escapeHtml(title)
  }</h1>\n<p>${escapeHtml(description)}</p>\n<pre><code>${escapeHtml(code)}</code></pre>\n`;
}

function isAgent(value: unknown): value is MultiStepAgent {
  const v = value as { toJSON?: unknown; save?: unknown; memory?: unknown } | null;
  return v !== null && typeof v === "object" && typeof v.toJSON === "function" &&
    typeof v.save === "function" && v.memory !== undefined && "managedAgents" in v;
}

async function toolFiles(tool: Tool, options: PushToHubOptions): Promise<FolderFiles> {
  const module = toolToModule(tool, { imports: options.imports });
  await checkSelfContained(module, tool.name);
  const usage = [
    `A tool for smoldeno agents: \`${tool.name}\`. ${tool.description}`,
    "",
    "```ts",
    'import { toolFromHub } from "@smoldeno/agents/hub";',
    "",
    'const tool = await toolFromHub("<this repo>", { trustRemoteCode: true });',
    "```",
  ].join("\n");
  return {
    "tool.ts": module,
    "README.md": readme(tool.name, ["smolagents", "smoldeno", "tool"], usage),
    "index.html": page(tool.name, tool.description, module),
  };
}

async function agentFiles(agent: MultiStepAgent): Promise<FolderFiles> {
  const data: AgentData = agent.toJSON();
  const check = async (d: AgentData): Promise<void> => {
    for (const t of d.tools) await checkSelfContained(t.module, t.name);
    for (const m of d.managedAgents) await check(m);
  };
  await check(data);
  const files = agentDataToFiles(data);
  const title = String(data.options.name ?? data.class);
  const usage = [
    `A ${data.class} for smoldeno${
      data.options.description ? `: ${data.options.description}` : ""
    }.`,
    "",
    "```ts",
    'import { agentFromHub } from "@smoldeno/agents/hub";',
    "",
    'await using agent = await agentFromHub("<this repo>", { trustRemoteCode: true });',
    "```",
  ].join("\n");
  files["README.md"] = readme(title, ["smolagents", "smoldeno", "agent"], usage);
  files["index.html"] = page(
    title,
    String(data.options.description ?? data.class),
    files["agent.json"],
  );
  return files;
}

/**
 * Uploads a tool or an agent to a Hub repository in one commit, creating
 * the repository (a static Space by default) if needed. A tool becomes
 * `tool.ts`; an agent, the folder `agent.save()` writes. Files of tools and
 * managed agents the agent no longer has are deleted in the same commit.
 *
 * @example Pushing an agent (needs a Hub token)
 * ```ts ignore
 * import { CodeAgent } from "@smoldeno/agents";
 * import { OpenAIServerModel } from "@smoldeno/agents/models/openai";
 * import { pushToHub } from "@smoldeno/agents/hub";
 *
 * await using agent = new CodeAgent({ model: new OpenAIServerModel({ modelId: "gpt-4o" }) });
 * const { commitUrl } = await pushToHub(agent, "my-name/my-agent", { private: true });
 * console.log(commitUrl);
 * ```
 *
 * @throws {TypeError} for a bad repository id or a missing token.
 * @throws {SerializationError} when the tool's code is not self-contained, or the Hub refuses or cannot be reached (`kind: "network"`); the repository then has no partial commit.
 */
export async function pushToHub(
  target: Tool | MultiStepAgent,
  repoId: string,
  options: PushToHubOptions = {},
): Promise<PushToHubResult> {
  checkRepoId(repoId);
  const accessToken = token(options);
  if (!accessToken) {
    throw new TypeError(
      `Cannot push to "${repoId}": no Hub token. Pass accessToken, or set HF_TOKEN and run with --allow-env`,
    );
  }
  const agent = isAgent(target);
  const files = agent ? await agentFiles(target) : await toolFiles(target as Tool, options);
  const repoType = options.repoType ?? "space";
  const repo = { type: repoType, name: repoId } as const;
  const common = { hubUrl: hubUrl(options), fetch: options.fetch, accessToken };
  try {
    try {
      await createRepo({
        ...common,
        repo,
        private: options.private,
        ...(repoType === "space" ? { sdk: "static" as const } : {}),
      });
    } catch (error) {
      // 409: it exists already, which is the usual case for a second push.
      if (!(error instanceof HubApiError && error.statusCode === 409)) throw error;
    }
    options.signal?.throwIfAborted();
    const stale: string[] = [];
    if (agent) {
      for await (const entry of listFiles({ ...common, repo, recursive: true })) {
        if (
          entry.type === "file" && /^(tools|managed_agents)\//.test(entry.path) &&
          !(entry.path in files)
        ) {
          stale.push(entry.path);
        }
      }
    }
    const operations: CommitOperation[] = [
      ...Object.entries(files).map(([path, text]) => ({
        operation: "addOrUpdate" as const,
        path,
        content: new Blob([text]),
      })),
      ...stale.map((path) => ({ operation: "delete" as const, path })),
    ];
    const output = await commit({
      ...common,
      repo,
      title: options.commitMessage ?? (agent ? "Upload agent" : "Upload tool"),
      operations,
      abortSignal: options.signal,
      useXet: false,
    });
    return { repoId, commitUrl: output?.commit.url ?? "", files: Object.keys(files).sort() };
  } catch (error) {
    throw hubError(error, true, repoId, accessToken);
  }
}

/** Downloads the files of `repoId` that `keep` accepts, as text by path. */
async function download(
  repoId: string,
  options: HubOptions & { revision?: string },
  keep: (path: string) => boolean,
): Promise<{ files: FolderFiles; paths: string[] }> {
  const accessToken = token(options);
  const repo = { type: options.repoType ?? "space", name: repoId } as const;
  const common = {
    hubUrl: hubUrl(options),
    fetch: options.fetch,
    accessToken,
    revision: options.revision,
  };
  const files: FolderFiles = {};
  try {
    const paths: string[] = [];
    for await (const entry of listFiles({ ...common, repo, recursive: true })) {
      if (entry.type === "file") paths.push(entry.path);
    }
    for (const path of paths.filter(keep)) {
      options.signal?.throwIfAborted();
      const blob = await downloadFile({ ...common, repo, path, xet: false });
      if (blob === null) {
        throw new SerializationError(`Cannot download "${path}" from "${repoId}": it vanished`, {
          kind: "not_found",
          path: repoId,
        });
      }
      files[path] = await blob.text();
    }
    return { files, paths };
  } catch (error) {
    throw hubError(error, false, repoId, accessToken);
  }
}

/**
 * Loads a tool pushed with {@linkcode pushToHub}: downloads its `tool.ts`,
 * then loads it like `loadTool()`.
 *
 * @throws {TypeError} unless `trustRemoteCode` is `true` (checked before any download).
 * @throws {SerializationError} when the repository does not exist, has no `tool.ts`, or cannot be reached.
 */
export async function toolFromHub(repoId: string, options: ToolFromHubOptions): Promise<Tool> {
  checkRepoId(repoId);
  requireTrust(options, `tool "${repoId}" from the Hub`);
  const { files, paths } = await download(repoId, options, (p) => p === "tool.ts");
  if (files["tool.ts"] === undefined) {
    throw new SerializationError(
      paths.includes("tool.py")
        ? `Cannot load tool "${repoId}": it is a Python smolagents tool (tool.py); smoldeno loads TypeScript tools (tool.ts)`
        : `Cannot load tool "${repoId}": the repository has no tool.ts`,
      { kind: "missing_file", path: repoId },
    );
  }
  const dir = await Deno.makeTempDir({ prefix: "smoldeno-hub-tool-" });
  try {
    await Deno.writeTextFile(`${dir}/tool.ts`, files["tool.ts"]);
    return await loadTool(`${dir}/tool.ts`, { trustRemoteCode: true });
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/**
 * Loads an agent pushed with {@linkcode pushToHub}: downloads its folder
 * (`agent.json`, `prompts.yaml`, `tools/`, `managed_agents/`) in full, then
 * loads it like `loadAgent()` with the same options.
 *
 * @throws {TypeError} for a bad repository id, or an agent with tools without `trustRemoteCode: true`.
 * @throws {SerializationError} when the repository does not exist, a file is missing or corrupt, or the Hub cannot be reached.
 */
export async function agentFromHub(
  repoId: string,
  options: AgentFromHubOptions = {},
): Promise<MultiStepAgent> {
  checkRepoId(repoId);
  const { files, paths } = await download(
    repoId,
    options,
    (p) => ["agent.json", "prompts.yaml"].includes(p) || /^(tools|managed_agents)\//.test(p),
  );
  if (files["agent.json"] === undefined) {
    throw new SerializationError(
      paths.some((p) => p.endsWith(".py"))
        ? `Cannot load agent "${repoId}": it is a Python smolagents agent; smoldeno loads agents saved by smoldeno (agent.json with "format": "smoldeno.agent")`
        : `Cannot load agent "${repoId}": the repository has no agent.json`,
      { kind: "missing_file", path: repoId },
    );
  }
  const dir = options.dir ?? await Deno.makeTempDir({ prefix: "smoldeno-hub-agent-" });
  try {
    await writeFolderAtomic(dir, files);
    return await loadAgent(dir, options);
  } finally {
    if (options.dir === undefined) await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
