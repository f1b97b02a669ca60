// Keeps ARCHITECTURE.md true: reads the module graph of every source file
// (as `deno info` resolves it, type-only imports included) and checks the
// rules that document states. A rule broken here is a design change: change
// ARCHITECTURE.md with it, or move the code.

import { assert, assertEquals } from "./_assert.ts";

const ROOT = new URL("../", import.meta.url);
const SOURCE_DIRS = ["src", "executors", "tools"];

/** Every .ts file under the source folders, repo-relative. */
function sourceFiles(): string[] {
  const files: string[] = ["mod.ts"];
  const walk = (dir: string) => {
    for (const entry of Deno.readDirSync(new URL(dir, ROOT))) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) walk(path);
      else if (entry.name.endsWith(".ts")) files.push(path);
    }
  };
  SOURCE_DIRS.forEach(walk);
  return files.sort();
}

/** Local import edges (code and type), repo-relative, from one graph of all source files. */
async function importGraph(): Promise<Map<string, Set<string>>> {
  const dir = await Deno.makeTempDir({ prefix: "smoldeno-arch-test-" });
  try {
    const all = `${dir}/all.ts`;
    await Deno.writeTextFile(
      all,
      sourceFiles().map((f) => `import ${JSON.stringify(new URL(f, ROOT).href)};\n`).join(""),
    );
    const { stdout, success } = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", "--config", new URL("deno.json", ROOT).pathname, all],
      stdout: "piped",
      stderr: "null",
    }).output();
    assert(success, "deno info failed on the source files");
    const info = JSON.parse(new TextDecoder().decode(stdout)) as {
      modules: {
        specifier: string;
        dependencies?: { code?: { specifier?: string }; type?: { specifier?: string } }[];
      }[];
    };
    const root = ROOT.href;
    const local = (s?: string) => s?.startsWith(root) ? s.slice(root.length) : undefined;
    const graph = new Map<string, Set<string>>();
    for (const module of info.modules) {
      const from = local(module.specifier);
      if (from === undefined) continue;
      const to = new Set<string>();
      for (const dep of module.dependencies ?? []) {
        for (const target of [local(dep.code?.specifier), local(dep.type?.specifier)]) {
          if (target !== undefined && target.endsWith(".ts")) to.add(target);
        }
      }
      graph.set(from, to);
    }
    return graph;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const graph = await importGraph();

/** The import circles of the graph: its strongly connected components of more than one file. */
function circles(edges: Map<string, Set<string>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || edges.get(v)?.has(v)) found.push(component.sort());
    }
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** Imports of files matching `from` that reach files matching `to`, as "a -> b" lines. */
function importsBetween(
  from: (file: string) => boolean,
  to: (target: string, file: string) => boolean,
): string[] {
  const broken: string[] = [];
  for (const [file, targets] of graph) {
    if (!from(file)) continue;
    for (const target of targets) if (to(target, file)) broken.push(`${file} -> ${target}`);
  }
  return broken.sort();
}

const under = (folder: string) => (file: string) => file.startsWith(folder);
const isCore = (file: string) =>
  file.startsWith("src/") && !file.startsWith("src/cli/") && !file.startsWith("src/ui/");

Deno.test("architecture: the graph covers every source file", () => {
  for (const file of sourceFiles()) assert(graph.has(file), `${file} is not in the module graph`);
});

Deno.test("architecture: no import circle anywhere, type-only imports included", () => {
  assertEquals(circles(graph), []);
});

Deno.test("architecture: the circle check finds a circle when there is one", () => {
  const edges = new Map([
    ["a.ts", new Set(["b.ts"])],
    ["b.ts", new Set(["c.ts"])],
    ["c.ts", new Set(["a.ts"])],
    ["d.ts", new Set(["a.ts"])],
  ]);
  assertEquals(circles(edges), [["a.ts", "b.ts", "c.ts"]]);
});

Deno.test("architecture: code shipped into the sandbox imports nothing, and its assembler only sandbox files", () => {
  assertEquals(
    importsBetween(
      (f) => f.startsWith("executors/sandbox/") && f !== "executors/sandbox/_runner.ts",
      () => true,
    ),
    [],
  );
  assertEquals(
    importsBetween(under("executors/sandbox/"), (t) => !under("executors/sandbox/")(t)),
    [],
  );
});

Deno.test("architecture: the core imports no CLI, UI, toolbox or non-default executor", () => {
  const allowed = (t: string) =>
    isCore(t) || t === "executors/deno_executor.ts" || !t.startsWith("src/") &&
      !t.startsWith("tools/") && !t.startsWith("executors/");
  // What the default executor needs comes with it; the core names only its entry file.
  assertEquals(importsBetween(isCore, (t) => !allowed(t)), []);
});

Deno.test("architecture: nothing outside the CLI imports it", () => {
  assertEquals(importsBetween((f) => !f.startsWith("src/cli/"), under("src/cli/")), []);
});

Deno.test("architecture: tools and executors never import each other's folder", () => {
  assertEquals(importsBetween(under("tools/"), under("executors/")), []);
  assertEquals(importsBetween(under("executors/"), under("tools/")), []);
});

Deno.test("architecture: the host session core knows no backend", () => {
  const backend = (t: string) =>
    ["executors/deno/", "executors/docker/", "executors/e2b/", "executors/deno_sandbox/"].some((
      b,
    ) => t.startsWith(b)) ||
    [
      "executors/deno_executor.ts",
      "executors/docker.ts",
      "executors/e2b.ts",
      "executors/deno_sandbox.ts",
    ].includes(t);
  assertEquals(importsBetween(under("executors/session/"), backend), []);
});

Deno.test("architecture: a backend's folder is reached only through its entry file", () => {
  const backends: Record<string, string> = {
    "executors/deno/": "executors/deno_executor.ts",
    "executors/docker/": "executors/docker.ts",
    "executors/e2b/": "executors/e2b.ts",
    "executors/deno_sandbox/": "executors/deno_sandbox.ts",
  };
  for (const [folder, entry] of Object.entries(backends)) {
    assertEquals(
      importsBetween((f) => f !== entry && !f.startsWith(folder), under(folder)),
      [],
      folder,
    );
  }
});

Deno.test("architecture: ARCHITECTURE.md names every source folder, and only folders that exist", async () => {
  const doc = await Deno.readTextFile(new URL("ARCHITECTURE.md", ROOT));
  const named = new Set(
    [...doc.matchAll(/^\| `((?:src|executors|tools)(?:\/\w+)*\/)` +\|/gm)].map((m) => m[1]),
  );
  const folders = new Set<string>();
  for (const file of sourceFiles()) {
    const slash = file.lastIndexOf("/");
    if (slash > 0) folders.add(file.slice(0, slash + 1));
  }
  assertEquals([...named].sort(), [...folders].sort());
});
