/**
 * The Streamable HTTP client's default sender (node:http with a keep-alive Agent of the transport's
 * own) against scripted servers on 127.0.0.1 that misbehave: a garbage status line, a JSON body over
 * the client's limit, a connection reset in the middle of an SSE reply, a chunked body that never
 * ends. Each fails its request with a clear error, and once the transport is closed the server sees
 * every connection it accepted closed. Also: redirects are followed as fetch follows them, and a
 * user-given `fetch` still sends every request.
 */
import { execFile } from "node:child_process";
import type { ServerResponse } from "node:http";
import { createServer as createNetServer } from "node:net";
import { promisify } from "node:util";
import { describe, expect, it, onTestFinished } from "vitest";
import { ConnectionError, SSETransport, StreamableHttpTransport } from "../../src/index.js";
import { listenLocal } from "../helpers/node-host.js";
import { ROOT } from "../helpers/paths.js";
import { scripted, trackConnections } from "../helpers/scripted-http.js";
import { deferred, within } from "../helpers/wait.js";

/** Waits until every connection the server accepted is closed. */
async function allClosed(accepted: Promise<void>[]): Promise<void> {
  expect(accepted.length).toBeGreaterThan(0);
  await within(Promise.all(accepted), 5000, "the server's connections to close");
}

async function connected(url: string, options: { maxEventLength?: number } = {}) {
  const transport = new StreamableHttpTransport({ url, ...options });
  await transport.connect();
  onTestFinished(() => transport.disconnect());
  return transport;
}

function answer(body: Record<string, any> | undefined, res: ServerResponse, result: unknown): void {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({ jsonrpc: "2.0", id: body?.id, result }));
}

describe("Streamable HTTP client on node:http: what it reads from a hostile server", () => {
  it("fails on a garbage status line with a ConnectionError, and closes the connection", async () => {
    const server = createNetServer((socket) => {
      socket.once("data", () => socket.write("THIS IS NOT HTTP\r\n\r\n"));
      socket.on("error", () => {});
    });
    const { accepted } = trackConnections(server);
    const port = await listenLocal(server as never);
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const transport = await connected(`http://127.0.0.1:${port}/mcp`);
    const error = await transport
      .sendRequest({ method: "tools/list" }, { timeout: 10_000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(
      new RegExp(`^Cannot reach http://127\\.0\\.0\\.1:${port}/mcp: Parse Error`),
    );
    await transport.disconnect();
    await allClosed(accepted);
  });

  for (const [what, location, message] of [
    ["is not a URL", "http://[::1", /: Invalid URL/],
    ["names another scheme", "file:///etc/passwd", /: redirected to a file: URL$/],
  ] as const) {
    it(`fails a redirect whose Location ${what} with a ConnectionError, and follows nothing`, async () => {
      let requests = 0;
      const { origin, accepted } = await scripted((_req, _body, res) => {
        requests++;
        res.writeHead(307, { location }).end();
      });
      const transport = await connected(`${origin}/mcp`);
      const error = await transport.sendRequest({ method: "tools/list" }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as Error).message).toMatch(message);
      expect(requests).toBe(1);
      await transport.disconnect();
      await allClosed(accepted);
    });
  }

  it("fails a JSON reply over maxEventLength, announced or chunked, naming the limit", async () => {
    const { origin, accepted } = await scripted((_req, body, res) => {
      const text = JSON.stringify({ jsonrpc: "2.0", id: body?.id, result: { text: "x".repeat(5000) } });
      if (body?.params?.announced) {
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
        res.end(text);
      } else {
        // Chunked, and never ended: the client stops reading at the limit.
        res.writeHead(200, { "content-type": "application/json" });
        res.write(text);
      }
    });
    const transport = await connected(`${origin}/mcp`, { maxEventLength: 1024 });
    for (const announced of [true, false]) {
      const error = await transport
        .sendRequest({ method: "tools/list", params: { announced } }, { timeout: 10_000 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as Error).message).toMatch(
        /body of at least \d{4} bytes, over the client's limit of 1024 \(the transport's maxEventLength option\)/,
      );
    }
    await transport.disconnect();
    await allClosed(accepted);
  });

  it("fails a request whose SSE reply is reset midway (after a progress notification), and closes the rest", async () => {
    const progressed = deferred<unknown>();
    const { origin, accepted } = await scripted((_req, body, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      const token = body?.params?._meta?.progressToken;
      res.write(
        `data: ${JSON.stringify({ jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: token, progress: 1 } })}\n\n`,
      );
      // Half an event, then a TCP reset.
      res.write('data: {"jsonrpc":');
      setImmediate(() => res.socket?.resetAndDestroy());
    });
    const transport = await connected(`${origin}/mcp`);
    const error = await transport
      .sendRequest(
        { method: "tools/call", params: { name: "slow" } },
        { timeout: 10_000, onProgress: (progress) => progressed.resolve(progress) },
      )
      .catch((e: unknown) => e);
    expect(await progressed.promise).toBe(1);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/the response stream was dropped/);
    await transport.disconnect();
    await allClosed(accepted);
  });

  it("fails a request whose JSON reply is reset midway, at once rather than at its timeout", async () => {
    const { origin, accepted } = await scripted((_req, _body, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"jsonrpc":"2.0",');
      setImmediate(() => res.socket?.resetAndDestroy());
    });
    const transport = await connected(`${origin}/mcp`);
    const error = await transport
      .sendRequest({ method: "tools/list" }, { timeout: 30_000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(
      /^Reply from http:\/\/127\.0\.0\.1:\d+\/mcp: the body was cut short/,
    );
    await transport.disconnect();
    await allClosed(accepted);
  });

  it("a cancelled request whose chunked body never ends aborts its HTTP request", async () => {
    const requestClosed = deferred();
    const started = deferred();
    const { origin, accepted } = await scripted((req, _body, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"jsonrpc":"2.0",');
      req.socket.on("close", () => requestClosed.resolve());
      started.resolve();
    });
    const transport = await connected(`${origin}/mcp`);
    const controller = new AbortController();
    const call = transport
      .sendRequest({ method: "tools/list" }, { timeout: 10_000, signal: controller.signal })
      .catch((e: unknown) => e);
    await within(started.promise, 5000, "the server to start the body");
    controller.abort();
    expect(await call).toBeInstanceOf(Error);
    await within(requestClosed.promise, 5000, "the cancelled request's connection to close");
    await transport.disconnect();
    await allClosed(accepted);
  });
});

describe("Streamable HTTP client on node:http: keep-alive, redirects, custom fetch", () => {
  it("reuses one keep-alive connection for sequential calls and closes it on disconnect", async () => {
    const { origin, accepted } = await scripted((_req, body, res) =>
      answer(body, res, { n: body?.params?.n }),
    );
    const transport = await connected(`${origin}/mcp`);
    for (let n = 0; n < 5; n++)
      expect(await transport.sendRequest({ method: "tools/list", params: { n } })).toEqual({ n });
    expect(accepted).toHaveLength(1);
    await transport.disconnect();
    await allClosed(accepted);
  });

  it("hands the connection of an empty 202 back for reuse: notifications do not cost a connection each", async () => {
    let notified = deferred();
    const { origin, accepted } = await scripted((_req, body, res) => {
      if (body?.id === undefined) {
        // A notification: 202 with an empty body, as servers answer them.
        res.writeHead(202, { "content-length": "0" }).end();
        notified.resolve();
        return;
      }
      answer(body, res, { n: body?.params?.n });
    });
    const transport = await connected(`${origin}/mcp`);
    for (let n = 0; n < 5; n++) {
      expect(await transport.sendRequest({ method: "tools/list", params: { n } })).toEqual({ n });
      notified = deferred();
      transport.sendNotification("notifications/roots/list_changed");
      await within(notified.promise, 5000, "the notification");
    }
    // A request may go out while the 202's connection is still on its way back to the pool (it then
    // opens a second one), never more: an empty body left unread would hold its connection.
    expect(accepted.length).toBeLessThanOrEqual(2);
    await transport.disconnect();
    await allClosed(accepted);
  });

  it("follows a 307 to the same origin with the same method, body and headers, as fetch does", async () => {
    const seen: { url: string | undefined; method: string | undefined; auth: string | undefined }[] = [];
    const { origin } = await scripted((req, body, res) => {
      seen.push({ url: req.url, method: req.method, auth: req.headers.authorization });
      if (req.url === "/mcp") {
        res.writeHead(307, { location: "/mcp/" }).end();
        return;
      }
      answer(body, res, { method: body?.method });
    });
    for (const fetcher of [undefined, fetch]) {
      seen.length = 0;
      const transport = new StreamableHttpTransport({
        url: `${origin}/mcp`,
        auth: "t0ken",
        ...(fetcher ? { fetch: fetcher } : {}),
      });
      await transport.connect();
      expect(await transport.sendRequest({ method: "tools/list" })).toEqual({ method: "tools/list" });
      await transport.disconnect();
      expect(seen).toEqual([
        { url: "/mcp", method: "POST", auth: "Bearer t0ken" },
        { url: "/mcp/", method: "POST", auth: "Bearer t0ken" },
      ]);
    }
  });

  it("drops the credentials when a redirect leads to another origin, as fetch does", async () => {
    const seen: (string | undefined)[] = [];
    const other = await scripted((req, body, res) => {
      seen.push(req.headers.authorization);
      answer(body, res, {});
    });
    const { origin } = await scripted((_req, _body, res) => {
      res.writeHead(308, { location: `${other.origin}/mcp` }).end();
    });
    for (const fetcher of [undefined, fetch]) {
      const transport = new StreamableHttpTransport({
        url: `${origin}/mcp`,
        auth: "t0ken",
        ...(fetcher ? { fetch: fetcher } : {}),
      });
      await transport.connect();
      expect(await transport.sendRequest({ method: "tools/list" })).toEqual({});
      await transport.disconnect();
    }
    expect(seen).toEqual([undefined, undefined]);
  });

  it("sends fetch's User-Agent unless the transport's headers give one", async () => {
    const seen: (string | undefined)[] = [];
    const { origin } = await scripted((req, body, res) => {
      seen.push(req.headers["user-agent"]);
      answer(body, res, {});
    });
    for (const headers of [{}, { "User-Agent": "mine/1" }]) {
      for (const fetcher of [undefined, fetch]) {
        const transport = new StreamableHttpTransport({
          url: `${origin}/mcp`,
          headers,
          ...(fetcher ? { fetch: fetcher } : {}),
        });
        await transport.connect();
        await transport.sendRequest({ method: "tools/list" });
        await transport.disconnect();
      }
    }
    expect(seen).toEqual(["node", "node", "mine/1", "mine/1"]);
  });

  it("sends every request through a user-given fetch", async () => {
    const { origin } = await scripted((_req, body, res) => answer(body, res, {}));
    const sent: string[] = [];
    const transport = new StreamableHttpTransport({
      url: `${origin}/mcp`,
      fetch: (input, init) => {
        sent.push(JSON.parse(String(init?.body)).method);
        return fetch(input, init);
      },
    });
    await transport.connect();
    onTestFinished(() => transport.disconnect());
    await transport.sendRequest({ method: "tools/list" });
    await transport.sendRequest({ method: "prompts/list" });
    expect(sent).toEqual(["tools/list", "prompts/list"]);
  });

  it("falls back to the global fetch in a runtime without node:http and node:https", async () => {
    const { origin } = await scripted((_req, body, res) => answer(body, res, {}));
    // A Node process in which importing node:http or node:https fails, as in a Worker without
    // Node compatibility: a resolve hook refuses them.
    const hooks = `data:text/javascript,${encodeURIComponent(`
      export async function resolve(specifier, context, next) {
        if (specifier === "node:http" || specifier === "node:https") throw new Error("no " + specifier + " here");
        return next(specifier, context);
      }`)}`;
    const script = `
      import { register } from "node:module";
      register(${JSON.stringify(hooks)});
      await import("node:http").then(() => { throw new Error("the hook did not apply"); }, () => {});
      const { StreamableHttpTransport } = await import(${JSON.stringify(`${ROOT}src/index.ts`)});
      const transport = new StreamableHttpTransport({ url: process.argv[1] });
      await transport.connect();
      const first = await transport.sendRequest({ method: "tools/list" });
      const second = await transport.sendRequest({ method: "prompts/list" });
      await transport.disconnect();
      process.stdout.write(JSON.stringify([first, second]));
    `;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script, `${origin}/mcp`],
      { cwd: ROOT, timeout: 30_000 },
    );
    expect(JSON.parse(stdout)).toEqual([{}, {}]);
  });
});

describe("legacy HTTP+SSE client on node:http", () => {
  /** A 2024-11-05 HTTP+SSE server: the event stream announces /messages; each POST's answer goes down the stream. */
  async function sseServer() {
    let stream: ServerResponse | undefined;
    const methods: string[] = [];
    const served = await scripted((req, body, res) => {
      if (req.method === "GET") {
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
        res.write("event: endpoint\ndata: /messages?session=1\n\n");
        stream = res;
        return;
      }
      methods.push(body?.method);
      res.writeHead(202).end();
      stream?.write(
        `data: ${JSON.stringify({ jsonrpc: "2.0", id: body?.id, result: { n: body?.params?.n } })}\n\n`,
      );
    });
    return { ...served, methods };
  }

  it("posts over one kept-alive connection beside the stream, and closes both on disconnect", async () => {
    const { origin, accepted } = await sseServer();
    const transport = new SSETransport({ url: `${origin}/sse` });
    await transport.connect();
    for (let n = 0; n < 5; n++)
      expect(await transport.sendRequest({ method: "tools/list", params: { n } })).toEqual({ n });
    // The event stream holds one connection; the five POSTs share the other.
    expect(accepted).toHaveLength(2);
    await transport.disconnect();
    await allClosed(accepted);
  });

  it("sends the stream's GET and every POST through a user-given fetch", async () => {
    const { origin, methods } = await sseServer();
    const sent: string[] = [];
    const transport = new SSETransport({
      url: `${origin}/sse`,
      fetch: (input, init) => {
        sent.push(`${init?.method} ${new URL(String(input)).pathname}`);
        return fetch(input, init);
      },
    });
    await transport.connect();
    onTestFinished(() => transport.disconnect());
    expect(await transport.sendRequest({ method: "tools/list", params: { n: 1 } })).toEqual({ n: 1 });
    expect(sent).toEqual(["GET /sse", "POST /messages"]);
    expect(methods).toEqual(["tools/list"]);
  });
});
