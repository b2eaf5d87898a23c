/**
 * One SSE reply stream on the server: buffers until a connection is attached, assigns event ids
 * when resumable, stores events for replay, sends keep-alive comments, and reports a client that
 * went away.
 */
import type { JSONRPCMessage } from "../../protocol/types.js";
import type { EventStore } from "./event-store.js";
import type { SseSink } from "./exchange.js";
import { encodeSseEvent, SSE_KEEPALIVE } from "./sse.js";

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
    const data = JSON.stringify(message);
    this.enqueue(async () => {
      const id = await store.append(streamId, message, data);
      return encodeSseEvent({ id, event: "message", data });
    });
  }

  /** Ends the stream after everything sent so far. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    const { store, streamId } = this.options;
    if (store?.end && streamId !== undefined) {
      const mark = store.end.bind(store, streamId);
      this.chain = this.chain.then(mark).catch(() => {});
    }
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
