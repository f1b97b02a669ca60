/**
 * `deno task test`: provisions what the suite can provision by itself, runs
 * `deno test --allow-all --doc`, and prints one line per test file instead of
 * one per test, then the failures in full and a summary that says what was
 * skipped and how to run it. Deno's whole report goes to a log file.
 *
 * ```sh
 * deno task test                       # everything
 * deno task test tests/agents/         # some paths (any `deno test` arguments work)
 * deno task test --verbose             # Deno's own report, test by test
 * ```
 *
 * @module
 */

const args = Deno.args.filter((a) => a !== "--verbose");
const verbose = args.length !== Deno.args.length;
const encoder = new TextEncoder();
const write = (text: string) => Deno.stdout.writeSync(encoder.encode(text));
const root = new URL("../", import.meta.url).pathname;

/** What the suite cannot run here and says nothing of, and how to enable it. */
const skipped: string[] = [];

async function succeeds(command: string, cmdArgs: string[]): Promise<boolean> {
  try {
    const out = await new Deno.Command(command, {
      args: cmdArgs,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  } catch {
    return false;
  }
}

// The real MCP servers: installed with npm into a cache outside the repo, once.
const mcpDir = Deno.env.get("SMOLDENO_MCP_SERVERS") ??
  `${Deno.env.get("HOME") ?? "."}/.cache/smoldeno/mcp-servers`;
const mcpInstalled = () =>
  ["server-everything", "server-filesystem"].every((name) => {
    try {
      return Deno.statSync(`${mcpDir}/node_modules/@modelcontextprotocol/${name}/dist/index.js`)
        .isFile;
    } catch {
      return false;
    }
  });
if (!mcpInstalled()) {
  if (await succeeds("npm", ["--version"])) {
    write("test: installing the two MCP servers the integration tests talk to (npm, once)…\n");
    await new Deno.Command("bash", { args: [`${root}.ci/mcp-servers.sh`], stdin: "null" })
      .output();
  }
}

// The Docker tests say themselves when no engine answers (a SKIPPING line).
if (!Deno.env.get("E2B_API_KEY")) {
  skipped.push("E2B live test: set E2B_API_KEY to run it against the E2B service");
}

const log = await Deno.makeTempFile({ prefix: "smoldeno-test-", suffix: ".log" });
write(
  `test: ${args.length ? "" : "the whole suite takes about 8 minutes on 2 cores; "}` +
    `one line per file below ` +
    `(Deno's full report: --verbose, or ${log}, kept if a test fails)\n`,
);

const started = Date.now();
const child = new Deno.Command(Deno.execPath(), {
  args: ["test", "--allow-all", "--doc", ...args],
  cwd: root,
  stdin: "inherit",
  stdout: "piped",
  stderr: "piped",
}).spawn();

const file = await Deno.open(log, { write: true, truncate: true });
// deno-lint-ignore no-control-regex
const plain = (line: string) => line.replace(/\x1b\[[0-9;]*m/g, "");

/** One test file's results, printed when the next file starts. */
let current: { name: string; ok: number; failed: number; ignored: number } | undefined;
let summaryLine = "";
let inReport = false;
const report: string[] = [];
const warnings = new Set<string>();

function endFile(): void {
  if (!current) return;
  const parts = [`${current.ok} ok`];
  if (current.failed) parts.push(`${current.failed} FAILED`);
  if (current.ignored) parts.push(`${current.ignored} ignored`);
  write(`${current.name.padEnd(60)} ${parts.join(", ")}\n`);
  current = undefined;
}

function onLine(raw: string): void {
  if (verbose) write(`${raw}\n`);
  const line = plain(raw);
  const running = /^running (\d+) tests? from (?:\.\/)?(.+)$/.exec(line);
  if (running) {
    if (running[1] === "0") return;
    // Doc examples of one source file arrive as `file.ts#12-30.ts`: one line for them all.
    const name = running[2].replace(/#\d+-\d+\.\w+$/, " (doc examples)");
    if (current?.name !== name) {
      if (!verbose) endFile();
      current = { name, ok: 0, failed: 0, ignored: 0 };
    }
    return;
  }
  if (/^ (ERRORS|FAILURES) $/.test(line)) inReport = true;
  if (/^(ok|FAILED) \| \d+ passed/.test(line)) {
    summaryLine = raw;
    inReport = false;
    return;
  }
  if (inReport) {
    report.push(raw);
    return;
  }
  if (/^SKIPPING /.test(line)) warnings.add(line);
  // A test's own line (steps are indented and counted with their test).
  if (current && !line.startsWith(" ") && / \.\.\. /.test(line)) {
    if (/ \.\.\. ok \(/.test(line)) current.ok++;
    else if (/ \.\.\. FAILED/.test(line)) current.failed++;
    else if (/ \.\.\. ignored/.test(line)) current.ignored++;
  }
}

async function pump(stream: ReadableStream<Uint8Array>): Promise<void> {
  let pending = "";
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    await file.write(chunk);
    pending += decoder.decode(chunk, { stream: true });
    const lines = pending.split("\n");
    pending = lines.pop()!;
    lines.forEach(onLine);
  }
  if (pending) onLine(pending);
}

// Ctrl-C reaches Deno's test runner too (same process group); wait for it.
Deno.addSignalListener("SIGINT", () => {});
await Promise.all([pump(child.stdout), pump(child.stderr)]);
const status = await child.status;
file.close();
if (!verbose) endFile();

const minutes = ((Date.now() - started) / 60_000).toFixed(1);
if (!verbose && report.length) write(`\n${report.join("\n")}\n`);
write("\n");
if (summaryLine) write(`${summaryLine}\n`);
for (const warning of warnings) write(`${warning}\n`);
for (const line of skipped) write(`skipped: ${line}\n`);
if (status.success) await Deno.remove(log);
write(
  status.success
    ? `test: passed in ${minutes} min\n`
    : `test: FAILED in ${minutes} min; Deno's full report: ${log}\n`,
);
Deno.exit(status.code);
