/**
 * Who may talk to the UI server: the access token (generated, compared in
 * constant time, carried by a cookie once the page has it), the Host check
 * that keeps a loopback server from answering a DNS-rebinding page, and the
 * Origin check that refuses writes from other sites.
 *
 * @module
 */

const encoder = new TextEncoder();

/** A new access token: 32 random bytes, base64url (43 characters). */
export function generateToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_")
    .replace(/=+$/, "");
}

/** A random identifier for URLs: 16 bytes, hex. */
export function randomId(): string {
  return [...crypto.getRandomValues(new Uint8Array(16))]
    .map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Whether `hostname` names this machine's loopback interface only. */
export function isLoopback(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127(?:\.\d{1,3}){3}$/.test(h);
}

/**
 * Checks candidate tokens against the server's in constant time: both sides
 * are hashed with a per-server key first, so neither the content nor the
 * length of the token shows in how long a comparison takes.
 */
export class TokenCheck {
  readonly #key: Promise<CryptoKey>;
  readonly #expected: Promise<Uint8Array>;

  /** Prepares the check of `token`. */
  constructor(token: string) {
    this.#key = crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    this.#expected = this.#digest(token);
  }

  /** Whether any of `candidates` is the token. */
  async matches(candidates: (string | undefined)[]): Promise<boolean> {
    const expected = await this.#expected;
    let found = false;
    for (const candidate of candidates) {
      if (candidate === undefined) continue;
      const actual = await this.#digest(candidate);
      let diff = 0;
      for (let i = 0; i < expected.length; i++) diff |= expected[i] ^ actual[i];
      found = found || diff === 0;
    }
    return found;
  }

  async #digest(text: string): Promise<Uint8Array> {
    const key = await this.#key;
    return new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(text)));
  }
}

/** The cookie that carries the token, named by port: cookies do not tell ports apart. */
export function cookieName(port: number): string {
  return `smoldeno_ui_${port}`;
}

/** The tokens a request offers: its cookie, its `Authorization: Bearer`, its `?token=`. */
export function offeredTokens(request: Request, url: URL, port: number): (string | undefined)[] {
  const cookies = request.headers.get("cookie") ?? "";
  const name = cookieName(port);
  let cookie: string | undefined;
  for (const part of cookies.split(";")) {
    const eq = part.indexOf("=");
    if (eq !== -1 && part.slice(0, eq).trim() === name) cookie = part.slice(eq + 1).trim();
  }
  const auth = /^Bearer\s+(\S+)$/i.exec(request.headers.get("authorization") ?? "")?.[1];
  return [cookie, auth, url.searchParams.get("token") ?? undefined];
}

/** The `Set-Cookie` value that keeps the token for the page's later requests. */
export function tokenCookie(port: number, token: string): string {
  return `${cookieName(port)}=${token}; Path=/; HttpOnly; SameSite=Strict`;
}

/**
 * Why a request to a loopback server without token is refused, if it is:
 * its Host must name the loopback interface and the port, or a page of any
 * site could reach the server through a DNS name rebound to 127.0.0.1.
 */
export function hostProblem(
  request: Request,
  port: number,
  hostname = "127.0.0.1",
): string | undefined {
  const host = (request.headers.get("host") ?? "").toLowerCase();
  const bound = hostname.includes(":") && !hostname.startsWith("[") ? `[${hostname}]` : hostname;
  const allowed = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${bound}:${port}`]
    .map((h) => h.toLowerCase());
  if (allowed.includes(host)) return undefined;
  return `Unexpected Host header "${
    host.slice(0, 100)
  }": this server answers only to 127.0.0.1:${port} or localhost:${port}`;
}

/** Why a request that changes something is refused, if it is: it comes from another origin. */
export function originProblem(request: Request): string | undefined {
  if (request.method === "GET" || request.method === "HEAD") return undefined;
  const origin = request.headers.get("origin");
  if (origin === null) return undefined;
  const host = request.headers.get("host") ?? "";
  if (origin === `http://${host}` || origin === `https://${host}`) return undefined;
  return `Refused a ${request.method} from another origin ("${origin.slice(0, 100)}")`;
}
