// A local server speaking the Bedrock Runtime Converse wire format (REST
// JSON on POST /model/{modelId}/converse and /converse-stream), with the
// binary AWS event-stream framing of ConverseStream written here from its
// specification, so that AmazonBedrockModel is tested through the real AWS
// client: if this encoder were wrong, the client would refuse to decode it.

const encoder = new TextEncoder();

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3, the one zlib computes), as the event-stream prelude and trailer use. */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * One event-stream message: a 12-byte prelude (total length, headers
 * length, CRC of those 8 bytes), the headers (name length, name, value type
 * 7 = string, 16-bit value length, value), the payload, and the CRC of all
 * that precedes it.
 */
export function encodeEventStreamMessage(
  headers: Record<string, string>,
  payload: Uint8Array,
): Uint8Array {
  const headerBytes: number[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const nameBytes = encoder.encode(name);
    const valueBytes = encoder.encode(value);
    headerBytes.push(nameBytes.length, ...nameBytes, 7);
    headerBytes.push((valueBytes.length >> 8) & 0xff, valueBytes.length & 0xff, ...valueBytes);
  }
  const total = 12 + headerBytes.length + payload.length + 4;
  const message = new Uint8Array(total);
  const view = new DataView(message.buffer);
  view.setUint32(0, total);
  view.setUint32(4, headerBytes.length);
  view.setUint32(8, crc32(message.subarray(0, 8)));
  message.set(headerBytes, 12);
  message.set(payload, 12 + headerBytes.length);
  view.setUint32(total - 4, crc32(message.subarray(0, total - 4)));
  return message;
}

/** A ConverseStream event frame, e.g. `event("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Hi" } })`. */
export function event(type: string, payload: Record<string, unknown>): Uint8Array {
  return encodeEventStreamMessage(
    { ":message-type": "event", ":event-type": type, ":content-type": "application/json" },
    encoder.encode(JSON.stringify(payload)),
  );
}

/** An exception frame inside a stream, e.g. `exception("throttlingException", "Slow down")`. */
export function exception(type: string, message: string): Uint8Array {
  return encodeEventStreamMessage(
    { ":message-type": "exception", ":exception-type": type, ":content-type": "application/json" },
    encoder.encode(JSON.stringify({ message })),
  );
}

/** The frames of a plain streamed text reply, split into `pieces`, with usage at the end. */
export function textStreamFrames(
  pieces: string[],
  usage = { inputTokens: 7, outputTokens: pieces.length },
): Uint8Array[] {
  return [
    event("messageStart", { role: "assistant" }),
    ...pieces.map((text) => event("contentBlockDelta", { contentBlockIndex: 0, delta: { text } })),
    event("contentBlockStop", { contentBlockIndex: 0 }),
    event("messageStop", { stopReason: "end_turn" }),
    event("metadata", {
      usage: { ...usage, totalTokens: usage.inputTokens + usage.outputTokens },
      metrics: { latencyMs: 12 },
    }),
  ];
}

/** A ConverseStream response; `split` sends the bytes in chunks of that size, cutting through frames. */
export function streamReply(frames: Uint8Array[], options: { split?: number } = {}): Response {
  const bytes = new Uint8Array(frames.reduce((n, frame) => n + frame.length, 0));
  let offset = 0;
  for (const frame of frames) {
    bytes.set(frame, offset);
    offset += frame.length;
  }
  const size = options.split ?? bytes.length;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += size) controller.enqueue(bytes.slice(i, i + size));
      controller.close();
    },
  });
  return new Response(body, { headers: { "content-type": "application/vnd.amazon.eventstream" } });
}

/**
 * A ConverseStream response that sends `frames`, then holds the connection
 * open until the client goes away; `cancelled` resolves when it has.
 */
export function hangingStreamReply(frames: Uint8Array[]): {
  response: Response;
  cancelled: Promise<void>;
} {
  const { promise: cancelled, resolve } = Promise.withResolvers<void>();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const frame of frames) controller.enqueue(frame);
    },
    cancel() {
      resolve();
    },
  });
  return {
    response: new Response(body, {
      headers: { "content-type": "application/vnd.amazon.eventstream" },
    }),
    cancelled,
  };
}

/** A Converse (non-streamed) response. */
export function converseReply(
  content: string | Record<string, unknown>[],
  options: { stopReason?: string; usage?: { inputTokens: number; outputTokens: number } } = {},
): Response {
  const usage = options.usage ?? { inputTokens: 10, outputTokens: 2 };
  return Response.json({
    output: {
      message: {
        role: "assistant",
        content: typeof content === "string" ? [{ text: content }] : content,
      },
    },
    stopReason: options.stopReason ?? "end_turn",
    usage: { ...usage, totalTokens: usage.inputTokens + usage.outputTokens },
    metrics: { latencyMs: 42 },
  });
}

/** An error response the way Bedrock sends it: the type in `x-amzn-ErrorType`, the message in the body. */
export function errorReply(
  status: number,
  type: string,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify({ message }), {
    status,
    headers: {
      "content-type": "application/json",
      "x-amzn-ErrorType": `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
      ...headers,
    },
  });
}

/** A request as the server received it. */
export interface BedrockRequest {
  /** The model id from the path, decoded. */
  modelId: string;
  /** `"converse"` or `"converse-stream"`. */
  operation: string;
  /** The request headers (`authorization` holds the SigV4 signature). */
  headers: Headers;
  /** The parsed JSON body. */
  body: Record<string, unknown>;
  /** Aborts when the client goes away. */
  signal: AbortSignal;
}

/**
 * How the server answers one request. A Response is cloned for each use (the
 * last one answers every later request); a function's Response is sent as
 * it is, so that its body sees the client cancel.
 */
export type BedrockReply = Response | ((request: BedrockRequest) => Response | Promise<Response>);

/** A Deno.serve server on 127.0.0.1 with a random port that answers with the given replies in turn. */
export class BedrockServer implements AsyncDisposable {
  /** Every request received, in order. */
  readonly requests: BedrockRequest[] = [];
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #replies: BedrockReply[];

  constructor(replies: BedrockReply[]) {
    this.#replies = replies;
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      (raw) => this.#handle(raw),
    );
  }

  /** `http://127.0.0.1:<port>`. */
  get origin(): string {
    return `http://127.0.0.1:${this.#server.addr.port}`;
  }

  async #handle(raw: Request): Promise<Response> {
    const match = new URL(raw.url).pathname.match(/^\/model\/([^/]+)\/(converse(?:-stream)?)$/);
    const text = await raw.text();
    if (raw.method !== "POST" || !match) {
      return errorReply(404, "UnknownOperationException", `No route for ${raw.method} ${raw.url}`);
    }
    const request: BedrockRequest = {
      modelId: decodeURIComponent(match[1]),
      operation: match[2],
      headers: new Headers(raw.headers),
      body: text ? JSON.parse(text) : {},
      // A getter: Deno warns about the signal's legacy behaviour once it is read.
      get signal() {
        return raw.signal;
      },
    };
    const index = this.requests.push(request) - 1;
    const reply = this.#replies[Math.min(index, this.#replies.length - 1)];
    if (!reply) return errorReply(500, "InternalServerException", "No reply scripted");
    return typeof reply === "function" ? await reply(request) : reply.clone();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#server.shutdown();
  }
}
