/**
 * How one Streamable HTTP POST is answered: the reply decided late (JSON, or SSE once something
 * precedes the result), the status map of 2026-07-28 errors, and the lazily made signal of a
 * request whose client may go away.
 */

import type { AuthInfo } from "../../auth/types.js";
import { statusFor } from "../../protocol/http-status.js";
import { errorResponse, toErrorObject } from "../../protocol/jsonrpc.js";
import type { JSONRPCMessage, JSONRPCResponse } from "../../protocol/types.js";
import type { ExchangeOptions, RequestRoute } from "../../server/entry.js";
import type { EventStream } from "../http/event-stream.js";
import {
  emptyReply,
  type HttpReply,
  type HttpRequestLike,
  jsonReply,
  SSE_HEADERS,
} from "../http/exchange.js";

export function accepts(request: HttpRequestLike, type: string): boolean {
  const accept = request.header("accept");
  return !accept || accept.includes(type) || accept.includes("*/*");
}

/** The resolve function of the promise made last: one executor for every reply, not a closure each. */
let captured: ((reply: HttpReply) => void) | undefined;
function captureResolve(resolve: (reply: HttpReply) => void): void {
  captured = resolve;
}

/** The `reply` of a PostReply whose promise its caller made: never settled, never read. */
const SETTLED_ELSEWHERE: Promise<HttpReply> = new Promise(() => {});

/**
 * One POST exchange whose reply is decided late: JSON when the result comes first, SSE as soon as
 * anything else must be sent before it. It is also the request's route in a legacy session: the
 * session sends that request's answer, notifications and server requests here.
 */
export class PostReply implements RequestRoute {
  readonly reply: Promise<HttpReply>;
  readonly auth: AuthInfo | undefined;
  private resolve!: (reply: HttpReply) => void;
  private stream: EventStream | undefined;
  private readonly makeStream: (() => EventStream) | undefined;
  /** 2026-07-28 maps error codes to HTTP statuses; legacy errors travel in a 200 like any answer. */
  private readonly mapStatus: boolean;
  /** The POST whose headers a legacy session's request sees (`ctx.headers`). */
  private readonly request: HttpRequestLike | undefined;
  private headerView: Record<string, string> | undefined;

  /**
   * `settle`: the resolve function of a promise the caller already made for this reply (`reply`
   * is then that caller's, not read here); else the reply gets a promise of its own.
   */
  constructor(
    makeStream: (() => EventStream) | undefined,
    options: { mapStatus: boolean; request?: HttpRequestLike; auth?: AuthInfo | undefined },
    settle?: (reply: HttpReply) => void,
  ) {
    if (settle) {
      this.reply = SETTLED_ELSEWHERE;
      this.resolve = settle;
    } else {
      this.reply = new Promise(captureResolve);
      this.resolve = captured as (reply: HttpReply) => void;
    }
    this.makeStream = makeStream;
    this.mapStatus = options.mapStatus;
    this.request = options.request;
    this.auth = options.auth;
  }

  /** The request's headers, copied when first read: most handlers never look at `ctx.headers`. */
  get headers(): Record<string, string> | undefined {
    if (this.headerView === undefined && this.request !== undefined) this.headerView = this.request.headers();
    return this.headerView;
  }

  /** Sends a message before the answer, turning the reply into SSE; false when it cannot stream. */
  emit(message: JSONRPCMessage): boolean {
    if (!this.stream) {
      if (!this.makeStream) return false;
      const stream = this.makeStream();
      this.stream = stream;
      this.resolve({ status: 200, headers: { ...SSE_HEADERS }, attach: (sink) => stream.attach(sink) });
    }
    this.stream.send(message);
    return true;
  }

  /** Sends the answer and ends the reply; throws when the answer cannot be encoded. */
  finish(message: JSONRPCResponse): void {
    if (this.stream) {
      this.stream.send(message);
      this.stream.end();
      return;
    }
    const status = "error" in message && this.mapStatus ? statusFor(message.error.code) : 200;
    this.resolve(jsonReply(status, message));
  }

  /**
   * Sends the answer, or an internal error when it cannot be encoded (a cycle, nesting too deep),
   * its detail hidden under `mask`.
   */
  answer(message: JSONRPCResponse, mask: boolean): void {
    try {
      this.finish(message);
    } catch {
      const { code, message: text } = toErrorObject(
        new Error("The result could not be encoded as JSON"),
        mask,
      );
      this.finish(errorResponse(message.id, code, text));
    }
  }

  /** The request was cancelled and gets no answer: end the stream, or close the reply empty. */
  abandon(): void {
    if (this.stream) this.stream.end();
    else this.resolve(emptyReply(202));
  }
}

/**
 * The signal of a 2026-07-28 request, aborted when its client goes away. Made (and tied to the HTTP
 * request's own signal) only when something reads it: AbortSignals and their listeners cost more
 * than the rest of a simple call, and most handlers never look.
 */
export class ClientWatch {
  private readonly request: HttpRequestLike;
  /** Made with the signal, or when the client goes away first. */
  private controller: AbortController | undefined;
  /** The listener on the HTTP request's signal, once the signal was read. */
  private onClientAbort: (() => void) | undefined;

  constructor(request: HttpRequestLike) {
    this.request = request;
  }

  /** The client went away (the HTTP request's signal, or the reply stream's disconnect). */
  gone(): void {
    this.controller ??= new AbortController();
    this.controller.abort(new Error("The client closed the connection"));
  }

  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    if (!this.onClientAbort) {
      this.onClientAbort = () => this.gone();
      const client = this.request.signal;
      if (client.aborted) this.gone();
      else client.addEventListener("abort", this.onClientAbort, { once: true });
    }
    return this.controller.signal;
  }

  release(): void {
    if (this.onClientAbort) this.request.signal.removeEventListener("abort", this.onClientAbort);
  }
}

/**
 * A stateless request's options for the server. A class so that `signal`, `headers` and `notify`
 * are lazy getters: the signal, the copy of the headers and the notifying closure are made only
 * when a handler uses them (most never do).
 */
export class PostExchange implements ExchangeOptions {
  readonly transport = "http";
  readonly auth: AuthInfo | undefined;
  readonly legacyVersion: string | undefined;
  private readonly request: HttpRequestLike;
  private readonly signalOf: { readonly signal: AbortSignal };
  private readonly reply: PostReply;
  private headerView: Record<string, string> | undefined;
  private notifier: ExchangeOptions["notify"] | undefined;

  /**
   * `signalOf.signal` is the request's signal; notifications go out on `reply` (making it SSE)
   * while it is not aborted.
   */
  constructor(
    request: HttpRequestLike,
    auth: AuthInfo | undefined,
    signalOf: { readonly signal: AbortSignal },
    reply: PostReply,
    legacyVersion?: string,
  ) {
    this.request = request;
    this.auth = auth;
    this.signalOf = signalOf;
    this.reply = reply;
    this.legacyVersion = legacyVersion;
  }

  get signal(): AbortSignal {
    return this.signalOf.signal;
  }

  /** The request's headers (`ctx.headers`), copied once, when first read. */
  get headers(): Record<string, string> {
    this.headerView ??= this.request.headers();
    return this.headerView;
  }

  get notify(): ExchangeOptions["notify"] {
    this.notifier ??= (method, params) => {
      if (!this.signalOf.signal.aborted) this.reply.emit({ jsonrpc: "2.0", method, params });
    };
    return this.notifier;
  }
}
