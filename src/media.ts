/**
 * Images and audio as plain data: a `type` tag, a MIME type and the bytes.
 * They can be structured-cloned, sent to a sandbox, put in memory and
 * turned into a `data:` URL for a model, with no class to import on the
 * other side.
 *
 * @module
 */

/** An image: the bytes of an encoded file (PNG, JPEG, …) and its MIME type. */
export interface ImageValue {
  /** Discriminant. */
  readonly type: "image";
  /** MIME type of `data`, e.g. `"image/png"`. */
  readonly mimeType: string;
  /** The encoded image file. */
  readonly data: Uint8Array;
}

/** A sound: the bytes of an encoded file (WAV, MP3, …) and its MIME type. */
export interface AudioValue {
  /** Discriminant. */
  readonly type: "audio";
  /** MIME type of `data`, e.g. `"audio/wav"`. */
  readonly mimeType: string;
  /** The encoded audio file. */
  readonly data: Uint8Array;
}

/** An image or a sound. */
export type MediaValue = ImageValue | AudioValue;

/** Options of {@linkcode imageValue} and {@linkcode audioValue}. */
export interface MediaValueOptions {
  /** MIME type of the bytes. Detected from the file signature when omitted. */
  mimeType?: string;
}

/**
 * Wraps the bytes of an image file. The MIME type is detected from the file
 * signature (PNG, JPEG, GIF, WebP, BMP) unless given.
 *
 * @example Wrapping PNG bytes
 * ```ts
 * import { imageValue } from "@smoldeno/agents";
 *
 * const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
 * const image = imageValue(png);
 * console.log(image.mimeType); // "image/png"
 * ```
 *
 * @throws {TypeError} when `data` is not a Uint8Array, the MIME type is not
 * `image/…`, or it is omitted and cannot be detected.
 */
export function imageValue(data: Uint8Array, options: MediaValueOptions = {}): ImageValue {
  return { type: "image", data, mimeType: checkedMimeType("image", data, options.mimeType) };
}

/**
 * Wraps the bytes of an audio file. The MIME type is detected from the file
 * signature (WAV, MP3, OGG, FLAC) unless given.
 *
 * @example Wrapping WAV bytes with an explicit type
 * ```ts
 * import { audioValue } from "@smoldeno/agents";
 *
 * const sound = audioValue(new Uint8Array(44), { mimeType: "audio/wav" });
 * console.log(sound.type, sound.mimeType); // "audio" "audio/wav"
 * ```
 *
 * @throws {TypeError} when `data` is not a Uint8Array, the MIME type is not
 * `audio/…`, or it is omitted and cannot be detected.
 */
export function audioValue(data: Uint8Array, options: MediaValueOptions = {}): AudioValue {
  return { type: "audio", data, mimeType: checkedMimeType("audio", data, options.mimeType) };
}

/**
 * Tells whether a value is an {@linkcode ImageValue}.
 *
 * @example
 * ```ts
 * import { imageValue, isImageValue } from "@smoldeno/agents";
 *
 * console.log(isImageValue(imageValue(new Uint8Array(3), { mimeType: "image/png" }))); // true
 * console.log(isImageValue({ type: "image" })); // false
 * ```
 */
export function isImageValue(value: unknown): value is ImageValue {
  return isMedia(value, "image");
}

/**
 * Tells whether a value is an {@linkcode AudioValue}.
 *
 * @example
 * ```ts
 * import { audioValue, isAudioValue } from "@smoldeno/agents";
 *
 * console.log(isAudioValue(audioValue(new Uint8Array(3), { mimeType: "audio/wav" }))); // true
 * console.log(isAudioValue("speech.wav")); // false
 * ```
 */
export function isAudioValue(value: unknown): value is AudioValue {
  return isMedia(value, "audio");
}

/**
 * Encodes an image or sound as a `data:` URL, the form model APIs accept inline.
 *
 * @example
 * ```ts
 * import { imageValue, mediaToDataUrl } from "@smoldeno/agents";
 *
 * const url = mediaToDataUrl(imageValue(new Uint8Array([1, 2, 3]), { mimeType: "image/png" }));
 * console.log(url); // "data:image/png;base64,AQID"
 * ```
 */
export function mediaToDataUrl(value: MediaValue): string {
  // Chunked so large images do not overflow the argument limit of fromCharCode.
  let binary = "";
  for (let i = 0; i < value.data.length; i += 0x8000) {
    binary += String.fromCharCode(...value.data.subarray(i, i + 0x8000));
  }
  return `data:${value.mimeType};base64,${btoa(binary)}`;
}

/**
 * Decodes a base64 `data:` URL into an image or sound, chosen by its MIME type.
 *
 * @example
 * ```ts
 * import { mediaFromDataUrl } from "@smoldeno/agents";
 *
 * const value = mediaFromDataUrl("data:image/png;base64,AQID");
 * console.log(value.type, value.data); // "image" Uint8Array(3) [ 1, 2, 3 ]
 * ```
 *
 * @throws {TypeError} when the URL is not a base64 `data:` URL of an image or audio type.
 */
export function mediaFromDataUrl(url: string): MediaValue {
  const match = /^data:((image|audio)\/[\w.+-]+)(?:;[^,;]*)*;base64,([A-Za-z0-9+/=\s]*)$/i.exec(
    url,
  );
  if (!match) {
    throw new TypeError(
      `Cannot decode data URL "${
        url.slice(0, 40)
      }": expected "data:image/…;base64,…" or "data:audio/…;base64,…"`,
    );
  }
  const data = Uint8Array.from(atob(match[3].replace(/\s/g, "")), (c) => c.charCodeAt(0));
  const mimeType = match[1].toLowerCase();
  return match[2].toLowerCase() === "image"
    ? { type: "image", mimeType, data }
    : { type: "audio", mimeType, data };
}

function isMedia(value: unknown, type: "image" | "audio"): boolean {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return v.type === type && typeof v.mimeType === "string" && v.data instanceof Uint8Array;
}

function checkedMimeType(
  kind: "image" | "audio",
  data: Uint8Array,
  mimeType: string | undefined,
): string {
  if (!(data instanceof Uint8Array)) {
    throw new TypeError(
      `Cannot make an ${kind} value: data must be a Uint8Array, got ${typeof data}`,
    );
  }
  if (mimeType !== undefined) {
    if (typeof mimeType !== "string" || !mimeType.toLowerCase().startsWith(`${kind}/`)) {
      throw new TypeError(
        `Cannot make an ${kind} value with MIME type "${mimeType}": expected "${kind}/…"`,
      );
    }
    return mimeType.toLowerCase();
  }
  const sniffed = sniffMimeType(data);
  if (sniffed === undefined || !sniffed.startsWith(`${kind}/`)) {
    throw new TypeError(
      `Cannot detect the ${kind} format from its first bytes: pass options.mimeType, e.g. "${
        kind === "image" ? "image/png" : "audio/wav"
      }"`,
    );
  }
  return sniffed;
}

// File signatures of the formats models and tools commonly exchange.
function sniffMimeType(d: Uint8Array): string | undefined {
  const ascii = (start: number, text: string): boolean =>
    d.length >= start + text.length &&
    [...text].every((c, i) => d[start + i] === c.charCodeAt(0));
  if (d[0] === 0x89 && ascii(1, "PNG")) return "image/png";
  if (d[0] === 0xff && d[1] === 0xd8 && d[2] === 0xff) return "image/jpeg";
  if (ascii(0, "GIF8")) return "image/gif";
  if (ascii(0, "RIFF") && ascii(8, "WEBP")) return "image/webp";
  if (ascii(0, "BM") && d.length >= 14) return "image/bmp";
  if (ascii(0, "RIFF") && ascii(8, "WAVE")) return "audio/wav";
  if (ascii(0, "ID3") || (d[0] === 0xff && d.length > 1 && (d[1] & 0xe0) === 0xe0)) {
    return "audio/mpeg";
  }
  if (ascii(0, "OggS")) return "audio/ogg";
  if (ascii(0, "fLaC")) return "audio/flac";
  return undefined;
}
