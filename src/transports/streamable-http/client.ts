/**
 * The Streamable HTTP client transport, for both eras. Every message is a POST; a reply is JSON or
 * an SSE stream (read in client-streams.ts). 2026-07-28 requests carry `MCP-Protocol-Version`,
 * `Mcp-Method`, `Mcp-Name` and `Mcp-Param-*` headers, and cancelling one closes its stream. In the
 * legacy era the transport keeps the session id, opens the GET stream, resumes dropped streams with
 * `Last-Event-ID`, and starts a new session by itself when the server forgets the old one (404; see
 * client-session.ts). That code (client-connection.ts) loads with the first `connect()`; requests
 * go out through node:http with a keep-alive Agent, or the `fetch` option (http/client-sender.ts).
 *
 * @example
 * ```ts
 * const client = new Client(new StreamableHttpTransport({ url: "https://example.com/mcp", headers: { "X-Team": "a" } }));
 * ```
 */
import { ConnectionError } from "../../errors.js";
import type { JSONRPCMessage } from "../../protocol/types.js";
import { UrlTransport, type UrlTransportOptions } from "../url-transport.js";
import type { HttpConnection } from "./client-connection.js";

export interface StreamableHttpTransportOptions extends UrlTransportOptions {
  /** Milliseconds to wait for the server to start answering a POST (default 30000). */
  timeout?: number;
  /**
   * A fetch implementation to send every request with. Without one, requests go through node:http
   * or node:https with a keep-alive Agent of the transport's own, closed by `disconnect()`.
   */
  fetch?: typeof fetch;
  /**
   * Reconnection of dropped legacy streams: attempts and backoff (ms). No wait is longer than
   * `maxDelayMs` (default 5000), a server's `retry:` hint included.
   */
  reconnect?: { maxRetries?: number; initialDelayMs?: number; maxDelayMs?: number };
  /**
   * Largest SSE event accepted, in characters (default 64 Mi). A larger one is dropped and fails,
   * at once, the request whose reply stream carried it (whether or not it was the response);
   * on the GET stream, which carries no replies, it is reported through `onError`. A JSON reply
   * is held to the same number of bytes.
   */
  maxEventLength?: number;
  /** Problems that fail no request (an event over `maxEventLength` on the GET stream); default console.warn. */
  onError?: (error: Error) => void;
}

/** Transport hints a request can carry through the engine's `route`. */
export interface HttpRoute {
  headers?: Record<string, string>;
}

export class StreamableHttpTransport extends UrlTransport<StreamableHttpTransportOptions> {
  /** The legacy session id, once the server assigned one. */
  sessionId: string | undefined;
  /** The legacy protocol version negotiated by initialize (sent as MCP-Protocol-Version). */
  protocolVersion: string | undefined;
  /** The connection code (client-connection.ts), loaded by the first open and kept across reconnects. */
  private connection: HttpConnection | undefined;

  protected async open(): Promise<void> {
    new URL(this.url);
    if (!this.connection) {
      const { HttpConnection } = await import("./client-connection.js");
      this.connection ??= new HttpConnection(this.urlHooks(), this);
    }
    this.connection.open();
  }

  protected async close(): Promise<void> {
    await this.connection?.close();
  }

  protected send(message: JSONRPCMessage, route?: unknown): Promise<void> | void {
    return this.live().send(message, route);
  }

  /**
   * Sends `notifications/initialized`, then opens the GET stream and resolves once the server has
   * answered it: a server (the official v1 SDK's, say) sends its requests that belong to no call on
   * that stream, and drops them while it is not open.
   */
  override async initialized(): Promise<void> {
    await this.live().initialized();
  }

  /** Every POST gets an answer (a status at least): a silent probe means a slow server. */
  override get silentProbeMeansLegacy(): boolean {
    return false;
  }

  override get mirrorsToolHeaders(): boolean {
    return true;
  }

  private live(): HttpConnection {
    if (!this.connection) throw new ConnectionError(`Transport ${this.url} is not connected`);
    return this.connection;
  }
}
