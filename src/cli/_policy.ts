// The CLI's permission policy file and its terminal prompt: what the
// sandbox may do beyond the flags, asked for by the code and answered by a
// person ("y", "N", "always"), with "always" answers kept in the file.
import { PERMISSION_NAMES } from "../../executors/deno_executor.ts";
import type { PermissionRequest } from "../errors.ts";
import type { PermissionDecision, PermissionRequestHandler } from "../executor.ts";
import { sanitizeForTerminal } from "../logger.ts";
import { writeFileAtomic } from "../serialize/_files.ts";
import { CliUsageError } from "./_args.ts";

type PermissionName = typeof PERMISSION_NAMES[number];
type Lists = Partial<Record<PermissionName, string[]>>;

/** The policy file: standing grants and denials, by permission name. */
export interface PermissionPolicy {
  allow: Lists;
  deny: Lists;
}

/**
 * Reads the policy at `path`. A missing file is an empty policy (the first
 * "always" answer creates it); a file that is not a policy is a usage error
 * that says what is wrong.
 */
export async function readPolicy(path: string): Promise<PermissionPolicy> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { allow: {}, deny: {} };
    throw new CliUsageError(
      `Cannot read --permission-policy ${path}: ${(error as Error).message}`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CliUsageError(
      `--permission-policy ${path} is not valid JSON (${(error as Error).message}); ` +
        `write it as {"allow": {"net": ["api.example.com"]}, "deny": {"read": ["/home/me/.ssh"]}}`,
    );
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new CliUsageError(
      `--permission-policy ${path} must hold an object with "allow" and/or "deny"`,
    );
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (key !== "allow" && key !== "deny") {
      throw new CliUsageError(
        `--permission-policy ${path}: unknown key "${key}" (only "allow" and "deny")`,
      );
    }
  }
  return {
    allow: lists(record.allow, `${path}: allow`),
    deny: lists(record.deny, `${path}: deny`),
  };
}

function lists(value: unknown, where: string): Lists {
  if (value === undefined) return {};
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new CliUsageError(
      `--permission-policy ${where} must map permission names to lists, e.g. {"net": ["api.example.com"]}`,
    );
  }
  const out: Lists = {};
  for (const [name, list] of Object.entries(value as Record<string, unknown>)) {
    if (!(PERMISSION_NAMES as readonly string[]).includes(name)) {
      throw new CliUsageError(
        `--permission-policy ${where}: unknown permission "${name}" (use ${
          PERMISSION_NAMES.join(", ")
        })`,
      );
    }
    if (!Array.isArray(list) || list.some((item) => typeof item !== "string" || item === "")) {
      throw new CliUsageError(
        `--permission-policy ${where}.${name} must be a list of non-empty strings; ` +
          "a whole permission is granted by the --allow flags only",
      );
    }
    out[name as PermissionName] = [...new Set(list as string[])];
  }
  return out;
}

/**
 * Adds `request`'s exact target to the policy's `allow` list, re-reading
 * the file first (another command may have written it) and replacing it
 * in one rename, so a crash never leaves half a file.
 */
export async function savePolicyGrant(path: string, request: PermissionRequest): Promise<void> {
  if (request.target === undefined) return;
  const policy = await readPolicy(path);
  const name = request.permission as PermissionName;
  const list = policy.allow[name] ?? [];
  if (list.includes(request.target)) return;
  policy.allow[name] = [...list, request.target];
  await writeFileAtomic(path, `${JSON.stringify(policy, null, 2)}\n`);
}

/** Adds `extra` lists to `base` permissions: a permission granted in full (`true`) stays so. */
export function mergeGrants<T extends Partial<Record<PermissionName, boolean | string[]>>>(
  base: T,
  extra: Lists,
): T {
  const out: Record<string, boolean | string[]> = { ...base };
  for (const [name, list] of Object.entries(extra)) {
    const current = out[name];
    if (current === true) continue;
    out[name] = [...new Set([...(Array.isArray(current) ? current : []), ...list!])];
  }
  return out as T;
}

/** Adds `extra` deny lists to `base`. */
export function mergeDenials(base: Lists, extra: Lists): Lists {
  const out: Lists = { ...base };
  for (const [name, list] of Object.entries(extra) as [PermissionName, string[]][]) {
    out[name] = [...new Set([...(out[name] ?? []), ...list])];
  }
  return out;
}

/** What a request asks for, in words: `net access to "api.example.com:443"`. */
export function describeRequest(request: PermissionRequest): string {
  const what: Record<string, string> = {
    read: "to read",
    write: "to write",
    net: "network access to",
    env: "to read the environment variable",
    sys: "the system information",
    run: "to run",
    ffi: "to load the native library",
    import: "to import from",
  };
  const verb = what[request.permission] ?? `${request.permission} access to`;
  return request.target === undefined
    ? `${request.permission} access (Deno named no target)`
    : `${verb} ${JSON.stringify(request.target)}`;
}

/** Options of {@linkcode terminalPermissionPrompt}. */
export interface PromptOptions {
  /** Asks one question; null means there is no terminal to ask on. */
  ask: (question: string) => Promise<string | null>;
  /** The CLI's log line writer. */
  line: (text: string) => void;
  /** Where "always" answers are saved, when `--permission-policy` is given. */
  policyPath?: string;
}

/**
 * The handler the CLI gives the agent: it asks `y/N/always` on the
 * terminal, denies when there is none (or the request names nothing to
 * grant), and saves "always" answers to the policy file.
 */
export function terminalPermissionPrompt(options: PromptOptions): PermissionRequestHandler {
  const { ask, line, policyPath } = options;
  return async (request, { signal }): Promise<PermissionDecision> => {
    // Deno's message is the sandbox's words, which the code may shape: no
    // escape sequence reaches the terminal.
    const wanted = sanitizeForTerminal(describeRequest(request));
    if (request.target === undefined) {
      line(`The agent's code was denied ${wanted}: nothing narrow to grant, so it stays denied.`);
      return "deny";
    }
    const keep = policyPath ? `saved to ${policyPath}` : "for the rest of this command";
    const answer = await Promise.race([
      ask(`The agent's code wants ${wanted}. Allow? [y] this run, [a] always (${keep}), [N] no:`),
      new Promise<null>((resolve) => signal.addEventListener("abort", () => resolve(null))),
    ]);
    if (answer === null) {
      line(`Denied ${wanted}: no answer (no terminal, or the wait ran out).`);
      return "deny";
    }
    const word = answer.trim().toLowerCase();
    if (word === "y" || word === "yes") return "once";
    if (word === "a" || word === "always") {
      if (policyPath) {
        try {
          await savePolicyGrant(policyPath, request);
          line(`Saved to ${policyPath}: later runs allow it without asking.`);
        } catch (error) {
          line(
            `Could not save to ${policyPath} (${
              (error as Error).message
            }): granted for this command only.`,
          );
        }
      }
      return "always";
    }
    line(`Denied ${wanted}.`);
    return "deny";
  };
}
