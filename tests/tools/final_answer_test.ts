import { assertEquals, assertRejects } from "../_assert.ts";
import { AgentToolCallError } from "../../src/errors.ts";
import { FinalAnswerTool } from "../../tools/mod.ts";

Deno.test("FinalAnswerTool returns its answer unchanged, whatever its type", async () => {
  const tool = new FinalAnswerTool();
  assertEquals(tool.name, "final_answer");
  assertEquals(await tool.call({ answer: "Paris" }), "Paris");
  assertEquals(await tool.call({ answer: { city: "Paris", temp: 21 } }), {
    city: "Paris",
    temp: 21,
  });
});

Deno.test("FinalAnswerTool rejects a call without an answer", async () => {
  await assertRejects(() => new FinalAnswerTool().call({}), AgentToolCallError);
});
