/**
 * One legacy-era (2025-03-26 to 2025-11-25) Streamable HTTP session: the server session behind it,
 * its reply streams and GET stream, and what views of it show. SessionStore keeps them.
 */
import type { AuthInfo } from "../../auth/types.js";
import { ConnectionError } from "../../errors.js";
import type { JSONRPCMessage, JSONRPCResponse } from "../../protocol/types.js";
import type { RequestRoute, ServerEntry, ServerSession, SessionOptions } from "../../server/entry.js";
import type { EventStream } from "../http/event-stream.js";
import type { PostReply } from "./post-reply.js";
import type { ReplicaState, SharedSessions } from "./shared-sessions.js";

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

/** Four random base-36 characters. */
function replicaSuffix(): string {
  let suffix = "";
  for (const byte of crypto.getRandomValues(new Uint8Array(4))) suffix += (byte % 36).toString(36);
  return suffix;
}

/**
 * What a replica of a scaled-out session keeps besides (made only when the server has a store, so
 * that a session of a server without one holds none of it).
 */
export class Replica {
  readonly shared: SharedSessions;
  /** This instance's tag, which the ids of the streams and server requests made here carry. */
  readonly tag: string;
  /** The tag plus this replica's own suffix, which its stream ids carry. */
  readonly streamTag: string;
  /** When this replica last renewed the session in the store (SessionStore's clock). */
  lastShared: number;
  /** The record last written or read. */
  persisted: string | undefined = undefined;
  /** The seqs of the GET streams made here (their ids say so, for other instances). */
  getSeqs: Set<number> | undefined = undefined;

  constructor(shared: SharedSessions, now: number) {
    this.shared = shared;
    this.tag = shared.scaleOut.bus.tag;
    // A replica made again here later must not reuse the ids of this one's streams.
    this.streamTag = `${this.tag}${replicaSuffix()}`;
    this.lastShared = now;
  }
}

/** A session's SSE streams: made with its first one (a session whose replies are JSON holds none). */
class SessionStreams {
  /** Streams made so far: their ids' numbers run from 1 to it. */
  seq = 0;
  /** Open reply and GET streams by stream id, see HttpSession.streams. */
  readonly open = new Map<string, EventStream>();
  /** The GET stream, for messages unrelated to a request. */
  standalone: EventStream | undefined = undefined;
}

/**
 * One legacy session: a server session whose requests arrive one POST at a time. What the server
 * sends goes to the POST it concerns (its answer; its notifications and server requests while its
 * reply can stream), else to the GET stream.
 *
 * The session is its server session's options (SessionOptions): `send`, `onUnanswered` and
 * `onStrayResponse` are its methods, so that it holds no closures and no options object.
 */
export class HttpSession implements SessionOptions {
  readonly id: string;
  /** The identity that created the session (see identityKey); undefined without auth. */
  readonly owner: string | undefined;
  /** The client it counts against (see clientKey). */
  readonly client: string;
  /** The caller that opened the session (the server session's state has the latest one). */
  readonly auth: AuthInfo | undefined;
  readonly channel: ServerSession;
  /** Its SSE streams, made with the first. */
  private io: SessionStreams | undefined = undefined;
  /**
   * When the session was last used, on SessionStore's clock (ms since its epoch, a small integer:
   * V8 keeps it in the object, where a Date.now() would be a heap number of its own).
   */
  lastActive: number;
  /** Scaled out: what the replica keeps besides. */
  readonly replica: Replica | undefined;

  constructor(
    server: ServerEntry,
    id: string,
    owner: string | undefined,
    client: string,
    auth: AuthInfo | undefined,
    now: number,
    shared?: SharedSessions,
  ) {
    this.id = id;
    this.owner = owner;
    this.client = client;
    this.auth = auth;
    this.lastActive = now;
    this.replica = shared ? new Replica(shared, now) : undefined;
    this.channel = server.createSession(this);
    if (shared) this.channel.state.values = shared.values(id);
  }

  /** @internal SessionOptions: the server session's transport and id. */
  get transport(): "http" {
    return "http";
  }

  /** @internal */
  get sessionId(): string {
    return this.id;
  }

  /** @internal Scaled out, the server requests made here carry this instance's tag. */
  get requestIdPrefix(): string | undefined {
    return this.replica && `${this.replica.tag}:`;
  }

  /** @internal A request the client cancelled gets no answer: its POST's reply ends. */
  onUnanswered(route: RequestRoute): void {
    (route as PostReply).abandon();
  }

  /** @internal Scaled out, the answer to a server request another instance made goes to that instance. */
  onStrayResponse(response: JSONRPCResponse): void {
    const tag = typeof response.id === "string" ? response.id.split(":", 1)[0] : undefined;
    if (this.replica && tag && tag !== this.replica.tag)
      this.replica.shared.scaleOut.bus.send(tag, {
        kind: "response",
        session: this.id,
        message: { ...response },
      });
  }

  /** @internal What the server session sends (SessionOptions.send); `route` is a POST's reply. */
  send(message: JSONRPCMessage, route?: RequestRoute): void {
    const reply = route as PostReply | undefined;
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
    const standalone = this.io?.standalone;
    if (standalone && !standalone.isEnded) {
      standalone.send(message);
      return;
    }
    if (request) {
      throw new ConnectionError(
        "No open stream to reach the client: open the GET stream to receive server requests",
      );
    }
  }

  /**
   * A new stream id: `<session>-<n>`, or scaled out `<session>-<tag><replica>-<n>` (`g<n>` for a
   * GET stream), which StoreEventLog reads as the session's log.
   */
  nextStreamId(get = false): string {
    this.io ??= new SessionStreams();
    const seq = ++this.io.seq;
    const replica = this.replica;
    if (replica === undefined) return `${this.id}-${seq}`;
    if (get) {
      replica.getSeqs ??= new Set();
      replica.getSeqs.add(seq);
    }
    return this.streamIdOf(seq);
  }

  private streamIdOf(seq: number): string {
    const replica = this.replica;
    if (replica === undefined) return `${this.id}-${seq}`;
    return `${this.id}-${replica.streamTag}-${replica.getSeqs?.has(seq) ? "g" : ""}${seq}`;
  }

  /** Every stream id the session has made here, ended streams included (their events may be stored). */
  *streamIds(): Iterable<string> {
    const made = this.io?.seq ?? 0;
    for (let seq = 1; seq <= made; seq++) yield this.streamIdOf(seq);
  }

  /** Open reply and GET streams by stream id, for resumption and for closing on DELETE. */
  get streams(): Map<string, EventStream> {
    this.io ??= new SessionStreams();
    return this.io.open;
  }

  /** The GET stream, for messages unrelated to a request. */
  get standalone(): EventStream | undefined {
    return this.io?.standalone;
  }

  set standalone(stream: EventStream | undefined) {
    this.io ??= new SessionStreams();
    this.io.standalone = stream;
  }

  /** Forgets the streams that have ended (their events stay in the store for resumption). */
  forgetEndedStreams(): void {
    const open = this.io?.open;
    if (!open) return;
    for (const [id, stream] of open) if (stream.isEnded) open.delete(id);
  }

  /** What a view of the session shows (see StreamableHttpHandler.session). */
  info(): LegacySessionInfo {
    let open = 0;
    let attached = 0;
    for (const stream of this.io?.open.values() ?? []) {
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

  /** The state a scaled-out session shares (see SharedSessions). */
  get replicaState(): ReplicaState {
    return this.channel.state;
  }

  /** Ends this instance's GET stream of the session (another instance holds it now). */
  endStandalone(): void {
    const stream = this.standalone;
    this.standalone = undefined;
    stream?.end();
  }

  /** Whether it may be evicted to make room: nothing in flight and no GET stream attached. */
  get idle(): boolean {
    return this.channel.inFlight === 0 && !this.standalone?.attached;
  }

  close(): void {
    // Requests still being handled have nowhere to answer: they are cancelled.
    this.channel.close(new ConnectionError("Session ended"));
    const io = this.io;
    if (!io) return;
    io.standalone?.end();
    for (const stream of io.open.values()) stream.end();
    // The count of streams made stays: their ids name the events to drop (see SessionStore.drop).
    io.open.clear();
  }
}
