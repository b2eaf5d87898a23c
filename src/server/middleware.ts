/**
 * Middleware: functions wrapped around every request the server handles, the same on every
 * transport and in both protocol eras. Each hook gets a context and `next`; calling `next()` runs
 * the rest of the chain and the handler, returning without calling it answers directly. The first
 * middleware given to `use()` runs outermost.
 */
import type { AuthInfo } from "../auth/types.js";
import type {
  CallToolResult,
  GetPromptResult,
  JSONRPCNotification,
  Prompt,
  ReadResourceResult,
  Resource,
  ResourceTemplate,
  Result,
  Tool,
} from "../protocol/types.js";
import type { Era } from "../protocol/versions.js";
import type { Context } from "./context.js";

/** Runs the rest of the chain (inner middleware, then the handler). */
export type Next<T> = () => Promise<T>;

/** What every hook sees about the request. */
export interface MiddlewareContext {
  /** The JSON-RPC method, e.g. `tools/call`. */
  readonly method: string;
  /** The request's params; middleware may replace fields before calling `next()`. */
  params: Record<string, unknown>;
  /** The handler context of this request (progress, logging, elicitation, state...). */
  readonly context: Context;
  /** The caller's verified token, on authenticated HTTP transports. */
  readonly auth: AuthInfo | undefined;
  readonly era: Era;
  readonly protocolVersion: string;
  /** "memory", "stdio", "http", "sse", "ws", or a custom transport's name. */
  readonly transport: string;
  /** The legacy session's id, where there is one. */
  readonly sessionId: string | undefined;
}

/** `onCallTool`: the tool's name and its arguments, both writable before `next()`. */
export interface CallToolContext extends MiddlewareContext {
  name: string;
  arguments: Record<string, unknown>;
}

/** `onReadResource`: the URI being read. */
export interface ReadResourceContext extends MiddlewareContext {
  uri: string;
}

/** `onGetPrompt`: the prompt's name and arguments. */
export interface GetPromptContext extends MiddlewareContext {
  name: string;
  arguments: Record<string, string>;
}

/** `onNotification`: a notification the client sent (`notifications/initialized`, ...). */
export interface NotificationContext {
  readonly method: string;
  readonly params: Record<string, unknown> | undefined;
  readonly notification: JSONRPCNotification;
  readonly auth: AuthInfo | undefined;
  readonly transport: string;
  readonly sessionId: string | undefined;
}

/**
 * A middleware: any subset of the hooks. `onRequest` wraps every request (the specific hook of a
 * method runs inside it); list hooks wrap the whole list, before paging.
 *
 * @example
 * ```ts
 * mcp.use({
 *   name: "audit",
 *   async onCallTool(ctx, next) {
 *     console.error(`${ctx.name} called`);
 *     return next();
 *   },
 * });
 * ```
 */
export interface Middleware {
  /** Shown in errors and logs. */
  name?: string;
  onRequest?(ctx: MiddlewareContext, next: Next<Result>): Promise<Result>;
  onCallTool?(ctx: CallToolContext, next: Next<CallToolResult>): Promise<CallToolResult>;
  onReadResource?(ctx: ReadResourceContext, next: Next<ReadResourceResult>): Promise<ReadResourceResult>;
  onGetPrompt?(ctx: GetPromptContext, next: Next<GetPromptResult>): Promise<GetPromptResult>;
  onListTools?(ctx: MiddlewareContext, next: Next<Tool[]>): Promise<Tool[]>;
  onListResources?(ctx: MiddlewareContext, next: Next<Resource[]>): Promise<Resource[]>;
  onListResourceTemplates?(
    ctx: MiddlewareContext,
    next: Next<ResourceTemplate[]>,
  ): Promise<ResourceTemplate[]>;
  onListPrompts?(ctx: MiddlewareContext, next: Next<Prompt[]>): Promise<Prompt[]>;
  onNotification?(ctx: NotificationContext, next: Next<void>): Promise<void>;
  /**
   * Called once by `mcp.use()` with a view of the server, for middleware that must hear about
   * list changes (a cache) or look at a component (a tool's annotations).
   */
  setup?(server: MiddlewareServer): void;
}

/** What `Middleware.setup` gets: a narrow view of the server, not the server itself. */
export interface MiddlewareServer {
  /**
   * Calls `listener` with the notification method (`notifications/tools/list_changed`, ...)
   * whenever a tool, resource, template or prompt is added, changed or removed. Returns a function
   * that stops listening.
   */
  onListChanged(listener: (method: string) => void): () => void;
  /** A registered, enabled tool as listed on the wire (its annotations included). */
  tool(name: string): Tool | undefined;
}
