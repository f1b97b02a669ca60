// Checks of executor options shared by every backend: names that become
// globals in the sandbox (tools, variables), and numeric limits.

const RESERVED = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends " +
    "false finally for function if import in instanceof new null return super switch this throw " +
    "true try typeof var void while with yield let static await implements package protected " +
    "interface private public undefined NaN Infinity eval arguments globalThis"
  ).split(" "),
);

/**
 * Throws a `TypeError` unless `name` can be a global of the sandbox: a
 * JavaScript identifier that is not a reserved word.
 */
export function checkIdentifier(what: string, name: string): void {
  if (!/^[A-Za-z_$][\w$]*$/.test(name) || RESERVED.has(name)) {
    throw new TypeError(
      `Invalid ${what} ${
        JSON.stringify(name)
      }: expected a JavaScript identifier that is not a reserved word`,
    );
  }
}

/** Throws a RangeError unless `value` is a finite number in [min, max]. */
export function checkNumber(name: string, value: number, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw new RangeError(`Invalid ${name}: expected a number from ${min} to ${max}, got ${value}`);
  }
  return value;
}
