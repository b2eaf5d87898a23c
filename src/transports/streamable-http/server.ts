/**
 * The Streamable HTTP server for both eras on one endpoint. 2026-07-28 requests are served
 * statelessly, one JSON-RPC message per POST, with their headers checked against the body; an
 * `initialize` starts a legacy session (`Mcp-Session-Id`, GET stream, resumable replies, DELETE).
 * Each reply is JSON unless the handler sends something before its result, then it becomes SSE.
 */
import { ErrorCode } from "../../protocol/codes.js";
import { decodeValue, errorResponse, resultResponse, toErrorObject } from "../../protocol/jsonrpc.js";
import { MetaKey } from "../../protocol/meta.js";
import type { JSONRPCMessage, JSONRPCRequest, JSONRPCResponse, RequestId } from "../../protocol/types.js";
import { isLegacyVersion, LEGACY_PROTOCOL_VERSIONS } from "../../protocol/versions.js";
import type { AuthInfo } from "../../server/context.js";
import type { FastMCP } from "../../server/fastmcp.js";
import type { DispatchInput, ServerKernel, SessionState } from "../../server/kernel.js";
import { hasModernClaim } from "../../server/scope.js";
import { type EventStore, EventStream, InMemoryEventStore } from "../http/event-stream.js";
import {
  emptyReply,
  errorReply,
  type HttpReply,
  type HttpRequestLike,
  jsonReply,
  readJsonBody,
  SSE_HEADERS,
} from "../http/exchange.js";
import { guardRequest, type HttpGuardOptions } from "../http/guard.js";
import {
  decodeHeaderValue,
  type ParamHeader,
  paramHeaderMatches,
  paramHeaders,
  paramHeaderValue,
} from "./headers.js";
import { type HttpSession, type Outlet, SessionStore, type SessionStoreOptions } from "./sessions.js";

export interface StreamableHttpOptions extends HttpGuardOptions, SessionStoreOptions {
  /** Largest accepted request body, in bytes (default 4 MiB). */
  maxBodyBytes?: number;
  /** Legacy era: always answer with one JSON object, never SSE. */
  jsonResponse?: boolean;
  /** Legacy era without sessions: no `Mcp-Session-Id`, every request stands alone. */
  stateless?: boolean;
  /** Where legacy reply streams are kept for `Last-Event-ID` resumption (default: bounded, in memory). */
  eventStore?: EventStore;
  /** Keep-alive comment interval on open streams, in ms (default 15000; 0 for none). */
  keepAliveMs?: number;
  /** `retry` hint sent to legacy clients with each stream's priming event, in ms. */
  retryMs?: number;
}

const DEFAULT_MAX_BODY = 4 * 1024 * 1024;
const NAMED_METHODS: Record<string, "name" | "uri" | "taskId"> = {
  "tools/call": "name",
  "prompts/get": "name",
  "resources/read": "uri",
  // The tasks extension routes by task, so that a task's requests reach the instance holding it.
  "tasks/get": "taskId",
  "tasks/update": "taskId",
  "tasks/cancel": "taskId",
};

/** HTTP status for a JSON-RPC error code, per the 2026-07-28 Streamable HTTP status map. */
function statusFor(code: number): number {
  if (code === ErrorCode.MethodNotFound) return 404;
  if (
    code === ErrorCode.InvalidParams ||
    code === ErrorCode.InvalidRequest ||
    code === ErrorCode.ParseError ||
    code === ErrorCode.HeaderMismatch ||
    code === ErrorCode.MissingRequiredClientCapability ||
    code === ErrorCode.UnsupportedProtocolVersion
  ) {
    return 400;
  }
  return 200;
}

function accepts(request: HttpRequestLike, type: string): boolean {
  const accept = request.header("accept");
  return !accept || accept.includes(type) || accept.includes("*/*");
}

/**
 * One POST exchange whose reply is decided late: JSON when the result comes first, SSE as soon as
 * anything else must be sent before it.
 */
class PostReply implements Outlet {
  readonly reply: Promise<HttpReply>;
  private resolve!: (reply: HttpReply) => void;
  private stream: EventStream | undefined;
  private readonly makeStream: (() => EventStream) | undefined;
  private readonly headers: Record<string, string>;
  /** 2026-07-28 maps error codes to HTTP statuses; legacy errors travel in a 200 like any answer. */
  private readonly mapStatus: boolean;

  constructor(
    makeStream: (() => EventStream) | undefined,
    headers: Record<string, string>,
    mapStatus = true,
  ) {
    this.reply = new Promise((resolve) => {
      this.resolve = resolve;
    });
    this.makeStream = makeStream;
    this.headers = headers;
    this.mapStatus = mapStatus;
  }

  emit(message: JSONRPCMessage): boolean {
    if (!this.stream) {
      if (!this.makeStream) return false;
      const stream = this.makeStream();
      this.stream = stream;
      this.resolve({
        status: 200,
        headers: { ...SSE_HEADERS, ...this.headers },
        attach: (sink) => stream.attach(sink),
      });
    }
    this.stream.send(message);
    return true;
  }

  finish(message: JSONRPCResponse): void {
    if (this.stream) {
      this.stream.send(message);
      this.stream.end();
      return;
    }
    const status = "error" in message && this.mapStatus ? statusFor(message.error.code) : 200;
    this.resolve(jsonReply(status, message, this.headers));
  }
}

/**
 * The signal of a 2026-07-28 request, aborted when its client goes away. Made (and tied to the HTTP
 * request's own signal) only when something reads it: AbortSignals and their listeners cost more
 * than the rest of a simple call, and most handlers never look.
 */
class ClientWatch {
  private readonly request: HttpRequestLike;
  private readonly controller = new AbortController();
  private watching = false;

  constructor(request: HttpRequestLike) {
    this.request = request;
  }

  /** The client went away (the HTTP request's signal, or the reply stream's disconnect). */
  readonly gone = (): void => this.controller.abort(new Error("The client closed the connection"));

  get signal(): AbortSignal {
    if (!this.watching) {
      this.watching = true;
      const client = this.request.signal;
      if (client.aborted) this.gone();
      else client.addEventListener("abort", this.gone, { once: true });
    }
    return this.controller.signal;
  }

  release(): void {
    if (this.watching) this.request.signal.removeEventListener("abort", this.gone);
  }
}

/** A 2026-07-28 request for the kernel; a class so that `signal` stays a lazy prototype getter. */
class ModernDispatch implements DispatchInput {
  readonly request: JSONRPCRequest;
  readonly session: SessionState;
  readonly headers: Record<string, string>;
  readonly notify: DispatchInput["notify"];
  private readonly watch: ClientWatch;

  constructor(
    request: JSONRPCRequest,
    session: SessionState,
    watch: ClientWatch,
    headers: Record<string, string>,
    notify: DispatchInput["notify"],
  ) {
    this.request = request;
    this.session = session;
    this.watch = watch;
    this.headers = headers;
    this.notify = notify;
  }

  get signal(): AbortSignal {
    return this.watch.signal;
  }
}

export class StreamableHttpHandler {
  readonly sessions: SessionStore;
  private readonly kernel: ServerKernel;
  private readonly server: FastMCP;
  private readonly options: StreamableHttpOptions;
  private readonly events: EventStore;
  private readonly paramHeaderCache = new WeakMap<object, ParamHeader[] | Error>();
  /** Stateless legacy requests share no state; this one stands in for a session. */
  private readonly statelessLegacy: boolean;

  constructor(server: FastMCP, options: StreamableHttpOptions = {}) {
    this.server = server;
    this.kernel = server.kernel;
    this.options = options;
    this.events = options.eventStore ?? new InMemoryEventStore();
    this.sessions = new SessionStore(this.kernel, options, this.events);
    this.statelessLegacy = options.stateless ?? false;
  }

  /** Handles one HTTP request to the MCP endpoint. */
  async handle(request: HttpRequestLike): Promise<HttpReply> {
    const guarded = await guardRequest(request, this.options, this.server.auth);
    if ("reply" in guarded) return guarded.reply;
    switch (request.method) {
      case "POST":
        return this.post(request, guarded.auth);
      case "GET":
        return this.get(request);
      case "DELETE":
        return this.delete(request);
      default:
        return errorReply(405, -32000, `Method ${request.method} not allowed`, null, {
          allow: "GET, POST, DELETE",
        });
    }
  }

  /** Ends every legacy session and its streams. */
  close(): void {
    this.sessions.clear();
  }

  private async post(request: HttpRequestLike, auth: AuthInfo | undefined): Promise<HttpReply> {
    if (!accepts(request, "application/json") && !accepts(request, "text/event-stream")) {
      return errorReply(
        406,
        ErrorCode.InvalidRequest,
        "Not Acceptable: Accept must include application/json and text/event-stream",
      );
    }
    const body = await readJsonBody(request, this.options.maxBodyBytes ?? DEFAULT_MAX_BODY);
    if ("reply" in body) return body.reply;
    const value = body.value;
    const decoded = decodeValue(value);
    if (decoded.kind === "invalid") return jsonReply(400, decoded.error);
    if (decoded.kind === "request") {
      const message = decoded.message;
      // A modern claim in _meta, or a modern header on a request whose _meta lacks the claim (which
      // then fails the envelope check with -32602), is served statelessly.
      const modernHeader = request.header("mcp-protocol-version") === "2026-07-28";
      if (hasModernClaim(message.params) || modernHeader) return this.modern(request, message, auth);
      if (message.method === "initialize") return this.initialize(request, message, auth);
    } else if (
      decoded.kind === "notification" &&
      (hasModernClaim(decoded.message.params) || request.header("mcp-protocol-version") === "2026-07-28")
    ) {
      // 2026-07-28 has no session to deliver a notification to (a request is cancelled by closing
      // its stream, as the official v2 client also does alongside notifications/cancelled): accept it.
      return emptyReply(202);
    }
    return this.legacy(request, decoded.message, auth);
  }

  private modern(
    request: HttpRequestLike,
    message: JSONRPCRequest,
    auth: AuthInfo | undefined,
  ): Promise<HttpReply> | HttpReply {
    const mismatch = this.checkHeaders(request, message);
    if (mismatch) return errorReply(400, ErrorCode.HeaderMismatch, mismatch, message.id);
    const state: SessionState = { legacy: undefined, sessionId: undefined, auth };
    const watch = new ClientWatch(request);
    const reply = new PostReply(
      () => new EventStream({ keepAliveMs: this.options.keepAliveMs ?? 15_000, onDisconnect: watch.gone }),
      {},
    );
    const notify = (method: string, params: Record<string, unknown>) => {
      if (!watch.signal.aborted) reply.emit({ jsonrpc: "2.0", method, params });
    };
    this.kernel
      .dispatch(new ModernDispatch(message, state, watch, request.headers(), notify))
      .then(
        (result) => reply.finish(resultResponse(message.id, result)),
        (error: unknown) => {
          const { code, message: text, data } = toErrorObject(error, this.kernel.options.maskErrorDetails);
          reply.finish(errorResponse(message.id, code, text, data));
        },
      )
      .finally(() => watch.release());
    return reply.reply;
  }

  /** Checks MCP-Protocol-Version, Mcp-Method, Mcp-Name and Mcp-Param-* against the body. */
  private checkHeaders(request: HttpRequestLike, message: JSONRPCRequest): string | undefined {
    const version = request.header("mcp-protocol-version");
    const claimed = (message.params?._meta as Record<string, unknown> | undefined)?.[MetaKey.ProtocolVersion];
    if (version === undefined) return "Header mismatch: the MCP-Protocol-Version header is required";
    if (claimed !== undefined && version !== claimed) {
      return `Header mismatch: MCP-Protocol-Version header ${version} does not match the body's ${String(claimed)}`;
    }
    const method = request.header("mcp-method");
    if (method === undefined) return "Header mismatch: the Mcp-Method header is required";
    if (method !== message.method) {
      return `Header mismatch: Mcp-Method header ${method} does not match the body's ${message.method}`;
    }
    const field = NAMED_METHODS[message.method];
    if (field) {
      const raw = request.header("mcp-name");
      if (raw === undefined) return "Header mismatch: the Mcp-Name header is required";
      const name = decodeHeaderValue(raw);
      const expected = message.params?.[field];
      if (name === undefined) return "Header mismatch: the Mcp-Name header has invalid characters";
      if (name !== expected)
        return `Header mismatch: Mcp-Name header ${name} does not match the body's ${String(expected)}`;
    }
    if (message.method === "tools/call") return this.checkParamHeaders(request, message);
    return undefined;
  }

  private checkParamHeaders(request: HttpRequestLike, message: JSONRPCRequest): string | undefined {
    const tool = this.kernel.tools.get(String(message.params?.name));
    if (!tool) return undefined;
    let headers = this.paramHeaderCache.get(tool.wire);
    if (!headers) {
      try {
        headers = paramHeaders(tool.wire.inputSchema);
      } catch (error) {
        headers = error as Error;
      }
      this.paramHeaderCache.set(tool.wire, headers);
    }
    if (headers instanceof Error || headers.length === 0) return undefined;
    const args = message.params?.arguments;
    for (const header of headers) {
      const raw = request.header(`mcp-param-${header.name.toLowerCase()}`);
      const expected = paramHeaderValue(args, header);
      if (raw === undefined) {
        if (expected !== undefined) return `Header mismatch: the Mcp-Param-${header.name} header is required`;
        continue;
      }
      const received = decodeHeaderValue(raw);
      if (received === undefined)
        return `Header mismatch: the Mcp-Param-${header.name} header has invalid characters`;
      if (expected === undefined || !paramHeaderMatches(received, expected, header.type)) {
        return `Header mismatch: Mcp-Param-${header.name} header does not match the argument`;
      }
    }
    return undefined;
  }

  private async initialize(
    request: HttpRequestLike,
    message: JSONRPCRequest,
    auth: AuthInfo | undefined,
  ): Promise<HttpReply> {
    if (this.statelessLegacy) {
      const state: SessionState = { legacy: undefined, sessionId: undefined, auth };
      return this.runLegacy(request, message, state, undefined);
    }
    const session = this.sessions.create();
    if (!session) return errorReply(503, -32000, "Too many sessions: try again later", message.id);
    session.state.auth = auth;
    const reply = await this.runLegacy(request, message, session.state, session);
    if (reply.status !== 200 || !session.state.legacy) {
      this.sessions.delete(session.id);
      return reply;
    }
    reply.headers["mcp-session-id"] = session.id;
    return reply;
  }

  private async legacy(
    request: HttpRequestLike,
    message: JSONRPCMessage,
    auth: AuthInfo | undefined,
  ): Promise<HttpReply> {
    let session: HttpSession | undefined;
    let state: SessionState;
    if (this.statelessLegacy) {
      const version = request.header("mcp-protocol-version");
      const protocolVersion = version && isLegacyVersion(version) ? version : "2025-03-26";
      state = {
        legacy: {
          protocolVersion,
          clientCapabilities: {},
          clientInfo: undefined,
          logLevel: undefined,
          initialized: true,
        },
        sessionId: undefined,
        auth,
      };
    } else {
      const found = this.findSession(request, "id" in message ? message.id : undefined);
      if ("reply" in found) return found.reply;
      session = found.session;
      state = session.state;
      if (auth) state.auth = auth;
    }
    const version = request.header("mcp-protocol-version");
    if (version !== undefined && !LEGACY_PROTOCOL_VERSIONS.includes(version as never)) {
      return errorReply(
        400,
        -32000,
        `Bad Request: unsupported MCP-Protocol-Version ${version}`,
        "id" in message ? message.id : null,
      );
    }
    if (!("method" in message)) {
      session?.peer.receive(message);
      return emptyReply(202);
    }
    if (!("id" in message)) {
      if (message.method === "notifications/initialized" && state.legacy) state.legacy.initialized = true;
      else if (message.method === "notifications/cancelled") {
        const requestId = message.params?.requestId as RequestId | undefined;
        const controller = requestId === undefined ? undefined : session?.inflight.get(requestId);
        controller?.abort(new Error(String(message.params?.reason ?? "Request cancelled")));
      }
      return emptyReply(202);
    }
    return this.runLegacy(request, message as JSONRPCRequest, state, session);
  }

  private findSession(
    request: HttpRequestLike,
    id: unknown,
  ): { session: HttpSession } | { reply: HttpReply } {
    const sessionId = request.header("mcp-session-id");
    const rid = typeof id === "string" || typeof id === "number" ? id : null;
    if (!sessionId)
      return { reply: errorReply(400, -32000, "Bad Request: Mcp-Session-Id header is required", rid) };
    const session = this.sessions.get(sessionId);
    if (!session)
      return { reply: errorReply(404, -32001, "Session not found: initialize a new session", rid) };
    return { session };
  }

  /** Runs a legacy request; its reply is JSON, or SSE once something precedes the result. */
  private runLegacy(
    request: HttpRequestLike,
    message: JSONRPCRequest,
    state: SessionState,
    session: HttpSession | undefined,
  ): Promise<HttpReply> {
    const sse = !this.options.jsonResponse && accepts(request, "text/event-stream");
    const makeStream = sse
      ? () => {
          const streamId = session?.nextStreamId();
          const stream = new EventStream({
            ...(session && streamId ? { store: this.events, streamId } : {}),
            keepAliveMs: this.options.keepAliveMs ?? 15_000,
            ...(this.options.retryMs === undefined ? {} : { retryMs: this.options.retryMs }),
          });
          if (session && streamId) session.streams.set(streamId, stream);
          stream.prime();
          return stream;
        }
      : undefined;
    const reply = new PostReply(makeStream, {}, false);
    const controller = new AbortController();
    if (session) session.busy++;
    // In the legacy era a dropped connection is not a cancellation: the request runs on, and its
    // reply stays available for resumption; notifications/cancelled is what cancels.
    session?.inflight.set(message.id, controller);
    this.kernel
      .dispatch({
        request: message,
        session: state,
        signal: controller.signal,
        headers: request.headers(),
        notify: (method, params) => void reply.emit({ jsonrpc: "2.0", method, params }),
        ...(session
          ? {
              serverRequest: (method: string, params: Record<string, unknown>, signal: AbortSignal) =>
                session.peer.request(method, params, { signal, route: reply }),
            }
          : {}),
      })
      .then(
        (result) => reply.finish(resultResponse(message.id, result)),
        (error: unknown) => {
          const { code, message: text, data } = toErrorObject(error, this.kernel.options.maskErrorDetails);
          reply.finish(errorResponse(message.id, code, text, data));
        },
      )
      .finally(() => {
        if (session) {
          session.inflight.delete(message.id);
          session.busy--;
          session.lastActive = Date.now();
        }
      });
    return reply.reply.then((out) => {
      if (session && "attach" in out) {
        // Forget the stream once it has ended; its events stay in the store for resumption.
        for (const [id, stream] of session.streams) if (stream.isEnded) session.streams.delete(id);
      }
      return out;
    });
  }

  private async get(request: HttpRequestLike): Promise<HttpReply> {
    if (request.header("mcp-protocol-version") === "2026-07-28" || !request.header("mcp-session-id")) {
      return errorReply(
        405,
        -32000,
        "Method Not Allowed: this endpoint has no GET stream without a legacy session",
        null,
        {
          allow: "POST",
        },
      );
    }
    if (!accepts(request, "text/event-stream")) {
      return errorReply(406, -32000, "Not Acceptable: Accept must include text/event-stream");
    }
    const found = this.findSession(request, null);
    if ("reply" in found) return found.reply;
    const session = found.session;
    const lastEventId = request.header("last-event-id");
    if (lastEventId) return this.resume(session, lastEventId);
    if (session.standalone && !session.standalone.isEnded && session.standalone.attached) {
      return errorReply(409, -32000, "Conflict: only one GET stream per session is allowed");
    }
    const streamId = session.standalone?.options.streamId ?? session.nextStreamId();
    const stream =
      session.standalone && !session.standalone.isEnded
        ? session.standalone
        : new EventStream({ store: this.events, streamId, keepAliveMs: this.options.keepAliveMs ?? 15_000 });
    session.standalone = stream;
    session.streams.set(streamId, stream);
    return { status: 200, headers: { ...SSE_HEADERS }, attach: (sink) => stream.attach(sink) };
  }

  private async resume(session: HttpSession, lastEventId: string): Promise<HttpReply> {
    const replay: string[] = [];
    const { encodeSseEvent } = await import("../http/sse.js");
    const streamId = await this.events.replayAfter(lastEventId, (eventId, message) => {
      replay.push(encodeSseEvent({ id: eventId, event: "message", data: JSON.stringify(message) }));
    });
    if (streamId === undefined || !streamId.startsWith(`${session.id}-`)) {
      return errorReply(404, -32000, "Not Found: unknown or expired Last-Event-ID");
    }
    const live = session.streams.get(streamId);
    return {
      status: 200,
      headers: { ...SSE_HEADERS },
      attach: (sink) => {
        if (live && !live.isEnded) live.attach(sink, replay);
        else {
          for (const chunk of replay) sink.write(chunk);
          sink.close();
        }
      },
    };
  }

  private delete(request: HttpRequestLike): HttpReply {
    const sessionId = request.header("mcp-session-id");
    if (!sessionId || request.header("mcp-protocol-version") === "2026-07-28") {
      return errorReply(405, -32000, "Method Not Allowed: no session to end", null, { allow: "POST" });
    }
    if (!this.sessions.delete(sessionId)) return errorReply(404, -32001, "Session not found");
    return emptyReply(200);
  }
}
