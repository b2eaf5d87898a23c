/**
 * A server connection over one bidirectional message channel (in-memory, stdio, WebSocket): one
 * JSON-RPC engine, the era state of the connection, and the kernel behind it.
 */

import type { AuthInfo } from "../auth/types.js";
import { type IncomingRequestExtra, RpcPeer } from "../protocol/engine.js";
import { decodeText, decodeValue } from "../protocol/jsonrpc.js";
import type { JSONRPCMessage, JSONRPCNotification, JSONRPCRequest } from "../protocol/types.js";
import type { DispatchInput, ServerKernel, SessionState, TransportName } from "./kernel.js";

export interface ChannelSessionOptions {
  /** Writes one message to the client. */
  send(message: JSONRPCMessage): void | Promise<void>;
  sessionId?: string;
  auth?: AuthInfo;
  /** The transport's name, seen by middleware as `ctx.transport` (default "custom"). */
  transport?: TransportName;
  /** Headers of the HTTP request that opened the connection (SSE stream, WebSocket upgrade). */
  headers?: Record<string, string>;
  /** Timeout for server-to-client requests (elicitation, sampling, roots), in ms. */
  requestTimeout?: number;
}

export class ChannelSession {
  readonly state: SessionState;
  private readonly peer: RpcPeer;
  private readonly kernel: ServerKernel;
  private readonly send: ChannelSessionOptions["send"];
  private readonly member: {
    state: SessionState;
    notify(method: string, params?: Record<string, unknown>): void;
  };

  constructor(kernel: ServerKernel, options: ChannelSessionOptions) {
    this.kernel = kernel;
    this.send = options.send;
    this.state = {
      transport: options.transport ?? "custom",
      legacy: undefined,
      sessionId: options.sessionId,
      auth: options.auth,
    };
    this.peer = new RpcPeer({
      send: options.send,
      timeout: options.requestTimeout ?? 0,
      maskInternalErrors: kernel.options.maskErrorDetails,
      onRequest: (request, extra) =>
        kernel.dispatch(new ChannelDispatch(request, this.state, extra, options.headers)),
      onNotification: (notification) => this.onNotification(notification),
    });
    this.state.request = (method, params, signal) => this.peer.request(method, params, { signal });
    this.member = { state: this.state, notify: (method, params) => this.peer.notify(method, params) };
    kernel.sessions.add(this.member);
  }

  /** Requests the client sent that are still being handled. */
  get inFlight(): number {
    return this.peer.inFlightCount;
  }

  /** Resolves once every request the client sent has been answered. */
  drain(): Promise<void> {
    return this.peer.idle();
  }

  /** Feeds one already-parsed message. */
  receive(value: unknown): void {
    const decoded = decodeValue(value);
    if (decoded.kind === "invalid") this.reject(decoded.error);
    else this.peer.receive(decoded.message);
  }

  /** Feeds one message as JSON text; malformed text is answered with a JSON-RPC error. */
  receiveText(text: string): void {
    const decoded = decodeText(text);
    if (decoded.kind === "invalid") this.reject(decoded.error);
    else this.peer.receive(decoded.message);
  }

  /** Ends the connection: in-flight handlers are aborted and pending server requests fail. */
  close(): void {
    this.kernel.sessions.delete(this.member);
    this.peer.close();
  }

  private reject(error: JSONRPCMessage): void {
    try {
      const sent = this.send(error);
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
class ChannelDispatch implements DispatchInput {
  readonly request: JSONRPCRequest;
  readonly session: SessionState;
  readonly notify: DispatchInput["notify"];
  readonly headers: Record<string, string> | undefined;
  private readonly extra: IncomingRequestExtra;

  constructor(
    request: JSONRPCRequest,
    session: SessionState,
    extra: IncomingRequestExtra,
    headers: Record<string, string> | undefined,
  ) {
    this.request = request;
    this.session = session;
    this.notify = extra.notify;
    this.extra = extra;
    this.headers = headers;
  }

  get signal(): AbortSignal {
    return this.extra.signal;
  }
}
