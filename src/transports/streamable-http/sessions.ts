/**
 * Legacy-era (2025-03-26 to 2025-11-25) Streamable HTTP sessions: minted by `initialize`, found by
 * `Mcp-Session-Id` (for the identity that made them only), ended by DELETE, an idle TTL or the caps
 * on their number (per client and in all). Ending a session drops its stored events.
 */
import type { AuthInfo } from "../../auth/types.js";
import { ConnectionError } from "../../errors.js";
import type { JSONRPCMessage } from "../../protocol/types.js";
import type { ServerEntry, ServerSession } from "../../server/entry.js";
import { TRANSPORT_DEFAULTS } from "../defaults.js";
import type { EventStore, EventStream } from "../http/event-stream.js";
import { type Admission, SessionQuota } from "../http/session-owner.js";
import type { PostReply } from "./post-reply.js";

/** A view of one legacy Streamable HTTP session. */
export interface LegacySessionInfo {
  id: string;
  /** Requests being handled. */
  inFlight: number;
  /** Whether the client sent `notifications/initialized`. */
  initialized: boolean;
  /** Whether a client is attached to the session's GET stream. */
  getStream: boolean;
  /** Reply and GET streams not yet ended (ended ones are forgotten; their events stay stored). */
  openStreams: number;
  /** Streams a client is attached to. */
  attachedStreams: number;
}

/** A view of the Streamable HTTP endpoint's legacy sessions. */
export interface StreamableHttpStats {
  sessions: number;
  /** Requests being handled across them. */
  inFlight: number;
  /** Whether the idle sweep timer runs (only while sessions exist). */
  sweeping: boolean;
}

/**
 * One legacy session: a server session whose requests arrive one POST at a time. What the server
 * sends goes to the POST it concerns (its answer; its notifications and server requests while its
 * reply can stream), else to the GET stream.
 */
export class HttpSession {
  readonly id: string;
  /** The identity that created the session (see identityKey); undefined without auth. */
  readonly owner: string | undefined;
  /** The client it counts against (see clientKey). */
  readonly client: string;
  readonly channel: ServerSession;
  /** Open reply streams by stream id, for resumption and for closing on DELETE. */
  readonly streams = new Map<string, EventStream>();
  /** The GET stream, for messages unrelated to a request. */
  standalone: EventStream | undefined;
  lastActive = Date.now();
  private streamSeq = 0;

  constructor(
    server: ServerEntry,
    id: string,
    owner: string | undefined,
    client: string,
    auth: AuthInfo | undefined,
  ) {
    this.id = id;
    this.owner = owner;
    this.client = client;
    this.channel = server.createSession({
      transport: "http",
      sessionId: id,
      ...(auth ? { auth } : {}),
      send: (message, route) => this.deliver(message, route as PostReply | undefined),
      // A request the client cancelled gets no answer: end its POST's reply.
      onUnanswered: (route) => (route as PostReply).abandon(),
    });
  }

  private deliver(message: JSONRPCMessage, reply: PostReply | undefined): void {
    const request = "method" in message && "id" in message;
    if (reply) {
      if (!("method" in message)) {
        reply.finish(message);
        return;
      }
      if (reply.emit(message)) return;
      // A notification about a request whose reply cannot stream (a JSON reply) has nowhere to go.
      if (!request) return;
    }
    if (this.standalone && !this.standalone.isEnded) {
      this.standalone.send(message);
      return;
    }
    if (request) {
      throw new ConnectionError(
        "No open stream to reach the client: open the GET stream to receive server requests",
      );
    }
  }

  nextStreamId(): string {
    return `${this.id}-${++this.streamSeq}`;
  }

  /** Every stream id the session has made, ended streams included (their events may be stored). */
  *streamIds(): Iterable<string> {
    for (let seq = 1; seq <= this.streamSeq; seq++) yield `${this.id}-${seq}`;
  }

  /** What a view of the session shows (see StreamableHttpHandler.session). */
  info(): LegacySessionInfo {
    let open = 0;
    let attached = 0;
    for (const stream of this.streams.values()) {
      if (!stream.isEnded) open++;
      if (stream.attached) attached++;
    }
    return {
      id: this.id,
      inFlight: this.channel.inFlight,
      initialized: this.channel.initialized,
      getStream: this.standalone?.attached === true,
      openStreams: open,
      attachedStreams: attached,
    };
  }

  /** Whether it may be evicted to make room: nothing in flight and no GET stream attached. */
  get idle(): boolean {
    return this.channel.inFlight === 0 && !this.standalone?.attached;
  }

  close(): void {
    // Requests still being handled have nowhere to answer: they are cancelled.
    this.channel.close(new ConnectionError("Session ended"));
    this.standalone?.end();
    for (const stream of this.streams.values()) stream.end();
    this.streams.clear();
  }
}

export interface SessionStoreOptions {
  /** Sessions idle longer than this end (ms, default 30 minutes). */
  idleTtlMs?: number;
  /**
   * Most sessions at once (default 10000). Past it a client under its fair share (the cap divided
   * among the clients holding sessions) evicts the longest-idle session of the largest client, and
   * a client over it only its own; 503 when nothing can be evicted.
   */
  maxSessions?: number;
  /**
   * Most sessions one client holds at once (default 100): a client is the authenticated identity,
   * or the remote address without auth (IPv6 by /64; `X-Forwarded-For` is not trusted). Past it the
   * client's own longest-idle session is evicted, or the new one refused with 429 when all are busy.
   */
  maxSessionsPerClient?: number;
}

export class SessionStore {
  private readonly sessions = new Map<string, HttpSession>();
  private readonly server: ServerEntry;
  private readonly ttl: number;
  private readonly quota: SessionQuota<HttpSession>;
  private readonly events: EventStore | undefined;
  private sweeper: ReturnType<typeof setInterval> | undefined;

  constructor(server: ServerEntry, options: SessionStoreOptions, events: EventStore | undefined) {
    this.server = server;
    this.ttl = options.idleTtlMs ?? TRANSPORT_DEFAULTS.idleTtlMs;
    this.quota = new SessionQuota(
      options.maxSessions ?? TRANSPORT_DEFAULTS.maxSessions,
      options.maxSessionsPerClient ?? TRANSPORT_DEFAULTS.maxSessionsPerClient,
    );
    this.events = events;
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Whether the idle sweep timer is running (only while sessions exist). */
  get sweeping(): boolean {
    return this.sweeper !== undefined;
  }

  /**
   * A new session for `owner` (its identity key) counted against `client`, after evicting one to
   * make room if a cap is reached; or the refusal when none can be evicted.
   */
  create(
    owner: string | undefined,
    client: string,
    auth: AuthInfo | undefined,
  ): HttpSession | Extract<Admission<never>, { ok: false }> {
    const admission = this.quota.admit(client, this.sessions.size);
    if (!admission.ok) return admission;
    if (admission.evict) this.delete(admission.evict.id);
    const session = new HttpSession(this.server, crypto.randomUUID(), owner, client, auth);
    this.sessions.set(session.id, session);
    this.quota.add(client, session);
    if (!this.sweeper) {
      this.sweeper = setInterval(() => this.sweep(), Math.min(this.ttl, 60_000));
      this.sweeper.unref?.();
    }
    return session;
  }

  /** The session, without counting the look as activity; for views. */
  peek(id: string): HttpSession | undefined {
    return this.sessions.get(id);
  }

  /** Requests being handled across every session. */
  get inFlight(): number {
    let count = 0;
    for (const session of this.sessions.values()) count += session.channel.inFlight;
    return count;
  }

  /** The session, when it exists and belongs to `owner` (another identity must not learn it exists). */
  get(id: string, owner: string | undefined = undefined): HttpSession | undefined {
    const session = this.sessions.get(id);
    if (!session || session.owner !== owner) return undefined;
    session.lastActive = Date.now();
    return session;
  }

  delete(id: string): boolean {
    const session = this.sessions.get(id);
    if (!session) return false;
    this.sessions.delete(id);
    this.quota.remove(session.client, session);
    session.close();
    // Ended streams have left session.streams but their events are still stored: drop them all.
    if (this.events?.dropSession) this.events.dropSession(session.id);
    else if (this.events?.drop) for (const streamId of session.streamIds()) this.events.drop(streamId);
    if (this.sessions.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
    return true;
  }

  /** Ends every session. */
  clear(): void {
    for (const id of [...this.sessions.keys()]) this.delete(id);
  }

  /** Ends sessions idle past the TTL; returns how many. */
  sweep(now = Date.now()): number {
    let ended = 0;
    for (const session of [...this.sessions.values()]) {
      if (session.channel.inFlight === 0 && now - session.lastActive > this.ttl) {
        this.delete(session.id);
        ended++;
      }
    }
    return ended;
  }
}
