/**
 * The legacy HTTP+SSE server transport (protocol 2024-11-05): `GET /sse` opens the stream and
 * announces the `endpoint` to POST to; `POST /messages?session_id=...` carries client messages,
 * whose answers travel on the stream. Deprecated by the spec, kept for older clients.
 */
import { ErrorCode } from "../../protocol/codes.js";
import type { FastMCP } from "../../server/fastmcp.js";
import type { ChannelSession } from "../../server/session.js";
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
import { encodeSseEvent } from "../http/sse.js";

export interface SseServerOptions extends HttpGuardOptions {
  /** Most open SSE sessions at once (default 10000). */
  maxSessions?: number;
  maxBodyBytes?: number;
  keepAliveMs?: number;
}

interface SseSession {
  channel: ChannelSession;
  stream: EventStream;
}

export class SseServer {
  private readonly sessions = new Map<string, SseSession>();
  private readonly server: FastMCP;
  private readonly options: SseServerOptions;
  private readonly messagesPath: string;

  constructor(server: FastMCP, options: SseServerOptions, messagesPath: string) {
    this.server = server;
    this.options = options;
    this.messagesPath = messagesPath;
  }

  get size(): number {
    return this.sessions.size;
  }

  /** `GET /sse`: opens a session's stream. */
  async handleStream(request: HttpRequestLike): Promise<HttpReply> {
    const guarded = await guardRequest(request, this.options, this.server.auth);
    if ("reply" in guarded) return guarded.reply;
    if (request.method !== "GET")
      return errorReply(405, -32000, "Method Not Allowed: open the stream with GET", null, { allow: "GET" });
    if (this.sessions.size >= (this.options.maxSessions ?? 10_000)) {
      return errorReply(503, -32000, "Too many sessions: try again later");
    }
    const id = crypto.randomUUID();
    const end = () => {
      const session = this.sessions.get(id);
      if (!session) return;
      this.sessions.delete(id);
      session.channel.close();
      session.stream.end();
    };
    const stream = new EventStream({ keepAliveMs: this.options.keepAliveMs ?? 15_000, onDisconnect: end });
    const channel = this.server.createSession({
      send: (message) => stream.send(message),
      sessionId: id,
      headers: request.headers(),
      ...(guarded.auth ? { auth: guarded.auth } : {}),
    });
    this.sessions.set(id, { channel, stream });
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
    const session = this.sessions.get(id);
    if (!session) return errorReply(404, -32001, "Session not found: open a new stream");
    const body = await readJsonBody(request, this.options.maxBodyBytes ?? 4 * 1024 * 1024);
    if ("reply" in body) return body.reply;
    const value = body.value;
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return errorReply(
        400,
        ErrorCode.InvalidRequest,
        "Invalid Request: expected one JSON-RPC message object",
      );
    }
    session.channel.receive(value);
    return { ...emptyReply(202), body: "Accepted" };
  }

  close(): void {
    for (const [id, session] of [...this.sessions]) {
      this.sessions.delete(id);
      session.channel.close();
      session.stream.end();
    }
  }
}
