/**
 * The legacy sessions of one Streamable HTTP endpoint: made by `initialize`, found by
 * `Mcp-Session-Id` (for the identity that made them only), ended by DELETE, an idle TTL or the caps
 * on their number (per client and in all). Ending a session drops its stored events.
 *
 * Scaled out (the server has a shared store), the sessions here are replicas: any instance makes
 * one from the store's record on the first request it sees for a session, and the caps, the idle
 * sweep and shutting down only drop replicas; DELETE ends the session everywhere, and a session
 * nobody uses expires from the store.
 */
import type { AuthInfo } from "../../auth/types.js";
import type { ServerEntry } from "../../server/entry.js";
import { TRANSPORT_DEFAULTS } from "../defaults.js";
import type { EventStore } from "../http/event-store.js";
import { type Admission, isSessionId, SessionQuota } from "../http/session-owner.js";
import { HttpSession, type Replica } from "./sessions.js";
import { applyRecord, parseRecord, recordText, SharedSessions } from "./shared-sessions.js";

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
  /** Scaled out with the store's event log (not an `eventStore` option): SharedSessions.end deletes it. */
  private readonly eventsShared: boolean;
  /** Scaled out: the sessions' records in the shared store. */
  private readonly shared: SharedSessions | undefined;
  /** Scaled out: replicas being made, so that concurrent requests make one. */
  private readonly loading = new Map<string, Promise<HttpSession | undefined>>();
  private readonly unlisten: (() => void)[] = [];
  private sweeper: ReturnType<typeof setInterval> | undefined;
  /**
   * The sessions' clock starts here: their times (lastActive, lastShared) are ms since `epoch`,
   * small integers that V8 keeps in the session object (a Date.now() is a heap number of its own).
   * It restarts when no session is left, and the sweep moves it up before they outgrow that range.
   */
  private epoch = Date.now();

  constructor(server: ServerEntry, options: SessionStoreOptions, events: EventStore | undefined) {
    this.server = server;
    this.ttl = options.idleTtlMs ?? TRANSPORT_DEFAULTS.idleTtlMs;
    this.quota = new SessionQuota(
      options.maxSessions ?? TRANSPORT_DEFAULTS.maxSessions,
      options.maxSessionsPerClient ?? TRANSPORT_DEFAULTS.maxSessionsPerClient,
    );
    this.events = events;
    const scaleOut = server.scaleOut;
    this.eventsShared = scaleOut !== undefined && events !== undefined && "follow" in events;
    if (scaleOut) {
      this.shared = new SharedSessions(scaleOut, this.ttl);
      const { bus } = scaleOut;
      this.unlisten.push(
        bus.on("session", ({ id, record }) => {
          const session = this.sessions.get(id);
          const replica = session?.replica;
          const parsed = replica && record !== replica.persisted ? parseRecord(record) : undefined;
          if (session && replica && parsed) {
            applyRecord(parsed, session.replicaState);
            replica.persisted = record;
          }
        }),
        bus.on("session-ended", ({ id }) => this.drop(id, true)),
        // Only answers: nothing from the store is taken as a request of the client.
        bus.on("response", ({ session, message }) => {
          if (!("method" in message) && "id" in message) this.sessions.get(session)?.channel.receive(message);
        }),
        bus.on("get-stream", ({ session }) => this.sessions.get(session)?.endStandalone()),
      );
    }
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Whether the idle sweep timer is running (only while sessions exist). */
  get sweeping(): boolean {
    return this.sweeper !== undefined;
  }

  /** Whether sessions live in a shared store (this instance holds replicas). */
  get scaledOut(): boolean {
    return this.shared !== undefined;
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
    return this.add(crypto.randomUUID(), owner, client, auth);
  }

  private add(
    id: string,
    owner: string | undefined,
    client: string,
    auth: AuthInfo | undefined,
  ): HttpSession | Extract<Admission<never>, { ok: false }> {
    const admission = this.quota.admit(client, this.sessions.size);
    if (!admission.ok) return admission;
    if (admission.evict) this.delete(admission.evict.id);
    // Each request makes its client's key anew: the client's sessions keep one copy of it.
    const known = this.quota.anyOf(client)?.client;
    if (known !== undefined) {
      if (owner === client) owner = known;
      client = known;
    }
    if (this.sessions.size === 0) this.epoch = Date.now();
    const session = new HttpSession(this.server, id, owner, client, auth, this.now(), this.shared);
    this.sessions.set(session.id, session);
    this.quota.add(client, session);
    if (!this.sweeper) {
      this.sweeper = setInterval(() => this.sweep(), Math.min(this.ttl, 60_000));
      this.sweeper.unref?.();
    }
    return session;
  }

  /** Now on the sessions' clock (see `epoch`). */
  now(): number {
    const ms = Date.now() - this.epoch;
    // A difference of two doubles is a heap number even when whole: `| 0` makes it a small integer.
    return ms < SMALL_INT_LIMIT ? ms | 0 : ms;
  }

  /** Counts a request's end as activity of its session. */
  touch(session: HttpSession): void {
    session.lastActive = this.now();
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

  /**
   * The session, when it exists and belongs to `owner` (another identity must not learn it
   * exists). Scaled out, a session this instance has not seen is made from the store's record;
   * rejects when the store cannot be reached. A session held here is there at once, without a
   * promise to wait for (unless its lease in the store is due to be renewed).
   */
  get(
    id: string,
    owner: string | undefined = undefined,
    auth: AuthInfo | undefined = undefined,
  ): HttpSession | undefined | Promise<HttpSession | undefined> {
    const session = this.sessions.get(id);
    if (session) {
      if (session.owner !== owner) return undefined;
      session.lastActive = this.now();
      const replica = session.replica;
      if (this.shared && replica && session.lastActive - replica.lastShared > this.ttl / 10) {
        replica.lastShared = session.lastActive;
        return this.shared.touch(id).then((alive) => {
          if (alive) return session;
          this.drop(id, true);
          return undefined;
        });
      }
      return session;
    }
    // Only ids this server could have made are looked up in the store.
    if (!this.shared || !isSessionId(id)) return undefined;
    return this.load(this.shared, id, owner, auth);
  }

  /** A session of the shared store that this instance has not seen: one load per id at a time. */
  private async load(
    shared: SharedSessions,
    id: string,
    owner: string | undefined,
    auth: AuthInfo | undefined,
  ): Promise<HttpSession | undefined> {
    let loading = this.loading.get(id);
    if (!loading) {
      loading = this.replicate(shared, id, auth).finally(() => this.loading.delete(id));
      this.loading.set(id, loading);
    }
    const replica = await loading;
    return replica && replica.owner === owner ? replica : undefined;
  }

  private async replicate(
    shared: SharedSessions,
    id: string,
    auth: AuthInfo | undefined,
  ): Promise<HttpSession | undefined> {
    const record = await shared.load(id);
    if (!record) return undefined;
    const made = this.sessions.get(id) ?? this.add(id, record.owner ?? undefined, record.client, auth);
    if (!("id" in made)) return undefined;
    applyRecord(record, made.replicaState);
    (made.replica as Replica).persisted = recordText(made.owner, made.client, made.replicaState);
    return made;
  }

  /**
   * Scaled out: writes what the session negotiated or changed to the store, when it changed, before
   * the reply that reports it leaves. Rejects when the store cannot be reached; undefined when
   * there is nothing to wait for (not scaled out).
   */
  persist(session: HttpSession): Promise<void> | undefined {
    return this.shared && this.share(this.shared, session);
  }

  private async share(shared: SharedSessions, session: HttpSession): Promise<void> {
    const replica = session.replica as Replica;
    const text = recordText(session.owner, session.client, session.replicaState);
    if (text === undefined || text === replica.persisted) return;
    await shared.save(session.id, text);
    replica.persisted = text;
    replica.lastShared = this.now();
  }

  /** Tells the other instances that this one now holds the session's GET stream. */
  claimStandalone(session: HttpSession): void {
    this.shared?.scaleOut.bus.broadcast({ kind: "get-stream", session: session.id });
  }

  /** Ends a session as DELETE does (everywhere, when scaled out); false when there was none. */
  async end(id: string): Promise<boolean> {
    const local = this.sessions.has(id);
    if (this.shared) await this.shared.end(id);
    return this.drop(id, true) || local;
  }

  /** Ends a session here (scaled out: only this replica; the session lives on in the store). */
  delete(id: string): boolean {
    return this.drop(id, this.shared === undefined);
  }

  /** Forgets a session here; with `ended`, its stored events here go too. */
  private drop(id: string, ended: boolean): boolean {
    const session = this.sessions.get(id);
    if (!session) return false;
    this.sessions.delete(id);
    this.quota.remove(session.client, session);
    session.close();
    // Ended streams have left session.streams but their events are still stored: drop them all
    // (scaled out, the instance that ended the session deleted its log with its other keys).
    if (ended && !this.eventsShared) {
      if (this.events?.dropSession) this.events.dropSession(session.id);
      else if (this.events?.drop) for (const streamId of session.streamIds()) this.events.drop(streamId);
    }
    if (this.sessions.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
    return true;
  }

  /** Ends every session here (scaled out: drops the replicas) and stops listening to the others. */
  clear(): void {
    for (const id of [...this.sessions.keys()]) this.delete(id);
    for (const unlisten of this.unlisten.splice(0)) unlisten();
  }

  /** Ends sessions idle past the TTL; returns how many. */
  sweep(now = Date.now()): number {
    this.rebase();
    const at = now - this.epoch;
    let ended = 0;
    for (const session of [...this.sessions.values()]) {
      if (session.channel.inFlight === 0 && at - session.lastActive > this.ttl) {
        this.delete(session.id);
        ended++;
      }
    }
    return ended;
  }

  /** Moves the sessions' clock up once it has run 2^29 ms (6 days), keeping their times small. */
  private rebase(): void {
    const shift = this.now();
    if (shift < REBASE_AFTER_MS) return;
    this.epoch += shift;
    for (const session of this.sessions.values()) {
      session.lastActive -= shift;
      if (session.replica) session.replica.lastShared -= shift;
    }
  }
}

/** `| 0` keeps a number below 2^31 whole. */
const SMALL_INT_LIMIT = 2 ** 31;
/** V8's small integers hold 31 bits (with pointer compression) or 32: times stay below 2^30. */
const REBASE_AFTER_MS = 2 ** 29;
