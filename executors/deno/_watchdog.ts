/**
 * A host-side memory watchdog: V8's heap cap does not cover ArrayBuffers,
 * WebAssembly memory or Worker heaps, so the host samples the resident memory
 * of the sandbox (its whole process group when it may spawn children) and
 * kills it past the limit. Linux only (`/proc`); elsewhere it does nothing
 * and says so through {@linkcode MemoryWatchdog.supported}.
 *
 * @module
 */

/** Options of {@linkcode startMemoryWatchdog}. */
export interface MemoryWatchdogOptions {
  /** Process (and process group) id of the sandbox. */
  pid: number;
  /** Kill above this many bytes of resident memory. */
  limitBytes: number;
  /** Sum every process of the group (needed only when the sandbox may spawn). */
  wholeGroup: boolean;
  /** Sampling period. Default 50 ms. */
  intervalMs?: number;
  /** Called once when the limit is exceeded, with the observed bytes. */
  onExceeded(bytes: number): void;
  /** True while no step runs: CPU used then is background work. */
  isIdle?: () => boolean;
  /**
   * Called once when the process used more than `idleCpuBudgetMs` of CPU
   * within one second of idleness (a busy Worker or interval between steps).
   */
  onIdleCpu?: (cpuMs: number) => void;
  /** CPU allowed per second of idleness. Default 250 ms. */
  idleCpuBudgetMs?: number;
}

/** A running watchdog. */
export interface MemoryWatchdog {
  /** False when this platform cannot be sampled (not Linux). */
  readonly supported: boolean;
  /** Largest resident size seen, in bytes. */
  readonly peakBytes: number;
  /** Stops sampling. Idempotent. */
  stop(): void;
}

/** Reads the resident memory of one process, in bytes (0 when it is gone). */
export function readRssBytes(pid: number): number {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Reads the CPU time (user + system, all threads) of one process, in ms. */
export function readCpuMs(pid: number): number {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime are fields 14 and 15, in clock ticks (USER_HZ = 100).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

let pageBytes: number | undefined;

/**
 * The kernel's page size, from this process's own `VmRSS` (kB) over its
 * `stat` rss (pages), rounded to a power of two; 4096 when it cannot be told.
 */
function pageSize(): number {
  if (pageBytes !== undefined) return pageBytes;
  pageBytes = 4096;
  try {
    const kb = Number(/VmRSS:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"))?.[1]);
    const pages = statFields(Deno.readTextFileSync("/proc/self/stat"))[21];
    const ratio = kb * 1024 / Number(pages);
    if (Number.isFinite(ratio) && ratio > 0) {
      pageBytes = Math.max(4096, 2 ** Math.round(Math.log2(ratio)));
    }
  } catch {
    // Keep 4096.
  }
  return pageBytes;
}

function statFields(stat: string): string[] {
  // Fields after the parenthesised command (which may hold spaces): state ppid pgrp ...
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/**
 * Resident memory (bytes) and CPU time (ms, all threads) of one process from
 * a single `/proc/<pid>/stat` read: the watchdog samples every sandbox 20
 * times a second, and one read of `stat` costs the host less than reading
 * `status` and `stat`. Zeros when the process is gone.
 */
export function readRssAndCpu(pid: number): { rssBytes: number; cpuMs: number } {
  try {
    const fields = statFields(Deno.readTextFileSync(`/proc/${pid}/stat`));
    return {
      rssBytes: Number(fields[21]) * pageSize(),
      // utime and stime are fields 14 and 15, in clock ticks (USER_HZ = 100).
      cpuMs: (Number(fields[11]) + Number(fields[12])) * 10,
    };
  } catch {
    return { rssBytes: 0, cpuMs: 0 };
  }
}

function groupRssBytes(pgid: number): number {
  let total = 0;
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      // Fields after the parenthesised command: state ppid pgrp ...
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === pgid) total += readRssBytes(Number(entry.name));
    } catch {
      // The process ended while we looked.
    }
  }
  return total;
}

/** Starts sampling; call `stop()` when the sandbox ends. */
export function startMemoryWatchdog(options: MemoryWatchdogOptions): MemoryWatchdog {
  const supported = Deno.build.os === "linux";
  let peak = 0;
  let timer: ReturnType<typeof setInterval> | undefined;
  const state: MemoryWatchdog = {
    supported,
    get peakBytes() {
      return peak;
    },
    stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
  };
  if (!supported) return state;
  const budget = options.idleCpuBudgetMs ?? 250;
  let windowStart = performance.now();
  let cpuAtStart = options.onIdleCpu ? readCpuMs(options.pid) : 0;
  timer = setInterval(() => {
    const own = readRssAndCpu(options.pid);
    const bytes = options.wholeGroup ? groupRssBytes(options.pid) : own.rssBytes;
    if (bytes > peak) peak = bytes;
    if (bytes > options.limitBytes) {
      state.stop();
      options.onExceeded(bytes);
      return;
    }
    if (!options.onIdleCpu) return;
    const now = performance.now();
    const cpu = own.cpuMs;
    if (!options.isIdle?.()) {
      windowStart = now;
      cpuAtStart = cpu;
    } else if (cpu - cpuAtStart > budget) {
      state.stop();
      options.onIdleCpu(cpu - cpuAtStart);
    } else if (now - windowStart >= 1000) {
      windowStart = now;
      cpuAtStart = cpu;
    }
  }, options.intervalMs ?? 50);
  Deno.unrefTimer(timer as unknown as number);
  return state;
}
