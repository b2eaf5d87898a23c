/**
 * The server kernel: registries built at start-up and the dispatcher that turns one request into
 * one result for either era. It does no I/O; transports hand it requests through sessions.
 */

import type { AuthInfo } from "../auth/types.js";
import { McpError, NotFoundError } from "../errors.js";
import { ErrorCode } from "../protocol/codes.js";
import { type EraScope, hasModernClaim, type LegacyState, resolveScope } from "../protocol/era.js";
import { LOG_LEVELS } from "../protocol/logging.js";
import { MetaKey } from "../protocol/meta.js";
import { CACHEABLE_METHODS, INPUT_REQUIRED_METHODS, REMOVED_IN_MODERN } from "../protocol/methods.js";
import { TASK_METHODS, TASKS_EXTENSION } from "../protocol/tasks.js";
import type {
  CacheHints,
  Implementation,
  InitializeResult,
  JSONRPCNotification,
  JSONRPCRequest,
  LoggingLevel,
  ProgressToken,
  Prompt,
  Resource,
  ResourceContents,
  ResourceTemplate,
  Result,
  ServerCapabilities,
  Tool,
} from "../protocol/types.js";
import { negotiateLegacyVersion, SUPPORTED_PROTOCOL_VERSIONS } from "../protocol/versions.js";
import { complete } from "./completion.js";
import { Context, type RequestScope } from "./context.js";
import { checkInputDepth } from "./depth.js";
import { DispatchScope } from "./dispatch-scope.js";
import { runWithInputRounds } from "./input-round.js";
import type { Middleware } from "./middleware.js";
import { MiddlewareChain } from "./middleware-chain.js";
import { type PromptEntry, renderPrompt } from "./prompts.js";
import { Registry } from "./registry.js";
import type { RequestStateCodec } from "./request-state.js";
import { type ResourceEntry, readStatic, readTemplate, type TemplateEntry } from "./resources.js";
import { type SessionMember, SubscriptionHub } from "./subscriptions.js";
import { TaskManager, type TasksOptions } from "./tasks.js";
import { callTool, type ToolEntry } from "./tools.js";

/** The name of a transport, as middleware and handlers see it (`ctx.transport`). */
export type TransportName = "memory" | "stdio" | "http" | "sse" | "ws" | (string & {});

/** Per-connection state a transport keeps for the kernel. */
export interface SessionState {
  /** The transport the connection came over: "memory", "stdio", "http", "sse", "ws" (or a custom one's name). */
  transport: TransportName;
  legacy: LegacyState | undefined;
  sessionId: string | undefined;
  auth: AuthInfo | undefined;
  /** Legacy `resources/subscribe`d URIs. */
  subscriptions?: Set<string>;
  /** Server-to-client requests, where the connection can carry them. */
  request?: RequestScope["request"];
}

/** One request handed to the kernel. */
export interface DispatchInput {
  request: JSONRPCRequest;
  session: SessionState;
  signal: AbortSignal;
  notify(method: string, params: Record<string, unknown>): void;
  /** Server-to-client requests for this request, when they travel differently from the session's. */
  serverRequest?: RequestScope["request"];
  /** The HTTP request's headers (lower-case names), on HTTP transports. */
  headers?: Record<string, string> | undefined;
}

export interface KernelOptions {
  info: Implementation;
  instructions: string | undefined;
  maskErrorDetails: boolean;
  pageSize: number | undefined;
  /** Cache hints on 2026-07-28 list and discover results. */
  listCache: CacheHints;
  /** Cache hints on 2026-07-28 resources/read results, unless a resource sets its own. */
  readCache: CacheHints;
  /** Seals and opens the requestState of 2026-07-28 input-required rounds. */
  requestState: RequestStateCodec;
  /** The tasks extension: task store, time to live, polling interval. */
  tasks?: TasksOptions;
}

/** @internal The components a middleware list hook left visible (undefined: all of them). */
export interface Visibility {
  resources?: ReadonlySet<string>;
  templates?: ReadonlySet<string>;
}

/** @internal */
export type Handler = (
  params: Record<string, any>,
  scope: DispatchScope,
  input: DispatchInput,
) => Promise<Result> | Result;

export class ServerKernel {
  readonly tools: Registry<ToolEntry, Tool>;
  readonly resources: Registry<ResourceEntry, Resource>;
  readonly templates: Registry<TemplateEntry, ResourceTemplate>;
  readonly prompts: Registry<PromptEntry, Prompt>;
  readonly options: KernelOptions;
  /** Change notifications for legacy sessions and 2026-07-28 listen streams. */
  readonly hub = new SubscriptionHub();
  /** Open connections, told about list changes and subscribed resource updates. */
  readonly sessions: Set<SessionMember> = this.hub.sessions;
  /** Task tools and the `tasks/*` methods of the tasks extension. */
  readonly tasks: TaskManager;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly failures: Error[] = [];
  private readonly handlers: Record<string, Handler>;
  private readonly serverInfoMeta: Record<string, unknown>;
  /** Absent until `use()`: a server without middleware checks this and nothing more. */
  private chain: MiddlewareChain | undefined;
  private listListeners: Set<(method: string) => void> | undefined;

  constructor(options: KernelOptions) {
    this.options = options;
    this.tools = new Registry(() => this.listChanged("notifications/tools/list_changed"));
    this.resources = new Registry(() => this.listChanged("notifications/resources/list_changed"));
    this.templates = new Registry(() => this.listChanged("notifications/resources/list_changed"));
    this.prompts = new Registry(() => this.listChanged("notifications/prompts/list_changed"));
    this.serverInfoMeta = { [MetaKey.ServerInfo]: options.info };
    this.tasks = new TaskManager(options.tasks, (task) => this.hub.taskStatus(task));
    this.handlers = {
      "server/discover": () => this.discover(),
      "tools/list": (params) => {
        const page = this.tools.page(params.cursor, this.options.pageSize);
        return withCursor({ tools: page.items }, page.nextCursor);
      },
      "tools/call": (params, scope) => this.callTool(params, scope),
      "resources/list": (params) => {
        const page = this.resources.page(params.cursor, this.options.pageSize);
        return withCursor({ resources: page.items }, page.nextCursor);
      },
      "resources/templates/list": (params) => {
        const page = this.templates.page(params.cursor, this.options.pageSize);
        return withCursor({ resourceTemplates: page.items }, page.nextCursor);
      },
      "resources/read": (params, scope) => this.readResourceRequest(params, scope),
      "prompts/list": (params) => {
        const page = this.prompts.page(params.cursor, this.options.pageSize);
        return withCursor({ prompts: page.items }, page.nextCursor);
      },
      "prompts/get": (params, scope) => this.getPrompt(params, scope),
      "completion/complete": (params) => complete(this.prompts, this.templates, params),
      "logging/setLevel": (params, scope, input) => this.setLevel(params, scope, input),
      "subscriptions/listen": async (params, scope) => {
        if (scope.era !== "modern") {
          throw new McpError(
            ErrorCode.MethodNotFound,
            "subscriptions/listen is a 2026-07-28 method; use resources/subscribe",
          );
        }
        const filter = await this.tasks.listenFilter(params.notifications, scope);
        return this.hub.listen(scope.requestId, filter, scope.signal, scope.notify);
      },
      "resources/subscribe": (params, _scope, input) => this.subscribe(params, input.session, true),
      "resources/unsubscribe": (params, _scope, input) => this.subscribe(params, input.session, false),
      ping: () => ({}),
    };
    for (const method of TASK_METHODS)
      this.handlers[method] = (params, scope) => this.tasks.request(method, params, scope);
  }

  /** Tracks a registration that finishes asynchronously (a schema converter being loaded). */
  track(work: Promise<unknown>): void {
    const tracked: Promise<unknown> = work.then(
      () => void this.pending.delete(tracked),
      (error: Error) => {
        this.pending.delete(tracked);
        this.failures.push(error);
      },
    );
    this.pending.add(tracked);
  }

  /** Resolves once every registration is complete; rejects with the first that failed. */
  async ready(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending);
    if (this.failures.length > 0) throw this.failures[0];
  }

  capabilities(): ServerCapabilities {
    return {
      tools: { listChanged: true },
      resources: { subscribe: true, listChanged: true },
      prompts: { listChanged: true },
      logging: {},
      completions: {},
    };
  }

  private listChanged(method: string): void {
    this.hub.listChanged(method);
    if (this.listListeners) for (const listener of this.listListeners) listener(method);
  }

  /** Adds middleware at the inner end of the chain (the first ever given runs outermost). */
  use(middleware: Middleware[]): void {
    this.chain ??= new MiddlewareChain(this);
    this.chain.add(middleware);
  }

  /** Calls `listener` on every list change (tools, resources, templates, prompts); returns the undo. */
  onListChanged(listener: (method: string) => void): () => void {
    this.listListeners ??= new Set();
    const listeners = this.listListeners;
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }

  /** A notification from the client, for middleware `onNotification` hooks (session state is the caller's). */
  receiveNotification(notification: JSONRPCNotification, session: SessionState): void {
    if (this.chain?.hears) this.chain.notification(notification, session);
  }

  /** Handles one request for either era; throws McpError for a JSON-RPC error answer. */
  async dispatch(input: DispatchInput): Promise<Result> {
    if (this.pending.size > 0 || this.failures.length > 0) await this.ready();
    const { request, session } = input;
    const params = (request.params ?? {}) as Record<string, any>;
    checkInputDepth(params, "the request");
    const method = request.method;
    const modern = hasModernClaim(params);
    if (modern && REMOVED_IN_MODERN.has(method)) {
      throw new McpError(
        ErrorCode.MethodNotFound,
        `Method not found: ${method} is not part of protocol 2026-07-28`,
      );
    }
    if (this.chain) return this.chain.dispatch(input, params, method, modern);
    if (method === "initialize") return this.initialize(params, session);
    if (method === "ping" && !modern) return {};
    const handler = this.handlers[method];
    if (!handler) throw new McpError(ErrorCode.MethodNotFound, `Method not found: ${method}`);
    const era: EraScope = resolveScope(params, session.legacy);
    const scope = this.scopeFor(era, input, params);
    return this.finish(method, era, await this.invoke(method, handler, params, scope, input));
  }

  /** @internal The handler of a method (not `initialize`). */
  handlerFor(method: string): Handler | undefined {
    return this.handlers[method];
  }

  /** @internal Runs a handler; 2026-07-28 requests that may ask for input go through input-required rounds. */
  invoke(
    method: string,
    handler: Handler,
    params: Record<string, any>,
    scope: DispatchScope,
    input: DispatchInput,
  ): Promise<Result> | Result {
    if (scope.era !== "modern" || !INPUT_REQUIRED_METHODS.has(method)) return handler(params, scope, input);
    return runWithInputRounds(this.options.requestState, method, params, input.session.auth, (hooks) => {
      scope.ask = hooks.ask;
      scope.inputHooks = hooks;
      return Promise.resolve(handler(params, scope, input));
    });
  }

  /** @internal Adds the 2026-07-28 result fields (result type, server info, cache hints). */
  finish(method: string, era: EraScope, result: Result): Result {
    if (era.era === "legacy") return result;
    result.resultType ??= "complete";
    result._meta = result._meta ? { ...result._meta, ...this.serverInfoMeta } : this.serverInfoMeta;
    // Interim (input_required) results are never cacheable and carry no hints.
    if (CACHEABLE_METHODS.has(method) && result.resultType === "complete") {
      result.ttlMs ??= this.options.listCache.ttlMs;
      result.cacheScope ??= this.options.listCache.cacheScope;
    }
    return result;
  }

  /** @internal */
  scopeFor(era: EraScope, input: DispatchInput, params: Record<string, any>): DispatchScope {
    const scope = new DispatchScope(
      era,
      input,
      params._meta?.progressToken as ProgressToken | undefined,
      (uri, inner) => this.readResource(uri, inner).then((found) => found.contents),
    );
    const serverRequest = input.serverRequest ?? input.session.request;
    if (era.era === "legacy" && serverRequest) scope.request = serverRequest;
    return scope;
  }

  /** @internal */
  initialize(params: Record<string, any>, session: SessionState): InitializeResult {
    const protocolVersion = negotiateLegacyVersion(params.protocolVersion);
    const capabilities = params.capabilities;
    session.legacy = {
      protocolVersion,
      clientCapabilities: typeof capabilities === "object" && capabilities !== null ? capabilities : {},
      clientInfo: params.clientInfo,
      logLevel: undefined,
      initialized: false,
    };
    const result: InitializeResult = {
      protocolVersion,
      capabilities: this.capabilities(),
      serverInfo: this.options.info,
    };
    if (this.options.instructions !== undefined) result.instructions = this.options.instructions;
    return result;
  }

  private discover(): Result {
    const result: Result = {
      supportedVersions: [...SUPPORTED_PROTOCOL_VERSIONS],
      // Extensions are a 2026-07-28 notion: advertised here, not in initialize.
      capabilities: { ...this.capabilities(), extensions: { [TASKS_EXTENSION]: {} } },
    };
    if (this.options.instructions !== undefined) result.instructions = this.options.instructions;
    return result;
  }

  private subscribe(params: Record<string, any>, session: SessionState, on: boolean): Result {
    const uri = params.uri;
    if (typeof uri !== "string")
      throw new McpError(ErrorCode.InvalidParams, "resources/subscribe needs a string uri");
    if (on) {
      session.subscriptions ??= new Set();
      session.subscriptions.add(uri);
    } else session.subscriptions?.delete(uri);
    return {};
  }

  private setLevel(params: Record<string, any>, _scope: RequestScope, input: DispatchInput): Result {
    const level = params.level as LoggingLevel;
    if (!LOG_LEVELS.includes(level)) {
      throw new McpError(
        ErrorCode.InvalidParams,
        `Invalid log level ${String(level)}; expected one of ${LOG_LEVELS.join(", ")}`,
      );
    }
    if (input.session.legacy) input.session.legacy.logLevel = level;
    return {};
  }

  private async callTool(params: Record<string, any>, scope: DispatchScope): Promise<Result> {
    const name = params.name;
    if (typeof name !== "string")
      throw new McpError(ErrorCode.InvalidParams, "tools/call needs a string name");
    const entry = this.tools.get(name);
    if (!entry) throw new NotFoundError("tool", `Unknown tool: ${name}`);
    const args = params.arguments;
    if (args !== undefined && (typeof args !== "object" || args === null || Array.isArray(args))) {
      throw new McpError(ErrorCode.InvalidParams, "tools/call arguments must be an object");
    }
    const options = { maskErrorDetails: this.options.maskErrorDetails };
    if (entry.task) return this.tasks.callTool(entry, args, scope, options);
    return callTool(entry, args, scope.context ?? new Context(scope), options);
  }

  /** Finds and reads a resource: static URIs first, then templates in registration order. */
  async readResource(
    uri: string,
    scope: RequestScope,
    visible?: Visibility,
  ): Promise<{ contents: ResourceContents[]; cache: CacheHints }> {
    const ctx = (scope as DispatchScope).context ?? new Context(scope);
    const entry = visible?.resources?.has(uri) === false ? undefined : this.resources.get(uri);
    try {
      if (entry) return { contents: await readStatic(entry, ctx), cache: this.options.readCache };
      for (const template of this.templates.list()) {
        if (visible?.templates?.has(template.uriTemplate) === false) continue;
        const found = this.templates.get(template.uriTemplate);
        const params = found?.template.match(uri);
        if (found && params)
          return { contents: await readTemplate(found, uri, params, ctx), cache: this.options.readCache };
      }
    } catch (error) {
      if (error instanceof McpError) throw error;
      const detail =
        error instanceof Error && (error.name === "ResourceError" || !this.options.maskErrorDetails)
          ? `: ${error.message}`
          : "";
      throw new McpError(ErrorCode.InternalError, `Error reading resource ${uri}${detail}`);
    }
    throw new NotFoundError("resource", `Resource not found: ${uri}`, { uri });
  }

  /** @internal */
  async readResourceRequest(
    params: Record<string, any>,
    scope: RequestScope,
    visible?: Visibility,
  ): Promise<Result> {
    const uri = params.uri;
    if (typeof uri !== "string")
      throw new McpError(ErrorCode.InvalidParams, "resources/read needs a string uri");
    try {
      const { contents, cache } = await this.readResource(uri, scope, visible);
      return scope.era === "modern"
        ? { contents, ttlMs: cache.ttlMs, cacheScope: cache.cacheScope }
        : { contents };
    } catch (error) {
      if (error instanceof NotFoundError && scope.era === "legacy") {
        throw new McpError(ErrorCode.ResourceNotFound, error.message, error.data);
      }
      throw error;
    }
  }

  private getPrompt(params: Record<string, any>, scope: RequestScope): Promise<Result> {
    const name = params.name;
    if (typeof name !== "string")
      throw new McpError(ErrorCode.InvalidParams, "prompts/get needs a string name");
    const entry = this.prompts.get(name);
    if (!entry) throw new NotFoundError("prompt", `Unknown prompt: ${name}`);
    const ctx = (scope as DispatchScope).context ?? new Context(scope);
    return renderPrompt(entry, params.arguments, ctx, this.options.maskErrorDetails);
  }
}

function withCursor(result: Result, nextCursor: string | undefined): Result {
  if (nextCursor !== undefined) result.nextCursor = nextCursor;
  return result;
}
