// A local OTLP/HTTP receiver for tests: it accepts what an OpenTelemetry
// exporter posts to /v1/traces as JSON (OTEL_EXPORTER_OTLP_PROTOCOL=http/json)
// and keeps the spans as records. Logs and metrics are accepted and dropped.

import type { SpanRecord } from "./_spans.ts";

const KINDS = ["internal", "server", "client", "producer", "consumer"] as const;

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  attributes?: OtlpAttribute[];
  events?: { name: string; attributes?: OtlpAttribute[] }[];
  status?: { code?: number; message?: string };
}
interface OtlpTraces {
  resourceSpans?: { scopeSpans?: { scope?: { name?: string }; spans?: OtlpSpan[] }[] }[];
}

function value(v: OtlpValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(value);
  return undefined;
}

function attributes(list: OtlpAttribute[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((a) => [a.key, value(a.value)]));
}

/** Decodes an OTLP/JSON traces request body into span records. */
export function decodeTraces(body: OtlpTraces): SpanRecord[] {
  const out: SpanRecord[] = [];
  for (const resource of body.resourceSpans ?? []) {
    for (const scope of resource.scopeSpans ?? []) {
      for (const span of scope.spans ?? []) {
        out.push({
          name: span.name,
          traceId: span.traceId,
          spanId: span.spanId,
          parentId: span.parentSpanId || undefined,
          kind: KINDS[span.kind - 1] ?? "internal",
          start: BigInt(span.startTimeUnixNano),
          attributes: attributes(span.attributes),
          status: { code: span.status?.code ?? 0, message: span.status?.message || undefined },
          events: (span.events ?? []).map((e) => ({
            name: e.name,
            attributes: attributes(e.attributes),
          })),
          scope: scope.scope?.name ?? "",
        });
      }
    }
  }
  return out;
}

/** A receiver listening on 127.0.0.1 (a free port) until disposed. */
export class OtlpReceiver implements AsyncDisposable {
  readonly spans: SpanRecord[] = [];
  /** Content types of the trace requests, to say how they came. */
  readonly contentTypes: string[] = [];
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  #changed = Promise.withResolvers<void>();

  constructor() {
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      async (request) => {
        const path = new URL(request.url).pathname;
        const type = request.headers.get("content-type") ?? "";
        const body = await request.arrayBuffer();
        if (path === "/v1/traces") {
          this.contentTypes.push(type);
          if (!type.includes("json")) {
            return new Response("only OTLP/JSON is decoded here", { status: 415 });
          }
          this.spans.push(...decodeTraces(JSON.parse(new TextDecoder().decode(body))));
          this.#changed.resolve();
          this.#changed = Promise.withResolvers<void>();
        }
        return Response.json({});
      },
    );
  }

  /** The OTLP endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT`). */
  get endpoint(): string {
    return `http://127.0.0.1:${this.#server.addr.port}`;
  }

  /** Resolves once `done(spans)` holds; rejects after `timeoutMs` saying what arrived. */
  async until(done: (spans: SpanRecord[]) => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.spans)) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `The receiver did not get the expected spans; it got: ${
            this.spans.map((s) => s.name).join(", ") || "none"
          }`,
        );
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.#changed.promise,
        new Promise((resolve) => (timer = setTimeout(resolve, Math.min(left, 250)))),
      ]);
      clearTimeout(timer);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#server.shutdown();
  }
}
