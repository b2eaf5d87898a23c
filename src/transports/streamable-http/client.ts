/**
 * The Streamable HTTP client transport, for both eras. Every message is a POST; a reply is JSON or
 * an SSE stream. 2026-07-28 requests carry `MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name` and
 * `Mcp-Param-*` headers, and cancelling one closes its stream. In the legacy era the transport keeps
 * the session id, opens the GET stream, resumes dropped streams with `Last-Event-ID`, and starts a
 * new session by itself when the server forgets the old one (404).
 *
 * @example
 * ```ts
 * const client = new Client(new StreamableHttpTransport({ url: "https://example.com/mcp", headers: { "X-Team": "a" } }));
 * ```
 */
import { authHeaders, type ClientAuth } from "../../auth/client.js";
import { ConnectionError } from "../../errors.js";
import { decodeValue } from "../../protocol/jsonrpc.js";
import { MetaKey } from "../../protocol/meta.js";
import type { JSONRPCMessage, JSONRPCRequest, RequestId } from "../../protocol/types.js";
import { isModernVersion } from "../../protocol/versions.js";
import { ClientTransport } from "../base.js";
import { SseParser } from "../http/sse.js";
import { encodeHeaderValue } from "./headers.js";

export interface StreamableHttpTransportOptions {
  url: string | URL;
  /** Sent as given on every request. */
  headers?: Record<string, string>;
  /** Milliseconds to wait for the server to start answering a POST (default 30000). */
  timeout?: number;
  /** A BearerAuth or a token string; also settable through the Client's `auth` option. */
  auth?: ClientAuth;
  /** A fetch implementation (default: the global one). */
  fetch?: typeof fetch;
  /** Reconnection of dropped legacy streams: attempts and backoff (ms). */
  reconnect?: { maxRetries?: number; initialDelayMs?: number; maxDelayMs?: number };
}

/** Transport hints a request can carry through the engine's `route`. */
export interface HttpRoute {
  headers?: Record<string, string>;
}

/** An HTTP answer that is not a JSON-RPC message. */
export class HttpStatusError extends ConnectionError {
  override name = "HttpStatusError";
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const NAMED: Record<string, string> = {
  "tools/call": "name",
  "prompts/get": "name",
  "resources/read": "uri",
  "tasks/get": "taskId",
  "tasks/update": "taskId",
  "tasks/cancel": "taskId",
};

export class StreamableHttpTransport extends ClientTransport {
  readonly url: string;
  readonly options: StreamableHttpTransportOptions;
  /** The legacy session id, once the server assigned one. */
  sessionId: string | undefined;
  /** The legacy protocol version negotiated by initialize (sent as MCP-Protocol-Version). */
  protocolVersion: string | undefined;
  private auth: ClientAuth | undefined;
  private readonly inflight = new Map<RequestId, AbortController>();
  private readonly control = new Set<AbortController>();
  private initializeRequest: JSONRPCRequest | undefined;
  private standalone: AbortController | undefined;
  /** A session restart in progress, shared by every request that got a 404 for the old session. */
  private renewing: Promise<void> | undefined;
  private closed = false;

  constructor(options: StreamableHttpTransportOptions | string | URL) {
    super();
    this.options = typeof options === "string" || options instanceof URL ? { url: options } : options;
    this.url = String(this.options.url);
    this.auth = this.options.auth;
  }

  describe(): string {
    return this.url;
  }

  /** Sets the credentials sent with every request (the Client passes its `auth` option here). */
  setAuth(auth: ClientAuth | undefined): void {
    if (auth !== undefined) this.auth = auth;
  }

  protected async open(): Promise<void> {
    new URL(this.url);
    this.closed = false;
  }

  protected async close(): Promise<void> {
    this.closed = true;
    this.standalone?.abort();
    this.standalone = undefined;
    for (const controller of this.inflight.values()) controller.abort();
    for (const controller of this.control) controller.abort();
    this.inflight.clear();
    const sessionId = this.sessionId;
    this.sessionId = undefined;
    this.protocolVersion = undefined;
    this.initializeRequest = undefined;
    if (sessionId) {
      // Best effort: tell the server the session is over.
      await this.fetchWithTimeout({ method: "DELETE", headers: this.baseHeaders(sessionId) }, 2000).catch(
        () => {},
      );
    }
  }

  protected send(message: JSONRPCMessage, route?: unknown): Promise<void> | void {
    if ("method" in message && !("id" in message) && message.method === "notifications/cancelled") {
      const requestId = message.params?.requestId as RequestId | undefined;
      const controller = requestId === undefined ? undefined : this.inflight.get(requestId);
      // Modern requests are cancelled by closing their stream; legacy servers want the notification.
      if (controller && this.sessionId === undefined && this.protocolVersion === undefined) {
        controller.abort();
        this.inflight.delete(requestId as RequestId);
        return;
      }
    }
    if ("method" in message && "id" in message)
      return this.sendRequest_(message as JSONRPCRequest, route as HttpRoute | undefined);
    return this.post(message, undefined, undefined).then(() => {
      if ("method" in message && message.method === "notifications/initialized") this.openStandalone();
    });
  }

  private async sendRequest_(request: JSONRPCRequest, route: HttpRoute | undefined): Promise<void> {
    if (request.method === "initialize") this.initializeRequest = request;
    const controller = new AbortController();
    this.inflight.set(request.id, controller);
    try {
      await this.post(request, route, controller);
    } catch (error) {
      this.inflight.delete(request.id);
      throw error;
    }
  }

  private baseHeaders(sessionId = this.sessionId): Record<string, string> {
    const headers: Record<string, string> = { ...authHeaders(this.auth), ...this.options.headers };
    if (sessionId) headers["mcp-session-id"] = sessionId;
    if (this.protocolVersion) headers["mcp-protocol-version"] = this.protocolVersion;
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
        const field = NAMED[message.method];
        const name = field ? message.params?.[field] : undefined;
        if (typeof name === "string") headers["mcp-name"] = encodeHeaderValue(name);
      }
    }
    if (route?.headers) Object.assign(headers, route.headers);
    return headers;
  }

  private async fetchWithTimeout(
    init: RequestInit,
    timeout: number,
    signal?: AbortSignal,
  ): Promise<Response> {
    const fetcher = this.options.fetch ?? fetch;
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    this.control.add(controller);
    const timer = setTimeout(() => controller.abort(new Error(`no response within ${timeout} ms`)), timeout);
    try {
      return await fetcher(this.url, { ...init, signal: controller.signal });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      this.control.delete(controller);
      // The body may still stream: abort it only when the caller aborts.
      if (signal) signal.addEventListener("abort", () => controller.abort(), { once: true });
    }
  }

  /** POSTs one message and feeds whatever comes back to the engine. */
  private async post(
    message: JSONRPCMessage,
    route: HttpRoute | undefined,
    controller: AbortController | undefined,
    retried = false,
  ): Promise<void> {
    let response: Response;
    const sentSession = this.sessionId;
    try {
      response = await this.fetchWithTimeout(
        { method: "POST", headers: this.headersFor(message, route), body: JSON.stringify(message) },
        this.options.timeout ?? 30_000,
        controller?.signal,
      );
    } catch (error) {
      if (controller?.signal.aborted) return;
      throw new ConnectionError(`Cannot reach ${this.url}: ${(error as Error).message}`, { cause: error });
    }
    const id = "id" in message && "method" in message ? message.id : undefined;
    if (
      response.status === 404 &&
      sentSession &&
      !retried &&
      this.initializeRequest &&
      id !== this.initializeRequest.id
    ) {
      // The server forgot our session: start a new one (once, however many requests got the 404),
      // then send this message again.
      await response.body?.cancel().catch(() => {});
      if (!this.renewing && this.sessionId === sentSession) {
        this.renewing = this.restartSession().finally(() => {
          this.renewing = undefined;
        });
      }
      await this.renewing;
      // The restart sent its own notifications/initialized.
      if ("method" in message && !("id" in message) && message.method === "notifications/initialized") return;
      return this.post(message, route, controller, true);
    }
    if ("method" in message && "id" in message && message.method === "initialize" && response.ok) {
      const sessionId = response.headers.get("mcp-session-id");
      if (sessionId) this.sessionId = sessionId;
    }
    if (response.status === 401 || response.status === 403) {
      const challenge = response.headers.get("www-authenticate");
      const text = await response.text().catch(() => "");
      let detail = "";
      try {
        detail = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? "";
      } catch {
        detail = text.slice(0, 200);
      }
      throw new HttpStatusError(
        response.status,
        `HTTP ${response.status} ${response.status === 401 ? "Unauthorized" : "Forbidden"} from ${this.url}` +
          `${detail ? `: ${detail}` : ""}${challenge ? ` (WWW-Authenticate: ${challenge})` : ""}`,
      );
    }
    const type = response.headers.get("content-type") ?? "";
    if (response.status === 202 || response.status === 204) {
      await response.body?.cancel().catch(() => {});
      return;
    }
    if (type.includes("text/event-stream") && response.ok) {
      this.consumeStream(response, id, controller).catch(() => {});
      return;
    }
    const text = await response.text().catch(() => "");
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    const decoded = body === undefined ? undefined : decodeValue(body);
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
    const detail =
      response.status === 401 ? ` (${response.headers.get("www-authenticate") ?? "unauthorized"})` : "";
    throw new HttpStatusError(
      response.status,
      `HTTP ${response.status} ${response.statusText} from ${this.url}${detail}`,
    );
  }

  private deliver(message: JSONRPCMessage): void {
    if ("id" in message && !("method" in message) && message.id !== null && message.id !== undefined) {
      this.inflight.delete(message.id);
    }
    this.receive(message);
  }

  private noteInitialize(reply: JSONRPCMessage): void {
    if (this.initializeRequest && "result" in reply && reply.id === this.initializeRequest.id) {
      const version = (reply.result as { protocolVersion?: unknown }).protocolVersion;
      if (typeof version === "string") this.protocolVersion = version;
    }
  }

  /** Reads an SSE reply; a dropped legacy stream is resumed with Last-Event-ID. */
  private async consumeStream(
    response: Response,
    id: RequestId | undefined,
    controller: AbortController | undefined,
  ): Promise<void> {
    let lastEventId: string | undefined;
    let retryMs: number | undefined;
    let answered = false;
    const parser = new SseParser(
      (event) => {
        if (event.id !== undefined) lastEventId = event.id;
        if (!event.data || (event.event !== undefined && event.event !== "message")) return;
        let value: unknown;
        try {
          value = JSON.parse(event.data);
        } catch {
          return;
        }
        const decoded = decodeValue(value);
        if (decoded.kind === "invalid") return;
        if (decoded.kind === "response" && decoded.message.id === id) {
          answered = true;
          this.noteInitialize(decoded.message);
        }
        this.deliver(decoded.message);
      },
      (ms) => {
        retryMs = ms;
      },
    );
    const dropped = await this.pump(response, parser);
    if (answered || id === undefined || this.closed || controller?.signal.aborted) return;
    if (this.sessionId && lastEventId) {
      await this.resume(lastEventId, id, retryMs, controller);
      return;
    }
    if (this.inflight.has(id)) {
      this.inflight.delete(id);
      this.deliverFailure(
        id,
        dropped ? "the response stream was dropped" : "the response stream ended without a response",
      );
    }
  }

  /** Reads the body into the parser; true when the connection broke rather than ended. */
  private async pump(response: Response, parser: SseParser): Promise<boolean> {
    if (!response.body) return false;
    const decoder = new TextDecoder();
    const reader = response.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return false;
        parser.push(decoder.decode(value, { stream: true }));
      }
    } catch {
      return true;
    }
  }

  private async resume(
    lastEventId: string,
    id: RequestId,
    retryMs: number | undefined,
    controller: AbortController | undefined,
  ): Promise<void> {
    const { maxRetries = 5, initialDelayMs = 200, maxDelayMs = 5000 } = this.options.reconnect ?? {};
    let delay = retryMs ?? initialDelayMs;
    for (let attempt = 0; attempt < maxRetries && !this.closed && this.inflight.has(id); attempt++) {
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(maxDelayMs, delay * 2);
      let response: Response;
      try {
        response = await this.fetchWithTimeout(
          {
            method: "GET",
            headers: { accept: "text/event-stream", ...this.baseHeaders(), "last-event-id": lastEventId },
          },
          this.options.timeout ?? 30_000,
          controller?.signal,
        );
      } catch {
        continue;
      }
      if (!response.ok || !(response.headers.get("content-type") ?? "").includes("text/event-stream")) {
        await response.body?.cancel().catch(() => {});
        break;
      }
      let answered = false;
      const parser = new SseParser((event) => {
        if (event.id !== undefined) lastEventId = event.id;
        if (!event.data) return;
        try {
          const decoded = decodeValue(JSON.parse(event.data));
          if (decoded.kind === "invalid") return;
          if (decoded.kind === "response" && decoded.message.id === id) answered = true;
          this.deliver(decoded.message);
        } catch {
          // not JSON: ignore
        }
      });
      await this.pump(response, parser);
      if (answered) return;
    }
    if (this.inflight.has(id)) {
      this.inflight.delete(id);
      this.deliverFailure(id, "the response stream was dropped and could not be resumed");
    }
  }

  private deliverFailure(id: RequestId, reason: string): void {
    this.lostRequest(id, new ConnectionError(`Request to ${this.url} failed: ${reason}`));
  }

  /** Starts a new legacy session with the initialize request this client sent first. */
  private async restartSession(): Promise<void> {
    const initialize = this.initializeRequest;
    if (!initialize)
      throw new ConnectionError("The server ended the session and there is no initialize to repeat");
    this.sessionId = undefined;
    this.standalone?.abort();
    this.standalone = undefined;
    const request = { ...initialize, id: `reinit-${Date.now()}` };
    const response = await this.fetchWithTimeout(
      { method: "POST", headers: this.headersFor(request, undefined), body: JSON.stringify(request) },
      this.options.timeout ?? 30_000,
    );
    const sessionId = response.headers.get("mcp-session-id");
    await response.body?.cancel().catch(() => {});
    if (!response.ok)
      throw new HttpStatusError(
        response.status,
        `Re-initializing the session failed: HTTP ${response.status}`,
      );
    this.sessionId = sessionId ?? undefined;
    const initialized = { jsonrpc: "2.0" as const, method: "notifications/initialized" };
    const ack = await this.fetchWithTimeout(
      { method: "POST", headers: this.headersFor(initialized, undefined), body: JSON.stringify(initialized) },
      this.options.timeout ?? 30_000,
    );
    await ack.body?.cancel().catch(() => {});
    this.openStandalone();
  }

  /** Opens the legacy GET stream for server-initiated messages, and keeps it open. */
  private openStandalone(): void {
    if (!this.sessionId || this.standalone || this.closed) return;
    const controller = new AbortController();
    this.standalone = controller;
    const run = async () => {
      let lastEventId: string | undefined;
      let delay = this.options.reconnect?.initialDelayMs ?? 200;
      for (
        let attempt = 0;
        attempt < (this.options.reconnect?.maxRetries ?? 5) && !controller.signal.aborted;
        attempt++
      ) {
        let response: Response;
        try {
          const headers: Record<string, string> = { accept: "text/event-stream", ...this.baseHeaders() };
          if (lastEventId) headers["last-event-id"] = lastEventId;
          response = await (this.options.fetch ?? fetch)(this.url, {
            method: "GET",
            headers,
            signal: controller.signal,
          });
        } catch {
          if (controller.signal.aborted) return;
          await new Promise((r) => setTimeout(r, delay));
          delay = Math.min(5000, delay * 2);
          continue;
        }
        // 405: the server offers no GET stream; nothing more to do.
        if (!response.ok || !(response.headers.get("content-type") ?? "").includes("text/event-stream")) {
          await response.body?.cancel().catch(() => {});
          return;
        }
        attempt = -1;
        const parser = new SseParser(
          (event) => {
            if (event.id !== undefined) lastEventId = event.id;
            if (!event.data) return;
            try {
              const decoded = decodeValue(JSON.parse(event.data));
              if (decoded.kind !== "invalid") this.deliver(decoded.message);
            } catch {
              // not JSON: ignore
            }
          },
          (ms) => {
            delay = ms;
          },
        );
        await this.pump(response, parser);
        if (controller.signal.aborted) return;
        await new Promise((r) => setTimeout(r, delay));
      }
    };
    run().catch(() => {});
  }
}
