/**
 * The event store of resumable SSE streams: the interface a store implements (the in-memory one
 * here, the shared one in stores/event-log.ts) and the default in-memory store. Kept apart from
 * the streams (event-stream.ts), so that the root entry's export of `InMemoryEventStore` loads no
 * SSE writing.
 */
import type { JSONRPCMessage } from "../../protocol/types.js";

/**
 * Stores SSE events so a client can resume a dropped stream with `Last-Event-ID`. The stream ids
 * of a legacy session are `<sessionId>-<n>`.
 */
export interface EventStore {
  /**
   * Records a message (undefined for a priming event) on a stream; returns its event id. `data` is
   * the message's JSON text, passed when the caller has it already.
   */
  append(streamId: string, message: JSONRPCMessage | undefined, data?: string): string | Promise<string>;
  /**
   * Sends the messages stored after `lastEventId` on the same stream, in order; returns that
   * stream's id, or undefined when the event id is unknown (expired or never issued) or an event
   * after it is no longer stored.
   */
  replayAfter(
    lastEventId: string,
    send: (eventId: string, message: JSONRPCMessage) => void,
  ): string | undefined | Promise<string | undefined>;
  /** Marks a stream ended (a shared store tells the instances following it on another's behalf). */
  end?(streamId: string): void | Promise<void>;
  /** Forgets a stream. */
  drop?(streamId: string): void;
  /**
   * Forgets every stream of a session that ended; without it the server calls `drop` for each
   * stream the session made.
   */
  dropSession?(sessionId: string): void;
}

export interface InMemoryEventStoreOptions {
  /** Events kept per stream; older ones are dropped first (default 1000). */
  maxEventsPerStream?: number;
  /** Streams kept; the least recently written is dropped first (default 10000). */
  maxStreams?: number;
  /** Message bytes (JSON text length) kept in all; the oldest events go first (default 64 MiB). */
  maxBytes?: number;
  /** Message bytes kept per stream; its oldest events go first (default 16 MiB). */
  maxBytesPerStream?: number;
  /** Events older than this are dropped, in ms (default 5 minutes). */
  maxAgeMs?: number;
  /** The clock, in ms (default `Date.now`); for tests. */
  now?: () => number;
}

/** What an InMemoryEventStore holds right now. */
export interface EventStoreStats {
  streams: number;
  /** Stored events, priming events included. */
  events: number;
  /** Message bytes (JSON text length). */
  bytes: number;
}

interface StoredEvent {
  seq: number;
  /** The message's JSON text; undefined for a priming event and once evicted. */
  data: string | undefined;
  bytes: number;
  at: number;
  stream: StoredStream;
  gone: boolean;
}

interface StoredStream {
  id: string;
  session: string;
  seq: number;
  /** Every event up to this one is gone: resuming from before it cannot be served. */
  evictedThrough: number;
  events: StoredEvent[];
  bytes: number;
}

/**
 * The bounded default EventStore: events expire by age, and the oldest go first past the byte caps
 * (per stream and in all) or the event and stream counts. A resumption from before an evicted event
 * is refused rather than served with a gap.
 */
export class InMemoryEventStore implements EventStore {
  private readonly streams = new Map<string, StoredStream>();
  /** Stream ids by session (the id up to its last `-`), to forget a session's streams at once. */
  private readonly sessions = new Map<string, Set<string>>();
  /** Every stored event in the order written (evicted ones are skipped lazily), oldest first. */
  private queue: StoredEvent[] = [];
  private queueHead = 0;
  private live = 0;
  private bytes = 0;
  private readonly maxEvents: number;
  private readonly maxStreams: number;
  private readonly maxBytes: number;
  private readonly maxStreamBytes: number;
  private readonly maxAge: number;
  private readonly now: () => number;

  constructor(options: InMemoryEventStoreOptions = {}) {
    this.maxEvents = options.maxEventsPerStream ?? 1000;
    this.maxStreams = options.maxStreams ?? 10_000;
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.maxStreamBytes = options.maxBytesPerStream ?? 16 * 1024 * 1024;
    this.maxAge = options.maxAgeMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
  }

  get streamCount(): number {
    return this.streams.size;
  }

  /** Streams, events and bytes held now (after dropping what has expired). */
  stats(): EventStoreStats {
    this.expire(this.now());
    return { streams: this.streams.size, events: this.live, bytes: this.bytes };
  }

  append(streamId: string, message: JSONRPCMessage | undefined, data?: string): string {
    const now = this.now();
    let stream = this.streams.get(streamId);
    if (stream) this.streams.delete(streamId);
    else {
      const session = streamId.slice(0, Math.max(0, streamId.lastIndexOf("-")));
      stream = { id: streamId, session, seq: 0, evictedThrough: 0, events: [], bytes: 0 };
      const ids = this.sessions.get(session);
      if (ids) ids.add(streamId);
      else this.sessions.set(session, new Set([streamId]));
    }
    this.streams.set(streamId, stream); // most recently written last
    const text = message === undefined ? undefined : (data ?? JSON.stringify(message));
    const bytes = text?.length ?? 0;
    const event: StoredEvent = { seq: ++stream.seq, data: text, bytes, at: now, stream, gone: false };
    stream.events.push(event);
    stream.bytes += bytes;
    this.bytes += bytes;
    this.live++;
    this.queue.push(event);
    while (
      stream.events.length > 0 &&
      (stream.events.length > this.maxEvents || stream.bytes > this.maxStreamBytes)
    ) {
      this.evictFirst(stream);
    }
    if (this.streams.size > this.maxStreams) {
      this.remove(this.streams.values().next().value as StoredStream);
    }
    this.expire(now);
    return `${streamId}.${event.seq}`;
  }

  replayAfter(
    lastEventId: string,
    send: (eventId: string, message: JSONRPCMessage) => void,
  ): string | undefined {
    this.expire(this.now());
    const at = lastEventId.lastIndexOf(".");
    if (at <= 0) return undefined;
    const streamId = lastEventId.slice(0, at);
    const seq = Number(lastEventId.slice(at + 1));
    const stream = this.streams.get(streamId);
    if (!stream || !Number.isInteger(seq) || seq > stream.seq || seq < stream.evictedThrough)
      return undefined;
    for (const event of stream.events) {
      if (event.seq > seq && event.data !== undefined)
        send(`${streamId}.${event.seq}`, JSON.parse(event.data) as JSONRPCMessage);
    }
    return streamId;
  }

  drop(streamId: string): void {
    const stream = this.streams.get(streamId);
    if (stream) this.remove(stream);
  }

  dropSession(sessionId: string): void {
    const ids = this.sessions.get(sessionId);
    if (!ids) return;
    for (const id of [...ids]) this.drop(id);
  }

  private evictFirst(stream: StoredStream): void {
    const event = stream.events.shift();
    if (!event) return;
    this.forget(event);
    stream.evictedThrough = event.seq;
  }

  private forget(event: StoredEvent): void {
    event.gone = true;
    event.data = undefined;
    event.stream.bytes -= event.bytes;
    this.bytes -= event.bytes;
    this.live--;
  }

  private remove(stream: StoredStream): void {
    for (const event of stream.events) this.forget(event);
    stream.events = [];
    this.streams.delete(stream.id);
    const ids = this.sessions.get(stream.session);
    ids?.delete(stream.id);
    if (ids?.size === 0) this.sessions.delete(stream.session);
    this.compact();
  }

  /** Evicts from the oldest end: events past the age limit, and any while over the total bytes. */
  private expire(now: number): void {
    while (this.queueHead < this.queue.length) {
      const event = this.queue[this.queueHead] as StoredEvent;
      if (!event.gone) {
        if (this.bytes <= this.maxBytes && now - event.at <= this.maxAge) break;
        // The oldest live event overall is also the oldest of its stream.
        this.evictFirst(event.stream);
      }
      this.queueHead++;
    }
    this.compact();
  }

  /** Drops passed and evicted events from the queue once they make up most of it. */
  private compact(): void {
    const held = this.queue.length - this.queueHead;
    const floor = Math.max(1024, this.live);
    if (this.queueHead <= floor && held - this.live <= floor) return;
    this.queue = this.queue.slice(this.queueHead).filter((event) => !event.gone);
    this.queueHead = 0;
  }
}
