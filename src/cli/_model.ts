// The model the CLI's flags describe (`--model-type`, `--model-id`,
// `--api-base`, `--api-key`, `--provider`), shared by `smolagent` and
// `smolagent eval`. Each model loads its npm client only when chosen.
//
// The library's messages name its options and a Deno flag (--allow-env),
// which in the CLI is the sandbox's own: each missing setting is checked
// here first, so that the message says it in CLI terms. They are thrown as
// TypeErrors: usage errors, exit code 2.
import type { Model } from "../models/model.ts";
import type { RetryInfo } from "../models/model_options.ts";
import type { CliOptions } from "./_args.ts";
import type { ModelServer } from "./_model_messages.ts";

/** The flags that choose a model. */
export type ModelFlags = Pick<
  CliOptions,
  "modelType" | "modelId" | "apiBase" | "apiKey" | "provider"
>;

/** An environment variable, or undefined when it is unset or cannot be read. */
function envValue(name: string): string | undefined {
  try {
    return Deno.env.get(name) || undefined;
  } catch {
    return undefined;
  }
}

const OPENAI_API_BASE = "https://api.openai.com/v1";

/** Builds the model, with where it is for error messages; throws TypeError for a missing setting. */
export async function createModel(
  options: ModelFlags,
  onRetry: (info: RetryInfo) => void,
): Promise<{ model: Model; server: ModelServer }> {
  const { modelType, apiBase, apiKey } = options;
  const custom = apiBase !== undefined;
  switch (modelType) {
    case "OpenAIServerModel": {
      const base = (apiBase ?? OPENAI_API_BASE).replace(/\/+$/, "");
      if (base === OPENAI_API_BASE && !apiKey && !envValue("OPENAI_API_KEY")) {
        throw new TypeError(
          "Missing API key for OpenAI: pass --api-key, or set OPENAI_API_KEY " +
            "(for a local OpenAI-compatible server, pass --api-base instead)",
        );
      }
      const { OpenAIServerModel } = await import("../models/openai_model.ts");
      const model = new OpenAIServerModel({
        modelId: options.modelId ?? "gpt-4o-mini",
        apiBase,
        apiKey,
        onRetry,
      });
      return { model, server: { modelType, modelId: model.modelId, where: model.apiBase, custom } };
    }
    case "AzureOpenAIServerModel": {
      if (!options.modelId) {
        throw new TypeError("--model-id is required with AzureOpenAIServerModel (the deployment)");
      }
      if (!apiBase && !envValue("AZURE_OPENAI_ENDPOINT")) {
        throw new TypeError(
          "Missing Azure endpoint: pass --api-base https://<resource>.openai.azure.com, or set AZURE_OPENAI_ENDPOINT",
        );
      }
      if (!envValue("OPENAI_API_VERSION")) {
        throw new TypeError("Missing Azure API version: set OPENAI_API_VERSION, e.g. 2024-10-21");
      }
      if (!apiKey && !envValue("AZURE_OPENAI_API_KEY")) {
        throw new TypeError("Missing Azure API key: pass --api-key, or set AZURE_OPENAI_API_KEY");
      }
      const { AzureOpenAIServerModel } = await import("../models/azure_openai_model.ts");
      const model = new AzureOpenAIServerModel({
        modelId: options.modelId,
        azureEndpoint: apiBase,
        apiKey,
        onRetry,
      });
      return {
        model,
        server: { modelType, modelId: model.deployment, where: model.azureEndpoint, custom },
      };
    }
    case "InferenceClientModel": {
      const token = apiKey ?? envValue("HF_TOKEN");
      if (!custom && !token) {
        throw new TypeError(
          "Missing Hugging Face token: pass --api-key, or set HF_TOKEN " +
            "(create one at https://huggingface.co/settings/tokens)",
        );
      }
      if (!custom && !token!.startsWith("hf_") && (options.provider ?? "auto") === "auto") {
        throw new TypeError(
          "Cannot route a provider's own key without --provider: pass --provider with the provider " +
            "it belongs to (e.g. --provider together), or use a Hugging Face token (hf_…)",
        );
      }
      const { InferenceClientModel } = await import("../models/inference_client_model.ts");
      const model = new InferenceClientModel({
        modelId: options.modelId,
        provider: options.provider as "auto" | undefined,
        token: apiKey,
        endpointUrl: apiBase,
        onRetry,
      });
      const where = apiBase ??
        `the Hugging Face router${options.provider ? ` (provider "${options.provider}")` : ""}`;
      return { model, server: { modelType, modelId: model.modelId, where, custom } };
    }
  }
}
