/**
 * What a Client needs once it connects, loaded by its first `connect()` (client.ts keeps the
 * public surface, its argument checks and its state): the negotiation of the era, the request
 * path (the 2026-07-28 envelope, trace context, input-required rounds, the result cache), tool
 * calls with their header mirroring and tasks, lists across pages, prompts and completions, the
 * answers to server requests, and subscriptions.
 */
import { ClientError, ToolError } from "../errors.js";
import type { IncomingRequestExtra, RequestOptions } from "../protocol/engine.js";
import { MetaKey, withMeta } from "../protocol/meta.js";
import type { DetailedTask } from "../protocol/tasks.js";
import type {
  CallToolResult,
  ClientCapabilities,
  CompleteResult,
  GetPromptResult,
  JSONRPCNotification,
  JSONRPCRequest,
  LoggingLevel,
  RequestId,
  Result,
  ServerCapabilities,
  Tool,
} from "../protocol/types.js";
import type { ClientTransport, TransportHandlers } from "../transports/base.js";
import type { HttpRoute } from "../transports/streamable-http/client.js";
import { ResultCache } from "./cache.js";
import type { Client, CompletionRef } from "./client.js";
import { answerServerRequest, clientCapabilitiesFor, fulfilInputRequests } from "./handlers.js";
import type { Listeners } from "./listen.js";
import { Negotiation } from "./negotiate.js";
import {
  type CallHandlers,
  type CallOptions,
  type CallToolOptions,
  type ClientOptions,
  DEFAULT_TIMEOUT,
  type LogMessage,
} from "./options.js";
import { PromptResult, ToolCallResult } from "./results.js";
import type { ListenFilter, Subscription } from "./subscription.js";
import { ToolCatalog } from "./tool-catalog.js";
import { withTraceContext } from "./trace-context.js";

/** Most pages one `list*` call follows. */
const MAX_LIST_PAGES = 1000;

/** The server capability each list method needs. */
const LIST_CAPABILITY = {
  "tools/list": "tools",
  "resources/list": "resources",
  "resources/templates/list": "resources",
  "prompts/list": "prompts",
} as const satisfies Record<string, keyof ServerCapabilities>;

/** One Client's connected state; it lives from the first connect to the Client's end. */
export class ClientConnection {
  /** The era agreed, and what the client declares with each request. */
  readonly negotiation: Negotiation;
  private readonly capabilities: ClientCapabilities;
  /** Fresh list, read and discover results (2026-07-28 cache hints). */
  private readonly cache = new ResultCache();
  /** Open subscriptions: listen.ts loads with the first `listen()`. */
  private listeners: Listeners | undefined;
  /** Header annotations and result wrapping of the server's tools, learned from tools/list. */
  private readonly tools = new ToolCatalog();
  /** Per-request handlers by the id of the request in flight (see `CallOptions.handlers`). */
  private readonly callHandlers = new Map<RequestId, CallHandlers>();

  constructor(
    private readonly client: Client,
    private readonly transport: ClientTransport,
    private readonly options: ClientOptions,
  ) {
    this.capabilities = clientCapabilitiesFor(options);
    this.negotiation = new Negotiation({ transport, options, capabilities: this.capabilities });
  }

  /** Connects the transport and negotiates, by `deadline` (a `Date.now()` time; Infinity for none). */
  async open(deadline: number): Promise<void> {
    await this.transport.connect(this.handlers());
    this.cache.clear();
    await this.negotiation.run(deadline);
  }

  /** `Client.listTools`: every tool, whose header annotations and result wrapping it learns. */
  async listTools(options: CallOptions | undefined): Promise<Tool[]> {
    const tools = await this.listAll<Tool>("tools/list", "tools", options);
    return this.tools.learn(tools, this.transport.mirrorsToolHeaders);
  }

  /** Every item of a list, across all pages. */
  async listAll<T>(
    method: keyof typeof LIST_CAPABILITY,
    key: string,
    options: CallOptions | undefined,
  ): Promise<T[]> {
    // A server that does not declare the capability has nothing to list: answer without asking it
    // (it would only say -32601). Both eras' handshakes give the capabilities.
    const declared = this.negotiation.server?.capabilities;
    if (declared && declared[LIST_CAPABILITY[method]] === undefined) return [];
    const items: T[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    do {
      const result = await this.client.request(method, cursor === undefined ? {} : { cursor }, options);
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

  /** `Client.getPrompt`: non-string argument values are sent as JSON. */
  async getPrompt(
    name: string,
    args: Record<string, unknown>,
    options: CallOptions | undefined,
  ): Promise<PromptResult> {
    const stringArgs: Record<string, string> = {};
    for (const [key, value] of Object.entries(args))
      stringArgs[key] = typeof value === "string" ? value : JSON.stringify(value);
    return new PromptResult(
      await this.client.request<GetPromptResult>("prompts/get", { name, arguments: stringArgs }, options),
    );
  }

  /** `Client.complete`. */
  async complete(
    ref: CompletionRef,
    argument: { name: string; value: string },
    contextArguments: Record<string, string> | undefined,
    options: CallOptions | undefined,
  ): Promise<CompleteResult["completion"]> {
    const params: Record<string, unknown> = { ref, argument };
    if (contextArguments) params.context = { arguments: contextArguments };
    const result = await this.client.request<CompleteResult>("completion/complete", params, options);
    return result.completion;
  }

  /** `Client.callTool` once connected; its requests go through `client.request`. */
  async callTool<T>(name: string, args: Record<string, unknown>, options: CallToolOptions) {
    const era = this.negotiation.agreed?.era;
    if (options.task === false && era === "modern") {
      options = { ...options, meta: { ...options.meta, [MetaKey.ClientCapabilities]: this.capabilities } };
    }
    let raw: CallToolResult;
    if (era === "modern" && this.transport.mirrorsToolHeaders) {
      // 2026-07-28 over Streamable HTTP: mirror the arguments the tool declares into headers.
      raw = await this.tools.retrying(async () => {
        const route = await this.tools.route(name, args, () => this.client.listTools());
        const headers = route?.headers ? { ...route.headers, ...options.headers } : options.headers;
        return this.client.request<CallToolResult>(
          "tools/call",
          { name, arguments: args },
          headers ? { ...options, headers } : options,
        );
      });
    } else {
      raw = await this.client.request<CallToolResult>("tools/call", { name, arguments: args }, options);
    }
    if (raw.resultType === "task") {
      // The client side of the tasks extension loads with the first task a server answers.
      const { settleToolTask } = await import("./tasks.js");
      raw = await settleToolTask(this.client, this.options, raw as unknown as DetailedTask, options);
    }
    let unwrap = this.tools.unwraps(name, raw.structuredContent, () => this.client.listTools());
    if (unwrap instanceof Promise) unwrap = await unwrap;
    const result = new ToolCallResult<T>(raw, unwrap);
    if (result.isError && (options.raiseOnError ?? true)) {
      throw new ToolError(result.text || `Tool ${name} failed`, { result });
    }
    return result;
  }

  /** `Client.listen` once connected. */
  async listen(filter: ListenFilter, options: { timeout?: number }): Promise<Subscription> {
    if (!this.listeners) {
      const { Listeners } = await import("./listen.js");
      this.listeners ??= new Listeners(this.client, () => withTraceContext(this.negotiation.meta(undefined)));
    }
    if (this.negotiation.agreed?.era === "legacy") return this.listeners.emulate(filter, options);
    return this.listeners.listen(filter, options.timeout ?? this.options.timeout ?? DEFAULT_TIMEOUT);
  }

  /** `Client.request` once connected: the era's envelope, input rounds, the cache. */
  async request<T extends Result>(
    method: string,
    params: Record<string, unknown>,
    options: CallOptions,
  ): Promise<T> {
    const cacheKey =
      options.cache === false || this.options.cache === false ? undefined : this.cache.key(method, params);
    if (cacheKey !== undefined) {
      const cached = this.cache.get(cacheKey);
      if (cached) return cached as T;
    }
    // The active OpenTelemetry span, if any, continues on the server (see trace-context.ts).
    const meta = withTraceContext(this.negotiation.meta(options.meta));
    const outgoing = meta ? withMeta(params, meta) : params;
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

  private requestOptions(options: CallOptions): RequestOptions {
    const out: RequestOptions = { timeout: options.timeout ?? this.options.timeout ?? DEFAULT_TIMEOUT };
    if (options.signal) out.signal = options.signal;
    const onProgress = options.onProgress ?? this.options.onProgress;
    if (onProgress) out.onProgress = onProgress;
    if (options.resetTimeoutOnProgress) out.resetTimeoutOnProgress = true;
    if (options.headers) out.route = { headers: options.headers } satisfies HttpRoute;
    return out;
  }

  private handlers(): TransportHandlers {
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
