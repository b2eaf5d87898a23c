/**
 * The legacy session of the Streamable HTTP client: the initialize request it began with, a new
 * session started with that request when the server forgets the old one (404), and the GET stream
 * that carries the server's own messages.
 */
import { ConnectionError } from "../../errors.js";
import type { JSONRPCMessage, JSONRPCRequest, RequestId } from "../../protocol/types.js";
import { TRANSPORT_DEFAULTS } from "../defaults.js";
import type { HttpReply, HttpRequestInit } from "../http/client-sender.js";
import { HttpStatusError } from "../http/status-error.js";
import type { StreamableHttpTransportOptions } from "./client.js";
import {
  deliverQuietly,
  discard,
  isEventStream,
  oversizedEvent,
  readMessages,
  reconnectDelay,
  sleep,
} from "./client-streams.js";

/** What the session needs from the transport. */
export interface SessionHost {
  readonly url: string;
  readonly options: StreamableHttpTransportOptions;
  isClosed(): boolean;
  sessionId(): string | undefined;
  setSessionId(sessionId: string | undefined): void;
  /** Configured, session and version headers (the requests add the credentials). */
  baseHeaders(): Record<string, string>;
  /** The headers of a POST of `message`. */
  headersFor(message: JSONRPCMessage): Record<string, string>;
  requestWithTimeout(init: HttpRequestInit, timeout: number): Promise<HttpReply>;
  /** A request with the credentials and no timeout (its body streams until `signal` aborts). */
  requestStream(init: HttpRequestInit, signal: AbortSignal): Promise<HttpReply>;
  /** True when the credentials provider has new credentials after this 401/403 (attempt: retries so far). */
  reauthorize(response: HttpReply, attempt: number): Promise<boolean>;
  deliver(message: JSONRPCMessage): void;
}

/** Reports a problem that fails no request: to `onError`, or as a console warning. */
function reportStreamError(options: StreamableHttpTransportOptions, error: Error): void {
  if (options.onError) options.onError(error);
  else console.warn(`[fastmcp-ts] ${error.message}`);
}

export class LegacySession {
  /** The initialize request this client sent, repeated to start a new session. */
  initializeRequest: JSONRPCRequest | undefined;
  /** The GET stream: its controller, and when its first GET was answered. */
  private standalone: { controller: AbortController; answered: Promise<void> } | undefined;
  /** A session restart in progress, shared by every request that got a 404 for the old session. */
  private renewing: Promise<void> | undefined;
  private readonly host: SessionHost;

  constructor(host: SessionHost) {
    this.host = host;
  }

  /**
   * Whether a 404 to a message sent in session `sent` means the server forgot the session, so that
   * a new one should be started (never for the initialize request itself).
   */
  forgotten(response: HttpReply, sent: string | undefined, id: RequestId | undefined): boolean {
    if (response.status !== 404 || !sent || !this.initializeRequest) return false;
    return id !== this.initializeRequest.id;
  }

  /** Starts a new session, once however many requests found session `sent` gone. */
  async renew(sent: string | undefined): Promise<void> {
    if (!this.renewing && this.host.sessionId() === sent) {
      this.renewing = this.restart().finally(() => {
        this.renewing = undefined;
      });
    }
    await this.renewing;
  }

  /** Forgets the session's local state: the GET stream, and the initialize request to repeat. */
  end(): void {
    this.closeStream();
    this.initializeRequest = undefined;
  }

  /**
   * Opens the legacy GET stream for server-initiated messages, and keeps it open. Resolves once the
   * first GET has been answered (the stream is open, or refused: 405...) or could not be sent:
   * what the server sends on its own after that is not lost.
   */
  openStream(): Promise<void> {
    if (!this.host.sessionId() || this.host.isClosed()) return Promise.resolve();
    if (this.standalone) return this.standalone.answered;
    const controller = new AbortController();
    let answered!: () => void;
    const stream = {
      controller,
      answered: new Promise<void>((resolve) => {
        answered = resolve;
      }),
    };
    this.standalone = stream;
    this.runStream(controller.signal, answered)
      .catch(() => {})
      .finally(answered);
    return stream.answered;
  }

  private closeStream(): void {
    this.standalone?.controller.abort();
    this.standalone = undefined;
  }

  private async runStream(signal: AbortSignal, answered: () => void): Promise<void> {
    const { options, url } = this.host;
    let lastEventId: string | undefined;
    let authAttempt = 0;
    let delay = reconnectDelay(
      options,
      options.reconnect?.initialDelayMs ?? TRANSPORT_DEFAULTS.reconnect.initialDelayMs,
    );
    for (
      let attempt = 0;
      attempt < (options.reconnect?.maxRetries ?? TRANSPORT_DEFAULTS.reconnect.maxRetries) && !signal.aborted;
      attempt++
    ) {
      let response: HttpReply;
      try {
        const headers: Record<string, string> = { accept: "text/event-stream", ...this.host.baseHeaders() };
        if (lastEventId) headers["last-event-id"] = lastEventId;
        response = await this.host.requestStream({ method: "GET", headers }, signal);
      } catch {
        // The first GET could not be sent: connecting goes on, the retries go on behind it.
        answered();
        if (signal.aborted) return;
        await sleep(delay);
        delay = reconnectDelay(options, delay * 2);
        continue;
      }
      if (await this.host.reauthorize(response, authAttempt)) {
        // New credentials (a refreshed token): open the stream again with them.
        authAttempt++;
        await discard(response);
        attempt--;
        continue;
      }
      answered();
      // 405: the server offers no GET stream; nothing more to do.
      if (!isEventStream(response)) {
        await discard(response);
        return;
      }
      attempt = -1;
      authAttempt = 0;
      const end = await readMessages(response, ({ message }) => deliverQuietly(this.host, message), {
        onRetry: (ms) => {
          delay = reconnectDelay(options, ms);
        },
        maxEventLength: options.maxEventLength,
        // This stream carries the server's own requests and notifications, no reply to ours: there
        // is no request to fail, so the transport reports it.
        onOversized: (size, limit) =>
          reportStreamError(
            options,
            new ConnectionError(`The GET stream from ${url}: ${oversizedEvent(size, limit)}`),
          ),
      });
      lastEventId = end.lastEventId ?? lastEventId;
      if (signal.aborted) return;
      await sleep(delay);
    }
  }

  /** Starts a new legacy session with the initialize request this client sent first. */
  private async restart(): Promise<void> {
    const initialize = this.initializeRequest;
    if (!initialize)
      throw new ConnectionError("The server ended the session and there is no initialize to repeat");
    this.host.setSessionId(undefined);
    this.closeStream();
    const request = { ...initialize, id: `reinit-${Date.now()}` };
    const response = await this.host.requestWithTimeout(
      { method: "POST", headers: this.host.headersFor(request), body: JSON.stringify(request) },
      this.host.options.timeout ?? TRANSPORT_DEFAULTS.timeoutMs,
    );
    const sessionId = response.headers.get("mcp-session-id");
    await discard(response);
    if (!response.ok)
      throw new HttpStatusError(
        response.status,
        `Re-initializing the session failed: HTTP ${response.status}`,
      );
    this.host.setSessionId(sessionId ?? undefined);
    const initialized = { jsonrpc: "2.0" as const, method: "notifications/initialized" };
    const ack = await this.host.requestWithTimeout(
      { method: "POST", headers: this.host.headersFor(initialized), body: JSON.stringify(initialized) },
      this.host.options.timeout ?? TRANSPORT_DEFAULTS.timeoutMs,
    );
    await discard(ack);
    void this.openStream();
  }
}
