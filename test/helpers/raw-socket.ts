/**
 * A tiny HTTP/1.1 client over a plain socket, for what fetch will not send (a chosen Host header,
 * a chunked body without Content-Length, bytes split at chosen places).
 */
import { connect as netConnect, type Socket } from "node:net";

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends raw bytes over a fresh socket and reads one HTTP/1.1 response (Content-Length or chunked
 * body); the socket is destroyed afterwards.
 */
export function rawRequest(port: number, chunks: (string | Buffer)[]): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket: Socket = netConnect(port, "127.0.0.1");
    let data = Buffer.alloc(0);
    let settled = false;
    const finish = (error: Error | undefined, response?: RawResponse) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (error) reject(error);
      else resolve(response as RawResponse);
    };
    const tryParse = (): RawResponse | undefined => {
      const end = data.indexOf("\r\n\r\n");
      if (end < 0) return undefined;
      const head = data.subarray(0, end).toString("latin1").split("\r\n");
      const status = Number(head[0]?.split(" ")[1]);
      const headers: Record<string, string> = {};
      for (const line of head.slice(1)) {
        const colon = line.indexOf(":");
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const rest = data.subarray(end + 4);
      if (headers["content-length"] !== undefined) {
        const length = Number(headers["content-length"]);
        if (rest.length < length) return undefined;
        return { status, headers, body: rest.subarray(0, length).toString("utf8") };
      }
      if (headers["transfer-encoding"] === "chunked") {
        const text = rest.toString("latin1");
        if (!text.includes("\r\n0\r\n\r\n") && !text.startsWith("0\r\n\r\n")) return undefined;
        let body = "";
        let at = 0;
        for (;;) {
          const lineEnd = text.indexOf("\r\n", at);
          const size = Number.parseInt(text.slice(at, lineEnd), 16);
          if (size === 0) break;
          body += text.slice(lineEnd + 2, lineEnd + 2 + size);
          at = lineEnd + 2 + size + 2;
        }
        return { status, headers, body: Buffer.from(body, "latin1").toString("utf8") };
      }
      return undefined;
    };
    socket.on("data", (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const response = tryParse();
      if (response) finish(undefined, response);
    });
    socket.on("error", (error) => {
      // The server may reset the connection once it has answered (an unread oversized body).
      const response = tryParse();
      finish(response ? undefined : error, response);
    });
    socket.on("close", () => {
      const response = tryParse();
      finish(response ? undefined : new Error(`connection closed: ${data.toString("utf8")}`), response);
    });
    socket.on("connect", () => {
      for (const chunk of chunks) socket.write(chunk);
    });
  });
}

/** An HTTP/1.1 request head. */
export function head(method: string, path: string, headers: Record<string, string | number>): string {
  return `${method} ${path} HTTP/1.1\r\n${Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join("")}\r\n`;
}
