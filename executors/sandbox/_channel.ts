// deno-lint-ignore-file no-explicit-any
/**
 * The sandbox's channel worker, shipped as source text by `_runner.ts`: a
 * permission-less Worker that alone holds the session key, reads the host's
 * frames from stdin and signs the runner's frames to stdout. It must stay
 * self-contained (no imports, no outer variables): only its
 * `Function.prototype.toString()` reaches the sandbox.
 *
 * @module
 */

/** The channel worker: owns the key and the stdio protocol; trusts nothing it receives. */
export function channelMain(encodeValue: any, decodeValue: any, hmacSha256: any): void {
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const scope = globalThis as any;
  // While the frames of one stdin read are handled, messages for the main
  // thread are collected and cross as one (see the read loop).
  let inbox: unknown[] | null = null;
  const post = (m: unknown) => inbox ? inbox.push(m) : scope.postMessage(m);
  // While a batch of tool calls is handled, frames are collected and written at once.
  let outbox: string[] | null = null;
  let key: ((m: Uint8Array) => Uint8Array) | null = null;
  let seq = 0;
  let maxFrame = 32 * 1024 * 1024;
  let maxOutput = 50000;
  let readySent = false;
  let step = 0;
  let stepDone = true;
  const write = (bytes: Uint8Array) => {
    let off = 0;
    while (off < bytes.length) off += Deno.stdout.writeSync(bytes.subarray(off));
  };
  const send = (msg: any) => {
    let json = JSON.stringify(msg);
    if (json.length > maxFrame - 256) {
      json = JSON.stringify(
        msg.t === "call"
          ? { t: "call", step: msg.step, id: msg.id, tool: msg.tool, args: { $t: "text", v: "" } }
          : {
            t: "done",
            step: msg.step,
            ok: false,
            logs: "",
            error: {
              kind: "runtime",
              name: "RangeError",
              message: `The step's result is too large to send (${json.length} bytes)`,
            },
          },
      );
    }
    const line = sign(json);
    if (outbox) outbox.push(line);
    else write(enc.encode(line));
  };
  // The frame line of one message's JSON: the next seq and its MAC.
  const sign = (json: string): string => {
    const n = ++seq;
    const sig = key!(enc.encode(`${n} ${json}`));
    let bin = "";
    for (let i = 0; i < sig.length; i++) bin += String.fromCharCode(sig[i]);
    const mac = btoa(bin).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
    return `\x1eSMOLDENO1 ${n} ${mac} ${json}\n`;
  };
  const str = (v: unknown, max: number) => String(v).slice(0, max);
  let mainReady = false;
  const sendReady = () => {
    if (key !== null && mainReady && !readySent) {
      readySent = true;
      send({ t: "ready", v: 1 });
    }
  };
  const onMain = (m: any) => {
    if (!m || typeof m !== "object") return;
    if (m.t === "ready") {
      mainReady = true;
      sendReady();
      return;
    }
    if (key === null) return;
    switch (m.t) {
      case "ready":
        mainReady = true;
        sendReady();
        return;
      case "ack":
        send({ t: "ack", id: Number(m.id) | 0 });
        return;
      case "calls": {
        // Tool calls the code made in one go: they leave as few frames as
        // their size allows, in one write. A "calls" frame carries each
        // call's JSON length (`sizes`), which the host charges against its
        // in-flight budget as it charged one "call" frame's bytes.
        if (!Array.isArray(m.list) || outbox) return;
        outbox = [];
        try {
          // UTF-8 may take 3 bytes per character: a batch stays well under the cap.
          const limit = Math.floor((maxFrame - 256) / 3);
          let parts: string[] = [];
          let sizes: number[] = [];
          let total = 0;
          const flush = () => {
            if (parts.length === 1) {
              outbox!.push(sign(`{"t":"call","step":${step},${parts[0].slice(1)}`));
            } else if (parts.length > 1) {
              outbox!.push(
                sign(
                  `{"t":"calls","step":${step},"list":[${parts.join(",")}],"sizes":[${
                    sizes.join(",")
                  }]}`,
                ),
              );
            }
            parts = [];
            sizes = [];
            total = 0;
          };
          for (let i = 0; i < m.list.length; i++) {
            const c = m.list[i];
            if (!c || typeof c !== "object" || c.t !== "call") continue;
            if (c.step !== step || stepDone) {
              onMain(c); // answered with an error, as a lone call is
              continue;
            }
            const json = JSON.stringify({
              id: Number(c.id) | 0,
              tool: str(c.tool, 128),
              args: encodeValue(c.args),
            });
            if (total + json.length + 16 > limit) {
              flush();
              if (json.length + 16 > limit) {
                onMain(c); // too big to batch: send() cuts it as before
                continue;
              }
            }
            parts[parts.length] = json;
            sizes[sizes.length] = json.length;
            total += json.length + 16;
          }
          flush();
        } finally {
          const lines = outbox;
          outbox = null;
          if (lines.length) write(enc.encode(lines.join("")));
        }
        return;
      }
      case "settled":
        send({ t: "settled", step: Number(m.step) | 0 });
        return;
      case "call":
        if (m.step !== step || stepDone) {
          post({
            t: "ret",
            id: m.id,
            ok: false,
            error: { name: "Error", message: "Tools can only be called while a step runs" },
          });
          return;
        }
        send({
          t: "call",
          step,
          id: Number(m.id) | 0,
          tool: str(m.tool, 128),
          args: encodeValue(m.args),
        });
        return;
      case "done":
        if (m.step !== step || stepDone) return;
        stepDone = true;
        if (m.ok) {
          send({
            t: "done",
            step,
            ok: true,
            final: m.final === true,
            value: encodeValue(m.value),
            logs: str(m.logs, maxOutput + 200),
          });
        } else {
          const e = m.error ?? {};
          const kinds = ["syntax", "runtime", "permission", "import", "memory"];
          send({
            t: "done",
            step,
            ok: false,
            logs: str(m.logs, maxOutput + 200),
            error: {
              kind: kinds.includes(e.kind) ? e.kind : "runtime",
              name: str(e.name, 200),
              message: str(e.message, 20000),
              stack: typeof e.stack === "string" ? e.stack.slice(0, 20000) : undefined,
              line: Number.isSafeInteger(e.line) ? e.line : undefined,
              column: Number.isSafeInteger(e.column) ? e.column : undefined,
              permission: typeof e.permission === "string" ? e.permission.slice(0, 20) : undefined,
            },
          });
        }
        return;
    }
  };
  scope.onmessage = (e: MessageEvent) => {
    try {
      onMain(e.data);
    } catch {
      // A value the channel cannot encode must not kill the channel.
    }
  };
  const onHost = (m: any) => {
    if (key === null) {
      if (m?.t !== "hello" || typeof m.key !== "string" || !/^[0-9a-f]{64}$/.test(m.key)) return;
      const raw = new Uint8Array(32);
      for (let i = 0; i < 32; i++) raw[i] = parseInt(m.key.slice(i * 2, i * 2 + 2), 16);
      if (Number.isSafeInteger(m.maxFrameBytes)) maxFrame = m.maxFrameBytes;
      if (Number.isSafeInteger(m.maxOutputLength)) maxOutput = m.maxOutputLength;
      key = hmacSha256(raw);
      post({
        t: "init",
        maxOutputLength: maxOutput,
        imports: m.imports ?? null,
        maxWorkers: Number.isSafeInteger(m.maxWorkers) ? m.maxWorkers : null,
      });
      sendReady();
      return;
    }
    switch (m?.t) {
      case "exec":
        step = m.id;
        stepDone = false;
        post({ t: "exec", id: m.id, code: String(m.code) });
        return;
      case "tools":
        post({ t: "tools", id: m.id, tools: m.tools });
        return;
      case "vars":
        post({ t: "vars", id: m.id, vars: decodeValue(m.vars) });
        return;
      case "ret":
        post(
          m.ok
            ? { t: "ret", id: m.id, ok: true, value: decodeValue(m.value) }
            : { t: "ret", id: m.id, ok: false, error: m.error },
        );
        return;
    }
  };
  (async () => {
    // Plain reads: a ReadableStream adds a promise hop to every frame.
    const chunk = new Uint8Array(65536);
    let buf = "";
    for (;;) {
      const n = await Deno.stdin.read(chunk);
      if (n === null) break;
      buf += dec.decode(chunk.subarray(0, n), { stream: true });
      let nl;
      let start = 0;
      inbox = [];
      while ((nl = buf.indexOf("\n", start)) !== -1) {
        const line = buf.slice(start, nl);
        start = nl + 1;
        try {
          onHost(JSON.parse(line));
        } catch {
          // Not ours to crash on: the host validates what matters.
        }
      }
      if (start > 0) buf = buf.slice(start);
      const list = inbox;
      inbox = null;
      try {
        if (list.length === 1) scope.postMessage(list[0]);
        else if (list.length > 1) scope.postMessage({ t: "batch", list });
      } catch {
        // A value that cannot be cloned: send the others one by one.
        for (let i = 0; i < list.length; i++) {
          try {
            scope.postMessage(list[i]);
          } catch {
            // Dropped, as before batching.
          }
        }
      }
    }
    // stdin closed: the host is gone. Take the whole process down, busy or not.
    Deno.kill(Deno.pid, "SIGKILL");
  })();
}
