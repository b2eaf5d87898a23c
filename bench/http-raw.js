// The load generator's HTTP/1.1 client (bench/http-load.js): raw node:net sockets to the servers on
// 127.0.0.1, kept alive, one exchange in flight per socket (no pipelining), requests written as one
// pre-built string (only the body and its Content-Length change per call), and a minimal reply
// parser (status line, headers, a body framed by Content-Length or chunked). It costs the bench
// process a fraction of what node:http's client (ClientRequest, llhttp, IncomingMessage streams)
// does per call, so the figures measured with it are the servers', not the load generator's.
import { connect } from "node:net";

/**
 * Idle sockets are dropped after this long, before the servers' own keep-alive timeout (node:http's
 * and fastmcp-ts's: 5 s) can close one just as a request is sent on it (the exchange would fail as
 * a closed socket). With ~18 rows interleaved, a row's sockets sit idle for more than 5 s between
 * its samples.
 */
const IDLE_SOCKET_MS = 4_000;
const BLANK_LINE = Buffer.from("\r\n\r\n");

/**
 * Keep-alive sockets per server endpoint, shared by the exchanges sent through it: an exchange takes
 * an idle socket (the most recently used) or opens one, so there are as many sockets as exchanges
 * ever in flight at once. `destroy()` closes them all.
 */
export function rawClient() {
  const idle = new Map();
  const all = new Set();
  const pool = {
    release(socket) {
      socket.idleSince = Date.now();
      const list = idle.get(socket.endpoint.key);
      if (list) list.push(socket);
      else idle.set(socket.endpoint.key, [socket]);
    },
    forget(socket) {
      all.delete(socket);
      const list = idle.get(socket.endpoint.key);
      const at = list ? list.indexOf(socket) : -1;
      if (at !== -1) list.splice(at, 1);
    },
  };
  const take = (endpoint) => {
    const list = idle.get(endpoint.key);
    while (list?.length) {
      const socket = list.pop();
      if (Date.now() - socket.idleSince < IDLE_SOCKET_MS) return socket;
      socket.destroy();
    }
    const socket = new RawSocket(pool, endpoint);
    all.add(socket);
    return socket;
  };
  return {
    /** Sends `bytes` (one whole request) to `endpoint`; resolves to the reply. */
    exchange: (endpoint, bytes, label) => take(endpoint).send(bytes, label),
    destroy() {
      for (const socket of all) socket.destroy();
    },
  };
}

/**
 * Requests to `url` through `client` (rawClient()); given a list of URLs (instances of one
 * scaled-out server), each exchange goes to the next one in turn, one turn shared by every kind of
 * request built from this route. `route(method, headers)` pre-builds each endpoint's request head
 * and returns `send(body?)`, which resolves to the reply `{ status, headers, text }` (header names
 * lowercase). An exchange fails on a socket error or close, a malformed reply, or bytes arriving
 * unasked; a failed socket is not used again.
 */
export function route(client, url, label) {
  const endpoints = [url].flat().map((each) => {
    const parsed = new URL(each);
    const host = parsed.hostname;
    const port = Number(parsed.port);
    return { host, port, key: `${host}:${port}`, path: `${parsed.pathname}${parsed.search}` };
  });
  let turn = 0;
  const next = endpoints.length === 1 ? () => 0 : () => turn++ % endpoints.length;
  return (method, headers) => {
    const heads = endpoints.map(({ host, port, path }) => {
      let head = `${method} ${path} HTTP/1.1\r\nhost: ${host}:${port}\r\n`;
      for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
      return head;
    });
    return (body) => {
      const at = next();
      const bytes =
        body === undefined
          ? `${heads[at]}\r\n`
          : `${heads[at]}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
      return client.exchange(endpoints[at], bytes, label);
    };
  };
}

/** One keep-alive socket: at most one exchange in flight, its reply parsed by parseReply. */
class RawSocket {
  constructor(pool, endpoint) {
    this.pool = pool;
    this.endpoint = endpoint;
    this.idleSince = 0;
    this.pending = undefined;
    this.buffered = undefined;
    this.closed = false;
    this.socket = connect({ host: endpoint.host, port: endpoint.port });
    this.socket.setNoDelay(true);
    this.socket.on("data", (chunk) => this.received(chunk));
    this.socket.on("end", () => this.ended());
    this.socket.on("error", (error) => this.lost(error.message));
    this.socket.on("close", () => this.lost("the server closed the connection"));
  }

  send(bytes, label) {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject, label };
      this.socket.write(bytes);
    });
  }

  received(chunk) {
    if (!this.pending) return this.lost("bytes arrived with no request in flight");
    this.buffered = this.buffered ? Buffer.concat([this.buffered, chunk]) : chunk;
    let reply;
    try {
      reply = parseReply(this.buffered, false);
    } catch (error) {
      return this.lost(error.message);
    }
    if (reply) this.complete(reply);
  }

  /** The server ended the stream: that completes a reply framed by neither length nor chunks. */
  ended() {
    let reply;
    try {
      reply = this.pending && this.buffered ? parseReply(this.buffered, true) : undefined;
    } catch (error) {
      return this.lost(error.message);
    }
    if (reply) this.complete(reply);
    else this.lost("the server closed the connection");
  }

  complete(reply) {
    const { resolve } = this.pending;
    this.pending = undefined;
    this.buffered = undefined;
    if (reply.close) this.destroy();
    else this.pool.release(this);
    resolve(reply);
  }

  lost(why) {
    this.destroy();
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(new Error(`${pending.label}: ${why}`));
  }

  destroy() {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.pool.forget(this);
  }
}

/**
 * One whole reply in `bytes`: `{ status, headers, text, close }` (`close`: the server will not keep
 * the socket), or undefined while it is incomplete. `atClose`: the server has ended the stream,
 * which ends a body framed by neither Content-Length nor chunks. Throws on a malformed reply, and on
 * bytes past its end (nothing was pipelined, so nothing else may come).
 */
export function parseReply(bytes, atClose) {
  const headEnd = bytes.indexOf(BLANK_LINE);
  if (headEnd === -1) return undefined;
  const head = bytes.toString("latin1", 0, headEnd);
  const status = Number(head.slice(9, 12));
  if (!(head.startsWith("HTTP/1.1 ") || head.startsWith("HTTP/1.0 ")) || !(status >= 200 && status <= 599))
    throw new Error(`malformed status line: ${head.slice(0, Math.min(100, head.indexOf("\r\n") >>> 0))}`);
  const headers = {};
  let lineEnd = head.indexOf("\r\n");
  while (lineEnd !== -1) {
    const start = lineEnd + 2;
    lineEnd = head.indexOf("\r\n", start);
    const line = lineEnd === -1 ? head.slice(start) : head.slice(start, lineEnd);
    const colon = line.indexOf(":");
    if (colon <= 0) throw new Error(`malformed header line: ${line.slice(0, 100)}`);
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  const close =
    head[7] === "0" ||
    (headers.connection !== undefined && /(^|,)\s*close\s*(,|$)/i.test(headers.connection));
  const bodyStart = headEnd + 4;
  let end;
  let text;
  if (headers["transfer-encoding"] !== undefined && /chunked/i.test(headers["transfer-encoding"])) {
    const parts = [];
    let at = bodyStart;
    for (;;) {
      const lineEnd = bytes.indexOf("\r\n", at);
      if (lineEnd === -1) return undefined;
      const sizeText = bytes.toString("latin1", at, lineEnd);
      const size = Number.parseInt(sizeText, 16);
      if (!/^[0-9a-f]+(;|$)/i.test(sizeText))
        throw new Error(`malformed chunk size: ${sizeText.slice(0, 40)}`);
      if (size === 0) {
        // The last chunk, then trailers (none expected) up to an empty line.
        const trailersEnd = bytes.indexOf(BLANK_LINE, lineEnd);
        if (trailersEnd === -1) return undefined;
        end = trailersEnd + 4;
        break;
      }
      const dataEnd = lineEnd + 2 + size;
      if (bytes.length < dataEnd + 2) return undefined;
      if (bytes[dataEnd] !== 13 || bytes[dataEnd + 1] !== 10)
        throw new Error("malformed chunk: no CRLF after its data");
      parts.push(bytes.subarray(lineEnd + 2, dataEnd));
      at = dataEnd + 2;
    }
    text = (parts.length === 1 ? parts[0] : Buffer.concat(parts)).toString("utf8");
  } else if (headers["content-length"] !== undefined || status === 204 || status === 304) {
    const length = status === 204 || status === 304 ? 0 : Number(headers["content-length"]);
    if (!Number.isSafeInteger(length) || length < 0)
      throw new Error(`malformed content-length: ${headers["content-length"]}`);
    end = bodyStart + length;
    if (bytes.length < end) return undefined;
    text = bytes.toString("utf8", bodyStart, end);
  } else {
    if (!atClose) return undefined;
    return { status, headers, text: bytes.toString("utf8", bodyStart), close: true };
  }
  if (bytes.length > end) throw new Error(`${bytes.length - end} bytes past the end of the reply`);
  return { status, headers, text, close };
}
