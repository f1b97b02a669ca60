// A minimal ustar writer, so a root filesystem can be streamed into
// `docker import -` with exact owners and modes (root-owned, read-only
// binaries, a sticky /tmp) and without staging 100 MB of copies on disk or
// depending on the host's `tar` flavour.

/** One entry of the archive: a directory or a regular file. */
export interface TarEntry {
  /** Path inside the archive, without a leading slash (`bin/deno`). */
  path: string;
  /** POSIX mode bits, e.g. `0o755` or `0o1777`. */
  mode: number;
  /** File contents; absent for a directory. */
  data?: Uint8Array;
  /** A host file streamed as the contents; its size must be given. */
  file?: { path: string; size: number };
}

const BLOCK = 512;
const encoder = new TextEncoder();

function octal(value: number, width: number): string {
  // width - 1 digits then NUL, as ustar expects.
  return value.toString(8).padStart(width - 1, "0") + "\0";
}

function header(name: string, mode: number, size: number, isDir: boolean): Uint8Array {
  const bytes = new Uint8Array(BLOCK);
  let prefix = "";
  let base = name;
  if (encoder.encode(name).length > 100) {
    const cut = name.lastIndexOf("/", 154);
    if (cut <= 0 || name.length - cut - 1 > 100) {
      throw new RangeError(`Cannot store path "${name}" in a tar header: it is too long`);
    }
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  const put = (text: string, offset: number) => bytes.set(encoder.encode(text), offset);
  put(base, 0);
  put(octal(mode & 0o7777, 8), 100);
  put(octal(0, 8), 108); // uid root
  put(octal(0, 8), 116); // gid root
  put(octal(size, 12), 124);
  put(octal(0, 12), 136); // mtime 0 keeps the archive reproducible
  put("        ", 148); // checksum placeholder (8 spaces)
  put(isDir ? "5" : "0", 156);
  put("ustar\x0000", 257);
  put("root", 265);
  put("root", 297);
  put(prefix, 345);
  let sum = 0;
  for (const b of bytes) sum += b;
  put(octal(sum, 7) + " ", 148);
  return bytes;
}

/** Streams the entries as a ustar archive, reading host files only as fast as the consumer pulls. */
export function tarStream(entries: readonly TarEntry[]): ReadableStream<Uint8Array> {
  return ReadableStream.from(tarChunks(entries));
}

async function* tarChunks(entries: readonly TarEntry[]): AsyncGenerator<Uint8Array> {
  for (const entry of entries) {
    const isDir = entry.data === undefined && entry.file === undefined;
    const size = entry.data?.length ?? entry.file?.size ?? 0;
    const name = isDir && !entry.path.endsWith("/") ? `${entry.path}/` : entry.path;
    yield header(name, entry.mode, size, isDir);
    if (entry.data) yield entry.data;
    if (entry.file) {
      let written = 0;
      const handle = await Deno.open(entry.file.path);
      // `readable` closes the file when it ends or is cancelled.
      for await (const chunk of handle.readable) {
        written += chunk.length;
        yield chunk;
      }
      if (written !== size) {
        throw new Error(`Cannot archive "${entry.file.path}": it changed size while being read`);
      }
    }
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (pad) yield new Uint8Array(pad);
  }
  yield new Uint8Array(BLOCK * 2);
}
