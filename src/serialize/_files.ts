// Writing a folder all at once: into a temporary sibling first, then one
// rename, so a failure never leaves a half-written folder behind.

import { SerializationError } from "./_errors.ts";

/** The files of a folder: relative paths (with `/`) to their text. */
export type FolderFiles = Record<string, string>;

function parentAndName(path: string): { parent: string; name: string } {
  const trimmed = path.replace(/[\\/]+$/, "");
  const slash = Math.max(trimmed.lastIndexOf("/"), trimmed.lastIndexOf("\\"));
  return slash < 0
    ? { parent: ".", name: trimmed }
    : { parent: trimmed.slice(0, slash) || "/", name: trimmed.slice(slash + 1) };
}

function checkRelative(rel: string): void {
  if (rel === "" || rel.startsWith("/") || rel.split("/").some((p) => p === ".." || p === "")) {
    throw new TypeError(
      `Cannot write file "${rel}": paths must be relative and stay inside the folder`,
    );
  }
}

/**
 * Writes `files` as the folder `dir`, replacing what was there. The files are
 * written into a temporary folder beside `dir`, then renamed into place; on
 * failure the temporary folder is removed and `dir` is left as it was.
 */
export async function writeFolderAtomic(dir: string, files: FolderFiles): Promise<void> {
  if (typeof dir !== "string" || dir.trim() === "") {
    throw new TypeError('Cannot save: the folder must be a non-empty path, e.g. "./my_agent"');
  }
  Object.keys(files).forEach(checkRelative);
  const { parent, name } = parentAndName(dir);
  await Deno.mkdir(parent, { recursive: true });
  const temp = await Deno.makeTempDir({ dir: parent, prefix: `.${name}.saving-` });
  let old: string | undefined;
  try {
    for (const [rel, text] of Object.entries(files)) {
      const slash = rel.lastIndexOf("/");
      if (slash > 0) await Deno.mkdir(`${temp}/${rel.slice(0, slash)}`, { recursive: true });
      await Deno.writeTextFile(`${temp}/${rel}`, text);
    }
    try {
      const info = await Deno.stat(dir);
      if (!info.isDirectory) {
        throw new SerializationError(`Cannot save to "${dir}": it exists and is not a folder`, {
          kind: "unsupported",
          path: dir,
        });
      }
      // The old folder moves aside first, so the new one appears in one rename.
      old = `${temp}.old`;
      await Deno.rename(dir, old);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    try {
      await Deno.rename(temp, dir);
    } catch (error) {
      if (old !== undefined) await Deno.rename(old, dir).catch(() => {});
      old = undefined;
      throw error;
    }
  } catch (error) {
    await Deno.remove(temp, { recursive: true }).catch(() => {});
    throw error;
  }
  if (old !== undefined) await Deno.remove(old, { recursive: true }).catch(() => {});
}

/** Writes one file through a temporary sibling and a rename. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  if (typeof path !== "string" || path.trim() === "") {
    throw new TypeError('Cannot save: the path must be a non-empty file path, e.g. "./add.ts"');
  }
  const { parent, name } = parentAndName(path);
  await Deno.mkdir(parent, { recursive: true });
  const temp = await Deno.makeTempFile({ dir: parent, prefix: `.${name}.saving-` });
  try {
    await Deno.writeTextFile(temp, text);
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}

/** Every file under `dir`, as relative paths with `/`, sorted. */
export async function listFolder(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (rel: string) => {
    for await (const entry of Deno.readDir(rel ? `${dir}/${rel}` : dir)) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory) await walk(path);
      else if (entry.isFile) found.push(path);
    }
  };
  await walk("");
  return found.sort();
}

/** The text of `dir/rel`; a `SerializationError` naming the file when it is missing. */
export async function readFolderFile(dir: string, rel: string, what: string): Promise<string> {
  try {
    return await Deno.readTextFile(`${dir}/${rel}`);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new SerializationError(`Cannot load ${what}: "${rel}" is missing in "${dir}"`, {
        kind: "missing_file",
        path: `${dir}/${rel}`,
        cause: error,
      });
    }
    throw error;
  }
}
