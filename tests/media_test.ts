import { assert, assertEquals, assertThrows } from "./_assert.ts";
import {
  audioValue,
  imageValue,
  isAudioValue,
  isImageValue,
  mediaFromDataUrl,
  mediaToDataUrl,
} from "../src/media.ts";

const bytes = (...values: (number | string)[]): Uint8Array =>
  new Uint8Array(
    values.flatMap((v) => typeof v === "string" ? [...v].map((c) => c.charCodeAt(0)) : [v]),
  );

Deno.test("imageValue() detects PNG, JPEG, GIF, WebP and BMP from their signatures", () => {
  assertEquals(imageValue(bytes(0x89, "PNG\r\n")).mimeType, "image/png");
  assertEquals(imageValue(bytes(0xff, 0xd8, 0xff, 0xe0)).mimeType, "image/jpeg");
  assertEquals(imageValue(bytes("GIF89a")).mimeType, "image/gif");
  assertEquals(imageValue(bytes("RIFF", 0, 0, 0, 0, "WEBPVP8 ")).mimeType, "image/webp");
  assertEquals(imageValue(bytes("BM", ...new Array(12).fill(0))).mimeType, "image/bmp");
});

Deno.test("audioValue() detects WAV, MP3, OGG and FLAC from their signatures", () => {
  assertEquals(audioValue(bytes("RIFF", 0, 0, 0, 0, "WAVEfmt ")).mimeType, "audio/wav");
  assertEquals(audioValue(bytes("ID3", 4, 0)).mimeType, "audio/mpeg");
  assertEquals(audioValue(bytes(0xff, 0xfb, 0x90)).mimeType, "audio/mpeg");
  assertEquals(audioValue(bytes("OggS", 0)).mimeType, "audio/ogg");
  assertEquals(audioValue(bytes("fLaC")).mimeType, "audio/flac");
});

Deno.test("imageValue() and audioValue() build plain, cloneable data", () => {
  const image = imageValue(bytes(1, 2, 3), { mimeType: "IMAGE/PNG" });
  assertEquals(image, { type: "image", mimeType: "image/png", data: bytes(1, 2, 3) });
  assertEquals(structuredClone(image), image);
  assertEquals(Object.getPrototypeOf(image), Object.prototype);
});

Deno.test("imageValue() rejects undetectable bytes, a wrong MIME type and non-bytes with a TypeError", () => {
  assertThrows(
    () => imageValue(bytes(0, 1, 2)),
    TypeError,
    "Cannot detect the image format from its first bytes: pass options.mimeType",
  );
  assertThrows(
    () => imageValue(bytes("RIFF", 0, 0, 0, 0, "WAVE")),
    TypeError,
    "Cannot detect the image format",
  );
  assertThrows(
    () => imageValue(bytes(1), { mimeType: "audio/wav" }),
    TypeError,
    'MIME type "audio/wav": expected "image/…"',
  );
  assertThrows(
    () => audioValue(bytes(1), { mimeType: "image/png" }),
    TypeError,
    'expected "audio/…"',
  );
  assertThrows(
    () => imageValue([1, 2] as unknown as Uint8Array),
    TypeError,
    "data must be a Uint8Array",
  );
});

Deno.test("isImageValue() and isAudioValue() tell media values apart from look-alikes", () => {
  const image = imageValue(bytes(1), { mimeType: "image/png" });
  const sound = audioValue(bytes(1), { mimeType: "audio/wav" });
  assert(isImageValue(image) && !isAudioValue(image));
  assert(isAudioValue(sound) && !isImageValue(sound));
  assert(!isImageValue({ type: "image", mimeType: "image/png", data: [1] }));
  assert(!isImageValue({ type: "image", data: bytes(1) }));
  assert(!isImageValue(null) && !isImageValue("image"));
});

Deno.test("mediaToDataUrl() and mediaFromDataUrl() round-trip the bytes", () => {
  const data = new Uint8Array(100_000).map((_, i) => i % 256);
  const image = imageValue(data, { mimeType: "image/png" });
  const url = mediaToDataUrl(image);
  assert(url.startsWith("data:image/png;base64,"));
  assertEquals(mediaFromDataUrl(url), image);
  assertEquals(mediaFromDataUrl("data:audio/wav;base64,AQID"), {
    type: "audio",
    mimeType: "audio/wav",
    data: bytes(1, 2, 3),
  });
});

Deno.test("mediaFromDataUrl() rejects a URL that is not base64 image or audio data", () => {
  assertThrows(
    () => mediaFromDataUrl("data:text/plain;base64,AQID"),
    TypeError,
    "Cannot decode data URL",
  );
  assertThrows(
    () => mediaFromDataUrl("https://example.com/cat.png"),
    TypeError,
    'expected "data:image/…;base64,…"',
  );
});
