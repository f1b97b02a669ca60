// The host downloads the authorized npm:/remote imports with its own Deno
// into a private DENO_DIR before a sandbox starts: sandboxes never download
// (DenoExecutor's reads it, DockerExecutor's container mounts it read-only).

import { AgentExecutionError } from "../src/errors.ts";

/**
 * Runs `deno cache` on `specifiers` with `<dir>/deno_dir` as DENO_DIR (the
 * list goes to `<dir>/authorized_imports.js`). A failed download rejects with
 * an AgentExecutionError of kind "import" carrying the end of Deno's message.
 */
export async function downloadImports(
  denoPath: string,
  dir: string,
  specifiers: readonly string[],
): Promise<void> {
  const file = `${dir}/authorized_imports.js`;
  await Deno.writeTextFile(
    file,
    specifiers.map((s) => `import ${JSON.stringify(s)};\n`).join(""),
  );
  const out = await new Deno.Command(denoPath, {
    args: ["cache", "--no-config", "--no-lock", "--quiet", file],
    env: { DENO_DIR: `${dir}/deno_dir`, NO_COLOR: "1" },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success) {
    const detail = new TextDecoder().decode(out.stderr).trim().slice(-2000);
    throw new AgentExecutionError(
      `Cannot download the authorized imports ${
        specifiers.map((s) => `"${s}"`).join(", ")
      }: ${detail}`,
      { kind: "import" },
    );
  }
}
