/**
 * The legacy HTTP+SSE server transport (protocol 2024-11-05): `GET /sse` opens the stream and
 * announces the `endpoint` to POST to; `POST /messages?session_id=...` carries client messages,
 * whose answers travel on the stream. Deprecated by the spec, kept for older clients. Scaled out,
 * a POST that reaches another instance than the stream's is passed on to it (see SharedSseRoutes).
 */
import { ErrorCode } from "../../protocol/codes.js";
import type { ServerEntry, ServerSession } from "../../server/entry.js";
import { TRANSPORT_DEFAULTS } from "../defaults.js";
import { EventStream } from "../http/event-stream.js";
import {
  emptyReply,
  errorReply,
  type HttpReply,
  type HttpRequestLike,
  readJsonBody,
  SSE_HEADERS,
} from "../http/exchange.js";
import { guardRequest, type HttpGuardOptions } from "../http/guard.js";
import { clientKey, identityKey, isSessionId, SessionQuota } from "../http/session-owner.js";
import { encodeSseEvent } from "../http/sse.js";
import { storeDown } from "../http/store-down.js";
import { SharedSseRoutes } from "./shared-routes.js";

export interface SseServerOptions extends HttpGuardOptions {
  /** Most open SSE sessions at once (default 10000); shared fairly among clients as on Streamable HTTP. */
  maxSessions?: number;
  /**
   * Most SSE sessions one client (identity, else remote address) holds at once (default 100); past
   * it the client's own longest-idle session ends, or the new stream is refused with 429.
   */
  maxSessionsPerClient?: number;
  maxBodyBytes?: number;
  keepAliveMs?: number;
}

interface SseSession {
  id: string;
  channel: ServerSession;
  stream: EventStream;
  /** The identity that opened the stream (see identityKey); undefined without auth. */
  owner: string | undefined;
  /** The client it counts against (see clientKey). */
  client: string;
  lastActive: number;
  /** No request in flight: it may be ended to make room. */
  readonly idle: boolean;
}

export class SseServer {
  private readonly sessions = new Map<string, SseSession>();
  private readonly quota: SessionQuota<SseSession>;
  private readonly server: ServerEntry;
  private readonly options: SseServerOptions;
  private readonly messagesPath: string;
  /** Scaled out: where the other instances' streams are, and messages POSTed here for them. */
  private readonly routes: SharedSseRoutes | undefined;

  constructor(server: ServerEntry, options: SseServerOptions, messagesPath: string) {
    this.server = server;
    this.options = options;
    this.messagesPath = messagesPath;
    if (server.scaleOut) {
      this.routes = new SharedSseRoutes(server.scaleOut, (id, message, auth) => {
        const session = this.sessions.get(id);
        if (!session) return;
        session.lastActive = Date.now();
        session.channel.receive(message, auth ? { auth } : undefined);
      });
    }
    this.quota = new SessionQuota(
      options.maxSessions ?? TRANSPORT_DEFAULTS.maxSessions,
      options.maxSessionsPerClient ?? TRANSPORT_DEFAULTS.maxSessionsPerClient,
    );
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Requests being handled across every session (their answers travel on the sessions' streams). */
  get inFlight(): number {
    let count = 0;
    for (const session of this.sessions.values()) count += session.channel.inFlight;
    return count;
  }

  /** `GET /sse`: opens a session's stream. */
  async handleStream(request: HttpRequestLike): Promise<HttpReply> {
    const guarded = await guardRequest(request, this.options, this.server.auth);
    if ("reply" in guarded) return guarded.reply;
    if (request.method !== "GET")
      return errorReply(405, -32000, "Method Not Allowed: open the stream with GET", null, { allow: "GET" });
    const owner = await identityKey(guarded.auth);
    const client = clientKey(owner, request.remoteAddress);
    const admission = this.quota.admit(client, this.sessions.size);
    if (!admission.ok) return errorReply(admission.status, -32000, admission.message);
    if (admission.evict) this.end(admission.evict.id);
    const id = crypto.randomUUID();
    const end = () => this.end(id);
    const stream = new EventStream({
      keepAliveMs: this.options.keepAliveMs ?? TRANSPORT_DEFAULTS.keepAliveMs,
      onDisconnect: end,
    });
    const channel = this.server.createSession({
      send: (message) => stream.send(message),
      sessionId: id,
      transport: "sse",
      headers: request.headers(),
      ...(guarded.auth ? { auth: guarded.auth } : {}),
    });
    const session: SseSession = {
      id,
      channel,
      stream,
      owner,
      client,
      lastActive: Date.now(),
      get idle() {
        return channel.inFlight === 0;
      },
    };
    this.sessions.set(id, session);
    this.quota.add(client, session);
    try {
      // Every instance knows where the stream is before the client learns where to POST.
      await this.routes?.open(id, owner);
    } catch (error) {
      this.end(id);
      return storeDown(error, null);
    }
    const endpoint = `${this.messagesPath}?session_id=${id}`;
    return {
      status: 200,
      headers: { ...SSE_HEADERS },
      attach: (sink) => {
        sink.write(encodeSseEvent({ event: "endpoint", data: endpoint }));
        stream.attach(sink);
      },
    };
  }

  /** `POST /messages?session_id=...`: one client message. */
  async handleMessage(request: HttpRequestLike): Promise<HttpReply> {
    const guarded = await guardRequest(request, this.options, this.server.auth);
    if ("reply" in guarded) return guarded.reply;
    if (request.method !== "POST")
      return errorReply(405, -32000, "Method Not Allowed: POST messages", null, { allow: "POST" });
    const id = request.url.searchParams.get("session_id") ?? request.url.searchParams.get("sessionId");
    if (!id) return errorReply(400, -32000, "Bad Request: the session_id query parameter is required");
    const owner = await identityKey(guarded.auth);
    const session = this.sessions.get(id);
    const target = session
      ? session.owner === owner
        ? session
        : undefined
      : await this.elsewhere(id, owner);
    // Another identity's session is "not found" too: it must not learn the session exists.
    if (!target) return errorReply(404, -32001, "Session not found: open a new stream");
    if ("status" in target) return target;
    const body = await readJsonBody(request, this.options.maxBodyBytes ?? TRANSPORT_DEFAULTS.maxBodyBytes);
    if ("reply" in body) return body.reply;
    const value = body.value;
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return errorReply(
        400,
        ErrorCode.InvalidRequest,
        "Invalid Request: expected one JSON-RPC message object",
      );
    }
    // The caller is the session's own identity; its latest token (a refreshed one) is ctx.auth.
    if ("tag" in target) {
      this.routes?.forward(target, id, value as Record<string, unknown>, guarded.auth);
    } else {
      target.lastActive = Date.now();
      target.channel.receive(value, guarded.auth ? { auth: guarded.auth } : undefined);
    }
    return { ...emptyReply(202), body: "Accepted" };
  }

  /**
   * Scaled out: the instance holding a stream this one does not, when `owner` opened it; the 503
   * reply when the store cannot be reached. Only ids this server could have made are looked up.
   */
  private async elsewhere(id: string, owner: string | undefined) {
    if (!this.routes || !isSessionId(id)) return undefined;
    try {
      const route = await this.routes.find(id);
      return route?.owner === (owner ?? null) ? route : undefined;
    } catch (error) {
      return storeDown(error, null);
    }
  }

  close(): void {
    for (const id of [...this.sessions.keys()]) this.end(id);
    this.routes?.stop();
  }

  private end(id: string): void {
    const session = this.sessions.get(id);
    if (!session) return;
    this.sessions.delete(id);
    this.routes?.close(id);
    this.quota.remove(session.client, session);
    session.channel.close();
    session.stream.end();
  }
}
