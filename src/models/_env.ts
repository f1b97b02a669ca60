// Environment fallbacks for keys and endpoints, tolerant of a missing
// --allow-env: a denied read behaves like an unset variable.

/** Reads an environment variable, or undefined when unset, empty or not permitted. */
export function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name)?.trim() || undefined;
  } catch {
    return undefined;
  }
}
