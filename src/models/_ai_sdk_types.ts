// The slices of the AI SDK specification that AISdkModel's public options and
// results name, declared here so that its documentation stands on its own:
// the `@ai-sdk/provider` types they mirror are assignable to them.

/**
 * An AI SDK language model of specification `"v4"`: what provider packages
 * for `ai@7` return, e.g. `anthropic("claude-sonnet-4-5")`. This is the
 * part of `LanguageModelV4` (from `@ai-sdk/provider`) that is checked here;
 * any `LanguageModelV4` is one.
 */
export interface AISdkLanguageModel {
  /** The specification the model implements: `"v4"`. */
  readonly specificationVersion: "v4";
  /** The provider id, e.g. `"anthropic.messages"`. */
  readonly provider: string;
  /** The provider's model id, e.g. `"claude-sonnet-4-5"`. */
  readonly modelId: string;
  /** One reply (the AI SDK's `LanguageModelV4["doGenerate"]`). */
  doGenerate(options: never): PromiseLike<unknown>;
  /** One streamed reply (the AI SDK's `LanguageModelV4["doStream"]`). */
  doStream(options: never): PromiseLike<unknown>;
}

/**
 * Provider-specific options keyed by provider, e.g.
 * `{ anthropic: { cacheControl: { type: "ephemeral" } } }`. The AI SDK's
 * `SharedV4ProviderOptions`.
 */
export type AISdkProviderOptions = Record<string, Record<string, unknown>>;

/** Why generation stopped: the AI SDK's unified reason and the provider's own. */
export interface AISdkFinishReason {
  /** `"stop"`, `"length"`, `"content-filter"`, `"tool-calls"`, `"error"`, `"interrupted"` or `"other"`. */
  unified: string;
  /** The provider's reason, e.g. `"end_turn"`. */
  raw: string | undefined;
}

/** Token counts in the AI SDK's detailed shape. */
export interface AISdkUsage {
  /** Prompt tokens: in all, not cached, read from and written to the cache. */
  inputTokens: {
    total: number | undefined;
    noCache: number | undefined;
    cacheRead: number | undefined;
    cacheWrite: number | undefined;
  };
  /** Completion tokens: in all, text, reasoning. */
  outputTokens: {
    total: number | undefined;
    text: number | undefined;
    reasoning: number | undefined;
  };
}
