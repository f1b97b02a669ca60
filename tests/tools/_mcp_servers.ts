// Finds the third-party MCP servers that .ci/mcp-servers.sh installs, and
// starts the HTTP flavours of server-everything on a free port.

const dir = Deno.env.get("SMOLDENO_MCP_SERVERS") ??
  `${Deno.env.get("HOME") ?? "."}/.cache/smoldeno/mcp-servers`;
const modules = `${dir}/node_modules/@modelcontextprotocol`;

/** Entry script of server-everything. */
export const EVERYTHING: string = `${modules}/server-everything/dist/index.js`;
/** Entry script of server-filesystem. */
export const FILESYSTEM: string = `${modules}/server-filesystem/dist/index.js`;

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

function hasNode(): boolean {
  try {
    return new Deno.Command("node", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

/** Why the real-server tests cannot run here, or `undefined` when they can. */
export const skipReason: string | undefined = !hasNode()
  ? "node is not installed"
  : !exists(EVERYTHING) || !exists(FILESYSTEM)
  ? `the MCP servers are not installed in ${dir}: run .ci/mcp-servers.sh`
  : undefined;

if (skipReason) {
  // CI provisions the servers (.ci/run sets this): there a missing server is a
  // failure, not a silent skip.
  if (Deno.env.get("SMOLDENO_REQUIRE_MCP_SERVERS") === "1") {
    throw new Error(`The MCP real-server tests must run here, but ${skipReason}`);
  }
  console.warn(`SKIPPING the MCP real-server tests: ${skipReason}`);
}

/** A free TCP port on 127.0.0.1 (released just before use). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** A server-everything process speaking HTTP. */
export interface HttpServerProcess extends AsyncDisposable {
  /** Its endpoint. */
  url: string;
  /** Stops it and waits until it has exited. */
  close(): Promise<void>;
}

/** Starts server-everything in `streamableHttp` (endpoint /mcp) or `sse` (endpoint /sse) mode. */
export async function startEverythingHttp(
  mode: "streamableHttp" | "sse",
  port: number = freePort(),
): Promise<HttpServerProcess> {
  const child = new Deno.Command("node", {
    args: [EVERYTHING, mode],
    env: { PORT: String(port) },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // Drain stdout (the server logs every request there) so it never blocks.
  const drained = child.stdout.pipeTo(new WritableStream());
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!/listening on port|running on port/i.test(seen)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`server-everything ${mode} exited before listening: ${seen}`);
    seen += value;
  }
  const rest = (async () => {
    while (!(await reader.read()).done) { /* drain */ }
  })();
  let closed: Promise<void> | undefined;
  const close = () =>
    closed ??= (async () => {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      await child.status;
      await Promise.all([drained, rest]);
    })();
  return {
    url: `http://127.0.0.1:${port}/${mode === "sse" ? "sse" : "mcp"}`,
    close,
    [Symbol.asyncDispose]: close,
  };
}
