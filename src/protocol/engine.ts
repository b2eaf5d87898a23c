/**
 * The JSON-RPC request engine, shared by both sides of every connection. It does no I/O: messages
 * leave through the `send` function it is given and arrive through `receive()`.
 *
 * It owns request ids, pending requests, per-request timeouts, cancellation in both directions
 * (`notifications/cancelled`), progress routing, and failing everything in flight when the
 * connection dies.
 */
import { ClientError, ConnectionError, McpError, TimeoutError } from "../errors.js";
import { ErrorCode } from "./codes.js";
import { errorResponse, resultResponse, toErrorObject } from "./jsonrpc.js";
import { withKey, withMeta } from "./meta.js";
import type {
  JSONRPCMessage,
  JSONRPCNotification,
  JSONRPCRequest,
  JSONRPCResponse,
  ProgressToken,
  RequestId,
  Result,
} from "./types.js";

export type ProgressCallback = (progress: number, total?: number, message?: string) => void;

export interface RequestOptions {
  /** Milliseconds before the request fails with TimeoutError; 0 or Infinity for none. */
  timeout?: number;
  /**
   * When true, every progress notification restarts the timeout (a progress token is sent even
   * without `onProgress`).
   */
  resetTimeoutOnProgress?: boolean;
  /** A ceiling that progress cannot push the deadline past. */
  maxTotalTimeout?: number;
  signal?: AbortSignal;
  /** Receives `notifications/progress` for this request; adds a progress token to `_meta`. */
  onProgress?: ProgressCallback;
  /** Told the request's id before it is sent (to correlate notifications that carry it). */
  onRequestId?: (id: RequestId) => void;
  /** Passed to `send` with this request's messages: lets a transport pick where (or how) they go. */
  route?: unknown;
}

/** What a handler of an incoming request gets besides the request. */
export interface IncomingRequestExtra {
  /** Aborted when the peer cancels the request or the connection closes. */
  signal: AbortSignal;
  /** Sends a notification on the channel this request arrived on. */
  notify(method: string, params?: Record<string, unknown>): void;
  /** The `route` the request arrived with (see `receive`); its answer and notifications take it. */
  readonly route: unknown;
}

export interface RpcPeerOptions {
  /**
   * Writes one message to the other side; `route` is the sending request's `route` option. A
   * rejection fails the request that was being sent.
   */
  send(message: JSONRPCMessage, route?: unknown): void | Promise<void>;
  onRequest?(request: JSONRPCRequest, extra: IncomingRequestExtra): Promise<Result> | Result;
  /** A notification from the other side; `route` is the one it arrived with (see `receive`). */
  onNotification?(notification: JSONRPCNotification, route?: unknown): void;
  /**
   * An incoming request that arrived with a `route` ended without an answer (the peer cancelled
   * it): lets a transport that holds a reply open for it (an HTTP POST) close that reply.
   */
  onUnanswered?: ((route: unknown) => void) | undefined;
  /** Default timeout for outgoing requests, in ms (default: none). */
  timeout?: number | undefined;
  /** Hides the detail of unexpected handler errors from the other side. */
  maskInternalErrors?: boolean | undefined;
  /**
   * Outgoing request ids become strings with this prefix (`<prefix><n>`), so that peers sharing
   * one session (server instances behind a load balancer) never issue the same id.
   */
  idPrefix?: string | undefined;
  /** A response to no request pending here (one issued by another instance, or a stray one). */
  onStrayResponse?: ((response: JSONRPCResponse) => void) | undefined;
}

interface Pending {
  method: string;
  resolve(result: Result): void;
  reject(error: Error): void;
  timeout: number;
  /** When the request times out (a `performance.now()` time); Infinity while it has no timeout. */
  due: number;
  /** The `maxTotalTimeout` ceiling on `due`, on the same clock. */
  deadline: number;
  resetOnProgress: boolean;
  onProgress: ProgressCallback | undefined;
  progressToken: ProgressToken | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  route: unknown;
}

/**
 * One timer serves every pending request's timeout: armed for the earliest `due` (or earlier; it
 * re-arms when it finds nothing due), ref'ed exactly while a request with a timeout is pending, so a
 * process waits for such a request as it would for its own setTimeout. A setTimeout and a
 * clearTimeout per request cost a fast call about a tenth of its time.
 */
class Clock {
  timer: ReturnType<typeof setTimeout> | undefined = undefined;
  /** When `timer` fires; Infinity when there is none. */
  at = Number.POSITIVE_INFINITY;
  /** Pending requests with a timeout (`due` finite). */
  timed = 0;
  /**
   * True while the pending requests with a timeout are in order of `due` (as they are when all share
   * one timeout and none was re-armed by progress): the timer then stops at the first one not yet
   * due, so a burst of n timeouts costs n steps rather than n scans of every pending request.
   */
  inOrder = true;
  /** The latest `due` armed since no request with a timeout was pending. */
  lastDue = Number.NEGATIVE_INFINITY;
}

/**
 * What a peer that sends requests keeps: made by its first request, so that a server session that
 * never sends one (most legacy HTTP sessions) holds one empty field for it.
 */
class Outgoing {
  nextId = 0;
  readonly pending = new Map<RequestId, Pending>();
  /** Pending requests by progress token (made by the first that asks for progress). */
  progress: Map<ProgressToken, Pending> | undefined = undefined;
  /** The timeouts' state (made by the first request with a timeout). */
  clock: Clock | undefined = undefined;
}

/**
 * What a peer needs only now and then: made by the first incoming request handled while another
 * is, the first cancellation or the first wait for idle (most legacy HTTP sessions see none).
 */
class Occasional {
  /** The incoming requests being handled besides the first (see RpcPeer.firstIncoming). */
  moreIncoming: Map<RequestId, AbortController> | undefined = undefined;
  /**
   * Incoming requests the peer cancelled. Tracked here because reading `controller.signal` creates
   * the AbortSignal, which is costly: handlers that never look at their signal never pay for it.
   */
  cancelled: WeakSet<AbortController> | undefined = undefined;
  idleWaiters: (() => void)[] | undefined = undefined;
}

export class RpcPeer {
  /** The state of outgoing requests, made by the first one (see Outgoing). */
  private out: Outgoing | undefined;
  // The incoming requests being handled: the first in two fields, any more in a Map made when two
  // are handled at once (in `occasional`), so that a session answering one request at a time holds
  // no table.
  private firstId: RequestId | undefined;
  private firstIncoming: AbortController | undefined;
  /** See Occasional. */
  private occasional: Occasional | undefined;
  private closedWith: Error | undefined;
  private readonly options: RpcPeerOptions;

  constructor(options: RpcPeerOptions) {
    this.options = options;
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  /** Number of outgoing requests awaiting an answer. */
  get pendingCount(): number {
    return this.out?.pending.size ?? 0;
  }

  /** Number of incoming requests being handled. */
  get inFlightCount(): number {
    return (this.firstIncoming === undefined ? 0 : 1) + (this.occasional?.moreIncoming?.size ?? 0);
  }

  /** Resolves once no incoming request is being handled. */
  idle(): Promise<void> {
    if (this.inFlightCount === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.occasional ??= new Occasional();
      this.occasional.idleWaiters ??= [];
      this.occasional.idleWaiters.push(resolve);
    });
  }

  /** Sends a request and resolves with its result; rejects with McpError, TimeoutError or ConnectionError. */
  request<T extends Result = Result>(
    method: string,
    params?: Record<string, unknown>,
    options: RequestOptions = {},
  ): Promise<T> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortError(signal));
    this.out ??= new Outgoing();
    const out = this.out;
    const id: RequestId =
      this.options.idPrefix === undefined ? out.nextId++ : `${this.options.idPrefix}${out.nextId++}`;
    let outParams = params;
    let progressToken: ProgressToken | undefined;
    // Progress is asked for when someone listens, or when it keeps the request alive.
    if (options.onProgress || options.resetTimeoutOnProgress) {
      progressToken = id;
      // Built with withKey, not spreads then keys, so that V8 keeps one hidden class.
      const meta = withKey(
        (params?._meta as Record<string, unknown> | undefined) ?? {},
        "progressToken",
        progressToken,
      );
      outParams = withMeta(params ?? {}, meta);
    }
    const message: JSONRPCRequest =
      outParams === undefined
        ? { jsonrpc: "2.0", id, method }
        : { jsonrpc: "2.0", id, method, params: outParams };

    return new Promise<T>((resolve, reject) => {
      const timeout = options.timeout ?? this.options.timeout ?? 0;
      const timed = timeout > 0 && Number.isFinite(timeout);
      const now = timed ? performance.now() : 0;
      const entry: Pending = {
        method,
        resolve: resolve as (result: Result) => void,
        reject,
        timeout,
        due: Number.POSITIVE_INFINITY,
        deadline: options.maxTotalTimeout ? now + options.maxTotalTimeout : Number.POSITIVE_INFINITY,
        resetOnProgress: options.resetTimeoutOnProgress ?? false,
        onProgress: options.onProgress,
        progressToken,
        signal,
        onAbort: undefined,
        route: options.route,
      };
      out.pending.set(id, entry);
      if (progressToken !== undefined) {
        out.progress ??= new Map();
        out.progress.set(progressToken, entry);
      }
      if (timed) this.arm(entry, now);
      if (signal) {
        entry.onAbort = () => this.cancelOutgoing(id, abortError(signal), String(signal.reason ?? "aborted"));
        signal.addEventListener("abort", entry.onAbort, { once: true });
      }
      options.onRequestId?.(id);
      this.write(message, id, options.route);
    });
  }

  /** Sends a notification; silently dropped once the peer is closed. */
  notify(method: string, params?: Record<string, unknown>, route?: unknown): void {
    if (this.closedWith) return;
    const message: JSONRPCNotification =
      params === undefined ? { jsonrpc: "2.0", method } : { jsonrpc: "2.0", method, params };
    this.write(message, undefined, route);
  }

  /**
   * Feeds one decoded message from the other side. A request's `route` (how its transport tells
   * where it came from, e.g. an HTTP POST) is handed to `send` with its answer and notifications.
   */
  receive(message: JSONRPCMessage, route?: unknown): void {
    if ("method" in message) {
      if ("id" in message) this.handleRequest(message as JSONRPCRequest, route);
      else this.handleNotification(message, route);
      return;
    }
    this.handleResponse(message);
  }

  /** Fails one pending request (its transport lost it); false when it was not pending. */
  fail(id: RequestId, error: Error): boolean {
    const entry = this.out?.pending.get(id);
    if (!entry) return false;
    this.settle(id, entry);
    entry.reject(error);
    return true;
  }

  /** Fails every pending request (their transport lost an answer it cannot place); the peer stays open. */
  failPending(error: Error): void {
    for (const id of [...(this.out?.pending.keys() ?? [])]) this.fail(id, error);
  }

  /** Fails every pending request with `error` and aborts every incoming one. Idempotent. */
  close(error: Error = new ConnectionError("Connection closed")): void {
    if (this.closedWith) return;
    this.closedWith = error;
    for (const [id, entry] of this.out?.pending ?? []) {
      this.settle(id, entry);
      entry.reject(error);
    }
    const clock = this.out?.clock;
    if (clock) {
      clearTimeout(clock.timer);
      clock.timer = undefined;
      clock.at = Number.POSITIVE_INFINITY;
    }
    const first = this.firstIncoming;
    const more = this.occasional?.moreIncoming;
    this.firstId = this.firstIncoming = undefined;
    if (more) (this.occasional as Occasional).moreIncoming = undefined;
    first?.abort(error);
    for (const controller of more?.values() ?? []) controller.abort(error);
    this.wakeIdle();
  }

  private addIncoming(id: RequestId, controller: AbortController): void {
    // An id already held stays where it is (a peer may reuse the id of a request in flight).
    const more = this.occasional?.moreIncoming;
    if (more?.has(id)) {
      more.set(id, controller);
    } else if (this.firstIncoming === undefined || this.firstId === id) {
      this.firstId = id;
      this.firstIncoming = controller;
    } else {
      this.occasional ??= new Occasional();
      this.occasional.moreIncoming ??= new Map();
      this.occasional.moreIncoming.set(id, controller);
    }
  }

  private findIncoming(id: RequestId): AbortController | undefined {
    return this.firstIncoming !== undefined && this.firstId === id
      ? this.firstIncoming
      : this.occasional?.moreIncoming?.get(id);
  }

  private removeIncoming(id: RequestId): void {
    if (this.firstIncoming !== undefined && this.firstId === id) {
      this.firstId = undefined;
      this.firstIncoming = undefined;
    } else {
      this.occasional?.moreIncoming?.delete(id);
    }
  }

  private wasCancelled(controller: AbortController): boolean {
    return this.occasional?.cancelled?.has(controller) === true;
  }

  private wakeIdle(): void {
    const waiters = this.occasional?.idleWaiters;
    if (waiters === undefined || this.inFlightCount > 0) return;
    (this.occasional as Occasional).idleWaiters = undefined;
    for (const wake of waiters) wake();
  }

  /** Sends a message; false when sending threw at once (the message could not be encoded, or the channel is gone). */
  private write(message: JSONRPCMessage, requestId?: RequestId, route?: unknown): boolean {
    let sent: void | Promise<void>;
    try {
      sent = this.options.send(message, route);
    } catch (error) {
      this.failWrite(requestId, error);
      return false;
    }
    if (sent && typeof (sent as Promise<void>).then === "function") {
      (sent as Promise<void>).then(undefined, (error: unknown) => this.failWrite(requestId, error));
    }
    return true;
  }

  private failWrite(requestId: RequestId | undefined, error: unknown): void {
    if (requestId === undefined) return;
    const entry = this.out?.pending.get(requestId);
    if (!entry) return;
    this.settle(requestId, entry);
    // A client-side error that already says what failed (a refused OAuth flow, a lost connection)
    // reaches the caller as it is; anything else is a failed send.
    entry.reject(
      error instanceof ClientError || error instanceof McpError
        ? error
        : new ConnectionError(`Failed to send ${entry.method}: ${(error as Error)?.message ?? error}`, {
            cause: error,
          }),
    );
  }

  /** (Re)starts `entry`'s timeout at `now` (a `performance.now()` time), capped by its deadline. */
  private arm(entry: Pending, now: number): void {
    const out = this.out as Outgoing;
    out.clock ??= new Clock();
    const clock = out.clock;
    if (entry.due === Number.POSITIVE_INFINITY) {
      if (clock.timed++ === 0) clock.timer?.ref();
    } else {
      // Re-armed by progress: later requests may now fall due before this one.
      clock.inOrder = false;
    }
    const due = Math.min(now + entry.timeout, entry.deadline);
    entry.due = due;
    if (due < clock.lastDue) clock.inOrder = false;
    else clock.lastDue = due;
    if (due < clock.at) this.schedule(clock, due, now);
  }

  private schedule(clock: Clock, at: number, now: number): void {
    clearTimeout(clock.timer);
    clock.at = at;
    clock.timer = setTimeout(() => this.expire(clock), Math.max(0, Math.ceil(at - now)));
  }

  /** The timer fired: fails the requests now due, and re-arms for the next one. */
  private expire(clock: Clock): void {
    clock.timer = undefined;
    clock.at = Number.POSITIVE_INFINITY;
    const now = performance.now();
    let next = Number.POSITIVE_INFINITY;
    // Deleting the entry being visited and adding new ones (at the end) are safe in a Map's loop.
    for (const [id, entry] of this.out?.pending ?? []) {
      if (entry.due <= now) {
        const error = new TimeoutError(
          `Request ${entry.method} timed out after ${entry.timeout} ms`,
          entry.timeout,
        );
        this.cancelOutgoing(id, error, error.message);
      } else if (entry.due < next) {
        next = entry.due;
        if (clock.inOrder) break;
      }
    }
    // (Sending a cancellation may have started requests, which armed the timer themselves.)
    if (next < clock.at) this.schedule(clock, next, now);
  }

  private cancelOutgoing(id: RequestId, error: Error, reason: string): void {
    const entry = this.out?.pending.get(id);
    if (!entry) return;
    this.settle(id, entry);
    entry.reject(error);
    this.notify("notifications/cancelled", { requestId: id, reason }, entry.route);
  }

  private settle(id: RequestId, entry: Pending): void {
    const out = this.out as Outgoing;
    out.pending.delete(id);
    if (entry.progressToken !== undefined) out.progress?.delete(entry.progressToken);
    // The timer stays armed for later requests; it no longer keeps the process alive for this one.
    if (entry.due !== Number.POSITIVE_INFINITY) {
      entry.due = Number.POSITIVE_INFINITY;
      const clock = out.clock as Clock;
      if (--clock.timed === 0) {
        clock.timer?.unref();
        clock.inOrder = true;
        clock.lastDue = Number.NEGATIVE_INFINITY;
      }
    }
    if (entry.onAbort) entry.signal?.removeEventListener("abort", entry.onAbort);
  }

  private handleResponse(message: JSONRPCResponse): void {
    const id = message.id;
    if (id === undefined || id === null) return;
    const entry = this.out?.pending.get(id);
    if (!entry) {
      this.options.onStrayResponse?.(message);
      return;
    }
    this.settle(id, entry);
    if ("error" in message) {
      const { code, message: text, data } = message.error;
      entry.reject(new McpError(code, text, data));
    } else {
      entry.resolve(message.result);
    }
  }

  private handleNotification(message: JSONRPCNotification, route: unknown): void {
    const params = message.params;
    if (message.method === "notifications/cancelled") {
      const requestId = params?.requestId as RequestId | undefined;
      if (requestId !== undefined) {
        const controller = this.findIncoming(requestId);
        if (controller) {
          this.removeIncoming(requestId);
          this.occasional ??= new Occasional();
          this.occasional.cancelled ??= new WeakSet();
          this.occasional.cancelled.add(controller);
          controller.abort(
            new McpError(ErrorCode.InternalError, String(params?.reason ?? "Request cancelled")),
          );
          this.wakeIdle();
        }
      }
    } else if (message.method === "notifications/progress" && params) {
      const entry = this.out?.progress?.get(params.progressToken as ProgressToken);
      if (entry) {
        if (entry.resetOnProgress && entry.due !== Number.POSITIVE_INFINITY)
          this.arm(entry, performance.now());
        try {
          entry.onProgress?.(
            params.progress as number,
            params.total as number | undefined,
            params.message as string,
          );
        } catch {
          // A throwing progress callback must not break the connection.
        }
        return;
      }
    }
    this.options.onNotification?.(message, route);
  }

  private handleRequest(request: JSONRPCRequest, route: unknown): void {
    // The options' handlers are called as methods: they may be an object's prototype methods.
    const options = this.options;
    if (!options.onRequest) {
      this.write(
        errorResponse(request.id, ErrorCode.MethodNotFound, `Method not found: ${request.method}`),
        undefined,
        route,
      );
      return;
    }
    const controller = new AbortController();
    const id = request.id;
    this.addIncoming(id, controller);
    const extra: IncomingRequestExtra = new IncomingExtra(
      controller,
      (method, params) => {
        if (!this.wasCancelled(controller)) this.notify(method, params, route);
      },
      route,
    );
    let outcome: Promise<Result> | Result;
    try {
      outcome = options.onRequest(request, extra);
    } catch (error) {
      this.finishIncoming(id, controller, undefined, error, route);
      return;
    }
    if (outcome instanceof Promise) {
      outcome.then(
        (result) => this.finishIncoming(id, controller, result, undefined, route),
        (error: unknown) =>
          this.finishIncoming(id, controller, undefined, error ?? new Error("rejected"), route),
      );
    } else {
      this.finishIncoming(id, controller, outcome, undefined, route);
    }
  }

  private finishIncoming(
    id: RequestId,
    controller: AbortController,
    result: Result | undefined,
    error: unknown,
    route: unknown,
  ): void {
    // A cancelled request gets no answer: the requester has already given up on it.
    const cancelled = this.wasCancelled(controller);
    if (cancelled || this.closedWith) {
      if (route !== undefined && cancelled) this.options.onUnanswered?.(route);
      return;
    }
    this.removeIncoming(id);
    // A result JSON cannot encode (a cycle, nesting too deep for JSON.stringify) still gets an
    // answer: an internal error, rather than a request left waiting for ever.
    if (error === undefined && !this.write(resultResponse(id, result as Result), undefined, route)) {
      error = new Error("The result could not be encoded as JSON");
    }
    if (error !== undefined) {
      const { code, message, data } = toErrorObject(error, this.options.maskInternalErrors);
      this.write(errorResponse(id, code, message, data), undefined, route);
    }
    this.wakeIdle();
  }
}

function abortError(signal: AbortSignal): Error {
  const reason = signal.reason;
  if (reason instanceof Error) return reason;
  const error = new Error(reason === undefined ? "The operation was aborted" : String(reason));
  error.name = "AbortError";
  return error;
}

/**
 * The `extra` of an incoming request. `signal` is a prototype getter so that the AbortSignal is only
 * created when a handler reads it: creating one is costly (a large share of a fast call's time).
 */
class IncomingExtra implements IncomingRequestExtra {
  readonly notify: IncomingRequestExtra["notify"];
  readonly route: unknown;
  private readonly controller: AbortController;

  constructor(controller: AbortController, notify: IncomingRequestExtra["notify"], route: unknown) {
    this.controller = controller;
    this.notify = notify;
    this.route = route;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }
}
