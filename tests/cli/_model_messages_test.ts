import { AgentGenerationError } from "../../src/errors.ts";
import { explainFailure, formatRetry, type ModelServer } from "../../src/cli/_model_messages.ts";
import { assertEquals, assertStringIncludes } from "../_assert.ts";

const LOCAL: ModelServer = {
  modelType: "OpenAIServerModel",
  modelId: "qwen2.5-coder",
  where: "http://127.0.0.1:11434/v1",
  custom: true,
};
const OPENAI: ModelServer = {
  modelType: "OpenAIServerModel",
  modelId: "gpt-4o-mini",
  where: "https://api.openai.com/v1",
  custom: false,
};
const ROUTER: ModelServer = {
  modelType: "InferenceClientModel",
  modelId: "Qwen/Nope",
  where: "the Hugging Face router",
  custom: false,
};
const AZURE: ModelServer = {
  modelType: "AzureOpenAIServerModel",
  modelId: "my-gpt",
  where: "https://res.openai.azure.com",
  custom: true,
};

// An error as the server-backed models raise it (src/models/_chat_core.ts).
function failed(status: number | undefined, rest: string): AgentGenerationError {
  const what = status === undefined ? "failed" : `failed with status ${status}`;
  return new AgentGenerationError(`Model "m" request ${what}${rest}`, { status });
}

Deno.test("formatRetry() says the reason, the wait and the attempt count on one line", () => {
  assertEquals(
    formatRetry({
      modelId: "x",
      attempt: 2,
      maxAttempts: 4,
      delayMs: 1_980,
      reason: "cannot reach http://127.0.0.1:8000/v1: connection refused",
    }),
    'Model "x" request failed (cannot reach http://127.0.0.1:8000/v1: connection refused): retrying in 2.0 s, attempt 2 of 4',
  );
  assertEquals(
    formatRetry({
      modelId: "x",
      attempt: 4,
      maxAttempts: 4,
      delayMs: 12,
      reason: "status 503: busy\nplease wait",
      status: 503,
    }),
    'Model "x" request failed (status 503: busy please wait): retrying in 12 ms, attempt 4 of 4',
  );
});

Deno.test("explainFailure() says a 404 means the model id is not at that server, and which flags to check", () => {
  const notFound = failed(404, ": The model `qwen2.5-coder` does not exist");
  assertEquals(
    explainFailure(notFound, LOCAL),
    'model "qwen2.5-coder" was not found at http://127.0.0.1:11434/v1 (404: The model `qwen2.5-coder` does not exist): check --model-id, and that --api-base is the server\'s OpenAI-compatible URL (usually ending in /v1)',
  );
  assertStringIncludes(
    explainFailure(failed(404, ": Not Found"), ROUTER),
    'model "Qwen/Nope" was not found at the Hugging Face router (404: Not Found): check --model-id (a Hub id',
  );
  assertStringIncludes(
    explainFailure(failed(404, ": Resource not found"), AZURE),
    'deployment "my-gpt" was not found at https://res.openai.azure.com (404: Resource not found): check --model-id (the deployment name) and --api-base',
  );
});

Deno.test("explainFailure() names the key's flag and variable for a refused key", () => {
  const refused = failed(401, ": Incorrect API key provided");
  assertEquals(
    explainFailure(refused, OPENAI),
    "the server at https://api.openai.com/v1 refused the credentials (401: Incorrect API key provided): check --api-key or OPENAI_API_KEY",
  );
  // OPENAI_API_KEY is only ever sent to OpenAI, so it is no fix for another server.
  assertStringIncludes(explainFailure(refused, LOCAL), "check --api-key (the key of that server)");
  assertStringIncludes(explainFailure(failed(403, ": Forbidden"), ROUTER), "--api-key or HF_TOKEN");
  assertStringIncludes(
    explainFailure(failed(401, ": Unauthorized"), AZURE),
    "--api-key or AZURE_OPENAI_API_KEY",
  );
});

Deno.test("explainFailure() says a server that is down could not be reached, after how many attempts, and what to check", () => {
  const down = failed(
    undefined,
    " after 4 attempts: cannot reach http://127.0.0.1:11434/v1: connection refused",
  );
  assertEquals(
    explainFailure(down, LOCAL),
    "cannot reach the model server at http://127.0.0.1:11434/v1 after 4 attempts (connection refused): check that it is running and that --api-base is right",
  );
  assertStringIncludes(explainFailure(down, OPENAI), "(connection refused): check your network");
  const broke = failed(undefined, ": connection to http://127.0.0.1:11434/v1 failed: body ended");
  assertEquals(
    explainFailure(broke, LOCAL),
    "the connection to the model server at http://127.0.0.1:11434/v1 broke (body ended): try again",
  );
});

Deno.test("explainFailure() explains rate limits, timeouts, server errors and other refusals", () => {
  assertStringIncludes(
    explainFailure(failed(429, " after 4 attempts: Rate limit reached"), OPENAI),
    "is limiting requests (429: Rate limit reached) after 4 attempts: wait a little and try again",
  );
  assertEquals(
    explainFailure(
      new AgentGenerationError(
        'Model "m" request timed out after 4 attempts: no response within 120000 ms',
      ),
      LOCAL,
    ),
    "the model server at http://127.0.0.1:11434/v1 gave no response within 120000 ms after 4 attempts: try again, or check that the server is not overloaded",
  );
  assertStringIncludes(
    explainFailure(failed(503, " after 4 attempts: overloaded"), LOCAL),
    "failed (503: overloaded) after 4 attempts: try again later",
  );
  assertEquals(
    explainFailure(failed(400, ": context too long"), LOCAL),
    "the model server at http://127.0.0.1:11434/v1 rejected the request (400: context too long)",
  );
});

Deno.test("explainFailure() keeps other errors' own message, on one line", () => {
  assertEquals(explainFailure(new Error("sandbox\n  crashed"), LOCAL), "sandbox crashed");
  const wrapped = new AgentGenerationError('Model "m" failed to reply: stream ended early');
  assertEquals(explainFailure(wrapped, LOCAL), 'Model "m" failed to reply: stream ended early');
  const unreadable = failed(undefined, ": the reply is not JSON: Unexpected token '<'");
  assertEquals(
    explainFailure(unreadable, LOCAL),
    "Model \"m\" request failed: the reply is not JSON: Unexpected token '<'",
  );
  // Found through a cause, too.
  const cause = new Error("run failed", { cause: failed(404, ": gone") });
  assertStringIncludes(explainFailure(cause, LOCAL), "was not found at");
});
