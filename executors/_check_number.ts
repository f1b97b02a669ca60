// The range check of the executors' numeric options (limits, sizes, timeouts).

/** Throws a RangeError unless `value` is a finite number in [min, max]. */
export function checkNumber(name: string, value: number, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw new RangeError(`Invalid ${name}: expected a number from ${min} to ${max}, got ${value}`);
  }
  return value;
}
