/**
 * Upstream calls waiting for a 2026-07-28 client's retry. A legacy upstream asks for input with a
 * real request and waits for the answer inside its running tool; a 2026-07-28 client answers with
 * a retry of its request. Between the two the call is parked here, by id, bounded in number (the
 * oldest is cancelled) and in time (cancelled when its client does not come back).
 */
import { McpError } from "../../errors.js";
import { ErrorCode } from "../../protocol/codes.js";
import type { Result } from "../../protocol/types.js";
import { type ForwardedCall, INPUT_KEY_PREFIX } from "./forwarded-call.js";

/** Bounds of the calls a proxy keeps waiting for their clients' retries. */
export interface PendingInputOptions {
  /** Most calls waiting at once (default 100); past it the oldest is cancelled. */
  maxCalls?: number;
  /** How long a call waits for its client's retry, in ms (default 300000). */
  timeoutMs?: number;
}

export interface ParkedCall {
  call: ForwardedCall;
  /** The upstream call, still running (or already settled: its result waits for the retry). */
  upstream: Promise<Result>;
}

const UUID_LENGTH = 36;

export class ParkedCalls {
  private readonly calls = new Map<string, ParkedCall & { timer: ReturnType<typeof setTimeout> }>();
  private readonly maxCalls: number;
  private readonly timeoutMs: number;

  constructor(options: PendingInputOptions = {}) {
    this.maxCalls = Math.max(1, options.maxCalls ?? 100);
    this.timeoutMs = options.timeoutMs ?? 300_000;
  }

  get size(): number {
    return this.calls.size;
  }

  /** Keeps `parked` until its client's retry takes it, or until it expires. */
  park(parked: ParkedCall): void {
    const { call } = parked;
    if (this.calls.has(call.id)) return;
    if (this.calls.size >= this.maxCalls) {
      const [oldest] = this.calls.keys();
      if (oldest !== undefined) this.expire(oldest, "too many calls of this proxy are waiting for input");
    }
    // Whatever the upstream ends with is kept for the retry: no unhandled rejection meanwhile.
    parked.upstream.catch(() => {});
    const timer = setTimeout(
      () => this.expire(call.id, `its client did not answer within ${this.timeoutMs} ms`),
      this.timeoutMs,
    );
    timer.unref?.();
    this.calls.set(call.id, { ...parked, timer });
  }

  /**
   * The parked call a retry resumes, found by the input keys it answers; undefined when the retry
   * answers none of ours. Throws when it answers one of ours that is gone (expired, or taken by
   * another retry): the upstream must not be called a second time.
   */
  take(inputResponses: unknown, allowed: (call: ForwardedCall) => boolean): ParkedCall | undefined {
    const id = parkedIdIn(inputResponses);
    if (id === undefined) return undefined;
    const parked = this.calls.get(id);
    // Another caller (or another request) answering our keys finds nothing, and changes nothing.
    if (!parked || !allowed(parked.call)) {
      throw new McpError(
        ErrorCode.InvalidParams,
        "The proxied request this answers is no longer waiting (it expired or was already resumed); send the request again without inputResponses",
      );
    }
    clearTimeout(parked.timer);
    this.calls.delete(id);
    return { call: parked.call, upstream: parked.upstream };
  }

  /** Cancels every parked call (the proxy is closing). */
  clear(): void {
    for (const id of [...this.calls.keys()]) this.expire(id, "the proxy closed");
  }

  private expire(id: string, why: string): void {
    const parked = this.calls.get(id);
    if (!parked) return;
    clearTimeout(parked.timer);
    this.calls.delete(id);
    parked.call.abandon(new McpError(ErrorCode.InternalError, `Proxied call cancelled: ${why}`));
  }
}

/** The call id in the first input key of ours among a retry's `inputResponses`. */
function parkedIdIn(inputResponses: unknown): string | undefined {
  if (typeof inputResponses !== "object" || inputResponses === null) return undefined;
  for (const key of Object.keys(inputResponses)) {
    if (key.startsWith(INPUT_KEY_PREFIX))
      return key.slice(INPUT_KEY_PREFIX.length, INPUT_KEY_PREFIX.length + UUID_LENGTH);
  }
  return undefined;
}
