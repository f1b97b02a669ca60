// Builds a minimal container image from the host's own Deno binary, with no
// registry involved: a root filesystem (deno, the shared libraries `ldd`
// lists, /etc/passwd with an unprivileged user, a sticky /tmp) is streamed as
// a tar archive into `docker import -`. The tag carries a content hash so an
// unchanged binary is never imported twice.

import { type DockerCliOptions, dockerOk } from "./_cli.ts";
import { type TarEntry, tarStream } from "./_tar.ts";

/** Options of `DockerExecutor.buildLocalImage()`. */
export interface BuildLocalImageOptions extends DockerCliOptions {
  /** The Deno binary to package. Default: the running one (`Deno.execPath()`). */
  denoPath?: string;
  /** Repository part of the tag. Default `"smoldeno-deno"`. */
  repository?: string;
  /** Rebuild even when an image with the same content hash exists. */
  force?: boolean;
}

// Bump when the image layout changes, so old tags are not reused.
const LAYOUT_VERSION = "1";
const encoder = new TextEncoder();

/** Lists the shared libraries a dynamically linked binary loads, as absolute paths. */
export async function sharedLibraries(binary: string): Promise<string[]> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command("ldd", { args: [binary], stdout: "piped", stderr: "piped" })
      .output();
  } catch (error) {
    throw new Error(
      `Cannot list the shared libraries of "${binary}": ldd is not available (install libc-bin)`,
      { cause: error },
    );
  }
  const text = new TextDecoder().decode(output.stdout);
  if (!output.success) {
    // A static binary makes ldd fail with "not a dynamic executable": nothing to copy.
    if (
      /not a dynamic executable|statically linked/.test(
        text + new TextDecoder().decode(output.stderr),
      )
    ) {
      return [];
    }
    throw new Error(`Cannot list the shared libraries of "${binary}": ldd exited ${output.code}`);
  }
  const libs: string[] = [];
  for (const line of text.split("\n")) {
    // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)" or "/lib64/ld-linux-x86-64.so.2 (0x…)"
    const match = line.match(/(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)/);
    if (match) libs.push(match[1]);
  }
  return libs;
}

async function sha256Hex(data: string | Uint8Array<ArrayBuffer>): Promise<string> {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

function parentDirs(path: string): string[] {
  const parts = path.split("/").filter(Boolean);
  const dirs: string[] = [];
  for (let i = 1; i < parts.length; i++) dirs.push(parts.slice(0, i).join("/"));
  return dirs;
}

// Hashing ~100 MB takes a few hundred ms: remember the answer for an
// unchanged binary within this process.
const built = new Map<string, string>();

/** Builds (or reuses) the local image and returns its reference. */
export async function buildLocalImage(options: BuildLocalImageOptions = {}): Promise<string> {
  const denoPath = await Deno.realPath(options.denoPath ?? Deno.execPath());
  const stat = await Deno.stat(denoPath);
  const memo = JSON.stringify([
    denoPath,
    stat.size,
    stat.mtime?.getTime(),
    options.repository,
    options.dockerHost,
  ]);
  const known = built.get(memo);
  if (known && !options.force && await imageExists(known, options)) return known;
  const reference = await build(denoPath, options);
  built.set(memo, reference);
  return reference;
}

async function build(denoPath: string, options: BuildLocalImageOptions): Promise<string> {
  const libs = await sharedLibraries(denoPath);
  const files = [
    { at: "bin/deno", from: denoPath, mode: 0o755 },
    ...libs.map((lib) => ({ at: lib.slice(1), from: lib, mode: 0o755 })),
  ];
  const etc = {
    "etc/passwd":
      "root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/tmp:/sbin/nologin\n",
    "etc/group": "root:x:0:\nnogroup:x:65534:\n",
  };

  // The hash covers every byte that goes into the image, so the tag changes
  // exactly when the image would.
  const digests: string[] = [LAYOUT_VERSION];
  const sized: TarEntry[] = [];
  for (const f of files) {
    const bytes = await Deno.readFile(f.from);
    digests.push(`${f.at} ${f.mode.toString(8)} ${await sha256Hex(bytes)}`);
    sized.push({ path: f.at, mode: f.mode, file: { path: f.from, size: bytes.length } });
  }
  for (const [path, text] of Object.entries(etc)) digests.push(`${path} ${await sha256Hex(text)}`);
  const hash = (await sha256Hex(digests.join("\n"))).slice(0, 12);
  const version = await denoVersion(denoPath);
  const reference = `${options.repository ?? "smoldeno-deno"}:${version}-${hash}`;

  if (!options.force && await imageExists(reference, options)) return reference;

  const dirs = new Set<string>(["tmp", "etc", "bin"]);
  for (const f of files) for (const d of parentDirs(f.at)) dirs.add(d);
  const entries: TarEntry[] = [...dirs].sort().map((d) => ({
    path: d,
    mode: d === "tmp" ? 0o1777 : 0o755,
  }));
  for (const [path, text] of Object.entries(etc)) {
    entries.push({ path, mode: 0o644, data: encoder.encode(text) });
  }
  entries.push(...sized);

  await dockerOk(
    [
      "import",
      "--change",
      "USER 65534:65534",
      "--change",
      "ENV PATH=/bin DENO_DIR=/tmp/deno NO_COLOR=1",
      "--change",
      'ENTRYPOINT ["/bin/deno"]',
      "--change",
      "WORKDIR /tmp",
      "--change",
      `LABEL smoldeno.image=1 smoldeno.deno=${version}`,
      "-",
      reference,
    ],
    options,
    tarStream(entries),
  );
  return reference;
}

async function denoVersion(denoPath: string): Promise<string> {
  const out = await new Deno.Command(denoPath, {
    args: ["--version"],
    stdout: "piped",
    stderr: "null",
  }).output();
  const match = new TextDecoder().decode(out.stdout).match(/deno (\d+\.\d+\.\d+)/);
  if (!match) throw new Error(`Cannot read the version of the Deno binary "${denoPath}"`);
  return match[1];
}

async function imageExists(reference: string, options: DockerCliOptions): Promise<boolean> {
  try {
    await dockerOk(["image", "inspect", "--format", "{{.Id}}", reference], options);
    return true;
  } catch {
    return false;
  }
}
