/**
 * The legacy HTTP+SSE client transport (protocol 2024-11-05): a GET opens the event stream, whose
 * first `endpoint` event names where to POST messages; answers arrive on the stream. That code
 * (client-connection.ts) loads with the first `connect()`.
 *
 * @example
 * ```ts
 * const client = new Client(new SSETransport({ url: "http://localhost:8000/sse" }));
 * ```
 */
import { ConnectionError } from "../../errors.js";
import type { JSONRPCMessage } from "../../protocol/types.js";
import { UrlTransport, type UrlTransportOptions } from "../url-transport.js";
import type { SseConnection } from "./client-connection.js";

export interface SSETransportOptions extends UrlTransportOptions {
  /** Milliseconds to wait for the stream to open and announce its endpoint, and for each POST (default 30000). */
  timeout?: number;
  fetch?: typeof fetch;
  /**
   * Largest SSE event accepted, in characters (default 64 Mi). Every reply comes on the one stream,
   * so a larger event, dropped, could be any pending request's answer: they all fail at once with
   * an error naming the size and the limit (the connection stays open).
   */
  maxEventLength?: number;
}

export class SSETransport extends UrlTransport<SSETransportOptions> {
  /** The connection code (client-connection.ts), loaded by the first open. */
  private connection: SseConnection | undefined;

  protected async open(): Promise<void> {
    if (!this.connection) {
      const { SseConnection } = await import("./client-connection.js");
      this.connection ??= new SseConnection(this.urlHooks());
    }
    await this.connection.open();
  }

  protected async send(message: JSONRPCMessage): Promise<void> {
    if (!this.connection) throw new ConnectionError("The SSE stream has not announced its endpoint");
    await this.connection.send(message);
  }

  protected async close(): Promise<void> {
    await this.connection?.close();
  }
}
