/**
 * The server kernel: the registries built at start-up, the server's options, change notifications,
 * middleware and mounts. It does no I/O; transports hand it requests through sessions. What turns
 * one request into one result (dispatcher.ts, with the method handlers and the request context) and
 * the sessions and exchanges that bring requests in load when the server starts serving
 * (serving.ts, by `serve()`: run(), listen(), the first session or exchange), so that importing the
 * package does not load them.
 */

import type { AuthInfo } from "../auth/types.js";
import { ErrorCode } from "../protocol/codes.js";
import type { LegacyState } from "../protocol/era.js";
import type {
  CacheHints,
  Implementation,
  JSONRPCNotification,
  JSONRPCRequest,
  JSONRPCResponse,
  Prompt,
  Resource,
  ResourceTemplate,
  Result,
  ServerCapabilities,
  Tool,
} from "../protocol/types.js";
import type { PromptEntry } from "./components/prompts.js";
import { Registry } from "./components/registry.js";
import type { ResourceEntry, TemplateEntry } from "./components/resources.js";
import type { ToolEntry } from "./components/tools.js";
import type { RequestScope } from "./context.js";
import type { Dispatcher } from "./dispatcher.js";
import type { SessionOptions, TransportKind } from "./entry.js";
import { checkMiddleware, type Middleware } from "./middleware.js";
import type { MiddlewareChain } from "./middleware-chain.js";
import { Mounts, type MountTarget } from "./mounts.js";
import type { RequestStateCodec } from "./request-state.js";
import type { RequestStateOptions } from "./request-state-options.js";
import type { SessionValues } from "./session-values.js";
import type { SessionMember, SubscriptionHub } from "./subscriptions.js";
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

/** A session's state as it starts: before `initialize`, with the transport's identity. */
export function sessionState(options: SessionOptions): SessionState {
  return {
    transport: options.transport ?? "custom",
    legacy: undefined,
    sessionId: options.sessionId,
    auth: options.auth,
  };
}

/** What serving needs (serving.ts, the server-serve layer): loaded once per process, by the first server that serves. */
export type ServingCode = typeof import("./serving.js");
let servingCode: ServingCode | undefined;
let servingLoad: Promise<ServingCode> | undefined;

/** Loads the serving code (once); resolves with it. */
export function loadServing(): Promise<ServingCode> {
  servingLoad ??= import("./serving.js").then((code) => {
    servingCode = code;
    return code;
  });
  return servingLoad;
}

/** The serving code, when it has loaded. */
export function loadedServing(): ServingCode | undefined {
  return servingCode;
}

/**
 * The answer to a request when the serving code cannot load: an internal error, as a failing
 * dispatch gives, whose detail `maskErrorDetails` hides.
 */
export function unserved(id: JSONRPCRequest["id"], error: Error, mask: boolean): JSONRPCResponse {
  const message = mask ? "Internal error" : `Internal error: ${error.message}`;
  return { jsonrpc: "2.0", id, error: { code: ErrorCode.InternalError, message } } as JSONRPCResponse;
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
  /** The requestState of 2026-07-28 input-required rounds (checked): the codec is `kernel.requestState`. */
  requestState: RequestStateOptions;
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
  private codec: RequestStateCodec | undefined;
  /** Open connections, told about list changes and subscribed resource updates. */
  readonly sessions = new Set<SessionMember>();
  /**
   * Change notifications for legacy sessions and 2026-07-28 listen streams: made with the
   * dispatcher (until the server serves, no one listens).
   */
  hub: SubscriptionHub | undefined;
  /** The checked `tasks` option: the tasks extension itself loads on first use (`tasks()`). */
  private readonly tasksSettings: TasksSettings;
  private taskManager: Promise<TaskManager> | undefined;
  /** The task manager, once something used the tasks extension (stats and shutdown do not load it). */
  loadedTasks: TaskManager | undefined;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly failures: Error[] = [];
  /** The dispatcher (dispatcher.ts), once loaded by `serve()`. */
  private dispatcher: Dispatcher | undefined;
  private dispatcherLoading: Promise<Dispatcher> | undefined;
  private chain: MiddlewareChain | undefined;
  /** @internal Middleware given while the chain (middleware-chain.ts, loaded by the first `use()`) loads. */
  chainLoading: { middleware: Middleware[]; loaded: Promise<void> } | undefined;
  /** @internal Set once a middleware has a request hook: a server without one checks this and nothing more. */
  requestChain: MiddlewareChain | undefined;
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
    this.tasksSettings = tasksSettings(options.tasks);
  }

  /**
   * The dispatcher (dispatcher.ts, with the serving code), loaded on first call: by whatever starts
   * serving, so that it is there when the first request arrives, and by the first request otherwise.
   */
  serve(): Promise<Dispatcher> {
    if (this.dispatcherLoading) return this.dispatcherLoading;
    const made = (code: ServingCode) => {
      this.hub ??= new code.SubscriptionHub(this.sessions);
      this.codec ??= new code.RequestStateCodec(this.options.requestState);
      this.dispatcher = new code.Dispatcher(this);
      return this.dispatcher;
    };
    this.dispatcherLoading = servingCode ? Promise.resolve(made(servingCode)) : loadServing().then(made);
    // Started ahead of need, maybe never awaited: a failure to load is the first request's to report.
    this.dispatcherLoading.catch(() => {});
    return this.dispatcherLoading;
  }

  /**
   * Seals and opens the requestState of 2026-07-28 input-required rounds: made with the dispatcher,
   * so only serving code (which runs once it exists) asks for it.
   */
  get requestState(): RequestStateCodec {
    if (!this.codec) throw new Error("The requestState codec is made when the server starts serving");
    return this.codec;
  }

  /** Handles one request for either era; rejects with an McpError for a JSON-RPC error answer. */
  dispatch(input: DispatchInput): Promise<Result> {
    if (this.dispatcher) return this.dispatcher.dispatch(input);
    return this.serve().then((dispatcher) => dispatcher.dispatch(input));
  }

  /** Task tools and the `tasks/*` methods of the tasks extension, loaded on first use. */
  tasks(): Promise<TaskManager> {
    this.taskManager ??= import("./tasks/tasks.js").then(({ TaskManager }) => {
      this.loadedTasks = new TaskManager(this.tasksSettings, (task) => this.hub?.taskStatus(task));
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

  /** Whether a registration is still being made, or one failed (requests then wait for `ready()`). */
  get unsettled(): boolean {
    return this.pending.size > 0 || this.failures.length > 0;
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
    this.hub?.listChanged(method);
    if (this.listListeners) for (const listener of this.listListeners) listener(method);
  }

  /**
   * Tells subscribers that a resource changed: this server's sessions and listen streams, and the
   * servers this one is mounted on.
   */
  resourceUpdated(uri: string): void {
    this.hub?.resourceUpdated(uri);
    if (this.updateListeners) for (const listener of this.updateListeners) listener(uri);
  }

  /** Calls `listener` on every `resourceUpdated`; returns the undo. */
  onResourceUpdated(listener: (uri: string) => void): () => void {
    this.updateListeners ??= new Set();
    const listeners = this.updateListeners;
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }

  /** Serves `target`'s components after this server's own, under `namespace` when given. */
  mount(target: MountTarget, namespace: string | undefined): void {
    // The sources are made by the serving code, which alone reads them.
    this.mounts ??= new Mounts((made) => {
      if (!servingCode) throw new Error("A mount's source is made by the server's serving code");
      return servingCode.mountedSource(made);
    });
    this.mounts.add(target, namespace, {
      listChanged: (method) => this.listChanged(method),
      resourceUpdated: (uri) => this.resourceUpdated(uri),
    });
    // Clients already connected learn of the new components.
    this.listChanged("notifications/tools/list_changed");
    this.listChanged("notifications/resources/list_changed");
    this.listChanged("notifications/prompts/list_changed");
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
    // The first use() loads the chain, which runs the dispatcher's handlers; requests wait for it
    // (they wait for `track`ed work).
    const queued = [...middleware];
    const loaded = Promise.all([import("./middleware-chain.js"), this.serve()]).then(
      ([{ MiddlewareChain }, dispatcher]) => {
        this.chainLoading = undefined;
        this.chain = new MiddlewareChain(dispatcher);
        this.addMiddleware(this.chain, queued);
      },
    );
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
}
