// The max-steps fallback: one more model call that reads the whole history
// and writes the best answer it can, recorded as an action step that carries
// an AgentMaxStepsError.

import { AgentMaxStepsError } from "../errors.ts";
import type { AgentEvent } from "../events.ts";
import { type ActionStep, type AgentMemory, errorToData, toMessages } from "../memory.ts";
import type { ChatMessage, Model } from "../models/model.ts";
import { type PromptTemplates, renderPrompt } from "../prompts.ts";
import { callModel, textOf } from "./_model_call.ts";

/** What the fallback call needs. */
export interface FallbackContext {
  model: Model;
  templates: PromptTemplates;
  memory: AgentMemory;
  task: string;
  maxSteps: number;
  signal?: AbortSignal;
  stream: boolean;
}

/** Asks for the best final answer, yielding its events; returns the (unfinished) step. */
export async function* writeFallbackAnswer(
  context: FallbackContext,
): AsyncGenerator<AgentEvent, ActionStep> {
  const { maxSteps, templates } = context;
  const stepNumber = maxSteps + 1;
  const messages: ChatMessage[] = [
    {
      role: "system",
      content: renderPrompt(templates.finalAnswer.preMessages, {}, "finalAnswer.preMessages"),
    },
    ...context.memory.steps.flatMap((s) => toMessages(s)),
    {
      role: "user",
      content: renderPrompt(
        templates.finalAnswer.postMessages,
        { task: context.task },
        "finalAnswer.postMessages",
      ),
    },
  ];
  const step: ActionStep = {
    type: "action",
    stepNumber,
    timing: { startTime: Date.now() },
    modelInputMessages: messages,
    error: errorToData(
      new AgentMaxStepsError(`Reached the step limit (${maxSteps}) without a final answer`, {
        maxSteps,
      }),
    ),
    isFinalAnswer: true,
  };
  const reply = yield* callModel(context.model, messages, { signal: context.signal }, {
    stepNumber,
    phase: "final_answer",
    stream: context.stream,
  });
  const answer = textOf(reply);
  step.modelOutputMessage = reply;
  step.modelOutput = answer;
  step.actionOutput = answer;
  const tokenUsage = reply.tokenUsage ? { tokenUsage: reply.tokenUsage } : {};
  Object.assign(step, tokenUsage);
  yield { type: "model_output", stepNumber, phase: "final_answer", content: answer, ...tokenUsage };
  yield { type: "error", stepNumber, error: step.error! };
  return step;
}
