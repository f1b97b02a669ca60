import {
  FRAME_MARKER,
  FrameReader,
  parseRunnerFrame,
  type ReaderEvent,
  signFrame,
} from "../../../executors/session/_protocol.ts";
import { assert, assertEquals } from "../../_assert.ts";

const KEY = "ab".repeat(32);
const OTHER_KEY = "cd".repeat(32);
const bytes = (s: string) => new TextEncoder().encode(s);
// Frame events also carry their size; these tests compare what they say.
const plain = (events: ReaderEvent[]) =>
  events.map((e) => e.type === "frame" ? { type: e.type, message: e.message } : e);

Deno.test("FrameReader returns frames signed with the session key, in sequence", () => {
  const reader = new FrameReader(KEY);
  const events = plain(reader.push(bytes(signFrame(KEY, 1, { t: "ready", v: 1 }) + "hello\n")));
  assertEquals(events, [
    { type: "frame", message: { t: "ready", v: 1 } },
    { type: "text", text: "hello\n" },
  ]);
});

Deno.test("FrameReader treats forged, replayed and out-of-order frames as plain text", () => {
  const reader = new FrameReader(KEY);
  const forged = signFrame(OTHER_KEY, 1, { t: "done", step: 1, ok: true, logs: "" });
  const garbage = `${FRAME_MARKER}1 notamac {"t":"ready","v":1}\n`;
  const skipped = signFrame(KEY, 2, { t: "ready", v: 1 });
  const events = reader.push(bytes(forged + garbage + skipped));
  assertEquals(events.map((e) => e.type), ["text", "text", "text"]);
  const good = signFrame(KEY, 1, { t: "ready", v: 1 });
  assertEquals(reader.push(bytes(good))[0].type, "frame");
  assertEquals(reader.push(bytes(good))[0].type, "text"); // replay of seq 1
});

Deno.test("FrameReader finds a frame after user bytes on the same line and across chunks", () => {
  const reader = new FrameReader(KEY);
  const line = bytes(`partial ${FRAME_MARKER}junk` + signFrame(KEY, 1, { t: "ack", id: 3 }));
  const first = reader.push(line.subarray(0, 10));
  const rest = plain(reader.push(line.subarray(10)));
  assertEquals(first, []);
  assertEquals(rest[rest.length - 1], { type: "frame", message: { t: "ack", id: 3 } });
  assert(rest[0].type === "text" && rest[0].text.startsWith("partial"));
});

Deno.test("FrameReader cuts lines longer than maxFrameBytes into text without buffering them", () => {
  const reader = new FrameReader(KEY, 256);
  const events = reader.push(bytes("x".repeat(600) + "\n"));
  const text = events.map((e) => e.type === "text" ? e.text : "").join("");
  assertEquals(text.length, 601);
  assertEquals(reader.push(bytes(signFrame(KEY, 1, { t: "ack", id: 1 })))[0].type, "frame");
});

Deno.test("parseRunnerFrame() validates frame shapes and tool names", () => {
  assertEquals(parseRunnerFrame({ t: "ack", id: 2 }), { t: "ack", id: 2 });
  assertEquals(typeof parseRunnerFrame({ t: "call", step: 1, id: 1, tool: "a-b" }), "string");
  assertEquals(typeof parseRunnerFrame({ t: "done", step: 1, ok: false, logs: "" }), "string");
  assertEquals(typeof parseRunnerFrame({ t: "shell", cmd: "rm" }), "string");
  assertEquals(typeof parseRunnerFrame([1]), "string");
  const done = parseRunnerFrame({
    t: "done",
    step: 4,
    ok: false,
    logs: "l",
    error: { kind: "permission", name: "NotCapable", message: "m", permission: "net", line: 2 },
  });
  assertEquals(typeof done === "object" && done.t === "done" && !done.ok && done.error.line, 2);
});

Deno.test("FrameReader still finds a frame that follows an over-long line without a newline", () => {
  const reader = new FrameReader(KEY, 256);
  const events = plain(
    reader.push(bytes("y".repeat(500) + signFrame(KEY, 1, { t: "ack", id: 9 }))),
  );
  assertEquals(events[events.length - 1], { type: "frame", message: { t: "ack", id: 9 } });
});
