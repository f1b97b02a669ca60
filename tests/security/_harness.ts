/**
 * Shared fixtures of the security suite: host canaries that must stay
 * untouched (a secret file, a secret environment variable, TCP listeners that
 * count every connection, the host's prototypes), the executor factory with
 * small limits, and the assertions every case ends with.
 *
 * Each test file runs its cases as steps of one `Deno.test` sharing one
 * executor (a sandbox start costs a process), and gives each case that kills
 * the sandbox its own test and executor, so the sanitizers see every process
 * started and ended inside one test.
 *
 * @module
 */

import { AgentExecutionError, type ExecutionErrorKind } from "../../src/errors.ts";
import type { CodeOutput } from "../../src/executor.ts";
import { DenoExecutor, type DenoExecutorOptions } from "../../executors/deno_executor.ts";
import { assert, assertEquals, assertRejects } from "../_assert.ts";

/** Name of the host environment variable holding the canary secret. */
export const CANARY_ENV = "SMOLDENO_SECURITY_CANARY";
/** The secret in the host's environment: it must never reach the sandbox. */
export const CANARY_ENV_SECRET = `env-secret-${crypto.randomUUID()}`;
Deno.env.set(CANARY_ENV, CANARY_ENV_SECRET);

/** Small limits so the whole suite runs fast on 2 cores. */
export const LIMITS = { timeoutMs: 2000, memoryLimitMb: 128 } as const;

/**
 * `authorizedImports` for cases that attack through node: built-ins: with the
 * modules importable, what stops them must be the permission layer itself.
 */
export const NODE_BUILTINS: readonly string[] = ["node:*"];

/** Timeout of the executors shared by many cases (none of which should time out). */
export const SHARED_TIMEOUT_MS = 15_000;

/** Own property names of the host's built-in prototypes, before any case ran. */
const PROTOTYPES: Record<string, object> = {
  "Object.prototype": Object.prototype,
  "Array.prototype": Array.prototype,
  "Function.prototype": Function.prototype,
  "String.prototype": String.prototype,
  "Promise.prototype": Promise.prototype,
  "JSON": JSON,
};
const PROTOTYPE_KEYS: Record<string, string[]> = Object.fromEntries(
  Object.entries(PROTOTYPES).map(([n, o]) => [n, Reflect.ownKeys(o).map(String).sort()]),
);
const HOST_GLOBALS = {
  JSON_parse: JSON.parse,
  JSON_stringify: JSON.stringify,
  Promise,
  promiseThen: Promise.prototype.then,
  console,
  consoleLog: console.log,
};

/** Host-side things the sandbox must not reach. */
export interface Canary extends AsyncDisposable {
  /** A private directory of the host (not granted to any sandbox). */
  readonly dir: string;
  /** A file in `dir` holding `fileSecret`. */
  readonly file: string;
  /** The content of `file`. */
  readonly fileSecret: string;
  /** Port of the canary listener on 0.0.0.0 (reachable through every IPv4 address of the host). */
  readonly port: number;
  /** Port of the canary listener on [::] (every IPv6 address), or the IPv4 one if IPv6 is missing. */
  readonly port6: number;
  /** Connections the canary listeners accepted so far. */
  readonly hits: number;
  /** Stops the listeners and removes `dir`. */
  close(): Promise<void>;
}

/** Starts the canaries: a secret file and two counting TCP listeners. */
export async function startCanary(): Promise<Canary> {
  const dir = await Deno.makeTempDir({ prefix: "smoldeno-canary-" });
  const fileSecret = `file-secret-${crypto.randomUUID()}`;
  const file = `${dir}/secret.txt`;
  await Deno.writeTextFile(file, fileSecret);
  let hits = 0;
  const reply = new TextEncoder().encode(
    "HTTP/1.1 200 OK\r\ncontent-length: 11\r\nconnection: close\r\n\r\ncanary-body",
  );
  const serve = async (listener: Deno.Listener) => {
    for (;;) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch {
        return; // closed
      }
      hits++;
      try {
        await conn.read(new Uint8Array(4096));
        await conn.write(reply);
      } catch {
        // The sandbox may hang up first; the hit is what counts.
      } finally {
        conn.close();
      }
    }
  };
  const v4 = Deno.listen({ hostname: "0.0.0.0", port: 0 });
  let v6: Deno.Listener | undefined;
  try {
    v6 = Deno.listen({ hostname: "::", port: 0 });
  } catch {
    v6 = undefined; // no IPv6 on this machine
  }
  const loops = [serve(v4), ...(v6 ? [serve(v6)] : [])];
  const close = async () => {
    for (const l of [v4, v6]) {
      try {
        l?.close();
      } catch {
        // Already closed.
      }
    }
    await Promise.all(loops);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  return {
    dir,
    file,
    fileSecret,
    port: (v4.addr as Deno.NetAddr).port,
    port6: ((v6 ?? v4).addr as Deno.NetAddr).port,
    get hits() {
      return hits;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** A DenoExecutor with the suite's small limits; warnings about risky grants are kept quiet. */
export function newExecutor(options: DenoExecutorOptions = {}): DenoExecutor {
  return new DenoExecutor({ onWarning: () => {}, ...LIMITS, ...options });
}

/** What a denied or contained case must have produced. */
export interface Expected {
  /**
   * The exact kind of the AgentExecutionError, or the kinds a race may give
   * (e.g. a promise storm ends as "memory" or "timeout", whichever comes first).
   */
  kind: ExecutionErrorKind | readonly ExecutionErrorKind[];
  /** The exact denied permission (kind "permission"); `undefined` asserts none is reported. */
  permission?: string;
  /** Whether the sandbox must have been restarted (kills: true; denials: false). */
  stateLost?: boolean;
}

/** Runs `code`, which must fail with exactly `expected`; returns the error. */
export async function expectFailure(
  ex: DenoExecutor,
  code: string,
  expected: Expected,
): Promise<AgentExecutionError> {
  const error = await assertRejects(() => ex.execute(code), AgentExecutionError);
  assert(error instanceof AgentExecutionError);
  const got = `kind ${error.kind}, permission ${error.permission}: ${error.message}`;
  const kinds: readonly ExecutionErrorKind[] = typeof expected.kind === "string"
    ? [expected.kind]
    : expected.kind;
  assert(kinds.includes(error.kind), `unexpected kind, expected ${kinds.join(" or ")} (${got})`);
  if (kinds.includes("permission") || "permission" in expected) {
    assertEquals(error.permission, expected.permission, `unexpected permission (${got})`);
  }
  const stateLost = expected.stateLost ??
    kinds.some((k) => ["timeout", "memory", "crashed"].includes(k));
  assertEquals(error.stateLost, stateLost, `unexpected stateLost (${got})`);
  assertNoSecret(error.message, "the error message");
  assertNoSecret(error.logs, "the error logs");
  return error;
}

/** Runs `code`, which must succeed; returns its output after checking it holds no secret. */
export async function expectOutput(ex: DenoExecutor, code: string): Promise<CodeOutput> {
  const out = await ex.execute(code);
  assertNoSecret(
    Deno.inspect(out.output, { depth: Infinity, strAbbreviateSize: Infinity }),
    "the output",
  );
  assertNoSecret(out.logs, "the logs");
  return out;
}

/** Canary secrets currently registered (the env one plus each open canary file). */
const secrets = new Set<string>([CANARY_ENV_SECRET]);

/** Registers a secret that must never appear in anything the sandbox returns. */
export function watchSecret(secret: string): void {
  secrets.add(secret);
}

/** Fails when `text` contains any canary secret. */
export function assertNoSecret(text: string, where: string): void {
  for (const s of secrets) {
    assert(!text.includes(s), `a host canary secret leaked into ${where}`);
  }
}

/** CPU time (user + system) the process `pid` has used so far, in ms (Linux). */
export function cpuTimeMs(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields after the command: state(0) ... utime(11) stime(12), in clock ticks (100 Hz on Linux).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** True when any process of the group `pgid` still exists (Linux). */
export function processGroupAlive(pgid: number): boolean {
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === pgid) return true;
    } catch {
      // Ended while we looked.
    }
  }
  return false;
}

/**
 * The host is unaffected: the canary file is unchanged, no connection reached
 * a canary listener, the secret env variable is intact, the host's built-in
 * prototypes and globals are the ones it started with.
 */
export async function assertHostUnaffected(canary: Canary): Promise<void> {
  assertEquals(await Deno.readTextFile(canary.file), canary.fileSecret, "canary file changed");
  assertEquals(
    [...Deno.readDirSync(canary.dir)].map((e) => e.name),
    ["secret.txt"],
    "canary directory changed",
  );
  assertEquals(canary.hits, 0, "the sandbox reached a host canary listener");
  assertEquals(Deno.env.get(CANARY_ENV), CANARY_ENV_SECRET, "host env changed");
  for (const [name, object] of Object.entries(PROTOTYPES)) {
    assertEquals(
      Reflect.ownKeys(object).map(String).sort(),
      PROTOTYPE_KEYS[name],
      `host ${name} was modified`,
    );
  }
  const now: typeof HOST_GLOBALS = {
    JSON_parse: JSON.parse,
    JSON_stringify: JSON.stringify,
    Promise,
    promiseThen: Promise.prototype.then,
    console,
    consoleLog: console.log,
  };
  for (const [name, value] of Object.entries(HOST_GLOBALS)) {
    assert(now[name as keyof typeof now] === value, `host global ${name} was replaced`);
  }
  // deno-lint-ignore no-explicit-any
  assertEquals(({} as any).polluted, undefined, "Object.prototype was polluted");
}

/** The executor still works: a follow-up step returns 2. */
export async function assertStillWorks(ex: DenoExecutor): Promise<void> {
  const out = await ex.execute("1 + 1");
  assertEquals(out.output, 2);
}

/**
 * Runs a case that kills the sandbox on a fresh executor: `code` must fail
 * with `expected` (stateLost), the whole process group must be gone, the host
 * unaffected, and the next step must work on a new sandbox.
 */
export async function expectContained(
  options: DenoExecutorOptions,
  code: string,
  expected: Expected,
  setup?: string,
): Promise<AgentExecutionError> {
  await using canary = await startCanary();
  await using ex = newExecutor(options);
  if (setup !== undefined) await ex.execute(setup);
  await assertStillWorks(ex);
  const pid = ex.pid;
  assert(pid !== undefined, "the sandbox should be running");
  const error = await expectFailure(ex, code, { stateLost: true, ...expected });
  assert(!processGroupAlive(pid), `sandbox process group ${pid} is still alive`);
  await assertHostUnaffected(canary);
  await assertStillWorks(ex);
  assert(ex.pid !== pid, "a fresh sandbox should have been started");
  return error;
}

/** Shared executor of one test file, with its canary. */
export interface Suite extends AsyncDisposable {
  /** The executor all steps of the file share. */
  readonly ex: DenoExecutor;
  /** The host canaries. */
  readonly canary: Canary;
  /**
   * Checks after a case: host unaffected, executor alive (same sandbox, no
   * restart) and working.
   */
  check(): Promise<void>;
  /** Closes the executor and the canaries. */
  close(): Promise<void>;
}

/** Starts a file's shared executor (already running) and its canaries. */
export async function startSuite(options: DenoExecutorOptions = {}): Promise<Suite> {
  const canary = await startCanary();
  watchSecret(canary.fileSecret);
  // Cases sharing a sandbox must not be killed by a slow, loaded machine: only
  // the cases that test the timeout (each on its own executor) use LIMITS'.
  const ex = newExecutor({ timeoutMs: SHARED_TIMEOUT_MS, ...options });
  try {
    await assertStillWorks(ex);
  } catch (e) {
    await ex.close();
    await canary.close();
    throw e;
  }
  const pid = ex.pid;
  const close = async () => {
    await ex.close();
    await canary.close();
    assert(pid === undefined || !processGroupAlive(pid), "the sandbox outlived close()");
  };
  return {
    ex,
    canary,
    async check() {
      await assertHostUnaffected(canary);
      assertEquals(ex.pid, pid, "the sandbox was restarted by a case that should not kill it");
      await assertStillWorks(ex);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
