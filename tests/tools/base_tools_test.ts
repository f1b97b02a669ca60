import { assertEquals } from "../_assert.ts";
import type { Executor } from "../../src/executor.ts";
import { baseTools } from "../../tools/mod.ts";

Deno.test("baseTools() gives a code agent web_search and visit_webpage", () => {
  assertEquals(baseTools().map((t) => t.name), ["web_search", "visit_webpage"]);
  assertEquals(baseTools({ agentType: "code" }).map((t) => t.name), [
    "web_search",
    "visit_webpage",
  ]);
});

Deno.test("baseTools() adds code_interpreter for a tool-calling agent given an executor factory", () => {
  const createExecutor = (): Executor => {
    throw new Error("not called while listing tools");
  };
  assertEquals(
    baseTools({ agentType: "tool_calling", createExecutor }).map((t) => t.name),
    ["web_search", "visit_webpage", "code_interpreter"],
  );
});
