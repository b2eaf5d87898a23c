/**
 * SSE on the Streamable HTTP client: reading the JSON-RPC messages of an event stream, and
 * following the streamed reply of one request to its response, resuming a dropped legacy stream
 * with `Last-Event-ID`.
 */
import { type DecodedMessage, decodeText } from "../../protocol/jsonrpc.js";
import type { JSONRPCMessage, RequestId } from "../../protocol/types.js";
import { TRANSPORT_DEFAULTS } from "../defaults.js";
import type { HttpReply } from "../http/client-sender.js";
import { type SseEvent, SseParser } from "../http/sse.js";
import type { StreamableHttpTransportOptions } from "./client.js";

/** A JSON-RPC message read from a stream. */
export type StreamMessage = Exclude<DecodedMessage, { kind: "invalid" }>;

/** How reading an event stream ended. */
export interface StreamEnd {
  /** The connection broke, rather than the stream ending. */
  dropped: boolean;
  /** The id of the last event that carried one. */
  lastEventId: string | undefined;
}

/** Whether a response is an event stream to read. */
export function isEventStream(response: HttpReply): boolean {
  return response.ok && (response.headers.get("content-type") ?? "").includes("text/event-stream");
}

/** Drops a response's body unread. */
export function discard(response: HttpReply): Promise<void> {
  return response.discard();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The longest wait setTimeout can do: a longer one fires at once (after 1 ms). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The wait before reconnecting: `ms` (the server's `retry` hint or the backoff) clamped to
 * `reconnect.maxDelayMs` (default 5000), so that a huge `retry:` neither overflows setTimeout
 * (which would reconnect after 1 ms) nor stalls the stream for days.
 */
export function reconnectDelay(options: StreamableHttpTransportOptions, ms: number): number {
  const max = Math.min(
    options.reconnect?.maxDelayMs ?? TRANSPORT_DEFAULTS.reconnect.maxDelayMs,
    MAX_TIMER_MS,
  );
  return Math.max(0, Math.min(ms, max));
}

/** The error text of an event dropped for going over the client's `maxEventLength`. */
export function oversizedEvent(size: number, limit: number): string {
  return (
    `the server sent an SSE event of at least ${size} characters, over the client's limit of ` +
    `${limit} (the transport's maxEventLength option); it was dropped`
  );
}

/** What reading a stream may report besides messages. */
export interface ReadOptions {
  /** The server's `retry` hint, in ms (not yet clamped). */
  onRetry?(ms: number): void;
  /** Largest event read, in characters (default 64 Mi). */
  maxEventLength?: number | undefined;
  /** An event over `maxEventLength` is being dropped; `size` characters of it were read. */
  onOversized?(size: number, limit: number): void;
}

/**
 * Reads an SSE body to its end, handing over each JSON-RPC message it carries (events without data
 * or with data that is not one are skipped). A throw from `onMessage` ends the reading as dropped.
 */
export async function readMessages(
  response: HttpReply,
  onMessage: (message: StreamMessage, event: SseEvent) => void,
  options: ReadOptions = {},
): Promise<StreamEnd> {
  let lastEventId: string | undefined;
  const limit = options.maxEventLength ?? TRANSPORT_DEFAULTS.maxEventLength;
  const parser = new SseParser(
    (event) => {
      if (event.id !== undefined) lastEventId = event.id;
      if (!event.data) return;
      const decoded = decodeText(event.data);
      if (decoded.kind !== "invalid") onMessage(decoded, event);
    },
    options.onRetry,
    { maxEventLength: limit, onOversized: (size) => options.onOversized?.(size, limit) },
  );
  const dropped = await response.stream((text) => parser.push(text));
  return { dropped, lastEventId };
}

/** What following a reply needs from the transport. */
export interface ReplyHost {
  readonly options: StreamableHttpTransportOptions;
  isClosed(): boolean;
  /** The legacy session id: only a session's streams can be resumed. */
  sessionId(): string | undefined;
  /** Whether request `id` still waits for its response. */
  isPending(id: RequestId): boolean;
  /** Feeds one message to the engine; `relatedRequestId`: the request whose reply stream carried it. */
  deliver(message: JSONRPCMessage, relatedRequestId?: RequestId): void;
  /** Learns the protocol version from a response, if it answers initialize. */
  noteInitialize(reply: JSONRPCMessage): void;
  /** Fails request `id`, whose reply is lost, if it still waits. */
  lose(id: RequestId, reason: string): void;
  /** GETs a stream again, from after event `lastEventId`. */
  reopen(lastEventId: string, signal: AbortSignal | undefined): Promise<HttpReply>;
}

/**
 * Reads the SSE reply to a POST (of request `id`, if it is one); a dropped legacy stream is resumed
 * with Last-Event-ID, and a reply that ends without the response fails the request.
 */
export async function followReply(
  host: ReplyHost,
  response: HttpReply,
  id: RequestId | undefined,
  signal: AbortSignal | undefined,
): Promise<void> {
  let retryMs: number | undefined;
  let answered = false;
  let oversized = false;
  const end = await readMessages(
    response,
    ({ kind, message }, event) => {
      if (event.event !== undefined && event.event !== "message") return;
      if (kind === "response" && message.id === id) {
        answered = true;
        host.noteInitialize(message);
      }
      host.deliver(message, id);
    },
    {
      onRetry: (ms) => {
        retryMs = ms;
      },
      maxEventLength: host.options.maxEventLength,
      // The stream is this request's: the dropped event may be its response, so it fails now
      // rather than at the stream's end or its timeout.
      onOversized: (size, limit) => {
        if (id === undefined || answered) return;
        oversized = true;
        host.lose(id, oversizedEvent(size, limit));
      },
    },
  );
  if (answered || oversized || id === undefined || host.isClosed() || signal?.aborted) return;
  if (host.sessionId() && end.lastEventId) {
    await resume(host, end.lastEventId, id, retryMs, signal);
    return;
  }
  host.lose(
    id,
    end.dropped ? "the response stream was dropped" : "the response stream ended without a response",
  );
}

async function resume(
  host: ReplyHost,
  lastEventId: string,
  id: RequestId,
  retryMs: number | undefined,
  signal: AbortSignal | undefined,
): Promise<void> {
  const { maxRetries = 5, initialDelayMs = 200 } = host.options.reconnect ?? {};
  let delay = reconnectDelay(host.options, retryMs ?? initialDelayMs);
  for (let attempt = 0; attempt < maxRetries && !host.isClosed() && host.isPending(id); attempt++) {
    await sleep(delay);
    delay = reconnectDelay(host.options, delay * 2);
    let response: HttpReply;
    try {
      response = await host.reopen(lastEventId, signal);
    } catch {
      continue;
    }
    if (!isEventStream(response)) {
      await discard(response);
      break;
    }
    let answered = false;
    let oversized = false;
    const end = await readMessages(
      response,
      ({ kind, message }) => {
        if (kind === "response" && message.id === id) answered = true;
        deliverQuietly(host, message, id);
      },
      {
        maxEventLength: host.options.maxEventLength,
        onOversized: (size, limit) => {
          if (answered) return;
          oversized = true;
          host.lose(id, oversizedEvent(size, limit));
        },
      },
    );
    lastEventId = end.lastEventId ?? lastEventId;
    if (answered || oversized) return;
  }
  host.lose(id, "the response stream was dropped and could not be resumed");
}

/** Delivers a message read from a GET stream, which a throwing handler does not end. */
export function deliverQuietly(
  host: Pick<ReplyHost, "deliver">,
  message: JSONRPCMessage,
  relatedRequestId?: RequestId,
): void {
  try {
    host.deliver(message, relatedRequestId);
  } catch {
    // The stream goes on.
  }
}
