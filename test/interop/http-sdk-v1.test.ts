import { Client as SdkClient } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { WebSocketClientTransport } from "@modelcontextprotocol/sdk/client/websocket.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import {
  type LoggingMessageNotification,
  LoggingMessageNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Client, FastMCP, type ListeningServer, StaticTokenVerifier } from "../../src/index.js";
import { createEverythingServer } from "../fixtures/everything-server.js";
import { Cleanup } from "../helpers/node-host.js";
import { expectNoNewHandles, openHandles } from "../helpers/open-handles.js";
import { installGlobalWebSocket, recordingFetch, type WireRequest } from "../helpers/sdk-interop.js";
import { serveV1Streamable } from "../helpers/sdk-servers.js";
import { WAIT_FOR } from "../helpers/wait.js";

const cleanup = new Cleanup();
let before: ReturnType<typeof openHandles>;
let globalWebSocket: unknown;
beforeEach(() => {
  before = openHandles();
  globalWebSocket = (globalThis as { WebSocket?: unknown }).WebSocket;
});
afterEach(async () => {
  await cleanup.run();
  await expectNoNewHandles(before);
  // The WebSocket lent to the v1 client is taken back.
  expect((globalThis as { WebSocket?: unknown }).WebSocket).toBe(globalWebSocket);
});

type Kind = "http" | "sse" | "ws";

/** Our server on every network transport at once, closed after the test. */
async function listenEverything(mcp: FastMCP = createEverythingServer()): Promise<ListeningServer> {
  const listening = await mcp.listen({ transport: ["http", "sse", "ws"], port: 0 });
  cleanup.add(async () => {
    await listening.close();
    expect(listening.server.listening).toBe(false);
  });
  return listening;
}

/** An official v1 Client connected to `listening` over `kind`; closed after the test. */
async function openSdkClient(listening: ListeningServer, kind: Kind, headers?: Record<string, string>) {
  const recorder = recordingFetch();
  const requestInit = headers ? { requestInit: { headers } } : {};
  let transport: Transport;
  if (kind === "http") {
    transport = new StreamableHTTPClientTransport(new URL(listening.urls.http as string), {
      fetch: recorder.fetch,
      ...requestInit,
    });
  } else if (kind === "sse") {
    transport = new SSEClientTransport(new URL(listening.urls.sse as string), {
      fetch: recorder.fetch,
      ...requestInit,
    });
  } else {
    // The v1 WebSocket client uses the global WebSocket, absent on Node 20: lend it the ws package's.
    const restore = await installGlobalWebSocket(headers);
    cleanup.add(restore);
    transport = new WebSocketClientTransport(new URL(listening.urls.ws as string));
  }
  // The v1 Client hands the version the server answered `initialize` with to the transport.
  const negotiated: string[] = [];
  const setProtocolVersion = transport.setProtocolVersion?.bind(transport);
  transport.setProtocolVersion = (version) => {
    negotiated.push(version);
    setProtocolVersion?.(version);
  };
  const client = new SdkClient({ name: "sdk-v1-client", version: "1.0.0" });
  const logs: LoggingMessageNotification["params"][] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
    logs.push(notification.params);
  });
  // Anything the client finds wrong with what the server sends is reported here; a correct server causes none.
  const errors: Error[] = [];
  client.onerror = (error) => void errors.push(error);
  try {
    await client.connect(transport);
  } catch (error) {
    await client.close().catch(() => {});
    throw error;
  }
  cleanup.add(async () => {
    await client.close();
    expect(errors).toEqual([]);
  });
  return { client, transport, logs, negotiated, errors, requests: recorder.requests };
}

const KINDS: { kind: Kind; label: string }[] = [
  { kind: "http", label: "Streamable HTTP" },
  { kind: "sse", label: "HTTP+SSE" },
  { kind: "ws", label: "WebSocket" },
];

// The features over each transport are rows of the table in sdk-clients.test.ts.

describe("official SDK v1 client → fastmcp-ts server: sessions", () => {
  it("Streamable HTTP: keeps the Mcp-Session-Id we mint, and terminateSession ends it", async () => {
    const listening = await listenEverything();
    const sessions = listening.app.streamable;
    expect(sessions?.stats().sessions).toBe(0);
    const { client, transport, requests } = await openSdkClient(listening, "http");
    const http = transport as StreamableHTTPClientTransport;
    expect(sessions?.stats().sessions).toBe(1);
    const initialize = requests.find((entry) => (entry.body as { method?: string })?.method === "initialize");
    const minted = initialize?.responseHeaders?.["mcp-session-id"];
    expect(minted).toMatch(/^[\x21-\x7e]+$/);
    expect(http.sessionId).toBe(minted);

    await client.callTool({ name: "add", arguments: { a: 1, b: 2 } });
    // Every request after initialize carries the session id and the negotiated version.
    for (const entry of requests.slice(requests.indexOf(initialize as WireRequest) + 1)) {
      expect(entry.headers["mcp-session-id"]).toBe(minted);
      expect(entry.headers["mcp-protocol-version"]).toBe("2025-11-25");
    }

    await http.terminateSession();
    const deleted = requests.at(-1);
    expect(deleted).toMatchObject({ method: "DELETE", status: 200 });
    expect(deleted?.headers["mcp-session-id"]).toBe(minted);
    expect(sessions?.stats().sessions).toBe(0);
    expect(http.sessionId).toBeUndefined();
  });

  it("Streamable HTTP: a session the server forgot is answered 404 (and v1 reports it)", async () => {
    const listening = await listenEverything();
    const { client, transport, errors, requests } = await openSdkClient(listening, "http");
    const sessionId = (transport as StreamableHTTPClientTransport).sessionId as string;
    expect(listening.app.streamable?.endSession(sessionId)).toBe(true);
    // v1 1.32 does not re-initialize by itself: the 404 surfaces as a StreamableHTTPError.
    await expect(client.callTool({ name: "add", arguments: { a: 1, b: 2 } })).rejects.toMatchObject({
      code: 404,
      message: expect.stringContaining("Session not found"),
    });
    expect(requests.at(-1)).toMatchObject({ method: "POST", status: 404 });
    // Ending the session also ended its GET stream, which v1 tried to reopen: 404 too.
    await vi.waitFor(() => expect(errors).toContainEqual(expect.objectContaining({ code: 404 })), WAIT_FOR);
    errors.length = 0;
  });

  it("HTTP+SSE: the stream is the session; closing the client ends it", async () => {
    const listening = await listenEverything();
    const { client, requests } = await openSdkClient(listening, "sse");
    expect(listening.app.sse?.size).toBe(1);
    // One GET opened the stream; every message was POSTed to the announced endpoint.
    const [stream, ...posts] = requests;
    expect(stream).toMatchObject({ method: "GET", status: 200 });
    expect(stream?.responseHeaders?.["content-type"]).toContain("text/event-stream");
    expect(posts.length).toBeGreaterThan(0);
    for (const post of posts) {
      expect(post.method).toBe("POST");
      expect(post.url).toMatch(/\/messages\?session_id=[\w-]+$/);
      expect(post.status).toBe(202);
    }
    await client.close();
    await vi.waitFor(() => expect(listening.app.sse?.size).toBe(0), WAIT_FOR);
  });

  it("WebSocket: the connection is the session; closing the client ends it", async () => {
    const mcp = createEverythingServer();
    const listening = await listenEverything(mcp);
    const { client } = await openSdkClient(listening, "ws");
    expect(mcp.stats().sessions).toBe(1);
    await client.close();
    await vi.waitFor(() => expect(mcp.stats().sessions).toBe(0), WAIT_FOR);
  });
});

describe("official SDK v1 client → fastmcp-ts server with bearer auth", () => {
  /** A server that accepts one token and tells a tool who called. */
  function secureServer(): FastMCP {
    const mcp = new FastMCP({
      name: "secure",
      version: "1.0.0",
      auth: new StaticTokenVerifier({ s3cret: { clientId: "sdk-v1", scopes: ["mcp"] } }),
    });
    mcp.tool("whoami", (_args, ctx) => ({ clientId: ctx.auth?.clientId, scopes: ctx.auth?.scopes }));
    return mcp;
  }

  it.each(KINDS)("$label: a valid bearer token is accepted and reaches ctx.auth", async ({ kind }) => {
    const listening = await listenEverything(secureServer());
    const { client, requests } = await openSdkClient(listening, kind, { Authorization: "Bearer s3cret" });
    const result = await client.callTool({ name: "whoami", arguments: {} });
    expect(result.structuredContent).toEqual({ clientId: "sdk-v1", scopes: ["mcp"] });
    // Over HTTP the token rides every request (v1's requestInit headers); over WebSocket, the handshake.
    if (kind !== "ws") expect(requests.length).toBeGreaterThan(1);
    for (const entry of requests) expect(entry.headers.authorization).toBe("Bearer s3cret");
  });

  it.each(KINDS)("$label: no token or a wrong one is refused with 401", async ({ kind }) => {
    const listening = await listenEverything(secureServer());
    for (const headers of [undefined, { Authorization: "Bearer wrong" }]) {
      const error = await openSdkClient(listening, kind, headers).catch((caught: unknown) => caught);
      // Streamable HTTP and SSE errors carry the status as `code`; the ws package names it in its message.
      if (kind === "ws") expect(String(error)).toContain("Unexpected server response: 401");
      else expect(error).toMatchObject({ code: 401 });
    }
    // What the server answered on the wire: a 401 with a Bearer challenge.
    const response = await fetch(
      kind === "sse" ? (listening.urls.sse as string) : (listening.urls.http as string),
      {
        method: kind === "sse" ? "GET" : "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
        ...(kind === "sse" ? {} : { body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }) }),
      },
    );
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer realm="mcp"/);
    await response.body?.cancel();
  });
});

// ---------------------------------------------------------------------------------------------
// Our Client → an official v1 server mounted on node:http: the features are rows of the table in
// sdk-servers.test.ts; here, the pin it leaves out.

describe("fastmcp-ts Client pinned to 2026-07-28 → official SDK v1 server", () => {
  it("refuses to connect, since a v1 server cannot speak 2026-07-28, naming what it offers", async () => {
    const server = await serveV1Streamable(cleanup, "stateful");
    const client = new Client(server.url, { protocolVersion: "2026-07-28" });
    cleanup.add(() => client.close());
    await expect(client.connect()).rejects.toThrow(
      /does not support protocol 2026-07-28: .*No valid session ID.*legacy \(initialize-based\) server offering 2025-11-25/,
    );
    expect(client.era).toBeUndefined();
    expect(client.connected).toBe(false);
    // The probe, the initialize that learns what the server offers, and the DELETE ending that
    // session: nothing is left on the server.
    expect(server.methods).toEqual(["POST", "POST", "DELETE"]);
    await vi.waitFor(() => expect(server.transports.size).toBe(0));
  });
});
