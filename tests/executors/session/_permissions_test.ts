import {
  buildSandboxCommand,
  netDenylist,
  PRIVATE_NETWORK_DENYLIST,
  type SandboxCommandOptions,
} from "../../../executors/session/_permissions.ts";
import { assert, assertEquals, assertThrows } from "../../_assert.ts";

const BASE = [
  "run",
  "--no-prompt",
  "--no-config",
  "--no-lock",
  "--quiet",
  "--no-code-cache",
  "--unstable-worker-options",
  "--v8-flags=--max-old-space-size=512,--max-semi-space-size=2,--no-compilation-cache",
];

function argv(options: Partial<SandboxCommandOptions>): string[] {
  return buildSandboxCommand({ memoryLimitMb: 512, runnerPath: "/r/runner.js", ...options }).args;
}

const TABLE: [string, Partial<SandboxCommandOptions>, string[]][] = [
  ["no permissions", {}, [
    ...BASE,
    "--no-npm",
    "--no-remote",
    "/r/runner.js",
  ]],
  ["scoped read and write", { permissions: { read: ["/data"], write: ["/out", "/tmp/x"] } }, [
    ...BASE,
    "--allow-read=/data",
    "--allow-write=/out,/tmp/x",
    "--no-npm",
    "--no-remote",
    "/r/runner.js",
  ]],
  ["net: true keeps private ranges denied", { permissions: { net: true } }, [
    ...BASE,
    "--allow-net",
    `--deny-net=${PRIVATE_NETWORK_DENYLIST.join(",")}`,
    "--no-npm",
    "--no-remote",
    "/r/runner.js",
  ]],
  ["a net list keeps private ranges denied except those it names", {
    permissions: { net: ["127.0.0.1:8080", "api.example.com"] },
  }, [
    ...BASE,
    "--allow-net=127.0.0.1:8080,api.example.com",
    `--deny-net=${PRIVATE_NETWORK_DENYLIST.filter((r) => r !== "127.0.0.0/8").join(",")}`,
    "--no-npm",
    "--no-remote",
    "/r/runner.js",
  ]],
  ["false and empty lists grant nothing", { permissions: { read: false, env: [] } }, [
    ...BASE,
    "--no-npm",
    "--no-remote",
    "/r/runner.js",
  ]],
  ["sys: true grants sys", { permissions: { sys: true } }, [
    ...BASE,
    "--allow-sys",
    "--no-npm",
    "--no-remote",
    "/r/runner.js",
  ]],
  ["a sys list grants those names only", { permissions: { sys: ["hostname", "cpus"] } }, [
    ...BASE,
    "--allow-sys=hostname,cpus",
    "--no-npm",
    "--no-remote",
    "/r/runner.js",
  ]],
  ["a sys list loses the names the deny list names", {
    permissions: { sys: ["hostname", "cpus"] },
    deny: { sys: ["cpus"] },
  }, [
    ...BASE,
    "--allow-sys=hostname",
    "--no-npm",
    "--no-remote",
    "/r/runner.js",
  ]],
  ["memory limit", { memoryLimitMb: 64 }, [
    ...BASE.slice(0, -1),
    "--v8-flags=--max-old-space-size=64,--max-semi-space-size=2,--no-compilation-cache",
    "--no-npm",
    "--no-remote",
    "/r/runner.js",
  ]],
  ["node builtins need no download", { authorizedImports: ["node:*"] }, [
    ...BASE,
    "--no-npm",
    "--no-remote",
    "/r/runner.js",
  ]],
  ["authorized npm packages load from the cache only", {
    authorizedImports: ["npm:lodash@4"],
  }, [
    ...BASE,
    "--no-remote",
    "--cached-only",
    "/r/runner.js",
  ]],
  ["authorized remote modules allow their host, from the cache only", {
    authorizedImports: ["https://esm.sh/*", "jsr:@std/path@1"],
  }, [
    ...BASE,
    "--no-npm",
    "--allow-import=esm.sh:443,jsr.io:443",
    "--cached-only",
    "/r/runner.js",
  ]],
  ["an import grant fetches at run time", { permissions: { import: ["esm.sh"] } }, [
    ...BASE,
    "--allow-import=esm.sh",
    "--no-npm",
    "/r/runner.js",
  ]],
  ["read and write grants never reach the protected paths", {
    permissions: { read: true, write: ["/tmp"] },
    protectedPaths: ["/tmp/smoldeno-sandboxes"],
  }, [
    ...BASE,
    "--allow-read",
    "--allow-write=/tmp",
    "--deny-read=/tmp/smoldeno-sandboxes",
    "--deny-write=/tmp/smoldeno-sandboxes",
    "--no-npm",
    "--no-remote",
    "/r/runner.js",
  ]],
  ["protected paths need no deny flags without read or write", {
    protectedPaths: ["/tmp/smoldeno-sandboxes"],
  }, [
    ...BASE,
    "--no-npm",
    "--no-remote",
    "/r/runner.js",
  ]],
  ["the import map comes before the runner", { importMapPath: "/r/import_map.json" }, [
    ...BASE,
    "--no-npm",
    "--no-remote",
    "--import-map=/r/import_map.json",
    "/r/runner.js",
  ]],
  ["run and ffi", { permissions: { run: ["git"], ffi: true } }, [
    ...BASE,
    "--allow-run=git",
    "--allow-ffi",
    "--no-npm",
    "--no-remote",
    "/r/runner.js",
  ]],
];

for (const [name, options, expected] of TABLE) {
  Deno.test(`buildSandboxCommand() argv: ${name}`, () => {
    assertEquals(argv(options), expected);
  });
}

Deno.test("buildSandboxCommand() starts from an empty environment plus listed host variables", () => {
  const { env } = buildSandboxCommand({
    memoryLimitMb: 512,
    runnerPath: "r.js",
    denoDir: "/tmp/d",
    permissions: { env: ["API_URL", "MISSING"] },
    hostEnv: { API_URL: "http://x", SECRET: "s3cr3t" },
  });
  assertEquals(env, {
    NO_COLOR: "1",
    DENO_NO_UPDATE_CHECK: "1",
    DENO_NO_PROMPT: "1",
    DENO_DIR: "/tmp/d",
    API_URL: "http://x",
  });
});

Deno.test("buildSandboxCommand() warns about run, ffi, sys and all permissions", () => {
  const warnings = (permissions: SandboxCommandOptions["permissions"]) =>
    buildSandboxCommand({ memoryLimitMb: 1, runnerPath: "r", permissions }).warnings;
  assertEquals(warnings({ read: true, net: true }), []);
  assert(warnings({ run: true })[0].includes("effectively full access"));
  assert(warnings({ ffi: ["/lib/x.so"] })[0].includes("ffi"));
  assert(warnings({ sys: ["hostname"] })[0].includes("sys"));
  const all = warnings({
    read: true,
    write: true,
    net: true,
    env: true,
    sys: true,
    run: true,
    ffi: true,
    import: true,
  });
  assertEquals(all.length, 1);
  assert(all[0].includes("all permissions"));
});

Deno.test("buildSandboxCommand() rejects entries that would inject flags", () => {
  assertThrows(
    () => argv({ permissions: { read: ["/a,--allow-all"] } }),
    TypeError,
    "without commas",
  );
  assertThrows(() => argv({ permissions: { net: [""] } }), TypeError, "non-empty");
  assertThrows(
    // @ts-expect-error: a string is not a valid value
    () => argv({ permissions: { write: "/tmp" } }),
    TypeError,
    "permissions.write",
  );
});

Deno.test("buildSandboxCommand() flags are accepted by this deno", async () => {
  const { args } = buildSandboxCommand({
    memoryLimitMb: 64,
    runnerPath: "data:text/javascript,console.log(Deno.args.length)",
    permissions: { net: true, sys: ["hostname"], read: ["/tmp"] },
    authorizedImports: ["npm:left-pad@1"],
  });
  const out = await new Deno.Command(Deno.execPath(), { args, stdin: "null" }).output();
  assertEquals(new TextDecoder().decode(out.stderr), "");
  assertEquals(new TextDecoder().decode(out.stdout), "0\n");
});

Deno.test("netDenylist() adds the host's own addresses and their IPv4-mapped forms", () => {
  const list = netDenylist([], ["192.0.2.2", "fd00::2", "fe80::fc:ff:fe00:1%eth0"]).split(",");
  for (const entry of ["192.0.2.2", "[::ffff:192.0.2.2]", "[fd00::2]", "[fe80::fc:ff:fe00:1]"]) {
    assert(list.includes(entry), entry);
  }
  assert(list.includes("127.0.0.0/8"));
});

Deno.test("netDenylist() keeps denied only the ranges the user did not name", () => {
  const list = netDenylist(["10.1.2.3:5432", "localhost:8080", "[::1]:9"], ["10.1.2.3"]).split(",");
  assert(!list.includes("10.0.0.0/8"));
  assert(!list.includes("127.0.0.0/8"));
  assert(!list.includes("[::1]"));
  assert(!list.includes("10.1.2.3"));
  assert(list.includes("192.168.0.0/16"));
});

Deno.test("buildSandboxCommand() passes the host PATH so granted programs resolve", () => {
  const { env } = buildSandboxCommand({
    memoryLimitMb: 64,
    runnerPath: "r",
    hostEnv: { PATH: "/usr/bin:/bin" },
  });
  assertEquals(env.PATH, "/usr/bin:/bin");
});

Deno.test("buildSandboxCommand() refuses a sys name Deno does not know, naming the ones it does", () => {
  const error = assertThrows(() => argv({ permissions: { sys: ["hostname", "hostnme"] } }));
  assert(String(error).includes('"hostnme"') && String(error).includes("osRelease"), String(error));
});
