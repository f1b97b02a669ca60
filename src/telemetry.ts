/**
 * OpenTelemetry traces of agent runs, through `@opentelemetry/api` only: it
 * records nothing until an SDK is installed (Deno's built-in one with
 * `OTEL_DENO=true`, or `@opentelemetry/sdk-trace-base` registered as the
 * global tracer provider), and then each run is a tree of spans: the run,
 * its steps, and under each step the model calls, the code execution, the
 * tool calls, the managed agents and the planning. Prompts, code and
 * outputs are recorded only with `recordContent: true`; keys never.
 *
 * @module
 */

import {
  type Attributes,
  type AttributeValue,
  type Context,
  context,
  isSpanContextValid,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
  type TracerProvider,
} from "@opentelemetry/api";

/**
 * An OpenTelemetry `Tracer`, as {@linkcode TelemetryOptions.tracer} takes it:
 * any `@opentelemetry/api` tracer fits (only `startSpan` is named here, so
 * the package's types stay out of this one's public API).
 */
export interface TelemetryTracer {
  /** Starts a span (OpenTelemetry's `Tracer.startSpan`). */
  startSpan(name: string, ...rest: never[]): unknown;
}

/** An OpenTelemetry `TracerProvider`, as {@linkcode TelemetryOptions.tracerProvider} takes it. */
export interface TelemetryTracerProvider {
  /** Returns a tracer (OpenTelemetry's `TracerProvider.getTracer`). */
  getTracer(name: string, ...rest: never[]): unknown;
}

/**
 * The `telemetry` option of an agent: whether and where its runs are
 * traced, and whether the traces hold content.
 *
 * @example Recording prompts and outputs in the spans of a run
 * ```ts
 * import { LogLevel, ToolCallingAgent } from "@smoldeno/agents";
 * import { ScriptedModel } from "@smoldeno/agents/testing";
 * import {
 *   BasicTracerProvider,
 *   InMemorySpanExporter,
 *   SimpleSpanProcessor,
 * } from "@opentelemetry/sdk-trace-base";
 *
 * const exporter = new InMemorySpanExporter();
 * const tracerProvider = new BasicTracerProvider({
 *   spanProcessors: [new SimpleSpanProcessor(exporter)],
 * });
 * const model = new ScriptedModel({ replies: ['{"name": "final_answer", "arguments": {"answer": 4}}'] });
 * const agent = new ToolCallingAgent({
 *   model,
 *   telemetry: { tracerProvider, recordContent: true },
 *   logLevel: LogLevel.OFF,
 * });
 * await agent.run("2 + 2?");
 * const run = exporter.getFinishedSpans().find((span) => span.name.startsWith("invoke_agent"));
 * console.log(run?.attributes["smoldeno.task"]); // "2 + 2?"
 * ```
 */
export interface TelemetryOptions {
  /** `false` opens no span at all (default true: spans go to the tracer below). */
  enabled?: boolean;
  /**
   * Record the task, prompts, replies, code, logs, tool arguments and
   * results, and the answer in span attributes (default false: only names,
   * counts, kinds, token usage and times). Each is cut to `maxContentLength`.
   */
  recordContent?: boolean;
  /** The tracer to use (default: the global tracer provider's tracer named `@smoldeno/agents`). */
  tracer?: TelemetryTracer;
  /** The tracer provider to take the tracer from, when no `tracer` is given. */
  tracerProvider?: TelemetryTracerProvider;
  /** Most characters of one content attribute (default 16 384). */
  maxContentLength?: number;
}

/** The instrumentation scope name of every span smoldeno opens. */
export const TRACER_NAME = "@smoldeno/agents";

const DEFAULT_MAX_CONTENT = 16_384;

// Benchmarks set it to measure a run with no telemetry code at all: every
// entry point then returns at its first line.
let bypassed = false;

/**
 * Turns every telemetry call into an immediate return, for the benchmark's
 * floor (a run without the telemetry code). Not part of the public API.
 *
 * @example Measuring the floor
 * ```ts
 * import { bypassTelemetry } from "./telemetry.ts";
 *
 * bypassTelemetry(true);
 * bypassTelemetry(false);
 * ```
 */
export function bypassTelemetry(on: boolean): void {
  bypassed = on;
}

/**
 * An agent's resolved telemetry settings. Create with {@linkcode Telemetry.resolve}.
 *
 * @example Opening a span tree by hand
 * ```ts
 * import { Telemetry } from "./telemetry.ts";
 *
 * const telemetry = Telemetry.resolve({ recordContent: false }, "MyAgent");
 * const root = telemetry?.start("invoke_agent demo", {});
 * root?.child("step 1").end();
 * root?.end();
 * ```
 */
export class Telemetry {
  /** Whether content (prompts, code, outputs) goes into attributes. */
  readonly recordContent: boolean;
  /** Most characters of one content attribute. */
  readonly maxContentLength: number;
  readonly #tracer?: Tracer;
  readonly #provider?: TracerProvider;

  private constructor(options: TelemetryOptions) {
    this.recordContent = options.recordContent ?? false;
    this.maxContentLength = options.maxContentLength ?? DEFAULT_MAX_CONTENT;
    // Checked by resolve(): they have startSpan() / getTracer().
    this.#tracer = options.tracer as Tracer | undefined;
    this.#provider = options.tracerProvider as TracerProvider | undefined;
  }

  /**
   * Checks an agent's `telemetry` option; `undefined` when telemetry is off.
   *
   * @throws {TypeError} for an option that is not a boolean or a {@linkcode TelemetryOptions}.
   * @throws {RangeError} for a `maxContentLength` that is not a positive integer.
   */
  static resolve(
    option: boolean | TelemetryOptions | undefined,
    kind: string,
  ): Telemetry | undefined {
    if (option === false) return undefined;
    if (option === undefined || option === true) return new Telemetry({});
    const prefix = `Cannot create ${kind}: telemetry`;
    if (option === null || typeof option !== "object" || Array.isArray(option)) {
      throw new TypeError(
        `${prefix} must be a boolean or an object such as { recordContent: true }, got ${
          option === null ? "null" : typeof option
        }`,
      );
    }
    for (const key of ["enabled", "recordContent"] as const) {
      if (option[key] !== undefined && typeof option[key] !== "boolean") {
        throw new TypeError(`${prefix}.${key} must be a boolean, got ${typeof option[key]}`);
      }
    }
    if (option.tracer !== undefined && typeof option.tracer?.startSpan !== "function") {
      throw new TypeError(`${prefix}.tracer must be an OpenTelemetry Tracer (with startSpan())`);
    }
    if (
      option.tracerProvider !== undefined && typeof option.tracerProvider?.getTracer !== "function"
    ) {
      throw new TypeError(
        `${prefix}.tracerProvider must be an OpenTelemetry TracerProvider (with getTracer())`,
      );
    }
    const max = option.maxContentLength;
    if (max !== undefined && (!Number.isInteger(max) || max < 1)) {
      throw new RangeError(`${prefix}.maxContentLength must be a positive integer, got ${max}`);
    }
    if (option.enabled === false) return undefined;
    return new Telemetry(option);
  }

  /**
   * Opens a root span (a run) under `parent` (default: the active context).
   * Returns `undefined` when nothing would record it: no SDK is installed and
   * no trace came in from outside, so the run skips its other spans too.
   */
  start(
    name: string,
    attributes: Attributes,
    parent: Context = context.active(),
  ): TraceScope | undefined {
    if (bypassed) return undefined;
    // Resolved per run: a provider registered after the agent was made counts.
    const tracer = this.#tracer ?? (this.#provider ?? trace).getTracer(TRACER_NAME);
    const span = tracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes }, parent);
    if (!span.isRecording() && !isSpanContextValid(span.spanContext())) return undefined;
    return new TraceScope(this, tracer, span, parent);
  }
}

/**
 * One open span, the context it heads, and how to open its children.
 *
 * @example Recording an error
 * ```ts
 * import { Telemetry } from "./telemetry.ts";
 *
 * const root = Telemetry.resolve(true, "MyAgent")?.start("run", {});
 * root?.end(new TypeError("bad input"));
 * ```
 */
export class TraceScope {
  /** The settings of the agent that opened it. */
  readonly telemetry: Telemetry;
  /** The span. */
  readonly span: Span;
  readonly #tracer: Tracer;
  readonly #parent: Context;
  #context?: Context;
  #ended = false;

  /** Wraps an open span; use {@linkcode Telemetry.start} and {@linkcode TraceScope.child}. */
  constructor(telemetry: Telemetry, tracer: Tracer, span: Span, parent: Context) {
    this.telemetry = telemetry;
    this.#tracer = tracer;
    this.span = span;
    this.#parent = parent;
  }

  /** The context in which this span is the active one. */
  get context(): Context {
    // Made on first use: most spans (model calls) never have children.
    return this.#context ??= trace.setSpan(this.#parent, this.span);
  }

  /** Opens a child span. */
  child(name: string, attributes: Attributes = {}, kind: SpanKind = SpanKind.INTERNAL): TraceScope {
    const parent = this.context;
    const span = this.#tracer.startSpan(name, { kind, attributes }, parent);
    return new TraceScope(this.telemetry, this.#tracer, span, parent);
  }

  /** Sets the attributes whose value is defined. */
  set(attributes: Record<string, AttributeValue | undefined>): void {
    if (!this.span.isRecording()) return;
    for (const key in attributes) {
      const value = attributes[key];
      if (value !== undefined) this.span.setAttribute(key, value);
    }
  }

  /** Sets a content attribute (as text, cut to the limit) when content is recorded. */
  content(key: string, value: unknown): void {
    if (!this.telemetry.recordContent || value === undefined || !this.span.isRecording()) return;
    this.span.setAttribute(key, contentText(value, this.telemetry.maxContentLength));
  }

  /** Runs `fn` with this span as the active one, for the spans user code opens. */
  run<T>(fn: () => T): T {
    return context.with(this.context, fn);
  }

  /**
   * Ends the span, once; with an error, records it (its class as
   * `error.type`, an execution error's `kind`) and marks the span failed.
   */
  end(error?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    if (error !== undefined) recordError(this.span, error);
    this.span.end();
  }
}

/** Records `error` on `span`: `error.type`, its kind, an `exception` event, an error status. */
export function recordError(span: Span, error: unknown): void {
  if (!span.isRecording()) return;
  const name = error instanceof Error ? error.name : "Error";
  const message = error instanceof Error ? error.message : String(error);
  const fields = (error ?? {}) as { kind?: unknown; permission?: unknown; toolName?: unknown };
  span.setAttribute("error.type", name);
  if (typeof fields.kind === "string") span.setAttribute("smoldeno.error.kind", fields.kind);
  if (typeof fields.permission === "string") {
    span.setAttribute("smoldeno.error.permission", fields.permission);
  }
  // The message, not the stack or the error's other fields (a parsing error
  // carries the whole reply): those are content.
  const short = message.length > 1_000 ? `${message.slice(0, 1_000)}…` : message;
  span.recordException({ name, message: short });
  span.setStatus({ code: SpanStatusCode.ERROR, message: short });
}

/** `value` as attribute text: strings as they are, other values as JSON, cut to `max` characters. */
export function contentText(value: unknown, max: number): string {
  let text: string;
  if (typeof value === "string") text = value;
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = Deno.inspect(value, { depth: 4, colors: false });
    }
  }
  return text.length > max ? `${text.slice(0, max)}…[${text.length - max} more characters]` : text;
}
