/**
 * Graceful shutdown of a `listen()` server: stop taking work, let the work in flight finish within
 * a deadline, tell stream clients to reconnect (an SSE `retry` hint, WebSocket close 1001), then
 * close. Sessions are left as they are: with a shared store their clients carry on elsewhere.
 */
import type { IncomingMessage, RequestListener, Server, ServerResponse } from "node:http";
import { TRANSPORT_DEFAULTS } from "../defaults.js";
import type { AttachedWebSocketServer } from "../ws/server.js";
import type { HttpApp } from "./app.js";
import { sseResponses } from "./node.js";

/** Options of `ListeningServer.shutdown()`. */
export interface ShutdownOptions {
  /**
   * Time for requests in flight to finish, in ms (default: the server's `shutdownTimeoutMs`, 10 s).
   * Past it, open streams are closed and the rest is cut.
   */
  timeoutMs?: number;
}

/** How often the app's own counts (legacy and SSE-transport requests) are looked at while draining. */
const CHECK_EVERY_MS = 25;

/**
 * The request/response pairs open on a node:http server, kept by wrapping its request listener: a
 * set of responses (each knows its request), so that serving costs one add and one delete.
 */
export class OpenExchanges {
  private readonly open = new Set<ServerResponse>();
  /** Called each time an exchange ends, while a shutdown waits. */
  private settled: (() => void) | undefined;

  /** The listener, counting the exchanges it serves. */
  wrap(listener: RequestListener): RequestListener {
    // One listener for every response (`this` is the response), and `on`: a response closes once,
    // and neither a closure nor a once wrapper per request is then needed.
    const exchanges = this;
    function closed(this: ServerResponse): void {
      exchanges.open.delete(this);
      exchanges.settled?.();
    }
    return (req, res) => {
      this.open.add(res);
      res.on("close", closed);
      listener(req, res);
    };
  }

  get size(): number {
    return this.open.size;
  }

  /** The open exchanges, each with what it is: a stream the client keeps open (GET), or work. */
  list(): { res: ServerResponse; stream: boolean }[] {
    return [...this.open].map((res) => ({
      res,
      stream: res.req.method === "GET" && sseResponses.has(res),
    }));
  }

  onSettled(callback: (() => void) | undefined): void {
    this.settled = callback;
  }
}

/** Ends an SSE response after a `retry` hint: the client reconnects (elsewhere) after `retryMs`. */
function disconnect(res: ServerResponse, retryMs: number): void {
  if (res.writableEnded || res.destroyed) return;
  res.write(`retry: ${retryMs}\n\n`);
  res.end();
}

export interface DrainTargets {
  http: Server;
  app: HttpApp;
  ws: AttachedWebSocketServer | undefined;
  exchanges: OpenExchanges;
}

/**
 * Drains a server, then closes its connections; resolves once the server is closed. Steps:
 * the app refuses new requests (503, `/health` says draining) and the WebSocket endpoint new
 * upgrades; the server stops accepting connections and closes its idle ones; listen streams (a
 * legacy session's GET stream) are closed at once with a `retry` hint; requests in flight (plain
 * exchanges, legacy and SSE-transport requests, WebSocket requests) have `timeoutMs` to finish; then
 * every stream still open gets the hint, WebSockets close with 1001, and what is left is cut.
 */
export async function drainServer(targets: DrainTargets, timeoutMs: number): Promise<void> {
  const { http, app, ws, exchanges } = targets;
  const retryMs = app.options.retryMs ?? TRANSPORT_DEFAULTS.drainRetryMs;
  const sseStreams = app.serves("sse") ? app.paths.sse : undefined;
  /** An SSE-transport stream carries its session's answers: it stays until they are sent. */
  const carriesAnswers = (res: ServerResponse) => sseStreams !== undefined && pathOf(res.req) === sseStreams;
  app.drain();
  ws?.drain();
  const closed = new Promise<void>((resolve) => http.close(() => resolve()));
  http.closeIdleConnections();
  // Answers still to come say "Connection: close": their clients' next requests go elsewhere.
  for (const { res } of exchanges.list()) if (!res.headersSent) res.setHeader("connection", "close");
  await new Promise<void>((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearInterval(poll);
      clearTimeout(deadline);
      exchanges.onSettled(undefined);
      resolve();
    };
    const check = () => {
      let busy = app.inFlight + (ws?.inFlight ?? 0);
      for (const { res, stream } of exchanges.list()) {
        if (!stream) busy++;
        else if (!carriesAnswers(res)) disconnect(res, retryMs);
      }
      if (busy === 0) finish();
    };
    const poll = setInterval(check, CHECK_EVERY_MS);
    const deadline = setTimeout(finish, timeoutMs);
    exchanges.onSettled(() => {
      // A connection whose last exchange just ended (a stream kept alive) is idle now: closed as it
      // becomes so. Those answered since the drain began close themselves (Connection: close).
      http.closeIdleConnections();
      check();
    });
    check();
  });
  for (const { res } of exchanges.list()) if (sseResponses.has(res)) disconnect(res, retryMs);
  await ws?.goAway(Math.min(timeoutMs, 1000));
  http.closeAllConnections();
  await closed;
}

function pathOf(req: IncomingMessage): string | undefined {
  let path: string;
  try {
    path = new URL(req.url ?? "/", "http://localhost").pathname;
  } catch {
    return undefined; // answered with 400 already
  }
  return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
}
