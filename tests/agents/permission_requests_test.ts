// A CodeAgent's permission requests, end to end: a real sandbox, and model
// replies shaped like real ones.

import { CodeAgent } from "../../src/agents/code_agent.ts";
import type { PermissionRequest } from "../../src/errors.ts";
import type { PermissionDecision } from "../../src/executor.ts";
import { LogLevel } from "../../src/logger.ts";
import { ScriptedModel } from "../../src/testing.ts";
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";

const readStep = (file: string) =>
  `Thought: The answer is in the file; I read it.\n<code>\nconst text = Deno.readTextFileSync(${
    JSON.stringify(file)
  });\nfinal_answer(text.trim());\n</code>`;

async function withFile(fn: (file: string) => Promise<void>): Promise<void> {
  const file = await Deno.makeTempFile({ prefix: "smoldeno-request-" });
  await Deno.writeTextFile(file, "forty-two\n");
  try {
    await fn(file);
  } finally {
    await Deno.remove(file);
  }
}

function agentAsking(
  decision: PermissionDecision,
  replies: string[],
  asked: PermissionRequest[],
  warnings: string[] = [],
): CodeAgent {
  return new CodeAgent({
    model: new ScriptedModel({ replies }),
    logLevel: LogLevel.OFF,
    logger: { log: () => {}, warn: (m) => warnings.push(m) },
    onPermissionRequest: (request) => {
      asked.push(request);
      return decision;
    },
  });
}

Deno.test("CodeAgent: a read granted once answers this run, and the next fresh run asks again", async () => {
  await withFile(async (file) => {
    const asked: PermissionRequest[] = [];
    const warnings: string[] = [];
    await using agent = agentAsking("once", [readStep(file), readStep(file)], asked, warnings);
    assertEquals(await agent.run("What does the file say?"), "forty-two");
    assertEquals(asked.map((r) => [r.permission, r.target]), [["read", file]]);
    assert(warnings.some((w) => w.startsWith(`Granted read ${JSON.stringify(file)} (once)`)));
    assertEquals(await agent.run("And now?"), "forty-two");
    assertEquals(asked.length, 2);
    assertEquals(warnings.filter((w) => w.startsWith("Granted")).length, 2);
  });
});

Deno.test("CodeAgent: a read granted always is kept for the agent's later runs", async () => {
  await withFile(async (file) => {
    const asked: PermissionRequest[] = [];
    await using agent = agentAsking("always", [readStep(file), readStep(file)], asked);
    assertEquals(await agent.run("What does the file say?"), "forty-two");
    assertEquals(await agent.run("And now?"), "forty-two");
    assertEquals(asked.length, 1);
  });
});

Deno.test("CodeAgent: a denied request shows the model the denial, and the run goes on", async () => {
  await withFile(async (file) => {
    const asked: PermissionRequest[] = [];
    await using agent = agentAsking("deny", [
      readStep(file),
      'Thought: I may not read it; I say so.\n<code>\nfinal_answer("cannot read the file");\n</code>',
    ], asked);
    const result = await agent.run("What does the file say?", { returnFullResult: true });
    assertEquals(result.output, "cannot read the file");
    assertEquals(asked.length, 1);
    const first = result.steps.find((s) => s.type === "action");
    assert(first?.type === "action" && first.error);
    assertStringIncludes(first.error.message, "Requires read access");
  });
});

Deno.test("CodeAgent: an import granted always is kept for later runs; granted once, it is asked again", async () => {
  const importStep = "Thought: node:path joins it for me.\n<code>\n" +
    'import { posix } from "node:path";\nfinal_answer(posix.join("docs", "a.md"));\n</code>';
  for (const [decision, asks] of [["always", 1], ["once", 2]] as const) {
    const asked: PermissionRequest[] = [];
    await using agent = agentAsking(decision, [importStep, importStep], asked);
    assertEquals(await agent.run("Join the path"), "docs/a.md");
    assertEquals(await agent.run("Again"), "docs/a.md");
    assertEquals(
      asked.map((r) => [r.permission, r.target]),
      Array(asks).fill(["import", "node:path"]),
    );
  }
});
