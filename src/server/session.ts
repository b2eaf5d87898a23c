/**
 * A server session: one JSON-RPC engine, the era state of the connection, and the kernel behind
 * it. Every connection-shaped transport uses it (in-memory, stdio, WebSocket, SSE), and so do
 * legacy Streamable HTTP sessions, whose requests arrive one POST at a time: each carries a route
 * that its answer, its notifications and the server requests it makes are sent back with.
 */

import { type IncomingRequestExtra, RpcPeer, type RpcPeerOptions } from "../protocol/engine.js";
import { decodeText, decodeValue } from "../protocol/jsonrpc.js";
import type { JSONRPCMessage, JSONRPCNotification, JSONRPCRequest, Result } from "../protocol/types.js";
import type { RequestRoute, ServerSession, SessionOptions } from "./entry.js";
import { type DispatchInput, type ServerKernel, type SessionState, sessionState } from "./kernel.js";
import type { SessionMember } from "./subscriptions.js";

export class ChannelSession implements ServerSession, SessionMember {
  readonly state: SessionState;
  private readonly peer: RpcPeer;
  private readonly kernel: ServerKernel;
  private readonly send: SessionOptions["send"];
  private readonly headers: Record<string, string> | undefined;
  private ownRequest: DispatchInput["serverRequest"];

  /** `state`: the one a session opened before the serving code loaded made (pending-session.ts). */
  constructor(kernel: ServerKernel, options: SessionOptions, state: SessionState = sessionState(options)) {
    this.kernel = kernel;
    this.send = options.send;
    this.headers = options.headers;
    this.state = state;
    this.peer = new RpcPeer(new SessionPeerOptions(this, kernel, options));
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
    return route?.headers ?? this.headers;
  }

  private accept(message: JSONRPCMessage, route: RequestRoute | undefined): void {
    // The caller is the session's own identity (checked by the transport); a refreshed token is ctx.auth.
    if (route?.auth) this.state.auth = route.auth;
    this.peer.receive(message, route);
  }

  private reject(error: JSONRPCMessage, route: RequestRoute | undefined): void {
    try {
      const sent = this.send(error, route);
      if (sent instanceof Promise) sent.catch(() => {});
    } catch {
      // The channel is gone; nothing more to tell.
    }
  }

  /** @internal The peer's incoming notifications (see SessionPeerOptions). */
  onNotification(notification: JSONRPCNotification): void {
    if (notification.method === "notifications/initialized" && this.state.legacy) {
      this.state.legacy.initialized = true;
    }
    this.kernel.receiveNotification(notification, this.state);
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

/**
 * The session's side of its RpcPeer. Its handlers are prototype methods (the peer calls them as
 * methods), so a session holds one small object here rather than an object and two closures.
 */
class SessionPeerOptions implements RpcPeerOptions {
  readonly send: RpcPeerOptions["send"];
  readonly timeout: number;
  readonly maskInternalErrors: boolean | undefined;
  readonly onUnanswered: RpcPeerOptions["onUnanswered"];
  readonly idPrefix: string | undefined;
  readonly onStrayResponse: RpcPeerOptions["onStrayResponse"];
  private readonly session: ChannelSession;
  private readonly kernel: ServerKernel;

  constructor(session: ChannelSession, kernel: ServerKernel, options: SessionOptions) {
    this.session = session;
    this.kernel = kernel;
    this.send = options.send as RpcPeerOptions["send"];
    this.timeout = options.requestTimeout ?? 0;
    this.maskInternalErrors = kernel.options.maskErrorDetails;
    this.onUnanswered = options.onUnanswered as RpcPeerOptions["onUnanswered"];
    this.idPrefix = options.requestIdPrefix;
    this.onStrayResponse = options.onStrayResponse;
  }

  onRequest(request: JSONRPCRequest, extra: IncomingRequestExtra): Promise<Result> | Result {
    return this.kernel.dispatch(new SessionDispatch(this.session, request, extra));
  }

  onNotification(notification: JSONRPCNotification): void {
    this.session.onNotification(notification);
  }
}
