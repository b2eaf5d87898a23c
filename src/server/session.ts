/**
 * A server session: one JSON-RPC engine, the era state of the connection, and the kernel behind
 * it. Every connection-shaped transport uses it (in-memory, stdio, WebSocket, SSE), and so do
 * legacy Streamable HTTP sessions, whose requests arrive one POST at a time: each carries a route
 * that its answer, its notifications and the server requests it makes are sent back with.
 */

import { type IncomingRequestExtra, RpcPeer, type RpcPeerOptions } from "../protocol/engine.js";
import { decodeText, decodeValue } from "../protocol/jsonrpc.js";
import { sharedJson } from "../protocol/shared-json.js";
import type {
  JSONRPCMessage,
  JSONRPCNotification,
  JSONRPCRequest,
  JSONRPCResponse,
  Result,
} from "../protocol/types.js";
import type { RequestRoute, ServerSession, SessionOptions } from "./entry.js";
import { type DispatchInput, type ServerKernel, type SessionState, sessionState } from "./kernel.js";
import type { SessionMember } from "./subscriptions.js";

/**
 * The session is its RpcPeer's options too (RpcPeerOptions): the peer calls its `send`,
 * `onRequest`, `onNotification`, `onUnanswered` and `onStrayResponse` as methods and reads the
 * rest through getters, so a session holds no options object and no closures of its own. It
 * keeps the transport's options and reads them when used; their handlers are called as methods.
 */
export class ChannelSession implements ServerSession, SessionMember, RpcPeerOptions {
  readonly state: SessionState;
  private readonly peer: RpcPeer;
  private readonly kernel: ServerKernel;
  private readonly options: SessionOptions;
  private ownRequest: DispatchInput["serverRequest"];

  /** `state`: the one a session opened before the serving code loaded made (pending-session.ts). */
  constructor(kernel: ServerKernel, options: SessionOptions, state: SessionState = sessionState(options)) {
    this.kernel = kernel;
    this.options = options;
    this.state = state;
    this.peer = new RpcPeer(this);
    kernel.sessions.add(this);
  }

  get inFlight(): number {
    return this.peer.inFlightCount;
  }

  get initialized(): boolean {
    return this.state.legacy?.initialized === true;
  }

  get legacy(): boolean {
    return this.state.legacy !== undefined;
  }

  /** Sends a notification about the connection as a whole (list changes, resource updates). */
  notify(method: string, params?: Record<string, unknown>): void {
    this.peer.notify(method, params);
  }

  drain(): Promise<void> {
    return this.peer.idle();
  }

  receive(value: unknown, route?: RequestRoute): void {
    const decoded = decodeValue(value);
    if (decoded.kind === "invalid") this.reject(decoded.error, route);
    else this.accept(decoded.message, route);
  }

  receiveText(text: string, route?: RequestRoute): void {
    const decoded = decodeText(text);
    if (decoded.kind === "invalid") this.reject(decoded.error, route);
    else this.accept(decoded.message, route);
  }

  close(error?: Error): void {
    this.kernel.sessions.delete(this);
    this.peer.close(error);
  }

  /** Sends a server-to-client request on the route of the request being handled. */
  requestVia(route: unknown): NonNullable<DispatchInput["serverRequest"]> {
    return (method, params, signal) => this.peer.request(method, params, { signal, route });
  }

  /** Sends a server-to-client request on the connection itself (made once, on first use). */
  connectionRequest(): NonNullable<DispatchInput["serverRequest"]> {
    this.ownRequest ??= (method, params, signal) => this.peer.request(method, params, { signal });
    return this.ownRequest;
  }

  /** The headers a request sees: its own (an HTTP POST's), else the connection's. */
  headersFor(route: RequestRoute | undefined): Record<string, string> | undefined {
    return route?.headers ?? this.options.headers;
  }

  private accept(message: JSONRPCMessage, route: RequestRoute | undefined): void {
    // The caller is the session's own identity (checked by the transport); a refreshed token is ctx.auth.
    if (route?.auth) this.state.auth = route.auth;
    this.peer.receive(message, route);
  }

  private reject(error: JSONRPCMessage, route: RequestRoute | undefined): void {
    try {
      const sent = this.options.send(error, route);
      if (sent instanceof Promise) sent.catch(() => {});
    } catch {
      // The channel is gone; nothing more to tell.
    }
  }

  // ---- the peer's side (RpcPeerOptions) ----

  /** @internal Writes one of the peer's messages to the client, through the transport. */
  send(message: JSONRPCMessage, route?: unknown): void | Promise<void> {
    return this.options.send(message, route as RequestRoute | undefined);
  }

  /** @internal A request of the client, for the kernel. */
  onRequest(request: JSONRPCRequest, extra: IncomingRequestExtra): Promise<Result> | Result {
    return this.kernel.dispatch(new SessionDispatch(this, request, extra));
  }

  /** @internal A notification of the client. */
  onNotification(notification: JSONRPCNotification): void {
    const legacy = this.state.legacy;
    if (notification.method === "notifications/initialized" && legacy && !legacy.initialized) {
      this.state.legacy = sharedJson({ ...legacy, initialized: true });
    }
    this.kernel.receiveNotification(notification, this.state);
  }

  /** @internal A request the client cancelled ends without an answer (its route may be closed). */
  onUnanswered(route: unknown): void {
    this.options.onUnanswered?.(route as RequestRoute);
  }

  /** @internal A response to no request made here (another instance made it). */
  onStrayResponse(response: JSONRPCResponse): void {
    this.options.onStrayResponse?.(response);
  }

  /** @internal The timeout of server-to-client requests. */
  get timeout(): number {
    return this.options.requestTimeout ?? 0;
  }

  /** @internal */
  get maskInternalErrors(): boolean {
    return this.kernel.options.maskErrorDetails;
  }

  /** @internal The prefix of server-to-client request ids. */
  get idPrefix(): string | undefined {
    return this.options.requestIdPrefix;
  }
}

/**
 * One request for the kernel; `signal` and `headers` stay lazy (see IncomingExtra in the engine):
 * an HTTP POST's route copies its headers only when they are read.
 */
class SessionDispatch implements DispatchInput {
  readonly request: JSONRPCRequest;
  readonly session: SessionState;
  readonly notify: DispatchInput["notify"];
  readonly serverRequest: DispatchInput["serverRequest"];
  private readonly owner: ChannelSession;
  private readonly extra: IncomingRequestExtra;

  constructor(owner: ChannelSession, request: JSONRPCRequest, extra: IncomingRequestExtra) {
    this.request = request;
    this.session = owner.state;
    this.notify = extra.notify;
    this.owner = owner;
    this.extra = extra;
    const route = extra.route as RequestRoute | undefined;
    this.serverRequest = route === undefined ? owner.connectionRequest() : owner.requestVia(route);
  }

  get signal(): AbortSignal {
    return this.extra.signal;
  }

  get headers(): Record<string, string> | undefined {
    return this.owner.headersFor(this.extra.route as RequestRoute | undefined);
  }
}
