/**
 * FastMCP: the server. Register tools, resources, resource templates and prompts in a line each,
 * then serve them over any transport; both protocol eras are answered on the same connection.
 *
 * @example
 * ```ts
 * import { FastMCP } from "fastmcp-ts";
 * import { z } from "zod";
 *
 * const mcp = new FastMCP("Demo");
 * mcp.tool("add", { inputSchema: z.object({ a: z.number(), b: z.number() }) }, ({ a, b }) => a + b);
 * mcp.resource("config://app", () => ({ theme: "dark" }));
 * await mcp.run();
 * ```
 */
import type { AuthProvider, TokenVerifier } from "../auth/server/core.js";
import type { ClientTarget } from "../client/detect.js";
import { type ProxyOptions, planProxy } from "../compose/as-proxy.js";
import type { FromOpenAPIOptions, OpenAPISource } from "../compose/openapi/index.js";
import type {
  CacheHints,
  Icon,
  Implementation,
  JSONRPCNotification,
  JSONRPCRequest,
  JSONRPCResponse,
  Tool,
} from "../protocol/types.js";
import type { InferArgs, SchemaInput } from "../schema/standard.js";
import type { ScaleOut } from "../stores/scale-out.js";
import type { Store } from "../stores/store.js";
import type { HttpApp, HttpAppOptions, ListeningServer, ListenOptions } from "../transports/http/app.js";
import type { NodeListener } from "../transports/http/node.js";
import { serveStdioWith } from "../transports/stdio/server.js";
import type { PromptDefinition, PromptHandler, PromptOptions } from "./components/prompts.js";
import {
  type ComponentHandle,
  type DuplicateSetting,
  normalize,
  Registrar,
} from "./components/registration.js";
import type { ResourceHandler, ResourceOptions, TemplateHandler } from "./components/resources.js";
import { type TransformToolOptions, transformToolEntry } from "./components/tool-transform.js";
import type {
  ToolDefinition,
  ToolEntry,
  ToolHandle,
  ToolHandler,
  ToolOptions,
  ToolOutput,
  ToolReturn,
} from "./components/tools.js";
import { type IsUriTemplate, isUriTemplate, type UriTemplateParams } from "./components/uri-template.js";
import { Visibility, type VisibilityFilter } from "./components/visibility.js";
import type {
  ExchangeOptions,
  ServerEntry,
  ServerSession,
  SessionOptions,
  StatelessNotificationOptions,
} from "./entry.js";
import { loadedServing, loadServing, ServerKernel, type ServingCode, unserved } from "./kernel.js";
import type { Middleware, MiddlewareServer } from "./middleware.js";
import { reaches } from "./mounts.js";
import { namespaceOf } from "./namespace.js";
import { PendingSession } from "./pending-session.js";
import { hookedRunOptions, maskSetting } from "./process-settings.js";
import { type RequestStateOptions, secretBytes } from "./request-state-options.js";
import type { ScaleOutHold, Served } from "./serve-methods.js";
import { type ServerStats, type SessionInfo, serverStats, sessionInfos } from "./stats.js";
import type { TasksOptions } from "./tasks/tasks-options.js";

/** A resource's handler: `(ctx)` for a fixed URI, `(params, ctx)` for a template. */
export type HandlerFor<U extends string> = string extends U
  ? ResourceHandler | TemplateHandler
  : IsUriTemplate<U> extends true
    ? TemplateHandler<UriTemplateParams<U>>
    : ResourceHandler;

export interface FastMCPOptions {
  name: string;
  version?: string;
  title?: string;
  description?: string;
  websiteUrl?: string;
  icons?: Icon[];
  /** Guidance for the model on how to use this server. */
  instructions?: string;
  /** Hide the detail of unexpected exceptions from clients (ToolError messages are always sent). */
  maskErrorDetails?: boolean;
  /** Split list results into pages of this size (default: one page). */
  pageSize?: number;
  /** Cache hints on 2026-07-28 list and discover results (default: `{ ttlMs: 0, cacheScope: "public" }`). */
  listCache?: Partial<CacheHints>;
  /**
   * Checks bearer tokens on the HTTP, SSE and WebSocket transports (401 when missing or invalid);
   * the identity reaches handlers as `ctx.auth`. An AuthProvider (RemoteAuthProvider) also serves
   * the RFC 9728 protected resource metadata and names it in every challenge.
   */
  auth?: TokenVerifier | AuthProvider;
  /**
   * The requestState of 2026-07-28 input-required rounds (elicitation, sampling, roots): give every
   * instance the same `secret` when retries may reach another instance; `ttlMs` bounds its life.
   */
  requestState?: RequestStateOptions;
  /** Cache hints on 2026-07-28 resources/read results (default: `{ ttlMs: 0, cacheScope: "private" }`). */
  readCache?: Partial<CacheHints>;
  /**
   * The tasks extension (tools registered with `task`): where task state lives (`store`, default a
   * bounded in-memory one of `maxTasks`, 1000), how long a task is kept (`ttlMs`, default one
   * hour) and the polling interval suggested to clients (`pollIntervalMs`, default 1000).
   */
  tasks?: TasksOptions;
  /**
   * What registering a name (tools, prompts) or URI (resources, templates) that is already taken
   * does, also when `handle.update()` renames into a taken one: `"warn"` (default) replaces the
   * earlier component and warns on the console, `"error"` throws, `"replace"` replaces silently,
   * `"ignore"` keeps the earlier one. One policy for all kinds, or one per kind
   * (`{ tools: "error" }`; kinds not named use `"warn"`).
   */
  onDuplicate?: DuplicateSetting;
  /**
   * Show only components tagged with at least one of these (tools, resources, templates, prompts);
   * the others are absent from lists and answer as unknown. `enable()` cannot show what this hides.
   */
  includeTags?: readonly string[];
  /** Hide components tagged with any of these; wins over `includeTags` and over `enable()`. */
  excludeTags?: readonly string[];
  /**
   * The shared store that makes several instances of this server act as one (`RedisStore` from
   * `fastmcp-ts/redis`): legacy sessions, resumable streams, notifications, tasks, per-session
   * state and the requestState key live there. `run()` and `listen()` take it too.
   */
  store?: Store;
}

/** Transport choice for `run()`: stdio (default), or an HTTP-based one with its listen options. */
export type RunOptions =
  | { transport?: "stdio"; maxLineBytes?: number }
  | ({
      transport: "http" | "sse" | "ws" | ("http" | "sse" | "ws")[];
      /**
       * Processes serving the port together (default 1, or `FASTMCP_WORKERS`): node:cluster forks
       * them, each running the script again (its `run()` listens), and replaces one that dies. They
       * share nothing but the port: without a `store`, the 2026-07-28 era is served by every
       * worker, a legacy `initialize` is refused (unless `stateless: true`), and the SSE and
       * WebSocket transports refuse to start.
       */
      workers?: number;
    } & Omit<ListenOptions, "transport">);

export type { ComponentHandle } from "./components/registration.js";

/** Options of `mount()` and `importServer()`. */
export interface MountOptions {
  /**
   * Puts the other server's components under this namespace: tool and prompt `forecast` becomes
   * `weather_forecast`, resource `data://today` becomes `data://weather/today` (templates likewise).
   * Without one, names are served as they are (this server's own components win over mounted ones
   * of the same name, and a later mount over an earlier one).
   */
  namespace?: string;
}

export class FastMCP implements ServerEntry {
  readonly name: string;
  /** The token verifier of the HTTP transports, if any. */
  readonly auth: TokenVerifier | undefined;
  /** The shared store of a scaled-out server (the `store` option of the constructor, `run` or `listen`). */
  get store(): Store | undefined {
    return this.hold.store;
  }
  /** The shared store, and the joining of the other instances once started (serve-methods.ts). */
  private readonly hold: ScaleOutHold;
  /** @internal This instance's part in the scaled-out server, once the store is attached. */
  scaleOut: ScaleOut | undefined;
  /** Registries and the dispatcher; transports reach it only through the ServerEntry methods. */
  private readonly kernel: ServerKernel;
  private readonly registrar: Registrar;
  /** Made on first use, so a server without tag filters or rules judges nothing. */
  private visibility: Visibility | undefined;

  constructor(nameOrOptions: string | FastMCPOptions) {
    const options: FastMCPOptions =
      typeof nameOrOptions === "string" ? { name: nameOrOptions } : nameOrOptions;
    if (!options.name) throw new TypeError("FastMCP needs a name");
    this.name = options.name;
    this.auth = options.auth;
    this.hold = { store: options.store, start: undefined };
    const info: Implementation = { name: options.name, version: options.version ?? "0.0.0" };
    if (options.title !== undefined) info.title = options.title;
    if (options.description !== undefined) info.description = options.description;
    if (options.websiteUrl !== undefined) info.websiteUrl = options.websiteUrl;
    if (options.icons !== undefined) info.icons = options.icons;
    this.kernel = new ServerKernel({
      info,
      instructions: options.instructions,
      maskErrorDetails: options.maskErrorDetails ?? maskSetting() ?? false,
      pageSize: options.pageSize,
      listCache: { ttlMs: 0, cacheScope: "public", ...options.listCache },
      readCache: { ttlMs: 0, cacheScope: "private", ...options.readCache },
      requestState: checkedRequestState(options.requestState),
      ...(options.tasks === undefined ? {} : { tasks: options.tasks }),
    });
    this.registrar = new Registrar(this.kernel, this.name, options.onDuplicate);
    if (options.includeTags !== undefined || options.excludeTags !== undefined) {
      this.visibility = new Visibility(options.includeTags, options.excludeTags);
      this.visibility.applyTo(this.registries());
    }
  }

  /**
   * A server whose tools call a REST API described by an OpenAPI 3.0 or 3.1 document (an object,
   * JSON or YAML text, or a URL). Async: the module loads on first use and may parse YAML or fetch
   * the document. The same as `fromOpenAPI` of `fastmcp-ts/openapi`, which documents the options.
   *
   * @example
   * ```ts
   * const mcp = await FastMCP.fromOpenAPI(spec, { baseUrl: "https://api.example.com" });
   * ```
   */
  static fromOpenAPI(spec: OpenAPISource, options?: FromOpenAPIOptions): Promise<FastMCP> {
    return import("../compose/openapi/index.js").then(({ fromOpenAPI }) => fromOpenAPI(spec, options));
  }

  /**
   * Registers a tool. `handler(args, ctx)` may be sync or async; its value becomes the result.
   * Arguments are typed from a Standard Schema `inputSchema`, and the return value is checked
   * against a Standard Schema `outputSchema` at compile time.
   */
  tool<S extends SchemaInput | undefined = undefined, O extends SchemaInput | undefined = undefined>(
    name: string,
    options: ToolOptions<S, O>,
    handler: ToolHandler<S extends SchemaInput ? InferArgs<S> : Record<string, never>, ToolReturn<O>>,
  ): ToolHandle<S extends SchemaInput ? InferArgs<S> : Record<string, never>, ToolOutput<O>>;
  tool(name: string, handler: ToolHandler<Record<string, never>>): ToolHandle<Record<string, never>>;
  tool<S extends SchemaInput | undefined = undefined, O extends SchemaInput | undefined = undefined>(
    definition: ToolDefinition<S, O>,
  ): ToolHandle<S extends SchemaInput ? InferArgs<S> : Record<string, never>, ToolOutput<O>>;
  tool(a: string | ToolDefinition, b?: ToolOptions | ToolHandler<never>, c?: ToolHandler<never>) {
    const [name, options, handler] = normalize(a, b, c, "name");
    return this.registrar.register("tools", name, options, handler);
  }

  /**
   * Registers a resource, or a resource template when the URI has `{variables}`. A static
   * resource's handler gets `(ctx)`; a template's gets `(params, ctx)`.
   */
  resource<U extends string>(
    uri: U,
    handler: HandlerFor<U>,
  ): ComponentHandle<ResourceOptions & { uri: string }>;
  resource<U extends string>(
    uri: U,
    options: ResourceOptions,
    handler: HandlerFor<U>,
  ): ComponentHandle<ResourceOptions & { uri: string }>;
  resource<U extends string>(
    definition: ResourceOptions & { uri: U; handler: HandlerFor<U> },
  ): ComponentHandle<ResourceOptions & { uri: string }>;
  resource(a: unknown, b?: unknown, c?: unknown) {
    const [uri, options, handler] = normalize(a, b, c, "uri");
    return this.registrar.register(isUriTemplate(uri) ? "templates" : "resources", uri, options, handler);
  }

  /** Registers a resource template explicitly (same as `resource()` with a templated URI). */
  resourceTemplate<U extends string>(
    uriTemplate: U,
    options: ResourceOptions,
    handler: TemplateHandler<UriTemplateParams<U>>,
  ): ComponentHandle<ResourceOptions & { uri: string }> {
    return this.registrar.register("templates", uriTemplate, options, handler);
  }

  /** Registers a prompt. The handler returns a string, a message, or an array of messages. */
  prompt<S extends SchemaInput | undefined = undefined>(
    name: string,
    options: PromptOptions<S>,
    handler: PromptHandler<S extends SchemaInput ? InferArgs<S> : Record<string, never>>,
  ): ComponentHandle<PromptOptions & { name: string; handler: PromptHandler<never> }>;
  prompt(
    name: string,
    handler: PromptHandler<Record<string, never>>,
  ): ComponentHandle<PromptOptions & { name: string; handler: PromptHandler<never> }>;
  prompt<S extends SchemaInput | undefined = undefined>(
    definition: PromptDefinition<S>,
  ): ComponentHandle<PromptOptions & { name: string; handler: PromptHandler<never> }>;
  prompt(a: unknown, b?: unknown, c?: unknown) {
    const [name, options, handler] = normalize(a, b, c, "name");
    return this.registrar.register("prompts", name, options, handler);
  }

  /**
   * Shows components again that earlier `disable()` rules hid. A rule, not a one-off: it also
   * applies to components registered later. Criteria narrow (named *and* tagged); the latest
   * matching rule wins. It cannot show what `includeTags`/`excludeTags` hide, nor a component whose
   * own handle is disabled: a component is visible when its handle, the tag filter and the rules
   * all agree.
   *
   * @example
   * ```ts
   * mcp.disable({ tags: ["admin"] }).enable({ names: ["drop_table"] });
   * ```
   */
  enable(filter: VisibilityFilter): this {
    return this.addRule(true, filter);
  }

  /**
   * Hides components from every client, now and when registered later: `tags` matches components
   * having any of them, `names` tool and prompt names and resource and template URIs. Hidden
   * components are absent from lists and answer as unknown. See `enable()` for the precedence.
   */
  disable(filter: VisibilityFilter): this {
    return this.addRule(false, filter);
  }

  /**
   * Reshapes a registered tool in place: it is listed and called under the new name, description
   * and arguments (the old name stops answering); calls map the new argument names back, fill
   * defaults and pass hidden arguments, then run the original validation and handler. Clients get
   * `tools/list_changed`. Throws a TypeError for an unknown tool or argument, or when hiding a
   * required argument without a default. Returns the transformed tool's handle (the original
   * registration's handle no longer acts on it); its `update()` re-applies the transformation with
   * the options changed. A tool whose schema loads asynchronously (valibot) needs `await mcp.ready()` first.
   *
   * @example
   * ```ts
   * mcp.transformTool("search", {
   *   name: "find",
   *   args: { q: { name: "query", description: "What to look for" }, limit: { default: 10, hide: true } },
   * });
   * ```
   */
  transformTool(name: string, options: TransformToolOptions): ComponentHandle<TransformToolOptions> {
    const base = this.kernel.tools.peek(name);
    if (!base) throw new TypeError(`transformTool: no tool named ${name}`);
    const build = (key: string, options: Record<string, unknown>, from: unknown) => {
      const next = options as TransformToolOptions & { enabled?: boolean };
      const entry = transformToolEntry(from as ToolEntry, { ...next, name: key });
      if (next.enabled !== undefined) entry.enabled = next.enabled;
      return entry;
    };
    return this.registrar.register("tools", options.name ?? name, options, base, { build, replacing: name });
  }

  /**
   * Serves another server's tools, resources, templates and prompts through this one, live: later
   * changes to `server` show through, its list changes and resource updates reach this server's
   * clients, and its middleware runs inside this server's. Completions and subscriptions reach it
   * too. Requests keep the caller's identity, era and context (progress, logging, elicitation,
   * sampling and roots work as in a component of this server).
   *
   * @example
   * ```ts
   * const weather = new FastMCP("weather");
   * weather.tool("forecast", () => "Sunny");
   * const main = new FastMCP("main");
   * main.mount(weather, { namespace: "weather" });   // tool "weather_forecast"
   * ```
   */
  mount(server: FastMCP, options: MountOptions | string = {}): this {
    if (!(server instanceof FastMCP))
      throw new TypeError("mount() takes a FastMCP server (for anything else, FastMCP.asProxy)");
    if (reaches(server.kernel, this.kernel))
      throw new TypeError(
        `mount(): ${server.name} is ${server === this ? "this server" : "already serving this server"}; mounting it would loop`,
      );
    this.kernel.mount({ kind: "server", name: server.name, kernel: server.kernel }, namespaceOf(options));
    return this;
  }

  /**
   * Copies another server's components into this one, once: later changes to `server` do not show,
   * and its middleware does not run (this server's does). Components it serves from its own mounts
   * are not copied (mount it to serve those). Waits for `server`'s pending registrations first.
   * Names already taken follow this server's `onDuplicate`.
   *
   * @example
   * ```ts
   * await main.importServer(billing, { namespace: "billing" });   // tool "billing_invoice"
   * ```
   */
  async importServer(server: FastMCP, options: MountOptions | string = {}): Promise<this> {
    if (!(server instanceof FastMCP)) throw new TypeError("importServer() takes a FastMCP server");
    const namespace = namespaceOf(options);
    // The copying code loads here, the first time a server imports another.
    const [{ importedEntries }] = await Promise.all([import("../compose/import.js"), server.ready()]);
    for (const copy of importedEntries(server.kernel, namespace)) {
      this.registrar.register(copy.kind, copy.key, {}, undefined, { build: (key) => copy.build(key) });
    }
    return this;
  }

  /**
   * A server that serves another one through a Client: anything `new Client(target)` takes (a
   * command line, a URL, a transport, a FastMCP instance, an `mcpServers` config). Its tools,
   * resources, templates, prompts, completions and list changes are forwarded, and what the
   * upstream asks of the client (elicitation, sampling, roots), its logs and progress, and
   * cancellation pass through in both directions, in either protocol era on either side.
   *
   * The upstream is connected on first use and the connection kept (a stdio server is spawned once,
   * and again after it died); with `forwardHeaders`, one connection per distinct set of forwarded
   * values. An `mcpServers` config with several servers serves them all, each namespaced by its key
   * (`weather_forecast`, `data://weather/today`); one that fails is reported and the others work.
   * `close()` ends the upstream connections.
   *
   * @example
   * ```ts
   * const proxy = FastMCP.asProxy("npx -y @modelcontextprotocol/server-everything stdio", { name: "everything" });
   * await proxy.run({ transport: "http", port: 8080 });
   *
   * const hub = FastMCP.asProxy({ mcpServers: { fs: { command: "npx", args: ["-y", "@modelcontextprotocol/server-filesystem", "."] },
   *                                             remote: { url: "https://example.com/mcp" } } });
   * ```
   */
  static asProxy(target: ClientTarget, options: ProxyOptions = {}): FastMCP {
    const plan = planProxy(target, options);
    const server = new FastMCP({
      ...options.server,
      name: plan.name,
      ...(options.version === undefined ? {} : { version: options.version }),
      ...(options.instructions === undefined ? {} : { instructions: options.instructions }),
    });
    for (const { target, namespace } of plan.mounts)
      server.kernel.mount(target, namespace === undefined ? undefined : namespaceOf(namespace));
    return server;
  }

  /**
   * Releases what mounted sources hold (a proxy's upstream connections and processes) and leaves
   * the other instances of a scaled-out server (the store itself is its owner's to close).
   */
  async close(): Promise<void> {
    await this.kernel.mounts?.close();
    const scaleOut = this.scaleOut;
    this.scaleOut = undefined;
    this.hold.start = undefined;
    if (scaleOut) {
      if (this.kernel.hub) this.kernel.hub.relay = undefined;
      if (this.kernel.loadedTasks) this.kernel.loadedTasks.relay = undefined;
      await scaleOut.stop();
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Adds middleware: hooks run around every request, the same on every transport and era. The
   * first middleware ever given runs outermost; each one's `setup(server)` is called here.
   *
   * @example
   * ```ts
   * import { timing, rateLimit } from "fastmcp-ts/middleware";
   * mcp.use(timing(), rateLimit({ perSecond: 10, burst: 20 }));
   * mcp.use({
   *   async onCallTool(ctx, next) {
   *     ctx.arguments = { ...ctx.arguments, user: ctx.auth?.clientId };
   *     return next();
   *   },
   * });
   * ```
   */
  use(...middleware: Middleware[]): this {
    this.kernel.use(middleware);
    const kernel = this.kernel;
    const view: MiddlewareServer = {
      onListChanged: (listener) => kernel.onListChanged(listener),
      tool: (name) => kernel.tools.get(name)?.wire,
    };
    for (const item of middleware) item.setup?.(view);
    return this;
  }

  /**
   * Tells subscribed clients that a resource changed: legacy sessions that sent
   * `resources/subscribe`, and 2026-07-28 listen streams whose filter names the URI.
   */
  notifyResourceUpdated(uri: string): void {
    this.kernel.resourceUpdated(uri);
  }

  /** A snapshot of the running server: open sessions, requests in flight, listen streams, components. */
  stats(): ServerStats {
    return serverStats(this.kernel);
  }

  /** The open sessions on every transport. */
  sessions(): SessionInfo[] {
    return sessionInfos(this.kernel);
  }

  /** Resolves when every registration has finished (schema converters that load asynchronously). */
  ready(): Promise<void> {
    return this.kernel.ready();
  }

  /**
   * Opens a connection over a message channel; used by transports (in-memory, stdio, WebSocket)
   * and by custom ones. Feed it with `receive`/`receiveText`, end it with `close`.
   */
  createSession(options: SessionOptions): ServerSession {
    const code = loadedServing();
    // Before the serving code loaded, a session that keeps what it receives until it has.
    if (!code) return new PendingSession(this.kernel, options, loadServing());
    // Its first request needs the dispatcher: it is made now.
    void this.kernel.serve();
    return new code.ChannelSession(this.kernel, options);
  }

  /** Whether the detail of unexpected errors is hidden from clients (the `maskErrorDetails` option). */
  get maskErrorDetails(): boolean {
    return this.kernel.options.maskErrorDetails;
  }

  /** Answers one stateless request (a 2026-07-28 HTTP exchange); used by transports. */
  exchange(request: JSONRPCRequest, options: ExchangeOptions): Promise<JSONRPCResponse> {
    const code = loadedServing();
    if (code) return code.exchange(this.kernel, request, options);
    return loadServing().then(
      (loaded) => loaded.exchange(this.kernel, request, options),
      // Never a rejection: what cannot be served is an error answer, as a failing dispatch's is.
      (error: Error) => unserved(request.id, error, this.kernel.options.maskErrorDetails),
    );
  }

  /** Hands over a notification that arrived outside any session; used by transports. */
  receiveNotification(notification: JSONRPCNotification, options: StatelessNotificationOptions): void {
    const code = loadedServing();
    if (code) code.exchangeNotification(this.kernel, notification, options);
    else
      loadServing().then(
        (loaded) => loaded.exchangeNotification(this.kernel, notification, options),
        () => {}, // A notification has no one to answer; requests report the failure.
      );
  }

  /** A tool's wire definition, as clients list it; used by transports. */
  toolDefinition(name: string): Tool | undefined {
    return this.kernel.tools.get(name)?.wire;
  }

  /**
   * Serves the server; stdio by default. Over stdio it resolves when stdin ends; over HTTP, SSE or
   * WebSocket once the process got SIGINT or SIGTERM and shut down gracefully (see
   * `ListeningServer.shutdown()`: requests in flight have `shutdownTimeoutMs` to finish; a second
   * signal exits at once), and the process exits soon after. When the port cannot be bound (in
   * use, no permission) it prints one line naming host and port to stderr and exits the process
   * with code 1; `listen()` rejects with a ListenError instead. `FASTMCP_HOST`, `FASTMCP_PORT`,
   * `FASTMCP_WORKERS` and `FASTMCP_SHUTDOWN_TIMEOUT_MS` fill in what these options leave out; under `fastmcp-ts run`, the command
   * line's flags win over these options.
   *
   * @example
   * ```ts
   * await mcp.run({ transport: "http", port: 8000, workers: 4 }); // node:cluster, one port
   * ```
   */
  async run(requested: RunOptions = {}): Promise<void> {
    const options = hookedRunOptions(this, requested);
    if (options === false) return; // the fastmcp-ts CLI only wanted the server (inspect, install)
    // The serving code loads while the transport starts (in a cluster's primary too: it is one file).
    const serving = this.serving();
    if (options.transport === undefined || options.transport === "stdio") {
      const { store } = options as { store?: Store };
      if (store !== undefined) await (await serving).joinScaleOut(this.served(), store);
      const maxLineBytes = "maxLineBytes" in options ? options.maxLineBytes : undefined;
      // The stdio loop is in the serving code's file.
      await serveStdioWith(this, maxLineBytes === undefined ? {} : { maxLineBytes }, () => serving);
      return;
    }
    const [code, runModule] = await Promise.all([serving, import("../transports/http/run.js")]);
    await code.runHttpServer(
      this.served(),
      options as Extract<RunOptions, { transport: unknown }>,
      runModule,
    );
  }

  /**
   * Starts an HTTP server (Streamable HTTP by default; SSE and WebSocket on request, several on one
   * port) and resolves once it listens. `port: 0` picks a free port.
   *
   * @example
   * ```ts
   * const { url, close } = await mcp.listen({ port: 0 });
   * const client = await Client.connect(url);
   * ```
   */
  async listen(options: ListenOptions = {}): Promise<ListeningServer> {
    const [code, app] = await Promise.all([this.serving(), import("../transports/http/app.js")]);
    return code.listenServer(this.served(), options, app);
  }

  /** The HTTP endpoints as a web-standard handler `(Request) => Promise<Response>` (Bun, Deno, Workers, Hono). */
  webHandler(options: HttpAppOptions = {}): (request: Request) => Promise<Response> {
    // The HTTP modules load on first use, so servers that never serve HTTP never load them.
    let handler: Promise<(request: Request) => Promise<Response>> | undefined;
    return async (request) => {
      handler ??= this.httpApp(options).then((app) => app.webHandler());
      return (await handler)(request);
    };
  }

  /** The HTTP endpoints as a node:http request listener (node:http, Express, Connect, Fastify). */
  nodeListener(options: HttpAppOptions = {}): NodeListener {
    let listener: Promise<NodeListener> | undefined;
    return (req, res, next) => {
      listener ??= this.httpApp(options).then((app) => app.nodeListener());
      listener.then((ready) => ready(req, res, next), next ?? (() => res.destroy()));
    };
  }

  private async httpApp(options: HttpAppOptions): Promise<HttpApp> {
    const [code, app] = await Promise.all([this.serving(), import("../transports/http/app.js")]);
    return code.httpApp(this.served(), options, app);
  }

  /** The serving code, once loaded, with this server's dispatcher made. */
  private serving(): Promise<ServingCode> {
    return this.kernel.serve().then(loadServing);
  }

  /** What the serving-time bodies of its methods (serve-methods.ts) use of this server. */
  private served(): Served {
    return { server: this, kernel: this.kernel, hold: this.hold };
  }

  private registries() {
    const { tools, resources, templates, prompts } = this.kernel;
    return [tools, resources, templates, prompts] as const;
  }

  private addRule(show: boolean, filter: VisibilityFilter): this {
    this.visibility ??= new Visibility(undefined, undefined);
    this.visibility.add(show, filter);
    this.visibility.applyTo(this.registries());
    return this;
  }
}

/** The `requestState` option, checked now (a bad secret throws here); the codec is made when serving starts. */
function checkedRequestState(options: RequestStateOptions = {}): RequestStateOptions {
  secretBytes(options.secret);
  return options;
}
