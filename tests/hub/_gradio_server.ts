// A local Gradio app for tests, speaking what `@gradio/client` uses of
// Gradio 5's API: `/config`, `/gradio_api/info`, and the queue protocol
// "sse_v3" (`queue/join`, then the `queue/data` event stream). One endpoint,
// `/shout`, upper-cases a text and repeats it `times` times; `/fail` errors.

/** A request the app received. */
export interface GradioCall {
  /** HTTP method. */
  method: string;
  /** Path without the query. */
  path: string;
  /** The JSON body of a POST, if any. */
  body?: unknown;
}

const encoder = new TextEncoder();

/** The fake app. `await using` stops it. */
export class FakeGradioApp implements AsyncDisposable {
  /** Every request, in order. */
  readonly calls: GradioCall[] = [];
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  // Results waiting for the event stream of their session.
  readonly #pending = new Map<string, { eventId: string; fnIndex: number; data: unknown[] }[]>();
  #nextEvent = 0;

  constructor() {
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      (req) => this.#handle(req),
    );
  }

  /** `http://127.0.0.1:<port>/`: what `toolFromSpace` is given. */
  get url(): string {
    return `http://127.0.0.1:${this.#server.addr.port}/`;
  }

  async close(): Promise<void> {
    await this.#server.shutdown();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #config(): unknown {
    const root = this.url.replace(/\/$/, "");
    return {
      version: "5.9.1",
      mode: "blocks",
      protocol: "sse_v3",
      api_prefix: "/gradio_api",
      root,
      app_id: 7,
      is_space: false,
      connect_heartbeat: false,
      components: [
        { id: 1, type: "textbox", props: { label: "Text" } },
        { id: 2, type: "number", props: { label: "Times" } },
        { id: 3, type: "textbox", props: { label: "Shouted" } },
      ],
      dependencies: [
        {
          id: 0,
          api_name: "shout",
          inputs: [1, 2],
          outputs: [3],
          backend_fn: true,
          queue: true,
          show_api: true,
          types: { generator: false, cancel: false },
        },
        {
          id: 1,
          api_name: "fail",
          inputs: [1],
          outputs: [3],
          backend_fn: true,
          queue: true,
          show_api: true,
          types: { generator: false, cancel: false },
        },
      ],
    };
  }

  #info(): unknown {
    const text = {
      label: "Text",
      parameter_name: "text",
      parameter_has_default: false,
      parameter_default: null,
      type: { type: "string" },
      python_type: { type: "str", description: "" },
      component: "Textbox",
      example_input: "Hello!!",
    };
    const times = {
      label: "Times",
      parameter_name: "times",
      parameter_has_default: true,
      parameter_default: 1,
      type: { type: "number" },
      python_type: { type: "float", description: "" },
      component: "Number",
      example_input: 3,
    };
    const shouted = {
      label: "Shouted",
      type: { type: "string" },
      python_type: { type: "str", description: "" },
      component: "Textbox",
    };
    return {
      named_endpoints: {
        "/shout": { parameters: [text, times], returns: [shouted], show_api: true },
        "/fail": { parameters: [text], returns: [shouted], show_api: true },
      },
      unnamed_endpoints: {},
    };
  }

  async #handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const body = req.method === "POST" ? await req.json().catch(() => undefined) : undefined;
    this.calls.push({
      method: req.method,
      path: url.pathname,
      ...(body !== undefined ? { body } : {}),
    });
    if (url.pathname === "/config") return Response.json(this.#config());
    if (url.pathname === "/gradio_api/info") return Response.json(this.#info());
    if (req.method === "POST" && url.pathname === "/gradio_api/queue/join") {
      const { data, fn_index, session_hash } = body as {
        data: unknown[];
        fn_index: number;
        session_hash: string;
      };
      const eventId = `event-${++this.#nextEvent}`;
      const list = this.#pending.get(session_hash) ?? [];
      list.push({ eventId, fnIndex: fn_index, data });
      this.#pending.set(session_hash, list);
      return Response.json({ event_id: eventId });
    }
    if (req.method === "GET" && url.pathname === "/gradio_api/queue/data") {
      const session = url.searchParams.get("session_hash") ?? "";
      const jobs = this.#pending.get(session) ?? [];
      this.#pending.delete(session);
      const messages: unknown[] = [];
      for (const job of jobs) {
        messages.push({ msg: "estimation", event_id: job.eventId, rank: 0, queue_size: 1 });
        messages.push({ msg: "process_starts", event_id: job.eventId });
        if (job.fnIndex === 1) {
          messages.push({
            msg: "process_completed",
            event_id: job.eventId,
            success: false,
            output: { error: "the model is overloaded" },
          });
        } else {
          const [text, times] = job.data as [string, number | null];
          messages.push({
            msg: "process_completed",
            event_id: job.eventId,
            success: true,
            output: {
              data: [String(text).toUpperCase().repeat(Number(times ?? 1))],
              is_generating: false,
            },
          });
        }
      }
      messages.push({ msg: "close_stream", event_id: null });
      const stream = new ReadableStream({
        start(controller) {
          for (const m of messages) {
            controller.enqueue(encoder.encode(`data: ${JSON.stringify(m)}\n\n`));
          }
          controller.close();
        },
      });
      return new Response(stream, { headers: { "content-type": "text/event-stream" } });
    }
    return Response.json({ detail: "Not Found" }, { status: 404 });
  }
}
