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
export {
  DenoExecutor,
  type DenoExecutorOptions,
  type DenoPermissions,
  type PermissionValue,
} from "./executors/deno_executor.ts";
export {
  Logger,
  type LoggerOptions,
  LogLevel,
  type LogWriter,
  sanitizeForTerminal,
} from "./src/logger.ts";
export {
  BaseTool,
  type BaseToolOptions,
  type FunctionTool,
  type JsonSchemaTool,
  type NullableInputKeys,
  type Tool,
  tool,
  type ToolArgs,
  type ToolCallOptions,
  type ToolDefinition,
  type ToolDefinitionLike,
  type ToolInput,
  type ToolInputs,
  type ToolInputValue,
  type ToolOutputValue,
  toolToJsonSchema,
  toolToTypeScript,
  type ToolValue,
  type ToolValueType,
  validateTool,
  validateToolArgs,
} from "./src/tool.ts";
export {
  type AudioValue,
  audioValue,
  type ImageValue,
  imageValue,
  isAudioValue,
  isImageValue,
  mediaFromDataUrl,
  mediaToDataUrl,
  type MediaValue,
  type MediaValueOptions,
} from "./src/media.ts";
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
export {
  codeAgentPromptTemplates,
  type FinalAnswerPromptTemplates,
  type ManagedAgentPromptTemplates,
  parsePromptTemplates,
  type PlanningPromptTemplates,
  type PromptTemplates,
  renderPrompt,
  toolCallingAgentPromptTemplates,
  validatePromptTemplates,
} from "./src/prompts.ts";
export {
  type AgentEventSink,
  type FinalAnswerCheck,
  MultiStepAgent,
  type MultiStepAgentOptions,
  type RunOptions,
  type RunResult,
  type StepCallback,
  type StepCallbacks,
  type StepContext,
  type StepOutcome,
} from "./src/agents/multi_step_agent.ts";
export { ToolCallingAgent, type ToolCallingAgentOptions } from "./src/agents/tool_calling_agent.ts";
export { CodeAgent, type CodeAgentOptions } from "./src/agents/code_agent.ts";
