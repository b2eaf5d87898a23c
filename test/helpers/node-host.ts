/**
 * Plain node:http hosts on 127.0.0.1 for tests that serve a handler themselves (a web-standard
 * fetch handler, an SDK server's transport, a stub), and the cleanup list that closes them.
 */
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";

/** Listens on 127.0.0.1 with a free port (port 0); resolves with the port. */
export async function listenLocal(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

/** A port nothing listens on (it was free a moment ago): for refused connections. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  const port = await listenLocal(probe);
  await new Promise((resolve) => probe.close(resolve));
  return port;
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

/** A node:http server on 127.0.0.1 with a free port; `close()` ends every connection. */
export async function serveNode(listener: RequestListener): Promise<{
  origin: string;
  close(): Promise<void>;
}> {
  const server = createServer(listener);
  const port = await listenLocal(server);
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
