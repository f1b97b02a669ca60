// The options, events and reply types of RouterModel, in a leaf file so that
// its parts can share them without importing the router.

import type { ChatMessage, Model } from "./model.ts";

/**
 * How the router picks a deployment for each call; on a failure that
 * merits it, the call falls back to the others in the same order.
 *
 * - `"ordered"`: the first deployment, then the next ones in list order (a primary and its fallbacks).
 * - `"round-robin"`: each call starts at the next deployment.
 * - `"least-busy"`: the one with the fewest requests in flight (ties: round-robin).
 * - `"weighted"`: at random, in proportion to each deployment's `weight`.
 */
export type RouterStrategy = "ordered" | "round-robin" | "least-busy" | "weighted";

/** One deployment of a {@linkcode RouterModel}, with its routing settings. */
export interface RouterDeployment {
  /** The model. */
  model: Model;
  /** A name for events and usage, unique within the router. Default: `model.modelId`. */
  name?: string;
  /** Share of the calls under `"weighted"`; any positive number. Default 1. */
  weight?: number;
  /**
   * Most requests this deployment gets in any 60-second window. The router
   * sends calls elsewhere while it is at its limit, and waits for the first
   * free slot only when every deployment is.
   */
  requestsPerMinute?: number;
}

/** The clock of a router, replaceable in tests. */
export interface RouterClock {
  /** Current time in milliseconds. */
  now(): number;
  /** Waits `ms` milliseconds, or rejects with the signal's reason when it aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Fields every {@linkcode RouteEvent} has. */
export interface RouteEventBase {
  /** The deployment's name. */
  deployment: string;
  /** The deployment's model id. */
  modelId: string;
  /** 1 for the first deployment a call tries, 2 for its first fallback, … */
  attempt: number;
}

/** What the router did, told to `onRoute` as it happens. */
export type RouteEvent =
  | RouteEventBase & {
    /** A deployment is sent the call. */
    type: "attempt";
  }
  | RouteEventBase & {
    /** The deployment answered (for a stream: its first delta arrived). */
    type: "answered";
  }
  | RouteEventBase & {
    /** The deployment failed. */
    type: "failed";
    /** The deployment's error. */
    error: unknown;
    /** Its HTTP status, when it has one. */
    status?: number;
    /** Whether the call goes on to another deployment. */
    fallback: boolean;
    /** When the deployment's cooldown ends (clock time, ms), if this failure started one. */
    cooldownUntil?: number;
  }
  | RouteEventBase & {
    /** Every remaining deployment is at its `requestsPerMinute`: the call waits. */
    type: "waiting";
    /** How long, in milliseconds. */
    delayMs: number;
  };

/** Options of {@linkcode RouterModel}. */
export interface RouterModelOptions {
  /** The deployments: models, or models with settings. At least one. */
  deployments: readonly (Model | RouterDeployment)[];
  /** The id reported to agents (and used for prices). Default: the first deployment's `modelId`. */
  modelId?: string;
  /** How calls are spread over the deployments. Default `"ordered"`. */
  strategy?: RouterStrategy;
  /**
   * How long a failing deployment gets no new requests while another can
   * take them, in milliseconds. When all are cooling down, calls still try
   * them, the soonest back first. `0` turns cooldowns off. Default 30 000.
   */
  cooldownMs?: number;
  /** Failures in a row a deployment may have before it cools down. Default 0: the first starts it. */
  allowedFails?: number;
  /**
   * Decides whether an error falls back to the next deployment. By default:
   * an `AgentGenerationError` with status 408, 409, 429 or 5xx, or without
   * a status (connection refused or reset, timeout, unreadable reply), and a
   * `TimeoutError`; never another 4xx (400, 401, 403, 404, 422: the request
   * or its credentials are at fault, and another deployment would refuse it
   * too), nor an abort.
   */
  shouldFallBack?: (error: unknown) => boolean;
  /** Told what the router does; what it throws is ignored. */
  onRoute?: (event: RouteEvent) => void;
  /** The clock for cooldowns and rate limits. Default: `Date.now` and timers. */
  clock?: RouterClock;
  /** Random numbers in [0, 1) for `"weighted"`. Default `Math.random`. */
  random?: () => number;
}

/** A reply of a {@linkcode RouterModel}: the deployment's reply and who gave it. */
export interface RoutedChatMessage extends ChatMessage {
  /** The name of the deployment that answered. */
  deployment: string;
  /** Its model id. */
  modelId: string;
}

/** What one deployment said when a call failed over all of them. */
export interface RouteFailure {
  /** The deployment's name. */
  deployment: string;
  /** Its HTTP status, when it had one. */
  status?: number;
  /** Its error message. */
  message: string;
}
