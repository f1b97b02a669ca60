/**
 * `authorizedImports` patterns: parsing, matching a specifier, describing the
 * list in errors, and pre-caching packages so the sandbox never downloads.
 *
 * @module
 */

import { AgentExecutionError } from "../../src/errors.ts";
import { type ImportPattern, isImportAuthorized } from "../sandbox/_import_check.ts";

export { type ImportPattern, isImportAuthorized };

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

/** Built-ins the runner itself may load (where Deno lacks its own async variable); they stay importable. */
const RUNNER_BUILTINS = ["async_hooks"];

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

// The host downloads the authorized npm:/remote imports with its own Deno
// into a private DENO_DIR before a sandbox starts: sandboxes never download
// (DenoExecutor's reads it, DockerExecutor's container mounts it read-only).

/**
 * Runs `deno cache` on `specifiers` with `<dir>/deno_dir` as DENO_DIR (the
 * list goes to `<dir>/authorized_imports.js`). A failed download rejects with
 * an AgentExecutionError of kind "import" carrying the end of Deno's message.
 */
export async function downloadImports(
  denoPath: string,
  dir: string,
  specifiers: readonly string[],
): Promise<void> {
  const file = `${dir}/authorized_imports.js`;
  await Deno.writeTextFile(
    file,
    specifiers.map((s) => `import ${JSON.stringify(s)};\n`).join(""),
  );
  const out = await new Deno.Command(denoPath, {
    args: ["cache", "--no-config", "--no-lock", "--quiet", file],
    env: { DENO_DIR: `${dir}/deno_dir`, NO_COLOR: "1" },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success) {
    const detail = new TextDecoder().decode(out.stderr).trim().slice(-2000);
    throw new AgentExecutionError(
      `Cannot download the authorized imports ${
        specifiers.map((s) => `"${s}"`).join(", ")
      }: ${detail}`,
      { kind: "import" },
    );
  }
}
