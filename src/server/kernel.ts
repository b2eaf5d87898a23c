/**
 * The server kernel: registries built at start-up and the dispatcher that turns one request into
 * one result for either era. It does no I/O; transports hand it requests through sessions.
 */

import type { AuthInfo } from "../auth/types.js";
import { McpError, NotFoundError } from "../errors.js";
import { ErrorCode } from "../protocol/codes.js";
import { type EraScope, hasModernClaim, type LegacyState, resolveScope } from "../protocol/era.js";
import { MetaKey } from "../protocol/meta.js";
import { CACHEABLE_METHODS, INPUT_REQUIRED_METHODS, REMOVED_IN_MODERN } from "../protocol/methods.js";
import type {
  CacheHints,
  Implementation,
  InitializeResult,
  JSONRPCNotification,
  JSONRPCRequest,
  ProgressToken,
  Prompt,
  Resource,
  ResourceContents,
  ResourceTemplate,
  Result,
  ServerCapabilities,
  Tool,
} from "../protocol/types.js";
import { negotiateLegacyVersion } from "../protocol/versions.js";
import type { PromptEntry } from "./components/prompts.js";
import { Registry } from "./components/registry.js";
import { type ResourceEntry, readStatic, readTemplate, type TemplateEntry } from "./components/resources.js";
import type { ToolEntry } from "./components/tools.js";
import { Context, type RequestScope } from "./context.js";
import { checkInputDepth } from "./depth.js";
import { DispatchScope } from "./dispatch-scope.js";
import type { TransportKind } from "./entry.js";
import { runWithInputRounds } from "./input-round.js";
import { type Handler, type InitializeParams, methodHandlers, type WireParams } from "./methods.js";
import { checkMiddleware, type Middleware } from "./middleware.js";
import type { MiddlewareChain } from "./middleware-chain.js";
import { keyOf, Mounts } from "./mounts.js";
import type { RequestStateCodec } from "./request-state.js";
import type { SessionValues } from "./session-values.js";
import type { ComponentSource, SourceLists } from "./sources.js";
import { type SessionMember, SubscriptionHub } from "./subscriptions.js";
import type { TaskManager } from "./tasks/tasks.js";
import { type TasksOptions, type TasksSettings, tasksSettings } from "./tasks/tasks-options.js";

/** Per-connection state a transport keeps for the kernel. */
export interface SessionState {
  /** The transport the connection came over: "memory", "stdio", "http", "sse", "ws" (or a custom one's name). */
  transport: TransportKind;
  legacy: LegacyState | undefined;
  sessionId: string | undefined;
  auth: AuthInfo | undefined;
  /** Legacy `resources/subscribe`d URIs. */
  subscriptions?: Set<string>;
  /** `ctx.getState` / `ctx.setState` values; made in memory on first use unless a store set them. */
  values?: SessionValues;
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
  /** The checked `tasks` option: the tasks extension itself loads on first use (`tasks()`). */
  private readonly tasksSettings: TasksSettings;
  private taskManager: Promise<TaskManager> | undefined;
  /** The task manager, once something used the tasks extension (stats and shutdown do not load it). */
  loadedTasks: TaskManager | undefined;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly failures: Error[] = [];
  private readonly handlers: Record<string, Handler>;
  private readonly serverInfoMeta: Record<string, unknown>;
  private chain: MiddlewareChain | undefined;
  /** Middleware given while the chain (middleware-chain.ts, loaded by the first `use()`) loads. */
  private chainLoading: { middleware: Middleware[]; loaded: Promise<void> } | undefined;
  /** Set once a middleware has a request hook: a server without one checks this and nothing more. */
  private requestChain: MiddlewareChain | undefined;
  private listListeners: Set<(method: string) => void> | undefined;
  private updateListeners: Set<(uri: string) => void> | undefined;
  /** Mounted servers and proxies; undefined until the first mount, so a plain server checks this and nothing more. */
  mounts: Mounts | undefined;

  constructor(options: KernelOptions) {
    this.options = options;
    this.tools = new Registry(() => this.listChanged("notifications/tools/list_changed"));
    this.resources = new Registry(() => this.listChanged("notifications/resources/list_changed"));
    this.templates = new Registry(() => this.listChanged("notifications/resources/list_changed"));
    this.prompts = new Registry(() => this.listChanged("notifications/prompts/list_changed"));
    this.serverInfoMeta = { [MetaKey.ServerInfo]: options.info };
    this.tasksSettings = tasksSettings(options.tasks);
    this.handlers = methodHandlers(this) as unknown as Record<string, Handler>;
  }

  /** Task tools and the `tasks/*` methods of the tasks extension, loaded on first use. */
  tasks(): Promise<TaskManager> {
    this.taskManager ??= import("./tasks/tasks.js").then(({ TaskManager }) => {
      this.loadedTasks = new TaskManager(this.tasksSettings, (task) => this.hub.taskStatus(task));
      return this.loadedTasks;
    });
    return this.taskManager;
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

  /**
   * Tells subscribers that a resource changed: this server's sessions and listen streams, and the
   * servers this one is mounted on.
   */
  resourceUpdated(uri: string): void {
    this.hub.resourceUpdated(uri);
    if (this.updateListeners) for (const listener of this.updateListeners) listener(uri);
  }

  /** Calls `listener` on every `resourceUpdated`; returns the undo. */
  onResourceUpdated(listener: (uri: string) => void): () => void {
    this.updateListeners ??= new Set();
    const listeners = this.updateListeners;
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }

  /** Serves `source`'s components after this server's own, under `namespace` when given. */
  mountSource(source: ComponentSource, namespace: string | undefined): void {
    this.mounts ??= new Mounts();
    this.mounts.add(source, namespace, {
      listChanged: (method) => this.listChanged(method),
      resourceUpdated: (uri) => this.resourceUpdated(uri),
    });
    // Clients already connected learn of the new components.
    this.listChanged("notifications/tools/list_changed");
    this.listChanged("notifications/resources/list_changed");
    this.listChanged("notifications/prompts/list_changed");
  }

  /**
   * Everything of `kind` the caller may see: this server's own, then its mounts' (namespaced), the
   * own winning over mounted ones of the same name or URI. Middleware list hooks are not applied.
   */
  listAll<K extends keyof SourceLists>(
    kind: K,
    scope: DispatchScope,
  ): SourceLists[K][] | Promise<SourceLists[K][]> {
    const own = (this[kind] as unknown as Registry<never, SourceLists[K]>).visibleTo(scope.auth);
    if (!this.mounts) return own;
    return this.mounts
      .list(kind, scope, new Set(own.map((item) => keyOf(kind, item))))
      .then((mounted) => (mounted.length === 0 ? own : [...own, ...mounted]));
  }

  /** `listAll` through this server's middleware list hooks (what its clients are shown). */
  listVisible<K extends keyof SourceLists>(kind: K, scope: DispatchScope): Promise<SourceLists[K][]> {
    if (this.chainLoading) return this.chainLoading.loaded.then(() => this.listVisible(kind, scope));
    if (this.requestChain) return this.requestChain.listFor(kind, scope) as Promise<SourceLists[K][]>;
    return Promise.resolve(this.listAll(kind, scope));
  }

  /**
   * @internal A request of the server this one is mounted on, routed here: this server's middleware
   * and handler run inside the parent's, with the parent's scope (its input rounds, signal,
   * progress and auth); the parent adds the 2026-07-28 result fields.
   */
  async dispatchMounted(method: string, params: WireParams, parent: DispatchScope): Promise<Result> {
    if (this.pending.size > 0 || this.failures.length > 0) await this.ready();
    const handler = this.handlers[method];
    if (!handler) throw new McpError(ErrorCode.MethodNotFound, `Method not found: ${method}`);
    const scope = parent.derive((uri, inner) =>
      this.readResource(uri, inner).then((found) => found.contents),
    );
    if (this.requestChain) return this.requestChain.runMounted(method, params, scope, handler);
    return handler(params, scope, scope.input);
  }

  /** Adds middleware at the inner end of the chain (the first ever given runs outermost). */
  use(middleware: Middleware[]): void {
    checkMiddleware(middleware);
    if (this.chain) {
      this.addMiddleware(this.chain, middleware);
      return;
    }
    if (this.chainLoading) {
      this.chainLoading.middleware.push(...middleware);
      return;
    }
    // The first use() loads the chain; requests wait for it (they wait for `track`ed work).
    const queued = [...middleware];
    const loaded = import("./middleware-chain.js").then(({ MiddlewareChain }) => {
      this.chainLoading = undefined;
      this.chain = new MiddlewareChain(this);
      this.addMiddleware(this.chain, queued);
    });
    this.chainLoading = { middleware: queued, loaded };
    this.track(loaded);
  }

  private addMiddleware(chain: MiddlewareChain, middleware: readonly Middleware[]): void {
    chain.add(middleware);
    if (chain.intercepts) this.requestChain = chain;
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
    if (this.chainLoading) {
      const { loaded } = this.chainLoading;
      void loaded.then(() => this.receiveNotification(notification, session));
      return;
    }
    if (this.chain?.hears) this.chain.notification(notification, session);
  }

  /** Handles one request for either era; throws McpError for a JSON-RPC error answer. */
  async dispatch(input: DispatchInput): Promise<Result> {
    if (this.pending.size > 0 || this.failures.length > 0) await this.ready();
    const { request, session } = input;
    const params = (request.params ?? {}) as WireParams;
    checkInputDepth(params, "the request");
    const method = request.method;
    const modern = hasModernClaim(params);
    if (modern && REMOVED_IN_MODERN.has(method)) {
      throw new McpError(
        ErrorCode.MethodNotFound,
        `Method not found: ${method} is not part of protocol 2026-07-28`,
      );
    }
    if (this.requestChain) return this.requestChain.dispatch(input, params, method, modern);
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
    params: WireParams,
    scope: DispatchScope,
    input: DispatchInput,
  ): Promise<Result> | Result {
    // A mounted server's request runs inside its parent's rounds (the scope already has them).
    if (scope.era !== "modern" || !INPUT_REQUIRED_METHODS.has(method) || scope.inputHooks)
      return handler(params, scope, input);
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
  scopeFor(era: EraScope, input: DispatchInput, params: WireParams): DispatchScope {
    const scope = new DispatchScope(
      era,
      input,
      params._meta?.progressToken as ProgressToken | undefined,
      (uri, inner) => this.readResource(uri, inner).then((found) => found.contents),
    );
    if (era.era === "legacy" && input.serverRequest) scope.request = input.serverRequest;
    return scope;
  }

  /** @internal */
  initialize(params: InitializeParams, session: SessionState): InitializeResult {
    const protocolVersion = negotiateLegacyVersion(params.protocolVersion);
    const capabilities = params.capabilities;
    session.legacy = {
      protocolVersion,
      clientCapabilities: typeof capabilities === "object" && capabilities !== null ? capabilities : {},
      clientInfo: isImplementation(params.clientInfo) ? params.clientInfo : undefined,
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

  /**
   * The resource `uri` names for this caller: a static one first, then the first template (in
   * registration order) that matches and that the caller may use; undefined when there is none.
   */
  findResource(
    uri: string,
    auth: AuthInfo | undefined,
    visible?: Visibility,
  ):
    | { entry: ResourceEntry; template?: undefined }
    | { entry?: undefined; template: TemplateEntry; params: Record<string, string> }
    | undefined {
    const entry = visible?.resources?.has(uri) === false ? undefined : this.resources.getFor(uri, auth);
    if (entry) return { entry };
    for (const template of this.templates.list()) {
      if (visible?.templates?.has(template.uriTemplate) === false) continue;
      // A template the caller may not use is skipped as if absent: a later one may still match.
      const found = this.templates.getFor(template.uriTemplate, auth);
      const params = found?.template.match(uri);
      if (found && params) return { template: found, params };
    }
    return undefined;
  }

  /** Finds and reads a resource: static URIs first, then templates in registration order. */
  async readResource(
    uri: string,
    scope: RequestScope,
    visible?: Visibility,
  ): Promise<{ contents: ResourceContents[]; cache: CacheHints }> {
    const ctx = (scope as DispatchScope).context ?? new Context(scope);
    const found = this.findResource(uri, scope.auth, visible);
    try {
      if (found?.entry)
        return { contents: await readStatic(found.entry, ctx), cache: this.options.readCache };
      if (found?.template)
        return {
          contents: await readTemplate(found.template, uri, found.params, ctx),
          cache: this.options.readCache,
        };
    } catch (error) {
      if (error instanceof McpError) throw error;
      const detail =
        error instanceof Error && (error.name === "ResourceError" || !this.options.maskErrorDetails)
          ? `: ${error.message}`
          : "";
      throw new McpError(ErrorCode.InternalError, `Error reading resource ${uri}${detail}`);
    }
    const route = this.mounts && (await this.mounts.routeUri(uri, scope as DispatchScope, visible));
    if (route) {
      const read = await route.mount.source
        .readResource({ uri: route.key }, scope as DispatchScope)
        .catch((error: unknown) => {
          // Not found by the mount: answered with the URI the client asked for.
          if (
            error instanceof NotFoundError ||
            (error instanceof McpError && error.code === ErrorCode.ResourceNotFound)
          )
            throw new NotFoundError("resource", `Resource not found: ${uri}`, { uri });
          throw error;
        });
      const contents = read.contents;
      if (!Array.isArray(contents))
        throw new McpError(
          ErrorCode.InternalError,
          `${route.mount.source.name} read ${uri} without contents`,
        );
      const cache: CacheHints = {
        ttlMs: typeof read.ttlMs === "number" ? read.ttlMs : this.options.readCache.ttlMs,
        cacheScope:
          read.cacheScope === "public" || read.cacheScope === "private"
            ? read.cacheScope
            : this.options.readCache.cacheScope,
      };
      // A mounted resource keeps its own URI in the contents; the client asked by the namespaced one.
      return {
        contents: (contents as ResourceContents[]).map((item) =>
          item.uri === route.key ? { ...item, uri } : item,
        ),
        cache,
      };
    }
    throw new NotFoundError("resource", `Resource not found: ${uri}`, { uri });
  }
}

/** A client's `clientInfo`: an object naming it (anything else is not kept). */
function isImplementation(value: unknown): value is Implementation {
  return typeof value === "object" && value !== null && typeof (value as Implementation).name === "string";
}
