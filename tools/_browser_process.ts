// Starting Chromium so that it never outlives the program: playwright
// launches it in its own process group; on Linux the browser is found in
// /proc by a marker switch, and a small `sh` watchdog holding a pipe from
// this process kills that group (and removes the profile folder) when the
// pipe closes without the word "closed", which is what happens when the host
// is killed, crashes or exits without closing the session. An unload handler
// does the same at once for a program that ends without closing.

import { type Browser, chromium } from "playwright-core";
import { BrowserError } from "./_browser_errors.ts";
import { readEnv } from "./_text.ts";

/** Where Chromium or Chrome is usually installed, tried in order. */
const KNOWN_PATHS = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/usr/bin/google-chrome-stable",
  "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
  "/Applications/Chromium.app/Contents/MacOS/Chromium",
];

/** Switches that keep a headless browser quiet: nothing reaches the network by itself. */
export const QUIET_SWITCHES: readonly string[] = [
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-breakpad",
];

/** What {@linkcode launchBrowser} needs. */
export interface LaunchSettings {
  executablePath?: string;
  headless: boolean;
  args: readonly string[];
  timeoutMs: number;
}

/** A launched browser and the means to end it for sure. */
export interface LaunchedBrowser {
  browser: Browser;
  /** The browser's process id, when it could be found (Linux). */
  pid?: number;
  /** Closes the browser and stops the watchdog. Idempotent. */
  close(): Promise<void>;
}

/** The executable to launch: the option, `SMOLDENO_CHROMIUM`, then a known path; or playwright's own. */
export function findExecutable(given?: string): string | undefined {
  if (given !== undefined) return given;
  const fromEnv = readEnv("SMOLDENO_CHROMIUM");
  if (fromEnv) return fromEnv;
  return KNOWN_PATHS.find(isFile);
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** Launches Chromium with playwright and guards it against being orphaned. */
export async function launchBrowser(settings: LaunchSettings): Promise<LaunchedBrowser> {
  const executablePath = findExecutable(settings.executablePath);
  // Checked here: playwright would leave an empty profile folder behind.
  if (executablePath !== undefined && !isFile(executablePath)) {
    throw new BrowserError(
      `Cannot start Chromium from ${executablePath}: no such file; install Chromium ` +
        "(Debian: apt-get install chromium) or pass executablePath",
      { reason: "launch" },
    );
  }
  const marker = `--smoldeno-browser=${Deno.pid}-${crypto.randomUUID()}`;
  let browser: Browser;
  try {
    browser = await chromium.launch({
      executablePath,
      headless: settings.headless,
      args: [...QUIET_SWITCHES, ...settings.args, marker],
      timeout: settings.timeoutMs,
      // The session ends the browser itself; playwright's handlers would
      // change how the program reacts to Ctrl-C.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
  } catch (error) {
    const where = executablePath ?? "playwright's own browser folder";
    throw new BrowserError(
      `Cannot start Chromium from ${where}: ${firstLine(error)}; install Chromium ` +
        "(Debian: apt-get install chromium) or pass executablePath",
      { reason: "launch", cause: error },
    );
  }
  const found = findByMarker(marker);
  const guard = found ? startGuard(found.pid, found.profileDir) : undefined;
  let closing: Promise<void> | undefined;
  return {
    browser,
    pid: found?.pid,
    close: () =>
      closing ??= (async () => {
        try {
          await browser.close();
        } catch {
          // A browser that cannot close goes by force.
          if (found) killGroup(found.pid);
        }
        await guard?.stop();
      })(),
  };
}

/** The browser process started with `marker`, a child of this process, and its profile folder. */
function findByMarker(marker: string): { pid: number; profileDir?: string } | undefined {
  if (Deno.build.os !== "linux") return undefined;
  try {
    for (const entry of Deno.readDirSync("/proc")) {
      if (!/^\d+$/.test(entry.name)) continue;
      let cmdline: string;
      try {
        cmdline = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`);
      } catch {
        continue;
      }
      const args = cmdline.split("\0");
      if (!args.includes(marker)) continue;
      const profile = args.find((a) => a.startsWith("--user-data-dir="));
      return { pid: Number(entry.name), profileDir: profile?.slice("--user-data-dir=".length) };
    }
  } catch {
    // No /proc to read: the unload handler and playwright's own close remain.
  }
  return undefined;
}

// Ignores the signals a terminal sends its whole process group (so Ctrl-C of
// the host does not take the watchdog with it), waits for a line, and unless
// it is "closed" kills the browser's group and removes its profile folder.
const WATCHDOG = `trap '' INT TERM HUP
read line
[ "$line" = closed ] && exit 0
kill -s TERM -- "-$1" 2>/dev/null
sleep 1
kill -s KILL -- "-$1" 2>/dev/null
[ -n "$2" ] && rm -rf -- "$2"
exit 0`;

interface Guard {
  stop(): Promise<void>;
}

function startGuard(pid: number, profileDir: string | undefined): Guard {
  let watchdog: Deno.ChildProcess | undefined;
  let writer: WritableStreamDefaultWriter<Uint8Array> | undefined;
  try {
    watchdog = new Deno.Command("sh", {
      args: ["-c", WATCHDOG, "smoldeno-browser-watchdog", String(pid), profileDir ?? ""],
      stdin: "piped",
      stdout: "null",
      stderr: "null",
    }).spawn();
    // Neither the watchdog nor its pipe may keep the program running.
    watchdog.unref();
    writer = watchdog.stdin.getWriter();
  } catch {
    // No shell: the unload handler and playwright's own close remain.
  }
  const onUnload = () => {
    killGroup(pid);
    if (profileDir) {
      try {
        Deno.removeSync(profileDir, { recursive: true });
      } catch {
        // Already removed.
      }
    }
  };
  addEventListener("unload", onUnload);
  return {
    async stop() {
      removeEventListener("unload", onUnload);
      try {
        await writer?.write(new TextEncoder().encode("closed\n"));
        await writer?.close();
      } catch {
        // The watchdog is gone already.
      }
      // Its exit is awaited, so it may hold the program until then.
      watchdog?.ref();
      await watchdog?.status;
    },
  };
}

function killGroup(pid: number): void {
  try {
    Deno.kill(-pid, "SIGKILL");
  } catch {
    // The group has ended.
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n").find((l) => l.trim() !== "")?.trim() ?? text;
}
