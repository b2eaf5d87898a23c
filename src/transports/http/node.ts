/**
 * The node:http adapter: a request listener for node:http, Express, Connect and Fastify's raw
 * server. Types only are imported here; `listen()` loads node:http itself.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { ErrorCode } from "../../protocol/codes.js";
import { withKey } from "../../protocol/meta.js";
import {
  BodyTooLargeError,
  createSseSink,
  errorReply,
  type HttpReply,
  type HttpRequestLike,
} from "./exchange.js";

/** A node request listener; `next` is called by Express-style hosts for paths it does not serve. */
export type NodeListener = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (error?: unknown) => void,
) => void;

function readLimited(
  req: IncomingMessage & { body?: unknown },
  limit: number,
  onOverflow: () => void,
): Promise<string> {
  // A body parser (express.json()) may have read the stream already.
  if (req.body !== undefined && req.readableEnded) {
    return Promise.resolve(typeof req.body === "string" ? req.body : JSON.stringify(req.body));
  }
  const declared = Number(req.headers["content-length"] ?? Number.NaN);
  if (declared > limit) {
    // Answered at once, without reading (or draining) a body that may be gigabytes long: the reply
    // closes the connection instead.
    onOverflow();
    return Promise.reject(new BodyTooLargeError(`Body of ${declared} bytes exceeds ${limit}`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let failed = false;
    req.on("data", (chunk: Buffer) => {
      if (failed) return;
      total += chunk.length;
      if (total > limit) {
        failed = true;
        onOverflow();
        req.pause();
        reject(new BodyTooLargeError(`Body exceeds ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    // `on`, not `once`: neither fires twice, and a once wrapper costs more per request.
    req.on("end", () => {
      if (failed) return;
      // A small body comes in one chunk: decoded as it is, without a copy.
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total);
      resolve(body.toString("utf8"));
    });
    req.on("error", (error) => {
      if (!failed) reject(error);
    });
  });
}

/** A request line or Host header that cannot be parsed: answered with 400, before any other check. */
export class BadRequestError extends Error {
  override name = "BadRequestError";
}

/**
 * A Host header as RFC 3986 allows it: a bracketed IP literal, or a name (or IPv4 address) of
 * unreserved, percent-encoded and sub-delimiter characters; then an optional port.
 */
const VALID_HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[\w.~!$&'()*+,;=%-]+)(?::\d{0,5})?$/;

/**
 * A request target whose path `new URL` keeps as it is: one leading slash, then only characters it
 * neither encodes nor reads as dot segments, percent escapes or backslashes; any query after it.
 */
const PLAIN_TARGET = /^\/(?!\/)[\w\-~!$&'()*+,;=:@/]*(?:\?|$)/;

/**
 * The last Host header seen to make a valid base URL: a server sees one or a few, and checking it
 * again for every request would cost a URL parse each time.
 */
let knownHost: string | undefined;

/**
 * The request's URL. The request line and Host header come from the peer as they are, and
 * `new URL` throws on many of them (`Host: a b`, `GET http://[/mcp`): say which one is bad.
 */
function requestUrl(req: IncomingMessage): URL {
  const host = req.headers.host;
  if (host !== undefined && !VALID_HOST.test(host))
    throw new BadRequestError("Bad Request: invalid Host header");
  const target = req.url ?? "/";
  let url: URL;
  try {
    url = new URL(target, `http://${host ?? "localhost"}`);
  } catch {
    // Only the failure path parses twice, to name the culprit.
    if (URL.canParse(target, "http://localhost"))
      throw new BadRequestError("Bad Request: invalid Host header");
    throw new BadRequestError("Bad Request: invalid request target");
  }
  if (host !== undefined && URL.canParse(`http://${host}`)) knownHost = host;
  return url;
}

/**
 * A node request as an HttpRequestLike. A class so that `signal` and `url` are prototype getters:
 * the AbortSignal (with its listener on the response) and the URL are only made when something
 * reads them (making them costs more than the rest of the request's wrapping), and an object
 * literal with getters would be slower to use.
 */
class NodeRequest implements HttpRequestLike {
  readonly method: string;
  readonly pathname: string;
  private parsedUrl: URL | undefined;
  private readonly req: IncomingMessage;
  private readonly res: ServerResponse | undefined;
  private controller: AbortController | undefined;
  /** Set when the body was refused unread: the reply must close the connection. */
  closeAfterReply = false;

  /** @throws BadRequestError when the request line or Host header cannot be parsed. */
  constructor(req: IncomingMessage, res: ServerResponse | undefined) {
    this.req = req;
    this.res = res;
    this.method = (req.method ?? "GET").toUpperCase();
    // A plain path on a Host already seen valid needs no parse: it is the URL's pathname as it is,
    // and the URL, when something reads it, is made then (and cannot fail).
    const target = req.url ?? "/";
    if (req.headers.host === knownHost && knownHost !== undefined && PLAIN_TARGET.test(target)) {
      const query = target.indexOf("?");
      this.pathname = query === -1 ? target : target.slice(0, query);
    } else {
      this.parsedUrl = requestUrl(req);
      this.pathname = this.parsedUrl.pathname;
    }
  }

  get url(): URL {
    this.parsedUrl ??= new URL(this.req.url ?? "/", `http://${this.req.headers.host ?? "localhost"}`);
    return this.parsedUrl;
  }

  header(name: string): string | undefined {
    const value = this.req.headers[name];
    return Array.isArray(value) ? value.join(", ") : value;
  }

  headers(): Record<string, string> {
    const all = this.req.headers;
    const out: Record<string, string> = {};
    for (const name in all) {
      const value = all[name];
      if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
    }
    return out;
  }

  text(limit: number): Promise<string> {
    return readLimited(this.req, limit, () => {
      this.closeAfterReply = true;
    });
  }

  /** Aborted once the response closes unfinished: the client went away (also before this was read). */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      const controller = new AbortController();
      this.controller = controller;
      const res = this.res;
      const closed = () => {
        if (!res?.writableFinished) controller.abort(new Error("The client closed the connection"));
      };
      if (res?.closed) closed();
      else res?.once("close", closed);
    }
    return this.controller.signal;
  }

  get remoteAddress(): string | undefined {
    return this.req.socket?.remoteAddress;
  }
}

/** @throws BadRequestError when the request line or Host header cannot be parsed. */
export function fromNodeRequest(req: IncomingMessage, res?: ServerResponse): HttpRequestLike {
  return new NodeRequest(req, res);
}

/** The responses that are SSE streams (see sendNodeReply), for a graceful shutdown to find them. */
export const sseResponses: WeakSet<ServerResponse> = new WeakSet();

/** Sends a reply; `close` ends the connection after it (the request's body was left unread). */
export function sendNodeReply(reply: HttpReply, res: ServerResponse, close = false): void {
  if (!("attach" in reply)) {
    // With an explicit writeHead and no length, node would frame the body as chunked (a writev of
    // several buffers); a Content-Length lets it send head and body in one write.
    // A number, as node would write it: a string would be checked for forbidden characters.
    // withKey, not a spread: node's header loop would miss its caches on each reply (see withKey).
    let headers: OutgoingHttpHeaders = reply.headers;
    if (reply.body !== undefined && !("content-length" in headers))
      headers = withKey(headers, "content-length", Buffer.byteLength(reply.body));
    // node then destroys the socket once the reply is out, instead of reading the rest of the body.
    if (close) headers = withKey(headers, "connection", "close");
    res.writeHead(reply.status, headers);
    res.end(reply.body);
    return;
  }
  res.writeHead(reply.status, reply.headers);
  res.flushHeaders();
  sseResponses.add(res);
  // A graceful shutdown may end the response itself (after a `retry` hint): the stream's later
  // writes are then dropped, and its close is seen as the client's going away.
  const { sink, disconnected } = createSseSink(
    (chunk) => {
      if (!res.writableEnded) res.write(chunk);
    },
    () => {
      if (!res.writableEnded) res.end();
    },
  );
  res.once("close", disconnected);
  reply.attach(sink);
}

/** An error reply that also ends the connection: whatever body the request had is left unread. */
function writeError(res: ServerResponse, status: number, code: number, message: string): void {
  sendNodeReply(errorReply(status, code, message), res, true);
}

/**
 * The last word on a request that failed outside the exchange's own replies: a bad request line or
 * Host gets 400; anything else goes to `next` when the host has one, else is logged and gets 500.
 * Never throws: a listener that throws takes a node:http server (and its process) down.
 */
function failRequest(error: unknown, res: ServerResponse, next?: (error?: unknown) => void): void {
  try {
    if (error instanceof BadRequestError) {
      if (res.headersSent) res.destroy();
      else writeError(res, 400, -32000, error.message);
      return;
    }
    if (next) {
      next(error);
      return;
    }
    console.error("[fastmcp-ts] HTTP request failed:", error);
    // A reply already under way (an SSE stream) cannot turn into an error: cut it.
    if (res.headersSent) res.destroy();
    else writeError(res, 500, ErrorCode.InternalError, "Internal error");
  } catch (inner) {
    console.error("[fastmcp-ts] HTTP request failed:", inner);
    res.destroy();
  }
}

/**
 * Wraps an exchange handler as a node:http request listener. No exception escapes it, thrown at
 * once or later in the exchange: each becomes a 400 or 500 reply (or goes to `next`).
 */
export function toNodeListener(handle: (request: HttpRequestLike) => Promise<HttpReply>): NodeListener {
  return (req, res, next) => {
    try {
      const request = new NodeRequest(req, res);
      handle(request).then(
        (reply) => {
          try {
            sendNodeReply(reply, res, request.closeAfterReply);
          } catch (error) {
            failRequest(error, res, next);
          }
        },
        (error: unknown) => failRequest(error, res, next),
      );
    } catch (error) {
      failRequest(error, res, next);
    }
  };
}
