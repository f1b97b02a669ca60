import {
  cacheableImports,
  describeAuthorizedImports,
  isImportAuthorized,
  nodeBuiltinImportMap,
  parseImportPattern,
} from "../../../executors/session/_imports.ts";
import { assertEquals, assertStringIncludes, assertThrows } from "../../_assert.ts";

const patterns = ["node:path", "npm:lodash@4", "npm:@scope/pkg@^1", "https://esm.sh/*"].map(
  parseImportPattern,
);

const CASES: [string, boolean][] = [
  ["node:path", true],
  ["node:path/posix", true],
  ["node:fs", false],
  ["npm:lodash@4", true],
  ["npm:lodash", true],
  ["npm:lodash@4/chunk", true],
  ["npm:lodash-es", false],
  ["npm:@scope/pkg", true],
  ["npm:@scope/other", false],
  ["https://esm.sh/preact", true],
  ["https://evil.example/x.js", false],
  ["data:text/javascript,1", true],
  ["blob:null/1234", true],
  ["../local.ts", true],
  ["/abs/file.ts", true],
  ["file:///x.ts", true],
  ["jsr:@std/path", false],
];

for (const [specifier, expected] of CASES) {
  Deno.test(`isImportAuthorized("${specifier}") is ${expected}`, () => {
    assertEquals(isImportAuthorized(specifier, patterns), expected);
  });
}

Deno.test("node:* authorizes every builtin", () => {
  assertEquals(isImportAuthorized("node:child_process", [parseImportPattern("node:*")]), true);
});

Deno.test("parseImportPattern() rejects patterns it cannot honour", () => {
  assertThrows(() => parseImportPattern("lodash"), TypeError, "scheme");
  assertThrows(() => parseImportPattern("npm:*"), TypeError, "npm:<package>");
  assertThrows(() => parseImportPattern("ftp:x"), TypeError, "unsupported scheme");
});

Deno.test("describeAuthorizedImports() and cacheableImports() describe the list", () => {
  assertStringIncludes(describeAuthorizedImports([]), "No imports are authorized");
  assertStringIncludes(describeAuthorizedImports(patterns), '"node:path", "npm:lodash@4"');
  assertEquals(cacheableImports(patterns), ["npm:lodash@4", "npm:@scope/pkg@^1"]);
});

Deno.test("nodeBuiltinImportMap() maps every builtin outside the patterns to a throwing module", () => {
  const { imports } = nodeBuiltinImportMap([parseImportPattern("node:path")], [
    "fs",
    "path",
    "inspector",
    "node:test",
  ]);
  // node:inspector too: the runner no longer uses it, so it is an import like any other.
  assertEquals(Object.keys(imports).sort(), [
    "fs",
    "inspector",
    "node:fs",
    "node:inspector",
    "node:test",
    "test",
  ]);
  assertStringIncludes(
    decodeURIComponent(imports["node:fs"]),
    'Import of \\"node:fs\\" is not authorized',
  );
  assertStringIncludes(imports.fs, "data:text/javascript,");
});
