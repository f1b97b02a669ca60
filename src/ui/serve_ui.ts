/**
 * `serveUI()`: a web page to chat with an agent, served by the package over
 * HTTP, one agent per browser session, the agent's events streamed to the
 * page as Server-Sent Events as they happen.
 *
 * @module
 */

import { Logger } from "../logger.ts";
import {
  generateToken,
  hostProblem,
  isLoopback,
  offeredTokens,
  originProblem,
  randomId,
  TokenCheck,
  tokenCookie,
} from "./_access.ts";
import { ASSETS, escapeHtml, pageHtml } from "./_assets.ts";
import {
  type AgentFactory,
  RequestError,
  type SessionSettings,
  type Subscriber,
  UISession,
} from "./_session.ts";
import { makeServerDir, sweepServerDirs } from "./_sweep.ts";
import { UploadError } from "./_uploads.ts";

export type { AgentFactory, UISessionInfo } from "./_session.ts";

/** Options of {@linkcode serveUI}. */
export interface ServeUIOptions {
  /**
   * The interface to listen on. Default `"127.0.0.1"`: only this machine can
   * connect. Any other (`"0.0.0.0"`, a LAN address) requires an access token.
   */
  hostname?: string;
  /** The port; default 0, a free one (the handle's `url` says which). */
  port?: number;
  /**
   * The access token every request must carry. Default: none on a loopback
   * `hostname`, a generated one on any other. `true` generates one on
   * loopback too; a string is used as the token (at least 16 characters).
   * `false` is refused for a non-loopback `hostname`.
   */
  accessToken?: string | boolean;
  /**
   * Called once, when the server listens, with its address and the token;
   * the only place the token is ever given. Default: prints one line with
   * the address to open (which holds the token, when there is one) to
   * standard error.
   */
  onListen?: (info: UIListenInfo) => void;
  /** The page's title. Default `"smoldeno"`. */
  title?: string;
  /** Most bytes of one uploaded file. Default 20 MB. */
  maxUploadBytes?: number;
  /** Most files uploaded in one chat. Default 20. */
  maxUploads?: number;
  /** Most browser sessions open at once; past it, new pages are refused. Default 16. */
  maxSessions?: number;
  /** A session without activity (no task running, no request) this long is closed. Default 30 minutes. */
  idleTimeoutMs?: number;
  /**
   * How long a session waits for its page to reconnect when the connection
   * drops, its run going on meanwhile; then the run is stopped and the
   * session closed. Default 30 000 ms.
   */
  disconnectGraceMs?: number;
  /**
   * Most bytes of events a session keeps for a page that reconnects (the
   * oldest go first). Default 1 MB.
   */
  maxReplayBytes?: number;
  /** Closes the server when aborted. */
  signal?: AbortSignal;
  /**
   * Receives problems that belong to no page (a failed agent close, a failed
   * folder removal). Default: a warning on standard error.
   */
  onError?: (message: string) => void;
}

/** Where the server listens, given once to {@linkcode ServeUIOptions.onListen}. */
export interface UIListenInfo {
  /** The server's address, without the token: `"http://127.0.0.1:8000/"`. */
  url: string;
  /** The access token, when one is required. */
  token?: string;
  /** The address to open: `url`, with `?token=…` when a token is required. */
  openUrl: string;
  /** The interface it listens on. */
  hostname: string;
  /** The port it listens on. */
  port: number;
}

/** A running UI server, from {@linkcode serveUI}. */
export interface UIServer extends AsyncDisposable {
  /** Its address, without the token: `"http://127.0.0.1:8000/"`. */
  readonly url: string;
  /** The interface it listens on. */
  readonly hostname: string;
  /** The port it listens on. */
  readonly port: number;
  /** How many browser sessions are open. */
  readonly sessionCount: number;
  /** Resolves once the server has closed. */
  readonly finished: Promise<void>;
  /**
   * Stops the server: every session's run is stopped and its agent closed
   * (with its sandbox), the upload folders removed, the port released.
   * Idempotent.
   */
  close(): Promise<void>;
}

const DEFAULTS = {
  hostname: "127.0.0.1",
  port: 0,
  title: "smoldeno",
  maxUploadBytes: 20 * 1024 * 1024,
  maxUploads: 20,
  maxSessions: 16,
  idleTimeoutMs: 30 * 60_000,
  disconnectGraceMs: 30_000,
  maxReplayBytes: 1024 * 1024,
};

const MAX_JSON_BYTES = 1024 * 1024;
// Chunks queued for one slow page before its stream is dropped (it reconnects and catches up).
const MAX_QUEUED_CHUNKS = 5_000;
const HEARTBEAT_MS = 15_000;
const encoder = new TextEncoder();

const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; " +
    "img-src 'self' data: blob:; media-src 'self' data: blob:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "x-frame-options": "DENY",
};

/**
 * Serves a chat page for agents made by `agentFactory`: each browser session
 * (each tab) gets its own agent, so two tabs never share memory or a
 * sandbox. Resolves once the server listens.
 *
 * @example Serving scripted agents, then closing the server
 * ```ts
 * import { CodeAgent, LogLevel } from "@smoldeno/agents";
 * import { ScriptedModel } from "@smoldeno/agents/testing";
 * import { serveUI } from "@smoldeno/agents/ui";
 *
 * await using server = await serveUI(
 *   ({ uploadDir }) =>
 *     new CodeAgent({
 *       model: new ScriptedModel({ replies: ["<code>\nfinal_answer(42)\n</code>"] }),
 *       permissions: { read: [uploadDir] },
 *       logLevel: LogLevel.OFF,
 *     }),
 *   { onListen: () => {} },
 * );
 * const page = await fetch(server.url);
 * console.log(page.status, (await page.text()).includes("<title>smoldeno</title>")); // 200 true
 * ```
 *
 * @throws {TypeError} when `agentFactory` is not a function, an option has the wrong type, or a non-loopback `hostname` is asked for with `accessToken: false`.
 * @throws {RangeError} when a limit is not a positive integer, the port is out of range, or a given token is shorter than 16 characters.
 */
export async function serveUI(
  agentFactory: AgentFactory,
  options: ServeUIOptions = {},
): Promise<UIServer> {
  const settings = checkOptions(agentFactory, options);
  options.signal?.throwIfAborted();
  const root = await makeServerDir();
  await sweepServerDirs(root);
  try {
    return await UIServerImpl.start(agentFactory, settings, root, options);
  } catch (error) {
    await Deno.remove(root, { recursive: true }).catch(() => {});
    throw error;
  }
}

interface Settings {
  hostname: string;
  port: number;
  token?: string;
  title: string;
  maxSessions: number;
  session: Omit<SessionSettings, "onClosed">;
}

function checkOptions(factory: unknown, options: ServeUIOptions): Settings {
  const prefix = "Cannot serve the UI";
  if (typeof factory !== "function") {
    throw new TypeError(
      `${prefix}: agentFactory must be a function that returns an agent, got ${typeof factory}`,
    );
  }
  if (options === null || typeof options !== "object") {
    throw new TypeError(`${prefix}: options must be an object`);
  }
  const o = { ...DEFAULTS, ...stripUndefined(options) };
  if (typeof o.hostname !== "string" || o.hostname.trim() === "") {
    throw new TypeError(`${prefix}: hostname must be a non-empty string, e.g. "127.0.0.1"`);
  }
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65_535) {
    throw new RangeError(`${prefix}: port must be an integer from 0 to 65535, got ${o.port}`);
  }
  if (typeof o.title !== "string") throw new TypeError(`${prefix}: title must be a string`);
  for (
    const key of [
      "maxUploadBytes",
      "maxUploads",
      "maxSessions",
      "idleTimeoutMs",
      "disconnectGraceMs",
      "maxReplayBytes",
    ] as const
  ) {
    const v = o[key];
    if (!Number.isInteger(v) || v < 1) {
      throw new RangeError(`${prefix}: ${key} must be a positive integer, got ${String(v)}`);
    }
  }
  for (const key of ["onListen", "onError"] as const) {
    if (options[key] !== undefined && typeof options[key] !== "function") {
      throw new TypeError(`${prefix}: ${key} must be a function`);
    }
  }
  const loopback = isLoopback(o.hostname);
  const given = options.accessToken;
  let token: string | undefined;
  if (typeof given === "string") {
    if (given.length < 16 || /[\s;,]/.test(given)) {
      throw new RangeError(
        `${prefix}: accessToken must be at least 16 characters without spaces, commas or semicolons (or true to generate one)`,
      );
    }
    token = given;
  } else if (given === true || (given === undefined && !loopback)) {
    token = generateToken();
  } else if (given === false && !loopback) {
    throw new TypeError(
      `${prefix} on "${o.hostname}" without an access token: only a loopback hostname ("127.0.0.1", "localhost") may go without one`,
    );
  } else if (given !== undefined && given !== false) {
    throw new TypeError(`${prefix}: accessToken must be a string or a boolean`);
  }
  const onError = options.onError ?? ((message: string) => new Logger().warn(message));
  return {
    hostname: o.hostname,
    port: o.port,
    token,
    title: o.title,
    maxSessions: o.maxSessions,
    session: {
      maxUploadBytes: o.maxUploadBytes,
      maxUploads: o.maxUploads,
      idleTimeoutMs: o.idleTimeoutMs,
      disconnectGraceMs: o.disconnectGraceMs,
      maxReplayBytes: o.maxReplayBytes,
      wire: {},
      onError,
    },
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

class UIServerImpl implements UIServer {
  readonly url: string;
  readonly hostname: string;
  readonly port: number;
  readonly finished: Promise<void>;
  readonly #factory: AgentFactory;
  readonly #settings: Settings;
  readonly #root: string;
  readonly #tokenCheck?: TokenCheck;
  readonly #sessions = new Map<string, UISession>();
  // Sessions being opened (their factory is running).
  readonly #opening = new Set<Promise<unknown>>();
  #sessionNumber = 0;
  #server?: Deno.HttpServer<Deno.NetAddr>;
  #heartbeat?: ReturnType<typeof setInterval>;
  #closed?: Promise<void>;
  #resolveFinished!: () => void;
  #onAbort?: () => void;
  #signal?: AbortSignal;

  private constructor(
    factory: AgentFactory,
    settings: Settings,
    root: string,
    hostname: string,
    port: number,
  ) {
    this.#factory = factory;
    this.#settings = settings;
    this.#root = root;
    this.hostname = hostname;
    this.port = port;
    const host = hostname.includes(":") ? `[${hostname}]` : hostname;
    this.url = `http://${host}:${port}/`;
    if (settings.token) this.#tokenCheck = new TokenCheck(settings.token);
    this.finished = new Promise((resolve) => (this.#resolveFinished = resolve));
  }

  static async start(
    factory: AgentFactory,
    settings: Settings,
    root: string,
    options: ServeUIOptions,
  ): Promise<UIServer> {
    // The handler is set up before the server object exists; it answers 503 until then.
    const ref: { self?: UIServerImpl } = {};
    let server: Deno.HttpServer<Deno.NetAddr>;
    try {
      server = Deno.serve({
        hostname: settings.hostname,
        port: settings.port,
        onListen: () => {},
      }, (request) => ref.self ? ref.self.#handle(request) : new Response(null, { status: 503 }));
    } catch (error) {
      const reason = error instanceof Deno.errors.AddrInUse
        ? "the port is in use"
        : error instanceof Error
        ? error.message
        : String(error);
      throw new Error(
        `Cannot serve the UI on ${settings.hostname}:${settings.port}: ${reason}`,
        { cause: error },
      );
    }
    const self = new UIServerImpl(factory, settings, root, settings.hostname, server.addr.port);
    ref.self = self;
    self.#server = server;
    self.#heartbeat = setInterval(() => {
      for (const session of self.#sessions.values()) session.ping();
    }, HEARTBEAT_MS);
    if (options.signal) {
      self.#signal = options.signal;
      self.#onAbort = () => self.close();
      options.signal.addEventListener("abort", self.#onAbort, { once: true });
    }
    const token = settings.token;
    const openUrl = token ? `${self.url}?token=${encodeURIComponent(token)}` : self.url;
    const info: UIListenInfo = {
      url: self.url,
      openUrl,
      hostname: self.hostname,
      port: self.port,
      ...(token ? { token } : {}),
    };
    const onListen = options.onListen ?? ((i: UIListenInfo) =>
      new Logger().info(
        i.token
          ? `smoldeno UI: open ${i.openUrl} (it holds the access token, printed only here)`
          : `smoldeno UI: open ${i.url}`,
      ));
    try {
      onListen(info);
    } catch (error) {
      await self.close();
      throw error;
    }
    return self;
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #close(): Promise<void> {
    clearInterval(this.#heartbeat);
    if (this.#onAbort) this.#signal?.removeEventListener("abort", this.#onAbort);
    await Promise.all([...this.#sessions.values()].map((s) => s.close("server_closed")));
    // Sessions still being opened finish opening, then close themselves.
    await Promise.allSettled([...this.#opening]);
    await this.#server?.shutdown();
    await Deno.remove(this.#root, { recursive: true }).catch(() => {});
    this.#resolveFinished();
  }

  async #handle(request: Request): Promise<Response> {
    try {
      return await this.#route(request);
    } catch (error) {
      if (error instanceof RequestError || error instanceof UploadError) {
        return json(error.status, { error: error.message });
      }
      const message = error instanceof Error ? error.message : String(error);
      return json(500, { error: `The server failed to answer: ${message}` });
    }
  }

  async #route(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname;
    const api = path.startsWith("/api/");
    if (this.#closed) return refuse(api, 503, "The server is stopping");
    if (this.#tokenCheck) {
      const ok = await this.#tokenCheck.matches(offeredTokens(request, url, this.port));
      if (!ok) {
        return refuse(
          api,
          401,
          "This page needs its access token: open the address printed when the server started (it ends with ?token=…)",
        );
      }
      if (url.searchParams.has("token") && !api && request.method === "GET") {
        // Keep the token in an HttpOnly cookie, out of the address bar and history.
        return new Response(null, {
          status: 303,
          headers: {
            ...SECURITY_HEADERS,
            location: "/",
            "set-cookie": tokenCookie(this.port, url.searchParams.get("token")!),
            "cache-control": "no-store",
          },
        });
      }
    } else {
      const problem = hostProblem(request, this.port, this.hostname);
      if (problem) return refuse(api, 403, problem);
    }
    const crossOrigin = originProblem(request);
    if (crossOrigin) return refuse(api, 403, crossOrigin);

    if (!api) return this.#static(request, path);
    const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
    // ["api", "sessions", key?, action?, name?]
    if (parts[1] !== "sessions") return json(404, { error: `No API route "${path}"` });
    if (parts.length === 2) {
      if (request.method !== "POST") return methodNotAllowed("POST");
      return await this.#openSession();
    }
    const session = this.#sessions.get(parts[2]);
    if (!session) {
      return json(404, { error: "This chat has ended or never existed: start a new chat" });
    }
    const action = parts[3];
    switch (action) {
      case "events":
        if (request.method !== "GET") return methodNotAllowed("GET");
        return this.#events(request, url, session);
      case "tasks": {
        if (request.method !== "POST") return methodNotAllowed("POST");
        const body = await readJson(request);
        const runId = session.startTask((body as { task?: unknown })?.task);
        return json(202, { runId });
      }
      case "stop":
        if (request.method !== "POST") return methodNotAllowed("POST");
        return json(200, { stopped: session.stop() });
      case "files": {
        if (parts.length === 5) {
          if (request.method !== "DELETE") return methodNotAllowed("DELETE");
          return json(200, { removed: await session.removeUpload(parts[4]) });
        }
        if (request.method !== "POST") return methodNotAllowed("POST");
        const length = request.headers.get("content-length");
        const file = await session.upload(
          url.searchParams.get("name") ?? "upload",
          request.body,
          length === null ? null : Number(length),
        );
        return json(201, file);
      }
      case "memory": {
        if (request.method !== "GET") return methodNotAllowed("GET");
        const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
        return new Response(session.memoryJson(), {
          headers: {
            ...SECURITY_HEADERS,
            "content-type": "application/json; charset=utf-8",
            "content-disposition": `attachment; filename="smoldeno-run-${stamp}.json"`,
            "cache-control": "no-store",
          },
        });
      }
      case "permissions": {
        if (request.method !== "POST") return methodNotAllowed("POST");
        const id = Number(parts[4]);
        if (parts.length !== 5 || !Number.isSafeInteger(id)) {
          return json(404, { error: `No API route "${path}"` });
        }
        const body = await readJson(request);
        session.answerPermission(id, (body as { decision?: unknown })?.decision);
        return json(200, { answered: true });
      }
      case "approvals": {
        if (request.method !== "POST") return methodNotAllowed("POST");
        const id = Number(parts[4]);
        if (parts.length !== 5 || !Number.isSafeInteger(id)) {
          return json(404, { error: `No API route "${path}"` });
        }
        const body = (await readJson(request)) as { approved?: unknown; reason?: unknown } | null;
        session.answerApproval(id, body?.approved, body?.reason);
        return json(200, { answered: true });
      }
      case "close":
        if (request.method !== "POST") return methodNotAllowed("POST");
        await session.close("page");
        return json(200, { closed: true });
      default:
        return json(404, { error: `No API route "${path}"` });
    }
  }

  #static(request: Request, path: string): Response {
    if (request.method !== "GET" && request.method !== "HEAD") return methodNotAllowed("GET");
    if (path === "/") {
      return new Response(pageHtml(this.#settings.title), {
        headers: {
          ...SECURITY_HEADERS,
          "content-type": "text/html; charset=utf-8",
          "cache-control": "no-store",
        },
      });
    }
    const asset = ASSETS.get(path);
    if (!asset) return new Response("Not found", { status: 404, headers: SECURITY_HEADERS });
    return new Response(asset.body, {
      headers: { ...SECURITY_HEADERS, "content-type": asset.type, "cache-control": "no-cache" },
    });
  }

  async #openSession(): Promise<Response> {
    if (this.#sessions.size + this.#opening.size >= this.#settings.maxSessions) {
      return json(503, {
        error:
          `Too many open chats (${this.#settings.maxSessions}): close another tab, or wait for idle ones to close`,
      });
    }
    const key = randomId();
    const number = ++this.#sessionNumber;
    const opening = UISession.open(this.#factory, key, number, `${this.#root}/${number}`, {
      ...this.#settings.session,
      onClosed: (s) => {
        if (this.#sessions.get(s.key) === s) this.#sessions.delete(s.key);
      },
    });
    this.#opening.add(opening);
    try {
      const session = await opening;
      if (this.#closed) {
        await session.close("server_closed");
        return json(503, { error: "The server is stopping" });
      }
      this.#sessions.set(key, session);
      return json(201, {
        id: key,
        agent: session.describeAgent(),
        limits: {
          maxUploadBytes: this.#settings.session.maxUploadBytes,
          maxUploads: this.#settings.session.maxUploads,
        },
      });
    } finally {
      this.#opening.delete(opening);
    }
  }

  #events(request: Request, url: URL, session: UISession): Response {
    const lastSeq = Number(request.headers.get("last-event-id") ?? url.searchParams.get("after")) ||
      0;
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    // Set once subscribed; the replay inside subscribe() may already end the stream.
    const link: { unsubscribe?: () => void } = {};
    let open = true;
    const end = () => {
      if (!open) return;
      open = false;
      link.unsubscribe?.();
      try {
        controller.close();
      } catch {
        // Already closed by the client.
      }
    };
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        controller = c;
      },
      cancel() {
        open = false;
        link.unsubscribe?.();
      },
    });
    const subscriber: Subscriber = {
      send(chunk) {
        if (!open) return;
        if ((controller.desiredSize ?? 0) < -MAX_QUEUED_CHUNKS) return end();
        try {
          controller.enqueue(encoder.encode(chunk));
        } catch {
          end();
        }
      },
      close: end,
    };
    link.unsubscribe = session.subscribe(subscriber, lastSeq);
    // A page that goes away cancels the body (`cancel` above): that is the disconnect.
    if (!open) link.unsubscribe();
    return new Response(body, {
      headers: {
        ...SECURITY_HEADERS,
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        "x-accel-buffering": "no",
      },
    });
  }
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      ...SECURITY_HEADERS,
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
    },
  });
}

function methodNotAllowed(allowed: string): Response {
  const response = json(405, { error: `Method not allowed: use ${allowed}` });
  response.headers.set("allow", allowed);
  return response;
}

// API callers get JSON; a person opening a page gets a short page saying what to do.
function refuse(api: boolean, status: number, message: string): Response {
  if (api) return json(status, { error: message });
  const html = `<!doctype html><meta charset="utf-8"><title>smoldeno UI</title>` +
    `<h1>${status === 401 ? "Access token needed" : "Refused"}</h1><p>${escapeHtml(message)}</p>`;
  return new Response(html, {
    status,
    headers: { ...SECURITY_HEADERS, "content-type": "text/html; charset=utf-8" },
  });
}

async function readJson(request: Request): Promise<unknown> {
  const length = Number(request.headers.get("content-length") ?? 0);
  if (length > MAX_JSON_BYTES) {
    await request.body?.cancel().catch(() => {});
    throw new RequestError(413, `The request is too large: at most ${MAX_JSON_BYTES} bytes`);
  }
  let text = "";
  if (request.body) {
    const decoder = new TextDecoder();
    let size = 0;
    for await (const chunk of request.body) {
      size += chunk.length;
      if (size > MAX_JSON_BYTES) {
        throw new RequestError(413, `The request is too large: at most ${MAX_JSON_BYTES} bytes`);
      }
      text += decoder.decode(chunk, { stream: true });
    }
    text += decoder.decode();
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new RequestError(400, 'The request is not JSON: send { "task": "…" }');
  }
}
