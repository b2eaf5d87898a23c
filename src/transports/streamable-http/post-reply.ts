/**
 * How one Streamable HTTP POST is answered: the reply decided late (JSON, or SSE once something
 * precedes the result), the status map of 2026-07-28 errors, and the lazily made signal of a
 * request whose client may go away.
 */
import { statusFor } from "../../protocol/http-status.js";
import { errorResponse, resultResponse, toErrorObject } from "../../protocol/jsonrpc.js";
import type { JSONRPCMessage, JSONRPCRequest, JSONRPCResponse } from "../../protocol/types.js";
import type { DispatchInput, ServerKernel, SessionState } from "../../server/kernel.js";
import type { EventStream } from "../http/event-stream.js";
import { type HttpReply, type HttpRequestLike, jsonReply, SSE_HEADERS } from "../http/exchange.js";
import type { Outlet } from "./sessions.js";

export function accepts(request: HttpRequestLike, type: string): boolean {
  const accept = request.header("accept");
  return !accept || accept.includes(type) || accept.includes("*/*");
}

/**
 * One POST exchange whose reply is decided late: JSON when the result comes first, SSE as soon as
 * anything else must be sent before it.
 */
export class PostReply implements Outlet {
  readonly reply: Promise<HttpReply>;
  private resolve!: (reply: HttpReply) => void;
  private stream: EventStream | undefined;
  private readonly makeStream: (() => EventStream) | undefined;
  private readonly headers: Record<string, string>;
  /** 2026-07-28 maps error codes to HTTP statuses; legacy errors travel in a 200 like any answer. */
  private readonly mapStatus: boolean;

  constructor(
    makeStream: (() => EventStream) | undefined,
    headers: Record<string, string>,
    mapStatus = true,
  ) {
    this.reply = new Promise((resolve) => {
      this.resolve = resolve;
    });
    this.makeStream = makeStream;
    this.headers = headers;
    this.mapStatus = mapStatus;
  }

  emit(message: JSONRPCMessage): boolean {
    if (!this.stream) {
      if (!this.makeStream) return false;
      const stream = this.makeStream();
      this.stream = stream;
      this.resolve({
        status: 200,
        headers: { ...SSE_HEADERS, ...this.headers },
        attach: (sink) => stream.attach(sink),
      });
    }
    this.stream.send(message);
    return true;
  }

  finish(message: JSONRPCResponse): void {
    if (this.stream) {
      this.stream.send(message);
      this.stream.end();
      return;
    }
    const status = "error" in message && this.mapStatus ? statusFor(message.error.code) : 200;
    this.resolve(jsonReply(status, message, this.headers));
  }
}

/**
 * The signal of a 2026-07-28 request, aborted when its client goes away. Made (and tied to the HTTP
 * request's own signal) only when something reads it: AbortSignals and their listeners cost more
 * than the rest of a simple call, and most handlers never look.
 */
export class ClientWatch {
  private readonly request: HttpRequestLike;
  private readonly controller = new AbortController();
  private watching = false;

  constructor(request: HttpRequestLike) {
    this.request = request;
  }

  /** The client went away (the HTTP request's signal, or the reply stream's disconnect). */
  readonly gone = (): void => this.controller.abort(new Error("The client closed the connection"));

  get signal(): AbortSignal {
    if (!this.watching) {
      this.watching = true;
      const client = this.request.signal;
      if (client.aborted) this.gone();
      else client.addEventListener("abort", this.gone, { once: true });
    }
    return this.controller.signal;
  }

  release(): void {
    if (this.watching) this.request.signal.removeEventListener("abort", this.gone);
  }
}

/** A 2026-07-28 request for the kernel; a class so that `signal` stays a lazy prototype getter. */
export class ModernDispatch implements DispatchInput {
  readonly request: JSONRPCRequest;
  readonly session: SessionState;
  readonly headers: Record<string, string>;
  readonly notify: DispatchInput["notify"];
  private readonly watch: ClientWatch;

  constructor(
    request: JSONRPCRequest,
    session: SessionState,
    watch: ClientWatch,
    headers: Record<string, string>,
    notify: DispatchInput["notify"],
  ) {
    this.request = request;
    this.session = session;
    this.watch = watch;
    this.headers = headers;
    this.notify = notify;
  }

  get signal(): AbortSignal {
    return this.watch.signal;
  }
}

/** Runs one request through the kernel and finishes its reply with the result or the error. */
export function answer(kernel: ServerKernel, input: DispatchInput, reply: PostReply): Promise<void> {
  const id = input.request.id;
  const fail = (error: unknown) => {
    const { code, message, data } = toErrorObject(error, kernel.options.maskErrorDetails);
    reply.finish(errorResponse(id, code, message, data));
  };
  return kernel.dispatch(input).then((result) => {
    try {
      reply.finish(resultResponse(id, result));
    } catch {
      // A result JSON cannot encode (a cycle, nesting too deep for JSON.stringify): answer with an
      // internal error instead of throwing out of the exchange.
      fail(new Error("The result could not be encoded as JSON"));
    }
  }, fail);
}
