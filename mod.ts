/**
 * smoldeno: agents whose actions are code, run in a Deno sandbox that can do
 * nothing you did not grant.
 *
 * @module
 */

export {
  AgentError,
  AgentExecutionError,
  type AgentExecutionErrorOptions,
  AgentGenerationError,
  AgentMaxStepsError,
  AgentParsingError,
  AgentToolCallError,
  AgentToolExecutionError,
  type ExecutionErrorKind,
} from "./src/errors.ts";
export type { CodeOutput, ExecuteOptions, Executor } from "./src/executor.ts";
export type { Tool, ToolCallOptions, ToolInput, ToolInputs, ToolValueType } from "./src/tool.ts";
export type {
  ChatMessage,
  ChatMessageStreamDelta,
  ContentPart,
  GenerateOptions,
  ImagePart,
  MessageRole,
  Model,
  ResponseFormat,
  TextPart,
  TokenUsage,
  ToolCall,
  ToolCallDelta,
  ToolChoice,
} from "./src/models/model.ts";
export type {
  AgentEvent,
  AgentEventType,
  CodeActionEvent,
  CodeOutputEvent,
  ErrorData,
  ErrorEvent,
  FinalAnswerEvent,
  ModelCallPhase,
  ModelOutputEvent,
  ModelStreamDeltaEvent,
  ObservationEvent,
  PlanningEvent,
  RunEndEvent,
  RunStartEvent,
  RunState,
  StepEndEvent,
  StepStartEvent,
  Timing,
  ToolCallEvent,
  ToolResultEvent,
} from "./src/events.ts";
export {
  type ActionStep,
  addTokenUsage,
  AgentMemory,
  type AgentMemoryJson,
  errorToData,
  type FinalAnswerStep,
  type MemoryStep,
  type PlanningStep,
  type SystemPromptStep,
  type TaskStep,
  toMessages,
  type ToMessagesOptions,
} from "./src/memory.ts";
