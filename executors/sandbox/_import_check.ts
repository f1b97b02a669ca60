/**
 * The import check the sandbox runs on every module its code loads: the one
 * piece of `authorizedImports` that crosses the boundary. Self-contained (no
 * imports, no outer references): the runner embeds its source text.
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
