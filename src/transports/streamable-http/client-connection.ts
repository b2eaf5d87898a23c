/**
 * The connection code of the Streamable HTTP client transport (client.ts), loaded by its first
 * `connect()`: POSTs, replies as JSON or SSE streams, the legacy session and its GET stream.
 */
import { ClientError, ConnectionError } from "../../errors.js";
import { encodeHeaderValue, MCP_NAME_PARAMS } from "../../protocol/http-headers.js";
import { decodeText } from "../../protocol/jsonrpc.js";
import { MetaKey } from "../../protocol/meta.js";
import type { JSONRPCMessage, JSONRPCRequest, RequestId } from "../../protocol/types.js";
import { isModernVersion } from "../../protocol/versions.js";
import { TRANSPORT_DEFAULTS } from "../defaults.js";
import {
  BodyTooLarge,
  fetchSender,
  type HttpReply,
  type HttpRequestInit,
  type HttpSender,
  NodeSender,
} from "../http/client-sender.js";
import { HttpStatusError } from "../http/status-error.js";
import type { UrlHooks } from "../url-transport.js";
import type { HttpRoute, StreamableHttpTransportOptions } from "./client.js";
import { LegacySession, type SessionHost } from "./client-session.js";
import { discard, followReply, isEventStream, type ReplyHost } from "./client-streams.js";

/** How long connecting waits for the server to answer the legacy GET stream (ms). */
const STREAM_ANSWER_GRACE_MS = 5000;

/** What the transport keeps where its users see it: the legacy session id and version. */
export interface HttpSessionState {
  sessionId: string | undefined;
  protocolVersion: string | undefined;
}

export class HttpConnection {
  private readonly inflight = new Map<RequestId, AbortController>();
  private readonly control = new Set<AbortController>();
  /** The headers each response's request went with (a refusal tells the provider which token it refused). */
  private readonly sentWith = new WeakMap<HttpReply, Record<string, string>>();
  /** node:http with a keep-alive Agent, or the user's fetch. */
  private readonly sender: HttpSender;
  /** The legacy session's initialize request, restarts and GET stream. */
  private readonly session: LegacySession;
  /** What reply streams and the session may use of this transport. */
  private readonly host: ReplyHost & SessionHost;
  private closed = false;

  constructor(
    private readonly transport: UrlHooks<StreamableHttpTransportOptions>,
    private readonly state: HttpSessionState,
  ) {
    this.host = {
      url: this.transport.url,
      options: this.transport.options,
      isClosed: () => this.closed,
      sessionId: () => this.state.sessionId,
      setSessionId: (sessionId) => {
        this.state.sessionId = sessionId;
      },
      isPending: (id) => this.inflight.has(id),
      baseHeaders: () => this.baseHeaders(),
      headersFor: (message) => this.headersFor(message, undefined),
      requestWithTimeout: (init, timeout) => this.requestWithTimeout(init, timeout),
      requestStream: (init, signal) => this.requestStream(init, signal),
      reauthorize: (response, attempt) =>
        this.transport.reauthorize(response.status, response.headers, this.sentWith.get(response), attempt),
      reopen: (lastEventId, signal) =>
        this.requestWithTimeout(
          {
            method: "GET",
            headers: { accept: "text/event-stream", ...this.baseHeaders(), "last-event-id": lastEventId },
          },
          this.transport.options.timeout ?? TRANSPORT_DEFAULTS.timeoutMs,
          signal,
        ),
      deliver: (message: JSONRPCMessage, relatedRequestId?: RequestId) =>
        this.deliver(message, relatedRequestId),
      noteInitialize: (reply) => this.noteInitialize(reply),
      lose: (id, reason) => {
        if (this.inflight.delete(id))
          this.transport.lostRequest(
            id,
            new ConnectionError(`Request to ${this.transport.url} failed: ${reason}`),
          );
      },
    };
    this.session = new LegacySession(this.host);
    const { fetch: fetcher } = this.transport.options;
    this.sender = fetcher ? fetchSender(fetcher) : new NodeSender();
  }

  /** Connecting: the transport opens again after a close. */
  open(): void {
    this.closed = false;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.session.end();
    for (const controller of this.inflight.values()) controller.abort();
    for (const controller of this.control) controller.abort();
    this.inflight.clear();
    const sessionId = this.state.sessionId;
    this.state.sessionId = undefined;
    this.state.protocolVersion = undefined;
    if (sessionId) {
      // Best effort: tell the server the session is over.
      await this.requestWithTimeout({ method: "DELETE", headers: this.baseHeaders(sessionId) }, 2000)
        .then(discard)
        .catch(() => {});
    }
    this.sender.close();
  }

  send(message: JSONRPCMessage, route?: unknown): Promise<void> | void {
    if ("method" in message && !("id" in message) && message.method === "notifications/cancelled") {
      const requestId = message.params?.requestId as RequestId | undefined;
      const controller = requestId === undefined ? undefined : this.inflight.get(requestId);
      // Modern requests are cancelled by closing their stream; legacy servers want the notification.
      if (controller && this.state.sessionId === undefined && this.state.protocolVersion === undefined) {
        controller.abort();
        this.inflight.delete(requestId as RequestId);
        return;
      }
    }
    if ("method" in message && "id" in message)
      return this.sendRequest(message as JSONRPCRequest, route as HttpRoute | undefined);
    return this.post(message, undefined, undefined).then(() => {
      if ("method" in message && message.method === "notifications/initialized")
        void this.session.openStream();
    });
  }

  /**
   * Sends `notifications/initialized`, then opens the GET stream and resolves once the server has
   * answered it: a server (the official v1 SDK's, say) sends its requests that belong to no call on
   * that stream, and drops them while it is not open.
   */
  async initialized(): Promise<void> {
    try {
      await this.post({ jsonrpc: "2.0", method: "notifications/initialized" }, undefined, undefined);
    } catch (error) {
      // A server refusing the notification with a status still has a session to use.
      if (!(error instanceof HttpStatusError)) throw error;
    }
    // A GET that gets no answer at all (a proxy holding streamed bodies back, say) does not hold
    // connecting up for long: the client goes on without the guarantee.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.session.openStream(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, STREAM_ANSWER_GRACE_MS);
      }),
    ]).finally(() => clearTimeout(timer));
  }

  private async sendRequest(request: JSONRPCRequest, route: HttpRoute | undefined): Promise<void> {
    if (request.method === "initialize") this.session.initializeRequest = request;
    const controller = new AbortController();
    this.inflight.set(request.id, controller);
    try {
      await this.post(request, route, controller);
    } catch (error) {
      this.inflight.delete(request.id);
      throw error;
    }
  }

  /** Configured, session and version headers (requestWithTimeout adds the credentials). */
  private baseHeaders(sessionId = this.state.sessionId): Record<string, string> {
    const headers: Record<string, string> = { ...this.transport.options.headers };
    if (sessionId) headers["mcp-session-id"] = sessionId;
    if (this.state.protocolVersion) headers["mcp-protocol-version"] = this.state.protocolVersion;
    return headers;
  }

  private headersFor(message: JSONRPCMessage, route: HttpRoute | undefined): Record<string, string> {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...this.baseHeaders(),
    };
    if ("method" in message) {
      const version = (message.params?._meta as Record<string, unknown> | undefined)?.[
        MetaKey.ProtocolVersion
      ];
      if (typeof version === "string" && isModernVersion(version)) {
        headers["mcp-protocol-version"] = version;
        headers["mcp-method"] = message.method;
        const field = MCP_NAME_PARAMS[message.method];
        const name = field ? message.params?.[field] : undefined;
        if (typeof name === "string") headers["mcp-name"] = encodeHeaderValue(name);
      }
    }
    if (route?.headers) Object.assign(headers, route.headers);
    return headers;
  }

  private async requestWithTimeout(
    init: HttpRequestInit,
    timeout: number,
    signal?: AbortSignal,
  ): Promise<HttpReply> {
    const headers = await this.withCredentials(init);
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    this.control.add(controller);
    const timer = setTimeout(() => controller.abort(new Error(`no response within ${timeout} ms`)), timeout);
    try {
      const response = await this.sender.send(this.transport.url, { ...init, headers }, controller.signal);
      this.sentWith.set(response, headers);
      return response;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      this.control.delete(controller);
      // The body may still stream: abort it only when the caller aborts.
      if (signal) signal.addEventListener("abort", () => controller.abort(), { once: true });
    }
  }

  /** The request's headers under the credentials' (which the request's own override). */
  private withCredentials(init: HttpRequestInit): Record<string, string> | Promise<Record<string, string>> {
    const merge = (credentials: Record<string, string>) => ({ ...credentials, ...init.headers });
    const found = this.transport.credentials({ method: init.method, url: this.transport.url });
    return found instanceof Promise ? found.then(merge) : merge(found);
  }

  /** A request whose body streams for as long as `signal` allows (the GET stream): no timeout. */
  private async requestStream(init: HttpRequestInit, signal: AbortSignal): Promise<HttpReply> {
    const headers = await this.withCredentials(init);
    const response = await this.sender.send(this.transport.url, { ...init, headers }, signal);
    this.sentWith.set(response, headers);
    return response;
  }

  /** POSTs one message and feeds whatever comes back to the engine. */
  private async post(
    message: JSONRPCMessage,
    route: HttpRoute | undefined,
    controller: AbortController | undefined,
    retried = false,
    authAttempt = 0,
  ): Promise<void> {
    let response: HttpReply;
    const sentSession = this.state.sessionId;
    try {
      response = await this.requestWithTimeout(
        { method: "POST", headers: this.headersFor(message, route), body: JSON.stringify(message) },
        this.transport.options.timeout ?? TRANSPORT_DEFAULTS.timeoutMs,
        controller?.signal,
      );
    } catch (error) {
      if (controller?.signal.aborted) return;
      // The credentials provider's own failure (an OAuthError: a refused refresh...) is not a network one.
      if (error instanceof ClientError) throw error;
      throw new ConnectionError(`Cannot reach ${this.transport.url}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const id = "id" in message && "method" in message ? message.id : undefined;
    if (!retried && this.session.forgotten(response, sentSession, id)) {
      // The server forgot our session: start a new one (once, however many requests got the 404),
      // then send this message again.
      await discard(response);
      await this.session.renew(sentSession);
      // The restart sent its own notifications/initialized.
      if ("method" in message && !("id" in message) && message.method === "notifications/initialized") return;
      return this.post(message, route, controller, true, authAttempt);
    }
    if ("method" in message && "id" in message && message.method === "initialize" && response.ok) {
      const sessionId = response.headers.get("mcp-session-id");
      if (sessionId) this.state.sessionId = sessionId;
    }
    if (response.status === 401 || response.status === 403) {
      if (
        await this.transport.reauthorize(
          response.status,
          response.headers,
          this.sentWith.get(response),
          authAttempt,
        )
      ) {
        await discard(response);
        return this.post(message, route, controller, retried, authAttempt + 1);
      }
      throw await this.authFailure(response);
    }
    if (response.status === 202 || response.status === 204) {
      await discard(response);
      return;
    }
    if (isEventStream(response)) {
      followReply(this.host, response, id, controller?.signal).catch(() => {});
      return;
    }
    let text: string;
    try {
      text = await this.replyText(response);
    } catch (error) {
      // A cancelled request's body is cut by the cancellation itself; an error status is reported as such.
      if (controller?.signal.aborted) return;
      if (response.ok) throw error;
      text = "";
    }
    const decoded = text ? decodeText(text) : undefined;
    if (decoded?.kind === "response") {
      const reply = decoded.message;
      if ((reply.id === null || reply.id === undefined) && id !== undefined)
        this.deliver({ ...reply, id } as JSONRPCMessage);
      else this.deliver(reply);
      this.noteInitialize(reply);
      return;
    }
    if (decoded && decoded.kind !== "invalid") {
      this.deliver(decoded.message);
      return;
    }
    if (response.ok) return;
    throw new HttpStatusError(
      response.status,
      `HTTP ${response.status} ${response.statusText} from ${this.transport.url}`,
    );
  }

  /**
   * The JSON body of a reply, up to `maxEventLength` bytes (the limit of one SSE event carrying
   * the same message). Over it, or cut short, it fails the message with a ConnectionError.
   */
  private async replyText(response: HttpReply): Promise<string> {
    const limit = this.transport.options.maxEventLength ?? TRANSPORT_DEFAULTS.maxEventLength;
    try {
      return await response.text(limit);
    } catch (error) {
      const reason =
        error instanceof BodyTooLarge
          ? `the server sent a body of at least ${error.size} bytes, over the client's limit of ${limit} ` +
            "(the transport's maxEventLength option)"
          : `the body was cut short (${(error as Error).message})`;
      throw new ConnectionError(`Reply from ${this.transport.url}: ${reason}`, { cause: error });
    }
  }

  /** The error of a 401 or 403, with the server's explanation and challenge. */
  private async authFailure(response: HttpReply): Promise<HttpStatusError> {
    const challenge = response.headers.get("www-authenticate");
    const limit = this.transport.options.maxEventLength ?? TRANSPORT_DEFAULTS.maxEventLength;
    const text = await response.text(limit).catch(() => "");
    let detail = "";
    try {
      detail = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? "";
    } catch {
      detail = text.slice(0, 200);
    }
    return new HttpStatusError(
      response.status,
      `HTTP ${response.status} ${response.status === 401 ? "Unauthorized" : "Forbidden"} from ${this.transport.url}` +
        `${detail ? `: ${detail}` : ""}${challenge ? ` (WWW-Authenticate: ${challenge})` : ""}`,
    );
  }

  private deliver(message: JSONRPCMessage, relatedRequestId?: RequestId): void {
    if ("id" in message && !("method" in message) && message.id !== null && message.id !== undefined) {
      this.inflight.delete(message.id);
    }
    // What the server sends on a request's reply stream belongs to that request (the client ties
    // server-to-client requests and logs to the call that caused them).
    if (relatedRequestId !== undefined && "method" in message)
      this.transport.receive(message, { relatedRequestId });
    else this.transport.receive(message);
  }

  private noteInitialize(reply: JSONRPCMessage): void {
    const initialize = this.session.initializeRequest;
    if (initialize && "result" in reply && reply.id === initialize.id) {
      const version = (reply.result as { protocolVersion?: unknown }).protocolVersion;
      if (typeof version === "string") this.state.protocolVersion = version;
    }
  }
}
