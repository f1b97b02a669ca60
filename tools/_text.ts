// Small text helpers shared by the tools.

const ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  "#39": "'",
  "#x27": "'",
};

/** Removes HTML tags from a provider's snippet and decodes common entities. */
export function stripTags(html: string): string {
  return html
    .replace(/<[^>]*>/g, "")
    .replace(/&(#?\w+);/g, (all, name: string) => ENTITIES[name] ?? all)
    .replace(/\s+/g, " ")
    .trim();
}

/** Reads an environment variable, or `undefined` when it is unset or not permitted. */
export function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name) || undefined;
  } catch {
    // Without --allow-env the variable is simply not available.
    return undefined;
  }
}

/** Cuts `text` to `max` characters, saying so, so the model knows it saw only part. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${
    text.slice(0, max)
  }\n\n[…truncated: showing the first ${max} of ${text.length} characters]`;
}
