/**
 * What a launcher hands the session: a started runner process whose stdio
 * the host holds, however it was launched (Deno subprocess, `docker run -i`,
 * an E2B process).
 *
 * @module
 */

/** How a sandbox process ended. */
export interface ProcessExit {
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  /** Signal name, or null. */
  signal: string | null;
  /**
   * Why the process ended, when its launcher knows better than the exit
   * status (the Docker engine stopped answering, say). Errors quote it in
   * place of "exited unexpectedly".
   */
  reason?: string;
}

/** A started runner process, as any launcher provides it. */
export interface SandboxProcess {
  /** The runner's stdin (the host's only way in). */
  readonly stdin: WritableStream<Uint8Array>;
  /** The runner's stdout (frames and untrusted output). */
  readonly stdout: ReadableStream<Uint8Array>;
  /** The runner's stderr (untrusted output, crash reports). */
  readonly stderr?: ReadableStream<Uint8Array> | null;
  /** Settles when the process has ended. */
  readonly exited: Promise<ProcessExit>;
  /** Ends the process and everything it started, at once (SIGKILL of the group). */
  kill(): void;
  /**
   * The sandbox's CPU time so far, in ms (all threads). Lets `timeoutMs`
   * leave out the time host tools take (see `_step_clock.ts`); without it
   * (or while it returns undefined) the step's wall clock keeps running
   * during tool calls.
   */
  cpuMs?(): number | undefined;
}
