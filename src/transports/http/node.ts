/**
 * The node:http adapter: a request listener for node:http, Express, Connect and Fastify's raw
 * server. Types only are imported here; `listen()` loads node:http itself.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { BodyTooLargeError, type HttpReply, type HttpRequestLike, type SseSink } from "./exchange.js";

/** A node request listener; `next` is called by Express-style hosts for paths it does not serve. */
export type NodeListener = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (error?: unknown) => void,
) => void;

function readLimited(req: IncomingMessage & { body?: unknown }, limit: number): Promise<string> {
  // A body parser (express.json()) may have read the stream already.
  if (req.body !== undefined && req.readableEnded) {
    return Promise.resolve(typeof req.body === "string" ? req.body : JSON.stringify(req.body));
  }
  const declared = Number(req.headers["content-length"] ?? Number.NaN);
  if (declared > limit) {
    req.resume();
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
        reject(new BodyTooLargeError(`Body exceeds ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.once("end", () => {
      if (!failed) resolve(Buffer.concat(chunks, total).toString("utf8"));
    });
    req.once("error", (error) => {
      if (!failed) reject(error);
    });
  });
}

/**
 * A node request as an HttpRequestLike. A class so that `signal` is a prototype getter: the
 * AbortSignal is only made when something reads it (making one costs more than the rest of the
 * request's wrapping), and an object literal with a getter would be slower to use.
 */
class NodeRequest implements HttpRequestLike {
  readonly method: string;
  readonly url: URL;
  private readonly req: IncomingMessage;
  private readonly controller = new AbortController();

  constructor(req: IncomingMessage, res: ServerResponse | undefined) {
    this.req = req;
    this.method = (req.method ?? "GET").toUpperCase();
    this.url = new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`);
    res?.once("close", () => {
      if (!res.writableFinished) this.controller.abort(new Error("The client closed the connection"));
    });
  }

  header(name: string): string | undefined {
    const value = this.req.headers[name];
    return Array.isArray(value) ? value.join(", ") : value;
  }

  headers(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(this.req.headers)) {
      if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
    }
    return out;
  }

  text(limit: number): Promise<string> {
    return readLimited(this.req, limit);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get remoteAddress(): string | undefined {
    return this.req.socket?.remoteAddress;
  }
}

export function fromNodeRequest(req: IncomingMessage, res?: ServerResponse): HttpRequestLike {
  return new NodeRequest(req, res);
}

export function sendNodeReply(reply: HttpReply, res: ServerResponse): void {
  if (!("attach" in reply)) {
    // With an explicit writeHead and no length, node would frame the body as chunked (a writev of
    // several buffers); a Content-Length lets it send head and body in one write.
    const headers =
      reply.body === undefined || "content-length" in reply.headers
        ? reply.headers
        : { ...reply.headers, "content-length": String(Buffer.byteLength(reply.body)) };
    res.writeHead(reply.status, headers);
    res.end(reply.body);
    return;
  }
  res.writeHead(reply.status, reply.headers);
  res.flushHeaders();
  let closed = false;
  let onClose: (() => void) | undefined;
  res.once("close", () => {
    if (closed) return;
    closed = true;
    onClose?.();
  });
  const sink: SseSink = {
    write(chunk) {
      if (!closed) res.write(chunk);
    },
    close() {
      if (closed) return;
      closed = true;
      res.end();
    },
    onClose(callback) {
      onClose = callback;
    },
  };
  reply.attach(sink);
}

/** Wraps an exchange handler as a node:http request listener. */
export function toNodeListener(handle: (request: HttpRequestLike) => Promise<HttpReply>): NodeListener {
  return (req, res, next) => {
    handle(fromNodeRequest(req, res)).then(
      (reply) => sendNodeReply(reply, res),
      (error: unknown) => {
        if (next) next(error);
        else if (!res.headersSent) {
          res.writeHead(500, { "content-type": "application/json" });
          res.end(
            JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32603, message: "Internal error" } }),
          );
        } else res.end();
      },
    );
  };
}
