/**
 * {@linkcode RouterModel}: one {@linkcode Model} over several deployments,
 * with ordered fallbacks, load balancing, cooldowns and per-deployment rate
 * limits (what LiteLLM's Router does for smolagents' `LiteLLMRouterModel`).
 * The deployments are any models: `OpenAIServerModel`, `AISdkModel`,
 * `InferenceClientModel`, or an object literal. Import from
 * `@smoldeno/agents/models/router`; it loads no npm package.
 *
 * @example A primary model with a fallback
 * ```ts
 * import { RouterModel } from "@smoldeno/agents/models/router";
 * import { ScriptedModel } from "@smoldeno/agents/testing";
 * import { AgentGenerationError } from "@smoldeno/agents";
 *
 * const primary = {
 *   modelId: "primary",
 *   generate: () => Promise.reject(new AgentGenerationError("overloaded", { status: 529 })),
 * };
 * const fallback = new ScriptedModel({ modelId: "fallback", replies: ["Hello from the fallback"] });
 * const router = new RouterModel({
 *   deployments: [primary, fallback],
 *   onRoute: (event) => {
 *     if (event.type === "failed") console.log(`${event.deployment} failed: status ${event.status}`);
 *   },
 * });
 * const reply = await router.generate([{ role: "user", content: "Hi" }]);
 * console.log(reply.content, reply.deployment); // "Hello from the fallback" "fallback"
 * ```
 *
 * @module
 */

import type {
  ChatMessage,
  ChatMessageStreamDelta,
  GenerateOptions,
  Model,
  TokenUsage,
} from "./model.ts";
import { abortableSleep } from "./_retry.ts";
import {
  checkDeployments,
  type DeploymentState,
  type DeploymentStats,
} from "./_router_deployment.ts";
import { isFallbackError, RouterError } from "./_router_error.ts";
import type {
  RoutedChatMessage,
  RouteEvent,
  RouteEventBase,
  RouteFailure,
  RouterClock,
  RouterModelOptions,
  RouterStrategy,
} from "./_router_types.ts";

export type { DeploymentStats } from "./_router_deployment.ts";
export { isFallbackError, RouterError } from "./_router_error.ts";
export type {
  RoutedChatMessage,
  RouteEvent,
  RouteEventBase,
  RouteFailure,
  RouterClock,
  RouterDeployment,
  RouterModelOptions,
  RouterStrategy,
} from "./_router_types.ts";

const STRATEGIES: readonly RouterStrategy[] = ["ordered", "round-robin", "least-busy", "weighted"];

/**
 * One {@linkcode Model} over several deployments. Each call goes to one
 * deployment chosen by `strategy`; when it fails in a way that merits it
 * (429, 5xx, timeouts, connection failures; never 400/401/403), the call
 * falls back to the next, and the failing deployment cools down. A stream
 * falls back only if it failed before its first delta: after that, text has
 * reached the caller.
 *
 * Each deployment still applies its own retries first: give deployments a
 * low `maxRetries` (0 or 1) for fast fallbacks. The reply says which
 * deployment answered (`deployment`, `modelId`); `onRoute` hears every
 * attempt, failure and answer; {@linkcode RouterModel.usageByDeployment}
 * sums requests and tokens per deployment.
 *
 * @example Balancing two servers with a rate limit each
 * ```ts
 * import { RouterModel } from "@smoldeno/agents/models/router";
 * import { ScriptedModel } from "@smoldeno/agents/testing";
 *
 * const router = new RouterModel({
 *   strategy: "round-robin",
 *   deployments: [
 *     { name: "east", model: new ScriptedModel({ replies: ["from east"] }), requestsPerMinute: 60 },
 *     { name: "west", model: new ScriptedModel({ replies: ["from west"] }), requestsPerMinute: 60 },
 *   ],
 * });
 * const first = await router.generate([{ role: "user", content: "1" }]);
 * const second = await router.generate([{ role: "user", content: "2" }]);
 * console.log(first.deployment, second.deployment); // "east" "west"
 * console.log(router.usageByDeployment().map((d) => d.requests)); // [1, 1]
 * ```
 */
export class RouterModel implements Model {
  /** The id reported to agents. */
  readonly modelId: string;
  /** How calls are spread. */
  readonly strategy: RouterStrategy;
  readonly #deployments: DeploymentState[];
  readonly #cooldown: { allowedFails: number; cooldownMs: number };
  readonly #shouldFallBack: (error: unknown) => boolean;
  readonly #onRoute: ((event: RouteEvent) => void) | undefined;
  readonly #clock: RouterClock;
  readonly #random: () => number;
  #cursor = 0;

  /**
   * Creates the router.
   *
   * @throws {TypeError} when there is no deployment, one is not a model, two share a name, or an option has the wrong type.
   * @throws {RangeError} when a number is out of range.
   */
  constructor(options: RouterModelOptions) {
    if (options === null || typeof options !== "object") {
      throw new TypeError(
        `Invalid options: expected an object such as { deployments: [primary, fallback] }, got ${options}`,
      );
    }
    this.#deployments = checkDeployments(options.deployments);
    this.modelId = options.modelId ?? this.#deployments[0].model.modelId;
    if (typeof this.modelId !== "string" || this.modelId === "") {
      throw new TypeError(
        `Invalid modelId: expected a non-empty string, got ${JSON.stringify(this.modelId)}`,
      );
    }
    this.strategy = options.strategy ?? "ordered";
    if (!STRATEGIES.includes(this.strategy)) {
      throw new TypeError(
        `Invalid strategy: expected one of ${STRATEGIES.map((s) => `"${s}"`).join(", ")}, got ${
          JSON.stringify(this.strategy)
        }`,
      );
    }
    const cooldownMs = options.cooldownMs ?? 30_000;
    checkNumber("cooldownMs", cooldownMs, 0);
    const allowedFails = options.allowedFails ?? 0;
    checkNumber("allowedFails", allowedFails, 0, true);
    this.#cooldown = { cooldownMs, allowedFails };
    for (const name of ["shouldFallBack", "onRoute", "random"] as const) {
      if (options[name] !== undefined && typeof options[name] !== "function") {
        throw new TypeError(`Invalid ${name}: expected a function, got ${typeof options[name]}`);
      }
    }
    this.#shouldFallBack = options.shouldFallBack ?? isFallbackError;
    this.#onRoute = options.onRoute;
    this.#clock = options.clock ?? { now: () => Date.now(), sleep: abortableSleep };
    this.#random = options.random ?? Math.random;
  }

  /** Produces one reply from the first deployment that gives one. */
  async generate(
    messages: ChatMessage[],
    options: GenerateOptions = {},
  ): Promise<RoutedChatMessage> {
    const call = this.#newCall();
    for (let attempt = 1;; attempt++) {
      const deployment = await this.#next(call, attempt, options.signal);
      let reply: ChatMessage;
      try {
        reply = await deployment.model.generate(messages, options);
      } catch (error) {
        this.#failed(call, deployment, attempt, error, options.signal);
        continue;
      }
      deployment.succeed(reply.tokenUsage);
      this.#tell({ type: "answered", ...this.#base(deployment, attempt) });
      return { ...reply, deployment: deployment.name, modelId: deployment.model.modelId };
    }
  }

  /**
   * Streams one reply. A deployment that fails before its first delta falls
   * back to the next; one without `generateStream` answers in one delta.
   */
  async *generateStream(
    messages: ChatMessage[],
    options: GenerateOptions = {},
  ): AsyncGenerator<ChatMessageStreamDelta, void, undefined> {
    const call = this.#newCall();
    for (let attempt = 1;; attempt++) {
      const deployment = await this.#next(call, attempt, options.signal);
      const model = deployment.model;
      const stream = model.generateStream
        ? model.generateStream(messages, options)
        : oneDelta(model, messages, options);
      let iterator: AsyncIterator<ChatMessageStreamDelta> | undefined;
      let first: IteratorResult<ChatMessageStreamDelta>;
      try {
        iterator = stream[Symbol.asyncIterator]();
        first = await iterator.next();
      } catch (error) {
        await iterator?.return?.().catch(() => {});
        this.#failed(call, deployment, attempt, error, options.signal);
        continue;
      }
      this.#tell({ type: "answered", ...this.#base(deployment, attempt) });
      let usage: TokenUsage | undefined;
      let settled = false;
      let result = first;
      try {
        while (!result.done) {
          if (result.value.tokenUsage) usage = result.value.tokenUsage;
          yield result.value;
          result = await iterator.next();
        }
        settled = true;
        deployment.succeed(usage);
        return;
      } catch (error) {
        if (!settled) {
          settled = true;
          // Text has reached the caller: the error is the caller's to see.
          const fault = !options.signal?.aborted && this.#shouldFallBack(error);
          const cooldownUntil = deployment.fail(this.#clock.now(), fault, this.#cooldown);
          this.#tell({
            type: "failed",
            ...this.#base(deployment, attempt),
            error,
            ...statusOf(error),
            fallback: false,
            ...(cooldownUntil === undefined ? {} : { cooldownUntil }),
          });
        }
        throw error;
      } finally {
        if (!settled) {
          // The consumer stopped early: the deployment did nothing wrong.
          deployment.succeed(usage);
          await iterator.return?.().catch(() => {});
        }
      }
    }
  }

  /** Requests, failures and tokens of each deployment so far, in the order given. */
  usageByDeployment(): DeploymentStats[] {
    const now = this.#clock.now();
    return this.#deployments.map((deployment) => deployment.snapshot(now));
  }

  /** Tokens of all deployments together. */
  get totalUsage(): TokenUsage {
    let inputTokens = 0;
    let outputTokens = 0;
    for (const deployment of this.#deployments) {
      inputTokens += deployment.inputTokens;
      outputTokens += deployment.outputTokens;
    }
    return { inputTokens, outputTokens };
  }

  /** Serializable settings. */
  toJSON(): { type: string; modelId: string; strategy: RouterStrategy; deployments: string[] } {
    return {
      type: "RouterModel",
      modelId: this.modelId,
      strategy: this.strategy,
      deployments: this.#deployments.map((deployment) => deployment.name),
    };
  }

  #newCall(): Call {
    return { start: this.#cursor++, tried: new Set(), failures: [] };
  }

  // The next deployment of a call: warm ones by strategy, then (when all
  // left are cooling down) the soonest back; waits when all are at their
  // requestsPerMinute.
  async #next(call: Call, attempt: number, signal?: AbortSignal): Promise<DeploymentState> {
    for (;;) {
      signal?.throwIfAborted();
      const now = this.#clock.now();
      const left = this.#deployments.filter((deployment) => !call.tried.has(deployment));
      if (left.length === 0) throw this.#allFailed(call);
      const warm = left.filter((deployment) => !deployment.cooling(now));
      const pool = warm.length ? warm : left;
      const ready = pool.filter((deployment) => deployment.rateWait(now) === 0);
      if (ready.length) {
        const chosen = warm.length
          ? this.#pick(ready, call.start)
          : ready.reduce((a, b) => (b.coolUntil < a.coolUntil ? b : a));
        chosen.start(now);
        call.tried.add(chosen);
        this.#tell({ type: "attempt", ...this.#base(chosen, attempt) });
        return chosen;
      }
      const soonest = pool.reduce((a, b) => (b.rateWait(now) < a.rateWait(now) ? b : a));
      const delayMs = soonest.rateWait(now);
      this.#tell({ type: "waiting", ...this.#base(soonest, attempt), delayMs });
      await this.#clock.sleep(delayMs, signal);
    }
  }

  #pick(ready: DeploymentState[], start: number): DeploymentState {
    const count = this.#deployments.length;
    // Distance from the call's starting position, for round-robin order.
    const turn = (deployment: DeploymentState) =>
      (deployment.index - (start % count) + count) % count;
    switch (this.strategy) {
      case "ordered":
        return ready[0];
      case "round-robin":
        return ready.reduce((a, b) => (turn(b) < turn(a) ? b : a));
      case "least-busy":
        return ready.reduce((a, b) =>
          b.inFlight < a.inFlight || (b.inFlight === a.inFlight && turn(b) < turn(a)) ? b : a
        );
      case "weighted": {
        const total = ready.reduce((sum, deployment) => sum + deployment.weight, 0);
        let point = this.#random() * total;
        for (const deployment of ready) {
          point -= deployment.weight;
          if (point < 0) return deployment;
        }
        return ready[ready.length - 1];
      }
    }
  }

  #failed(
    call: Call,
    deployment: DeploymentState,
    attempt: number,
    error: unknown,
    signal: AbortSignal | undefined,
  ): void {
    // An abort is the caller's decision: no fallback, no cooldown.
    const aborted = signal?.aborted === true;
    const fallback = !aborted && this.#shouldFallBack(error);
    const cooldownUntil = deployment.fail(this.#clock.now(), fallback, this.#cooldown);
    this.#tell({
      type: "failed",
      ...this.#base(deployment, attempt),
      error,
      ...statusOf(error),
      fallback,
      ...(cooldownUntil === undefined ? {} : { cooldownUntil }),
    });
    if (!fallback) throw error;
    call.failures.push({
      deployment: deployment.name,
      ...statusOf(error),
      message: error instanceof Error ? error.message : String(error),
    });
    call.lastError = error;
  }

  #allFailed(call: Call): RouterError {
    const said = call.failures.map((failure) => `"${failure.deployment}": ${failure.message}`);
    const count = call.failures.length;
    return new RouterError(
      `All ${count} deployment${count === 1 ? "" : "s"} of "${this.modelId}" failed: ${
        said.join("; ")
      }`,
      { failures: call.failures, cause: call.lastError },
    );
  }

  #base(deployment: DeploymentState, attempt: number): RouteEventBase {
    return { deployment: deployment.name, modelId: deployment.model.modelId, attempt };
  }

  #tell(event: RouteEvent): void {
    try {
      this.#onRoute?.(event);
    } catch {
      // A listener's failure is its own: the call goes on.
    }
  }
}

interface Call {
  start: number;
  tried: Set<DeploymentState>;
  failures: RouteFailure[];
  lastError?: unknown;
}

function statusOf(error: unknown): { status?: number } {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" ? { status } : {};
}

async function* oneDelta(
  model: Model,
  messages: ChatMessage[],
  options: GenerateOptions,
): AsyncGenerator<ChatMessageStreamDelta, void, undefined> {
  const reply = await model.generate(messages, options);
  const delta: ChatMessageStreamDelta = {};
  const text = typeof reply.content === "string"
    ? reply.content
    : (reply.content ?? []).flatMap((part) => part.type === "text" ? [part.text] : []).join("");
  if (text) delta.content = text;
  if (reply.toolCalls?.length) {
    delta.toolCalls = reply.toolCalls.map((call, index) => ({
      index,
      id: call.id,
      name: call.name,
      arguments: typeof call.arguments === "string"
        ? call.arguments
        : JSON.stringify(call.arguments),
    }));
  }
  if (reply.tokenUsage) delta.tokenUsage = reply.tokenUsage;
  yield delta;
}

function checkNumber(name: string, value: unknown, min: number, integer = false): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
    throw new RangeError(`Invalid ${name}: expected a number >= ${min}, got ${value}`);
  }
  if (integer && !Number.isInteger(value)) {
    throw new RangeError(`Invalid ${name}: expected an integer, got ${value}`);
  }
}
