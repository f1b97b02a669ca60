import { assertEquals, assertRejects, assertStringIncludes, assertThrows } from "../_assert.ts";
import { AgentExecutionError, AgentToolExecutionError } from "../../src/errors.ts";
import type { CodeOutput, Executor } from "../../src/executor.ts";
import { CodeInterpreterTool } from "../../tools/mod.ts";
import { LogLevel } from "../../src/logger.ts";

/** A stand-in executor (mocked boundary) that records its life cycle. */
function fakeExecutor(result: CodeOutput | AgentExecutionError, log: string[]): Executor {
  return {
    sendTools: () => Promise.resolve(),
    sendVariables: () => Promise.resolve(),
    execute: (code) => {
      log.push(`execute ${code}`);
      return result instanceof Error ? Promise.reject(result) : Promise.resolve(result);
    },
    close: () => {
      log.push("close");
      return Promise.resolve();
    },
    [Symbol.asyncDispose]: () => Promise.resolve(),
  };
}

Deno.test("CodeInterpreterTool returns stdout and the last value, in a fresh executor per call (stand-in executor)", async () => {
  const log: string[] = [];
  let created = 0;
  const tool = new CodeInterpreterTool({
    createExecutor: () => {
      created++;
      return fakeExecutor({ output: { sum: 3 }, logs: "hi\n", isFinalAnswer: false }, log);
    },
  });
  assertEquals(tool.name, "code_interpreter");
  const text = await tool.call({ code: "console.log('hi'); ({ sum: 1 + 2 })" });
  assertEquals(text, 'Stdout:\nhi\n\nLast value: {\n  "sum": 3\n}');
  await tool.call({ code: "1" });
  assertEquals(created, 2);
  assertEquals(log, ["execute console.log('hi'); ({ sum: 1 + 2 })", "close", "execute 1", "close"]);
});

Deno.test("CodeInterpreterTool turns an execution error into a tool error with its kind and logs (stand-in executor)", async () => {
  const log: string[] = [];
  const failure = new AgentExecutionError('Requires net access to "example.com"', {
    kind: "permission",
    permission: "net",
    logs: "fetching\n",
  });
  const tool = new CodeInterpreterTool({ createExecutor: () => fakeExecutor(failure, log) });
  const error = await assertRejects(
    () => tool.call({ code: "await fetch('https://example.com')" }),
    AgentToolExecutionError,
  );
  assertStringIncludes(error.message, 'permission error: Requires net access to "example.com"');
  assertStringIncludes(error.message, "Printed before the error:\nfetching");
  assertEquals(log.at(-1), "close");
});

Deno.test("CodeInterpreterTool requires createExecutor", () => {
  assertThrows(
    // @ts-expect-error: testing a call from untyped code
    () => new CodeInterpreterTool({}),
    TypeError,
    "createExecutor must be a function",
  );
});

Deno.test("CodeInterpreterTool runs TypeScript in a real DenoExecutor sandbox and keeps no state between calls", async () => {
  const { DenoExecutor } = await import("../../executors/deno_executor.ts");
  const tool = new CodeInterpreterTool({ createExecutor: () => new DenoExecutor() });
  const text = await tool.call({
    code:
      "const xs: number[] = [1, 2, 3];\nconsole.log('sum of', xs.length);\nxs.reduce((a, b) => a + b, 0)",
  });
  assertEquals(text, "Stdout:\nsum of 3\n\nLast value: 6");
  const again = await assertRejects(
    () => tool.call({ code: "xs.length" }),
    AgentToolExecutionError,
  );
  assertStringIncludes(again.message, "xs is not defined");
});

Deno.test("CodeInterpreterTool reports a denied permission from the real sandbox", async () => {
  const { DenoExecutor } = await import("../../executors/deno_executor.ts");
  const tool = new CodeInterpreterTool({ createExecutor: () => new DenoExecutor() });
  const error = await assertRejects(
    () => tool.call({ code: "await Deno.readTextFile('/etc/hostname')" }),
    AgentToolExecutionError,
  );
  assertStringIncludes(error.message, "permission error");
});

Deno.test("A ToolCallingAgent uses code_interpreter from baseTools() to compute its answer", async () => {
  const { DenoExecutor } = await import("../../executors/deno_executor.ts");
  const { ToolCallingAgent } = await import("../../src/agents/tool_calling_agent.ts");
  const { ScriptedModel } = await import("../../src/testing.ts");
  const { baseTools } = await import("../../tools/mod.ts");
  const model = new ScriptedModel({
    replies: [
      {
        role: "assistant",
        content: null,
        toolCalls: [{ id: "c1", name: "code_interpreter", arguments: { code: "2 ** 10" } }],
      },
      (messages) => ({
        role: "assistant",
        content: null,
        toolCalls: [{
          id: "c2",
          name: "final_answer",
          // The observation of the code_interpreter call is what the model saw.
          arguments: {
            answer: JSON.stringify(messages.at(-1)?.content).includes("Last value: 1024")
              ? 1024
              : -1,
          },
        }],
      }),
    ],
  });
  await using agent = new ToolCallingAgent({
    model,
    tools: baseTools({ agentType: "tool_calling", createExecutor: () => new DenoExecutor() }),
    logLevel: LogLevel.OFF,
  });
  assertEquals(await agent.run("What is 2 to the 10th?"), 1024);
});
