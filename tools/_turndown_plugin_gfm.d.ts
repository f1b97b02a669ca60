// Types for turndown-plugin-gfm, which ships none.
import type TurndownService from "turndown";

/** Adds GitHub-flavoured tables, strikethrough and task lists. */
export declare function gfm(service: TurndownService): void;
