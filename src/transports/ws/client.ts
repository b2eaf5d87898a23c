/**
 * MCP over WebSocket (client side): subprotocol `mcp`, one JSON-RPC message per text frame, pings
 * to notice a dead connection. Uses the `ws` package on Node (so headers and auth can be sent).
 *
 * @example
 * ```ts
 * const client = new Client(new WSTransport({ url: "ws://localhost:8000/ws" }));
 * ```
 */
import type WebSocket from "ws";
import { ConnectionError } from "../../errors.js";
import { decodeText } from "../../protocol/jsonrpc.js";
import type { JSONRPCMessage } from "../../protocol/types.js";
import { TRANSPORT_DEFAULTS } from "../defaults.js";
import { type ResponseHeaders, UrlTransport, type UrlTransportOptions } from "../url-transport.js";

export interface WSTransportOptions extends UrlTransportOptions {
  /** Interval between pings; the connection is dropped when a pong does not come back in time (ms, default 30000; 0 for none). */
  pingInterval?: number;
  /** Milliseconds to wait for the connection to open (default 30000). */
  timeout?: number;
}

export class WSTransport extends UrlTransport<WSTransportOptions> {
  private socket: WebSocket | undefined;
  private pinger: ReturnType<typeof setInterval> | undefined;

  protected async open(attempt = 0): Promise<void> {
    const { default: WebSocketClass } = await import("ws");
    const sent = await this.commonHeaders({ method: "GET", url: this.url });
    const socket = new WebSocketClass(this.url, "mcp", {
      headers: sent,
      handshakeTimeout: this.options.timeout ?? TRANSPORT_DEFAULTS.timeoutMs,
    });
    this.socket = socket;
    const refused = await new Promise<{ status: number; headers: ResponseHeaders } | undefined>(
      (resolve, reject) => {
        socket.once("open", () => resolve(undefined));
        socket.once("unexpected-response", (_req, res) => {
          res.resume();
          const headers = {
            get: (name: string) => {
              const value = res.headers[name.toLowerCase()];
              return typeof value === "string" ? value : null;
            },
          };
          resolve({ status: res.statusCode ?? 0, headers });
        });
        socket.once("error", (error) =>
          reject(new ConnectionError(`Cannot connect to ${this.url}: ${error.message}`, { cause: error })),
        );
      },
    );
    if (refused) {
      this.socket = undefined;
      socket.terminate();
      if (await this.reauthorize(refused.status, refused.headers, sent, attempt))
        return this.open(attempt + 1);
      throw new ConnectionError(`WebSocket upgrade to ${this.url} refused: HTTP ${refused.status}`);
    }
    if (socket.protocol !== "mcp") {
      socket.terminate();
      throw new ConnectionError(`The server at ${this.url} did not accept the "mcp" subprotocol`);
    }
    socket.on("message", (data, isBinary) => {
      if (isBinary) return;
      const decoded = decodeText(data.toString());
      if (decoded.kind !== "invalid") this.receive(decoded.message);
    });
    socket.on("error", () => {});
    socket.once("close", (code, reason) => {
      this.stopPing();
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.lost(
        new ConnectionError(
          `WebSocket to ${this.url} closed (${code}${reason.length ? ` ${reason.toString()}` : ""})`,
        ),
      );
    });
    const every = this.options.pingInterval ?? TRANSPORT_DEFAULTS.pingIntervalMs;
    if (every > 0) {
      let alive = true;
      socket.on("pong", () => {
        alive = true;
      });
      this.pinger = setInterval(() => {
        if (!alive) {
          socket.terminate();
          return;
        }
        alive = false;
        socket.ping();
      }, every);
      this.pinger.unref?.();
    }
  }

  protected send(message: JSONRPCMessage): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== socket.OPEN)
      throw new ConnectionError(`WebSocket to ${this.url} is not open`);
    socket.send(JSON.stringify(message));
  }

  protected async close(): Promise<void> {
    this.stopPing();
    const socket = this.socket;
    this.socket = undefined;
    if (!socket) return;
    await new Promise<void>((resolve) => {
      if (socket.readyState === socket.CLOSED) return resolve();
      socket.once("close", () => resolve());
      socket.close(1000);
      setTimeout(() => {
        socket.terminate();
        resolve();
      }, 2000).unref();
    });
  }

  private stopPing(): void {
    if (this.pinger) clearInterval(this.pinger);
    this.pinger = undefined;
  }
}
