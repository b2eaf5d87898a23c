/**
 * Raw HTTP helpers for the transport tests: modern request builders, a JSON-RPC error reader, an
 * SSE reader over a fetch body, and a tiny HTTP/1.1 client over a plain socket (for a Host header
 * fetch will not send, or a chunked body without Content-Length).
 */
import { connect as netConnect, type Socket } from "node:net";
import { expect } from "vitest";

export const MODERN = "2026-07-28";

export const META = {
  "io.modelcontextprotocol/protocolVersion": MODERN,
  "io.modelcontextprotocol/clientCapabilities": {},
  "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1" },
};

export const ACCEPT_BOTH = "application/json, text/event-stream";

let nextId = 1;

/** A 2026-07-28 request body. */
export function modernBody(
  method: string,
  params: Record<string, unknown> = {},
  meta: Record<string, unknown> = META,
): Record<string, unknown> {
  return { jsonrpc: "2.0", id: nextId++, method, params: { ...params, _meta: meta } };
}

/** The headers a conforming 2026-07-28 client sends for `method` (and `name` when it names one). */
export function modernHeaders(method: string, name?: string): Record<string, string> {
  return {
    "content-type": "application/json",
    accept: ACCEPT_BOTH,
    "mcp-protocol-version": MODERN,
    "mcp-method": method,
    ...(name === undefined ? {} : { "mcp-name": name }),
  };
}

export function post(
  url: string,
  body: unknown,
  headers: Record<string, string>,
  init: RequestInit = {},
): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
    ...init,
  });
}

/** A modern `tools/call` with all the headers right (plus `extra`). */
export function callTool(
  url: string,
  name: string,
  args: Record<string, unknown>,
  extra: Record<string, string> = {},
  init: RequestInit = {},
): Promise<Response> {
  return post(
    url,
    modernBody("tools/call", { name, arguments: args }),
    { ...modernHeaders("tools/call", name), ...extra },
    init,
  );
}

export interface RpcError {
  status: number;
  headers: Headers;
  id: unknown;
  code: number;
  message: string;
  data: unknown;
}

/** Asserts the reply is `status` with a JSON-RPC error body of `code`; returns the error. */
export async function expectRpcError(response: Response, status: number, code: number): Promise<RpcError> {
  const text = await response.text();
  expect({ status: response.status, text }).toMatchObject({ status });
  expect(response.headers.get("content-type") ?? "").toMatch(/^application\/json/);
  const body = JSON.parse(text);
  expect(body.jsonrpc).toBe("2.0");
  expect(body).not.toHaveProperty("result");
  expect(body.error).toMatchObject({ code });
  expect(typeof body.error.message).toBe("string");
  return {
    status: response.status,
    headers: response.headers,
    id: body.id,
    code: body.error.code,
    message: body.error.message,
    data: body.error.data,
  };
}

/** The server still answers a correct modern request (add 2 + 3). */
export async function expectAlive(url: string): Promise<void> {
  const response = await callTool(url, "add", { a: 2, b: 3 });
  expect(response.status).toBe(200);
  const body = await response.json();
  expect(body.result?.content?.[0]?.text).toBe("5");
}

/** Reads SSE events from a fetch body. */
export class SseReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  private buffer = "";

  constructor(response: Response) {
    if (!response.body) throw new Error("no body");
    this.reader = response.body.getReader();
  }

  /** The next event with data (comments and priming events skipped), or undefined at the end. */
  async next(): Promise<{ event?: string; id?: string; data: string } | undefined> {
    for (;;) {
      const at = this.buffer.indexOf("\n\n");
      if (at >= 0) {
        const block = this.buffer.slice(0, at);
        this.buffer = this.buffer.slice(at + 2);
        const event: { event?: string; id?: string; data: string } = { data: "" };
        const data: string[] = [];
        for (const line of block.split("\n")) {
          if (line.startsWith(":")) continue;
          const colon = line.indexOf(":");
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
          if (field === "data") data.push(value);
          else if (field === "event") event.event = value;
          else if (field === "id") event.id = value;
        }
        event.data = data.join("\n");
        if (event.data !== "") return event;
        continue;
      }
      const { done, value } = await this.reader.read();
      if (done) return undefined;
      this.buffer += this.decoder.decode(value, { stream: true });
    }
  }

  /**
   * The next comment-only block (such as a keep-alive), or undefined at the end; events before it
   * stay for `next()`.
   */
  async comment(): Promise<string | undefined> {
    let from = 0;
    for (;;) {
      const at = this.buffer.indexOf("\n\n", from);
      if (at >= 0) {
        const block = this.buffer.slice(from, at);
        if (block !== "" && block.split("\n").every((line) => line.startsWith(":"))) {
          this.buffer = this.buffer.slice(0, from) + this.buffer.slice(at + 2);
          return block;
        }
        from = at + 2;
        continue;
      }
      const { done, value } = await this.reader.read();
      if (done) return undefined;
      this.buffer += this.decoder.decode(value, { stream: true });
    }
  }

  /** The next event's data as JSON. */
  async message(): Promise<any> {
    const event = await this.next();
    if (!event) throw new Error("the stream ended");
    return JSON.parse(event.data);
  }

  /** Resolves true when the stream ends (reads and drops what is left). */
  async ended(): Promise<boolean> {
    for (;;) {
      const { done } = await this.reader.read();
      if (done) return true;
    }
  }

  cancel(): Promise<void> {
    return this.reader.cancel().catch(() => {});
  }
}

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

/** Resolves once `check()` holds, polling; rejects after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs = 5000, what = "condition"): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
