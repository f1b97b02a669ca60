// The step callback that shows the model the browser: after each action
// step, a screenshot and the address of the page join the step's
// observations; the screenshots of older steps are dropped so the context
// stays small.

import type { MultiStepAgent, StepCallback } from "../src/agents/multi_step_agent.ts";
import type { ActionStep } from "../src/memory.ts";
import type { ImagePart } from "../src/models/model.ts";
import { SETTLE } from "./_browser_page_scripts.ts";
import type { BrowserSession } from "./_browser_session.ts";

/** Options of {@linkcode browserScreenshots}. */
export interface BrowserScreenshotsOptions {
  /**
   * How many of the latest action steps keep their screenshot (the current
   * one included). Default 2, as smolagents' web browser keeps; 0 attaches
   * only the address.
   */
  keep?: number;
}

/**
 * A step callback that attaches a PNG screenshot of the session's page
 * (viewport size) and a `Current URL:` line to each action step, and drops
 * the screenshots it attached to steps older than the last `keep`. Images
 * are plain data in `step.observationImages`, so the memory's JSON keeps
 * them. A screenshot that fails (the page crashed) becomes a line in the
 * observations instead.
 *
 * @example
 * ```ts ignore
 * import { CodeAgent } from "@smoldeno/agents";
 * import { BrowserSession, browserScreenshots, browserTools } from "@smoldeno/agents/tools/browser";
 *
 * await using session = await BrowserSession.launch();
 * const agent = new CodeAgent({
 *   model,
 *   tools: browserTools(session),
 *   stepCallbacks: [browserScreenshots(session, { keep: 3 })],
 * });
 * ```
 *
 * @throws {RangeError} when `keep` is not an integer >= 0.
 */
export function browserScreenshots(
  session: BrowserSession,
  options: BrowserScreenshotsOptions = {},
): StepCallback<ActionStep> {
  const keep = options.keep ?? 2;
  if (!Number.isInteger(keep) || keep < 0) {
    throw new RangeError(`Cannot attach screenshots: keep must be an integer >= 0, got ${keep}`);
  }
  // The image parts this callback attached, so other images stay untouched.
  const ours = new WeakSet<ImagePart>();
  return async (step: ActionStep, agent: MultiStepAgent) => {
    if (session.closed) return;
    const lines: string[] = [];
    if (keep > 0) {
      try {
        const page = await session.activePage();
        await page.evaluate(SETTLE).catch(() => {});
        const shot = await session.screenshot();
        const part: ImagePart = { type: "image", image: shot.data, mimeType: shot.mimeType };
        ours.add(part);
        step.observationImages = [...(step.observationImages ?? []), part];
      } catch (error) {
        lines.push(`(No screenshot: ${(error as Error)?.message?.split("\n")[0] ?? error})`);
      }
    }
    lines.push(`Current URL: ${session.url}`);
    step.observations = step.observations ? `${step.observations}\n${lines.join("\n")}` : lines
      .join("\n");
    dropOlder(agent, step, keep, ours);
  };
}

function dropOlder(
  agent: MultiStepAgent,
  current: ActionStep,
  keep: number,
  ours: WeakSet<ImagePart>,
): void {
  const actions = agent.memory.steps.filter((s): s is ActionStep => s.type === "action");
  if (!actions.includes(current)) actions.push(current);
  for (const step of actions.slice(0, Math.max(0, actions.length - keep))) {
    if (!step.observationImages?.some((p) => ours.has(p))) continue;
    const rest = step.observationImages.filter((p) => !ours.has(p));
    if (rest.length) step.observationImages = rest;
    else delete step.observationImages;
  }
}
