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
import type { ClientAuth } from "../auth/client/bearer.js";
import { ClientError, ToolError } from "../errors.js";
import type { IncomingRequestExtra, RequestOptions } from "../protocol/engine.js";
import { MetaKey } from "../protocol/meta.js";
import type { DetailedTask } from "../protocol/tasks.js";
import type {
  CallToolResult,
  ClientCapabilities,
  CompleteResult,
  GetPromptResult,
  Implementation,
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
import { type Era, eraOf } from "../protocol/versions.js";
import type { ToolHandle } from "../server/components/tools.js";
import type { ClientTransport } from "../transports/base.js";
import type { HttpRoute } from "../transports/streamable-http/client.js";
import { ResultCache } from "./cache.js";
import { type ClientTarget, createTransport } from "./detect.js";
import { answerServerRequest, clientCapabilitiesFor, fulfilInputRequests } from "./handlers.js";
import type { Listeners } from "./listen.js";
import { DEFAULT_TIMEOUT, Negotiation } from "./negotiate.js";
import type { CallHandlers, CallOptions, CallToolOptions, ClientOptions, LogMessage } from "./options.js";
import { PromptResult, ResourceReadResult, ToolCallResult } from "./results.js";
import type { ListenFilter, Subscription } from "./subscription.js";
import type { TaskWaitOptions, TerminalTask } from "./tasks.js";
import { ToolCatalog } from "./tool-catalog.js";
import { withTraceContext } from "./trace-context.js";

export type { CallHandlers, CallOptions, CallToolOptions, ClientOptions, LogMessage } from "./options.js";

export type CompletionRef = { type: "ref/prompt"; name: string } | { type: "ref/resource"; uri: string };

type State = "idle" | "connecting" | "connected" | "closed";

/** Most pages one `list*` call follows. */
const MAX_LIST_PAGES = 1000;

/** The server capability each list method needs. */
const LIST_CAPABILITY = {
  "tools/list": "tools",
  "resources/list": "resources",
  "resources/templates/list": "resources",
  "prompts/list": "prompts",
} as const satisfies Record<string, keyof ServerCapabilities>;

export class Client implements AsyncDisposable {
  readonly transport: ClientTransport;
  private readonly options: ClientOptions;
  private state: State = "idle";
  private connecting: Promise<void> | undefined;
  /** The era agreed, and what the client declares with each request. */
  private readonly negotiation: Negotiation;
  private readonly capabilities: ClientCapabilities;
  /** Fresh list, read and discover results (2026-07-28 cache hints). */
  private readonly cache = new ResultCache();
  /** Open subscriptions: listen.ts loads with the first `listen()`. */
  private listeners: Listeners | undefined;
  /** Header annotations and result wrapping of the server's tools, learned from tools/list. */
  private readonly tools = new ToolCatalog();
  /** Per-request handlers by the id of the request in flight (see `CallOptions.handlers`). */
  private readonly callHandlers = new Map<RequestId, CallHandlers>();

  constructor(target: ClientTarget, options: ClientOptions = {}) {
    this.transport = createTransport(target, options);
    this.options = options;
    const withAuth = this.transport as ClientTransport & { setAuth?(auth: ClientAuth | undefined): void };
    if (options.auth !== undefined) withAuth.setAuth?.(options.auth);
    this.capabilities = clientCapabilitiesFor(options);
    if (options.protocolVersion !== undefined && eraOf(options.protocolVersion) === undefined) {
      throw new ClientError(`Unsupported protocol version ${options.protocolVersion}`);
    }
    this.negotiation = new Negotiation({
      transport: this.transport,
      options,
      capabilities: this.capabilities,
    });
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
    return this.negotiation.agreed?.version;
  }

  /** "modern" (2026-07-28, stateless) or "legacy" (initialize-based), once connected. */
  get era(): Era | undefined {
    return this.negotiation.agreed?.era;
  }

  get serverInfo(): Implementation | undefined {
    return this.negotiation.server?.info;
  }

  get serverCapabilities(): ServerCapabilities | undefined {
    return this.negotiation.server?.capabilities;
  }

  get instructions(): string | undefined {
    return this.negotiation.server?.instructions;
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
    const tools = await this.listAll<Tool>("tools/list", "tools", options);
    return this.tools.learn(tools, this.transport.mirrorsToolHeaders);
  }

  /**
   * Calls a tool. Throws ToolError when the result is `isError` (unless `raiseOnError: false`).
   * `T` types the result's `.data` (the structured output; not checked here: the server validates
   * it against the tool's output schema).
   *
   * @example
   * ```ts
   * const { data } = await client.callTool<{ celsius: number }>("weather", { city: "Oslo" });
   * ```
   */
  async callTool<T = unknown>(
    name: string,
    args?: Record<string, unknown>,
    options?: CallToolOptions,
  ): Promise<ToolCallResult<T>>;
  /**
   * Calls the tool a handle of the server names (`const add = mcp.tool(...)`, with the Client built
   * from that server, in tests): arguments and `.data` are typed from the tool's schemas.
   *
   * @example
   * ```ts
   * const weather = mcp.tool("weather", { inputSchema, outputSchema }, handler);
   * const client = new Client(mcp);
   * const { data } = await client.callTool(weather, { city: "Oslo" });   // data: { celsius: number }
   * ```
   */
  async callTool<Args, Output>(
    tool: ToolHandle<Args, Output>,
    ...rest: Record<string, never> extends Args
      ? [args?: Args, options?: CallToolOptions]
      : [args: Args, options?: CallToolOptions]
  ): Promise<ToolCallResult<Output>>;
  async callTool<T = unknown>(
    tool: string | ToolHandle<unknown, unknown>,
    args: Record<string, unknown> = {},
    options: CallToolOptions = {},
  ): Promise<ToolCallResult<T>> {
    const name = typeof tool === "string" ? tool : tool.key;
    if (options.task === false && this.era === "modern") {
      options = { ...options, meta: { ...options.meta, [MetaKey.ClientCapabilities]: this.capabilities } };
    }
    let raw: CallToolResult;
    if (this.era === "modern" && this.transport.mirrorsToolHeaders) {
      // 2026-07-28 over Streamable HTTP: mirror the arguments the tool declares into headers.
      raw = await this.tools.retrying(async () => {
        const route = await this.tools.route(name, args, () => this.listTools());
        const headers = route?.headers ? { ...route.headers, ...options.headers } : options.headers;
        return this.request<CallToolResult>(
          "tools/call",
          { name, arguments: args },
          headers ? { ...options, headers } : options,
        );
      });
    } else {
      raw = await this.request<CallToolResult>("tools/call", { name, arguments: args }, options);
    }
    if (raw.resultType === "task") {
      // The client side of the tasks extension loads with the first task a server answers.
      const { settleToolTask } = await import("./tasks.js");
      raw = await settleToolTask(this, this.options, raw as unknown as DetailedTask, options);
    }
    let unwrap = this.tools.unwraps(name, raw.structuredContent, () => this.listTools());
    if (unwrap instanceof Promise) unwrap = await unwrap;
    const result = new ToolCallResult<T>(raw, unwrap);
    if (result.isError && (options.raiseOnError ?? true)) {
      throw new ToolError(result.text || `Tool ${name} failed`, { result });
    }
    return result;
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
  async waitForTask(taskId: string, options?: TaskWaitOptions): Promise<TerminalTask> {
    const { waitForTask } = await import("./tasks.js");
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
    await this.request(this.era === "modern" ? "server/discover" : "ping", {}, { ...options, cache: false });
    return true;
  }

  /** Sets the minimum level of log messages the server sends. */
  async setLoggingLevel(level: LoggingLevel, options?: CallOptions): Promise<void> {
    this.negotiation.setLogLevel(level);
    if (this.era === "legacy") await this.request("logging/setLevel", { level }, options);
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
    if (!this.listeners) {
      const { Listeners } = await import("./listen.js");
      this.listeners ??= new Listeners(this, () => withTraceContext(this.negotiation.meta(undefined)));
    }
    if (this.era === "legacy") return this.listeners.emulate(filter, options);
    return this.listeners.listen(filter, options.timeout ?? this.options.timeout ?? 60_000);
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
    // The active OpenTelemetry span, if any, continues on the server (see trace-context.ts).
    const meta = withTraceContext(this.negotiation.meta(options.meta));
    const outgoing = meta ? { ...params, _meta: meta } : params;
    const requestOptions = this.requestOptions(options);
    const own = options.handlers;
    const ids: RequestId[] = [];
    if (own) {
      requestOptions.onRequestId = (id) => {
        ids.push(id);
        this.callHandlers.set(id, own);
      };
    }
    let result: T;
    try {
      result = await this.transport.sendRequest<T>({ method, params: outgoing }, requestOptions);
      // 2026-07-28 multi round-trip requests: answer what the server asks, then retry with the answers.
      for (let round = 1; result.resultType === "input_required"; round++) {
        if (round > (this.options.maxInputRounds ?? 10)) {
          throw new ClientError(`${method} still needed input after ${round - 1} rounds; giving up`);
        }
        const inputResponses = await fulfilInputRequests(
          result.inputRequests,
          own ? { ...this.options, ...own } : this.options,
          options.signal ?? new AbortController().signal,
        );
        const retry: Record<string, unknown> = { ...outgoing, inputResponses };
        if (result.requestState !== undefined) retry.requestState = result.requestState;
        else delete retry.requestState;
        result = await this.transport.sendRequest<T>({ method, params: retry }, requestOptions);
      }
    } finally {
      for (const id of ids) this.callHandlers.delete(id);
    }
    if (result.resultType === "task" && method !== "tools/call") {
      throw new ClientError(`The server answered ${method} with a task, which only tools/call may do`);
    }
    if (cacheKey !== undefined) this.cache.set(cacheKey, result);
    return result;
  }

  private async open(): Promise<void> {
    // The client's timeout bounds the whole of connecting, not each step of it.
    const timeout = this.options.timeout ?? DEFAULT_TIMEOUT;
    const deadline = timeout > 0 ? Date.now() + timeout : Number.POSITIVE_INFINITY;
    await this.transport.connect(this.handlers());
    this.cache.clear();
    await this.negotiation.run(deadline);
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

  private async listAll<T>(
    method: keyof typeof LIST_CAPABILITY,
    key: string,
    options?: CallOptions,
  ): Promise<T[]> {
    // A server that does not declare the capability has nothing to list: answer without asking it
    // (it would only say -32601). Both eras' handshakes give the capabilities.
    if (this.state === "connecting") await this.connecting;
    const declared = this.state === "connected" ? this.serverCapabilities : undefined;
    if (declared && declared[LIST_CAPABILITY[method]] === undefined) return [];
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
        // A server paging for ever (a new cursor each time) is not followed for ever.
        if (seen.size >= MAX_LIST_PAGES)
          throw new ClientError(`${method} returned more than ${MAX_LIST_PAGES} pages`);
        seen.add(cursor);
      }
    } while (cursor !== undefined);
    return items;
  }

  private handlers() {
    return {
      onRequest: (request: JSONRPCRequest, extra: IncomingRequestExtra) => {
        const own = this.handlersOf(extra.route);
        return answerServerRequest(request, extra, own ? { ...this.options, ...own } : this.options);
      },
      onNotification: (notification: JSONRPCNotification, route?: unknown) =>
        this.onNotification(notification, route),
    };
  }

  /** The per-request handlers of the request a message arrived for, if the transport knows it. */
  private handlersOf(route: unknown): CallHandlers | undefined {
    if (this.callHandlers.size === 0) return undefined;
    const related = (route as { relatedRequestId?: RequestId } | undefined)?.relatedRequestId;
    return related === undefined ? undefined : this.callHandlers.get(related);
  }

  private onNotification(notification: JSONRPCNotification, route?: unknown): void {
    const onLog = this.handlersOf(route)?.onLog ?? this.options.onLog;
    if (notification.method === "notifications/message" && onLog) {
      const params = notification.params ?? {};
      const message: LogMessage = { level: params.level as LoggingLevel, data: params.data };
      if (typeof params.logger === "string") message.logger = params.logger;
      try {
        onLog(message);
      } catch {
        // A failing log callback must not break the connection.
      }
    }
    this.cache.invalidate(notification);
    this.listeners?.route(notification);
    this.options.onNotification?.(notification);
  }
}
