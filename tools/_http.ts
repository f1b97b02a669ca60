// Bounded HTTP for the networked tools: a wall-clock timeout, a redirect limit
// followed by hand (so every hop is checked), and a download size cap, because
// a model can point a tool at any URL and the host must not hang or fill memory.

/** Limits of one bounded fetch. */
export interface BoundedFetchOptions {
  method?: string;
  headers?: HeadersInit;
  body?: BodyInit;
  /** Milliseconds for the whole exchange, body included. */
  timeoutMs: number;
  /** Redirects followed before giving up. */
  maxRedirects: number;
  /** Bytes of body kept; the rest is dropped and `truncated` is set. */
  maxBytes: number;
  /** Refuse loopback, private and link-local hosts (checked on every hop)... */
  blockPrivateHosts?: boolean;
  /** ...except these hostnames. */
  allowedPrivateHosts?: readonly string[];
  signal?: AbortSignal;
}

/** What a bounded fetch got. */
export interface BoundedResponse {
  status: number;
  statusText: string;
  headers: Headers;
  /** The URL after redirects. */
  url: string;
  body: Uint8Array;
  /** True when the body was longer than `maxBytes`. */
  truncated: boolean;
}

/** Why a bounded fetch failed, in words a model can act on. */
export class HttpLimitError extends Error {
  /** What went wrong: `timeout`, `redirects`, `blocked` or `network`. */
  readonly reason: "timeout" | "redirects" | "blocked" | "network";
  constructor(
    message: string,
    reason: HttpLimitError["reason"],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "HttpLimitError";
    this.reason = reason;
  }
}

const PRIVATE_V4 = [
  /^127\./,
  /^10\./,
  /^192\.168\./,
  /^172\.(1[6-9]|2\d|3[01])\./,
  /^169\.254\./,
  /^0\./,
];

/** True for hosts that name this machine or a private network. */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost") || host === "0.0.0.0") return true;
  if (PRIVATE_V4.some((re) => re.test(host))) return true;
  // IPv6 loopback, unspecified, unique-local, link-local and v4-mapped forms.
  return host === "::1" || host === "::" || /^f[cd][0-9a-f]{2}:/.test(host) ||
    host.startsWith("fe80:") || host.startsWith("::ffff:");
}

/** Fetches `url` within the given limits; throws {@linkcode HttpLimitError}. */
export async function boundedFetch(
  url: string,
  options: BoundedFetchOptions,
): Promise<BoundedResponse> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let current = new URL(url);
  try {
    for (let hop = 0;; hop++) {
      if (current.protocol !== "http:" && current.protocol !== "https:") {
        throw new HttpLimitError(
          `Cannot fetch "${current.href}": only http and https URLs are supported`,
          "blocked",
        );
      }
      if (
        options.blockPrivateHosts && isPrivateHost(current.hostname) &&
        !options.allowedPrivateHosts?.includes(current.hostname)
      ) {
        throw new HttpLimitError(
          `Refusing to fetch "${current.href}": it points to this machine or a private network`,
          "blocked",
        );
      }
      const response = await fetch(current, {
        method: hop === 0 ? options.method : "GET",
        headers: options.headers,
        body: hop === 0 ? options.body : undefined,
        redirect: "manual",
        signal,
      });
      const location = response.headers.get("location");
      if (response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel();
        if (hop >= options.maxRedirects) {
          throw new HttpLimitError(
            `Too many redirects: "${url}" redirected more than ${options.maxRedirects} times`,
            "redirects",
          );
        }
        current = new URL(location, current);
        continue;
      }
      const { body, truncated } = await readCapped(response, options.maxBytes);
      return {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
        url: current.href,
        body,
        truncated,
      };
    }
  } catch (error) {
    if (error instanceof HttpLimitError) throw error;
    if (timeout.aborted) {
      throw new HttpLimitError(
        `Timed out after ${options.timeoutMs} ms fetching "${current.href}"`,
        "timeout",
        { cause: error },
      );
    }
    if (options.signal?.aborted) throw options.signal.reason;
    throw new HttpLimitError(
      `Cannot reach "${current.href}": ${(error as Error).message}`,
      "network",
      { cause: error },
    );
  }
}

async function readCapped(
  response: Response,
  maxBytes: number,
): Promise<{ body: Uint8Array; truncated: boolean }> {
  if (!response.body) return { body: new Uint8Array(), truncated: false };
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  const reader = response.body.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      if (size + value.byteLength > maxBytes) {
        chunks.push(value.subarray(0, maxBytes - size));
        size = maxBytes;
        truncated = true;
        break;
      }
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    if (truncated) await reader.cancel();
    reader.releaseLock();
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { body, truncated };
}

/** Decodes a body using the charset of its content type (UTF-8 by default). */
export function decodeBody(body: Uint8Array, contentType: string | null): string {
  const charset = /charset=["']?([\w-]+)/i.exec(contentType ?? "")?.[1] ?? "utf-8";
  try {
    return new TextDecoder(charset).decode(body);
  } catch {
    return new TextDecoder().decode(body);
  }
}

/** The User-Agent the tools send: honest about what they are. */
export const USER_AGENT = "smoldeno-agents/0.1 (+https://jsr.io/@smoldeno/agents)";
