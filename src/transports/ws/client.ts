/**
 * MCP over WebSocket (client side): subprotocol `mcp`, one JSON-RPC message per text frame, pings
 * to notice a dead connection. Uses the `ws` package on Node (so headers and auth can be sent),
 * loaded with the connection code (client-connection.ts) by the first `connect()`.
 *
 * @example
 * ```ts
 * const client = new Client(new WSTransport({ url: "ws://localhost:8000/ws" }));
 * ```
 */
import { ConnectionError } from "../../errors.js";
import type { JSONRPCMessage } from "../../protocol/types.js";
import { UrlTransport, type UrlTransportOptions } from "../url-transport.js";
import type { WsConnection } from "./client-connection.js";

export interface WSTransportOptions extends UrlTransportOptions {
  /** Interval between pings; the connection is dropped when a pong does not come back in time (ms, default 30000; 0 for none). */
  pingInterval?: number;
  /** Milliseconds to wait for the connection to open (default 30000). */
  timeout?: number;
}

export class WSTransport extends UrlTransport<WSTransportOptions> {
  /** The connection code (client-connection.ts), loaded by the first open. */
  private connection: WsConnection | undefined;

  protected async open(): Promise<void> {
    if (!this.connection) {
      const { WsConnection } = await import("./client-connection.js");
      this.connection ??= new WsConnection(this.urlHooks());
    }
    await this.connection.open();
  }

  protected send(message: JSONRPCMessage): void {
    if (!this.connection) throw new ConnectionError(`WebSocket to ${this.url} is not open`);
    this.connection.send(message);
  }

  protected async close(): Promise<void> {
    await this.connection?.close();
  }
}
