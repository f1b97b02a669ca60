/**
 * The default toolbox: web search, web pages, Wikipedia, speech to text, a
 * code interpreter for tool-calling agents, and asking the user.
 *
 * Networked tools take a base URL (or an engine object) so they can be
 * pointed at a proxy, a mirror or a local test server.
 *
 * @example Giving an agent the base tools
 * ```ts
 * import { baseTools } from "@smoldeno/agents/tools";
 *
 * const tools = baseTools();
 * console.log(tools.map((t) => t.name)); // ["web_search", "visit_webpage"]
 * ```
 *
 * @example `addBaseTools: true` once the toolbox is imported
 * ```ts
 * import "@smoldeno/agents/tools";
 * import { LogLevel, ToolCallingAgent } from "@smoldeno/agents";
 * import { ScriptedModel } from "@smoldeno/agents/testing";
 *
 * const model = new ScriptedModel({ replies: [] });
 * const agent = new ToolCallingAgent({ model, addBaseTools: true, logLevel: LogLevel.OFF });
 * console.log(Object.keys(agent.tools)); // ["web_search", "visit_webpage", "code_interpreter"]
 * ```
 *
 * @module
 */

import { registerBaseTools } from "../src/base_tools.ts";
import { baseTools } from "./base_tools.ts";

// Importing the toolbox is what makes `addBaseTools: true` work: the core
// may not import it, so it registers its base tools with the core here.
registerBaseTools(baseTools);

export { baseTools, type BaseToolsOptions } from "./base_tools.ts";
export { BraveEngine, type BraveEngineOptions } from "./brave_engine.ts";
export {
  CodeInterpreterTool,
  type CodeInterpreterToolInputs,
  type CodeInterpreterToolOptions,
} from "./code_interpreter.ts";
export { DuckDuckGoEngine, type DuckDuckGoEngineOptions } from "./duckduckgo_engine.ts";
export { FinalAnswerTool, type FinalAnswerToolInputs } from "./final_answer.ts";
export { GoogleSearchTool, type GoogleSearchToolOptions } from "./google_search.ts";
export {
  formatSearchResults,
  SearchBlockedError,
  type SearchEngine,
  type SearchOptions,
  type SearchResult,
} from "./search_engine.ts";
export {
  SpeechToTextTool,
  type SpeechToTextToolInputs,
  type SpeechToTextToolOptions,
} from "./speech_to_text.ts";
export {
  type ReadAnswer,
  UserInputTool,
  type UserInputToolInputs,
  type UserInputToolOptions,
} from "./user_input.ts";
export {
  VisitWebpageTool,
  type VisitWebpageToolInputs,
  type VisitWebpageToolOptions,
} from "./visit_webpage.ts";
export {
  WebSearchTool,
  type WebSearchToolInputs,
  type WebSearchToolOptions,
} from "./web_search.ts";
export {
  WikipediaSearchTool,
  type WikipediaSearchToolInputs,
  type WikipediaSearchToolOptions,
} from "./wikipedia_search.ts";
