// Says why a request got no answer at all. Deno's fetch rejects with a bare
// TypeError("fetch failed") whose cause holds the reason ("tcp connect
// error: Connection refused (os error 111)"), and the `openai` client wraps
// that once more in "Connection error.": the useful words sit innermost.
// The result is only shown to people; retries never depend on it.

const KNOWN: readonly [RegExp, string][] = [
  [/connection refused/i, "connection refused"],
  [
    /dns error|failed to lookup address|name or service not known|nodename nor servname/i,
    "host not found (DNS lookup failed)",
  ],
  [/connection reset/i, "connection reset"],
];

/** A short reason for a connection failure, e.g. `"connection refused"`. */
export function networkFailureReason(error: unknown): string {
  let message = error instanceof Error ? error.message : String(error);
  let cause = error instanceof Error ? error.cause : undefined;
  // Bounded: a cause chain could loop.
  for (let depth = 0; cause instanceof Error && depth < 8; depth++) {
    if (cause.message) message = cause.message;
    cause = cause.cause;
  }
  for (const [pattern, reason] of KNOWN) if (pattern.test(message)) return reason;
  // The URL is named by the caller; the rest is Deno's own wording.
  return message.replace(/^error sending request for url \([^)]*\):\s*/i, "");
}
