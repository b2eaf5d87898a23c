/**
 * The legacy era (2025-03-26 to 2025-11-25) on the Streamable HTTP endpoint: `initialize` mints a
 * session, later requests are found by `Mcp-Session-Id`, replies are resumable SSE streams, the
 * GET stream carries server-initiated messages, DELETE ends the session; or, with `stateless`, no
 * sessions at all.
 */

import type { AuthInfo } from "../../auth/types.js";
import type { JSONRPCMessage, JSONRPCRequest, RequestId } from "../../protocol/types.js";
import { isLegacyVersion, LEGACY_PROTOCOL_VERSIONS } from "../../protocol/versions.js";
import type { ServerKernel, SessionState } from "../../server/kernel.js";
import { TRANSPORT_DEFAULTS } from "../defaults.js";
import { type EventStore, EventStream } from "../http/event-stream.js";
import {
  emptyReply,
  errorReply,
  type HttpReply,
  type HttpRequestLike,
  SSE_HEADERS,
} from "../http/exchange.js";
import { clientKey, identityKey } from "../http/session-owner.js";
import { accepts, answer, PostReply } from "./post-reply.js";
import type { StreamableHttpOptions } from "./server.js";
import type { HttpSession, SessionStore } from "./sessions.js";

export class LegacyEndpoint {
  private readonly kernel: ServerKernel;
  private readonly options: StreamableHttpOptions;
  private readonly events: EventStore;
  private readonly sessions: SessionStore;
  /** Stateless legacy requests share no state; each stands alone. */
  private readonly statelessLegacy: boolean;

  constructor(
    kernel: ServerKernel,
    options: StreamableHttpOptions,
    events: EventStore,
    sessions: SessionStore,
  ) {
    this.kernel = kernel;
    this.options = options;
    this.events = events;
    this.sessions = sessions;
    this.statelessLegacy = options.stateless ?? false;
  }

  async initialize(
    request: HttpRequestLike,
    message: JSONRPCRequest,
    auth: AuthInfo | undefined,
  ): Promise<HttpReply> {
    if (this.statelessLegacy) {
      const state: SessionState = { transport: "http", legacy: undefined, sessionId: undefined, auth };
      return this.runLegacy(request, message, state, undefined);
    }
    const owner = await identityKey(auth);
    const session = this.sessions.create(owner, clientKey(owner, request.remoteAddress));
    if (!("id" in session)) return errorReply(session.status, -32000, session.message, message.id);
    session.state.auth = auth;
    const reply = await this.runLegacy(request, message, session.state, session);
    if (reply.status !== 200 || !session.state.legacy) {
      this.sessions.delete(session.id);
      return reply;
    }
    reply.headers["mcp-session-id"] = session.id;
    return reply;
  }

  async handle(
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
        transport: "http",
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
      const found = await this.findSession(request, auth, "id" in message ? message.id : undefined);
      if ("reply" in found) return found.reply;
      session = found.session;
      state = session.state;
      // The caller is the session's own identity; its latest token (a refreshed one) is ctx.auth.
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
      this.kernel.receiveNotification(message, state);
      return emptyReply(202);
    }
    return this.runLegacy(request, message as JSONRPCRequest, state, session);
  }

  /** The session named by the request, if it exists and belongs to the caller (else 404 alike). */
  private async findSession(
    request: HttpRequestLike,
    auth: AuthInfo | undefined,
    id: unknown,
  ): Promise<{ session: HttpSession } | { reply: HttpReply }> {
    const sessionId = request.header("mcp-session-id");
    const rid = typeof id === "string" || typeof id === "number" ? id : null;
    if (!sessionId)
      return { reply: errorReply(400, -32000, "Bad Request: Mcp-Session-Id header is required", rid) };
    const session = this.sessions.get(sessionId, await identityKey(auth));
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
            keepAliveMs: this.options.keepAliveMs ?? TRANSPORT_DEFAULTS.keepAliveMs,
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
    answer(
      this.kernel,
      {
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
      },
      reply,
    ).finally(() => {
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

  async get(request: HttpRequestLike, auth: AuthInfo | undefined): Promise<HttpReply> {
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
    const found = await this.findSession(request, auth, null);
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
        : new EventStream({
            store: this.events,
            streamId,
            keepAliveMs: this.options.keepAliveMs ?? TRANSPORT_DEFAULTS.keepAliveMs,
          });
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

  async delete(request: HttpRequestLike, auth: AuthInfo | undefined): Promise<HttpReply> {
    const sessionId = request.header("mcp-session-id");
    if (!sessionId || request.header("mcp-protocol-version") === "2026-07-28") {
      return errorReply(405, -32000, "Method Not Allowed: no session to end", null, { allow: "POST" });
    }
    // Another identity's session is "not found" too: it must not learn the session exists.
    const session = this.sessions.get(sessionId, await identityKey(auth));
    if (!session || !this.sessions.delete(session.id)) return errorReply(404, -32001, "Session not found");
    return emptyReply(200);
  }
}
