/**
 * One upstream connection of a proxy: a Client, connected on first use and kept; made anew when
 * the connection died (a stdio server is spawned again on the next call), never per call. It
 * caches the upstream's lists until the upstream says they changed, and ties what the upstream
 * asks and logs to the forwarded call it belongs to.
 *
 * Attribution. What a 2026-07-28 upstream asks comes inside the call's own input rounds, and what a
 * legacy upstream over Streamable HTTP sends on a call's reply stream is tied to that call by the
 * transport: both reach that call's handlers (`CallOptions.handlers`). Everything else (stdio, SSE,
 * WebSocket, the Streamable HTTP GET stream) arrives with no relation to any call: it goes to the
 * only call in flight that could have caused it, and when there are several, a request is refused
 * (the upstream gets an error: better than answering it with another caller's client) and a log
 * is dropped.
 */
import { Client, type ClientOptions } from "../../client/client.js";
import type { ClientTarget } from "../../client/detect.js";
import type { CallHandlers, LogMessage } from "../../client/options.js";
import { McpError } from "../../errors.js";
import { ErrorCode } from "../../protocol/codes.js";
import type { JSONRPCNotification, Result } from "../../protocol/types.js";
import type { SourceEvents, SourceLists } from "../../server/sources.js";
import type { ForwardedCall } from "./forwarded-call.js";
import { type ListKind, sanitizeList } from "./lists.js";

const LIST_METHODS: Record<ListKind, [method: string, key: string]> = {
  tools: ["tools/list", "tools"],
  resources: ["resources/list", "resources"],
  templates: ["resources/templates/list", "resourceTemplates"],
  prompts: ["prompts/list", "prompts"],
};

const KIND_OF_CHANGE: Record<string, ListKind[]> = {
  "notifications/tools/list_changed": ["tools"],
  "notifications/prompts/list_changed": ["prompts"],
  "notifications/resources/list_changed": ["resources", "templates"],
};

/** Most pages one list may take from the upstream before the proxy stops asking. */
const MAX_PAGES = 100;

/**
 * How long a failure to connect is the answer, before the next use tries again (ms): a server that
 * cannot start is not started again for every list and call. A connection that dies after working
 * is made again at once.
 */
const RETRY_AFTER_MS = 3000;

export interface UpstreamOptions {
  /** Names the upstream in errors ("everything", or the key of a multi-server proxy). */
  name: string;
  /** Makes the connection's target (a transport is made per connection). */
  target: () => ClientTarget;
  client: ClientOptions;
  /** Most components of one kind taken from the upstream. */
  maxItems: number;
  /** Told of the upstream's list changes and resource updates. */
  events: () => SourceEvents | undefined;
  /** Told how each connection attempt ends (spawns and restarts are counted by tests). */
  onConnect?: (error?: Error) => void;
}

export class Upstream {
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  private readonly lists = new Map<ListKind, Promise<SourceLists[ListKind][]>>();
  /** Forwarded calls in flight on this connection (for what cannot be tied to one call). */
  private readonly inflight = new Set<ForwardedCall>();
  private readonly options: UpstreamOptions;
  private closed = false;
  private failure: { error: Error; until: number } | undefined;
  private subscription: { close(): Promise<void> | void } | undefined;
  /** Resources a client of the proxy subscribed to, through this connection. */
  private readonly resourceSubscriptions = new Set<string>();

  constructor(options: UpstreamOptions) {
    this.options = options;
  }

  get busy(): boolean {
    return this.inflight.size > 0;
  }

  /** The connected client: the current one, or a new one when there is none or it died. */
  connected(): Promise<Client> {
    if (this.closed) return Promise.reject(new McpError(ErrorCode.InternalError, "The proxy is closed"));
    const current = this.client;
    if (current?.connected) return Promise.resolve(current);
    if (this.connecting) return this.connecting;
    if (this.failure && Date.now() < this.failure.until) return Promise.reject(this.failure.error);
    if (current) {
      // The connection died (the process exited, the socket closed): what was cached may be stale.
      this.client = undefined;
      this.invalidate(["tools", "resources", "templates", "prompts"], true);
    }
    this.connecting = this.connect(current).then(
      (client) => {
        this.connecting = undefined;
        this.failure = undefined;
        this.options.onConnect?.();
        return client;
      },
      (error: unknown) => {
        this.connecting = undefined;
        const failure = error instanceof Error ? error : new Error(String(error));
        this.failure = { error: failure, until: Date.now() + RETRY_AFTER_MS };
        this.options.onConnect?.(failure);
        throw failure;
      },
    );
    return this.connecting;
  }

  private async connect(stale: Client | undefined): Promise<Client> {
    // The dead client is closed first: a target given as a transport is the same object again.
    await stale?.close().catch(() => {});
    const client = new Client(this.options.target(), this.clientOptions());
    await client.connect();
    if (this.closed) {
      await client.close();
      throw new McpError(ErrorCode.InternalError, "The proxy is closed");
    }
    this.client = client;
    if (client.era === "modern") await this.listen(client);
    else if (this.resourceSubscriptions.size > 0 && client.serverCapabilities?.resources?.subscribe) {
      // A new connection (the old one died): the subscriptions are made again.
      for (const uri of this.resourceSubscriptions) {
        await client.request("resources/subscribe", { uri }, { cache: false }).catch(() => {});
      }
    }
    return client;
  }

  /**
   * A 2026-07-28 upstream tells of list changes only on a listen stream: one per connection, whose
   * notifications reach `onNotification` like a legacy server's. Without it the lists stay cached
   * until the connection is made again, which is said, not thrown.
   */
  private async listen(client: Client): Promise<void> {
    const capabilities = client.serverCapabilities ?? {};
    const filter = {
      toolsListChanged: capabilities.tools?.listChanged === true,
      promptsListChanged: capabilities.prompts?.listChanged === true,
      resourcesListChanged: capabilities.resources?.listChanged === true,
      resourceSubscriptions: [...this.resourceSubscriptions],
    };
    const previous = this.subscription;
    this.subscription = undefined;
    await previous?.close();
    if (
      !filter.toolsListChanged &&
      !filter.promptsListChanged &&
      !filter.resourcesListChanged &&
      filter.resourceSubscriptions.length === 0
    ) {
      return;
    }
    try {
      const subscription = await client.listen(filter);
      this.subscription = subscription;
      // Read to the end so nothing piles up: the notifications themselves reach onNotification.
      void (async () => {
        for await (const _ of subscription);
      })().catch(() => {});
    } catch (error) {
      warn(`${this.options.name}: cannot listen for changes: ${(error as Error).message}`);
    }
  }

  /** Everything of one kind the upstream lists (cached until it says the list changed). */
  list<K extends ListKind>(kind: K): Promise<SourceLists[K][]> {
    let listed = this.lists.get(kind);
    if (!listed) {
      listed = this.fetchList(kind);
      this.lists.set(kind, listed);
      // A failed list is not kept: the next one asks again.
      listed.catch(() => {
        if (this.lists.get(kind) === listed) this.lists.delete(kind);
      });
    }
    return listed as Promise<SourceLists[K][]>;
  }

  /**
   * Sends `method` upstream for `call`: what the upstream asks and logs meanwhile goes to `call`,
   * its progress too, and aborting `call.controller` cancels it upstream.
   */
  async request(
    method: "tools/call" | "resources/read" | "prompts/get" | "completion/complete",
    params: Record<string, unknown>,
    call: ForwardedCall | undefined,
    progress: boolean,
    signal?: AbortSignal,
  ): Promise<Result> {
    const client = await this.connected();
    if (call) this.inflight.add(call);
    try {
      const options: Parameters<Client["request"]>[2] = { cache: false };
      if (call) {
        if (signal) options.signal = signal;
        options.handlers = callHandlers(call);
        if (progress) options.onProgress = (value, total, message) => call.progress(value, total, message);
      }
      const result: unknown =
        method === "tools/call"
          ? (
              await client.callTool(params.name as string, params.arguments as Record<string, unknown>, {
                ...options,
                raiseOnError: false,
              })
            ).raw
          : await client.request(method, params, options);
      if (typeof result !== "object" || result === null || Array.isArray(result)) {
        throw new McpError(
          ErrorCode.InternalError,
          `${this.options.name} answered ${method} with something that is not a result`,
        );
      }
      return result as Result;
    } finally {
      if (call) this.inflight.delete(call);
    }
  }

  /**
   * Subscribes upstream to (or unsubscribes from) a resource's updates: `resources/subscribe` on a
   * legacy upstream, the listen stream's filter on a 2026-07-28 one. Kept, and made again on a new
   * connection.
   */
  async subscribe(uri: string, subscribe: boolean): Promise<void> {
    if (subscribe === this.resourceSubscriptions.has(uri)) return;
    if (subscribe) this.resourceSubscriptions.add(uri);
    else this.resourceSubscriptions.delete(uri);
    const client = await this.connected();
    if (client.era === "modern") {
      await this.listen(client);
      return;
    }
    if (!client.serverCapabilities?.resources?.subscribe) return;
    await client.request(
      subscribe ? "resources/subscribe" : "resources/unsubscribe",
      { uri },
      { cache: false },
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client ?? (await this.connecting?.catch(() => undefined));
    this.client = undefined;
    for (const call of this.inflight) call.abandon(new McpError(ErrorCode.InternalError, "The proxy closed"));
    await this.subscription?.close();
    await client?.close();
  }

  private async fetchList<K extends ListKind>(kind: K): Promise<SourceLists[K][]> {
    const client = await this.connected();
    const capability = (kind === "templates" ? "resources" : kind) as "tools" | "resources" | "prompts";
    if (client.serverCapabilities && client.serverCapabilities[capability] === undefined) return [];
    const [method, key] = LIST_METHODS[kind];
    if (kind === "tools") {
      // Through the client's own listing, so that it learns the tools (their header parameters and
      // result wrapping) once, instead of listing them again on each call it forwards.
      const tools = await client.listTools({ cache: false });
      return sanitizeList(kind, tools, this.options.name, this.options.maxItems, warn) as SourceLists[K][];
    }
    const items: unknown[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (let page = 0; ; page++) {
      if (page >= MAX_PAGES) {
        warn(`${this.options.name}: ${method} took more than ${MAX_PAGES} pages; the rest is ignored`);
        break;
      }
      const result = await client.request(method, cursor === undefined ? {} : { cursor }, { cache: false });
      const found = result[key];
      if (found !== undefined && !Array.isArray(found)) {
        throw new McpError(ErrorCode.InternalError, `${this.options.name} answered ${method} without a list`);
      }
      if (found) items.push(...found);
      if (items.length > this.options.maxItems) break;
      const next = result.nextCursor;
      cursor = typeof next === "string" && next.length > 0 && !seen.has(next) ? next : undefined;
      if (cursor === undefined) break;
      seen.add(cursor);
    }
    return sanitizeList(kind, items, this.options.name, this.options.maxItems, warn) as SourceLists[K][];
  }

  private invalidate(kinds: ListKind[], announce: boolean): void {
    for (const kind of kinds) this.lists.delete(kind);
    if (!announce) return;
    const events = this.options.events();
    if (!events) return;
    const methods = new Set<string>();
    for (const kind of kinds) {
      methods.add(
        kind === "tools"
          ? "notifications/tools/list_changed"
          : kind === "prompts"
            ? "notifications/prompts/list_changed"
            : "notifications/resources/list_changed",
      );
    }
    for (const method of methods) events.listChanged(method);
  }

  private clientOptions(): ClientOptions {
    // What the upstream sends with no relation to a call goes to the only call that could have caused it.
    const sole = (method: string): ForwardedCall => {
      if (this.inflight.size === 1) return this.inflight.values().next().value as ForwardedCall;
      throw new McpError(
        ErrorCode.InternalError,
        this.inflight.size === 0
          ? `The proxy has no request in flight to pass ${method} to`
          : `The proxy cannot tell which of its ${this.inflight.size} requests in flight ${method} belongs to`,
      );
    };
    return {
      ...this.options.client,
      // The upstream runs every call to the end: a task would outlive the request that forwards it.
      tasks: false,
      // Lists are cached here (and invalidated by the upstream's notifications) instead.
      cache: false,
      sampling: (request, ctx) =>
        sole("sampling/createMessage").ask("sampling/createMessage", { ...request }, ctx.signal) as never,
      elicitation: (request, ctx) =>
        sole("elicitation/create").ask("elicitation/create", { ...request }, ctx.signal) as never,
      roots: async () => {
        const answer = await sole("roots/list").ask("roots/list", {});
        return Array.isArray(answer.roots) ? answer.roots : [];
      },
      onLog: (message: LogMessage) => {
        if (this.inflight.size === 1) (this.inflight.values().next().value as ForwardedCall).log(message);
      },
      onNotification: (notification: JSONRPCNotification) => this.onNotification(notification),
    };
  }

  private onNotification(notification: JSONRPCNotification): void {
    const kinds = KIND_OF_CHANGE[notification.method];
    if (kinds) {
      this.invalidate(kinds, true);
      return;
    }
    if (notification.method === "notifications/resources/updated") {
      const uri = notification.params?.uri;
      if (typeof uri === "string") this.options.events()?.resourceUpdated(uri);
    }
  }
}

/** The handlers of one forwarded call: what the upstream asks and logs for it goes to it. */
function callHandlers(call: ForwardedCall): CallHandlers {
  return {
    sampling: (request, ctx) => call.ask("sampling/createMessage", { ...request }, ctx.signal) as never,
    elicitation: (request, ctx) => call.ask("elicitation/create", { ...request }, ctx.signal) as never,
    roots: async () => {
      const answer = await call.ask("roots/list", {});
      return Array.isArray(answer.roots) ? answer.roots : [];
    },
    onLog: (message) => call.log(message),
  };
}

function warn(message: string): void {
  console.warn(`[fastmcp-ts proxy] ${message}`);
}
