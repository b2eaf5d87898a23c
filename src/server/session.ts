/**
 * A server session: one JSON-RPC engine, the era state of the connection, and the kernel behind
 * it. Every connection-shaped transport uses it (in-memory, stdio, WebSocket, SSE), and so do
 * legacy Streamable HTTP sessions, whose requests arrive one POST at a time: each carries a route
 * that its answer, its notifications and the server requests it makes are sent back with.
 */

import { type IncomingRequestExtra, RpcPeer } from "../protocol/engine.js";
import { decodeText, decodeValue } from "../protocol/jsonrpc.js";
import type { JSONRPCMessage, JSONRPCNotification, JSONRPCRequest } from "../protocol/types.js";
import type { RequestRoute, ServerSession, SessionOptions } from "./entry.js";
import type { DispatchInput, ServerKernel, SessionState } from "./kernel.js";
import type { SessionMember } from "./subscriptions.js";

export class ChannelSession implements ServerSession, SessionMember {
  readonly state: SessionState;
  private readonly peer: RpcPeer;
  private readonly kernel: ServerKernel;
  private readonly send: SessionOptions["send"];
  private readonly headers: Record<string, string> | undefined;

  constructor(kernel: ServerKernel, options: SessionOptions) {
    this.kernel = kernel;
    this.send = options.send;
    this.headers = options.headers;
    this.state = {
      transport: options.transport ?? "custom",
      legacy: undefined,
      sessionId: options.sessionId,
      auth: options.auth,
    };
    this.peer = new RpcPeer({
      send: options.send as (message: JSONRPCMessage, route?: unknown) => void | Promise<void>,
      timeout: options.requestTimeout ?? 0,
      maskInternalErrors: kernel.options.maskErrorDetails,
      onRequest: (request, extra) => kernel.dispatch(new SessionDispatch(this, request, extra)),
      onNotification: (notification) => this.onNotification(notification),
      ...(options.onUnanswered ? { onUnanswered: options.onUnanswered as (route: unknown) => void } : {}),
      ...(options.requestIdPrefix === undefined ? {} : { idPrefix: options.requestIdPrefix }),
      ...(options.onStrayResponse ? { onStrayResponse: options.onStrayResponse } : {}),
    });
    this.state.request = (method, params, signal) => this.peer.request(method, params, { signal });
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

  private onNotification(notification: JSONRPCNotification): void {
    if (notification.method === "notifications/initialized" && this.state.legacy) {
      this.state.legacy.initialized = true;
    }
    this.kernel.receiveNotification(notification, this.state);
  }
}

/** One request for the kernel; `signal` stays lazy (see IncomingExtra in the engine). */
class SessionDispatch implements DispatchInput {
  readonly request: JSONRPCRequest;
  readonly session: SessionState;
  readonly notify: DispatchInput["notify"];
  readonly headers: Record<string, string> | undefined;
  readonly serverRequest: DispatchInput["serverRequest"];
  private readonly extra: IncomingRequestExtra;

  constructor(owner: ChannelSession, request: JSONRPCRequest, extra: IncomingRequestExtra) {
    this.request = request;
    this.session = owner.state;
    this.notify = extra.notify;
    this.extra = extra;
    const route = extra.route as RequestRoute | undefined;
    this.headers = owner.headersFor(route);
    this.serverRequest = route === undefined ? undefined : owner.requestVia(route);
  }

  get signal(): AbortSignal {
    return this.extra.signal;
  }
}
