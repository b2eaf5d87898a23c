/**
 * The SSE client transports against scripted servers on 127.0.0.1 that send what a real server
 * should not: an event over the client's `maxEventLength` (on a POST reply stream, on the legacy
 * GET stream, on the HTTP+SSE stream), a `retry:` too large for setTimeout, and an HTTP+SSE
 * `endpoint` event that is not a URL or names another origin.
 */
import type { ServerResponse } from "node:http";
import { describe, expect, it, onTestFinished } from "vitest";
import { ConnectionError, SSETransport, StreamableHttpTransport } from "../../src/index.js";
import { scripted } from "../helpers/scripted-http.js";
import { deferred, within } from "../helpers/wait.js";

const LIMIT = 1024;
const BIG = "x".repeat(5000);

function openStream(res: ServerResponse): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
}

function sse(message: unknown, id?: string): string {
  return `${id === undefined ? "" : `id: ${id}\n`}data: ${JSON.stringify(message)}\n\n`;
}

/** Answers initialize (session `s1`) and notifications/initialized like a 2025-11-25 server; true if it did. */
function legacyHandshake(body: Record<string, any> | undefined, res: ServerResponse): boolean {
  if (body?.method === "initialize") {
    res.writeHead(200, { "content-type": "application/json", "mcp-session-id": "s1" });
    res.end(
      JSON.stringify({
        jsonrpc: "2.0",
        id: body.id,
        result: { protocolVersion: "2025-11-25", capabilities: {}, serverInfo: { name: "s", version: "1" } },
      }),
    );
    return true;
  }
  if (body?.method === "notifications/initialized") {
    res.writeHead(202).end();
    return true;
  }
  return false;
}

const INITIALIZE = {
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
};

describe("SSE client transports: an event over maxEventLength", () => {
  it("fails the request at once, naming the size and the limit, when its POST reply event is too large", async () => {
    const { origin } = await scripted((_req, body, res) => {
      openStream(res);
      // The response, too large for the client; the stream then stays open.
      res.write(sse({ jsonrpc: "2.0", id: body?.id, result: { content: [{ type: "text", text: BIG }] } }));
    });
    const transport = new StreamableHttpTransport({ url: `${origin}/mcp`, maxEventLength: LIMIT });
    await transport.connect();
    onTestFinished(() => transport.disconnect());
    const error = await transport
      .sendRequest({ method: "tools/call", params: { name: "big" } }, { timeout: 10_000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/event of at least \d{4} characters/);
    expect((error as Error).message).toMatch(/limit of 1024 \(the transport's maxEventLength option\)/);
  });

  it("reports an oversized event on the legacy GET stream through onError", async () => {
    const { origin } = await scripted((req, body, res) => {
      if (legacyHandshake(body, res)) return;
      if (req.method === "GET") {
        openStream(res);
        res.write(
          sse({ jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: BIG } }),
        );
        return;
      }
      res.writeHead(200).end();
    });
    const reported = deferred<Error>();
    const transport = new StreamableHttpTransport({
      url: `${origin}/mcp`,
      maxEventLength: LIMIT,
      onError: (error) => reported.resolve(error),
    });
    await transport.connect();
    onTestFinished(() => transport.disconnect());
    await transport.sendRequest(INITIALIZE);
    transport.sendNotification("notifications/initialized");
    const error = await within(reported.promise, 10_000, "the GET stream's oversized event reported");
    expect(error.message).toMatch(/GET stream/);
    expect(error.message).toMatch(/event of at least \d{4} characters, over the client's limit of 1024/);
  });

  it("fails the pending requests of the legacy HTTP+SSE stream at once, and the connection goes on", async () => {
    let stream: ServerResponse | undefined;
    const { origin } = await scripted((req, body, res) => {
      if (req.method === "GET") {
        openStream(res);
        res.write("event: endpoint\ndata: /messages?session=1\n\n");
        stream = res;
        return;
      }
      res.writeHead(202).end();
      const text = body?.method === "big" ? BIG : "small";
      stream?.write(sse({ jsonrpc: "2.0", id: body?.id, result: { text } }));
    });
    const transport = new SSETransport({ url: `${origin}/sse`, maxEventLength: LIMIT });
    await transport.connect();
    onTestFinished(() => transport.disconnect());
    const error = await transport
      .sendRequest({ method: "big" }, { timeout: 10_000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(
      /event of at least \d{4} characters, over the client's limit of 1024/,
    );
    expect(await transport.sendRequest({ method: "small" }, { timeout: 10_000 })).toEqual({ text: "small" });
  });
});

describe("Streamable HTTP client: the server's retry hint", () => {
  it("clamps a retry: over setTimeout's range to reconnect.maxDelayMs instead of reconnecting after 1 ms", async () => {
    let droppedAt = 0;
    let resumedAt = 0;
    let callId: unknown;
    const { origin } = await scripted((req, body, res) => {
      if (legacyHandshake(body, res)) return;
      if (req.method === "GET" && req.headers["last-event-id"] === "e1") {
        resumedAt = performance.now();
        openStream(res);
        res.end(sse({ jsonrpc: "2.0", id: callId, result: { text: "resumed" } }, "e2"));
        return;
      }
      if (req.method === "GET") {
        res.writeHead(405).end();
        return;
      }
      if (body?.method === "tools/call") {
        // A priming event with a retry far past 2^31-1 ms, then the stream drops without the reply.
        callId = body.id;
        openStream(res);
        res.end("id: e1\nretry: 99999999999\ndata: \n\n", () => {
          droppedAt = performance.now();
        });
        return;
      }
      res.writeHead(200).end();
    });
    const transport = new StreamableHttpTransport({ url: `${origin}/mcp`, reconnect: { maxDelayMs: 400 } });
    await transport.connect();
    onTestFinished(() => transport.disconnect());
    await transport.sendRequest(INITIALIZE);
    transport.sendNotification("notifications/initialized");
    const result = await transport.sendRequest({ method: "tools/call", params: { name: "t" } });
    expect(result).toEqual({ text: "resumed" });
    expect(resumedAt - droppedAt).toBeGreaterThanOrEqual(390);
  });
});

describe("HTTP+SSE client: the server's endpoint event", () => {
  for (const [what, endpoint, message] of [
    ["not a URL", "http://[::1", /endpoint that is not a URL: http:\/\/\[::1/],
    [
      "on another origin",
      "http://evil.example/messages",
      /endpoint on another origin: http:\/\/evil\.example/,
    ],
  ] as const) {
    it(`refuses an endpoint ${what}: connect fails with a ConnectionError naming it, nothing is posted`, async () => {
      let posts = 0;
      const { origin } = await scripted((req, _body, res) => {
        if (req.method === "GET") {
          openStream(res);
          res.write(`event: endpoint\ndata: ${endpoint}\n\n`);
          return;
        }
        posts++;
        res.writeHead(202).end();
      });
      const transport = new SSETransport({ url: `${origin}/sse` });
      onTestFinished(() => transport.disconnect());
      const error = await transport.connect().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as Error).message).toMatch(message);
      expect(posts).toBe(0);
    });
  }
});
