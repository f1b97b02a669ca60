// Settings from the environment, tolerant of a missing --allow-env (a denied
// read behaves like an unset variable), and the check of endpoint URLs.

/** Reads an environment variable, or undefined when unset, empty or not permitted. */
export function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name)?.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Checks that `value` is an http(s) URL; `name` and `example` make the error say what to pass. */
export function checkHttpUrl(name: string, value: string, example: string): void {
  if (!/^https?:\/\//i.test(value) || !URL.canParse(value)) {
    throw new TypeError(
      `Invalid ${name}: expected an http(s) URL such as "${example}", got ${JSON.stringify(value)}`,
    );
  }
}
