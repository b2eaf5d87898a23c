/**
 * The legacy era (2025-03-26 to 2025-11-25) on the Streamable HTTP endpoint: `initialize` mints a
 * session, later requests are found by `Mcp-Session-Id`, replies are resumable SSE streams, the
 * GET stream carries server-initiated messages, DELETE ends the session; or, with `stateless`, no
 * sessions at all.
 */

import type { AuthInfo } from "../../auth/types.js";
import type { JSONRPCMessage, JSONRPCRequest } from "../../protocol/types.js";
import { isLegacyVersion, LEGACY_PROTOCOL_VERSIONS } from "../../protocol/versions.js";
import type { ServerEntry } from "../../server/entry.js";
import type { StoreEventLog } from "../../stores/event-log.js";
import { TRANSPORT_DEFAULTS } from "../defaults.js";
import type { EventStore } from "../http/event-store.js";
import { EventStream } from "../http/event-stream.js";
import {
  emptyReply,
  errorReply,
  type HttpReply,
  type HttpRequestLike,
  SSE_HEADERS,
} from "../http/exchange.js";
import { clientKey, identityKey } from "../http/session-owner.js";
import { storeDown, warnStoreDown } from "../http/store-down.js";
import { FollowedStream } from "./followed-stream.js";
import { accepts, PostExchange, PostReply } from "./post-reply.js";
import type { StreamableHttpOptions } from "./server.js";
import type { SessionStore } from "./session-store.js";
import type { HttpSession } from "./sessions.js";

/** In the legacy era a dropped connection is not a cancellation; only notifications/cancelled is. */
const NOT_CANCELLED_BY_DISCONNECT = { signal: new AbortController().signal };

export class LegacyEndpoint {
  private readonly server: ServerEntry;
  private readonly options: StreamableHttpOptions;
  private readonly events: EventStore;
  private readonly sessions: SessionStore;
  /** Stateless legacy requests share no state; each stands alone. */
  private readonly statelessLegacy: boolean;

  constructor(
    server: ServerEntry,
    options: StreamableHttpOptions,
    events: EventStore,
    sessions: SessionStore,
  ) {
    this.server = server;
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
    if (this.statelessLegacy) return this.stateless(request, message, auth, undefined);
    const owner = await identityKey(auth);
    const session = this.sessions.create(owner, clientKey(owner, request.remoteAddress), auth);
    if (!("id" in session)) return errorReply(session.status, -32000, session.message, message.id);
    const reply = await this.send(request, message, session, auth);
    if (reply.status !== 200 || !session.channel.legacy) {
      this.sessions.delete(session.id);
      return reply;
    }
    try {
      // Scaled out, the session exists for every instance before the client learns its id.
      await this.sessions.persist(session);
    } catch (error) {
      this.sessions.delete(session.id);
      return storeDown(error, message.id);
    }
    reply.headers["mcp-session-id"] = session.id;
    return reply;
  }

  /**
   * A legacy request other than `initialize`. Not async: a session held here is found at once, and
   * the request's reply promise is handed on as it is (no await on the way, no wrapping promise).
   */
  handle(request: HttpRequestLike, message: JSONRPCMessage, auth: AuthInfo | undefined): Promise<HttpReply> {
    if (this.statelessLegacy) return this.serve(request, message, auth, undefined);
    const found = this.findSession(request, auth, "id" in message ? message.id : undefined);
    if (found instanceof Promise)
      return found.then((outcome) =>
        "reply" in outcome ? outcome.reply : this.serve(request, message, auth, outcome.session),
      );
    return "reply" in found
      ? Promise.resolve(found.reply)
      : this.serve(request, message, auth, found.session);
  }

  /** A legacy request in its session, or on its own without one (`stateless`). */
  private serve(
    request: HttpRequestLike,
    message: JSONRPCMessage,
    auth: AuthInfo | undefined,
    session: HttpSession | undefined,
  ): Promise<HttpReply> {
    const version = request.header("mcp-protocol-version");
    if (version !== undefined && !LEGACY_PROTOCOL_VERSIONS.includes(version as never)) {
      return Promise.resolve(
        errorReply(
          400,
          -32000,
          `Bad Request: unsupported MCP-Protocol-Version ${version}`,
          "id" in message ? message.id : null,
        ),
      );
    }
    const protocolVersion = version && isLegacyVersion(version) ? version : "2025-03-26";
    // Answers to server requests and notifications (initialized, cancelled) go to the session.
    if (!("method" in message) || !("id" in message)) {
      if (session) {
        session.channel.receive(message);
        const persisted = this.persist(session);
        if (persisted) return persisted.then(accepted);
      } else if ("method" in message) {
        const options = {
          transport: "http",
          auth,
          headers: request.headers(),
          legacyVersion: protocolVersion,
        };
        this.server.receiveNotification(message, options);
      }
      return Promise.resolve(accepted());
    }
    if (!session) return this.stateless(request, message as JSONRPCRequest, auth, protocolVersion);
    return this.send(request, message as JSONRPCRequest, session, auth);
  }

  /**
   * The session named by the request, if it exists and belongs to the caller (else 404 alike); at
   * once when this instance holds it.
   */
  private findSession(
    request: HttpRequestLike,
    auth: AuthInfo | undefined,
    id: unknown,
  ): SessionFound | Promise<SessionFound> {
    const sessionId = request.header("mcp-session-id");
    const rid = typeof id === "string" || typeof id === "number" ? id : null;
    if (!sessionId)
      return { reply: errorReply(400, -32000, "Bad Request: Mcp-Session-Id header is required", rid) };
    const owner = identityKey(auth);
    if (owner instanceof Promise)
      return owner.then(
        (key) => this.lookUp(sessionId, key, auth, rid),
        (error: unknown) => ({ reply: storeDown(error, rid) }),
      );
    return this.lookUp(sessionId, owner, auth, rid);
  }

  private lookUp(
    sessionId: string,
    owner: string | undefined,
    auth: AuthInfo | undefined,
    rid: string | number | null,
  ): SessionFound | Promise<SessionFound> {
    let session: ReturnType<SessionStore["get"]>;
    try {
      session = this.sessions.get(sessionId, owner, auth);
    } catch (error) {
      return { reply: storeDown(error, rid) };
    }
    if (session instanceof Promise)
      return session.then(
        (found) => sessionOr404(found, rid),
        (error: unknown) => ({ reply: storeDown(error, rid) }),
      );
    return sessionOr404(session, rid);
  }

  /** The reply of a legacy request: JSON, or SSE once something precedes the result. */
  private replyFor(request: HttpRequestLike, auth: AuthInfo | undefined, session?: HttpSession): PostReply {
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
    return new PostReply(makeStream, { mapStatus: false, request, auth });
  }

  /** Hands a request to the session; its answer, notifications and server requests come back on the POST. */
  private send(
    request: HttpRequestLike,
    message: JSONRPCRequest,
    session: HttpSession,
    auth: AuthInfo | undefined,
  ): Promise<HttpReply> {
    const reply = this.replyFor(request, auth, session);
    session.channel.receive(message, reply);
    return reply.reply.then((out) => {
      this.sessions.touch(session);
      // Scaled out, what the request changed is shared before the answer goes out.
      const persisted = this.persist(session);
      return persisted ? persisted.then(() => sent(session, out)) : sent(session, out);
    });
  }

  /**
   * Scaled out: shares what a request changed in the session (log level, subscriptions). The
   * request itself was served; when the store cannot be reached the change stays on this
   * instance, and the next request that changes something writes it.
   */
  private persist(session: HttpSession): Promise<void> | undefined {
    return this.sessions.persist(session)?.catch(warnStoreDown);
  }

  /** A legacy request without a session (`stateless`): it stands alone. */
  private stateless(
    request: HttpRequestLike,
    message: JSONRPCRequest,
    auth: AuthInfo | undefined,
    legacyVersion: string | undefined,
  ): Promise<HttpReply> {
    const reply = this.replyFor(request, auth);
    this.server
      .exchange(message, new PostExchange(request, auth, NOT_CANCELLED_BY_DISCONNECT, reply, legacyVersion))
      .then((response) => reply.answer(response, this.server.maskErrorDetails));
    return reply.reply;
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
    const streamId = session.standalone?.options.streamId ?? session.nextStreamId(true);
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
    this.sessions.claimStandalone(session);
    return { status: 200, headers: { ...SSE_HEADERS }, attach: (sink) => stream.attach(sink) };
  }

  private async resume(session: HttpSession, lastEventId: string): Promise<HttpReply> {
    const at = lastEventId.lastIndexOf(".");
    const streamId = at > 0 ? lastEventId.slice(0, at) : "";
    // Another session's stream (or a made-up id) is "not found" before anything is read.
    if (!streamId.startsWith(`${session.id}-`)) return notResumable();
    const live = session.streams.get(streamId);
    const events = this.events as EventStore & Partial<Pick<StoreEventLog, "follow">>;
    try {
      if (!live && this.sessions.scaledOut && events.follow) {
        // A GET stream moves here; a reply stream is followed while its request runs elsewhere.
        if (/-g\d+$/.test(streamId)) return await this.adopt(session, lastEventId);
        return await this.follow(events.follow.bind(events), lastEventId);
      }
      const replay: string[] = [];
      const { encodeSseEvent } = await import("../http/sse.js");
      const found = await this.events.replayAfter(lastEventId, (eventId, message) => {
        replay.push(encodeSseEvent({ id: eventId, event: "message", data: JSON.stringify(message) }));
      });
      if (found !== streamId) return notResumable();
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
    } catch (error) {
      return storeDown(error, null);
    }
  }

  /** Scaled out: resumes a reply stream that another instance writes, following it until it ends. */
  private async follow(follow: StoreEventLog["follow"], lastEventId: string): Promise<HttpReply> {
    const { encodeSseEvent } = await import("../http/sse.js");
    const relay = new FollowedStream(this.options.keepAliveMs ?? TRANSPORT_DEFAULTS.keepAliveMs);
    const followed = await follow(
      lastEventId,
      (event) =>
        relay.write(encodeSseEvent({ id: event.id, event: "message", data: JSON.stringify(event.message) })),
      () => relay.end(),
    );
    if (!followed) return notResumable();
    relay.onStop(followed.stop);
    return { status: 200, headers: { ...SSE_HEADERS }, attach: (sink) => relay.attach(sink) };
  }

  /**
   * Scaled out: a GET stream resumed here after its instance lost it: what it holds after the
   * client's last event is replayed, then this instance's GET stream of the session takes over
   * (the other instances end theirs).
   */
  private async adopt(session: HttpSession, lastEventId: string): Promise<HttpReply> {
    const replay: string[] = [];
    const { encodeSseEvent } = await import("../http/sse.js");
    const found = await this.events.replayAfter(lastEventId, (eventId, message) => {
      replay.push(encodeSseEvent({ id: eventId, event: "message", data: JSON.stringify(message) }));
    });
    if (found === undefined) return notResumable();
    const streamId = session.nextStreamId(true);
    const stream = new EventStream({
      store: this.events,
      streamId,
      keepAliveMs: this.options.keepAliveMs ?? TRANSPORT_DEFAULTS.keepAliveMs,
    });
    session.standalone?.end();
    session.standalone = stream;
    session.streams.set(streamId, stream);
    this.sessions.claimStandalone(session);
    return { status: 200, headers: { ...SSE_HEADERS }, attach: (sink) => stream.attach(sink, replay) };
  }

  async delete(request: HttpRequestLike, auth: AuthInfo | undefined): Promise<HttpReply> {
    const sessionId = request.header("mcp-session-id");
    if (!sessionId || request.header("mcp-protocol-version") === "2026-07-28") {
      return errorReply(405, -32000, "Method Not Allowed: no session to end", null, { allow: "POST" });
    }
    // Another identity's session is "not found" too: it must not learn the session exists.
    try {
      const session = await this.sessions.get(sessionId, await identityKey(auth), auth);
      if (!session || !(await this.sessions.end(session.id)))
        return errorReply(404, -32001, "Session not found");
    } catch (error) {
      return storeDown(error, null);
    }
    return emptyReply(200);
  }
}

type SessionFound = { session: HttpSession } | { reply: HttpReply };

function sessionOr404(session: HttpSession | undefined, rid: string | number | null): SessionFound {
  return session
    ? { session }
    : { reply: errorReply(404, -32001, "Session not found: initialize a new session", rid) };
}

/** The answer to a notification or a client's response: accepted, nothing to say. */
function accepted(): HttpReply {
  return emptyReply(202);
}

/** A request's reply, once answered: a streamed one's ended streams are forgotten by the session. */
function sent(session: HttpSession, out: HttpReply): HttpReply {
  if ("attach" in out) session.forgetEndedStreams();
  return out;
}

function notResumable(): HttpReply {
  return errorReply(404, -32000, "Not Found: unknown or expired Last-Event-ID");
}
