// Run by tests/telemetry_test.ts with OTEL_DENO=true: a DenoExecutor used
// without an agent, inside a span of the caller's own. Prints the caller's
// span id and the one the host tool saw as active.
import { trace } from "@opentelemetry/api";
import { DenoExecutor } from "../../executors/deno_executor.ts";
import { tool } from "../../src/tool.ts";

const tracer = trace.getTracer("bare-executor-test");
await using executor = new DenoExecutor({ onWarning: () => {} });
let seen: string | undefined;
await executor.sendTools({
  probe: tool({
    name: "probe",
    description: "Reports the active span.",
    inputs: {},
    outputType: "string",
    forward: () => {
      seen = trace.getActiveSpan()?.spanContext().spanId;
      return "ok";
    },
  }),
});
await tracer.startActiveSpan("caller", async (span) => {
  await executor.execute("await probe({})");
  console.log(JSON.stringify({ caller: span.spanContext().spanId, tool: seen ?? null }));
  span.end();
});
