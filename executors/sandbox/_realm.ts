// deno-lint-ignore-file no-explicit-any
/**
 * The sandbox's main-thread program, shipped as source text by `_runner.ts`
 * (or called directly in self-exec mode): the user realm where each step is
 * evaluated. It must stay self-contained (no imports, no outer variables):
 * only its `Function.prototype.toString()` reaches the sandbox.
 *
 * @module
 */

/**
 * The user realm's runner: evaluates steps, captures logs, exposes tools.
 * User code shares this realm, so everything it relies on later is captured
 * first, and every step runs inside an async context of its own: timers and
 * promises left behind by an earlier step can neither print into, call tools
 * from, nor answer for a later one.
 *
 * A step arrives as the script `executors/session/_script.ts` made of it:
 * evaluated globally with the indirect `eval` captured here, it gives the
 * step's async function, the names to define on the global object first,
 * and how many characters precede the code on its first line.
 */
export async function userRealmMain(
  channelSource: string,
  isImportAuthorized: (specifier: string, patterns: any[]) => boolean,
  guardRealm: (
    patterns: () => any[] | null,
    isImportAuthorized: (specifier: string, patterns: any[]) => boolean,
    workerCap?: () => number | null,
  ) => (process: unknown) => void,
): Promise<void> {
  const apply = Reflect.apply;
  const PromiseCtor = Promise;
  const objectKeys = Object.keys;
  const defineProperty = Object.defineProperty;
  const isArray = Array.isArray;
  const isView = ArrayBuffer.isView;
  const inspect = Deno.inspect;
  const geval = eval;
  const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
  // An async function's promise is always the intrinsic one, even after the
  // code replaced globalThis.Promise.
  // deno-lint-ignore require-await
  const rejected = async (e: unknown): Promise<never> => {
    throw e;
  };
  // The channel starts first: it boots on its own thread while this one
  // sets up the realm.
  const channelUrl = URL.createObjectURL(new Blob([channelSource], { type: "text/javascript" }));
  let channel: Worker;
  try {
    channel = new Worker(channelUrl, { type: "module", deno: { permissions: "none" } } as any);
  } catch {
    // A compiled binary built without --unstable-worker-options: the channel
    // then inherits the (already narrowed) permissions of this process.
    channel = new Worker(channelUrl, { type: "module" });
  }
  const workerPost = Worker.prototype.postMessage;
  const early: MessageEvent[] = [];
  channel.onmessage = (e: MessageEvent) => early[early.length] = e;
  // The step's async context: Deno's own async variable (what its
  // AsyncLocalStorage is built on), which needs none of the Node layer that
  // node:async_hooks loads (~15 ms); that module where Deno lacks it.
  const core = (Deno as any)[(Deno as any).internal]?.core;
  let runIn: (store: unknown, fn: () => unknown) => unknown;
  let storeOf: () => unknown;
  if (typeof core?.AsyncVariable === "function" && typeof core.setAsyncContext === "function") {
    const variable = new core.AsyncVariable();
    const enter = core.AsyncVariable.prototype.enter;
    const get = core.AsyncVariable.prototype.get;
    const restore = core.setAsyncContext;
    runIn = (store, fn) => {
      const previous = apply(enter, variable, [store]);
      try {
        return fn();
      } finally {
        restore(previous);
      }
    };
    storeOf = () => apply(get, variable, []);
  } else {
    const { AsyncLocalStorage } = await import("node:async_hooks");
    const als = new AsyncLocalStorage();
    const alsRun = AsyncLocalStorage.prototype.run;
    const alsGet = AsyncLocalStorage.prototype.getStore;
    runIn = (store, fn) => apply(alsRun, als, [store, fn]);
    storeOf = () => apply(alsGet, als, []);
  }

  let maxOut = 50000;
  let importPatterns: any[] | null = null;
  let maxWorkers: number | null = null;

  interface Step {
    id: number;
    final: boolean;
    pending: Record<number, Promise<void>>;
    pendingCount: number;
    head: string;
    tail: string;
    dropped: number;
  }
  let current: Step | null = null;
  // The step whose code is running now: from the async context, or the
  // current step for callbacks that carry no context (event handlers).
  const activeStep = (): Step | null => {
    const st = storeOf() as Step | undefined;
    return st === undefined ? current : st === current ? st : null;
  };
  const append = (st: Step, s: string) => {
    const half = Math.floor(maxOut / 2);
    if (st.head.length < half) {
      const take = s.slice(0, half - st.head.length);
      st.head += take;
      s = s.slice(take.length);
      if (!s) return;
    }
    st.tail += s;
    if (st.tail.length > 2 * half) {
      st.dropped += st.tail.length - half;
      st.tail = st.tail.slice(st.tail.length - half);
    }
  };
  const logsOf = (st: Step) => {
    const half = Math.floor(maxOut / 2);
    let tail = st.tail;
    let dropped = st.dropped;
    if (tail.length > half) {
      dropped += tail.length - half;
      tail = tail.slice(tail.length - half);
    }
    return dropped
      ? `${st.head}\n[... ${dropped} characters of output truncated ...]\n${tail}`
      : st.head + tail;
  };

  // Console output goes to the running step's logs, formatted by Deno's own console.
  const print = (msg: string) => {
    const st = activeStep();
    if (st) append(st, msg);
  };
  const DenoConsole = (Deno as any)[(Deno as any).internal]?.Console;
  if (typeof DenoConsole === "function") {
    globalThis.console = new DenoConsole(print);
  } else {
    for (const m of ["log", "info", "warn", "error", "debug", "dir", "table", "trace"]) {
      (globalThis.console as any)[m] = (...args: unknown[]) =>
        print(args.map((a) => typeof a === "string" ? a : inspect(a)).join(" ") + "\n");
    }
  }
  // A frame of step code reads `at f (<step-3>, <anonymous>:2:5)` (each step
  // is evaluated with sourceURL <step-N>); it is shown as a REPL shows it,
  // `at f (<anonymous>:2:5)`, a top-level one as `at <anonymous>:2:5`, with
  // the code's own column (the step's column map undoes the rewrites). The
  // maps of the last 256 steps are kept, for functions defined earlier.
  const stepFrame = /^(\s*at )(?:(.+?) \()?<step-(\d+)>, <anonymous>:(\d+):(\d+)\)?$/;
  const columnMaps: Record<number, Record<number, number[][]>> = Object.create(null);
  const originalColumn = (step: number, row: number, column: number): number => {
    const pairs = columnMaps[step]?.[row];
    if (!pairs) return column;
    let shift = 0;
    for (let i = 0; i < pairs.length && pairs[i][0] <= column - 1; i++) shift = pairs[i][1];
    return Math.max(1, column - shift);
  };
  const frameOf = (line: string): string => {
    const m = stepFrame.exec(line);
    if (!m) return line;
    const row = Number(m[4]);
    const where = `<anonymous>:${row}:${originalColumn(Number(m[3]), row, Number(m[5]))}`;
    // The step's own frame and anonymous functions' (which V8 calls eval
    // here) read like top-level code, as in a REPL.
    return m[2] === undefined || /^(?:async )?(?:Object\.)?(?:__smoldeno_step|eval)$/.test(m[2])
      ? `${m[1]}${where}`
      : `${m[1]}${m[2]} (${where})`;
  };
  const framesOf = (stack: string): string => {
    const lines = stack.split("\n");
    for (let i = 0; i < lines.length; i++) lines[i] = frameOf(lines[i]);
    return lines.join("\n");
  };
  const uncaught = (what: unknown) => {
    let text: string;
    try {
      text = what instanceof Error ? framesOf(String(what.stack ?? what)) : inspect(what);
    } catch {
      text = "[unprintable]";
    }
    print(`Uncaught (in promise) ${text}\n`);
  };
  globalThis.addEventListener("unhandledrejection", (e) => {
    e.preventDefault();
    uncaught(e.reason);
  });
  globalThis.addEventListener("error", (e) => {
    e.preventDefault();
    uncaught((e as ErrorEvent).error ?? (e as ErrorEvent).message);
  });

  // Values crossing to the channel must survive structured clone.
  const sanitize = (v: unknown, seen: Map<object, unknown>, depth: number): unknown => {
    if (typeof v === "function") return `[Function: ${v.name || "(anonymous)"}]`;
    if (typeof v === "symbol") return v.toString();
    if (v === null || typeof v !== "object") return v;
    if (depth > 100) return "[too deep]";
    if (seen.has(v)) return seen.get(v);
    if (v instanceof Date || v instanceof RegExp || isView(v) || v instanceof ArrayBuffer) return v;
    if (v instanceof Error) return { name: v.name, message: v.message, stack: v.stack };
    if (v instanceof Map) {
      const m = new Map();
      seen.set(v, m);
      for (const [k, x] of v) m.set(sanitize(k, seen, depth + 1), sanitize(x, seen, depth + 1));
      return m;
    }
    if (v instanceof Set) {
      const s = new Set();
      seen.set(v, s);
      for (const x of v) s.add(sanitize(x, seen, depth + 1));
      return s;
    }
    const out: any = isArray(v) ? [] : {};
    seen.set(v, out);
    for (const k of objectKeys(v)) out[k] = sanitize((v as any)[k], seen, depth + 1);
    return out;
  };
  const postOne = (msg: any) => {
    try {
      apply(workerPost, channel, [msg]);
    } catch {
      try {
        if ("value" in msg) msg.value = sanitize(msg.value, new Map(), 0);
        if ("args" in msg) msg.args = sanitize(msg.args, new Map(), 0);
        apply(workerPost, channel, [msg]);
      } catch (e) {
        if ("value" in msg) msg.value = `[value could not be sent: ${String(e)}]`;
        if ("args" in msg) msg.args = {};
        apply(workerPost, channel, [msg]);
      }
    }
  };
  // Tool calls made in one synchronous stretch (a Promise.all of 1000 calls)
  // cross to the channel as one message, flushed in a microtask; any other
  // message flushes them first, so the channel sees everything in order.
  const queueTask = queueMicrotask;
  let callBatch: any[] | null = null;
  const flushCalls = () => {
    const list = callBatch;
    if (list === null) return;
    callBatch = null;
    if (list.length === 1) return postOne(list[0]);
    try {
      apply(workerPost, channel, [{ t: "calls", list }]);
    } catch {
      for (let i = 0; i < list.length; i++) postOne(list[i]);
    }
  };
  const queueCall = (msg: any) => {
    if (callBatch === null) {
      callBatch = [];
      queueTask(flushCalls);
    }
    callBatch[callBatch.length] = msg;
  };
  const toChannel = (msg: any) => {
    flushCalls();
    postOne(msg);
  };

  // Tools: async functions that send a call and wait for the host's answer.
  let callSeq = 0;
  const calls: Record<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }> =
    Object.create(null);
  let toolNames: string[] = [];
  const callTool = (name: string, params: string[], args: unknown[]): Promise<unknown> => {
    const st = activeStep();
    if (!st || st.final) {
      return rejected(new Error(`Cannot call tool "${name}": no step of this code is running`));
    }
    let obj: unknown;
    const a0 = args[0];
    const isArgsObject = args.length === 1 && a0 !== null && typeof a0 === "object" &&
      !isArray(a0) && !isView(a0) &&
      (params.length !== 1 || objectKeys(a0).every((k) => params.includes(k)));
    if (args.length === 0) obj = {};
    else if (isArgsObject) obj = a0;
    else if (args.length > params.length) {
      return rejected(
        new TypeError(
          `Tool "${name}" takes ${params.length} argument(s) (${
            params.join(", ")
          }), got ${args.length}`,
        ),
      );
    } else {
      const o: Record<string, unknown> = {};
      for (let i = 0; i < args.length; i++) o[params[i]] = args[i];
      obj = o;
    }
    const id = ++callSeq;
    const p = new PromiseCtor((resolve, reject) => calls[id] = { resolve, reject });
    st.pending[st.pendingCount++] = (async () => {
      try {
        await p;
      } catch {
        // Reported to the code (or as an unhandled rejection), not here.
      }
    })();
    queueCall({ t: "call", step: st.id, id, tool: name, args: obj });
    return p;
  };
  const defineTools = (list: { name: string; params: string[] }[]) => {
    for (const old of toolNames) delete (globalThis as any)[old];
    toolNames = [];
    for (const t of list) {
      if (t.name === "final_answer") continue;
      const params = t.params.map(String);
      const fn = {
        [t.name]: (...args: unknown[]) => callTool(t.name, params, args),
      }[t.name];
      defineProperty(globalThis, t.name, {
        value: fn,
        writable: true,
        configurable: true,
        enumerable: false,
      });
      toolNames[toolNames.length] = t.name;
    }
  };

  // Computed dynamic imports are rewritten by the host to this function, so
  // authorizedImports also applies to them. The native import() comes from
  // an eval'd script, where Deno checks permissions like for user code.
  const nativeImport = (0, eval)("(s, o) => import(s, o)");
  defineProperty(globalThis, "__smoldeno_import", {
    value: (specifier: unknown, options?: unknown) => {
      const s = String(specifier);
      if (importPatterns !== null && !isImportAuthorized(s, importPatterns)) {
        const e = new Error(`Import of "${s}" is not authorized`);
        e.name = "ImportError";
        return rejected(e);
      }
      return nativeImport(s, options);
    },
  });

  // stdin, process.getBuiltinModule and Workers the code starts: see guardRealm.
  const patchProcess = guardRealm(() => importPatterns, isImportAuthorized, () => maxWorkers);

  class FinalAnswer extends Error {
    constructor() {
      super("final_answer() was called: the step is over");
      this.name = "FinalAnswer";
    }
  }
  const finish = (st: Step, msg: any) => {
    if (current === st) current = null;
    toChannel({ ...msg, step: st.id, logs: logsOf(st) });
  };
  const finalAnswer = (value: unknown) => {
    const st = activeStep();
    if (!st) throw new Error("final_answer() can only be called while its step runs");
    if (!st.final) {
      st.final = true;
      if (value !== null && typeof (value as any)?.then === "function") {
        (async () => {
          try {
            finish(st, { t: "done", ok: true, final: true, value: await value });
          } catch (e) {
            finish(st, { t: "done", ok: false, error: describe(e, undefined) });
          }
        })();
      } else {
        finish(st, { t: "done", ok: true, final: true, value });
      }
    }
    throw new FinalAnswer();
  };
  defineProperty(globalThis, "final_answer", {
    value: { final_answer: (answer: unknown) => finalAnswer(answer) }.final_answer,
    writable: true,
    configurable: true,
    enumerable: false,
  });

  const importPattern =
    /npm specifiers were requested|--no-npm|--no-remote|--cached-only|not found in cache|Requires import access|Module not found|Unsupported scheme|Relative import path|Cannot (?:find|load) module|Import ['"][^'"]*['"] failed/;
  const describe = (err: unknown, details: any) => {
    let name = "Error";
    let message: string;
    let stack = "";
    try {
      if (err !== null && typeof err === "object" && "message" in err) {
        name = String((err as Error).name);
        message = String((err as Error).message);
        stack = String((err as Error).stack ?? "");
      } else {
        name = "Uncaught";
        message = `Uncaught ${inspect(err)}`;
      }
    } catch {
      message = "Uncaught exception (unprintable)";
    }
    try {
      return classify(err, name, message, stack, details);
    } catch {
      // The code broke the builtins classification relies on.
      return { kind: "runtime", name, message, stack: "" };
    }
  };
  const classify = (err: unknown, name: string, message: string, stack: string, details: any) => {
    // Some denials arrive wrapped (fetch of "localhost": "fetch failed", with
    // the NotCapable message in the cause chain).
    let cause = "";
    try {
      let c = (err as { cause?: unknown })?.cause;
      for (let i = 0; i < 3 && c; i++) {
        cause += ` ${String((c as Error)?.message ?? c)}`;
        c = (c as { cause?: unknown })?.cause;
      }
    } catch {
      // An exotic cause getter: ignore it.
    }
    if (cause && !/Requires \w+ access/.test(message) && /Requires \w+ access/.test(cause)) {
      message = `${message}:${cause}`;
    }
    const frames = stack.split("\n").map(frameOf).filter((l) => /<anonymous>:\d+:\d+/.test(l));
    const at = /<anonymous>:(\d+):(\d+)/.exec(frames[0] ?? "");
    const base = { name, message, stack: [`${name}: ${message}`, ...frames].join("\n") };
    if (name === "SyntaxError" && frames.length === 0 && details) {
      return {
        ...base,
        kind: "syntax",
        line: details.lineNumber + 1,
        column: details.columnNumber + 1,
      };
    }
    const where = at ? { line: Number(at[1]), column: Number(at[2]) } : {};
    if (name === "ImportError" || importPattern.test(message)) {
      return { ...base, ...where, kind: "import" };
    }
    // node:dns reports a denied lookup as EPERM rather than NotCapable.
    const dns = /^getaddrinfo EPERM/.test(message) ? "net" : undefined;
    const perm = /Requires (\w+) access/.exec(message)?.[1] ??
      // "requires unscoped --allow-read and --allow-write" (symlink): the
      // last one named is the operation's own.
      (name === "NotCapable" ? /.*--allow-(\w+)/.exec(message)?.[1] : undefined) ?? dns;
    if (name === "NotCapable" || dns || (perm && name !== "Error")) {
      return { ...base, ...where, kind: "permission", permission: perm };
    }
    return { ...base, ...where, kind: "runtime" };
  };
  // One turn of the event loop: a message to ourselves, about 10 µs (a
  // zero-delay timer takes a millisecond or more).
  const ports = new MessageChannel();
  const portPost = MessagePort.prototype.postMessage;
  const turns: (() => void)[] = [];
  let turnHead = 0;
  let turnTail = 0;
  ports.port2.onmessage = () => {
    const resolve = turns[turnHead];
    delete turns[turnHead++];
    resolve?.();
  };
  const macrotask = () =>
    new PromiseCtor<void>((resolve) => {
      turns[turnTail++] = resolve;
      apply(portPost, ports.port1, [null]);
    });

  // Names a step declares become data properties of the global object: a
  // built-in of the same name that is an accessor or read-only is replaced
  // (as a REPL's declaration would shadow it), unless it cannot be.
  const declare = (names: string[]) => {
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      const d = getOwnPropertyDescriptor(globalThis, name);
      if (d !== undefined && "value" in d && d.writable) continue;
      if (d !== undefined && !d.configurable) {
        throw new TypeError(`Cannot declare "${name}": the global of that name is read-only`);
      }
      defineProperty(globalThis, name, {
        value: undefined,
        writable: true,
        configurable: true,
        enumerable: false,
      });
    }
  };
  const define = (functions: Record<string, unknown>) => {
    const keys = objectKeys(functions);
    for (let i = 0; i < keys.length; i++) {
      (globalThis as any)[keys[i]] = functions[keys[i]];
    }
  };

  const runStep = async (id: number, code: string) => {
    const st: Step = {
      id,
      final: false,
      pending: Object.create(null),
      pendingCount: 0,
      head: "",
      tail: "",
      dropped: 0,
    };
    current = st;
    let value: unknown;
    let failure: { error: unknown; details?: unknown } | undefined;
    try {
      // Read by index, not destructured: the code may have replaced the
      // array iterator.
      const parts = geval(`${code}\n//# sourceURL=<step-${id}>`) as [
        (define: (f: Record<string, unknown>) => void) => Promise<unknown>,
        string[],
        Record<number, number[][]>,
      ];
      const run = parts[0];
      columnMaps[id] = parts[2];
      delete columnMaps[id - 256];
      declare(parts[1]);
      value = await runIn(st, () => run(define));
    } catch (e) {
      // A SyntaxError from eval itself (the host's parser let it through)
      // has no frame of the code: it is the step's syntax.
      failure = { error: e, details: { lineNumber: 0, columnNumber: 0 } };
    }
    // Unawaited tool calls finish before the step reports. Then the event
    // loop must turn once: rejections surface as "Uncaught (in promise)"
    // logs, and code that left a microtask storm behind never reports (it
    // times out, as the loop it starves would never serve the next step).
    for (let i = 0; i < st.pendingCount && !st.final; i++) await st.pending[i];
    await macrotask();
    if (st.final) {
      // The answer went out earlier; tell the host the code has now stopped.
      toChannel({ t: "settled", step: id });
      return;
    }
    let msg: any;
    try {
      if (failure) {
        if (failure.error instanceof FinalAnswer) return;
        msg = { t: "done", ok: false, error: describe(failure.error, failure.details) };
      } else {
        msg = { t: "done", ok: true, final: false, value };
      }
    } catch (e) {
      msg = { t: "done", ok: false, error: describe(e, undefined) };
    }
    finish(st, msg);
  };

  const onChannel = (m: any) => {
    switch (m?.t) {
      case "batch":
        // Several messages from one read of the host's frames, in order.
        if (isArray(m.list)) { for (let i = 0; i < m.list.length; i++) onChannel(m.list[i]); }
        return;
      case "init":
        maxOut = m.maxOutputLength;
        importPatterns = isArray(m.imports) ? m.imports : null;
        maxWorkers = typeof m.maxWorkers === "number" && m.maxWorkers >= 0 ? m.maxWorkers : null;
        // `import process from "node:process"` skips the lazy getter above.
        if (importPatterns !== null && isImportAuthorized("node:process", importPatterns)) {
          patchProcess((globalThis as any).process);
        }
        return;
      case "exec":
        runStep(m.id, m.code);
        return;
      case "tools":
        defineTools(isArray(m.tools) ? m.tools : []);
        toChannel({ t: "ack", id: m.id });
        return;
      case "vars":
        for (const k of objectKeys(m.vars ?? {})) {
          defineProperty(globalThis, k, {
            value: m.vars[k],
            writable: true,
            configurable: true,
            enumerable: false,
          });
        }
        toChannel({ t: "ack", id: m.id });
        return;
      case "ret": {
        const c = calls[m.id];
        if (!c) return;
        delete calls[m.id];
        if (m.ok) c.resolve(m.value);
        else {
          const err = new Error(String(m.error?.message ?? "Tool call failed"));
          err.name = String(m.error?.name ?? "Error");
          c.reject(err);
        }
        return;
      }
    }
  };
  channel.onmessage = (e: MessageEvent) => onChannel(e.data);
  for (let i = 0; i < early.length; i++) onChannel(early[i].data);
  toChannel({ t: "ready" });
}

/**
 * Hardens a realm where sandboxed code runs (the main realm, and every Worker
 * the code starts, through a prelude): `Deno.stdin` and `process.stdin` are
 * empty (only the channel reads the host's frames), `process.getBuiltinModule`
 * obeys authorizedImports, and `Worker` starts each new worker with this same
 * guard. `process` is built lazily by Deno (~23 ms), so it is patched on first
 * use; the returned function patches it right away. Self-contained.
 *
 * `workerCap` (the main realm's, once the host said it) bounds the Workers
 * the code runs at once. Each one costs the process about two threads, and
 * Deno aborts the whole process (exit 1) when one of its *own* threads cannot
 * start, so under a process/thread limit (Docker's `--pids-limit`) a bomb that
 * reached the kernel's limit would crash the sandbox instead of failing
 * catchably. Past the cap `new Worker()` throws `Deno.errors.WouldBlock`, as
 * the kernel's refusal does; `terminate()` frees a slot. A nested realm
 * cannot share the count, so with a cap it may not start Workers at all
 * (its cap reads -1).
 */
export function guardRealm(
  patterns: () => any[] | null,
  isImportAuthorized: (specifier: string, patterns: any[]) => boolean,
  workerCap?: () => number | null,
): (process: unknown) => void {
  const apply = Reflect.apply;
  const defineProperty = Object.defineProperty;
  const importError = (specifier: string) => {
    const e = new Error(`Import of "${specifier}" is not authorized`);
    e.name = "ImportError";
    return e;
  };
  let readable: ReadableStream<Uint8Array> | undefined;
  defineProperty(Deno, "stdin", {
    value: Object.freeze({
      rid: -1,
      read: () => Promise.resolve(null),
      readSync: () => null,
      // Built on first use: the first ReadableStream of a realm costs ~2 ms.
      get readable() {
        return readable ??= new ReadableStream<Uint8Array>({ start: (c) => c.close() });
      },
      close: () => {},
      isTerminal: () => false,
      setRaw: () => {},
      [Symbol.dispose]: () => {},
    }),
    writable: false,
    configurable: false,
  });
  let patched = false;
  const patchProcess = (p: any) => {
    if (patched || !p || typeof p.getBuiltinModule !== "function") return;
    patched = true;
    const getBuiltinModule = p.getBuiltinModule;
    try {
      const { Readable } = apply(getBuiltinModule, p, ["node:stream"]) as any;
      const ended = new Readable({ read() {} });
      ended.push(null);
      defineProperty(p, "stdin", { value: ended, writable: false, configurable: false });
    } catch {
      // Without node:stream, process.stdin stays as Deno made it.
    }
    defineProperty(p, "getBuiltinModule", {
      value: (id: unknown) => {
        const s = String(id);
        const specifier = s.startsWith("node:") ? s : `node:${s}`;
        const list = patterns();
        if (list !== null && !isImportAuthorized(specifier, list)) throw importError(specifier);
        return apply(getBuiltinModule, p, [id]);
      },
    });
  };
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, "process");
  if (descriptor?.get) {
    const { get, set, enumerable } = descriptor;
    defineProperty(globalThis, "process", {
      configurable: true,
      enumerable,
      get() {
        const p = apply(get, globalThis, []);
        patchProcess(p);
        return p;
      },
      set(v: unknown) {
        if (set) apply(set, globalThis, [v]);
      },
    });
  } else if (descriptor) patchProcess(descriptor.value);
  const NativeWorker = (globalThis as any).Worker;
  if (typeof NativeWorker === "function") {
    const guardSource = String(guardRealm);
    const authorizedSource = String(isImportAuthorized);
    const WouldBlock = (Deno as any).errors?.WouldBlock ?? Error;
    const counted = new WeakSet<object>();
    let running = 0;
    const GuardedWorker = function Worker(this: unknown, url: string | URL, options?: object) {
      if (!new.target) throw new TypeError("Failed to construct 'Worker': use new");
      const cap = workerCap ? workerCap() : null;
      if (cap !== null && running >= cap) {
        throw new WouldBlock(
          cap < 0
            ? "Resource temporarily unavailable: a Worker cannot start Workers in this sandbox, " +
              "which counts the Workers the code runs (maxWorkers); start them from the step's code"
            : cap === 0
            ? "Resource temporarily unavailable: this sandbox allows no Workers " +
              "(maxWorkers is 0: raise the executor's maxWorkers, or its pidsLimit)"
            : `Resource temporarily unavailable: this sandbox runs at most ${cap} Workers at ` +
              `once (the executor's maxWorkers); terminate() one to start another`,
        );
      }
      const href = new URL(String(url), Deno.mainModule).href;
      const prelude =
        `(${guardSource})(() => ${JSON.stringify(patterns())}, ${authorizedSource}, ` +
        `() => ${cap === null ? "null" : "-1"});\n` +
        `await import(${JSON.stringify(href)});\n`;
      const blob = URL.createObjectURL(new Blob([prelude], { type: "text/javascript" }));
      const worker = new NativeWorker(blob, { ...options, type: "module" });
      if (cap !== null) {
        running++;
        counted.add(worker);
      }
      return worker;
    };
    const nativeTerminate = NativeWorker.prototype.terminate;
    defineProperty(NativeWorker.prototype, "terminate", {
      value: function terminate(this: object) {
        if (counted.has(this)) {
          counted.delete(this);
          running--;
        }
        return apply(nativeTerminate, this, []);
      },
      writable: true,
      configurable: true,
    });
    GuardedWorker.prototype = NativeWorker.prototype;
    // Instances must not lead back to the unguarded constructor.
    defineProperty(NativeWorker.prototype, "constructor", {
      value: GuardedWorker,
      writable: true,
      configurable: true,
    });
    defineProperty(globalThis, "Worker", {
      value: GuardedWorker,
      writable: true,
      configurable: true,
    });
  }
  return patchProcess;
}
