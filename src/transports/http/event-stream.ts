/**
 * One SSE reply stream on the server: buffers until a connection is attached, assigns event ids
 * when resumable, stores events for replay, sends keep-alive comments, and reports a client that
 * went away.
 */
import type { JSONRPCMessage } from "../../protocol/types.js";
import type { SseSink } from "./exchange.js";
import { encodeSseEvent, SSE_KEEPALIVE } from "./sse.js";

/** Stores SSE events so a client can resume a dropped stream with `Last-Event-ID`. */
export interface EventStore {
  /** Records a message (undefined for a priming event) on a stream; returns its event id. */
  append(streamId: string, message: JSONRPCMessage | undefined): string | Promise<string>;
  /**
   * Sends the messages stored after `lastEventId` on the same stream, in order; returns that
   * stream's id, or undefined when the event id is unknown (expired or never issued).
   */
  replayAfter(
    lastEventId: string,
    send: (eventId: string, message: JSONRPCMessage) => void,
  ): string | undefined | Promise<string | undefined>;
  /** Forgets a stream (its session ended). */
  drop?(streamId: string): void;
}

export interface InMemoryEventStoreOptions {
  /** Events kept per stream; older ones are dropped first (default 1000). */
  maxEventsPerStream?: number;
  /** Streams kept; the least recently written is dropped first (default 10000). */
  maxStreams?: number;
}

/** The bounded default EventStore. */
export class InMemoryEventStore implements EventStore {
  private readonly streams = new Map<
    string,
    { seq: number; events: [number, JSONRPCMessage | undefined][] }
  >();
  private readonly maxEvents: number;
  private readonly maxStreams: number;

  constructor(options: InMemoryEventStoreOptions = {}) {
    this.maxEvents = options.maxEventsPerStream ?? 1000;
    this.maxStreams = options.maxStreams ?? 10_000;
  }

  get streamCount(): number {
    return this.streams.size;
  }

  append(streamId: string, message: JSONRPCMessage | undefined): string {
    let stream = this.streams.get(streamId);
    if (stream) this.streams.delete(streamId);
    else stream = { seq: 0, events: [] };
    this.streams.set(streamId, stream); // most recently written last
    const seq = ++stream.seq;
    stream.events.push([seq, message]);
    if (stream.events.length > this.maxEvents) stream.events.shift();
    if (this.streams.size > this.maxStreams) {
      const oldest = this.streams.keys().next().value as string;
      this.streams.delete(oldest);
    }
    return `${streamId}.${seq}`;
  }

  replayAfter(
    lastEventId: string,
    send: (eventId: string, message: JSONRPCMessage) => void,
  ): string | undefined {
    const at = lastEventId.lastIndexOf(".");
    if (at <= 0) return undefined;
    const streamId = lastEventId.slice(0, at);
    const seq = Number(lastEventId.slice(at + 1));
    const stream = this.streams.get(streamId);
    if (!stream || !Number.isInteger(seq) || seq > stream.seq) return undefined;
    for (const [eventSeq, message] of stream.events) {
      if (eventSeq > seq && message) send(`${streamId}.${eventSeq}`, message);
    }
    return streamId;
  }

  drop(streamId: string): void {
    this.streams.delete(streamId);
  }
}

export interface EventStreamOptions {
  /** With a store, every event gets an id and is kept for resumption. */
  store?: EventStore;
  streamId?: string;
  /** `retry` hint sent with the priming event (ms). */
  retryMs?: number;
  /** Interval of keep-alive comments while attached (ms; 0 for none). */
  keepAliveMs?: number;
  /** The client went away before the stream ended. */
  onDisconnect?: () => void;
}

export class EventStream {
  private sink: SseSink | undefined;
  private pending: string[] = [];
  private ended = false;
  private everAttached = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private chain: Promise<void> = Promise.resolve();
  readonly options: EventStreamOptions;

  constructor(options: EventStreamOptions = {}) {
    this.options = options;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Whether a client connection is attached right now. */
  get attached(): boolean {
    return this.sink !== undefined;
  }

  /** Sends a priming event (an id and empty data) so the client can resume from the start. */
  prime(): void {
    const { store, streamId, retryMs } = this.options;
    if (!store || streamId === undefined) return;
    this.enqueue(async () => {
      const id = await store.append(streamId, undefined);
      return encodeSseEvent(retryMs === undefined ? { id, data: "" } : { id, data: "", retry: retryMs });
    });
  }

  send(message: JSONRPCMessage): void {
    if (this.ended) return;
    const { store, streamId } = this.options;
    if (!store || streamId === undefined) {
      this.deliver(encodeSseEvent({ event: "message", data: JSON.stringify(message) }));
      return;
    }
    this.enqueue(async () => {
      const id = await store.append(streamId, message);
      return encodeSseEvent({ id, event: "message", data: JSON.stringify(message) });
    });
  }

  /** Ends the stream after everything sent so far. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.chain = this.chain.then(() => {
      this.stopKeepAlive();
      const sink = this.sink;
      this.sink = undefined;
      sink?.close();
    });
  }

  /** Closes the current connection without ending the stream (the client may resume). */
  disconnect(retryMs?: number): void {
    this.chain = this.chain.then(() => {
      const sink = this.sink;
      if (!sink) return;
      if (retryMs !== undefined) sink.write(`retry: ${retryMs}\n\n`);
      this.sink = undefined;
      this.stopKeepAlive();
      sink.close();
    });
  }

  /** Attaches a client connection; what was sent before is flushed first. */
  attach(sink: SseSink, replay: string[] = []): void {
    const previous = this.sink;
    this.sink = sink;
    this.everAttached = true;
    previous?.close();
    for (const chunk of replay) sink.write(chunk);
    for (const chunk of this.pending) sink.write(chunk);
    this.pending = [];
    sink.onClose(() => {
      if (this.sink !== sink) return;
      this.sink = undefined;
      this.stopKeepAlive();
      if (!this.ended) this.options.onDisconnect?.();
    });
    if (this.ended) {
      this.chain = this.chain.then(() => {
        if (this.sink === sink) {
          this.sink = undefined;
          sink.close();
        }
      });
      return;
    }
    const every = this.options.keepAliveMs ?? 0;
    if (every > 0) {
      this.stopKeepAlive();
      this.timer = setInterval(() => this.sink?.write(SSE_KEEPALIVE), every);
      this.timer.unref?.();
    }
  }

  private enqueue(produce: () => Promise<string>): void {
    this.chain = this.chain.then(produce).then(
      (chunk) => this.deliver(chunk),
      () => {},
    );
  }

  private deliver(chunk: string): void {
    if (this.sink) this.sink.write(chunk);
    // Once a client has been attached, a resumable stream's events wait in the store instead.
    else if (!this.options.store || !this.everAttached) this.pending.push(chunk);
  }

  private stopKeepAlive(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
