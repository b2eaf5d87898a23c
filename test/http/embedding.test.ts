/**
 * Embedding: `mcp.webHandler()` driven directly with web-standard Request objects (both eras, JSON
 * and SSE replies), and `mcp.nodeListener()` mounted in a plain node:http server under a custom
 * route or a path prefix, reached by our Client.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import {
  type ClientOptions,
  ErrorCode,
  MetaKey,
  SSETransport,
  StreamableHttpTransport,
  SUPPORTED_PROTOCOL_VERSIONS,
} from "../../src/index.js";
import { closeAfterEach, connect, createTestServer, onCleanup } from "../helpers/http-test-server.js";
import { listenLocal } from "../helpers/node-host.js";
import { parseSse, sseMessages } from "../helpers/sse.js";
import { within } from "../helpers/wait.js";

closeAfterEach();

const BASE = "http://localhost";
const ENVELOPE = {
  [MetaKey.ProtocolVersion]: "2026-07-28",
  [MetaKey.ClientCapabilities]: {},
  [MetaKey.ClientInfo]: { name: "raw-test", version: "1.0.0" },
};

function post(url: string, body: unknown, headers: Record<string, string> = {}): Request {
  return new Request(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

/** A 2026-07-28 request with its envelope and matching routing headers. */
function modern(
  id: number,
  method: string,
  params: Record<string, unknown> = {},
  overrides: Record<string, string> = {},
  meta: Record<string, unknown> = {},
): Request {
  const headers: Record<string, string> = { "mcp-protocol-version": "2026-07-28", "mcp-method": method };
  const name = params.name ?? params.uri;
  if (typeof name === "string") headers["mcp-name"] = name;
  return post(
    `${BASE}/mcp`,
    { jsonrpc: "2.0", id, method, params: { ...params, _meta: { ...ENVELOPE, ...meta } } },
    { ...headers, ...overrides },
  );
}

describe("webHandler, 2026-07-28 requests", () => {
  it("answers server/discover and a tool call with JSON", async () => {
    const handler = createTestServer().mcp.webHandler();
    const discover = await handler(modern(1, "server/discover"));
    expect(discover.status).toBe(200);
    expect(discover.headers.get("content-type")).toContain("application/json");
    expect(discover.headers.get("mcp-session-id")).toBeNull();
    const discovered = (await discover.json()) as { id: number; result: Record<string, any> };
    expect(discovered.id).toBe(1);
    expect(discovered.result.supportedVersions).toEqual([...SUPPORTED_PROTOCOL_VERSIONS]);
    expect(discovered.result._meta?.[MetaKey.ServerInfo]).toMatchObject({ name: "everything" });

    const call = await handler(modern(2, "tools/call", { name: "add", arguments: { a: 5, b: 3 } }));
    expect(call.status).toBe(200);
    expect(call.headers.get("content-type")).toContain("application/json");
    expect(await call.json()).toMatchObject({
      jsonrpc: "2.0",
      id: 2,
      result: { content: [{ type: "text", text: "8" }] },
    });

    const read = await handler(modern(3, "resources/read", { uri: "users://7/profile" }));
    const contents = ((await read.json()) as { result: { contents: { text: string }[] } }).result.contents;
    expect(JSON.parse(contents[0]?.text as string)).toEqual({ id: "7", name: "User 7" });
  });

  it("refuses a body over maxBodyBytes with 413, declared or streamed, and still serves the next request", async () => {
    const handler = createTestServer().mcp.webHandler({ maxBodyBytes: 1024 });
    const big = modern(1, "tools/call", { name: "add", arguments: { a: 1, b: 2, pad: "x".repeat(4096) } });
    const bytes = new TextEncoder().encode(await big.clone().text());
    const headers = Object.fromEntries(big.headers);
    // Declared too large (Content-Length): refused before reading.
    const declared = await handler(
      new Request(big.url, {
        method: "POST",
        headers: { ...headers, "content-length": String(bytes.length) },
        body: bytes,
      }),
    );
    expect(declared.status).toBe(413);
    expect(JSON.stringify(await declared.json())).toContain("exceeds 1024 bytes");
    // No Content-Length: read as it streams, cut at the limit.
    const streamed = new Request(big.url, {
      method: "POST",
      headers,
      body: new ReadableStream({
        start(controller) {
          for (let offset = 0; offset < bytes.length; offset += 512)
            controller.enqueue(bytes.slice(offset, offset + 512));
          controller.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    expect(streamed.headers.get("content-length")).toBeNull();
    const refused = await handler(streamed);
    expect(refused.status).toBe(413);
    expect(JSON.stringify(await refused.json())).toContain("exceeds 1024 bytes");
    const fine = await handler(modern(2, "tools/call", { name: "add", arguments: { a: 1, b: 2 } }));
    expect(fine.status).toBe(200);
  });

  it("streams progress and logs as SSE before the result", async () => {
    const handler = createTestServer().mcp.webHandler();
    const response = await handler(
      modern(
        7,
        "tools/call",
        { name: "progress", arguments: { steps: 3 } },
        {},
        {
          progressToken: "tok-1",
          [MetaKey.LogLevel]: "debug",
        },
      ),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    // The body ends once the result has been sent.
    const messages = sseMessages(await within(response.text(), 5000, "the SSE body to end"));
    expect(messages.map((m) => m.method ?? "result")).toEqual([
      "notifications/progress",
      "notifications/progress",
      "notifications/progress",
      "result",
    ]);
    expect(messages[0]?.params).toMatchObject({
      progressToken: "tok-1",
      progress: 1,
      total: 3,
      message: "step 1",
    });
    expect(messages[3]).toMatchObject({ id: 7, result: { content: [{ type: "text", text: "done" }] } });

    const logged = await handler(
      modern(8, "tools/call", { name: "log", arguments: {} }, {}, { [MetaKey.LogLevel]: "info" }),
    );
    expect(logged.headers.get("content-type")).toContain("text/event-stream");
    const logMessages = sseMessages(await logged.text());
    expect(logMessages[0]).toMatchObject({
      method: "notifications/message",
      params: { level: "info", data: "hello from the log tool" },
    });
    expect(logMessages[1]).toMatchObject({ id: 8, result: { content: [{ text: "logged" }] } });
  });

  it("rejects requests whose headers do not match the body", async () => {
    const handler = createTestServer().mcp.webHandler();
    const wrongName = await handler(
      modern(1, "tools/call", { name: "add", arguments: { a: 1, b: 2 } }, { "mcp-name": "echo" }),
    );
    expect(wrongName.status).toBe(400);
    const body = (await wrongName.json()) as { id: number; error: { code: number; message: string } };
    expect(body.id).toBe(1);
    expect(body.error.code).toBe(ErrorCode.HeaderMismatch);
    expect(body.error.message).toMatch(/Mcp-Name/);

    const noMethod = await handler(
      post(
        `${BASE}/mcp`,
        {
          jsonrpc: "2.0",
          id: 2,
          method: "tools/list",
          params: { _meta: ENVELOPE },
        },
        { "mcp-protocol-version": "2026-07-28" },
      ),
    );
    expect(noMethod.status).toBe(400);
    expect(((await noMethod.json()) as { error: { code: number } }).error.code).toBe(
      ErrorCode.HeaderMismatch,
    );

    const wrongVersion = await handler(modern(3, "tools/list", {}, { "mcp-protocol-version": "2025-11-25" }));
    expect(wrongVersion.status).toBe(400);

    // No GET stream and no DELETE without a legacy session.
    expect(
      (await handler(new Request(`${BASE}/mcp`, { headers: { accept: "text/event-stream" } }))).status,
    ).toBe(405);
    expect((await handler(new Request(`${BASE}/mcp`, { method: "DELETE" }))).status).toBe(405);
    // Unknown paths are 404; the health route answers.
    expect((await handler(new Request(`${BASE}/elsewhere`))).status).toBe(404);
    expect(await (await handler(new Request(`${BASE}/health`))).json()).toEqual({ status: "ok" });
  });
});

describe("webHandler, legacy session (2025-11-25)", () => {
  it("initializes a session, answers in it, streams SSE with event ids, replays them, and ends on DELETE", async () => {
    const { mcp } = createTestServer();
    const handler = mcp.webHandler({ path: "/api/mcp" });
    const url = `${BASE}/api/mcp`;
    const init = await handler(
      post(url, {
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: "2025-11-25",
          capabilities: {},
          clientInfo: { name: "raw", version: "1" },
        },
      }),
    );
    expect(init.status).toBe(200);
    const sessionId = init.headers.get("mcp-session-id") as string;
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await init.json()).toMatchObject({ id: 1, result: { protocolVersion: "2025-11-25" } });
    const session = { "mcp-session-id": sessionId, "mcp-protocol-version": "2025-11-25" };

    const initialized = await handler(
      post(url, { jsonrpc: "2.0", method: "notifications/initialized" }, session),
    );
    expect(initialized.status).toBe(202);

    const add = await handler(
      post(
        url,
        { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "add", arguments: { a: 5, b: 3 } } },
        session,
      ),
    );
    expect(add.headers.get("content-type")).toContain("application/json");
    expect(await add.json()).toMatchObject({ id: 2, result: { content: [{ text: "8" }] } });

    // Without the session header, or with an unknown one.
    const noSession = await handler(post(url, { jsonrpc: "2.0", id: 3, method: "tools/list" }));
    expect(noSession.status).toBe(400);
    const unknown = await handler(
      post(url, { jsonrpc: "2.0", id: 4, method: "tools/list" }, { ...session, "mcp-session-id": "nope" }),
    );
    expect(unknown.status).toBe(404);

    // A reply with progress is SSE: a priming event, then events with ids, then the result.
    const progress = await handler(
      post(
        url,
        {
          jsonrpc: "2.0",
          id: 5,
          method: "tools/call",
          params: { name: "progress", arguments: { steps: 2 }, _meta: { progressToken: 99 } },
        },
        session,
      ),
    );
    expect(progress.headers.get("content-type")).toContain("text/event-stream");
    const events = parseSse(await within(progress.text(), 5000, "the SSE reply to end"));
    expect(events[0]?.data).toBe("");
    expect(events.every((event) => event.id?.startsWith(`${sessionId}-`))).toBe(true);
    expect(new Set(events.map((event) => event.id)).size).toBe(events.length);
    const messages = events.filter((event) => event.data !== "").map((event) => JSON.parse(event.data));
    expect(messages.map((m) => m.method ?? "result")).toEqual([
      "notifications/progress",
      "notifications/progress",
      "result",
    ]);
    expect(messages[2]).toMatchObject({ id: 5, result: { content: [{ text: "done" }] } });

    // Resumption: a GET with the priming event's id replays everything after it.
    const replay = await handler(
      new Request(url, {
        headers: { ...session, accept: "text/event-stream", "last-event-id": events[0]?.id as string },
      }),
    );
    expect(replay.status).toBe(200);
    expect(sseMessages(await within(replay.text(), 5000, "the replay to end"))).toEqual(messages);
    const fromSecond = await handler(
      new Request(url, {
        headers: { ...session, accept: "text/event-stream", "last-event-id": events[1]?.id as string },
      }),
    );
    expect(sseMessages(await fromSecond.text())).toEqual(messages.slice(1));
    const bogus = await handler(
      new Request(url, {
        headers: { ...session, accept: "text/event-stream", "last-event-id": "other-1.1" },
      }),
    );
    expect(bogus.status).toBe(404);

    // The GET stream carries list_changed notifications.
    const stream = await handler(new Request(url, { headers: { ...session, accept: "text/event-stream" } }));
    expect(stream.status).toBe(200);
    expect(stream.headers.get("content-type")).toContain("text/event-stream");
    const second = await handler(new Request(url, { headers: { ...session, accept: "text/event-stream" } }));
    expect(second.status).toBe(409);
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    mcp.tool("late", () => "new");
    let text = "";
    const decoder = new TextDecoder();
    while (!text.includes("list_changed")) {
      const { done, value } = await within(reader.read(), 5000, "a list_changed event on the GET stream");
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(sseMessages(text)).toEqual([{ jsonrpc: "2.0", method: "notifications/tools/list_changed" }]);

    // DELETE ends the session, and its GET stream.
    const deleted = await handler(new Request(url, { method: "DELETE", headers: session }));
    expect(deleted.status).toBe(200);
    const rest = await within(reader.read(), 5000, "the GET stream to end");
    expect(rest.done).toBe(true);
    const after = await handler(post(url, { jsonrpc: "2.0", id: 6, method: "tools/list" }, session));
    expect(after.status).toBe(404);
    expect((await handler(new Request(url, { method: "DELETE", headers: session }))).status).toBe(404);
  });
});

async function listenOn(server: Server): Promise<number> {
  const port = await listenLocal(server);
  onCleanup(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return port;
}

const ERAS: [string, ClientOptions, string][] = [
  ["auto", {}, "2026-07-28"],
  ["2025-11-25", { protocolVersion: "2025-11-25" }, "2025-11-25"],
];

describe.each(ERAS)("nodeListener in a plain node:http server, %s era", (_era, options, version) => {
  it("serves MCP under a custom route next to the host's own routes", async () => {
    const { mcp } = createTestServer();
    const listener = mcp.nodeListener({ path: "/api/v1/mcp", healthPath: false });
    const hits: string[] = [];
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      hits.push(`${req.method} ${req.url}`);
      if (req.url?.startsWith("/api/v1/mcp")) return listener(req, res);
      if (req.url === "/hello") return res.end("hello from the host");
      res.writeHead(404).end("host 404");
    });
    const port = await listenOn(server);
    const client = await connect(`http://127.0.0.1:${port}/api/v1/mcp`, options);
    expect(client.transport).toBeInstanceOf(StreamableHttpTransport);
    expect(client.protocolVersion).toBe(version);
    expect((await client.callTool("add", { a: 5, b: 3 })).text).toBe("8");
    expect((await client.readResource("config://test")).json()).toEqual({ test: true, env: "development" });
    expect(await (await fetch(`http://127.0.0.1:${port}/hello`)).text()).toBe("hello from the host");
    await client.close();
    expect(hits.every((hit) => hit.includes("/api/v1/mcp") || hit.includes("/hello"))).toBe(true);
    if (version === "2025-11-25") expect(hits).toContain("DELETE /api/v1/mcp");
  });

  it("serves MCP under a path prefix the host strips (Express-style mount)", async () => {
    const { mcp } = createTestServer();
    const listener = mcp.nodeListener();
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      if (req.url?.startsWith("/tenant-a/")) {
        req.url = req.url.slice("/tenant-a".length);
        return listener(req, res);
      }
      res.writeHead(404).end("host 404");
    });
    const port = await listenOn(server);
    const client = await connect(`http://127.0.0.1:${port}/tenant-a/mcp`, options);
    expect(client.protocolVersion).toBe(version);
    expect((await client.callTool("echo", { message: "mounted" })).text).toBe("mounted");
    expect((await client.getPrompt("greet", { name: "Ada" })).text).toBe("Say hello to Ada");
    // Outside the prefix, the host answers.
    expect((await fetch(`http://127.0.0.1:${port}/mcp`, { method: "POST" })).status).toBe(404);
  });

  it("serves the legacy SSE transport on custom routes", async () => {
    const { mcp } = createTestServer();
    const listener = mcp.nodeListener({
      transports: ["sse"],
      ssePath: "/legacy/events",
      messagesPath: "/legacy/messages",
    });
    const server = createServer((req, res) => {
      if (req.url?.startsWith("/legacy/")) return listener(req, res);
      res.writeHead(404).end();
    });
    const port = await listenOn(server);
    const client = await connect(
      new SSETransport({ url: `http://127.0.0.1:${port}/legacy/events` }),
      options,
    );
    expect(client.protocolVersion).toBe(version);
    expect((await client.callTool("add", { a: 5, b: 3 })).text).toBe("8");
  });
});
