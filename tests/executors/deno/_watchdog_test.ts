import {
  readCpuMs,
  readRssAndCpu,
  readRssBytes,
  startMemoryWatchdog,
} from "../../../executors/deno/_watchdog.ts";
import { assert, assertEquals } from "../../_assert.ts";

const linux = Deno.build.os === "linux";

Deno.test({
  name: "readRssBytes() and readCpuMs() read this process and give 0 for a missing one",
  ignore: !linux,
  fn() {
    assert(readRssBytes(Deno.pid) > 1024 * 1024);
    let x = 0;
    for (let i = 0; i < 5e7; i++) x += i;
    assert(x > 0 && readCpuMs(Deno.pid) > 0);
    assertEquals(readRssBytes(2 ** 22 + 12345), 0);
  },
});

Deno.test({
  name: "startMemoryWatchdog() reports a process over its limit once, then stops",
  ignore: !linux,
  async fn() {
    const seen: number[] = [];
    const watchdog = startMemoryWatchdog({
      pid: Deno.pid,
      limitBytes: 1024,
      wholeGroup: false,
      intervalMs: 10,
      onExceeded: (bytes) => seen.push(bytes),
    });
    await new Promise((r) => setTimeout(r, 100));
    watchdog.stop();
    assertEquals(seen.length, 1);
    assert(watchdog.peakBytes >= seen[0]);
  },
});

Deno.test({
  name: "startMemoryWatchdog() reports CPU burnt while idle, not while a step runs",
  ignore: !linux,
  async fn() {
    let idle = false;
    const reports: number[] = [];
    const watchdog = startMemoryWatchdog({
      pid: Deno.pid,
      limitBytes: 2 ** 40,
      wholeGroup: false,
      intervalMs: 10,
      idleCpuBudgetMs: 50,
      onExceeded: () => {},
      isIdle: () => idle,
      onIdleCpu: (ms) => reports.push(ms),
    });
    const burn = (ms: number) => {
      const end = performance.now() + ms;
      while (performance.now() < end) { /* busy */ }
    };
    for (let i = 0; i < 10; i++) {
      burn(20);
      await new Promise((r) => setTimeout(r, 1));
    }
    assertEquals(reports, []);
    idle = true;
    for (let i = 0; i < 15 && reports.length === 0; i++) {
      burn(20);
      await new Promise((r) => setTimeout(r, 15));
    }
    watchdog.stop();
    assertEquals(reports.length, 1);
  },
});

Deno.test({
  name:
    "readRssAndCpu() reads resident memory and CPU time from one /proc read, as the two readers do",
  ignore: !linux,
  fn() {
    let x = 0;
    for (let i = 0; i < 5e7; i++) x += i;
    const both = readRssAndCpu(Deno.pid);
    const rss = readRssBytes(Deno.pid);
    assert(x > 0 && both.cpuMs > 0);
    // The same counters, read a moment apart: within 10 %.
    assert(Math.abs(both.rssBytes - rss) < rss / 10, `${both.rssBytes} vs ${rss}`);
    assert(Math.abs(both.cpuMs - readCpuMs(Deno.pid)) <= 20);
    assertEquals(readRssAndCpu(2 ** 22 + 12345), { rssBytes: 0, cpuMs: 0 });
  },
});
