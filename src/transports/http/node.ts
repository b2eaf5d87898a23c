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

export function fromNodeRequest(req: IncomingMessage, res?: ServerResponse): HttpRequestLike {
  const controller = new AbortController();
  res?.once("close", () => {
    if (!res.writableFinished) controller.abort(new Error("The client closed the connection"));
  });
  const headers = req.headers;
  return {
    method: (req.method ?? "GET").toUpperCase(),
    url: new URL(req.url ?? "/", `http://${headers.host ?? "localhost"}`),
    header(name) {
      const value = headers[name];
      return Array.isArray(value) ? value.join(", ") : value;
    },
    headers() {
      const out: Record<string, string> = {};
      for (const [name, value] of Object.entries(headers)) {
        if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
      }
      return out;
    },
    text: (limit) => readLimited(req, limit),
    signal: controller.signal,
  };
}

export function sendNodeReply(reply: HttpReply, res: ServerResponse): void {
  if (!("attach" in reply)) {
    res.writeHead(reply.status, reply.headers);
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
