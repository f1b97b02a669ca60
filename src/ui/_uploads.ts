/**
 * Files the page uploads: a safe name inside the session folder, and a body
 * written to disk only up to the size limit (the file is removed when the
 * body is larger).
 *
 * @module
 */

import { type ImageValue, imageValue } from "../media.ts";

/** An uploaded file, waiting for the next task or already given to one. */
export interface UploadedFile {
  /** Its name in the session folder. */
  name: string;
  /** Its absolute path. */
  path: string;
  /** Its size in bytes. */
  size: number;
  /** The image, when the bytes are one the model can see. */
  image?: ImageValue;
}

/** An upload refused: the status to answer and why. */
export class UploadError extends Error {
  /** The HTTP status. */
  readonly status: number;
  /** Creates an upload error. */
  constructor(message: string, status: number) {
    super(message);
    this.name = "UploadError";
    this.status = status;
  }
}

/**
 * A file name safe to create in the session folder: the last path segment,
 * letters, digits, `.`, `-`, `_` and spaces only, no leading dot, at most 100
 * characters, and not one of `taken`.
 */
export function safeFileName(raw: string, taken: ReadonlySet<string>): string {
  const last = raw.split(/[\\/]/).pop() ?? "";
  let name = last.normalize("NFC").replace(/[^\p{L}\p{N}._ -]+/gu, "_").replace(/^[.\s]+/, "")
    .trim().slice(0, 100);
  if (name === "" || /^_+$/.test(name)) name = "upload";
  if (!taken.has(name)) return name;
  const dot = name.lastIndexOf(".");
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ""];
  for (let i = 2;; i++) {
    const candidate = `${stem}-${i}${ext}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** A byte count for messages: `"1.5 MB"`, `"800 bytes"`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KB`;
  return `${(n / 1024 / 1024).toFixed(n < 10 * 1024 * 1024 ? 1 : 0)} MB`;
}

/**
 * Writes `body` to `path`, stopping and removing the file when it passes
 * `maxBytes`. Images small enough for the model are read back as images.
 *
 * @throws {UploadError} (413) when the body is larger than `maxBytes`.
 */
export async function writeUpload(
  body: ReadableStream<Uint8Array> | null,
  path: string,
  name: string,
  maxBytes: number,
): Promise<UploadedFile> {
  const file = await Deno.open(path, { write: true, createNew: true });
  let size = 0;
  let head: Uint8Array = new Uint8Array(0);
  let tooLarge = false;
  try {
    if (body) {
      const reader = body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          size += value.length;
          if (size > maxBytes) {
            tooLarge = true;
            break;
          }
          if (head.length < 16) head = concat(head, value.subarray(0, 16));
          let rest = value;
          while (rest.length > 0) rest = rest.subarray(await file.write(rest));
        }
      } finally {
        if (tooLarge) await reader.cancel().catch(() => {});
        reader.releaseLock();
      }
    }
  } finally {
    file.close();
  }
  if (tooLarge) {
    await Deno.remove(path).catch(() => {});
    throw new UploadError(
      `"${name}" is too large: the limit is ${formatBytes(maxBytes)} per file`,
      413,
    );
  }
  const upload: UploadedFile = { name, path, size };
  if (looksLikeImage(head)) {
    try {
      upload.image = imageValue(await Deno.readFile(path));
    } catch {
      // Not an image after all: it stays a file.
    }
  }
  return upload;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

// The signatures imageValue() detects: PNG, JPEG, GIF, WebP.
function looksLikeImage(h: Uint8Array): boolean {
  const ascii = (at: number, s: string) => [...s].every((c, i) => h[at + i] === c.charCodeAt(0));
  return (h[0] === 0x89 && ascii(1, "PNG")) || (h[0] === 0xff && h[1] === 0xd8) ||
    ascii(0, "GIF8") || (ascii(0, "RIFF") && ascii(8, "WEBP"));
}
