/**
 * Shared helpers of the network interop tests: a check that every server and socket a test opened
 * is gone once it has cleaned up, a fetch that records what goes over the wire, a node:http host
 * for web-standard handlers, and the global `WebSocket` the v1 SDK's WebSocket client needs.
 */
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";

/** `vi.waitFor` options: an upper bound that holds on a busy machine (its default, 1 s, may not). */
export const WAIT_FOR = { timeout: 5000, interval: 20 } as const;

/** Listening servers and open TCP sockets of this process (from Node's active resources). */
export function openHandles(): { servers: number; sockets: number } {
  const active = process.getActiveResourcesInfo();
  return {
    servers: active.filter((name) => name === "TCPServerWrap").length,
    sockets: active.filter((name) => name === "TCPSocketWrap").length,
  };
}

/** Waits until no server or socket beyond `before` is open; throws naming what is left. */
export async function expectNoNewHandles(
  before: { servers: number; sockets: number },
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let now = openHandles();
  while (now.servers > before.servers || now.sockets > before.sockets) {
    if (Date.now() > deadline) {
      throw new Error(
        `Still open after cleanup: ${now.servers - before.servers} server(s), ` +
          `${now.sockets - before.sockets} socket(s)`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
    now = openHandles();
  }
}

/** Runs registered cleanups last-in first-out; used from afterEach so nothing outlives a test. */
export class Cleanup {
  private readonly tasks: (() => unknown)[] = [];

  add(task: () => unknown): void {
    this.tasks.push(task);
  }

  async run(): Promise<void> {
    const errors: unknown[] = [];
    while (this.tasks.length > 0) {
      const task = this.tasks.pop() as () => unknown;
      try {
        await task();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw errors[0];
  }
}

/** One HTTP request as it went over the wire. */
export interface WireRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** The parsed JSON body of a POST, if any. */
  body: unknown;
  status?: number;
  responseHeaders?: Record<string, string>;
}

/** A fetch that records each request (and the status and headers of its response). */
export function recordingFetch(): { fetch: typeof fetch; requests: WireRequest[] } {
  const requests: WireRequest[] = [];
  const recorder = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const text = typeof init?.body === "string" ? init.body : undefined;
    const entry: WireRequest = {
      method: request.method,
      url: request.url,
      headers,
      body: text ? JSON.parse(text) : undefined,
    };
    requests.push(entry);
    const response = await fetch(input, init);
    entry.status = response.status;
    entry.responseHeaders = {};
    response.headers.forEach((value, name) => {
      (entry.responseHeaders as Record<string, string>)[name] = value;
    });
    return response;
  };
  return { fetch: recorder as typeof fetch, requests };
}

/** The POSTed JSON-RPC requests (with an id) among recorded requests. */
export function postedRequests(requests: readonly WireRequest[]): (WireRequest & {
  body: { method: string; id: number | string; params?: Record<string, any> };
})[] {
  return requests.filter(
    (entry): entry is WireRequest & { body: { method: string; id: number | string } } =>
      entry.method === "POST" &&
      typeof entry.body === "object" &&
      entry.body !== null &&
      "method" in entry.body &&
      "id" in entry.body,
  );
}

/** A node:http server on 127.0.0.1 with a free port; `close()` ends every connection. */
export async function serveNode(listener: RequestListener): Promise<{
  origin: string;
  close(): Promise<void>;
}> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Serves an async node handler on 127.0.0.1 (a failure answers 500 with its text); `cleanup` runs
 * `close` and then closes the server after the test.
 */
export async function serveAsync(
  cleanup: Cleanup,
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  close?: () => Promise<void>,
): Promise<{ origin: string }> {
  const host = await serveNode((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    });
  });
  cleanup.add(async () => {
    await close?.();
    await host.close();
  });
  return host;
}

/** Serves a web-standard fetch handler from node:http (a minimal adapter, streaming the reply). */
export function nodeListenerFor(handle: (request: Request) => Promise<Response>): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const controller = new AbortController();
    res.once("close", () => {
      if (!res.writableFinished) controller.abort();
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
    }
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    const request = new Request(new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`), {
      method: req.method ?? "GET",
      headers,
      signal: controller.signal,
      ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: "half" } : {}),
    } as RequestInit);
    handle(request).then(
      async (response) => {
        const out: Record<string, string> = {};
        response.headers.forEach((value, name) => {
          out[name] = value;
        });
        res.writeHead(response.status, out);
        res.flushHeaders();
        if (!response.body) {
          res.end();
          return;
        }
        const reader = response.body.getReader();
        controller.signal.addEventListener("abort", () => void reader.cancel().catch(() => {}));
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            res.write(value);
          }
        } catch {
          // the client went away
        }
        res.end();
      },
      (error: unknown) => {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(String(error));
      },
    );
  };
}

/**
 * Installs the `ws` package's WebSocket as the global one (absent on Node 20) for the v1 SDK's
 * WebSocketClientTransport; returns a function restoring what was there. `headers` are sent with
 * every handshake (the browser-style constructor the SDK calls has no way to pass them).
 */
export async function installGlobalWebSocket(headers?: Record<string, string>): Promise<() => void> {
  const { WebSocket: WsWebSocket } = await import("ws");
  const had = Object.hasOwn(globalThis, "WebSocket");
  const previous = (globalThis as { WebSocket?: unknown }).WebSocket;
  const Impl = headers
    ? class extends WsWebSocket {
        constructor(url: string | URL, protocols?: string | string[]) {
          super(url, protocols, { headers });
        }
      }
    : WsWebSocket;
  (globalThis as { WebSocket?: unknown }).WebSocket = Impl;
  return () => {
    if (had) (globalThis as { WebSocket?: unknown }).WebSocket = previous;
    else delete (globalThis as { WebSocket?: unknown }).WebSocket;
  };
}
