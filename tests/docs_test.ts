// The documentation's code. `deno test --doc` runs every ```ts block of
// README.md and docs/. The blocks marked `ignore` need what a test cannot
// have here (an API key, a Docker engine, E2B, an MCP server to download),
// so this test type-checks each of them against the real package instead: a
// renamed option or export in the docs fails here. The names the snippets use
// without defining (`model`, `tools`, …) are declared with their real types.

import { assert } from "./_assert.ts";

const ROOT = new URL("../", import.meta.url);

function docFiles(): URL[] {
  const files = [new URL("README.md", ROOT)];
  for (const entry of Deno.readDirSync(new URL("docs/", ROOT))) {
    if (entry.name.endsWith(".md")) files.push(new URL(`docs/${entry.name}`, ROOT));
  }
  return files;
}

/** The `ts ignore` blocks of a Markdown file, with their first line number. */
function ignoredBlocks(text: string): { line: number; code: string }[] {
  const blocks: { line: number; code: string }[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== "```ts ignore") continue;
    const start = i + 1;
    while (i + 1 < lines.length && lines[i + 1].trim() !== "```") i++;
    blocks.push({ line: start + 1, code: lines.slice(start, i + 1).join("\n") });
    i++;
  }
  return blocks;
}

// Package specifiers as the docs write them, resolved through deno.json's exports.
const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT))) as {
  name: string;
  exports: Record<string, string>;
};
function resolvePackage(code: string): string {
  return code.replace(/(["'])(@smoldeno\/agents(?:\/[\w/-]+)?)\1/g, (match, quote, spec) => {
    const subpath = `.${spec.slice(config.name.length)}`;
    const target = config.exports[subpath === "." ? "." : subpath];
    return target ? `${quote}${new URL(target, ROOT).href}${quote}` : match;
  });
}

// Names a snippet may use without defining them (it stands for "your model", …).
const GIVEN: Record<string, string> = {
  model: "Given.Model",
  tools: "Given.Tool[]",
  myTool: "Given.Tool",
  managedAgents: "Given.MultiStepAgent[]",
  token: "string",
};

/** The declarations of the given names that `code` does not define itself. */
function prelude(code: string): string {
  const own = (name: string) =>
    new RegExp(`\\b(?:const|let|var|using|function|class)\\s+${name}\\b`).test(code);
  // A namespace import, so a snippet's own imports of these names do not clash.
  const types = `import type * as Given from ${JSON.stringify(new URL("mod.ts", ROOT).href)};`;
  const lines = Object.entries(GIVEN).filter(([name]) => !own(name))
    .map(([name, type]) => `declare const ${name}: ${type};`);
  return `\n${types}\n${lines.join("\n")}\n`;
}

Deno.test("every `ts ignore` block of README.md and docs/ type-checks against the package (it needs a key or a service to run)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "smoldeno-docs-test-" });
  try {
    const checked: string[] = [];
    for (const file of docFiles()) {
      const name = file.pathname.slice(ROOT.pathname.length);
      for (const block of ignoredBlocks(await Deno.readTextFile(file))) {
        const path = `${dir}/${name.replaceAll("/", "_")}_${block.line}.ts`;
        await Deno.writeTextFile(
          path,
          `// ${name}:${block.line}\n${resolvePackage(block.code)}\n${
            prelude(block.code)
          }\nexport {};\n`,
        );
        checked.push(path);
      }
    }
    assert(checked.length > 0, "no ignored blocks found: has the docs layout changed?");
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["check", "--config", new URL("deno.json", ROOT).pathname, ...checked],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const report = new TextDecoder().decode(out.stderr).replaceAll(`file://${dir}/`, "");
    assert(out.success, `documentation snippets do not type-check:\n${report}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the docs-snippet check fails on a snippet that uses an option that does not exist", async () => {
  const dir = await Deno.makeTempDir({ prefix: "smoldeno-docs-test-" });
  try {
    const path = `${dir}/bad.ts`;
    const code = resolvePackage(
      'import { CodeAgent } from "@smoldeno/agents";\nnew CodeAgent({ model, noSuchOption: true });',
    );
    await Deno.writeTextFile(path, `${code}\n${prelude(code)}\nexport {};\n`);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["check", "--config", new URL("deno.json", ROOT).pathname, path],
      stdout: "null",
      stderr: "null",
    }).output();
    assert(!out.success, "a snippet with an unknown option should not type-check");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
