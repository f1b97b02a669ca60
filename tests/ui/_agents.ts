// What the UI tests share: scripted agents (the sandbox is real), a model
// that streams at the test's pace, waiting for a condition, and the check
// that a test left no process or folder behind.

import { CodeAgent, type CodeAgentOptions } from "../../src/agents/code_agent.ts";
import { LogLevel } from "../../src/logger.ts";
import type { ChatMessageStreamDelta, Model } from "../../src/models/model.ts";
import { ScriptedModel, type ScriptedReply } from "../../src/testing.ts";
import type { ServeUIOptions } from "../../src/ui/mod.ts";
import { childrenOf, dirsLeftBy, isAlive } from "../_processes.ts";

/** A CodeAgent with a scripted model and a real sandbox, silent. */
export function scriptedAgent(
  replies: ScriptedReply[],
  options: Partial<CodeAgentOptions> = {},
): CodeAgent {
  return new CodeAgent({
    model: new ScriptedModel({ replies }),
    logLevel: LogLevel.OFF,
    ...options,
  });
}

/** Server options for tests: nothing printed, problems collected. */
export function quiet(errors: string[] = []): ServeUIOptions {
  return { onListen: () => {}, onError: (message) => errors.push(message) };
}

/**
 * A model whose replies stream piece by piece; a promise among the pieces
 * holds the stream until it resolves, so a test can look at the page midway.
 */
export function pacedModel(replies: (string | Promise<unknown>)[][]): Model {
  let call = 0;
  const next = () => {
    const reply = replies[call++];
    if (!reply) throw new Error(`pacedModel has no reply ${call}`);
    return reply;
  };
  return {
    modelId: "paced-model",
    async generate() {
      let content = "";
      for (const piece of next()) {
        if (typeof piece === "string") content += piece;
        else await piece;
      }
      return { role: "assistant", content, tokenUsage: { inputTokens: 10, outputTokens: 5 } };
    },
    async *generateStream(_messages, options): AsyncIterable<ChatMessageStreamDelta> {
      for (const piece of next()) {
        options?.signal?.throwIfAborted();
        if (typeof piece === "string") yield { content: piece };
        else await piece;
      }
      yield { tokenUsage: { inputTokens: 10, outputTokens: 5 } };
    },
  };
}

/** Waits until `condition` holds, checking every 50 ms; fails after `ms` saying what it waited for. */
export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  ms = 20_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** This process's children and sandbox folders now, to compare with later. */
export interface Snapshot {
  pids: Set<number>;
  dirs: Set<string>;
}

/** Takes a {@linkcode Snapshot}. */
export async function snapshot(): Promise<Snapshot> {
  return {
    pids: new Set(childrenOf(Deno.pid).filter(isAlive)),
    dirs: new Set(await dirsLeftBy(Deno.pid)),
  };
}

/**
 * Fails when a process (browser, sandbox) or a sandbox folder started after
 * `before` is still there. Processes get a moment to be reaped.
 */
export async function assertNothingLeft(before: Snapshot): Promise<void> {
  const extra = () => childrenOf(Deno.pid).filter((pid) => !before.pids.has(pid) && isAlive(pid));
  try {
    await waitFor("the test's processes to end", () => extra().length === 0, 15_000);
  } catch {
    const left = extra().map((pid) => {
      try {
        return `${pid} ${Deno.readTextFileSync(`/proc/${pid}/cmdline`).replaceAll("\0", " ")}`;
      } catch {
        return String(pid);
      }
    });
    throw new Error(`Processes left running: ${left.join("; ")}`);
  }
  const dirs = (await dirsLeftBy(Deno.pid)).filter((d) => !before.dirs.has(d));
  if (dirs.length) throw new Error(`Sandbox folders left: ${dirs.join(", ")}`);
}

/** Whether `path` exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}
