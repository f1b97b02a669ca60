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
   * Network (`--allow-net`). Loopback, link-local, private ranges and the
   * host's own addresses stay denied, also for listed names that resolve
   * to them; list an address (e.g. `"127.0.0.1:8080"`) to reach its range.
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

/** Every `--allow-sys` name of Deno 2.9 (`inspector` cannot be named in flags), for checking a sys list. */
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
  /**
   * The host environment: `PATH` (not a secret; without it a granted
   * `run: ["git"]` could not find git) and the variables listed in
   * `permissions.env` are copied from it.
   */
  hostEnv?: Record<string, string>;
  /**
   * The host's own IP addresses, denied too when `net: true` (a service bound
   * to 0.0.0.0 is reachable through them). IPv6 ones are bracketed here.
   */
  hostAddresses?: readonly string[];
  /** Private `DENO_DIR` for the sandbox. */
  denoDir?: string;
  /**
   * Paths no read or write grant may reach (the executors' own files):
   * added as `--deny-read`/`--deny-write` when read/write is granted.
   */
  protectedPaths?: readonly string[];
  /** An import map file for the sandbox (see `nodeBuiltinImportMap()`), as the sandbox sees it. */
  importMapPath?: string;
  /**
   * The user's deny lists (`--deny-*` flags): they win over every grant,
   * `true` included, and over grants made on request.
   */
  deny?: DenyLists;
}

/** Deny lists by permission name, as `--deny-<name>=<list>` takes them. */
export interface DenyLists {
  /** Paths no read may reach. */
  readonly read?: readonly string[];
  /** Paths no write may reach. */
  readonly write?: readonly string[];
  /** Hosts, `host:port`s or IP ranges (`10.0.0.0/8`) the code may not reach. */
  readonly net?: readonly string[];
  /** Environment variables the code may not read. */
  readonly env?: readonly string[];
  /** System information names (`hostname`, …) the code may not read. */
  readonly sys?: readonly string[];
  /** Programs the code may not run. */
  readonly run?: readonly string[];
  /** Native libraries the code may not load. */
  readonly ffi?: readonly string[];
  /** Hosts the code may not import from. */
  readonly import?: readonly string[];
}

/** Validates deny lists into a null-prototype copy. */
export function checkDenyLists(d: DenyLists | undefined): DenyLists {
  const out: Record<string, readonly string[]> = Object.create(null);
  if (d === undefined) return out;
  if (d === null || typeof d !== "object" || Array.isArray(d)) {
    throw new TypeError('Invalid deny: expected an object of lists, e.g. { net: ["10.0.0.0/8"] }');
  }
  for (const [name, list] of Object.entries(d)) {
    if (!(PERMISSION_NAMES as readonly string[]).includes(name)) {
      throw new TypeError(
        `Invalid deny.${name}: unknown permission (use ${PERMISSION_NAMES.join(", ")})`,
      );
    }
    if (!Array.isArray(list)) {
      throw new TypeError(`Invalid deny.${name}: expected an array of strings`);
    }
    checkedList(`deny.${name}`, list);
    out[name] = [...list];
  }
  return out;
}

/**
 * True when `target` (as Deno names it in a denial: `host:port`, a path, a
 * variable or program name) falls under one of the deny list's entries.
 */
export function deniedBy(
  list: readonly string[] | undefined,
  name: string,
  target: string,
): boolean {
  if (!list) return false;
  for (const entry of list) {
    if (entry === target) return true;
    if (name === "read" || name === "write" || name === "ffi") {
      if (target.startsWith(entry.endsWith("/") ? entry : `${entry}/`)) return true;
    } else if (name === "net") {
      const isHostPort = /^\[[^\]]+\]:\d+$/.test(entry) || /^[^:]+:\d+$/.test(entry);
      const host = hostOf(target);
      if (!isHostPort && (hostOf(entry) === host || rangeContains(entry, host))) return true;
    }
  }
  return false;
}

function hostOf(target: string): string {
  return /^\[([^\]]+)\]/.exec(target)?.[1] ?? target.replace(/:\d+$/, "");
}

/**
 * True when a net target (`host:port`) is loopback, private, link-local or one
 * of the host's own addresses: the ranges `net: true` denies. Hostnames other
 * than `localhost` are not resolved here.
 */
export function isPrivateNetworkTarget(
  target: string,
  hostAddresses: readonly string[] = [],
): boolean {
  const host = hostOf(target);
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  const own = hostAddresses.map((a) => a.replace(/%.*$/, "").replace(/^\[|\]$/g, ""));
  if (own.includes(host)) return true;
  if (host.includes(":")) {
    return host === "::1" || host === "::" || /^f[cd]/i.test(host) || /^fe80/i.test(host) ||
      /^::ffff:/i.test(host);
  }
  return PRIVATE_NETWORK_DENYLIST.some((range) => rangeContains(range, host));
}

/**
 * The V8 flags of every sandbox process (both of its isolates):
 *
 * - `--max-old-space-size`: the memory limit;
 * - `--max-semi-space-size=2`: a small young generation keeps a long-lived
 *   sandbox's RSS down after bursts (e.g. 1000 parallel tool calls) at
 *   little cost to throughput;
 * - `--no-compilation-cache`: each step is a script of its own (its source
 *   names the step), which V8's cache for `eval` would keep for the life of
 *   the isolate, about 1.2 KB a step even after a full GC, so a sandbox grew
 *   with the number of steps it ran. No step's script can hit that cache;
 *   code that evaluates the same string again compiles it again.
 */
export function sandboxV8Flags(memoryLimitMb: number): string {
  return `--max-old-space-size=${memoryLimitMb},--max-semi-space-size=2,--no-compilation-cache`;
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
    "--no-code-cache",
    "--unstable-worker-options",
    `--v8-flags=${sandboxV8Flags(options.memoryLimitMb)}`,
  ];
  const warnings: string[] = [];
  const deny = options.deny ?? {};
  const guarded = checkedList("protectedPaths", options.protectedPaths ?? []);
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
    if (value === true) {
      args.push(`--allow-${name}`);
      continue;
    }
    // In Deno the narrower of an allow and a deny wins: --allow-read=/d/f
    // --deny-read=/d reads /d/f. A deny list must win over every grant, so
    // grants it covers are dropped here rather than passed to Deno.
    const kept = value.filter((entry) => {
      const covered = deniedBy(deny[name], name, entry) ||
        ((name === "read" || name === "write") && deniedBy(options.protectedPaths, name, entry));
      if (covered) {
        warnings.push(
          `permissions.${name} ${JSON.stringify(entry)} is covered by a deny list: not granted`,
        );
      }
      return !covered;
    });
    if (kept.length > 0) args.push(`--allow-${name}=${checkedList(name, kept)}`);
  }
  for (const name of ["read", "write"] as const) {
    if (p[name] === undefined || p[name] === false) continue;
    const list = [guarded, checkedList(`deny.${name}`, deny[name] ?? [])].filter(Boolean).join(",");
    if (list) args.push(`--deny-${name}=${list}`);
  }
  if (p.net === true || (Array.isArray(p.net) && p.net.length > 0)) {
    const list = [
      netDenylist(p.net === true ? [] : p.net, options.hostAddresses),
      checkedList("deny.net", deny.net ?? []),
    ].filter(Boolean).join(",");
    args.push(`--deny-net=${list}`);
  }
  for (const name of ["env", "run", "ffi", "import"] as const) {
    if (p[name] === undefined || p[name] === false || !deny[name]?.length) continue;
    args.push(`--deny-${name}=${checkedList(`deny.${name}`, deny[name])}`);
  }

  // sys as granted: the runner itself needs none.
  const deniedSys = new Set(deny.sys ?? []);
  if (p.sys === true) {
    args.push("--allow-sys");
    if (deniedSys.size) args.push(`--deny-sys=${checkedList("deny.sys", [...deniedSys])}`);
  } else if (Array.isArray(p.sys) && p.sys.length > 0) {
    const unknown = p.sys.find((n) => typeof n === "string" && !SYS_NAMES.includes(n));
    if (unknown !== undefined) {
      throw new TypeError(
        `Invalid permissions.sys entry ${JSON.stringify(unknown)}: expected one of ${
          SYS_NAMES.join(", ")
        }`,
      );
    }
    const granted = checkedList("sys", p.sys).split(",").filter((n) => !deniedSys.has(n));
    if (granted.length) args.push(`--allow-sys=${granted.join(",")}`);
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
  if (options.importMapPath) args.push(`--import-map=${options.importMapPath}`);
  args.push(options.runnerPath);

  const env: Record<string, string> = {
    NO_COLOR: "1",
    DENO_NO_UPDATE_CHECK: "1",
    DENO_NO_PROMPT: "1",
  };
  if (options.denoDir) env.DENO_DIR = options.denoDir;
  if (options.hostEnv?.PATH !== undefined) env.PATH = options.hostEnv.PATH;
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
        "DenoExecutor grants sys: the code can read system information (and, if node:inspector is an authorized import, open an inspector session)",
      );
    }
  }
  return { args, env, warnings };
}

/**
 * The `--deny-net` list for a net grant: private ranges and the host's own
 * addresses (with their IPv4-mapped IPv6 forms), minus every range that
 * contains an IP the user listed explicitly (deny wins over allow in Deno).
 */
export function netDenylist(
  granted: readonly string[],
  hostAddresses: readonly string[] = [],
): string {
  const explicit: string[] = [];
  for (const entry of granted) {
    const host = /^\[([^\]]+)\]/.exec(entry)?.[1] ?? entry.replace(/:\d+$/, "");
    if (host === "localhost") explicit.push("127.0.0.1", "::1");
    else explicit.push(host);
  }
  const own: string[] = [];
  for (const a of hostAddresses) {
    const bare = a.replace(/%.*$/, "").replace(/^\[|\]$/g, "");
    if (explicit.includes(bare)) continue;
    if (bare.includes(":")) own.push(`[${bare}]`);
    else own.push(bare, `[::ffff:${bare}]`);
  }
  const kept = PRIVATE_NETWORK_DENYLIST.filter((range) =>
    !explicit.some((ip) => rangeContains(range, ip))
  );
  return [...new Set([...kept, ...own])].join(",");
}

function ipv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((n) => n > 255)) return undefined;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

function rangeContains(range: string, ip: string): boolean {
  if (range.startsWith("[")) return range === `[${ip}]`;
  const [base, bits] = range.split("/");
  const a = ipv4(base);
  const b = ipv4(ip);
  if (a === undefined || b === undefined) return false;
  const n = bits === undefined ? 32 : Number(bits);
  const mask = n === 0 ? 0 : (~0 << (32 - n)) >>> 0;
  return ((a & mask) >>> 0) === ((b & mask) >>> 0);
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

/** Validates permissions into a null-prototype copy (polluted prototypes add no grant). */
export function checkPermissions(p: DenoPermissions | undefined): DenoPermissions {
  if (p === undefined) return {};
  if (p === null || typeof p !== "object") {
    throw new TypeError(`Invalid permissions: expected an object, got ${JSON.stringify(p)}`);
  }
  for (const key of Object.keys(p)) {
    if (!(PERMISSION_NAMES as readonly string[]).includes(key)) {
      throw new TypeError(
        `Unknown permission "${key}": expected one of ${
          PERMISSION_NAMES.map((n) => `"${n}"`).join(", ")
        }`,
      );
    }
  }
  const out: DenoPermissions = Object.create(null);
  for (const key of PERMISSION_NAMES) {
    if (Object.hasOwn(p, key)) {
      const v = p[key];
      out[key] = Array.isArray(v) ? [...v] : v;
    }
  }
  return out;
}
