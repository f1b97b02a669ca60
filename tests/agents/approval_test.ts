// Tool approval: calls of tools marked requiresApproval (or named in
// approvalRequired) wait for onToolApproval; the model sees a refusal.

import { CodeAgent } from "../../src/agents/code_agent.ts";
import type { ToolApprovalRequest } from "../../src/agents/multi_step_agent.ts";
import { ToolCallingAgent } from "../../src/agents/tool_calling_agent.ts";
import { LogLevel } from "../../src/logger.ts";
import type { ChatMessage } from "../../src/models/model.ts";
import { ScriptedModel } from "../../src/testing.ts";
import { tool } from "../../src/tool.ts";
import { assert, assertEquals, assertStringIncludes, assertThrows } from "../_assert.ts";

function deleteTool(deleted: string[]) {
  return tool({
    name: "delete_file",
    description: "Deletes a file.",
    inputs: { path: { type: "string", description: "Path" } },
    outputType: "string",
    requiresApproval: ({ path }) => !String(path).startsWith("/tmp/"),
    forward: ({ path }) => {
      deleted.push(path);
      return `deleted ${path}`;
    },
  });
}

const call = (id: string, name: string, args: Record<string, unknown>): ChatMessage => ({
  role: "assistant",
  content: "",
  toolCalls: [{ id, name, arguments: args }],
});

Deno.test("ToolCallingAgent: a refused call is not run, and the model sees the reason", async () => {
  const deleted: string[] = [];
  const asked: ToolApprovalRequest[] = [];
  const warnings: string[] = [];
  await using agent = new ToolCallingAgent({
    model: new ScriptedModel({
      replies: [
        call("a", "delete_file", { path: "/home/me/thesis.tex" }),
        call("b", "delete_file", { path: "/tmp/scratch" }),
        call("c", "final_answer", { answer: "cleaned /tmp only" }),
      ],
    }),
    tools: [deleteTool(deleted)],
    logLevel: LogLevel.OFF,
    logger: { log: () => {}, warn: (m) => warnings.push(m) },
    onToolApproval: (request) => {
      asked.push(request);
      return { approved: false, reason: "never outside /tmp" };
    },
  });
  const result = await agent.run("Clean up", { returnFullResult: true });
  assertEquals(result.output, "cleaned /tmp only");
  // Only the call the rule flagged was asked about; the /tmp one ran without asking.
  assertEquals(asked.map((r) => [r.tool, r.args.path]), [["delete_file", "/home/me/thesis.tex"]]);
  assertEquals(deleted, ["/tmp/scratch"]);
  const first = result.steps.find((s) => s.type === "action");
  assert(first?.type === "action");
  assertStringIncludes(JSON.stringify(first), "never outside /tmp");
  assert(warnings.some((w) => w.includes("refused: never outside /tmp")));
});

Deno.test("CodeAgent: a call from the sandbox waits for approval; approved, it runs", async () => {
  const deleted: string[] = [];
  const asked: string[] = [];
  await using agent = new CodeAgent({
    model: new ScriptedModel({
      replies: [
        'Thought: I delete it.\n<code>\nconst r = await delete_file({ path: "/srv/old.log" });\nfinal_answer(r);\n</code>',
      ],
    }),
    tools: [deleteTool(deleted)],
    logLevel: LogLevel.OFF,
    onToolApproval: ({ args }) => {
      asked.push(String(args.path));
      return true;
    },
  });
  assertEquals(await agent.run("Delete the old log"), "deleted /srv/old.log");
  assertEquals(asked, ["/srv/old.log"]);
  assertEquals(deleted, ["/srv/old.log"]);
});

Deno.test("calls needing approval are refused without a handler, when it throws, and when it does not answer in time", async () => {
  for (
    const [label, options] of [
      ["no handler", {}],
      ["throws", { onToolApproval: () => Promise.reject(new Error("dialog closed")) }],
      ["late", { onToolApproval: () => new Promise<boolean>(() => {}), toolApprovalTimeoutMs: 50 }],
    ] as const
  ) {
    const deleted: string[] = [];
    await using agent = new ToolCallingAgent({
      model: new ScriptedModel({
        replies: [
          call("a", "delete_file", { path: "/etc/passwd" }),
          call("b", "final_answer", { answer: "refused" }),
        ],
      }),
      tools: [deleteTool(deleted)],
      logLevel: LogLevel.OFF,
      ...options,
    });
    const result = await agent.run("Delete", { returnFullResult: true });
    assertEquals(deleted, [], label);
    assertStringIncludes(JSON.stringify(result.steps), "did not approve", label);
  }
});

Deno.test("approvalRequired marks tools and managed agents by name, and must name real ones", async () => {
  const helper = new ToolCallingAgent({
    name: "helper",
    description: "Helps.",
    model: new ScriptedModel({ replies: [call("h", "final_answer", { answer: "helped" })] }),
    logLevel: LogLevel.OFF,
  });
  const asked: string[] = [];
  await using manager = new ToolCallingAgent({
    model: new ScriptedModel({
      replies: [
        call("m", "helper", { task: "help me" }),
        call("f", "final_answer", { answer: "done" }),
      ],
    }),
    managedAgents: [helper],
    approvalRequired: ["helper"],
    logLevel: LogLevel.OFF,
    onToolApproval: ({ tool }) => {
      asked.push(tool);
      return true;
    },
  });
  assertEquals(await manager.run("Delegate"), "done");
  assertEquals(asked, ["helper"]);
  assertThrows(
    () =>
      new ToolCallingAgent({
        model: new ScriptedModel({ replies: [] }),
        approvalRequired: ["nope"],
      }),
    TypeError,
    "approvalRequired names no tool or managed agent: nope",
  );
});
