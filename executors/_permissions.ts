/**
 * Turns executor options into the exact `deno run` argv and environment of
 * the sandbox: a pure function, so every flag is table-tested and the
 * Docker/E2B launchers run the runner with the same flags.
 *
 * @module
 */

import { parseImportPattern } from "./_imports.ts";

/** One permission: `true` for all, a list to scope it, `false`/absent for none. */
export type PermissionValue = boolean | readonly string[];

/** What the sandboxed code may do, per Deno permission. Default: nothing. */
export interface DenoPermissions {
  /** File-system reads (`--allow-read`). */
  read?: PermissionValue;
  /** File-system writes (`--allow-write`). */
  write?: PermissionValue;
  /**
   * Network (`--allow-net`). `true` still denies loopback, link-local and
   * private ranges; list hosts (e.g. `"127.0.0.1:8080"`) to reach them.
   */
  net?: PermissionValue;
  /**
   * Environment variables (`--allow-env`). The sandbox starts with an empty
   * environment: listed names are copied from the host, `true` grants access
   * to that empty environment only.
   */
  env?: PermissionValue;
  /** System information (`--allow-sys`). Logs a warning. */
  sys?: PermissionValue;
  /** Subprocesses (`--allow-run`): children are not sandboxed. Logs a warning. */
  run?: PermissionValue;
  /** Native libraries (`--allow-ffi`): full native access. Logs a warning. */
  ffi?: PermissionValue;
  /** Remote module hosts (`--allow-import`), fetched at run time. */
  import?: PermissionValue;
}

/** The permission names, in flag order. */
export const PERMISSION_NAMES = [
  "read",
  "write",
  "net",
  "env",
  "sys",
  "run",
  "ffi",
  "import",
] as const;

/** Denied when `net: true`: loopback, unspecified, link-local (cloud metadata), private, CGNAT. */
export const PRIVATE_NETWORK_DENYLIST: readonly string[] = [
  "127.0.0.0/8",
  "0.0.0.0",
  "[::1]",
  "[::]",
  "169.254.0.0/16",
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "100.64.0.0/10",
];

/** Every `--allow-sys` name of Deno 2.9 (`inspector` cannot be named in flags). */
export const SYS_NAMES: readonly string[] = [
  "hostname",
  "osRelease",
  "osUptime",
  "loadavg",
  "networkInterfaces",
  "systemMemoryInfo",
  "uid",
  "gid",
  "cpus",
  "homedir",
  "getegid",
  "username",
  "statfs",
  "getPriority",
  "setPriority",
  "userInfo",
];

/** Input of {@linkcode buildSandboxCommand}. */
export interface SandboxCommandOptions {
  /** What the code may do. */
  permissions?: DenoPermissions;
  /** V8 heap cap of each isolate, in MB. */
  memoryLimitMb: number;
  /** Import specifiers or patterns the code may use (see `_imports.ts`). */
  authorizedImports?: readonly string[];
  /** Path of the runner module, as the sandbox's deno sees it. */
  runnerPath: string;
  /** The host environment, to copy the variables listed in `permissions.env`. */
  hostEnv?: Record<string, string>;
  /** Private `DENO_DIR` for the sandbox. */
  denoDir?: string;
}

/** The sandbox command line: arguments after the deno binary, environment, warnings. */
export interface SandboxCommand {
  /** Arguments after the deno binary (`run`, flags, runner path, runner flags). */
  args: string[];
  /** The whole environment of the child (used with `clearEnv: true`). */
  env: Record<string, string>;
  /** Risky grants, one sentence each. */
  warnings: string[];
}

/**
 * Builds the sandbox's `deno run` argv and environment. Throws `TypeError`
 * for values that would inject flags (commas, empty entries).
 */
export function buildSandboxCommand(options: SandboxCommandOptions): SandboxCommand {
  const p = options.permissions ?? {};
  const args = [
    "run",
    "--no-prompt",
    "--no-config",
    "--no-lock",
    "--quiet",
    "--unstable-worker-options",
    `--v8-flags=--max-old-space-size=${options.memoryLimitMb}`,
  ];
  const warnings: string[] = [];
  for (const name of PERMISSION_NAMES) {
    const value = p[name];
    if (value === undefined || value === false) continue;
    if (value !== true && !Array.isArray(value)) {
      throw new TypeError(
        `Invalid permissions.${name}: expected a boolean or an array of strings, got ${
          JSON.stringify(value)
        }`,
      );
    }
    if (name === "sys") continue; // handled below: the runner needs sys briefly
    if (value === true) args.push(`--allow-${name}`);
    else if (value.length > 0) args.push(`--allow-${name}=${checkedList(name, value)}`);
  }
  if (p.net === true) args.push(`--deny-net=${PRIVATE_NETWORK_DENYLIST.join(",")}`);

  // The runner connects an inspector session (needs sys) and then revokes
  // sys, unless the user granted it; `inspector` cannot be named in a list,
  // so a sys list is enforced by denying every other name.
  args.push("--allow-sys");
  let keepSys = false;
  if (p.sys === true) keepSys = true;
  else if (Array.isArray(p.sys) && p.sys.length > 0) {
    const granted = new Set(checkedList("sys", p.sys).split(","));
    const denied = SYS_NAMES.filter((n) => !granted.has(n));
    if (denied.length) args.push(`--deny-sys=${denied.join(",")}`);
    keepSys = true;
  }

  const imports = (options.authorizedImports ?? []).map(parseImportPattern);
  const needsNpm = imports.some((i) => i.scheme === "npm");
  const remoteHosts = [...new Set(imports.flatMap((i) => i.host ? [i.host] : []))];
  const remoteGranted = p.import !== undefined && p.import !== false;
  if (!needsNpm) args.push("--no-npm");
  if (!remoteGranted) {
    if (remoteHosts.length > 0) args.push(`--allow-import=${remoteHosts.join(",")}`);
    else args.push("--no-remote");
    // Authorized packages were cached by the host; the sandbox never downloads.
    if (needsNpm || remoteHosts.length > 0) args.push("--cached-only");
  }
  args.push(options.runnerPath);
  if (keepSys) args.push("--keep-sys");

  const env: Record<string, string> = {
    NO_COLOR: "1",
    DENO_NO_UPDATE_CHECK: "1",
    DENO_NO_PROMPT: "1",
  };
  if (options.denoDir) env.DENO_DIR = options.denoDir;
  if (Array.isArray(p.env)) {
    for (const name of p.env) {
      const value = options.hostEnv?.[name];
      if (value !== undefined) env[name] = value;
    }
  }

  const all = PERMISSION_NAMES.every((n) => p[n] === true);
  if (all) {
    warnings.push(
      "DenoExecutor runs with all permissions: the generated code can do anything your user can",
    );
  } else {
    if (p.run) {
      warnings.push(
        "DenoExecutor grants run: subprocesses are not sandboxed, so this is effectively full access",
      );
    }
    if (p.ffi) {
      warnings.push("DenoExecutor grants ffi: native libraries can do anything your user can");
    }
    if (p.sys) {
      warnings.push(
        "DenoExecutor grants sys: the code can read system information, and node:inspector stays available",
      );
    }
  }
  return { args, env, warnings };
}

function checkedList(name: string, values: readonly string[]): string {
  for (const v of values) {
    if (typeof v !== "string" || v === "" || v.includes(",")) {
      throw new TypeError(
        `Invalid permissions.${name} entry ${
          JSON.stringify(v)
        }: expected a non-empty string without commas`,
      );
    }
  }
  return values.join(",");
}
