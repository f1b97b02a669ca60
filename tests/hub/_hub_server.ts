// A local Hugging Face Hub for tests: the endpoints the real
// `@huggingface/hub` client calls to create a repo, commit (preupload, the
// LFS batch and its basic upload, the NDJSON commit), list files and
// download them. It records every call, and can drop a connection mid-answer.

/** One request the server received. */
export interface HubCall {
  /** HTTP method. */
  method: string;
  /** Path and query. */
  path: string;
  /** The Authorization header, if any. */
  authorization?: string;
  /** What the call was, e.g. "create", "preupload", "lfs-batch", "lfs-upload", "commit", "tree", "resolve". */
  kind: string;
}

/** A repository's files, by path. */
interface Repo {
  type: string;
  private: boolean;
  files: Map<string, Uint8Array>;
  commits: { title: string; oid: string }[];
}

/** Options of {@linkcode FakeHub}. */
export interface FakeHubOptions {
  /** Files at least this large go through LFS (default 10 MB, as on the Hub). */
  lfsThreshold?: number;
  /** The token that may write (default "hf_test_token"). */
  token?: string;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as BufferSource);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function decodeBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers });
}

/** A response whose body breaks after its headers: a connection dropped mid-answer. */
function dropped(): Response {
  const body = new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"partial":'));
      controller.error(new Error("fake Hub: connection dropped on purpose"));
    },
  });
  return new Response(body, { headers: { "content-type": "application/json" } });
}

/** The fake Hub. `await using` stops it. */
export class FakeHub implements AsyncDisposable {
  /** Every call, in order. */
  readonly calls: HubCall[] = [];
  /** Repositories by "type/namespace/name". */
  readonly repos: Map<string, Repo> = new Map();
  /** Call kinds whose next call has its connection dropped. */
  readonly dropNext: Set<string> = new Set();
  /** Call kinds whose next call answers this HTTP status, e.g. a storage error. */
  readonly failNext: Map<string, number> = new Map();
  readonly #lfs = new Map<string, Uint8Array>();
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #lfsThreshold: number;
  readonly #token: string;

  constructor(options: FakeHubOptions = {}) {
    this.#lfsThreshold = options.lfsThreshold ?? 10 * 1024 * 1024;
    this.#token = options.token ?? "hf_test_token";
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      (req) => this.#handle(req),
    );
  }

  /** `http://127.0.0.1:<port>`: the `hubUrl` to pass. */
  get url(): string {
    return `http://127.0.0.1:${this.#server.addr.port}`;
  }

  /** The text of a file in a repo, or undefined. */
  file(type: string, repoId: string, path: string): string | undefined {
    const bytes = this.repos.get(`${type}/${repoId}`)?.files.get(path);
    return bytes && new TextDecoder().decode(bytes);
  }

  /** Adds a repository with files directly, as if pushed by someone else. */
  seed(type: string, repoId: string, files: Record<string, string>, isPrivate = false): void {
    this.repos.set(`${type}/${repoId}`, {
      type,
      private: isPrivate,
      files: new Map(Object.entries(files).map(([p, t]) => [p, new TextEncoder().encode(t)])),
      commits: [],
    });
  }

  /** The kinds of the calls so far, in order. */
  kinds(): string[] {
    return this.calls.map((c) => c.kind);
  }

  async close(): Promise<void> {
    await this.#server.shutdown();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #authorized(req: Request): boolean {
    return req.headers.get("authorization") === `Bearer ${this.#token}`;
  }

  #record(req: Request, kind: string): void {
    const url = new URL(req.url);
    const authorization = req.headers.get("authorization") ?? undefined;
    this.calls.push({ method: req.method, path: url.pathname + url.search, authorization, kind });
  }

  #repo(type: string, id: string, req: Request): Repo | Response {
    const repo = this.repos.get(`${type}/${id}`);
    if (!repo || (repo.private && !this.#authorized(req))) {
      return json({ error: "Repository not found" }, 404, { "X-Error-Code": "RepoNotFound" });
    }
    return repo;
  }

  async #handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const path = decodeURIComponent(url.pathname);
    let m: RegExpMatchArray | null;
    const kind = (k: string) => {
      this.#record(req, k);
      if (this.dropNext.delete(k)) return dropped();
      const status = this.failNext.get(k);
      if (status !== undefined) {
        this.failNext.delete(k);
        return json({ error: `fake Hub: ${k} failed on purpose` }, status);
      }
      return undefined;
    };

    if (req.method === "POST" && path === "/api/repos/create") {
      const drop = kind("create");
      if (drop) return drop;
      if (!this.#authorized(req)) return json({ error: "Invalid credentials" }, 401);
      const body = await req.json();
      const id = `${body.organization}/${body.name}`;
      const type = body.type ?? "model";
      if (this.repos.has(`${type}/${id}`)) {
        return json(
          { error: `You already created this ${type} repo`, url: `${this.url}/${id}` },
          409,
        );
      }
      if (type === "space" && !body.sdk) return json({ error: "sdk is required for spaces" }, 400);
      this.repos.set(`${type}/${id}`, {
        type,
        private: body.visibility === "private" || body.private === true,
        files: new Map([[".gitattributes", new TextEncoder().encode("*.bin filter=lfs\n")]]),
        commits: [],
      });
      return json({ url: `${this.url}/${type === "model" ? "" : `${type}s/`}${id}`, id });
    }

    if ((m = path.match(/^\/api\/(model|space|dataset)s\/([^/]+\/[^/]+)\/preupload\/([^/]+)$/))) {
      const drop = kind("preupload");
      if (drop) return drop;
      if (!this.#authorized(req)) return json({ error: "Invalid credentials" }, 401);
      const repo = this.#repo(m[1], m[2], req);
      if (repo instanceof Response) return repo;
      const body = await req.json();
      return json({
        files: body.files.map((f: { path: string; size: number }) => ({
          path: f.path,
          uploadMode: f.size >= this.#lfsThreshold ? "lfs" : "regular",
          shouldIgnore: false,
        })),
      });
    }

    if (
      req.method === "POST" &&
      (m = path.match(/^\/(?:(space|dataset)s\/)?([^/]+\/[^/]+)\.git\/info\/lfs\/objects\/batch$/))
    ) {
      const drop = kind("lfs-batch");
      if (drop) return drop;
      if (!this.#authorized(req)) return json({ error: "Invalid credentials" }, 401);
      const repo = this.#repo(m[1] ?? "model", m[2], req);
      if (repo instanceof Response) return repo;
      const body = await req.json();
      return json(
        {
          transfer: "basic",
          objects: body.objects.map((o: { oid: string; size: number }) => ({
            oid: o.oid,
            size: o.size,
            ...(this.#lfs.has(o.oid)
              ? {}
              : { actions: { upload: { href: `${this.url}/lfs-upload/${o.oid}` } } }),
          })),
        },
        200,
        { "content-type": "application/vnd.git-lfs+json" },
      );
    }

    if (req.method === "PUT" && (m = path.match(/^\/lfs-upload\/([0-9a-f]{64})$/))) {
      const drop = kind("lfs-upload");
      if (drop) return drop;
      const bytes = new Uint8Array(await req.arrayBuffer());
      if (await sha256(bytes) !== m[1]) return json({ error: "sha256 mismatch" }, 400);
      this.#lfs.set(m[1], bytes);
      return new Response(null, { status: 200 });
    }

    if ((m = path.match(/^\/api\/(model|space|dataset)s\/([^/]+\/[^/]+)\/commit\/([^/]+)$/))) {
      const drop = kind("commit");
      if (drop) return drop;
      if (!this.#authorized(req)) return json({ error: "Invalid credentials" }, 401);
      const repo = this.#repo(m[1], m[2], req);
      if (repo instanceof Response) return repo;
      const lines = (await req.text()).split("\n").filter(Boolean).map((l) => JSON.parse(l));
      const next = new Map(repo.files);
      let title = "";
      for (const { key, value } of lines) {
        if (key === "header") title = value.summary;
        else if (key === "file") next.set(value.path, decodeBase64(value.content));
        else if (key === "lfsFile") {
          const bytes = this.#lfs.get(value.oid);
          if (!bytes) return json({ error: `LFS object ${value.oid} was not uploaded` }, 422);
          next.set(value.path, bytes);
        } else if (key === "deletedFile") next.delete(value.path);
        else return json({ error: `unknown operation ${key}` }, 400);
      }
      // All or nothing, like a git commit.
      repo.files = next;
      const oid = (await sha256(new TextEncoder().encode(`${repo.commits.length}${title}`))).slice(
        0,
        40,
      );
      repo.commits.push({ title, oid });
      return json({ commitOid: oid, commitUrl: `${this.url}/${m[1]}s/${m[2]}/commit/${oid}` });
    }

    if (
      req.method === "GET" &&
      (m = path.match(/^\/api\/(model|space|dataset)s\/([^/]+\/[^/]+)\/tree\/([^/]+)(?:\/(.*))?$/))
    ) {
      const drop = kind("tree");
      if (drop) return drop;
      const repo = this.#repo(m[1], m[2], req);
      if (repo instanceof Response) return repo;
      const prefix = m[4] ? `${m[4]}/` : "";
      const recursive = url.searchParams.get("recursive") === "true";
      const entries = new Map<string, { type: string; path: string; size: number; oid: string }>();
      for (const [p, bytes] of repo.files) {
        if (!p.startsWith(prefix)) continue;
        const rest = p.slice(prefix.length).split("/");
        for (let i = 1; i < rest.length; i++) {
          const dir = prefix + rest.slice(0, i).join("/");
          entries.set(dir, { type: "directory", path: dir, size: 0, oid: "0".repeat(40) });
          if (!recursive) break;
        }
        if (recursive || rest.length === 1) {
          entries.set(p, {
            type: "file",
            path: p,
            size: bytes.length,
            oid: (await sha256(bytes)).slice(0, 40),
          });
        }
      }
      return json([...entries.values()]);
    }

    if (
      req.method === "GET" &&
      (m = path.match(/^\/(?:(space|dataset)s\/)?([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/))
    ) {
      const drop = kind("resolve");
      if (drop) return drop;
      const repo = this.#repo(m[1] ?? "model", m[2], req);
      if (repo instanceof Response) return repo;
      const bytes = repo.files.get(m[4]);
      if (!bytes) {
        return json({ error: "Entry not found" }, 404, { "X-Error-Code": "EntryNotFound" });
      }
      const etag = `"${(await sha256(bytes)).slice(0, 40)}"`;
      const range = req.headers.get("range")?.match(/^bytes=(\d+)-(\d+)$/);
      if (range) {
        const start = Number(range[1]);
        const end = Math.min(Number(range[2]), bytes.length - 1);
        return new Response(bytes.slice(start, end + 1) as BodyInit, {
          status: 206,
          headers: { "content-range": `bytes ${start}-${end}/${bytes.length}`, etag },
        });
      }
      return new Response(bytes as BodyInit, {
        headers: { etag, "content-length": String(bytes.length) },
      });
    }

    this.#record(req, "unknown");
    return json({ error: `Not implemented by the fake Hub: ${req.method} ${path}` }, 404);
  }
}
