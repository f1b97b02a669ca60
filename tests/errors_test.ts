import { assert, assertEquals } from "./_assert.ts";
import { AgentError, AgentExecutionError } from "../src/errors.ts";

Deno.test("AgentExecutionError keeps its kind, logs and permission", () => {
  const err = new AgentExecutionError("denied", {
    kind: "permission",
    permission: "net",
    logs: "a\n",
  });
  assert(err instanceof AgentError);
  assertEquals(err.name, "AgentExecutionError");
  assertEquals([err.kind, err.permission, err.logs, err.stateLost], [
    "permission",
    "net",
    "a\n",
    false,
  ]);
});

Deno.test("AgentExecutionError defaults to a runtime error with empty logs", () => {
  const err = new AgentExecutionError("boom");
  assertEquals([err.kind, err.logs], ["runtime", ""]);
});
