// A local HTTP server for tool tests: serves the provider fixtures of
// tests/fixtures/web/ on 127.0.0.1 and records what the tools sent.

/** One request the server received. */
export interface RecordedRequest {
  method: string;
  url: URL;
  headers: Headers;
  body: string;
}

/** Answers one request. */
export type Route = (request: Request, recorded: RecordedRequest) => Response | Promise<Response>;

/** A running fixture server; `await using` shuts it down. */
export interface FixtureServer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  requests: RecordedRequest[];
}

/** Reads a fixture file of tests/fixtures/web/. */
export function fixture(name: string): string {
  return Deno.readTextFileSync(new URL(`../fixtures/web/${name}`, import.meta.url));
}

/** Serves `routes` (keyed by pathname) on a free port; unknown paths get 404. */
export function serveFixtures(routes: Record<string, Route>): FixtureServer {
  const requests: RecordedRequest[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const recorded: RecordedRequest = {
      method: request.method,
      url: new URL(request.url),
      headers: request.headers,
      body: await request.text(),
    };
    requests.push(recorded);
    const route = routes[recorded.url.pathname];
    return route ? route(request, recorded) : new Response("Not found", { status: 404 });
  });
  return {
    origin: `http://127.0.0.1:${server.addr.port}`,
    requests,
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  };
}

/** An HTML response. */
export function html(body: string, status = 200): Response {
  return new Response(body, { status, headers: { "content-type": "text/html; charset=utf-8" } });
}

/** A JSON response from a fixture's text. */
export function json(body: string, status = 200): Response {
  return new Response(body, { status, headers: { "content-type": "application/json" } });
}
