/**
 * Legacy-era (2025-03-26 to 2025-11-25) Streamable HTTP sessions: minted by `initialize`, found by
 * `Mcp-Session-Id`, ended by DELETE, an idle TTL or the cap on their number.
 */
import { ConnectionError } from "../../errors.js";
import { RpcPeer } from "../../protocol/engine.js";
import type { JSONRPCMessage, RequestId } from "../../protocol/types.js";
import type { ServerKernel, SessionState } from "../../server/kernel.js";
import type { EventStore, EventStream } from "../http/event-stream.js";

/** Somewhere a message for the client can go: a request's reply stream, or the GET stream. */
export interface Outlet {
  /** False when the message cannot be delivered there. */
  emit(message: JSONRPCMessage): boolean;
}

export class HttpSession {
  readonly id: string;
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

  constructor(id: string) {
    this.id = id;
    this.state = { legacy: undefined, sessionId: id, auth: undefined };
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
  /** Most sessions at once (default 10000); past it the longest-idle free session is evicted. */
  maxSessions?: number;
}

export class SessionStore {
  private readonly sessions = new Map<string, HttpSession>();
  private readonly kernel: ServerKernel;
  private readonly ttl: number;
  private readonly max: number;
  private readonly events: EventStore | undefined;
  private sweeper: ReturnType<typeof setInterval> | undefined;

  constructor(kernel: ServerKernel, options: SessionStoreOptions, events: EventStore | undefined) {
    this.kernel = kernel;
    this.ttl = options.idleTtlMs ?? 30 * 60_000;
    this.max = options.maxSessions ?? 10_000;
    this.events = events;
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Whether the idle sweep timer is running (only while sessions exist). */
  get sweeping(): boolean {
    return this.sweeper !== undefined;
  }

  /** A new session, or undefined when the cap is reached and none can be evicted. */
  create(): HttpSession | undefined {
    if (this.sessions.size >= this.max && !this.evictOne()) return undefined;
    const session = new HttpSession(crypto.randomUUID());
    this.sessions.set(session.id, session);
    this.kernel.sessions.add(session.member);
    if (!this.sweeper) {
      this.sweeper = setInterval(() => this.sweep(), Math.min(this.ttl, 60_000));
      this.sweeper.unref?.();
    }
    return session;
  }

  get(id: string): HttpSession | undefined {
    const session = this.sessions.get(id);
    if (session) session.lastActive = Date.now();
    return session;
  }

  delete(id: string): boolean {
    const session = this.sessions.get(id);
    if (!session) return false;
    this.sessions.delete(id);
    this.kernel.sessions.delete(session.member);
    const streamIds = [...session.streams.keys()];
    session.close();
    if (this.events?.drop) for (const streamId of streamIds) this.events.drop(streamId);
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

  private evictOne(): boolean {
    let oldest: HttpSession | undefined;
    for (const session of this.sessions.values()) {
      if (session.busy > 0 || session.standalone?.attached) continue;
      if (!oldest || session.lastActive < oldest.lastActive) oldest = session;
    }
    if (!oldest) return false;
    this.delete(oldest.id);
    return true;
  }
}
