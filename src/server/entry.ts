/**
 * The one way into the server, declared by the server for its transports: a session for a
 * connection (stdio, WebSocket, SSE, in-memory, a legacy Streamable HTTP session) and an exchange
 * for one stateless request (a 2026-07-28 POST, a legacy POST without sessions). Transports depend
 * on this interface only, never on the kernel or on `FastMCP`; middleware, auth checks and era
 * rules hold for every transport because every request comes through here.
 */
import type { TokenVerifier } from "../auth/server/core.js";
import type { AuthInfo } from "../auth/types.js";
import type { LegacyState } from "../protocol/era.js";
import type {
  JSONRPCMessage,
  JSONRPCNotification,
  JSONRPCRequest,
  JSONRPCResponse,
  Tool,
} from "../protocol/types.js";
import type { ScaleOut } from "../stores/scale-out.js";
import type { Store } from "../stores/store.js";
import type { SessionValues } from "./session-values.js";

/** The name of a transport, as middleware and handlers see it (`ctx.transport`). */
export type TransportKind = "memory" | "stdio" | "http" | "sse" | "ws" | (string & {});

/**
 * Options of a session: one connection, or one legacy Streamable HTTP session. The session keeps
 * them and reads them when used; `send` and the other handlers are called as their methods (so a
 * transport's own session object may be the options, with no closures).
 */
export interface SessionOptions {
  /**
   * Writes one message to the client. `route` is what the transport passed to `receive` with the
   * request this message belongs to (its answer, its notifications, requests made while handling
   * it); undefined for messages of the connection as a whole (list changes, resource updates).
   */
  send(message: JSONRPCMessage, route?: RequestRoute): void | Promise<void>;
  /** A request that came with `route` was cancelled by the client: nothing more will be sent on it. */
  onUnanswered?(route: RequestRoute): void;
  sessionId?: string;
  auth?: AuthInfo | undefined;
  /** The transport's name, seen by middleware as `ctx.transport` (default "custom"). */
  transport?: TransportKind;
  /** Headers of the HTTP request that opened the connection (SSE stream, WebSocket upgrade). */
  headers?: Record<string, string>;
  /** Timeout for server-to-client requests (elicitation, sampling, roots), in ms. */
  requestTimeout?: number;
  /** Server-to-client request ids become `<prefix><n>` strings (instances sharing a session). */
  requestIdPrefix?: string | undefined;
  /** A client's answer to a server request this session did not make (another instance did). */
  onStrayResponse?(response: JSONRPCResponse): void;
}

/**
 * Where one incoming message came from, for transports that carry each request on its own (an
 * HTTP POST to a legacy session): given to `receive`, handed back to `send`.
 */
export interface RequestRoute {
  /** That request's HTTP headers (lower-case names), for `ctx.headers`. */
  readonly headers?: Record<string, string> | undefined;
  /** The caller's identity for that request (a refreshed token replaces the session's). */
  readonly auth?: AuthInfo | undefined;
}

/**
 * What a legacy session negotiated and changed since (`initialize`, `notifications/initialized`,
 * `logging/setLevel`, subscriptions) and its `ctx.getState` values: the replicas of a scaled-out
 * session share it through the store.
 */
export interface SharedSessionState {
  /** Frozen, and shared by sessions alike: a change replaces it (see LegacyState). */
  legacy: LegacyState | undefined;
  subscriptions?: Set<string>;
  values?: SessionValues;
}

/** An open session: feed it what the client sends, close it when the connection ends. */
export interface ServerSession {
  /** The session's shared state (see SharedSessionState). */
  readonly state: SharedSessionState;
  /** Feeds one parsed message; a malformed one is answered with a JSON-RPC error. */
  receive(value: unknown, route?: RequestRoute): void;
  /** Feeds one message as JSON text. */
  receiveText(text: string, route?: RequestRoute): void;
  /** Requests the client sent that are still being handled. */
  readonly inFlight: number;
  /** Resolves once every request the client sent has been answered. */
  drain(): Promise<void>;
  /** Whether the client finished the legacy handshake (`initialize`, then `notifications/initialized`). */
  readonly initialized: boolean;
  /** Whether `initialize` succeeded on this session. */
  readonly legacy: boolean;
  /** Ends the session: in-flight handlers are aborted and pending server requests fail with `error`. */
  close(error?: Error): void;
}

/** One stateless request: what the transport knows about it. */
export interface ExchangeOptions {
  transport: TransportKind;
  auth: AuthInfo | undefined;
  /**
   * The HTTP request's headers (lower-case names). Read only when a handler asks for them
   * (`ctx.headers`): a transport may copy them lazily with a getter, which must return the same
   * object on every read.
   */
  headers: Record<string, string> | undefined;
  /**
   * Aborted when the client goes away. Read only when a handler asks for it: a transport may make
   * it lazily with a getter (creating an AbortSignal costs more than a simple call).
   */
  readonly signal: AbortSignal;
  /**
   * Sends a notification about this request before its answer (progress, logs). Read only when a
   * handler sends one: a transport may make it lazily with a getter.
   */
  notify(method: string, params: Record<string, unknown>): void;
  /** Serve it as this legacy protocol version, initialized, without a session (legacy `stateless`). */
  legacyVersion?: string | undefined;
}

/** A notification that arrived outside any session (a stateless POST): what the transport knows. */
export type StatelessNotificationOptions = Pick<
  ExchangeOptions,
  "transport" | "auth" | "headers" | "legacyVersion"
>;

/** The server as its transports see it. `FastMCP` implements it. */
export interface ServerEntry {
  readonly name: string;
  /** Checks bearer tokens on HTTP transports, when the server has auth. */
  readonly auth: TokenVerifier | undefined;
  /** Whether the detail of unexpected errors is hidden from clients. */
  readonly maskErrorDetails: boolean;
  /** The shared store of a scaled-out server, when it has one. */
  readonly store?: Store | undefined;
  /** This instance's part in a scaled-out server, once its store is attached (see FastMCP.listen). */
  readonly scaleOut?: ScaleOut | undefined;
  /** Opens a session over a message channel. */
  createSession(options: SessionOptions): ServerSession;
  /** Answers one stateless request; never rejects (a failure is a JSON-RPC error response). */
  exchange(request: JSONRPCRequest, options: ExchangeOptions): Promise<JSONRPCResponse>;
  /** Hands over a notification that arrived outside any session (middleware's `onNotification` hears it). */
  receiveNotification(notification: JSONRPCNotification, options: StatelessNotificationOptions): void;
  /** A tool's wire definition (the 2026-07-28 HTTP header checks read `x-mcp-header`). */
  toolDefinition(name: string): Tool | undefined;
}
