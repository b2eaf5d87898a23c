/**
 * The client transport base class. A transport moves messages; the JSON-RPC engine it owns
 * correlates requests and responses, applies timeouts and cancellation, and fails everything in
 * flight when the connection is lost.
 */
import { ClientError, ConnectionError } from "../errors.js";
import type { IncomingRequestExtra, RequestOptions, RpcPeer } from "../protocol/engine.js";
import type {
  JSONRPCMessage,
  JSONRPCNotification,
  JSONRPCRequest,
  RequestId,
  Result,
} from "../protocol/types.js";

/** How the client answers what the server sends on its own. */
export interface TransportHandlers {
  /** A server-to-client request (legacy era: sampling, elicitation, roots, ping). */
  onRequest?(request: JSONRPCRequest, extra: IncomingRequestExtra): Promise<Result> | Result;
  /**
   * A notification from the server; `route` is what the transport knows of where it came from
   * (Streamable HTTP: `{ relatedRequestId }` for one on a request's reply stream).
   */
  onNotification?(notification: JSONRPCNotification, route?: unknown): void;
  /** The connection ended; `error` is set when it was lost rather than closed. */
  onClose?(error?: Error): void;
}

/**
 * The protected hooks of a transport, for its connection code when that lives in a module of its
 * own (the built-in transports load theirs in `open()`, so importing them loads no networking or
 * process code).
 */
export interface TransportHooks {
  receive(message: JSONRPCMessage, route?: unknown): void;
  lostRequest(id: RequestId, error: Error): void;
  lostAnswers(error: Error): void;
  lost(error: Error): void;
}

export interface ClientRequest {
  method: string;
  params?: Record<string, unknown>;
}

/**
 * The request engine (protocol/engine.ts), loaded by the first `connect()` of any transport: it is
 * shared with the server's serving code and with the client's connection code, not with the
 * transports' classes, so importing them does not load it.
 */
let Peer: typeof RpcPeer | undefined;

/**
 * Base class of every client transport: `connect()`, `disconnect()`, `sendRequest(request)`.
 * Subclasses implement `open`, `send` and `close`, and call `receive` and `lost`.
 */
export abstract class ClientTransport {
  private peer: RpcPeer | undefined;
  private handlers: TransportHandlers = {};
  private lostError: Error | undefined;

  /** Whether the transport is connected. */
  get connected(): boolean {
    return this.peer !== undefined && !this.peer.closed;
  }

  /** Subclasses: how many requests await an answer (the one being sent counts). */
  protected get pendingRequests(): number {
    return this.peer?.pendingCount ?? 0;
  }

  /** A short description for error messages, such as the command line or URL. */
  abstract describe(): string;

  /** Opens the channel (spawns the process, opens the socket...). */
  protected abstract open(): Promise<void>;

  /**
   * Writes one message. `route` carries the sending request's transport hints (such as extra HTTP
   * headers). A rejection fails the request being sent.
   */
  protected abstract send(message: JSONRPCMessage, route?: unknown): void | Promise<void>;

  /** Closes the channel; called once per open. */
  protected abstract close(): Promise<void>;

  /** Connects, routing what the server sends on its own to `handlers`. */
  async connect(handlers: TransportHandlers = {}): Promise<void> {
    if (this.connected) throw new ClientError(`Transport ${this.describe()} is already connected`);
    if (!Peer) {
      Peer = (await import("../protocol/engine.js")).RpcPeer;
      // Another connect() may have begun while the engine loaded.
      if (this.connected) throw new ClientError(`Transport ${this.describe()} is already connected`);
    }
    this.handlers = handlers;
    this.lostError = undefined;
    const peer = new Peer({
      send: (message, route) => this.send(message, route),
      onRequest: (request, extra) => {
        const handler = this.handlers.onRequest;
        if (!handler) throw new ClientError(`No handler for server request ${request.method}`);
        return handler(request, extra);
      },
      onNotification: (notification, route) => this.handlers.onNotification?.(notification, route),
    });
    this.peer = peer;
    try {
      await this.open();
    } catch (error) {
      peer.close(asConnectionError(error, `Cannot connect to ${this.describe()}`));
      this.peer = undefined;
      throw asConnectionError(error, `Cannot connect to ${this.describe()}`);
    }
  }

  /** Closes the connection; pending requests fail with ConnectionError. Safe to call twice. */
  async disconnect(): Promise<void> {
    const peer = this.peer;
    if (!peer || peer.closed) return;
    peer.close(new ConnectionError(`Connection to ${this.describe()} closed`));
    try {
      await this.close();
    } finally {
      this.handlers.onClose?.();
    }
  }

  /** Sends a request and resolves with its result. */
  sendRequest<T extends Result = Result>(request: ClientRequest, options?: RequestOptions): Promise<T> {
    const peer = this.peer;
    if (!peer) return Promise.reject(new ClientError(`Transport ${this.describe()} is not connected`));
    if (peer.closed)
      return Promise.reject(this.lostError ?? new ConnectionError(`Connection to ${this.describe()} closed`));
    return peer.request<T>(request.method, request.params, options);
  }

  /** Sends a notification. */
  sendNotification(method: string, params?: Record<string, unknown>): void {
    this.peer?.notify(method, params);
  }

  /**
   * Ends a legacy handshake: sends `notifications/initialized`, and resolves once the transport is
   * ready for what the server sends on its own (Streamable HTTP: the GET stream is open or refused).
   */
  async initialized(): Promise<void> {
    this.sendNotification("notifications/initialized");
  }

  /**
   * Whether a server that does not answer `server/discover` in time may be a legacy one (some
   * legacy stdio servers never answer a request sent before `initialize`). False where every
   * request gets some answer, so that silence means a slow server, not an era.
   */
  get silentProbeMeansLegacy(): boolean {
    return true;
  }

  /**
   * Whether 2026-07-28 requests travel with HTTP headers that mirror the body (`Mcp-Name`, and the
   * `Mcp-Param-*` of arguments a tool declares with `x-mcp-header`): the client then learns each
   * tool's header parameters from `tools/list` and sends them with its calls.
   */
  get mirrorsToolHeaders(): boolean {
    return false;
  }

  /**
   * Subclasses: one message arrived from the server. `route` says where from, when the transport
   * knows (a request or notification on the reply stream of one of ours: `{ relatedRequestId }`);
   * it reaches the handlers as `extra.route` and as the second argument of `onNotification`.
   */
  protected receive(message: JSONRPCMessage, route?: unknown): void {
    this.peer?.receive(message, route);
  }

  /** Subclasses: one request was lost (its reply stream broke); only it fails. */
  protected lostRequest(id: RequestId, error: Error): void {
    this.peer?.fail(id, error);
  }

  /**
   * Subclasses: an answer was lost and which request it answered is unknown; every pending request
   * fails with `error` (better than waiting for their timeouts), and the connection stays open.
   */
  protected lostAnswers(error: Error): void {
    this.peer?.failPending(error);
  }

  /** Subclasses: the hooks below, bound to this transport, to hand to connection code. */
  protected hooks(): TransportHooks {
    return {
      receive: (message, route) => this.receive(message, route),
      lostRequest: (id, error) => this.lostRequest(id, error),
      lostAnswers: (error) => this.lostAnswers(error),
      lost: (error) => this.lost(error),
    };
  }

  /** Subclasses: the connection died; every pending request fails with `error`. */
  protected lost(error: Error): void {
    const peer = this.peer;
    if (!peer || peer.closed) return;
    this.lostError = error;
    peer.close(error);
    this.handlers.onClose?.(error);
  }
}

function asConnectionError(error: unknown, context: string): Error {
  if (error instanceof ClientError) return error;
  return new ConnectionError(`${context}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
}
