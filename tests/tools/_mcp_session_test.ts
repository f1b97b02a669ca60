// Default server names: what errors, logs and name clashes call a server.

import { assertEquals } from "../_assert.ts";
import { serverLabel } from "../../tools/_mcp_session.ts";

Deno.test("serverLabel names a server after the package or script its launcher runs", () => {
  const cases: [Parameters<typeof serverLabel>[0], string][] = [
    [
      { command: "npx", args: ["-y", "@modelcontextprotocol/server-everything@2026.8.31"] },
      "server-everything",
    ],
    [{
      command: "node",
      args: ["/m/@modelcontextprotocol/server-filesystem/dist/index.js", "/data"],
    }, "server-filesystem"],
    [
      { command: "deno", args: ["run", "--allow-net", "/srv/weather_server.ts"] },
      "weather_server.ts",
    ],
    [{ command: "uvx", args: ["mcp-server-fetch"] }, "mcp-server-fetch"],
    [{ command: "docker", args: ["run", "-i", "--rm", "mcp/fetch"] }, "fetch"],
    [{ command: "/usr/local/bin/my-server", args: ["--port", "1"] }, "my-server"],
    [{ command: "npx", args: ["-y", "pkg"], name: "chosen" }, "chosen"],
    [{ url: "http://127.0.0.1:8000/mcp" }, "http://127.0.0.1:8000/mcp"],
  ];
  for (const [params, expected] of cases) assertEquals(serverLabel(params), expected);
});
