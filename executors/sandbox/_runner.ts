/**
 * The fixed program that runs inside the sandbox. It is shipped as source
 * text ({@linkcode runnerSource}) built from the functions below with
 * `Function.prototype.toString`, so the same file works from a local
 * checkout, from JSR, inside `deno compile` binaries and in containers
 * (`docker`/`e2b` executors write it out and run it the same way).
 *
 * Two isolates, one process:
 * - the main thread is the *user realm*: it evaluates each step as the
 *   script the host made of it (`executors/session/_script.ts`: declarations
 *   persist, re-declaration works, top-level await, last expression value).
 *   It holds no secret, so user code tampering with its globals only hurts
 *   itself.
 * - a permission-less Worker is the *channel*: it alone reads the session key
 *   from stdin and signs frames to stdout (see `_protocol.ts`). User code
 *   cannot reach its isolate, so forged stdout frames have no valid MAC.
 *
 * @module
 */

import { isImportAuthorized } from "./_import_check.ts";
import { hmacSha256 } from "./_hmac.ts";
import { decodeValue, encodeValue } from "./_values.ts";
import { channelMain } from "./_channel.ts";
import { guardRealm, userRealmMain } from "./_realm.ts";

/** Returns the JavaScript source of the runner (the sandbox's entry module). */
export function runnerSource(): string {
  return [
    `// smoldeno sandbox runner (generated; see executors/sandbox/_runner.ts)`,
    `(${userRealmMain.toString()})(${
      JSON.stringify(channelSource())
    }, ${isImportAuthorized.toString()}, ${guardRealm.toString()});`,
    ``,
  ].join("\n");
}

function channelSource(): string {
  return [
    `const encodeValue = ${encodeValue.toString()};`,
    `const decodeValue = ${decodeValue.toString()};`,
    `const hmacSha256 = ${hmacSha256.toString()};`,
    `(${channelMain.toString()})(encodeValue, decodeValue, hmacSha256);`,
  ].join("\n");
}

/** First argument of a program re-executed as the runner (see {@linkcode runSelfRunner}). */
export const SELF_RUNNER_FLAG = "--smoldeno-runner";

/**
 * Runs the runner in this very process: the "self re-exec" mode of compiled
 * binaries, where there is no `deno` to spawn and the binary's permissions
 * were fixed by `deno compile`. Before any user code exists, every
 * permission the sandbox was not granted is revoked (`Deno.permissions.revoke`
 * is one-way). `grantsJson` is the sandbox's `DenoPermissions` as JSON.
 * Never resolves; exits with code 70 if the grants cannot be honoured.
 */
export async function runSelfRunner(grantsJson: string): Promise<never> {
  try {
    const grants = JSON.parse(grantsJson) as Record<string, unknown>;
    for (const name of ["read", "write", "net", "env", "sys", "run", "ffi", "import"] as const) {
      const grant = grants[name];
      if (grant === true) continue;
      if (Array.isArray(grant) && grant.length > 0) {
        // A list cannot be carved out of a global grant: revoke(path) under
        // --allow-read is a no-op. The binary's own compile-time list applies.
        if (Deno.permissions.querySync({ name } as Deno.PermissionDescriptor).state === "granted") {
          throw new Error(
            `Cannot narrow ${name} to a list: this binary was compiled with --allow-${name}; compile it with --allow-${name}=<list>, or grant ${name}: true or false`,
          );
        }
        continue;
      }
      Deno.permissions.revokeSync({ name } as Deno.PermissionDescriptor);
    }
    await userRealmMain(channelSource(), isImportAuthorized, guardRealm);
  } catch (e) {
    console.error(`smoldeno runner: ${(e as Error).message}`);
    Deno.exit(70);
  }
  return await new Promise<never>(() => {});
}
