// Keeps secrets out of error messages: some providers echo the key they
// received (e.g. "Incorrect API key provided: sk-…"), and errors end up in
// logs, memory dumps and bug reports.

const REDACTED = "[redacted]";

/** Replaces every occurrence of each secret in `text` with `[redacted]`. */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    // Very short "secrets" (placeholders such as "x") would shred the text
    // without protecting anything.
    if (secret === undefined || secret.length < 6) continue;
    out = out.split(secret).join(REDACTED);
  }
  return out;
}
