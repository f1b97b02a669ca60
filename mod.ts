/**
 * smoldeno: agents whose actions are code, run in a Deno sandbox that can do
 * nothing you did not grant.
 *
 * A {@linkcode CodeAgent} asks its model for TypeScript, runs it in a Deno
 * subprocess ({@linkcode DenoExecutor}) whose only powers are the
 * `permissions` you pass, and shows the model what the code printed until it
 * calls `final_answer`. Tools made with {@linkcode tool} stay on the host and
 * appear in the sandbox as async functions. A {@linkcode ToolCallingAgent}
 * acts through the model's native tool calls instead.
 *
 * Runs are streams of typed events ({@linkcode AgentEvent}); `run()` drains
 * the stream and the console {@linkcode Logger} renders it. Memory is plain
 * data ({@linkcode AgentMemory}), prompts are YAML templates you can replace.
 * Models live behind subpath exports (`./models/openai`, `./models/hf`);
 * `./testing` has `ScriptedModel` for offline runs and tests.
 *
 * @example A CodeAgent with a tool, offline
 * ```ts
 * import { CodeAgent, LogLevel, tool } from "@smoldeno/agents";
 * import { ScriptedModel } from "@smoldeno/agents/testing";
 *
 * const getWeather = tool({
 *   name: "get_weather",
 *   description: "Weather report for a city.",
 *   inputs: { city: { type: "string", description: "City name, e.g. 'Paris'" } },
 *   outputType: "string",
 *   forward: ({ city }) => `Sunny, 21°C in ${city}`,
 * });
 *
 * // The replies a model would write; swap in OpenAIServerModel for a real one.
 * const model = new ScriptedModel({
 *   replies: [
 *     "Thought: I'll ask the weather tool.\n<code>\nconst report = await get_weather({ city: \"Paris\" });\nconsole.log(report);\n</code>",
 *     "Thought: I have it.\n<code>\nfinal_answer(report);\n</code>",
 *   ],
 * });
 *
 * await using agent = new CodeAgent({ model, tools: [getWeather], logLevel: LogLevel.OFF });
 * const result = await agent.run("What is the weather in Paris?", { returnFullResult: true });
 * console.log(result.output); // "Sunny, 21°C in Paris"
 * console.log(result.state, result.steps.length); // "success" 4
 * ```
 *
 * @module
 */

export {
  AgentBudgetError,
  AgentError,
  AgentExecutionError,
  type AgentExecutionErrorOptions,
  AgentGenerationError,
  AgentMaxStepsError,
  AgentParsingError,
  AgentToolCallError,
  AgentToolExecutionError,
  type BudgetStop,
  type ExecutionErrorKind,
  type PermissionRequest,
} from "./src/errors.ts";
export type {
  CodeOutput,
  ExecuteOptions,
  Executor,
  PermissionDecision,
  PermissionRequestHandler,
} from "./src/executor.ts";
export {
  type BaseToolsContext,
  type BaseToolsProvider,
  registerBaseTools,
  resolveBaseTools,
} from "./src/base_tools.ts";
export {
  DenoExecutor,
  type DenoExecutorOptions,
  type DenoPermissions,
  type DenyLists,
  type PermissionValue,
} from "./executors/deno_executor.ts";
export { SandboxPool, type SandboxPoolOptions, type StartableExecutor } from "./executors/pool.ts";
export {
  Logger,
  type LoggerOptions,
  LogLevel,
  type LogWriter,
  type MessageLogger,
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
  type ToolModuleOptions,
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
  ManagedAgentEvent,
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
export type {
  TelemetryOptions,
  TelemetryTracer,
  TelemetryTracerProvider,
} from "./src/telemetry.ts";
export {
  type AgentData,
  type AgentDescription,
  type AgentEventSink,
  type FinalAnswerCheck,
  type LoadAgentOptions,
  type ModelFactory,
  type ModelPrice,
  type ModelSpec,
  MultiStepAgent,
  type MultiStepAgentOptions,
  type RunBudget,
  type RunOptions,
  type RunResult,
  type StartStepOptions,
  type StepCallback,
  type StepCallbacks,
  type StepContext,
  type StepOptions,
  type StepOutcome,
  type StepResult,
  type ToolApprovalDecision,
  type ToolApprovalHandler,
  type ToolApprovalRequest,
  type ToolData,
  type ToolDescription,
} from "./src/agents/multi_step_agent.ts";
export { ToolCallingAgent, type ToolCallingAgentOptions } from "./src/agents/tool_calling_agent.ts";
export { CodeAgent, type CodeAgentOptions } from "./src/agents/code_agent.ts";
