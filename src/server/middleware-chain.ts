/**
 * The middleware chain: runs the hooks given to `mcp.use()` around the dispatcher's handlers. The
 * kernel loads it (and the dispatcher) with the first `use()`; without middleware the dispatcher's
 * own path is unchanged.
 */
import { McpError, NotFoundError, ToolError } from "../errors.js";
import { ErrorCode } from "../protocol/codes.js";
import type { EraScope } from "../protocol/era.js";
import { resolveScope } from "../protocol/era.js";
import type {
  CallToolResult,
  ClientCapabilities,
  Implementation,
  JSONRPCNotification,
  Result,
} from "../protocol/types.js";
import { LATEST_LEGACY_PROTOCOL_VERSION, negotiateLegacyVersion } from "../protocol/versions.js";
import { errorResult } from "./components/calls.js";
import { pageOf } from "./components/pages.js";
import { Context } from "./context.js";
import type { DispatchScope } from "./dispatch-scope.js";
import type { Dispatcher } from "./dispatcher.js";
import type { DispatchInput, ServerKernel, SessionState, Visibility } from "./kernel.js";
import { type Handler, privateList, readResourceRequest, type WireParams, withCursor } from "./methods.js";
import {
  type CallToolContext,
  type GetPromptContext,
  MIDDLEWARE_HOOKS as HOOKS,
  type MiddlewareHook as HookName,
  middlewareLabel as label,
  type Middleware,
  type NotificationContext,
  type ReadResourceContext,
} from "./middleware.js";

type AnyHook = (ctx: unknown, next: () => Promise<unknown>) => Promise<unknown>;

/** The list methods: their hook, registry, result field and the key that names an item. */
const LISTS = {
  "tools/list": { hook: "onListTools", registry: "tools", field: "tools", key: "name" },
  "prompts/list": { hook: "onListPrompts", registry: "prompts", field: "prompts", key: "name" },
  "resources/list": { hook: "onListResources", registry: "resources", field: "resources", key: "uri" },
  "resources/templates/list": {
    hook: "onListResourceTemplates",
    registry: "templates",
    field: "resourceTemplates",
    key: "uriTemplate",
  },
} as const;
type ListMethod = keyof typeof LISTS;

/** The list method of each registry (for a server this one is mounted on, which asks by kind). */
const LIST_OF = Object.fromEntries(
  (Object.keys(LISTS) as ListMethod[]).map((method) => [LISTS[method].registry, method]),
) as Record<(typeof LISTS)[ListMethod]["registry"], ListMethod>;

/**
 * Runs `chain`'s `hook`s outermost first around `core`. A `next` called a second time rejects
 * rather than running the handler again: a retrying middleware must say so by building its own
 * loop around a fresh request, not by silently doubling side effects.
 */
function runHooks<R>(chain: readonly Middleware[], hook: HookName, ctx: unknown, core: () => Promise<R>) {
  const step = (index: number): Promise<R> => {
    const middleware = chain[index];
    if (!middleware) return core();
    let called = false;
    const next = (): Promise<R> => {
      if (called)
        return Promise.reject(new Error(`Middleware ${label(middleware)} called next() more than once`));
      called = true;
      return step(index + 1);
    };
    return Promise.resolve((middleware[hook] as AnyHook).call(middleware, ctx, next) as Promise<R>);
  };
  return step(0);
}

/** The context every hook of one request sees; `name`, `arguments` and `uri` are views of `params`. */
class HookContext implements CallToolContext, ReadResourceContext, GetPromptContext {
  readonly method: string;
  params: WireParams;
  readonly scope: DispatchScope;

  constructor(method: string, params: WireParams, scope: DispatchScope) {
    this.method = method;
    this.params = params;
    this.scope = scope;
  }

  /** Made on first use and handed to the handler, so both see the same Context. */
  get context(): Context {
    this.scope.context ??= new Context(this.scope);
    return this.scope.context;
  }
  get auth() {
    return this.scope.auth;
  }
  get era() {
    return this.scope.era;
  }
  get protocolVersion() {
    return this.scope.protocolVersion;
  }
  get transport() {
    return this.scope.transport;
  }
  get sessionId() {
    return this.scope.sessionId;
  }
  // Views of params as a valid request has them; the handler itself rejects an invalid one.
  get name(): string {
    return this.params.name as string;
  }
  set name(value: string) {
    this.params.name = value;
  }
  /** A tool's arguments, or a prompt's (whose values are strings). */
  get arguments(): Record<string, string> {
    this.params.arguments ??= {};
    return this.params.arguments as Record<string, string>;
  }
  set arguments(value: Record<string, unknown>) {
    this.params.arguments = value;
  }
  get uri(): string {
    return this.params.uri as string;
  }
  set uri(value: string) {
    this.params.uri = value;
  }
}

/** The era of `initialize` (and of a `ping` before it): legacy, with what the client announces. */
function preInitScope(method: string, params: WireParams): EraScope {
  const capabilities = params.capabilities;
  return {
    era: "legacy",
    protocolVersion:
      method === "initialize"
        ? negotiateLegacyVersion(params.protocolVersion)
        : LATEST_LEGACY_PROTOCOL_VERSION,
    clientCapabilities: (typeof capabilities === "object" && capabilities !== null
      ? capabilities
      : {}) as ClientCapabilities,
    clientInfo: params.clientInfo as Implementation | undefined,
    logLevel: undefined,
  };
}

export class MiddlewareChain {
  private readonly dispatcher: Dispatcher;
  private readonly kernel: ServerKernel;
  private readonly hooks = Object.fromEntries(HOOKS.map((hook) => [hook, [] as Middleware[]])) as Record<
    HookName,
    Middleware[]
  >;

  constructor(dispatcher: Dispatcher) {
    this.dispatcher = dispatcher;
    this.kernel = dispatcher.kernel;
  }

  /** Whether any middleware has a request hook (anything but `onNotification`). */
  get intercepts(): boolean {
    return HOOKS.some((hook) => hook !== "onNotification" && this.hooks[hook].length > 0);
  }

  /** Whether any middleware listens to client notifications. */
  get hears(): boolean {
    return this.hooks.onNotification.length > 0;
  }

  /** Adds middleware checked by `checkMiddleware`. */
  add(middleware: readonly Middleware[]): void {
    for (const item of middleware) {
      for (const hook of HOOKS) if (item[hook] !== undefined) this.hooks[hook].push(item);
    }
  }

  async dispatch(input: DispatchInput, params: WireParams, method: string, modern: boolean): Promise<Result> {
    const { dispatcher } = this;
    const session = input.session;
    const early = method === "initialize" || (method === "ping" && !modern);
    const handler = dispatcher.handlerFor(method);
    if (!handler && !early) throw new McpError(ErrorCode.MethodNotFound, `Method not found: ${method}`);
    const era =
      early && !(method === "ping" && session.legacy)
        ? preInitScope(method, params)
        : resolveScope(params, session.legacy);
    const ctx = new HookContext(method, { ...params }, dispatcher.scopeFor(era, input, params));
    return dispatcher.finish(method, era, await this.run(ctx, handler as Handler, input));
  }

  /**
   * A request of the server this one is mounted on: this server's hooks and handler, with the
   * parent's (derived) scope; the parent finishes the result.
   */
  runMounted(method: string, params: WireParams, scope: DispatchScope, handler: Handler): Promise<Result> {
    return this.run(new HookContext(method, { ...params }, scope), handler, scope.input);
  }

  /** `onRequest` around the method's own hook and the handler. */
  private async run(ctx: HookContext, handler: Handler, input: DispatchInput): Promise<Result> {
    const inner = (): Promise<Result> => {
      try {
        return Promise.resolve(this.specific(ctx, handler, input));
      } catch (error) {
        return Promise.reject(error);
      }
    };
    const { onRequest } = this.hooks;
    if (onRequest.length === 0) return inner();
    try {
      return await runHooks(onRequest, "onRequest", ctx, inner);
    } catch (error) {
      // A tool's failure told to the model, from whichever hook of a tools/call threw it.
      if (!(ctx.method === "tools/call" && error instanceof ToolError)) throw error;
      return errorResult(error.message);
    }
  }

  /** Everything of `kind` the caller may see, through the list hooks (for a server this one is mounted on). */
  listFor(kind: "tools" | "resources" | "templates" | "prompts", scope: DispatchScope): Promise<unknown[]> {
    const method = LIST_OF[kind];
    return this.fullList(new HookContext(method, {}, scope), method);
  }

  /** Runs client notifications through `onNotification`; a failing hook is reported on stderr (there is no one to answer). */
  notification(notification: JSONRPCNotification, session: SessionState): void {
    const ctx: NotificationContext = {
      method: notification.method,
      params: notification.params,
      notification,
      auth: session.auth,
      transport: session.transport,
      sessionId: session.sessionId,
    };
    runHooks(this.hooks.onNotification, "onNotification", ctx, () => Promise.resolve()).catch((error) => {
      console.error(`[fastmcp-ts] middleware failed on ${notification.method}:`, error);
    });
  }

  /** The method's own hook (inside `onRequest`), then the handler. */
  private specific(ctx: HookContext, handler: Handler, input: DispatchInput): Promise<Result> | Result {
    const { dispatcher } = this;
    const method = ctx.method;
    switch (method) {
      case "initialize":
        return dispatcher.initialize(ctx.params, input.session);
      case "ping":
        return ctx.era === "legacy" ? {} : dispatcher.invoke(method, handler, ctx.params, ctx.scope, input);
      case "tools/call":
        return this.callTool(ctx, handler, input);
      case "prompts/get":
        return this.wrap("onGetPrompt", ctx, async () => {
          const check = this.checkListed(ctx, "prompts/list", "prompt");
          if (check) await check;
          return dispatcher.invoke(method, handler, ctx.params, ctx.scope, input);
        });
      case "resources/read":
        return this.wrap("onReadResource", ctx, async () => {
          const visible = await this.resourceVisibility(ctx);
          const read: Handler = visible
            ? (params, scope) => readResourceRequest(dispatcher, params, scope, visible)
            : handler;
          return dispatcher.invoke(method, read, ctx.params, ctx.scope, input);
        });
      case "tools/list":
      case "prompts/list":
      case "resources/list":
      case "resources/templates/list":
        if (this.hooks[LISTS[method].hook].length === 0)
          return dispatcher.invoke(method, handler, ctx.params, ctx.scope, input);
        return this.list(ctx, method);
      default:
        return dispatcher.invoke(method, handler, ctx.params, ctx.scope, input);
    }
  }

  private wrap(hook: HookName, ctx: HookContext, core: () => Promise<Result>): Promise<Result> {
    const chain = this.hooks[hook];
    return chain.length > 0 ? runHooks(chain, hook, ctx, core) : core();
  }

  /** `onCallTool`; a ToolError thrown by a middleware becomes an `isError` result, as from a tool. */
  private callTool(ctx: HookContext, handler: Handler, input: DispatchInput): Promise<Result> | Result {
    if (this.hooks.onCallTool.length === 0 && this.hooks.onListTools.length === 0)
      return this.dispatcher.invoke("tools/call", handler, ctx.params, ctx.scope, input);
    return this.hookedCallTool(ctx, handler, input);
  }

  private async hookedCallTool(ctx: HookContext, handler: Handler, input: DispatchInput): Promise<Result> {
    const core = async () => {
      const check = this.checkListed(ctx, "tools/list", "tool");
      if (check) await check;
      return this.dispatcher.invoke("tools/call", handler, ctx.params, ctx.scope, input);
    };
    try {
      return await this.wrap("onCallTool", ctx, core);
    } catch (error) {
      if (error instanceof ToolError) return errorResult(error.message) satisfies CallToolResult;
      throw error;
    }
  }

  /** The whole list through its hooks (a copy: middleware may change it), then the page asked for. */
  private async list(ctx: HookContext, method: ListMethod): Promise<Result> {
    const { field, key } = LISTS[method];
    const items = await this.fullList(ctx, method);
    const page = pageOf(
      items,
      (item) => item[key] as string,
      ctx.params.cursor,
      this.kernel.options.pageSize,
    );
    const result = withCursor({ [field]: page.items }, page.nextCursor);
    return this.kernel[LISTS[method].registry].hasChecks() ? privateList(result, ctx.era) : result;
  }

  private async fullList(ctx: HookContext, method: ListMethod): Promise<Record<string, unknown>[]> {
    const { hook, registry } = LISTS[method];
    const listCtx = ctx.method === method ? ctx : new HookContext(method, {}, ctx.scope);
    const items = await runHooks(
      this.hooks[hook],
      hook,
      listCtx,
      async () =>
        (await this.dispatcher.listAll(registry, ctx.scope)).slice() as unknown as Record<string, unknown>[],
    );
    if (!Array.isArray(items)) throw new TypeError(`Middleware ${hook} must return an array`);
    return items;
  }

  /**
   * A component a list hook filters out answers as unknown. Costs a run of the list hooks, and only
   * when there are some; components that do not exist are left to the handler's own error.
   */
  private checkListed(
    ctx: HookContext,
    method: "tools/list" | "prompts/list",
    kind: "tool" | "prompt",
  ): Promise<void> | undefined {
    const { hook, registry } = LISTS[method];
    if (this.hooks[hook].length === 0) return undefined;
    const name = ctx.params.name;
    // Without mounts, what the registry lacks is left to the handler's "unknown" error.
    if (
      typeof name !== "string" ||
      (!this.kernel.mounts && !this.kernel[registry].getFor(name, ctx.scope.auth))
    )
      return undefined;
    return this.fullList(ctx, method).then((items) => {
      if (!items.some((item) => item.name === name))
        throw new NotFoundError(kind, `Unknown ${kind}: ${name}`);
    });
  }

  /** Which resources and templates the list hooks leave visible, when there are such hooks. */
  private async resourceVisibility(ctx: HookContext): Promise<Visibility | undefined> {
    const staticHooks = this.hooks.onListResources.length > 0;
    const templateHooks = this.hooks.onListResourceTemplates.length > 0;
    if (!staticHooks && !templateHooks) return undefined;
    const visible: Visibility = {};
    const uri = ctx.params.uri;
    if (
      staticHooks &&
      typeof uri === "string" &&
      (this.kernel.mounts || this.kernel.resources.getFor(uri, ctx.scope.auth))
    ) {
      const items = await this.fullList(ctx, "resources/list");
      visible.resources = new Set(items.map((item) => item.uri as string));
    }
    if (templateHooks) {
      const items = await this.fullList(ctx, "resources/templates/list");
      visible.templates = new Set(items.map((item) => item.uriTemplate as string));
    }
    return visible;
  }
}
