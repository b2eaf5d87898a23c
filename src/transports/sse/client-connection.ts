/**
 * The connection code of the legacy HTTP+SSE client transport (client.ts), loaded by its first
 * `connect()`: the event stream, its `endpoint` event, and the POSTs.
 */
import { ConnectionError } from "../../errors.js";
import { decodeValue } from "../../protocol/jsonrpc.js";
import type { JSONRPCMessage } from "../../protocol/types.js";
import { TRANSPORT_DEFAULTS } from "../defaults.js";
import { fetchSender, type HttpReply, type HttpSender, NodeSender } from "../http/client-sender.js";
import { SseParser } from "../http/sse.js";
import { HttpStatusError } from "../http/status-error.js";
import type { UrlHooks } from "../url-transport.js";
import type { SSETransportOptions } from "./client.js";

export class SseConnection {
  private endpoint: string | undefined;
  private stream: AbortController | undefined;
  /** node:http with a keep-alive Agent, or the user's fetch. */
  private readonly sender: HttpSender;

  constructor(private readonly transport: UrlHooks<SSETransportOptions>) {
    const { fetch: fetcher } = transport.options;
    this.sender = fetcher ? fetchSender(fetcher) : new NodeSender();
  }

  async open(attempt = 0): Promise<void> {
    const controller = new AbortController();
    this.stream = controller;
    const timeout = this.transport.options.timeout ?? TRANSPORT_DEFAULTS.timeoutMs;
    const timer = setTimeout(
      () => controller.abort(new Error(`no endpoint event within ${timeout} ms`)),
      timeout,
    );
    let response: HttpReply;
    const sent = await this.transport.commonHeaders({ method: "GET", url: this.transport.url });
    try {
      response = await this.sender.send(
        this.transport.url,
        { method: "GET", headers: { accept: "text/event-stream", ...sent } },
        controller.signal,
      );
    } catch (error) {
      clearTimeout(timer);
      throw new ConnectionError(`Cannot reach ${this.transport.url}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (await this.transport.reauthorize(response.status, response.headers, sent, attempt)) {
      clearTimeout(timer);
      await response.discard();
      return this.open(attempt + 1);
    }
    if (!response.ok || !(response.headers.get("content-type") ?? "").includes("text/event-stream")) {
      clearTimeout(timer);
      await response.discard();
      throw new HttpStatusError(
        response.status,
        `HTTP ${response.status} ${response.statusText} opening the SSE stream at ${this.transport.url}`,
      );
    }
    let announced: (() => void) | undefined;
    let failed: ((error: Error) => void) | undefined;
    const ready = new Promise<void>((resolve, reject) => {
      announced = resolve;
      failed = reject;
    });
    const limit = this.transport.options.maxEventLength ?? TRANSPORT_DEFAULTS.maxEventLength;
    const onOversized = (size: number) => {
      const error = new ConnectionError(
        `The SSE stream from ${this.transport.url} carried an event of at least ${size} characters, over the ` +
          `client's limit of ${limit} (the transport's maxEventLength option); it was dropped`,
      );
      // Before the endpoint event, connecting fails; after it, the answer lost is some pending request's.
      failed?.(error);
      this.transport.lostAnswers(error);
    };
    const parser = new SseParser(
      (event) => {
        if (event.event === "endpoint") {
          if (!URL.canParse(event.data, this.transport.url)) {
            failed?.(
              new ConnectionError(
                `The server announced an endpoint that is not a URL: ${event.data.slice(0, 200)}`,
              ),
            );
            return;
          }
          const endpoint = new URL(event.data, this.transport.url);
          if (endpoint.origin !== new URL(this.transport.url).origin) {
            failed?.(
              new ConnectionError(`The server announced an endpoint on another origin: ${endpoint.origin}`),
            );
            return;
          }
          this.endpoint = endpoint.href;
          announced?.();
          return;
        }
        if ((event.event ?? "message") !== "message" || !event.data) return;
        try {
          const decoded = decodeValue(JSON.parse(event.data));
          if (decoded.kind !== "invalid") this.transport.receive(decoded.message);
        } catch {
          // not JSON: ignore
        }
      },
      undefined,
      { maxEventLength: limit, onOversized },
    );
    const pump = async () => {
      await response.stream((text) => parser.push(text));
      if (controller.signal.aborted && this.stream !== controller) return;
      const error = new ConnectionError(`The SSE stream from ${this.transport.url} closed`);
      failed?.(error);
      this.transport.lost(error);
    };
    void pump();
    try {
      await ready;
    } finally {
      clearTimeout(timer);
    }
  }

  async send(message: JSONRPCMessage, attempt = 0): Promise<void> {
    if (!this.endpoint) throw new ConnectionError("The SSE stream has not announced its endpoint");
    let response: HttpReply;
    const sent = await this.transport.commonHeaders({ method: "POST", url: this.endpoint });
    try {
      response = await this.sender.send(
        this.endpoint,
        {
          method: "POST",
          headers: { "content-type": "application/json", ...sent },
          body: JSON.stringify(message),
        },
        AbortSignal.timeout(this.transport.options.timeout ?? TRANSPORT_DEFAULTS.timeoutMs),
      );
    } catch (error) {
      throw new ConnectionError(`Cannot reach ${this.endpoint}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    await response.discard();
    if (await this.transport.reauthorize(response.status, response.headers, sent, attempt))
      return this.send(message, attempt + 1);
    if (!response.ok)
      throw new HttpStatusError(response.status, `HTTP ${response.status} posting to ${this.endpoint}`);
  }

  async close(): Promise<void> {
    const stream = this.stream;
    this.stream = undefined;
    this.endpoint = undefined;
    stream?.abort();
    this.sender.close();
  }
}
