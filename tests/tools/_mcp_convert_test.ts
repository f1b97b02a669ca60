// Converting MCP tool definitions and results, with schemas shaped like the
// ones real servers send (zod-generated, pydantic-generated with $defs).

import { assertEquals } from "../_assert.ts";
import { validateTool } from "../../src/tool.ts";
import {
  contentToValue,
  errorResultMessage,
  resultToValue,
  schemaToInputs,
  toIdentifier,
  toServerArguments,
} from "../../tools/_mcp_convert.ts";

Deno.test("toIdentifier makes MCP tool names valid, unreserved identifiers", () => {
  assertEquals(toIdentifier("get-sum"), "get_sum");
  assertEquals(toIdentifier("files.read"), "files_read");
  assertEquals(toIdentifier("2fa-check"), "_2fa_check");
  assertEquals(toIdentifier("delete"), "delete_");
  assertEquals(toIdentifier("console"), "console_");
  assertEquals(toIdentifier("café"), "cafe");
  assertEquals(toIdentifier("search", "web_"), "web_search");
  assertEquals(toIdentifier("x".repeat(80)).length, 64);
  assertEquals(toIdentifier(""), "_");
});

Deno.test("schemaToInputs reads types, descriptions, defaults, enums and required vs optional", () => {
  const { inputs, renamed } = schemaToInputs({
    type: "object",
    properties: {
      location: { type: "string", enum: ["New York", "Chicago"], description: "Choose city" },
      duration: { type: "number", default: 10, description: "Seconds" },
      count: { type: "integer" },
      flag: { type: ["boolean", "null"], title: "A flag" },
    },
    required: ["location", "count", "flag"],
    $schema: "http://json-schema.org/draft-07/schema#",
  });
  assertEquals(inputs, {
    location: { type: "string", description: "Choose city", enum: ["New York", "Chicago"] },
    duration: { type: "number", description: "Seconds (default: 10)", nullable: true },
    count: { type: "integer", description: "The count argument" },
    flag: { type: "boolean", description: "A flag", nullable: true },
  });
  assertEquals(renamed.size, 0);
});

Deno.test("schemaToInputs resolves $defs references and anyOf-with-null (pydantic style)", () => {
  const { inputs } = schemaToInputs({
    type: "object",
    $defs: {
      Point: {
        type: "object",
        properties: { x: { type: "number" }, y: { type: "number" } },
        required: ["x", "y"],
      },
      Unit: { type: "string", enum: ["km", "mi"] },
    },
    properties: {
      points: { type: "array", items: { $ref: "#/$defs/Point" }, description: "Path" },
      unit: { anyOf: [{ $ref: "#/$defs/Unit" }, { type: "null" }], default: null },
      origin: { $ref: "#/$defs/Point", description: "Start" },
      anything: { description: "Whatever" },
    },
    required: ["points", "origin", "anything"],
  });
  assertEquals(inputs.points, {
    type: "array",
    description: "Path",
    items: {
      type: "object",
      properties: { x: { type: "number" }, y: { type: "number" } },
      required: ["x", "y"],
    },
  });
  assertEquals(inputs.unit, {
    type: "string",
    description: "The unit argument (default: null)",
    nullable: true,
    enum: ["km", "mi"],
  });
  assertEquals(inputs.origin.properties, { x: { type: "number" }, y: { type: "number" } });
  assertEquals(inputs.anything, { type: "any", description: "Whatever" });
  // Whatever a server sends, the result is a valid smoldeno tool definition.
  validateTool({ name: "route", description: "Plans a route.", inputs, outputType: "any" });
});

Deno.test("schemaToInputs renames non-identifier inputs and toServerArguments maps them back", () => {
  const schema = {
    type: "object",
    properties: {
      "file-path": { type: "string" },
      "file_path": { type: "string" },
      limit: { type: "number" },
      note: { type: ["string", "null"] },
    },
    required: ["file-path"],
  };
  const { inputs, renamed } = schemaToInputs(schema);
  assertEquals(Object.keys(inputs), ["file_path", "file_path_2", "limit", "note"]);
  assertEquals([...renamed], [["file_path", "file-path"], ["file_path_2", "file_path"]]);
  assertEquals(
    toServerArguments(
      { file_path: "/a", file_path_2: "/b", limit: null, note: null },
      schema,
      renamed,
    ),
    // null for "limit" means "not given"; "note" accepts null, so it is kept.
    { "file-path": "/a", file_path: "/b", note: null },
  );
});

Deno.test("contentToValue turns MCP content blocks into text, media, resources and links", () => {
  assertEquals(contentToValue({ type: "text", text: "hi" }), "hi");
  assertEquals(contentToValue({ type: "image", data: "AQID", mimeType: "image/png" }), {
    type: "image",
    mimeType: "image/png",
    data: new Uint8Array([1, 2, 3]),
  });
  assertEquals(contentToValue({ type: "audio", data: "AQ==", mimeType: "audio/wav" }), {
    type: "audio",
    mimeType: "audio/wav",
    data: new Uint8Array([1]),
  });
  assertEquals(
    contentToValue({ type: "resource", resource: { uri: "file:///a.md", text: "# A" } }),
    { type: "resource", uri: "file:///a.md", text: "# A" },
  );
  assertEquals(
    contentToValue({
      type: "resource",
      resource: { uri: "demo://b", mimeType: "application/json", blob: btoa('{"k":1}') },
    }),
    { type: "resource", uri: "demo://b", text: '{"k":1}', mimeType: "application/json" },
  );
  assertEquals(
    contentToValue({ type: "resource", resource: { uri: "demo://c", blob: "AAE=" } }),
    { type: "resource", uri: "demo://c", data: new Uint8Array([0, 1]) },
  );
  assertEquals(
    contentToValue({
      type: "resource",
      resource: { uri: "x", mimeType: "image/gif", blob: "AQ==" },
    }),
    { type: "image", mimeType: "image/gif", data: new Uint8Array([1]) },
  );
  assertEquals(
    contentToValue({
      type: "resource_link",
      uri: "file:///r.txt",
      name: "r.txt",
      mimeType: "text/plain",
    }),
    { type: "resource_link", uri: "file:///r.txt", name: "r.txt", mimeType: "text/plain" },
  );
});

Deno.test("resultToValue prefers structured content, joins text, and keeps mixed content as a list", () => {
  const structured = {
    content: [{ type: "text", text: '{"t":1}' }],
    structuredContent: { t: 1 },
  };
  assertEquals(resultToValue(structured, true), { t: 1 });
  assertEquals(resultToValue(structured, false), '{"t":1}');
  assertEquals(
    resultToValue({ content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] }, true),
    "a\nb",
  );
  assertEquals(resultToValue({ content: [] }, true), "");
  const mixed = resultToValue({
    content: [{ type: "text", text: "see:" }, {
      type: "image",
      data: "AQ==",
      mimeType: "image/png",
    }],
  }, true) as unknown[];
  assertEquals(mixed[0], "see:");
  assertEquals((mixed[1] as { type: string }).type, "image");
});

Deno.test("errorResultMessage returns the server's text, or says there was none", () => {
  assertEquals(
    errorResultMessage({ isError: true, content: [{ type: "text", text: "Bad id: 0" }] }),
    "Bad id: 0",
  );
  assertEquals(
    errorResultMessage({ isError: true, content: [] }),
    "the server returned an error without a message",
  );
});
