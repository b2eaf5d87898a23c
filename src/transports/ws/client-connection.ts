/**
 * The connection code of the WebSocket client transport (client.ts), loaded by its first
 * `connect()`: the socket (the `ws` package), its frames and pings.
 */
import type WebSocket from "ws";
import { ConnectionError } from "../../errors.js";
import { decodeText } from "../../protocol/jsonrpc.js";
import type { JSONRPCMessage } from "../../protocol/types.js";
import { TRANSPORT_DEFAULTS } from "../defaults.js";
import type { ResponseHeaders, UrlHooks } from "../url-transport.js";
import type { WSTransportOptions } from "./client.js";

export class WsConnection {
  private socket: WebSocket | undefined;
  private pinger: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly transport: UrlHooks<WSTransportOptions>) {}

  async open(attempt = 0): Promise<void> {
    const { default: WebSocketClass } = await import("ws");
    const sent = await this.transport.commonHeaders({ method: "GET", url: this.transport.url });
    const socket = new WebSocketClass(this.transport.url, "mcp", {
      headers: sent,
      handshakeTimeout: this.transport.options.timeout ?? TRANSPORT_DEFAULTS.timeoutMs,
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
          reject(
            new ConnectionError(`Cannot connect to ${this.transport.url}: ${error.message}`, {
              cause: error,
            }),
          ),
        );
      },
    );
    if (refused) {
      this.socket = undefined;
      socket.terminate();
      if (await this.transport.reauthorize(refused.status, refused.headers, sent, attempt))
        return this.open(attempt + 1);
      throw new ConnectionError(`WebSocket upgrade to ${this.transport.url} refused: HTTP ${refused.status}`);
    }
    if (socket.protocol !== "mcp") {
      socket.terminate();
      throw new ConnectionError(`The server at ${this.transport.url} did not accept the "mcp" subprotocol`);
    }
    socket.on("message", (data, isBinary) => {
      if (isBinary) return;
      const decoded = decodeText(data.toString());
      if (decoded.kind !== "invalid") this.transport.receive(decoded.message);
    });
    socket.on("error", () => {});
    socket.once("close", (code, reason) => {
      this.stopPing();
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.transport.lost(
        new ConnectionError(
          `WebSocket to ${this.transport.url} closed (${code}${reason.length ? ` ${reason.toString()}` : ""})`,
        ),
      );
    });
    const every = this.transport.options.pingInterval ?? TRANSPORT_DEFAULTS.pingIntervalMs;
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

  send(message: JSONRPCMessage): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== socket.OPEN)
      throw new ConnectionError(`WebSocket to ${this.transport.url} is not open`);
    socket.send(JSON.stringify(message));
  }

  async close(): Promise<void> {
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
