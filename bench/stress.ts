/**
 * The whole test suite, several times, on a loaded machine: `deno task
 * stress`. A test that passes only on an idle machine is a flaky test, and a
 * flaky test blocks every submission; a security limit that behaves
 * differently under load is a bug. This script starts CPU burners (one busy
 * `deno` process per core by default), runs `deno test --allow-all --doc`
 * (the README's test command) N times, stops the burners it started (by PID),
 * and prints a table of each run and the tests that failed in any run.
 *
 * ```sh
 * deno task stress                      # 5 runs, one burner per core
 * deno task stress --runs 2 --burners 4 # heavier load, fewer runs
 * deno task stress -- tests/executors/  # only these test paths
 * ```
 *
 * Exit code 1 when any run failed. Nothing here times a test: the figures
 * are for the reader.
 *
 * @module
 */

import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  args: Deno.args,
  options: {
    runs: { type: "string", default: "5" },
    burners: { type: "string", default: String(navigator.hardwareConcurrency || 2) },
    "hang-minutes": { type: "string", default: "5" },
    help: { type: "boolean", short: "h", default: false },
  },
  allowPositionals: true,
});

if (values.help) {
  console.log(
    "Usage: deno task stress [--runs N] [--burners N] [-- test paths...]\n" +
      "Runs the test suite N times (default 5) with N CPU burners (default: one per core).\n" +
      "A run that prints nothing for --hang-minutes (default 5) is stopped and reported as hung.",
  );
  Deno.exit(0);
}

function count(name: string, text: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) {
    console.error(`stress: --${name} must be an integer >= ${min}, got ${JSON.stringify(text)}`);
    Deno.exit(2);
  }
  return n;
}

const runs = count("runs", values.runs!, 1);
const burnerCount = count("burners", values.burners!, 0);
const hangMs = count("hang-minutes", values["hang-minutes"]!, 1) * 60_000;
/** The test run in progress, so an interrupt can end it with the burners. */
let current: Deno.ChildProcess | undefined;
const logDir = `${Deno.env.get("TMPDIR") || "/tmp"}/smoldeno-stress-${Date.now()}`;

/** One run's result, parsed from Deno's test report. */
interface RunReport {
  passed: number;
  failed: number;
  ignored: number;
  seconds: number;
  /** `name => file:line` of each failed test. */
  failures: string[];
  /** Load average (1 min) when the run ended. */
  load: number;
  /** The run's whole output. */
  log: string;
}

// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/** Adds up the "ok | 12 passed | 0 failed | 3 ignored" lines and reads the FAILURES list. */
export function parseReport(output: string): Omit<RunReport, "seconds" | "load" | "log"> {
  const text = output.replace(ANSI, "");
  let passed = 0;
  let failed = 0;
  let ignored = 0;
  for (
    const m of text.matchAll(
      /^(?:ok|FAILED) \| (\d+) passed[^|]*\| (\d+) failed(?: \| (\d+) ignored)?/gm,
    )
  ) {
    passed += Number(m[1]);
    failed += Number(m[2]);
    ignored += Number(m[3] ?? 0);
  }
  const failures: string[] = [];
  const section = text.split(/^ FAILURES $/m)[1];
  if (section) {
    for (const line of section.split("\n")) {
      if (/ => \S+:\d+:\d+$/.test(line)) failures.push(line.trim());
      if (/^(?:ok|FAILED) \|/.test(line)) break;
    }
  }
  // Interrupted (Ctrl-C, or the hang watchdog): Deno lists what was still running.
  const pending = text.split(/The following tests were pending:/)[1];
  if (pending) {
    for (const line of pending.split("\n")) {
      if (/ => \S+:\d+:\d+$/.test(line)) failures.push(`pending when stopped: ${line.trim()}`);
    }
  }
  return { passed, failed, ignored, failures };
}

/** Starts the CPU burners; returns a function that stops exactly those. */
function startBurners(n: number): () => Promise<void> {
  const children: Deno.ChildProcess[] = [];
  for (let i = 0; i < n; i++) {
    children.push(
      new Deno.Command(Deno.execPath(), {
        args: ["eval", "for (;;) {}"],
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn(),
    );
  }
  return async () => {
    for (const child of children) {
      try {
        child.kill("SIGKILL");
      } catch {
        // Already gone.
      }
    }
    await Promise.all(children.map((c) => c.status));
  };
}

/** The last test Deno started and did not finish, from its report so far. */
export function runningTest(output: string): string | undefined {
  const lines = output.replace(ANSI, "").split("\n");
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /^(.*) \.\.\.(.*)$/.exec(lines[i]);
    if (!m) continue;
    return /\b(?:ok|FAILED|ignored)\b/.test(m[2]) ? undefined : m[1].trim();
  }
  return undefined;
}

async function runSuite(paths: string[], index: number): Promise<RunReport> {
  const started = performance.now();
  const log = `${logDir}/run-${index}.log`;
  const file = await Deno.open(log, { write: true, create: true, truncate: true });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["test", "--allow-all", "--doc", ...paths],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  current = child;
  let output = "";
  let last = performance.now();
  const decoder = new TextDecoder();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) {
      const text = decoder.decode(chunk, { stream: true });
      output += text;
      // Deno's own "'x' has been running for over (1m0s)" notes are not progress.
      if (!/^\s*'.*' has been running for over/.test(text.replace(ANSI, ""))) {
        last = performance.now();
      }
      await file.write(chunk);
    }
  };
  let hung: string | undefined;
  const watch = setInterval(() => {
    if (performance.now() - last < hangMs || hung !== undefined) return;
    hung = runningTest(output) ?? "(no test was running)";
    try {
      child.kill("SIGINT");
    } catch {
      // Ended meanwhile.
    }
  }, 1000);
  await Promise.all([pump(child.stdout), pump(child.stderr)]);
  const status = await child.status;
  clearInterval(watch);
  file.close();
  current = undefined;
  const report = parseReport(output);
  if (hung !== undefined) {
    report.failed++;
    report.failures.push(`HUNG (no output for ${hangMs / 60_000} min): ${hung}`);
  } else if (!status.success && report.failed === 0) {
    // The run ended without a report (a type error, a crash): count it.
    report.failed = 1;
    report.failures.push(`the test run itself failed (exit code ${status.code}); see ${log}`);
  }
  return {
    ...report,
    seconds: (performance.now() - started) / 1000,
    load: Deno.loadavg()[0],
    log,
  };
}

if (import.meta.main) {
  console.log(
    `stress: ${runs} run(s) of the test suite with ${burnerCount} CPU burner(s) on ${navigator.hardwareConcurrency} core(s)`,
  );
  await Deno.mkdir(logDir, { recursive: true });
  console.log(`stress: each run's output goes to ${logDir}/run-N.log`);
  const stopBurners = startBurners(burnerCount);
  const onSignal = () => {
    try {
      // SIGINT, as Ctrl-C would: the test runner stops and cleans up.
      current?.kill("SIGINT");
    } catch {
      // Already ended.
    }
    Promise.all([stopBurners(), current?.status]).finally(() => Deno.exit(130));
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  const reports: RunReport[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const report = await runSuite(positionals, i + 1);
      reports.push(report);
      console.log(
        `run ${
          i + 1
        }/${runs}: ${report.passed} passed, ${report.failed} failed, ${report.ignored} ignored, ` +
          `${report.seconds.toFixed(0)} s, load ${report.load.toFixed(1)}`,
      );
      for (const f of report.failures) console.log(`  FAILED ${f}`);
    }
  } finally {
    await stopBurners();
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
  }

  console.log("\n| run | passed | failed | ignored | time (s) | load (1 min) |");
  console.log("| --: | -----: | -----: | ------: | -------: | -----------: |");
  reports.forEach((r, i) =>
    console.log(
      `| ${i + 1} | ${r.passed} | ${r.failed} | ${r.ignored} | ${r.seconds.toFixed(0)} | ${
        r.load.toFixed(1)
      } |`,
    )
  );
  const seconds = reports.map((r) => r.seconds).sort((a, b) => a - b);
  console.log(`\nmedian run: ${seconds[seconds.length >> 1].toFixed(0)} s`);
  const flaky = new Map<string, number>();
  for (const r of reports) for (const f of r.failures) flaky.set(f, (flaky.get(f) ?? 0) + 1);
  if (flaky.size) {
    console.log("\nTests that failed in any run:");
    for (const [name, n] of flaky) console.log(`  ${n}/${runs}  ${name}`);
    Deno.exit(1);
  }
  console.log(`\nNo test failed in ${runs} loaded run(s).`);
}
