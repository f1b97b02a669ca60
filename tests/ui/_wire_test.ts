// Events made JSON-safe for the page: media as bounded data URLs with a
// checked MIME type, bytes and what JSON cannot hold as plain descriptions.

import { assertEquals } from "../_assert.ts";
import { audioValue, imageValue } from "../../src/media.ts";
import { eventToWire, toWire } from "../../src/ui/_wire.ts";

Deno.test("images and sounds become data URLs the page can show, wherever they sit in a value", () => {
  const image = imageValue(new Uint8Array([1, 2, 3]), { mimeType: "image/png" });
  const sound = audioValue(new Uint8Array([4]), { mimeType: "audio/wav" });
  assertEquals(toWire({ chart: image, clips: [sound] }), {
    chart: { $media: "image", mimeType: "image/png", src: "data:image/png;base64,AQID" },
    clips: [{ $media: "audio", mimeType: "audio/wav", src: "data:audio/wav;base64,BA==" }],
  });
  assertEquals(toWire({ type: "image", image: new Uint8Array([1]), mimeType: "image/jpeg" }), {
    $media: "image",
    mimeType: "image/jpeg",
    src: "data:image/jpeg;base64,AQ==",
  });
});

Deno.test("a MIME type that is not a plain image type, or an oversized image, never reaches src", () => {
  const odd = { type: "image", mimeType: 'image/png">', data: new Uint8Array([1]) };
  assertEquals(toWire(odd), {
    $media: "image",
    mimeType: "image/png",
    src: "data:image/png;base64,AQ==",
  });
  const big = imageValue(new Uint8Array(10), { mimeType: "image/png" });
  assertEquals(toWire(big, { maxMediaBytes: 5 }), {
    $media: "image",
    mimeType: "image/png",
    omitted: "10 bytes, over the 5-byte limit of the page",
  });
});

Deno.test("what JSON cannot hold is described: bytes, bigints, cycles, errors, maps, deep values, long strings", () => {
  const cycle: Record<string, unknown> = { name: "loop" };
  cycle.self = cycle;
  assertEquals(
    toWire({
      bytes: new Uint8Array(7),
      big: 10n,
      nan: NaN,
      fn: function named() {},
      error: new RangeError("nope"),
      map: new Map([["k", 1]]),
      set: new Set([2]),
      cycle,
      gone: undefined,
      list: [undefined],
      when: new Date(0),
    }),
    {
      bytes: { $bytes: 7 },
      big: "10n",
      nan: "NaN",
      fn: "[function named]",
      error: { name: "RangeError", message: "nope" },
      map: [["k", 1]],
      set: [2],
      cycle: { name: "loop", self: "[circular]" },
      list: [null],
      when: "1970-01-01T00:00:00.000Z",
    },
  );
  assertEquals(toWire({ a: { b: { c: 1 } } }, { maxDepth: 2 }), { a: { b: "[object]" } });
  assertEquals(toWire("abcdef", { maxStringLength: 3 }), "abc… (3 more characters)");
});

Deno.test("an agent event keeps its shape on the wire", () => {
  assertEquals(
    eventToWire({
      type: "code_output",
      stepNumber: 1,
      logs: "hi",
      output: 5n,
      isFinalAnswer: false,
    }),
    { type: "code_output", stepNumber: 1, logs: "hi", output: "5n", isFinalAnswer: false },
  );
});
