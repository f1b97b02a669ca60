// What a run is given, turned into memory: the task text with its additional
// arguments described, and task images as message parts.

import type { ImageValue } from "../media.ts";
import type { MemoryStep } from "../memory.ts";
import type { ImagePart } from "../models/model.ts";

/** The task, followed by a short description of each additional argument. */
export function taskWithArgs(task: string, args: Record<string, unknown>): string {
  const names = Object.keys(args);
  if (names.length === 0) return task;
  const lines = names.map((name) => `- ${name}: ${describeValue(args[name])}`);
  return `${task}\n\nYou have been given these values, usable by name:\n${lines.join("\n")}`;
}

// A preview, not the value: big data would flood the prompt, and the model can
// print it from the sandbox when it needs more.
function describeValue(value: unknown): string {
  const text = typeof value === "string"
    ? JSON.stringify(value)
    : Deno.inspect(value, { depth: 2, colors: false, compact: true });
  return text.length > 200 ? `${text.slice(0, 200)}… (${typeof value})` : text;
}

/** An image given as a media value or a message part, as a message part. */
export function toImagePart(image: ImagePart | ImageValue): ImagePart {
  if ("data" in image) return { type: "image", image: image.data, mimeType: image.mimeType };
  return image;
}

/** Action steps taken, not counting the max-steps fallback. */
export function countActions(steps: MemoryStep[]): number {
  return steps.filter((s) => s.type === "action" && s.error?.name !== "AgentMaxStepsError").length;
}
