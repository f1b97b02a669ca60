// Finished spans in one shape, whichever way they arrived (the SDK's
// in-memory exporter, or OTLP/JSON sent by Deno's built-in exporter), and a
// tree over them to assert parents, attributes and errors.

import { context, type ContextManager, ROOT_CONTEXT, trace } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { AsyncLocalStorage } from "node:async_hooks";

/** One finished span. */
export interface SpanRecord {
  name: string;
  traceId: string;
  spanId: string;
  parentId?: string;
  kind: "internal" | "server" | "client" | "producer" | "consumer";
  start: bigint;
  attributes: Record<string, unknown>;
  /** 0 unset, 1 ok, 2 error. */
  status: { code: number; message?: string };
  events: { name: string; attributes: Record<string, unknown> }[];
  scope: string;
}

const KINDS = ["internal", "server", "client", "producer", "consumer"] as const;

/** A span of the SDK as a record. */
export function fromReadable(span: ReadableSpan): SpanRecord {
  const [seconds, nanos] = span.startTime;
  return {
    name: span.name,
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentId: span.parentSpanContext?.spanId,
    kind: KINDS[span.kind],
    start: BigInt(seconds) * 1_000_000_000n + BigInt(nanos),
    attributes: { ...span.attributes },
    status: { code: span.status.code, message: span.status.message },
    events: span.events.map((e) => ({ name: e.name, attributes: { ...e.attributes } })),
    scope: span.instrumentationScope.name,
  };
}

/** The spans of a run and their relations. */
export class SpanTree {
  readonly spans: SpanRecord[];

  constructor(spans: SpanRecord[]) {
    this.spans = [...spans].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  }

  /** The one span named `name`; throws listing the names when there is not exactly one. */
  one(name: string): SpanRecord {
    const found = this.all(name);
    if (found.length !== 1) {
      throw new Error(
        `Expected one span "${name}", found ${found.length}: ${this.spans.map((s) => s.name)}`,
      );
    }
    return found[0];
  }

  /** Every span named `name`, in start order. */
  all(name: string): SpanRecord[] {
    return this.spans.filter((s) => s.name === name);
  }

  /** The parent of `span`, when it is among these spans. */
  parent(span: SpanRecord): SpanRecord | undefined {
    return this.spans.find((s) => s.spanId === span.parentId);
  }

  /** The children of `span`, in start order. */
  children(span: SpanRecord): SpanRecord[] {
    return this.spans.filter((s) => s.parentId === span.spanId);
  }

  /** The tree as indented names (two spaces a level), roots first, children in start order. */
  render(filter: (span: SpanRecord) => boolean = () => true): string {
    const ids = new Set(this.spans.map((s) => s.spanId));
    const lines: string[] = [];
    const walk = (span: SpanRecord, depth: number) => {
      if (!filter(span)) return;
      lines.push(`${"  ".repeat(depth)}${span.name}`);
      for (const child of this.children(span)) walk(child, depth + 1);
    };
    for (const root of this.spans.filter((s) => !s.parentId || !ids.has(s.parentId))) {
      walk(root, 0);
    }
    return lines.join("\n");
  }

  /** Every attribute value and event attribute value, as text. */
  allText(): string {
    return this.spans.map((s) =>
      JSON.stringify(
        [s.name, s.attributes, s.status, s.events],
        (_k, v) => typeof v === "bigint" ? String(v) : v,
      )
    ).join("\n");
  }
}

/** A tracer provider exporting to memory, registered as the global one until disposed. */
export class InMemoryTracing implements Disposable {
  readonly exporter: InMemorySpanExporter = new InMemorySpanExporter();
  readonly provider: BasicTracerProvider;

  constructor(options: { global?: boolean; contextManager?: boolean } = {}) {
    this.provider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(this.exporter)],
    });
    if (options.global ?? true) trace.setGlobalTracerProvider(this.provider);
    if (options.contextManager) context.setGlobalContextManager(new AsyncLocalContextManager());
  }

  /** The spans finished so far. */
  tree(): SpanTree {
    return new SpanTree(this.exporter.getFinishedSpans().map(fromReadable));
  }

  [Symbol.dispose](): void {
    trace.disable();
    context.disable();
    this.exporter.reset();
  }
}

/** The context manager Node SDKs install, written on AsyncLocalStorage. */
export class AsyncLocalContextManager implements ContextManager {
  #storage = new AsyncLocalStorage<ReturnType<ContextManager["active"]>>();

  active(): ReturnType<ContextManager["active"]> {
    return this.#storage.getStore() ?? ROOT_CONTEXT;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: ReturnType<ContextManager["active"]>,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.#storage.run(ctx, () => fn.call(thisArg, ...args));
  }

  bind<T>(_ctx: ReturnType<ContextManager["active"]>, target: T): T {
    return target;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.#storage.disable();
    return this;
  }
}
