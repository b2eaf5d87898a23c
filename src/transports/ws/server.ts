/**
 * MCP over WebSocket (server side): subprotocol `mcp`, one JSON-RPC message per text frame,
 * either era (the connection is the session for the legacy era), ping/pong keep-alive, a frame
 * size cap and the same Host/Origin/token checks as HTTP. Built on the `ws` package.
 */
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { ErrorCode } from "../../protocol/codes.js";
import { errorResponse } from "../../protocol/jsonrpc.js";
import type { ServerEntry } from "../../server/entry.js";
import { TRANSPORT_DEFAULTS } from "../defaults.js";
import { guardRequest, type HttpGuardOptions } from "../http/guard.js";
import { BadRequestError, fromNodeRequest } from "../http/node.js";

export interface WsServerOptions extends HttpGuardOptions {
  path: string;
  /** Largest accepted frame, in bytes (default 4 MiB); larger ones close the connection with 1009. */
  maxFrameBytes?: number;
  /** Interval between pings; a connection that missed the previous pong is dropped (ms, default 30000). */
  pingIntervalMs?: number;
}

const REASONS: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** Answers an upgrade with an HTTP error on the raw socket, then destroys it. */
function reject(
  socket: Duplex,
  status: number,
  message: string,
  headers: Record<string, string> = {},
  code: number = -32000,
): void {
  if (socket.destroyed) return;
  const body = JSON.stringify(errorResponse(null, code, message));
  const extra = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join("");
  // Destroyed once written: node:http sockets allow half-open connections, so `end` alone would
  // keep this one until the client closes its side.
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status] ?? "Bad Request"}\r\n` +
      `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}connection: close\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}

/** An upgrade that failed unexpectedly: 400 for a bad request line or Host, else logged and 500. */
function failUpgrade(socket: Duplex, error: unknown): void {
  if (error instanceof BadRequestError) {
    reject(socket, 400, error.message);
    return;
  }
  console.error("[fastmcp-ts] WebSocket upgrade failed:", error);
  reject(socket, 500, "Internal error", {}, ErrorCode.InternalError);
}

/** The WebSocket endpoint attached to an HTTP server, as `listen()` stops it. */
export interface AttachedWebSocketServer {
  /** Requests being handled across every connection. */
  readonly inFlight: number;
  /** Refuses new upgrades (503) from now on; open connections keep being served. */
  drain(): void;
  /**
   * Closes every connection with 1001 (going away), so that clients reconnect elsewhere; resolves
   * once all have closed, or after `timeoutMs`, when the rest are cut.
   */
  goAway(timeoutMs: number): Promise<void>;
  /** Ends every session and cuts every connection at once. */
  close(): void;
}

/** Serves WebSocket upgrades on `path` of an HTTP server. */
export function attachWebSocketServer(
  server: ServerEntry,
  http: Server,
  options: WsServerOptions,
): AttachedWebSocketServer {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxFrameBytes ?? TRANSPORT_DEFAULTS.maxFrameBytes,
    handleProtocols: (protocols) => (protocols.has("mcp") ? "mcp" : false),
  });
  /** Ends each open connection's session (close() runs them at once, not on the sockets' close events). */
  const endings = new Set<() => void>();
  const sessions = new Set<{ readonly inFlight: number }>();
  let draining = false;
  const serveUpgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    const upgrade = fromNodeRequest(req);
    if (draining) {
      reject(socket, 503, "Service Unavailable: the server is shutting down", { "retry-after": "1" });
      return;
    }
    const path = upgrade.pathname.replace(/(.)\/$/, "$1");
    if (path !== options.path) {
      reject(socket, 404, `Not Found: ${path}`);
      return;
    }
    const offered = req.headers["sec-websocket-protocol"];
    if (offered && !offered.split(",").some((protocol) => protocol.trim() === "mcp")) {
      reject(socket, 400, 'Bad Request: the WebSocket subprotocol must be "mcp"');
      return;
    }
    const guarded = await guardRequest(upgrade, options, server.auth);
    if ("reply" in guarded) {
      reject(socket, guarded.reply.status, "Connection refused", guarded.reply.headers);
      return;
    }
    // The client may have gone while the guard ran (a token verifier can take a while).
    if (socket.destroyed) return;
    wss.handleUpgrade(req, socket, head, (ws) => {
      try {
        const session = server.createSession({
          send: (message) => {
            if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
          },
          ...(guarded.auth ? { auth: guarded.auth } : {}),
          transport: "ws",
          headers: upgrade.headers(),
        });
        let alive = true;
        ws.on("pong", () => {
          alive = true;
        });
        const pinger = setInterval(() => {
          if (!alive) {
            ws.terminate();
            return;
          }
          alive = false;
          ws.ping();
        }, options.pingIntervalMs ?? TRANSPORT_DEFAULTS.pingIntervalMs);
        pinger.unref();
        ws.on("message", (data, isBinary) => {
          if (isBinary) {
            ws.send(
              JSON.stringify(
                errorResponse(null, ErrorCode.InvalidRequest, "Invalid Request: send text frames"),
              ),
            );
            return;
          }
          session.receiveText(data.toString());
        });
        const end = () => {
          if (!endings.delete(end)) return;
          sessions.delete(session);
          clearInterval(pinger);
          session.close();
        };
        endings.add(end);
        sessions.add(session);
        ws.once("close", end);
        ws.on("error", () => ws.terminate());
      } catch (error) {
        // The 101 is out: the connection can only be cut.
        console.error("[fastmcp-ts] WebSocket connection failed:", error);
        ws.terminate();
      }
    });
  };
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // node:http hands the socket over with no 'error' listener: a client that resets it while the
    // guard runs would otherwise raise an uncaught exception.
    socket.on("error", () => socket.destroy());
    // Nothing thrown here may escape: node:http has no handler for it and the process would exit.
    serveUpgrade(req, socket, head).catch((error: unknown) => failUpgrade(socket, error));
  };
  http.on("upgrade", onUpgrade);
  const close = () => {
    http.off("upgrade", onUpgrade);
    for (const end of [...endings]) end();
    for (const client of wss.clients) client.terminate();
    wss.close();
  };
  return {
    get inFlight() {
      let count = 0;
      for (const session of sessions) count += session.inFlight;
      return count;
    },
    drain() {
      draining = true;
    },
    async goAway(timeoutMs) {
      draining = true;
      const open = [...wss.clients];
      const closed = open.map(
        (client) =>
          new Promise<void>((resolve) => {
            if (client.readyState === client.CLOSED) resolve();
            else client.once("close", () => resolve());
          }),
      );
      for (const client of open) client.close(1001, "Server shutting down");
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.all(closed),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      close();
    },
    close,
  };
}
