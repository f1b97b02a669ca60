// One deployment of a RouterModel and what the router knows of it: requests
// in flight, the requests of the last minute (for `requestsPerMinute`), its
// cooldown after failures, and the tokens it used; and the check of the
// deployments a router is given.

import type { Model, TokenUsage } from "./model.ts";
import type { RouterDeployment } from "./_router_types.ts";

const MINUTE_MS = 60_000;

/** What {@linkcode DeploymentState.snapshot} reports. */
export interface DeploymentStats {
  /** The deployment's name (unique within the router). */
  name: string;
  /** The deployment's model id. */
  modelId: string;
  /** Requests sent to it. */
  requests: number;
  /** Requests it answered. */
  successes: number;
  /** Requests it failed. */
  failures: number;
  /** Prompt tokens of its answers. */
  inputTokens: number;
  /** Completion tokens of its answers. */
  outputTokens: number;
  /** Requests it is answering now. */
  inFlight: number;
  /** Until when (the router clock's time, ms) it gets no new requests while others can; absent when it is not cooling down. */
  coolingDownUntil?: number;
}

/** A deployment's routing state. */
export class DeploymentState {
  readonly name: string;
  readonly model: Model;
  readonly weight: number;
  readonly index: number;
  readonly #rpm: number | undefined;
  readonly #sent: number[] = [];
  inFlight = 0;
  requests = 0;
  successes = 0;
  failures = 0;
  inputTokens = 0;
  outputTokens = 0;
  consecutiveFailures = 0;
  coolUntil = -Infinity;

  constructor(
    options: { name: string; model: Model; weight: number; requestsPerMinute?: number },
    index: number,
  ) {
    this.name = options.name;
    this.model = options.model;
    this.weight = options.weight;
    this.#rpm = options.requestsPerMinute;
    this.index = index;
  }

  /** Whether it is cooling down at `now`. */
  cooling(now: number): boolean {
    return now < this.coolUntil;
  }

  /** How long until it may take another request under its `requestsPerMinute`; 0 when it may now. */
  rateWait(now: number): number {
    if (this.#rpm === undefined) return 0;
    while (this.#sent.length && this.#sent[0] <= now - MINUTE_MS) this.#sent.shift();
    if (this.#sent.length < this.#rpm) return 0;
    return this.#sent[this.#sent.length - this.#rpm] + MINUTE_MS - now;
  }

  /** Counts a request sent at `now`, synchronously, so parallel calls share the budget. */
  start(now: number): void {
    if (this.#rpm !== undefined) this.#sent.push(now);
    this.requests++;
    this.inFlight++;
  }

  /** The request answered. */
  succeed(usage: TokenUsage | undefined): void {
    this.inFlight--;
    this.successes++;
    this.consecutiveFailures = 0;
    this.coolUntil = -Infinity;
    if (usage) {
      this.inputTokens += usage.inputTokens;
      this.outputTokens += usage.outputTokens;
    }
  }

  /**
   * The request failed. A failure of the deployment (not of the request)
   * counts towards its cooldown; returns the end of a cooldown it started.
   */
  fail(
    now: number,
    deploymentFault: boolean,
    cooldown: { allowedFails: number; cooldownMs: number },
  ): number | undefined {
    this.inFlight--;
    this.failures++;
    if (!deploymentFault) return undefined;
    this.consecutiveFailures++;
    if (cooldown.cooldownMs <= 0 || this.consecutiveFailures <= cooldown.allowedFails) {
      return undefined;
    }
    this.consecutiveFailures = 0;
    this.coolUntil = now + cooldown.cooldownMs;
    return this.coolUntil;
  }

  /** A copy of the counters. */
  snapshot(now: number): DeploymentStats {
    const stats: DeploymentStats = {
      name: this.name,
      modelId: this.model.modelId,
      requests: this.requests,
      successes: this.successes,
      failures: this.failures,
      inputTokens: this.inputTokens,
      outputTokens: this.outputTokens,
      inFlight: this.inFlight,
    };
    if (this.cooling(now)) stats.coolingDownUntil = this.coolUntil;
    return stats;
  }
}

function isModel(value: unknown): value is Model {
  return value !== null && typeof value === "object" &&
    typeof (value as Model).generate === "function";
}

/** Checks the deployments given to a router and makes their states. */
export function checkDeployments(
  deployments: readonly (Model | RouterDeployment)[] | undefined,
): DeploymentState[] {
  if (!Array.isArray(deployments) || deployments.length === 0) {
    throw new TypeError(
      `Invalid deployments: expected at least one model, such as [primary, fallback], got ${
        Array.isArray(deployments) ? "[]" : typeof deployments
      }`,
    );
  }
  const names = new Set<string>();
  return deployments.map((entry, index) => {
    const settings: RouterDeployment = isModel(entry) && !("model" in entry)
      ? { model: entry }
      : entry as RouterDeployment;
    if (!isModel(settings?.model)) {
      throw new TypeError(
        `Invalid deployments[${index}]: expected a model or { model, name?, weight?, requestsPerMinute? }, got ${
          settings === null ? "null" : typeof settings
        }`,
      );
    }
    const name = settings.name ?? settings.model.modelId;
    if (typeof name !== "string" || name === "") {
      throw new TypeError(
        `Invalid deployments[${index}]: expected a name or a model with a non-empty modelId`,
      );
    }
    if (names.has(name)) {
      throw new TypeError(
        `Invalid deployments[${index}]: the name "${name}" is taken; give each deployment a unique name`,
      );
    }
    names.add(name);
    const weight = settings.weight ?? 1;
    if (!(typeof weight === "number" && weight > 0 && Number.isFinite(weight))) {
      throw new RangeError(
        `Invalid weight of deployment "${name}": expected a positive number, got ${weight}`,
      );
    }
    const rpm = settings.requestsPerMinute;
    if (rpm !== undefined && !(typeof rpm === "number" && rpm >= 1 && Number.isFinite(rpm))) {
      throw new RangeError(
        `Invalid requestsPerMinute of deployment "${name}": expected a number >= 1, got ${rpm}`,
      );
    }
    return new DeploymentState({
      name,
      model: settings.model,
      weight,
      requestsPerMinute: rpm === undefined ? undefined : Math.floor(rpm),
    }, index);
  });
}
