/**
 * `authorizedImports` patterns: parsing, matching a specifier, describing the
 * list in errors, and pre-caching packages so the sandbox never downloads.
 *
 * @module
 */

/** A parsed `authorizedImports` entry. */
export interface ImportPattern {
  /** The entry as written. */
  source: string;
  /** `npm`, `jsr`, `node`, `https`, `http`, `data`, … */
  scheme: string;
  /** Package name for npm/jsr (`lodash`, `@std/path`), `*` for any. */
  name?: string;
  /** Remote host (with port) for http(s) and jsr entries, for `--allow-import`. */
  host?: string;
  /** True when the entry ends with `*` (prefix match). */
  wildcard: boolean;
}

/**
 * Parses one entry. Accepted: `node:*`, `node:path`, `npm:pkg`,
 * `npm:pkg@range`, `npm:@scope/pkg@range`, `jsr:@scope/pkg@range`,
 * `https://host/path` (optionally ending with `*`).
 *
 * @throws {TypeError} for anything else, including `npm:*` (packages must be
 * named so the host can cache them).
 */
export function parseImportPattern(source: string): ImportPattern {
  const fail = (why: string): never => {
    throw new TypeError(`Invalid authorizedImports entry ${JSON.stringify(source)}: ${why}`);
  };
  if (typeof source !== "string" || source === "") fail("expected a non-empty string");
  const colon = source.indexOf(":");
  if (colon < 1) fail('expected a scheme such as "npm:", "node:" or "https:"');
  const scheme = source.slice(0, colon);
  const rest = source.slice(colon + 1);
  const wildcard = source.endsWith("*");
  switch (scheme) {
    case "node":
      if (!/^(?:\*|[a-z_][\w/.-]*)$/.test(rest)) fail("expected node:<builtin> or node:*");
      return { source, scheme, name: rest, wildcard };
    case "npm":
    case "jsr": {
      const m = /^((?:@[\w.-]+\/)?[\w.-]+)(?:@[^/\s]+)?(?:\/[\w./-]*)?$/.exec(rest);
      if (!m) fail(`expected ${scheme}:<package>[@<version range>]`);
      return {
        source,
        scheme,
        name: m![1],
        wildcard: false,
        host: scheme === "jsr" ? "jsr.io:443" : undefined,
      };
    }
    case "http":
    case "https": {
      let url: URL;
      try {
        url = new URL(wildcard ? source.slice(0, -1) : source);
      } catch {
        return fail("expected a URL");
      }
      const port = url.port || (scheme === "https" ? "443" : "80");
      return { source, scheme, host: `${url.hostname}:${port}`, wildcard };
    }
    default:
      return fail(`unsupported scheme "${scheme}:" (use npm:, jsr:, node: or https:)`);
  }
}

/**
 * True when `specifier` may be imported. Local files (relative, absolute,
 * `file:`) are not listed here: the `read` permission governs them. Nor are
 * `data:` and `blob:` modules: they are code the sandbox wrote itself, run
 * with the same permissions.
 * Self-contained: the runner embeds its source.
 */
export function isImportAuthorized(
  specifier: string,
  patterns: readonly ImportPattern[],
): boolean {
  if (/^(?:\.{0,2}\/|file:|data:|blob:)/.test(specifier)) return true;
  const colon = specifier.indexOf(":");
  const scheme = colon > 0 ? specifier.slice(0, colon) : "";
  const rest = specifier.slice(colon + 1);
  for (const p of patterns) {
    if (p.scheme !== scheme) continue;
    if (scheme === "node") {
      if (p.name === "*" || p.name === rest || rest.startsWith(`${p.name}/`)) return true;
    } else if (scheme === "npm" || scheme === "jsr") {
      const m = /^((?:@[\w.-]+\/)?[\w.-]+)/.exec(rest);
      if (m && m[1] === p.name) return true;
    } else if (p.wildcard ? specifier.startsWith(p.source.slice(0, -1)) : specifier === p.source) {
      return true;
    }
  }
  return false;
}

/** One sentence listing what may be imported, for `import` errors. */
export function describeAuthorizedImports(patterns: readonly ImportPattern[]): string {
  if (patterns.length === 0) {
    return 'No imports are authorized: add module specifiers or patterns (e.g. "npm:lodash@4", "node:*") to the authorizedImports option';
  }
  return `Authorized imports are ${patterns.map((p) => `"${p.source}"`).join(", ")}`;
}

/** The entries the host must download before the sandbox starts (no wildcards, no builtins). */
export function cacheableImports(patterns: readonly ImportPattern[]): string[] {
  return patterns.filter((p) => p.scheme !== "node" && !p.wildcard).map((p) => p.source);
}

/** Built-ins the runner itself loads; they stay importable (node:inspector still needs `sys`). */
const RUNNER_BUILTINS = ["inspector", "async_hooks"];

/**
 * An import map that turns every `node:` built-in outside `patterns` into a
 * module that throws an `ImportError`. Passed to the sandbox with
 * `--import-map`, it applies to every import, including those of `eval`'d
 * code and `data:` modules. `builtins` is `node:module`'s `builtinModules`.
 */
export function nodeBuiltinImportMap(
  patterns: readonly ImportPattern[],
  builtins: readonly string[],
): { imports: Record<string, string> } {
  const imports: Record<string, string> = {};
  for (const name of builtins) {
    const bare = name.replace(/^node:/, "");
    if (RUNNER_BUILTINS.includes(bare.split("/")[0])) continue;
    const specifier = `node:${bare}`;
    if (isImportAuthorized(specifier, patterns)) continue;
    const source = `const e = new Error(${
      JSON.stringify(`Import of "${specifier}" is not authorized`)
    }); e.name = "ImportError"; throw e;`;
    const thrower = `data:text/javascript,${encodeURIComponent(source)}`;
    imports[specifier] = thrower;
    imports[bare] = thrower;
  }
  return { imports };
}
