// Budgets: a run stops cleanly at its token, cost or duration limit, with a
// typed stop reason in the result and the run_end event.

import { CodeAgent } from "../../src/agents/code_agent.ts";
import { AgentBudgetError } from "../../src/errors.ts";
import type { AgentEvent } from "../../src/events.ts";
import { LogLevel } from "../../src/logger.ts";
import { ScriptedModel } from "../../src/testing.ts";
import { assert, assertEquals, assertRejects, assertThrows } from "../_assert.ts";

const think = "Thought: I keep looking.\n<code>\nconsole.log('still looking');\n</code>";
const usage = { inputTokens: 900, outputTokens: 100 };

Deno.test("a run stops at budget.maxTokens after the step that reached it, with a typed stop reason", async () => {
  const model = new ScriptedModel({ replies: [think, think, think, think], tokenUsage: usage });
  await using agent = new CodeAgent({
    model,
    budget: { maxTokens: 2_500 },
    logLevel: LogLevel.OFF,
  });
  const events: AgentEvent[] = [];
  let result;
  const stream = agent.stream("Look forever");
  for (let next = await stream.next();; next = await stream.next()) {
    if (next.done) {
      result = next.value;
      break;
    }
    events.push(next.value);
  }
  assertEquals(result.state, "budget_exceeded");
  assertEquals(result.budgetStop, { limit: "maxTokens", max: 2_500, used: 3_000 });
  assertEquals(result.output, null);
  assertEquals(model.calls.length, 3);
  const end = events.at(-1);
  assert(end?.type === "run_end");
  assertEquals(end.state, "budget_exceeded");
  assertEquals(end.budgetStop?.limit, "maxTokens");
  assert(!events.some((e) => e.type === "final_answer"), "no final answer is made up");
});

Deno.test("run() rejects with AgentBudgetError at budget.maxCostUsd, priced by model id", async () => {
  const model = new ScriptedModel({
    replies: [think, think, think],
    tokenUsage: usage,
    modelId: "priced-model",
  });
  await using agent = new CodeAgent({
    model,
    logLevel: LogLevel.OFF,
    // 900 × 10 + 100 × 30 = 12 000 µ$ = $0.012 per step.
    budget: {
      maxCostUsd: 0.02,
      prices: { "priced-model": { inputPerMillion: 10, outputPerMillion: 30 } },
    },
  });
  const err = await assertRejects(() => agent.run("Spend"), AgentBudgetError);
  assertEquals(err.budgetStop.limit, "maxCostUsd");
  assertEquals(Math.round(err.budgetStop.used * 1000), 24);
  assertEquals(model.calls.length, 2);
});

Deno.test("budget.maxDurationMs cancels the step in progress and ends the run cleanly", async () => {
  const model = new ScriptedModel({
    replies: ["Thought: wait.\n<code>\nawait new Promise((r) => setTimeout(r, 60_000));\n</code>"],
  });
  await using agent = new CodeAgent({ model, logLevel: LogLevel.OFF, timeoutMs: 120_000 });
  const result = await agent.run("Wait", {
    returnFullResult: true,
    budget: { maxDurationMs: 300 },
  });
  assertEquals(result.state, "budget_exceeded");
  assertEquals(result.budgetStop?.limit, "maxDurationMs");
  assert(result.budgetStop!.used >= 300);
  // The agent is usable afterwards.
  const again = new ScriptedModel({ replies: ["<code>\nfinal_answer(1)\n</code>"] });
  await using next = new CodeAgent({ model: again, logLevel: LogLevel.OFF });
  assertEquals(await next.run("One"), 1);
});

Deno.test("a run that answers within its budget succeeds as before", async () => {
  const model = new ScriptedModel({
    replies: [think, "<code>\nfinal_answer('done')\n</code>"],
    tokenUsage: usage,
  });
  await using agent = new CodeAgent({
    model,
    budget: { maxTokens: 10_000 },
    logLevel: LogLevel.OFF,
  });
  assertEquals(await agent.run("Finish"), "done");
});

Deno.test("budgets are checked: bad limits, unknown keys, and a cost limit without a price", () => {
  const model = new ScriptedModel({ replies: [], modelId: "m" });
  assertThrows(() => new CodeAgent({ model, budget: { maxTokens: 0 } }), RangeError, "maxTokens");
  assertThrows(
    () => new CodeAgent({ model, budget: { maxTokenz: 5 } as never }),
    TypeError,
    'unknown budget option "maxTokenz"',
  );
  assertThrows(
    () => new CodeAgent({ model, budget: { maxCostUsd: 1 } }),
    TypeError,
    'needs a price for the model "m"',
  );
});
