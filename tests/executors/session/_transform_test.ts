import { AgentExecutionError } from "../../../src/errors.ts";
import { parseImportPattern } from "../../../executors/session/_imports.ts";
import { prepareCode, rewriteCode } from "../../../executors/session/_transform.ts";
import { assert, assertEquals, assertRejects, assertStringIncludes } from "../../_assert.ts";

const ALL_NODE = [parseImportPattern("node:*"), parseImportPattern("npm:lodash@4")];

Deno.test("rewriteCode() strips types and keeps every line and column in place", async () => {
  const code =
    "const x: number = 1;\ninterface A { a: string }\nfunction f<T>(v: T): T { return v }\nf(x)";
  const { js } = await rewriteCode(code, []);
  const lines = js.split("\n");
  assertEquals(lines.length, 4);
  assertEquals(lines[3], "f(x)");
  assertEquals(lines[2].indexOf("return"), code.split("\n")[2].indexOf("return"));
});

Deno.test("rewriteCode() turns import declarations into awaited dynamic imports", async () => {
  const code = [
    'import { join, basename as base } from "node:path";',
    'import * as os from "node:os";',
    'import _ from "npm:lodash@4";',
    'import def, { chunk } from "npm:lodash@4";',
    'import "node:process";',
    'import type { Foo } from "node:fs";',
    'import data from "node:fs" with { type: "json" };',
  ].join("\n");
  const { js, imports } = await rewriteCode(code, ALL_NODE);
  const lines = js.split("\n");
  assertEquals(lines.length, 7);
  assertEquals(lines[0], 'const {  join, basename: base  } = await import("node:path");');
  assertEquals(lines[1], 'const os = await import("node:os");');
  assertEquals(lines[2], 'const { default: _ } = await import("npm:lodash@4");');
  assertEquals(lines[3], 'const { default: def,  chunk  } = await import("npm:lodash@4");');
  assertEquals(lines[4], 'await import("node:process");');
  assertEquals(lines[5].trim(), "");
  assertStringIncludes(lines[6], 'await import("node:fs", { with: { type: "json" } })');
  assertEquals(imports, ["node:path", "node:os", "npm:lodash@4", "node:process", "node:fs"]);
});

Deno.test("rewriteCode() leaves the word import in strings and member names alone", async () => {
  const code = 'const s = "import x from y"; const o = { import: 1 }; o.import';
  const { js, imports } = await rewriteCode(code, []);
  assertEquals(js, code);
  assertEquals(imports, []);
});

Deno.test("prepareCode() rejects unauthorized static and dynamic imports, listing what is allowed", async () => {
  const err = await assertRejects(
    () =>
      prepareCode('import fs from "node:fs";\nawait import("npm:left-pad");', [
        parseImportPattern("node:path"),
      ]),
    AgentExecutionError,
  );
  assertEquals(err.kind, "import");
  assertStringIncludes(err.message, '"node:fs", "npm:left-pad" is not authorized');
  assertStringIncludes(err.message, 'Authorized imports are "node:path"');
});

Deno.test("prepareCode() reports syntax errors with 1-based line and column", async () => {
  const err = await assertRejects(
    () => prepareCode("let a = 1;\nlet b = ;", []),
    AgentExecutionError,
  );
  assertEquals([err.kind, err.line, err.column], ["syntax", 2, 9]);
});

Deno.test("prepareCode() accepts enums by transforming them", async () => {
  const { js } = await prepareCode("enum Color { Red, Green }\nColor.Green", []);
  assert(!js.includes("enum "), js);
});

Deno.test("rewriteCode() routes computed imports through the runner's check, not strings or comments", async () => {
  const code = [
    "const doc = \"Use import(specifier) or import('node:fs') lazily\";",
    "// import(name) in a comment",
    "const mod = await import(name);",
    'const lit = await import("node:path");',
  ].join("\n");
  const { js, imports } = await rewriteCode(code, [parseImportPattern("node:path")]);
  const lines = js.split("\n");
  assertEquals(lines[0], code.split("\n")[0]);
  assertEquals(lines[1], code.split("\n")[1]);
  assertEquals(lines[2], "const mod = await __smoldeno_import(name);");
  assertEquals(lines[3], code.split("\n")[3]);
  assertEquals(imports, ["node:path"]);
});
