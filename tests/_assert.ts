// Assertions for tests: node:assert/strict behind the imports map, with the
// @std/assert names our tests use, so switching back to @std/assert is one line.
import assertModule from "@std/assert";

/** Asserts that `value` is truthy. */
export function assert(value: unknown, message?: string): asserts value {
  assertModule.ok(value, message);
}
/** Asserts deep strict equality. */
export function assertEquals<T>(
  actual: unknown,
  expected: T,
  message?: string,
): asserts actual is T {
  assertModule.deepStrictEqual(actual, expected, message);
}
/** Asserts deep strict inequality. */
export function assertNotEquals(actual: unknown, expected: unknown, message?: string): void {
  assertModule.notDeepStrictEqual(actual, expected, message);
}
/** Asserts that `actual` includes `expected`. */
export function assertStringIncludes(actual: string, expected: string, message?: string): void {
  assertModule.ok(
    actual.includes(expected),
    message ?? `Expected ${JSON.stringify(actual)} to include ${JSON.stringify(expected)}`,
  );
}
/** Asserts that `actual` matches `expected`. */
export function assertMatch(actual: string, expected: RegExp, message?: string): void {
  assertModule.match(actual, expected, message);
}
/** Asserts that `fn` rejects, optionally with an instance of `ErrorClass`, and returns the error. */
export async function assertRejects<E extends Error = Error>(
  fn: () => PromiseLike<unknown>,
  // deno-lint-ignore no-explicit-any
  ErrorClass?: new (...args: any[]) => E,
  msgIncludes?: string,
): Promise<E> {
  let thrown: unknown;
  try {
    await fn();
  } catch (e) {
    thrown = e;
  }
  if (thrown === undefined) {
    throw new assertModule.AssertionError({ message: "Expected the function to reject" });
  }
  if (ErrorClass && !(thrown instanceof ErrorClass)) {
    throw new assertModule.AssertionError({
      message: `Expected ${ErrorClass.name}, got ${(thrown as Error)?.name}: ${
        (thrown as Error)?.message
      }`,
    });
  }
  if (msgIncludes !== undefined) assertStringIncludes((thrown as Error).message, msgIncludes);
  return thrown as E;
}
/** Asserts that `fn` throws, optionally an instance of `ErrorClass`, and returns the error. */
export function assertThrows<E extends Error = Error>(
  fn: () => unknown,
  // deno-lint-ignore no-explicit-any
  ErrorClass?: new (...args: any[]) => E,
  msgIncludes?: string,
): E {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  if (thrown === undefined) {
    throw new assertModule.AssertionError({ message: "Expected the function to throw" });
  }
  if (ErrorClass && !(thrown instanceof ErrorClass)) {
    throw new assertModule.AssertionError({
      message: `Expected ${ErrorClass.name}, got ${(thrown as Error)?.name}: ${
        (thrown as Error)?.message
      }`,
    });
  }
  if (msgIncludes !== undefined) assertStringIncludes((thrown as Error).message, msgIncludes);
  return thrown as E;
}
