// What the CLI says about the model's server: each retry as it happens, and
// a failed request as one line that names what was wrong and what to do, in
// the CLI's terms (its flags and environment variables, not the library's
// option names). Pure functions, tested without a server.

import { AgentGenerationError } from "../errors.ts";
import type { RetryInfo } from "../models/model_options.ts";
import type { ModelType } from "./_args.ts";

/** Where the CLI's model sends its requests, for the messages. */
export interface ModelServer {
  /** The model type built. */
  modelType: ModelType;
  /** The model id (or Azure deployment) requested. */
  modelId: string;
  /** E.g. `http://127.0.0.1:11434/v1`, or `the Hugging Face router`. */
  where: string;
  /** Whether `--api-base` chose the server. */
  custom: boolean;
}

/**
 * One line about a retry:
 * `Model "x" request failed (cannot reach …: connection refused): retrying in 0.7 s, attempt 2 of 4`.
 */
export function formatRetry(info: RetryInfo): string {
  return `Model "${info.modelId}" request failed (${oneLine(info.reason)}): retrying in ${
    seconds(info.delayMs)
  }, attempt ${info.attempt} of ${info.maxAttempts}`;
}

/** A failed run's error as one line (without the `error:` label). */
export function explainFailure(error: unknown, server: ModelServer): string {
  const generation = findGenerationError(error);
  const message = error instanceof Error ? error.message : String(error);
  if (!generation) return oneLine(message);
  const failure = parseFailure(generation);
  if (!failure) return oneLine(generation.message);
  const { status, detail, attempts, timedOut } = failure;
  const after = attempts > 1 ? ` after ${attempts} attempts` : "";
  const said = status === undefined ? detail : `${status}: ${detail}`;
  const at = server.where;
  if (status === 404) {
    return server.modelType === "AzureOpenAIServerModel"
      ? `deployment "${server.modelId}" was not found at ${at} (${said}): check --model-id (the deployment name) and --api-base (the resource endpoint)`
      : server.modelType === "InferenceClientModel" && !server.custom
      ? `model "${server.modelId}" was not found at ${at} (${said}): check --model-id (a Hub id such as Qwen/Qwen2.5-Coder-32B-Instruct) and --provider`
      : `model "${server.modelId}" was not found at ${at} (${said}): check --model-id, and that --api-base is the server's OpenAI-compatible URL (usually ending in /v1)`;
  }
  if (status === 401 || status === 403) {
    return `the server at ${at} refused the credentials (${said}): check ${keyHint(server)}`;
  }
  if (status === 429) {
    return `the server at ${at} is limiting requests (${said})${after}: wait a little and try again, or check your plan's limits`;
  }
  if (timedOut) {
    return `the model server at ${at} gave ${detail}${after}: try again, or check that the server is not overloaded`;
  }
  if (status === undefined && detail.startsWith("connection to ")) {
    // Reached, then lost while it answered.
    const reason = detail.replace(/^connection to \S+ failed: /, "");
    return `the connection to the model server at ${at} broke${after} (${reason}): try again`;
  }
  if (status === undefined && detail.startsWith("cannot reach ")) {
    const reason = detail.replace(/^cannot reach \S+: /, "");
    return `cannot reach the model server at ${at}${after} (${reason}): ${
      server.custom ? "check that it is running and that --api-base is right" : "check your network"
    }`;
  }
  // A reply the models could not read, say: their own message says it.
  if (status === undefined) return oneLine(generation.message);
  if (status >= 500) {
    return `the model server at ${at} failed (${said})${after}: try again later`;
  }
  return `the model server at ${at} rejected the request (${said})`;
}

function keyHint(server: ModelServer): string {
  switch (server.modelType) {
    case "InferenceClientModel":
      return "--api-key or HF_TOKEN";
    case "AzureOpenAIServerModel":
      return "--api-key or AZURE_OPENAI_API_KEY";
    case "OpenAIServerModel":
      // The library sends OPENAI_API_KEY to OpenAI only.
      return server.custom ? "--api-key (the key of that server)" : "--api-key or OPENAI_API_KEY";
  }
}

function findGenerationError(error: unknown): AgentGenerationError | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof AgentGenerationError) return e;
  }
  return undefined;
}

interface ParsedFailure {
  status?: number;
  detail: string;
  attempts: number;
  timedOut: boolean;
}

// The models' message: `Model "<id>" request <failed | failed with status N |
// timed out>[ after N attempts]: <detail>` (see src/models/_chat_core.ts).
const REQUEST_FAILURE =
  /^Model ".*?" request (timed out|failed(?: with status (\d{3}))?)(?: after (\d+) attempts)?: ([\s\S]*)$/;

function parseFailure(error: AgentGenerationError): ParsedFailure | undefined {
  const match = REQUEST_FAILURE.exec(error.message);
  if (!match) return undefined;
  return {
    status: error.status ?? (match[2] ? Number(match[2]) : undefined),
    detail: oneLine(match[4]),
    attempts: match[3] ? Number(match[3]) : 1,
    timedOut: match[1] === "timed out",
  };
}

function seconds(ms: number): string {
  if (ms < 100) return `${Math.round(ms)} ms`;
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}
