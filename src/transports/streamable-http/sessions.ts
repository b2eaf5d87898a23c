/**
 * Legacy-era (2025-03-26 to 2025-11-25) Streamable HTTP sessions: minted by `initialize`, found by
 * `Mcp-Session-Id` (for the identity that made them only), ended by DELETE, an idle TTL or the caps
 * on their number (per client and in all). Ending a session drops its stored events.
 */
import { ConnectionError } from "../../errors.js";
import { RpcPeer } from "../../protocol/engine.js";
import type { JSONRPCMessage, RequestId } from "../../protocol/types.js";
import type { ServerKernel, SessionState } from "../../server/kernel.js";
import { TRANSPORT_DEFAULTS } from "../defaults.js";
import type { EventStore, EventStream } from "../http/event-stream.js";
import { type Admission, SessionQuota } from "../http/session-owner.js";

/** Somewhere a message for the client can go: a request's reply stream, or the GET stream. */
export interface Outlet {
  /** False when the message cannot be delivered there. */
  emit(message: JSONRPCMessage): boolean;
}

export class HttpSession {
  readonly id: string;
  /** The identity that created the session (see identityKey); undefined without auth. */
  readonly owner: string | undefined;
  /** The client it counts against (see clientKey). */
  readonly client: string;
  readonly state: SessionState;
  /** Server-to-client requests and their answers (which arrive in POST bodies). */
  readonly peer: RpcPeer;
  /** Open reply streams by stream id, for resumption and for closing on DELETE. */
  readonly streams = new Map<string, EventStream>();
  /** The GET stream, for messages unrelated to a request. */
  standalone: EventStream | undefined;
  lastActive = Date.now();
  /** POST requests being handled. */
  busy = 0;
  /** Abort controllers of requests being handled, for notifications/cancelled. */
  readonly inflight = new Map<RequestId, AbortController>();
  private streamSeq = 0;
  readonly member: { state: SessionState; notify(method: string, params?: Record<string, unknown>): void };

  constructor(id: string, owner: string | undefined, client: string) {
    this.id = id;
    this.owner = owner;
    this.client = client;
    this.state = { transport: "http", legacy: undefined, sessionId: id, auth: undefined };
    this.peer = new RpcPeer({
      send: (message, route) => {
        if ((route as Outlet | undefined)?.emit(message)) return;
        if (this.standalone && !this.standalone.isEnded) {
          this.standalone.send(message);
          return;
        }
        throw new ConnectionError(
          "No open stream to reach the client: open the GET stream to receive server requests",
        );
      },
    });
    this.state.request = (method, params, signal) => this.peer.request(method, params, { signal });
    this.member = {
      state: this.state,
      notify: (method, params) => {
        if (this.standalone && !this.standalone.isEnded)
          this.standalone.send({ jsonrpc: "2.0", method, ...(params ? { params } : {}) });
      },
    };
  }

  nextStreamId(): string {
    return `${this.id}-${++this.streamSeq}`;
  }

  /** Every stream id the session has made, ended streams included (their events may be stored). */
  *streamIds(): Iterable<string> {
    for (let seq = 1; seq <= this.streamSeq; seq++) yield `${this.id}-${seq}`;
  }

  /** Whether it may be evicted to make room: nothing in flight and no GET stream attached. */
  get idle(): boolean {
    return this.busy === 0 && !this.standalone?.attached;
  }

  close(): void {
    this.peer.close(new ConnectionError("Session ended"));
    // Requests still being handled have nowhere to answer: cancel them.
    for (const controller of this.inflight.values()) controller.abort(new ConnectionError("Session ended"));
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
  private readonly kernel: ServerKernel;
  private readonly ttl: number;
  private readonly quota: SessionQuota<HttpSession>;
  private readonly events: EventStore | undefined;
  private sweeper: ReturnType<typeof setInterval> | undefined;

  constructor(kernel: ServerKernel, options: SessionStoreOptions, events: EventStore | undefined) {
    this.kernel = kernel;
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
  create(owner: string | undefined, client: string): HttpSession | Extract<Admission<never>, { ok: false }> {
    const admission = this.quota.admit(client, this.sessions.size);
    if (!admission.ok) return admission;
    if (admission.evict) this.delete(admission.evict.id);
    const session = new HttpSession(crypto.randomUUID(), owner, client);
    this.sessions.set(session.id, session);
    this.quota.add(client, session);
    this.kernel.sessions.add(session.member);
    if (!this.sweeper) {
      this.sweeper = setInterval(() => this.sweep(), Math.min(this.ttl, 60_000));
      this.sweeper.unref?.();
    }
    return session;
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
    this.kernel.sessions.delete(session.member);
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
      if (session.busy === 0 && now - session.lastActive > this.ttl) {
        this.delete(session.id);
        ended++;
      }
    }
    return ended;
  }
}
