/**
 * Middleware: functions wrapped around every request the server handles, the same on every
 * transport and in both protocol eras. Each hook gets a context and `next`; calling `next()` runs
 * the rest of the chain and the handler, returning without calling it answers directly. The first
 * middleware given to `use()` runs outermost.
 *
 * - `onRequest` wraps every request, `initialize`, `ping` and `server/discover` included; the
 *   method's own hook (`onCallTool`, `onListTools`, ...) runs inside it. One context object is
 *   shared by both, so a change to `ctx.params` in `onRequest` is what `onCallTool` sees.
 * - A throw of `McpError` answers with that JSON-RPC error; a `ToolError` thrown in `onCallTool` (or
 *   in `onRequest` during a `tools/call`) becomes an `isError` result; any other throw is an internal error (-32603, its message hidden
 *   under `maskErrorDetails`). Use `errorHandling()` to shape those.
 * - `next()` may be called once; a second call rejects (the handler never runs twice).
 * - List hooks get the whole list, before paging; the page the client asked for is cut from what
 *   they return. What a list hook leaves out answers as unknown when called (`tools/call`,
 *   `prompts/get`, `resources/read`); that check runs the list hooks again, so it costs only when
 *   such hooks exist.
 * - Results reach `onRequest` before the 2026-07-28 fields (`resultType`, server info `_meta`,
 *   cache hints) are added; an interim result (`resultType: "input_required"`) can pass through.
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
  /** The request's params (a copy); middleware may change or replace them before calling `next()`. */
  params: Record<string, unknown>;
  /** The handler context of this request (progress, logging, elicitation...), made on first use; the handler gets the same object. */
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

/**
 * `onCallTool`: the tool's name and its arguments, both writable before `next()` (views of
 * `params.name` and `params.arguments`).
 */
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

/** A middleware hook's name. */
export type MiddlewareHook = Exclude<keyof Middleware, "name" | "setup">;

/** Every hook a middleware can have. */
export const MIDDLEWARE_HOOKS = [
  "onRequest",
  "onCallTool",
  "onReadResource",
  "onGetPrompt",
  "onListTools",
  "onListResources",
  "onListResourceTemplates",
  "onListPrompts",
  "onNotification",
] as const satisfies readonly MiddlewareHook[];

/** How errors name a middleware. */
export function middlewareLabel(middleware: Middleware): string {
  return middleware.name ? `"${middleware.name}"` : "(unnamed)";
}

/** Checks what `use()` was given, all of it before any is added; a TypeError names what is wrong. */
export function checkMiddleware(middleware: readonly Middleware[]): void {
  for (const item of middleware) {
    if (typeof item !== "object" || item === null)
      throw new TypeError("use() takes middleware objects ({ onRequest?, onCallTool?, ... })");
    for (const hook of MIDDLEWARE_HOOKS) {
      const fn = item[hook];
      if (fn !== undefined && typeof fn !== "function")
        throw new TypeError(`Middleware ${middlewareLabel(item)}: ${hook} must be a function`);
    }
  }
}
