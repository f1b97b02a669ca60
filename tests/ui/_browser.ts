// Debian's Chromium driven by playwright-core, for the tests that use the
// real page. Where Chromium is missing the browser tests skip and say why,
// unless SMOLDENO_REQUIRE_CHROMIUM=1 (CI: .ci/run installs it with
// .ci/chromium.sh), where a missing browser is a failure.

import { type Browser, chromium, type Page } from "playwright-core";
import { QUIET_SWITCHES } from "../../tools/_browser_process.ts";
import { assertNothingLeft, snapshot } from "./_agents.ts";

/** The browser binary: Debian's package. */
export const CHROMIUM_PATH = Deno.env.get("SMOLDENO_CHROMIUM") ?? "/usr/bin/chromium";

/** How the tests start it: headless, and nothing that reaches the network by itself. */
export const CHROMIUM_ARGS: readonly string[] = ["--headless", "--no-sandbox", ...QUIET_SWITCHES];

function installed(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** Why the browser tests cannot run here, or false when they can. */
export const chromiumSkip: string | false = installed(CHROMIUM_PATH)
  ? false
  : `Chromium is not installed at ${CHROMIUM_PATH}: run .ci/chromium.sh (apt-get install -y chromium)`;

const required = Deno.env.get("SMOLDENO_REQUIRE_CHROMIUM") === "1";
if (chromiumSkip && required) {
  Deno.test("the web UI browser tests must run here (SMOLDENO_REQUIRE_CHROMIUM=1)", () => {
    throw new Error(`The web UI browser tests must run here, but ${chromiumSkip}`);
  });
} else if (chromiumSkip) {
  console.warn(`SKIPPING the web UI browser tests: ${chromiumSkip}`);
}

/** Starts Chromium; close it with `await using`. */
export async function launchChromium(): Promise<Browser & AsyncDisposable> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS],
    // playwright's own signal handlers would outlive the test.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  return Object.assign(browser, {
    [Symbol.asyncDispose]: () => browser.close(),
  });
}

// One folder, overwritten on every run, so screenshots never pile up.
const SCREENSHOTS = `${Deno.env.get("TMPDIR") ?? "/tmp"}/smoldeno-ui-screenshots`;

/** Saves a screenshot of `page` as a test artifact (outside the repository). */
export async function screenshot(page: Page, name: string): Promise<void> {
  await Deno.mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true });
}

/**
 * Defines a test that runs in a fresh Chromium, closed afterwards whatever
 * happens, then checks that no browser, sandbox or folder is left; it skips
 * (saying why, above) where Chromium is missing.
 */
export function browserTest(name: string, fn: (browser: Browser) => Promise<void>): void {
  Deno.test({
    name,
    ignore: chromiumSkip !== false,
    // playwright-core talks to Chromium over pipes that its own timers keep
    // busy until the process is reaped; instead, the test checks that no
    // browser, sandbox or folder is left once it is over.
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      const before = await snapshot();
      {
        await using browser = await launchChromium();
        await fn(browser);
      }
      await assertNothingLeft(before);
    },
  });
}
