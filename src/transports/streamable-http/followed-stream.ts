/**
 * The client side of a stream another instance writes (a scaled-out server): what arrives before
 * the client's connection is attached waits; keep-alive comments flow while it is open; the end of
 * the stream ends the connection, and a client that leaves stops the following.
 */
import type { SseSink } from "../http/exchange.js";
import { SSE_KEEPALIVE } from "../http/sse.js";

export class FollowedStream {
  private sink: SseSink | undefined;
  private pending: string[] = [];
  private ended = false;
  private stop: (() => void) | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly keepAliveMs: number;

  constructor(keepAliveMs: number) {
    this.keepAliveMs = keepAliveMs;
  }

  /** What stops the following (called once the client leaves). */
  onStop(stop: () => void): void {
    this.stop = stop;
  }

  write(chunk: string): void {
    if (this.sink) this.sink.write(chunk);
    else if (!this.ended) this.pending.push(chunk);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.finish();
    this.sink?.close();
  }

  attach(sink: SseSink): void {
    this.sink = sink;
    for (const chunk of this.pending) sink.write(chunk);
    this.pending = [];
    if (this.ended) {
      sink.close();
      return;
    }
    sink.onClose(() => this.finish());
    if (this.keepAliveMs > 0) {
      this.timer = setInterval(() => this.sink?.write(SSE_KEEPALIVE), this.keepAliveMs);
      this.timer.unref?.();
    }
  }

  private finish(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.stop?.();
    this.stop = undefined;
  }
}
