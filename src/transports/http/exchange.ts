/**
 * The shape HTTP handling works on, independent of the server library: one request in, one reply
 * out. The web-standard and node:http adapters translate to and from it.
 */
import { ErrorCode } from "../../protocol/codes.js";
import { errorResponse } from "../../protocol/jsonrpc.js";
import type { RequestId } from "../../protocol/types.js";

/** One incoming HTTP request. Header names are lower case. */
export interface HttpRequestLike {
  readonly method: string;
  readonly url: URL;
  /** The URL's path, as `url.pathname` (which an adapter may give without parsing the whole URL). */
  readonly pathname: string;
  header(name: string): string | undefined;
  /** Every header, with lower-case names. */
  headers(): Record<string, string>;
  /** Reads the whole body as text; rejects with BodyTooLargeError past `limit` bytes. */
  text(limit: number): Promise<string>;
  /** Aborted when the client goes away before the reply is complete. */
  readonly signal: AbortSignal;
  /**
   * The peer's address (the socket's on node:http; what the web handler's `remoteAddress` option
   * says, else undefined). Proxy headers such as `X-Forwarded-For` are not consulted.
   */
  readonly remoteAddress?: string | undefined;
}

/** Where an SSE reply's bytes go; implemented by each adapter. */
export interface SseSink {
  write(chunk: string): void;
  close(): void;
  /** Called once when the client disconnects (not after `close`). */
  onClose(callback: () => void): void;
}

/**
 * The one SSE writer of every adapter: writes go out until either side ends the stream; `close`
 * ends it from the server, `disconnected` reports the client gone (once, and not after `close`).
 */
export function createSseSink(
  write: (chunk: string) => void,
  end: () => void,
): { sink: SseSink; disconnected(): void } {
  let closed = false;
  let onClose: (() => void) | undefined;
  return {
    sink: {
      write(chunk) {
        if (!closed) write(chunk);
      },
      close() {
        if (closed) return;
        closed = true;
        end();
      },
      onClose(callback) {
        onClose = callback;
      },
    },
    disconnected() {
      if (closed) return;
      closed = true;
      onClose?.();
    },
  };
}

export type HttpReply =
  | { status: number; headers: Record<string, string>; body?: string }
  | { status: number; headers: Record<string, string>; attach(sink: SseSink): void };

export class BodyTooLargeError extends Error {
  override name = "BodyTooLargeError";
}

export const SSE_HEADERS: Record<string, string> = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache, no-transform",
  connection: "keep-alive",
  "x-accel-buffering": "no",
};

export function jsonReply(status: number, value: unknown, headers?: Record<string, string>): HttpReply {
  return {
    status,
    headers:
      headers === undefined
        ? { "content-type": "application/json" }
        : { "content-type": "application/json", ...headers },
    body: JSON.stringify(value),
  };
}

/** An HTTP error whose body is a JSON-RPC error response. */
export function errorReply(
  status: number,
  code: number,
  message: string,
  id?: RequestId | null,
  headers: Record<string, string> = {},
  data?: unknown,
): HttpReply {
  return jsonReply(status, errorResponse(id ?? null, code, message, data), headers);
}

export function emptyReply(status: number, headers: Record<string, string> = {}): HttpReply {
  return { status, headers };
}

const JSON_TYPE = "application/json";

/** The 415 of a POST whose body is not declared JSON; undefined when it is. */
export function refuseContentType(request: HttpRequestLike): HttpReply | undefined {
  const contentType = request.header("content-type") ?? "";
  // As it is first: toLowerCase makes a new string even when nothing changes.
  if (contentType.startsWith(JSON_TYPE) || contentType.toLowerCase().startsWith(JSON_TYPE)) return undefined;
  return errorReply(
    415,
    ErrorCode.InvalidRequest,
    "Unsupported Media Type: Content-Type must be application/json",
  );
}

/** The reply to a body that could not be read: 413 past `limit` bytes, else 400. */
export function unreadBodyReply(error: unknown, limit: number): HttpReply {
  if (error instanceof BodyTooLargeError)
    return errorReply(413, ErrorCode.InvalidRequest, `Payload Too Large: the body exceeds ${limit} bytes`);
  return errorReply(400, ErrorCode.ParseError, "Could not read the request body");
}

/** A body's JSON value, or the 400 (-32700) of malformed JSON. */
export function parseJsonBody(text: string): { value: unknown } | { reply: HttpReply } {
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    return { reply: errorReply(400, ErrorCode.ParseError, `Parse error: ${(error as Error).message}`) };
  }
}

/**
 * Reads a JSON POST body: 415 for another content type, 413 past `limit` bytes, 400 (ErrorCode.ParseError) for
 * malformed JSON; otherwise the parsed value.
 */
export async function readJsonBody(
  request: HttpRequestLike,
  limit: number,
): Promise<{ value: unknown } | { reply: HttpReply }> {
  const refused = refuseContentType(request);
  if (refused) return { reply: refused };
  let text: string;
  try {
    text = await request.text(limit);
  } catch (error) {
    return { reply: unreadBodyReply(error, limit) };
  }
  return parseJsonBody(text);
}
