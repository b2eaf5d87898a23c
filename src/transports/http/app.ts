/**
 * The HTTP application of a FastMCP server: routes Streamable HTTP, the legacy SSE transport and a
 * health check by path, and `listen()` serves it (plus WebSocket upgrades) on a node:http server.
 */
import type { Server } from "node:http";
import { type AuthProvider, isAuthProvider, PROTECTED_RESOURCE_WELL_KNOWN } from "../../auth/server/core.js";
import type { ServerEntry } from "../../server/entry.js";
import type { Store } from "../../stores/store.js";
import { TRANSPORT_DEFAULTS } from "../defaults.js";
import { SseServer, type SseServerOptions } from "../sse/server.js";
import { StreamableHttpHandler, type StreamableHttpOptions } from "../streamable-http/server.js";
import type { WsServerOptions } from "../ws/server.js";
import { withCors } from "./cors.js";
import { drainServer, OpenExchanges, type ShutdownOptions } from "./drain.js";
import { errorReply, type HttpReply, type HttpRequestLike, jsonReply } from "./exchange.js";
import { hostAllowed, isLoopback, LOOPBACK_HOSTS } from "./guard.js";
import { ListenError } from "./listen-error.js";
import { type NodeListener, toNodeListener } from "./node.js";
import { toWebHandler, type WebHandlerOptions } from "./web.js";

export type TransportName = "http" | "sse" | "ws";

export interface HttpAppOptions extends StreamableHttpOptions, SseServerOptions {
  /** Which transports to serve (default `["http"]`). */
  transports?: TransportName[];
  /** Streamable HTTP endpoint (default `/mcp`; `/mcp/` works too). */
  path?: string;
  /** Legacy SSE stream endpoint (default `/sse`); messages go to `messagesPath` (default `/messages`). */
  ssePath?: string;
  messagesPath?: string;
  /** WebSocket endpoint (default `/ws`). */
  wsPath?: string;
  /** Health check route answering `{"status":"ok"}` (default `/health`; false for none). */
  healthPath?: string | false;
  /** `webHandler()` only: the client's address, for the per-client session bound (see WebHandlerOptions). */
  remoteAddress?: WebHandlerOptions["remoteAddress"];
}

export interface ListenOptions extends HttpAppOptions, Omit<WsServerOptions, "path"> {
  /** One transport or several on one port (default "http"). */
  transport?: TransportName | TransportName[];
  /** Interface to bind (default 127.0.0.1). Loopback binds check the Host header by default. */
  host?: string;
  /** Port (default 8000; 0 picks a free one). */
  port?: number;
  /**
   * Longest wait for a request's headers, in ms (default 10000; 0 for none). A client that has not
   * sent them all by then gets 408 and its connection is closed.
   */
  headersTimeoutMs?: number;
  /**
   * Longest wait for a whole request, headers and body, in ms (default 60000; 0 for none). It
   * bounds receiving the request only: a reply that streams for hours (SSE, a GET stream) is fine.
   */
  requestTimeoutMs?: number;
  /** How long an idle keep-alive connection stays open for the next request, in ms (default 5000). */
  keepAliveTimeoutMs?: number;
  /**
   * Graceful shutdown (on SIGTERM or SIGINT under `run()`, or `shutdown()`): time for requests in
   * flight to finish before they are cut, in ms (default 10000).
   */
  shutdownTimeoutMs?: number;
  /**
   * The shared store that makes several instances act as one (see FastMCPOptions.store); given
   * here, it becomes the server's store.
   */
  store?: Store;
}

/**
 * node:http's timeouts from the options. node checks them on a timer (every 30 s by default), so a
 * 10 s timeout could take 40 s to fire: check at a quarter of the shortest one, at most each second.
 */
function serverTimeouts(options: ListenOptions) {
  const requestTimeout = options.requestTimeoutMs ?? TRANSPORT_DEFAULTS.requestTimeoutMs;
  const wantedHeaders = options.headersTimeoutMs ?? TRANSPORT_DEFAULTS.headersTimeoutMs;
  // node refuses a headers timeout longer than the request timeout: the headers are part of it.
  const headersTimeout =
    requestTimeout > 0 && (wantedHeaders === 0 || wantedHeaders > requestTimeout)
      ? requestTimeout
      : wantedHeaders;
  const shortest = Math.min(...[headersTimeout, requestTimeout].filter((ms) => ms > 0));
  return {
    headersTimeout,
    requestTimeout,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? TRANSPORT_DEFAULTS.keepAliveTimeoutMs,
    connectionsCheckingInterval: Number.isFinite(shortest)
      ? Math.max(25, Math.min(1000, Math.floor(shortest / 4)))
      : 30_000,
  };
}

/** A running HTTP server. */
export interface ListeningServer {
  /** The URL of the main endpoint (Streamable HTTP, else SSE, else WebSocket). */
  readonly url: string;
  readonly urls: Partial<Record<TransportName, string>>;
  readonly server: Server;
  readonly app: HttpApp;
  /** Stops accepting, ends sessions and open streams, and closes the server at once. */
  close(): Promise<void>;
  /**
   * Stops gracefully, as `run()` does on SIGTERM: `/health` answers 503 `{"status":"draining"}`, new
   * connections are refused and new requests get 503, requests in flight have `timeoutMs` (default
   * `shutdownTimeoutMs`) to finish, open SSE streams get a `retry` hint and WebSockets close 1001 so
   * that their clients reconnect elsewhere; then the server closes. Legacy sessions are not ended:
   * with a shared `store`, they carry on on another instance.
   *
   * @example
   * ```ts
   * const server = await mcp.listen({ port: 0 });
   * process.once("SIGTERM", () => server.shutdown({ timeoutMs: 5000 }));
   * ```
   */
  shutdown(options?: ShutdownOptions): Promise<void>;
}

/** Public and cross-origin: browser clients discover the authorization server from it. */
const METADATA_HEADERS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, OPTIONS",
  "access-control-allow-headers": "*",
} as const;

function metadataReply(method: string, body: string): HttpReply {
  if (method === "OPTIONS") return { status: 204, headers: { ...METADATA_HEADERS } };
  if (method !== "GET" && method !== "HEAD")
    return errorReply(405, -32000, "Method Not Allowed", null, { allow: "GET, HEAD, OPTIONS" });
  return {
    status: 200,
    headers: {
      "content-type": "application/json",
      "cache-control": "public, max-age=3600",
      ...METADATA_HEADERS,
    },
    ...(method === "GET" ? { body } : {}),
  };
}

function trimSlash(path: string): string {
  return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
}

export class HttpApp {
  readonly streamable: StreamableHttpHandler | undefined;
  readonly sse: SseServer | undefined;
  readonly options: HttpAppOptions;
  readonly paths: { http: string; sse: string; messages: string; ws: string; health: string | false };
  private readonly transports: Set<TransportName>;
  /** The RFC 9728 metadata by the paths it is served at, when the server's auth is a provider. */
  private readonly metadata: Map<string, string> | undefined;
  /** Each endpoint's RFC 9728 metadata URL, named in its challenges. */
  private readonly metadataUrls: Partial<Record<TransportName, string>>;
  /** The auth provider's own routes (an OAuth authorization server's), when it has some. */
  private readonly providerRoutes: AuthProvider["handle"];
  private drainingSince: number | undefined;

  constructor(server: ServerEntry, options: HttpAppOptions = {}) {
    this.transports = new Set(options.transports ?? ["http"]);
    this.paths = {
      http: trimSlash(options.path ?? "/mcp"),
      sse: trimSlash(options.ssePath ?? "/sse"),
      messages: trimSlash(options.messagesPath ?? "/messages"),
      ws: trimSlash(options.wsPath ?? "/ws"),
      health: options.healthPath === false ? false : trimSlash(options.healthPath ?? "/health"),
    };
    // Each served endpoint is a protected resource of its own (RFC 9728: a client accepts metadata
    // only for the URL it connects to); the root well-known URL describes the main one.
    const metadataUrls: Partial<Record<TransportName, string>> = {};
    if (server.auth && isAuthProvider(server.auth)) {
      this.metadata = new Map();
      const endpoints = (["http", "sse", "ws"] as const).filter((kind) => this.transports.has(kind));
      for (const kind of endpoints) {
        const path = this.paths[kind];
        const resource = server.auth.protectedResource(path);
        const body = JSON.stringify(resource.metadata);
        if (kind === endpoints[0]) this.metadata.set(PROTECTED_RESOURCE_WELL_KNOWN, body);
        this.metadata.set(`${PROTECTED_RESOURCE_WELL_KNOWN}${path}`, body);
        this.metadata.set(trimSlash(new URL(resource.metadataUrl).pathname), body);
        metadataUrls[kind] = resource.metadataUrl;
      }
      const main = endpoints[0] ? metadataUrls[endpoints[0]] : undefined;
      if (main !== undefined) options = { ...options, resourceMetadataUrl: main };
      this.providerRoutes = server.auth.handle?.bind(server.auth);
    }
    this.options = options;
    this.metadataUrls = metadataUrls;
    if (this.transports.has("http"))
      this.streamable = new StreamableHttpHandler(server, this.optionsFor("http"));
    if (this.transports.has("sse"))
      this.sse = new SseServer(server, this.optionsFor("sse"), this.paths.messages);
    if (options.cors) this.handle = withCors(this.handle, options.cors, options);
  }

  /** The app's options for one endpoint: its challenges name that endpoint's metadata. */
  optionsFor(transport: TransportName): HttpAppOptions {
    const url = this.metadataUrls[transport];
    return url === undefined ? this.options : { ...this.options, resourceMetadataUrl: url };
  }

  serves(transport: TransportName): boolean {
    return this.transports.has(transport);
  }

  /** Whether `drain()` was called: the app is on its way out and refuses new work. */
  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  /**
   * Requests being handled that a client awaits an answer to: legacy-session requests (whose answers
   * may travel on a stream) and SSE-transport requests. 2026-07-28 requests are plain exchanges,
   * counted by whoever serves the HTTP connections.
   */
  get inFlight(): number {
    return (this.streamable?.stats().inFlight ?? 0) + (this.sse?.inFlight ?? 0);
  }

  /**
   * Starts a graceful shutdown: from now on the health route answers 503 `{"status":"draining"}`
   * and every other request 503 with `Connection: close` and `Retry-After`, so that clients go to
   * another instance. Work in flight goes on, and sessions are kept (not ended as `close()` or a
   * DELETE would): their clients reconnect and, with a shared store, carry on elsewhere.
   */
  drain(): void {
    this.drainingSince ??= Date.now();
  }

  /**
   * Routes one request by path. Not async: the endpoints' own promises are handed on as they are
   * (an async function would wrap each in one more, resolved some microtasks later). It never
   * throws: a failure is a rejection, as from an async function.
   */
  handle = (request: HttpRequestLike): Promise<HttpReply> => {
    try {
      const path = trimSlash(request.pathname);
      if (
        this.streamable &&
        path === this.paths.http &&
        this.drainingSince === undefined &&
        (this.metadata === undefined || !this.metadata.has(path))
      )
        return this.streamable.handle(request);
      return this.route(request, path);
    } catch (error) {
      return Promise.reject(error);
    }
  };

  /** Every route but the Streamable HTTP endpoint's (and that one too while draining). */
  private async route(request: HttpRequestLike, path: string): Promise<HttpReply> {
    if (this.drainingSince !== undefined) return this.refuse(request, path);
    if (this.metadata !== undefined && path.startsWith("/.well-known/")) {
      const body = this.metadata.get(path);
      if (body !== undefined) return metadataReply(request.method, body);
    }
    if (this.streamable && path === this.paths.http) return this.streamable.handle(request);
    if (this.sse && path === this.paths.sse) return this.sse.handleStream(request);
    if (this.sse && path === this.paths.messages) return this.sse.handleMessage(request);
    if (this.providerRoutes) {
      const host = request.header("host");
      if (!hostAllowed(host, this.options.allowedHosts))
        return errorReply(403, -32000, `Forbidden: host ${host ?? "(none)"} is not allowed`);
      const reply = await this.providerRoutes(request);
      if (reply) return reply;
    }
    if (this.paths.health && path === this.paths.health && request.method === "GET")
      return jsonReply(200, { status: "ok" });
    return errorReply(404, -32000, `Not Found: ${request.pathname}`);
  }

  /** The answer to any request while draining. */
  private refuse(request: HttpRequestLike, path: string): HttpReply {
    const headers = { connection: "close", "retry-after": "1", "cache-control": "no-store" };
    if (this.paths.health && path === this.paths.health && request.method === "GET")
      return jsonReply(503, { status: "draining" }, headers);
    return errorReply(503, -32000, "Service Unavailable: the server is shutting down", null, headers);
  }

  /** The app as a web-standard fetch handler. */
  webHandler(): (request: Request) => Promise<Response> {
    return toWebHandler(
      this.handle,
      this.options.remoteAddress ? { remoteAddress: this.options.remoteAddress } : {},
    );
  }

  /** The app as a node:http request listener. */
  nodeListener(): NodeListener {
    return toNodeListener(this.handle);
  }

  close(): void {
    this.streamable?.close();
    this.sse?.close();
  }
}

/** Serves a FastMCP server over HTTP on a node:http server. */
export async function listen(server: ServerEntry, options: ListenOptions = {}): Promise<ListeningServer> {
  const { createServer } = await import("node:http");
  const transports = Array.isArray(options.transport) ? options.transport : [options.transport ?? "http"];
  const host = options.host ?? "127.0.0.1";
  const appOptions: HttpAppOptions = { ...options, transports };
  if (appOptions.allowedHosts === undefined && isLoopback(host))
    appOptions.allowedHosts = [...LOOPBACK_HOSTS];
  const app = new HttpApp(server, appOptions);
  const listener = app.nodeListener();
  const exchanges = new OpenExchanges();
  const http = createServer(
    serverTimeouts(options),
    exchanges.wrap((req, res) => listener(req, res)),
  );
  const ws = transports.includes("ws")
    ? (await import("../ws/server.js")).attachWebSocketServer(server, http, {
        ...appOptions,
        // The app's own for this endpoint: it adds the auth provider's metadata URL for the challenges.
        ...app.optionsFor("ws"),
        path: app.paths.ws,
      })
    : undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      http.once("error", reject);
      http.listen(options.port ?? TRANSPORT_DEFAULTS.port, host, () => {
        http.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    app.close();
    ws?.close();
    throw new ListenError(error, host, options.port ?? TRANSPORT_DEFAULTS.port);
  }
  const address = http.address();
  const port =
    typeof address === "object" && address ? address.port : (options.port ?? TRANSPORT_DEFAULTS.port);
  const shownHost = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
  const base = `http://${shownHost}:${port}`;
  const urls: Partial<Record<TransportName, string>> = {};
  if (app.serves("http")) urls.http = `${base}${app.paths.http}`;
  if (app.serves("sse")) urls.sse = `${base}${app.paths.sse}`;
  if (transports.includes("ws")) urls.ws = `ws://${shownHost}:${port}${app.paths.ws}`;
  let closing: Promise<void> | undefined;
  let draining: Promise<void> | undefined;
  return {
    url: (urls.http ?? urls.sse ?? urls.ws) as string,
    urls,
    server: http,
    app,
    close() {
      closing ??= new Promise<void>((resolve) => {
        app.close();
        ws?.close();
        http.close(() => resolve());
        http.closeAllConnections();
      });
      return closing;
    },
    shutdown(shutdownOptions = {}) {
      const timeoutMs =
        shutdownOptions.timeoutMs ?? options.shutdownTimeoutMs ?? TRANSPORT_DEFAULTS.httpShutdownTimeoutMs;
      draining ??= closing ?? drainServer({ http, app, ws, exchanges }, timeoutMs);
      return draining;
    },
  };
}
