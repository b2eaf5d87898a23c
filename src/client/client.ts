/**
 * The Client: connects to any MCP server (auto-detecting the transport from its target),
 * negotiates the protocol era, and gives typed results.
 *
 * @example
 * ```ts
 * import { Client } from "fastmcp-ts";
 *
 * await using client = await Client.connect("python server.py");
 * const result = await client.callTool("add", { a: 5, b: 3 });
 * result.text; // "8"
 * ```
 */
import type { ClientAuth } from "../auth/client.js";
import { ClientError, ConnectionError, McpError, TimeoutError, ToolError } from "../errors.js";
import { ErrorCode, MODERN_ERROR_CODES } from "../protocol/codes.js";
import type { IncomingRequestExtra, ProgressCallback, RequestOptions } from "../protocol/engine.js";
import { MetaKey } from "../protocol/meta.js";
import { type DetailedTask, TASKS_EXTENSION } from "../protocol/tasks.js";
import type {
  CallToolResult,
  ClientCapabilities,
  CompleteResult,
  DiscoverResult,
  GetPromptResult,
  Implementation,
  InitializeResult,
  JSONRPCNotification,
  JSONRPCRequest,
  LoggingLevel,
  Prompt,
  ReadResourceResult,
  RequestId,
  Resource,
  ResourceTemplate,
  Result,
  ServerCapabilities,
  Tool,
} from "../protocol/types.js";
import {
  type Era,
  eraOf,
  isLegacyVersion,
  isModernVersion,
  LATEST_LEGACY_PROTOCOL_VERSION,
  LATEST_PROTOCOL_VERSION,
  MODERN_PROTOCOL_VERSIONS,
} from "../protocol/versions.js";
import type { ClientTransport } from "../transports/base.js";
import { type HttpRoute, StreamableHttpTransport } from "../transports/streamable-http/client.js";
import {
  encodeHeaderValue,
  type ParamHeader,
  paramHeaders,
  paramHeaderValue,
} from "../transports/streamable-http/headers.js";
import { ResultCache } from "./cache.js";
import { type ClientTarget, createTransport } from "./detect.js";
import {
  answerServerRequest,
  type ClientHandlers,
  clientCapabilitiesFor,
  fulfilInputRequests,
} from "./handlers.js";
import { PromptResult, ResourceReadResult, ToolCallResult } from "./results.js";
import { type ListenFilter, matchesFilter, Subscription } from "./subscription.js";
import { type TaskWaitOptions, type TerminalTask, toolResultOf, waitForTask } from "./tasks.js";

export interface ClientOptions extends ClientHandlers {
  /** Default timeout per request, in ms (default 60000; 0 for none). */
  timeout?: number;
  /** How long the `server/discover` probe may take before the client falls back to `initialize` (ms, default 5000). */
  probeTimeout?: number;
  /** Sent as `Authorization: Bearer ...` on HTTP, SSE and WebSocket transports. */
  auth?: ClientAuth;
  clientInfo?: Implementation;
  /** Pins a protocol version (e.g. "2025-11-25" or "2026-07-28"); negotiated by default. */
  protocolVersion?: string;
  /** Receives log messages the server sends. */
  onLog?: (message: LogMessage) => void;
  /** Receives progress of every request (a per-call `onProgress` takes precedence). */
  onProgress?: ProgressCallback;
  /**
   * Reuse list, read and discover results while their `ttlMs` says they are fresh (default true);
   * change notifications invalidate them.
   */
  cache?: boolean;
  /** The most input-required rounds one request may take (default 10). */
  maxInputRounds?: number;
  /** Receives every notification the server sends (after the built-in handling). */
  onNotification?: (notification: JSONRPCNotification) => void;
  /** 2026-07-28: the minimum level of logs to ask for on each request (default "debug" when onLog is set). */
  logLevel?: LoggingLevel;
  /**
   * 2026-07-28: declare the tasks extension (default true), so servers may answer long tool calls
   * with a task; `callTool` then polls it and returns the final result all the same.
   */
  tasks?: boolean;
}

export interface LogMessage {
  level: LoggingLevel;
  logger?: string;
  data: unknown;
}

export interface CallOptions {
  timeout?: number;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
  /** Restart the timeout whenever progress arrives. */
  resetTimeoutOnProgress?: boolean;
  /** Extra `_meta` to send with the request. */
  meta?: Record<string, unknown>;
  /** Extra HTTP headers for this request (Streamable HTTP only). */
  headers?: Record<string, string>;
  /** Set false to bypass the cache of list and read results for this call. */
  cache?: boolean;
}

export interface CallToolOptions extends CallOptions, Omit<TaskWaitOptions, "signal" | "timeout"> {
  /** Throw ToolError when the server answers `isError` (default true). */
  raiseOnError?: boolean;
  /**
   * Set false to ask for a plain answer: this call does not declare the tasks extension, so the
   * server runs the tool synchronously (or answers -32021 for a tool that only runs as a task).
   * With tasks, `timeout` bounds each request, not the whole task: use `signal` for that (aborting
   * also cancels the task).
   */
  task?: boolean;
}

export type CompletionRef = { type: "ref/prompt"; name: string } | { type: "ref/resource"; uri: string };

const DEFAULT_CLIENT_INFO: Implementation = { name: "fastmcp-ts-client", version: "0.1.0" };

type State = "idle" | "connecting" | "connected" | "closed";

export class Client implements AsyncDisposable {
  readonly transport: ClientTransport;
  private readonly options: ClientOptions;
  private state: State = "idle";
  private connecting: Promise<void> | undefined;
  private negotiated: { era: Era; version: string } | undefined;
  private serverResult:
    | { info: Implementation | undefined; capabilities: ServerCapabilities; instructions: string | undefined }
    | undefined;
  private envelope: Record<string, unknown> | undefined;
  private readonly capabilities: ClientCapabilities;
  private logLevel: LoggingLevel | undefined;
  /** Fresh list, read and discover results (2026-07-28 cache hints). */
  private readonly cache = new ResultCache();
  /** Open 2026-07-28 listen streams by subscription (request) id, and their acknowledgement hooks. */
  private readonly listeners = new Map<RequestId, Subscription>();
  private readonly acknowledgements = new Map<RequestId, () => void>();
  /** Subscriptions emulated on a legacy session, with what they listen to. */
  private readonly legacyListeners = new Map<Subscription, ListenFilter>();
  /** Per tool, the arguments mirrored into `Mcp-Param-*` headers (learned from tools/list). */
  private paramHeaders: Map<string, ParamHeader[]> | undefined;
  /** Tools whose output schema wraps a non-object value as `{ result }`. */
  private wrapping: Map<string, boolean> | undefined;

  constructor(target: ClientTarget, options: ClientOptions = {}) {
    this.transport = createTransport(target, options);
    this.options = options;
    const withAuth = this.transport as ClientTransport & { setAuth?(auth: ClientAuth | undefined): void };
    if (options.auth !== undefined) withAuth.setAuth?.(options.auth);
    this.capabilities = clientCapabilitiesFor(options);
    this.logLevel = options.logLevel ?? (options.onLog ? "debug" : undefined);
    if (options.protocolVersion !== undefined && eraOf(options.protocolVersion) === undefined) {
      throw new ClientError(`Unsupported protocol version ${options.protocolVersion}`);
    }
  }

  /** Creates a client and connects it. */
  static async connect(target: ClientTarget, options?: ClientOptions): Promise<Client> {
    const client = new Client(target, options);
    await client.connect();
    return client;
  }

  get connected(): boolean {
    return this.state === "connected" && this.transport.connected;
  }

  /** The protocol version in use, once connected. */
  get protocolVersion(): string | undefined {
    return this.negotiated?.version;
  }

  /** "modern" (2026-07-28, stateless) or "legacy" (initialize-based), once connected. */
  get era(): Era | undefined {
    return this.negotiated?.era;
  }

  get serverInfo(): Implementation | undefined {
    return this.serverResult?.info;
  }

  get serverCapabilities(): ServerCapabilities | undefined {
    return this.serverResult?.capabilities;
  }

  get instructions(): string | undefined {
    return this.serverResult?.instructions;
  }

  /** Connects and negotiates the protocol version. Safe to call again while connected. */
  connect(): Promise<void> {
    if (this.state === "connected" && this.transport.connected) return Promise.resolve();
    if (this.connecting) return this.connecting;
    this.state = "connecting";
    this.connecting = this.open().then(
      () => {
        this.state = "connected";
        this.connecting = undefined;
      },
      async (error: unknown) => {
        this.connecting = undefined;
        this.state = "idle";
        await this.transport.disconnect().catch(() => {});
        throw error;
      },
    );
    return this.connecting;
  }

  /** Closes the connection. Safe to call twice. */
  async close(): Promise<void> {
    if (this.state === "closed") return;
    this.state = "closed";
    await this.connecting?.catch(() => {});
    await this.transport.disconnect();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Every tool, across all pages. */
  async listTools(options?: CallOptions): Promise<Tool[]> {
    let tools = await this.listAll<Tool>("tools/list", "tools", options);
    this.wrapping = new Map(tools.map((tool) => [tool.name, isWrapping(tool)]));
    if (this.transport instanceof StreamableHttpTransport) tools = this.learnParamHeaders(tools);
    return tools;
  }

  /**
   * Records which arguments each tool mirrors into `Mcp-Param-*` headers; over Streamable HTTP a
   * tool whose `x-mcp-header` annotations break the spec's rules is left out, as the spec requires.
   */
  private learnParamHeaders(tools: Tool[]): Tool[] {
    const headers = new Map<string, ParamHeader[]>();
    const valid = tools.filter((tool) => {
      try {
        headers.set(tool.name, paramHeaders(tool.inputSchema ?? {}));
        return true;
      } catch (error) {
        console.warn(`[fastmcp-ts] ignoring tool ${tool.name}: ${(error as Error).message}`);
        return false;
      }
    });
    this.paramHeaders = headers;
    return valid;
  }

  /** The `Mcp-Param-*` headers of a 2026-07-28 tool call over Streamable HTTP. */
  private async toolCallRoute(name: string, args: Record<string, unknown>): Promise<HttpRoute | undefined> {
    if (this.negotiated?.era !== "modern" || !(this.transport instanceof StreamableHttpTransport))
      return undefined;
    if (!this.paramHeaders?.has(name)) await this.listTools().catch(() => undefined);
    const declared = this.paramHeaders?.get(name);
    if (!declared?.length) return undefined;
    const headers: Record<string, string> = {};
    for (const header of declared) {
      const value = paramHeaderValue(args, header);
      if (value !== undefined) headers[`mcp-param-${header.name.toLowerCase()}`] = encodeHeaderValue(value);
    }
    return { headers };
  }

  /** Calls a tool. Throws ToolError when the result is `isError` (unless `raiseOnError: false`). */
  async callTool(
    name: string,
    args: Record<string, unknown> = {},
    options: CallToolOptions = {},
  ): Promise<ToolCallResult> {
    if (options.task === false && this.negotiated?.era === "modern") {
      options = { ...options, meta: { ...options.meta, [MetaKey.ClientCapabilities]: this.capabilities } };
    }
    const call = async () => {
      const route = await this.toolCallRoute(name, args);
      const headers = route?.headers ? { ...route.headers, ...options.headers } : options.headers;
      return this.request<CallToolResult>(
        "tools/call",
        { name, arguments: args },
        headers ? { ...options, headers } : options,
      );
    };
    let raw: CallToolResult;
    try {
      raw = await call();
    } catch (error) {
      // The tool's header annotations may have changed: learn them again and retry once.
      if (!(error instanceof McpError && error.code === ErrorCode.HeaderMismatch && this.paramHeaders))
        throw error;
      this.paramHeaders = undefined;
      raw = await call();
    }
    if (raw.resultType === "task") raw = await this.settleTask(raw as unknown as DetailedTask, options);
    const unwrap = await this.unwraps(name, raw.structuredContent);
    const result = new ToolCallResult(raw, unwrap);
    if (result.isError && (options.raiseOnError ?? true)) {
      throw new ToolError(result.text || `Tool ${name} failed`, { result });
    }
    return result;
  }

  /** Waits for the task a tool call became, and gives the call's result (or its error). */
  private async settleTask(created: DetailedTask, options: CallToolOptions): Promise<CallToolResult> {
    if (typeof created.taskId !== "string")
      throw new ClientError("The server answered with a task without taskId");
    const wait: TaskWaitOptions & { first: DetailedTask } = { first: created };
    if (options.signal) wait.signal = options.signal;
    if (options.timeout !== undefined) wait.timeout = options.timeout;
    if (options.pollIntervalMs !== undefined) wait.pollIntervalMs = options.pollIntervalMs;
    if (options.onTaskStatus) wait.onTaskStatus = options.onTaskStatus;
    let task: TerminalTask;
    try {
      task = await waitForTask(this, this.options, created.taskId, wait);
    } catch (error) {
      // Nobody waits for the work any more: stop it. Best effort, the connection may be gone.
      await this.cancelTask(created.taskId).catch(() => undefined);
      throw error;
    }
    return toolResultOf(task);
  }

  /** The current state of a task (tasks extension, 2026-07-28): `tasks/get`. */
  async getTask(taskId: string, options?: CallOptions): Promise<DetailedTask> {
    return (await this.request(
      "tasks/get",
      { taskId },
      { ...options, cache: false },
    )) as unknown as DetailedTask;
  }

  /** Asks the server to cancel a task (`tasks/cancel`); cancellation is cooperative. */
  async cancelTask(taskId: string, options?: CallOptions): Promise<void> {
    await this.request("tasks/cancel", { taskId }, { ...options, cache: false });
  }

  /** Answers a task's outstanding input requests by key (`tasks/update`). */
  async updateTask(
    taskId: string,
    inputResponses: Record<string, unknown>,
    options?: CallOptions,
  ): Promise<void> {
    await this.request("tasks/update", { taskId, inputResponses }, { ...options, cache: false });
  }

  /**
   * Polls a task until it finishes, answering its input requests with this client's handlers;
   * resolves with its terminal state. Resumes a task known by id (after a restart, say).
   */
  waitForTask(taskId: string, options?: TaskWaitOptions): Promise<TerminalTask> {
    return waitForTask(this, this.options, taskId, options);
  }

  async listResources(options?: CallOptions): Promise<Resource[]> {
    return this.listAll<Resource>("resources/list", "resources", options);
  }

  async listResourceTemplates(options?: CallOptions): Promise<ResourceTemplate[]> {
    return this.listAll<ResourceTemplate>("resources/templates/list", "resourceTemplates", options);
  }

  async readResource(uri: string | URL, options?: CallOptions): Promise<ResourceReadResult> {
    return new ResourceReadResult(
      await this.request<ReadResourceResult>("resources/read", { uri: String(uri) }, options),
    );
  }

  async listPrompts(options?: CallOptions): Promise<Prompt[]> {
    return this.listAll<Prompt>("prompts/list", "prompts", options);
  }

  /** Renders a prompt; non-string argument values are sent as JSON. */
  async getPrompt(
    name: string,
    args: Record<string, unknown> = {},
    options?: CallOptions,
  ): Promise<PromptResult> {
    const stringArgs: Record<string, string> = {};
    for (const [key, value] of Object.entries(args))
      stringArgs[key] = typeof value === "string" ? value : JSON.stringify(value);
    return new PromptResult(
      await this.request<GetPromptResult>("prompts/get", { name, arguments: stringArgs }, options),
    );
  }

  /** Asks the server to complete an argument of a prompt or resource template. */
  async complete(
    ref: CompletionRef,
    argument: { name: string; value: string },
    contextArguments?: Record<string, string>,
    options?: CallOptions,
  ): Promise<CompleteResult["completion"]> {
    const params: Record<string, unknown> = { ref, argument };
    if (contextArguments) params.context = { arguments: contextArguments };
    const result = await this.request<CompleteResult>("completion/complete", params, options);
    return result.completion;
  }

  /** Checks the server answers (`ping` in the legacy era, `server/discover` in the modern one). */
  async ping(options?: CallOptions): Promise<true> {
    await this.request(
      this.negotiated?.era === "modern" ? "server/discover" : "ping",
      {},
      { ...options, cache: false },
    );
    return true;
  }

  /** Sets the minimum level of log messages the server sends. */
  async setLoggingLevel(level: LoggingLevel, options?: CallOptions): Promise<void> {
    this.logLevel = level;
    if (this.negotiated?.era === "legacy") await this.request("logging/setLevel", { level }, options);
    else this.envelope = undefined;
  }

  /** Sends any request, with the era's envelope; resolves with the raw result. */
  async request<T extends Result = Result>(
    method: string,
    params: Record<string, unknown> = {},
    options: CallOptions = {},
  ): Promise<T> {
    if (this.state !== "connected") {
      if (this.state === "closed") throw new ClientError("Client is closed");
      if (this.state === "connecting") await this.connecting;
      else throw new ClientError("Client is not connected: call connect() first (or use Client.connect())");
    }
    const cacheKey =
      options.cache === false || this.options.cache === false ? undefined : this.cache.key(method, params);
    if (cacheKey !== undefined) {
      const cached = this.cache.get(cacheKey);
      if (cached) return cached as T;
    }
    const meta = this.metaFor(options.meta);
    const outgoing = meta ? { ...params, _meta: meta } : params;
    const requestOptions = this.requestOptions(options);
    let result = await this.transport.sendRequest<T>({ method, params: outgoing }, requestOptions);
    // 2026-07-28 multi round-trip requests: answer what the server asks, then retry with the answers.
    for (let round = 1; result.resultType === "input_required"; round++) {
      if (round > (this.options.maxInputRounds ?? 10)) {
        throw new ClientError(`${method} still needed input after ${round - 1} rounds; giving up`);
      }
      const inputResponses = await fulfilInputRequests(
        result.inputRequests,
        this.options,
        options.signal ?? new AbortController().signal,
      );
      const retry: Record<string, unknown> = { ...outgoing, inputResponses };
      if (result.requestState !== undefined) retry.requestState = result.requestState;
      else delete retry.requestState;
      result = await this.transport.sendRequest<T>({ method, params: retry }, requestOptions);
    }
    if (result.resultType === "task" && method !== "tools/call") {
      throw new ClientError(`The server answered ${method} with a task, which only tools/call may do`);
    }
    if (cacheKey !== undefined) this.cache.set(cacheKey, result);
    return result;
  }

  private requestOptions(options: CallOptions): RequestOptions {
    const out: RequestOptions = { timeout: options.timeout ?? this.options.timeout ?? 60_000 };
    if (options.signal) out.signal = options.signal;
    const onProgress = options.onProgress ?? this.options.onProgress;
    if (onProgress) out.onProgress = onProgress;
    if (options.resetTimeoutOnProgress) out.resetTimeoutOnProgress = true;
    if (options.headers) out.route = { headers: options.headers } satisfies HttpRoute;
    return out;
  }

  private metaFor(extra: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
    if (this.negotiated?.era !== "modern") return extra;
    this.envelope ??= this.buildEnvelope(this.negotiated.version);
    return extra ? { ...this.envelope, ...extra } : this.envelope;
  }

  private buildEnvelope(version: string): Record<string, unknown> {
    const envelope: Record<string, unknown> = {
      [MetaKey.ProtocolVersion]: version,
      [MetaKey.ClientCapabilities]:
        this.options.tasks === false
          ? this.capabilities
          : {
              ...this.capabilities,
              extensions: { ...this.capabilities.extensions, [TASKS_EXTENSION]: {} },
            },
      [MetaKey.ClientInfo]: this.options.clientInfo ?? DEFAULT_CLIENT_INFO,
    };
    if (this.logLevel) envelope[MetaKey.LogLevel] = this.logLevel;
    return envelope;
  }

  private async listAll<T>(method: string, key: string, options?: CallOptions): Promise<T[]> {
    const items: T[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    do {
      const result = await this.request(method, cursor === undefined ? {} : { cursor }, options);
      items.push(...((result[key] as T[] | undefined) ?? []));
      const next = result.nextCursor;
      cursor = typeof next === "string" && next.length > 0 ? next : undefined;
      if (cursor !== undefined) {
        if (seen.has(cursor)) throw new ClientError(`${method} returned a cursor it had already returned`);
        seen.add(cursor);
      }
    } while (cursor !== undefined);
    return items;
  }

  private async unwraps(name: string, structured: unknown): Promise<boolean> {
    if (typeof structured !== "object" || structured === null || Array.isArray(structured)) return false;
    const keys = Object.keys(structured);
    if (keys.length !== 1 || keys[0] !== "result") return false;
    if (!this.wrapping?.has(name)) await this.listTools().catch(() => undefined);
    return this.wrapping?.get(name) ?? false;
  }

  private handlers() {
    return {
      onRequest: (request: JSONRPCRequest, extra: IncomingRequestExtra) =>
        answerServerRequest(request, extra, this.options),
      onNotification: (notification: JSONRPCNotification) => this.onNotification(notification),
    };
  }

  private onNotification(notification: JSONRPCNotification): void {
    if (notification.method === "notifications/message" && this.options.onLog) {
      const params = notification.params ?? {};
      const message: LogMessage = { level: params.level as LoggingLevel, data: params.data };
      if (typeof params.logger === "string") message.logger = params.logger;
      try {
        this.options.onLog(message);
      } catch {
        // A failing log callback must not break the connection.
      }
    }
    this.cache.invalidate(notification);
    this.routeToSubscriptions(notification);
    this.options.onNotification?.(notification);
  }

  private routeToSubscriptions(notification: JSONRPCNotification): void {
    const id = (notification.params?._meta as Record<string, unknown> | undefined)?.[MetaKey.SubscriptionId];
    if (id !== undefined) {
      const subscription = this.listeners.get(id as RequestId);
      if (!subscription) return;
      if (notification.method === "notifications/subscriptions/acknowledged") {
        subscription.acknowledged = (notification.params?.notifications ?? {}) as ListenFilter;
        this.acknowledgements.get(id as RequestId)?.();
      } else subscription.push(notification);
      return;
    }
    for (const [subscription, filter] of this.legacyListeners) {
      if (matchesFilter(filter, notification)) subscription.push(notification);
    }
  }

  /**
   * Subscribes to change notifications: list changes and updates of given resources. Resolves once
   * the server acknowledged; iterate the subscription with `for await`, end it with `close()`.
   *
   * @example
   * ```ts
   * await using changes = await client.listen({ toolsListChanged: true });
   * for await (const notification of changes) console.log(notification.method);
   * ```
   */
  async listen(filter: ListenFilter, options: { timeout?: number } = {}): Promise<Subscription> {
    if (this.state !== "connected") await this.connect();
    if (this.negotiated?.era === "legacy") return this.listenLegacy(filter, options);
    const controller = new AbortController();
    let requestId: RequestId | undefined;
    let failure: Error | undefined;
    let acked = false;
    const subscription = new Subscription(() => controller.abort(new ClientError("Subscription closed")));
    const acknowledged = new Promise<void>((resolve) => {
      const meta = this.metaFor(undefined);
      const params: Record<string, unknown> = { notifications: filter };
      if (meta) params._meta = meta;
      const done = this.transport.sendRequest(
        { method: "subscriptions/listen", params },
        {
          timeout: 0,
          signal: controller.signal,
          onRequestId: (id) => {
            requestId = id;
            this.listeners.set(id, subscription);
            this.acknowledgements.set(id, () => {
              acked = true;
              resolve();
            });
          },
        },
      );
      const cleanup = () => {
        if (requestId !== undefined) {
          this.listeners.delete(requestId);
          this.acknowledgements.delete(requestId);
        }
        resolve();
      };
      done.then(
        () => {
          subscription.finish();
          cleanup();
        },
        (error: Error) => {
          if (!controller.signal.aborted) failure = error;
          subscription.finish(failure);
          cleanup();
        },
      );
    });
    const timeout = options.timeout ?? this.options.timeout ?? 60_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      acknowledged,
      new Promise<void>((_resolve, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new TimeoutError(`subscriptions/listen was not acknowledged within ${timeout} ms`, timeout),
            ),
          timeout,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    if (failure && !acked) throw failure;
    return subscription;
  }

  private async listenLegacy(filter: ListenFilter, options: CallOptions): Promise<Subscription> {
    const capabilities = this.serverCapabilities ?? {};
    const acknowledged: ListenFilter = {};
    if (filter.toolsListChanged && capabilities.tools?.listChanged) acknowledged.toolsListChanged = true;
    if (filter.promptsListChanged && capabilities.prompts?.listChanged)
      acknowledged.promptsListChanged = true;
    if (filter.resourcesListChanged && capabilities.resources?.listChanged)
      acknowledged.resourcesListChanged = true;
    const uris = capabilities.resources?.subscribe ? (filter.resourceSubscriptions ?? []) : [];
    for (const uri of uris) await this.request("resources/subscribe", { uri }, options);
    if (uris.length > 0) acknowledged.resourceSubscriptions = [...uris];
    const subscription = new Subscription(async () => {
      this.legacyListeners.delete(subscription);
      if (!this.connected) return;
      await Promise.all(
        uris.map((uri) => this.request("resources/unsubscribe", { uri }).catch(() => undefined)),
      );
    });
    subscription.acknowledged = acknowledged;
    this.legacyListeners.set(subscription, acknowledged);
    return subscription;
  }

  private async open(): Promise<void> {
    await this.transport.connect(this.handlers());
    this.envelope = undefined;
    this.cache.clear();
    const pinned = this.options.protocolVersion;
    if (pinned !== undefined && isLegacyVersion(pinned)) {
      await this.initialize(pinned);
      return;
    }
    const preferred = pinned ?? LATEST_PROTOCOL_VERSION;
    const probed = await this.probe(preferred, pinned !== undefined);
    if (probed) return;
    // The server is legacy (or gave no modern answer): reopen if the probe killed the connection.
    if (!this.transport.connected) await this.transport.connect(this.handlers());
    await this.initialize(LATEST_LEGACY_PROTOCOL_VERSION);
  }

  /**
   * Sends `server/discover`. True when the server is modern; false when it should be treated as
   * legacy: any error that is not a recognised modern one, a timeout, or a dropped connection.
   */
  private async probe(version: string, pinned: boolean): Promise<boolean> {
    const timeout = this.options.probeTimeout ?? 5000;
    for (let attempt = 0; attempt < 2; attempt++) {
      const envelope = this.buildEnvelope(version);
      try {
        const result = await this.transport.sendRequest<DiscoverResult>(
          { method: "server/discover", params: { _meta: envelope } },
          { timeout: pinned ? (this.options.timeout ?? 60_000) : timeout },
        );
        const supported = Array.isArray(result.supportedVersions) ? result.supportedVersions : [];
        let chosen = version;
        if (!supported.includes(version)) {
          const modern = supported.find((candidate) => isModernVersion(candidate));
          if (!modern || pinned) {
            if (pinned)
              throw new ClientError(
                `Server does not support protocol ${version}; it supports ${supported.join(", ")}`,
              );
            return false;
          }
          chosen = modern;
        }
        this.negotiated = { era: "modern", version: chosen };
        const meta = result._meta as Record<string, unknown> | undefined;
        this.serverResult = {
          info: meta?.[MetaKey.ServerInfo] as Implementation | undefined,
          capabilities: result.capabilities ?? {},
          instructions: result.instructions,
        };
        return true;
      } catch (error) {
        if (
          error instanceof ClientError &&
          !(error instanceof TimeoutError) &&
          !(error instanceof ConnectionError)
        )
          throw error;
        if (error instanceof McpError && MODERN_ERROR_CODES.has(error.code)) {
          const supported = (error.data as { supported?: unknown })?.supported;
          const modern = Array.isArray(supported)
            ? (supported as string[]).find((candidate) =>
                MODERN_PROTOCOL_VERSIONS.includes(candidate as never),
              )
            : undefined;
          if (
            error.code === ErrorCode.UnsupportedProtocolVersion &&
            modern &&
            modern !== version &&
            !pinned
          ) {
            version = modern;
            continue;
          }
          if (error.code === ErrorCode.UnsupportedProtocolVersion && Array.isArray(supported) && !pinned) {
            if ((supported as string[]).some((candidate) => isLegacyVersion(candidate))) return false;
          }
          throw new ClientError(`Server rejected protocol ${version}: ${error.message}`, { cause: error });
        }
        if (pinned) throw error;
        if (error instanceof ConnectionError) await this.transport.disconnect().catch(() => {});
        return false;
      }
    }
    return false;
  }

  private async initialize(version: string): Promise<void> {
    const result = await this.transport.sendRequest<InitializeResult>(
      {
        method: "initialize",
        params: {
          protocolVersion: version,
          capabilities: this.capabilities,
          clientInfo: this.options.clientInfo ?? DEFAULT_CLIENT_INFO,
        },
      },
      { timeout: this.options.timeout ?? 60_000 },
    );
    const answered = result.protocolVersion;
    if (typeof answered !== "string" || !isLegacyVersion(answered)) {
      throw new ClientError(
        `Server answered initialize with unsupported protocol version ${String(answered)}`,
      );
    }
    if (this.options.protocolVersion !== undefined && answered !== this.options.protocolVersion) {
      throw new ClientError(
        `Server does not support protocol ${this.options.protocolVersion} (it offered ${answered})`,
      );
    }
    this.negotiated = { era: "legacy", version: answered };
    this.serverResult = {
      info: result.serverInfo,
      capabilities: result.capabilities ?? {},
      instructions: result.instructions,
    };
    this.transport.sendNotification("notifications/initialized");
    if (this.options.logLevel && result.capabilities?.logging) {
      await this.transport.sendRequest({
        method: "logging/setLevel",
        params: { level: this.options.logLevel },
      });
    }
  }
}

function isWrapping(tool: Tool): boolean {
  return tool.outputSchema?.["x-fastmcp-wrap-result"] === true;
}
