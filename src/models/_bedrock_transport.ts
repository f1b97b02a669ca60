// The chat transport of AmazonBedrockModel: Converse and ConverseStream
// through the official AWS client (its own retries off: ChatCore retries),
// and what the client's errors mean in provider-neutral terms.

import {
  type BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
} from "@aws-sdk/client-bedrock-runtime";
import type { ChatTransport, ProviderFailure } from "./_chat_core.ts";
import {
  BedrockInputError,
  chunksFromConverseStream,
  completionFromConverse,
  converseFields,
} from "./_bedrock_converse.ts";
import { parseRetryAfter } from "./_retry.ts";
import { networkFailureReason } from "./_network_error.ts";

/** Sends Converse requests for `modelId`; `endpoint` is named in connection errors. */
export function bedrockTransport(
  client: BedrockRuntimeClient,
  modelId: string,
  endpoint: string,
): ChatTransport {
  return {
    complete: async (body, context) => {
      const command = new ConverseCommand({ modelId, ...converseFields(body) } as never);
      const output = await client.send(command, { abortSignal: context.signal as never });
      return completionFromConverse(output);
    },
    stream: async (body, context) => {
      const command = new ConverseStreamCommand({ modelId, ...converseFields(body) } as never);
      const output = await client.send(command, { abortSignal: context.signal as never });
      if (!output.stream) throw new TypeError("the ConverseStream reply has no event stream");
      return chunksFromConverseStream(output.stream);
    },
    describeError: (error) => describeBedrockError(error, endpoint),
  };
}

// Statuses of the Bedrock Runtime errors, for those raised inside an event
// stream, whose HTTP response was a 200.
const STATUS_BY_ERROR: Readonly<Record<string, number>> = {
  ValidationException: 400,
  ServiceQuotaExceededException: 400,
  ConflictException: 400,
  AccessDeniedException: 403,
  ResourceNotFoundException: 404,
  ModelTimeoutException: 408,
  ModelErrorException: 424,
  ModelStreamErrorException: 424,
  ThrottlingException: 429,
  ModelNotReadyException: 429,
  InternalServerException: 500,
  ServiceUnavailableException: 503,
};

// Node's codes for a connection that failed or dropped (the AWS client runs
// on node:http2 under Deno).
const NETWORK_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  EPIPE: "connection reset",
  ETIMEDOUT: "connection timed out",
  ENOTFOUND: "host not found (DNS lookup failed)",
  EAI_AGAIN: "host not found (DNS lookup failed)",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
};

interface SdkError {
  name?: string;
  message?: string;
  code?: string;
  cause?: unknown;
  $fault?: "client" | "server";
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string> };
}

/** What an error of the AWS client means. */
export function describeBedrockError(error: unknown, endpoint: string): ProviderFailure {
  const sdk = (error ?? {}) as SdkError;
  if (error instanceof BedrockInputError) return { kind: "invalid", message: error.message };
  if (sdk.name === "CredentialsProviderError") {
    return {
      kind: "invalid",
      message: "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY " +
        "(plus AWS_SESSION_TOKEN for temporary ones), or AWS_PROFILE naming a profile in " +
        "~/.aws/credentials or ~/.aws/config, or pass credentials; the default chain needs " +
        "--allow-env and --allow-read",
    };
  }
  if (sdk.message === "Region is missing") {
    return {
      kind: "invalid",
      message: "no AWS region: pass region, or set AWS_REGION, or give the profile a region " +
        "in ~/.aws/config",
    };
  }
  const network = networkCode(error);
  if (network) return { kind: "connection", message: `cannot reach ${endpoint}: ${network}` };
  if (sdk.$fault && typeof sdk.name === "string") {
    const answered = sdk.$metadata?.httpStatusCode;
    const status = answered !== undefined && answered >= 400
      ? answered
      : STATUS_BY_ERROR[sdk.name] ?? (sdk.$fault === "server" ? 500 : 400);
    const headers = sdk.$response?.headers;
    return {
      kind: "http",
      status,
      message: `${sdk.name}: ${sdk.message || "no message"}`,
      retryAfterMs: headers ? parseRetryAfter(new Headers(plainHeaders(headers))) : undefined,
    };
  }
  if (error instanceof TypeError) {
    return {
      kind: "connection",
      message: `connection to ${endpoint} failed: ${networkFailureReason(error)}`,
    };
  }
  return { kind: "invalid", message: sdk.message ?? String(error) };
}

function networkCode(error: unknown): string | undefined {
  let current = error as SdkError | undefined;
  // Bounded: a cause chain could loop.
  for (let depth = 0; current && typeof current === "object" && depth < 8; depth++) {
    if (current.code && NETWORK_CODES[current.code]) return NETWORK_CODES[current.code];
    current = current.cause as SdkError | undefined;
  }
  return undefined;
}

function plainHeaders(headers: Record<string, string>): Record<string, string> {
  // HTTP/2 pseudo-headers (":status") are not valid header names.
  return Object.fromEntries(
    Object.entries(headers).filter(([name, value]) =>
      !name.startsWith(":") && typeof value === "string"
    ),
  );
}
