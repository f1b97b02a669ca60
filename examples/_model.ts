// Shared by the examples: picks a real model from the environment, or a
// scripted one so every example runs offline.
//
//   OPENAI_API_KEY            -> OpenAIServerModel (OPENAI_MODEL, default gpt-4o-mini)
//   HF_TOKEN                  -> InferenceClientModel (HF_MODEL, default: the package's)
//   a responding Ollama       -> OpenAIServerModel on OLLAMA_HOST (default
//                                http://127.0.0.1:11434), OLLAMA_MODEL or its first model
//   none of these             -> ScriptedModel replaying the example's script
//
// SMOLDENO_MODEL=scripted forces the scripted model (CI does this).
import type { Model } from "@smoldeno/agents";
import { ScriptedModel, type ScriptedReply } from "@smoldeno/agents/testing";

/** The model an example runs with, and where it came from. */
export interface PickedModel {
  model: Model;
  /** E.g. `"OpenAI gpt-4o-mini"` or `"a scripted model (offline replay)"`. */
  label: string;
  /** True when replaying the example's script. */
  scripted: boolean;
}

/** How to configure a real model, printed when none is found. */
export const HOW_TO_CONFIGURE =
  "Set OPENAI_API_KEY (OpenAI), HF_TOKEN (Hugging Face), or run Ollama (ollama serve; OLLAMA_HOST, OLLAMA_MODEL) to use a real model.";

/** Options of {@linkcode pickModel}. */
export interface PickModelOptions {
  /**
   * What the example says about its offline replay, in place of the generic
   * notice (the how-to-configure line still follows it).
   */
  scriptedNotice?: string;
}

/**
 * Picks a model. `script` gives the replies of the offline replay; it is only
 * used when no real model is configured. Prints one notice saying which model
 * runs (on stderr, so examples' stdout stays their answer).
 */
export async function pickModel(
  script: ScriptedReply[],
  options: PickModelOptions = {},
): Promise<PickedModel> {
  const picked = await pickRealModel() ?? {
    model: new ScriptedModel({ replies: script }),
    label: "a scripted model (offline replay)",
    scripted: true,
  };
  if (!picked.scripted) console.error(`Model: ${picked.label}\n`);
  else {
    console.error(`${options.scriptedNotice ?? `Model: ${picked.label}.`}\n${HOW_TO_CONFIGURE}\n`);
  }
  return picked;
}

async function pickRealModel(): Promise<PickedModel | undefined> {
  const env = (name: string) => Deno.env.get(name) || undefined;
  if (env("SMOLDENO_MODEL") === "scripted") return undefined;
  const openaiKey = env("OPENAI_API_KEY");
  if (openaiKey) {
    const { OpenAIServerModel } = await import("@smoldeno/agents/models/openai");
    const modelId = env("OPENAI_MODEL") ?? "gpt-4o-mini";
    return {
      model: new OpenAIServerModel({ modelId, apiKey: openaiKey }),
      label: `OpenAI ${modelId}`,
      scripted: false,
    };
  }
  const hfToken = env("HF_TOKEN");
  if (hfToken) {
    const { InferenceClientModel } = await import("@smoldeno/agents/models/hf");
    const model = new InferenceClientModel({ modelId: env("HF_MODEL"), token: hfToken });
    return { model, label: `Hugging Face ${model.modelId}`, scripted: false };
  }
  const ollama = (env("OLLAMA_HOST") ?? "http://127.0.0.1:11434").replace(/\/+$/, "");
  const base = /^https?:\/\//.test(ollama) ? ollama : `http://${ollama}`;
  const tags = await fetch(`${base}/api/tags`, { signal: AbortSignal.timeout(1_000) })
    .then((r) => r.ok ? r.json() as Promise<{ models?: { name: string }[] }> : undefined)
    .catch(() => undefined);
  if (tags) {
    const modelId = env("OLLAMA_MODEL") ?? tags.models?.[0]?.name;
    if (modelId) {
      const { OpenAIServerModel } = await import("@smoldeno/agents/models/openai");
      return {
        // Small local models follow flattened text best.
        model: new OpenAIServerModel({
          modelId,
          apiBase: `${base}/v1`,
          flattenMessagesAsText: true,
        }),
        label: `Ollama ${modelId} at ${base}`,
        scripted: false,
      };
    }
  }
  return undefined;
}

/** Prints the final answer on stdout, the way every example ends. */
export function printAnswer(answer: unknown): void {
  console.log(`Final answer: ${typeof answer === "string" ? answer : JSON.stringify(answer)}`);
}
