/**
 * Custom transport headers and bearer auth reach the server over Streamable HTTP (both eras),
 * legacy SSE and WebSocket; a missing or wrong token makes connect() fail with an error naming 401.
 */
import { describe, expect, it } from "vitest";
import {
  BearerAuth,
  type ClientOptions,
  type ClientTransport,
  ConnectionError,
  FastMCP,
  SSETransport,
  StaticTokenVerifier,
  StreamableHttpTransport,
  WSTransport,
} from "../../src/index.js";
import {
  closeAfterEach,
  connect,
  createTestServer,
  recordRequests,
  serve,
} from "../helpers/http-test-server.js";

closeAfterEach();

type Kind = "http" | "sse" | "ws";

function makeTransport(kind: Kind, url: string, headers: Record<string, string>): ClientTransport {
  if (kind === "http") return new StreamableHttpTransport({ url, headers });
  if (kind === "sse") return new SSETransport({ url, headers });
  return new WSTransport({ url, headers });
}

async function serveSecure(kind: Kind) {
  const mcp = new FastMCP({
    name: "secure",
    auth: new StaticTokenVerifier({ tok: { clientId: "me", scopes: ["a"] } }),
  });
  mcp.tool("whoami", (_args, ctx) => ({
    auth: ctx.auth ?? null,
    headers: ctx.headers ?? null,
  }));
  const listening = await serve(mcp, { transport: kind });
  const seen = recordRequests(listening);
  return { listening, seen, url: listening.urls[kind] as string };
}

const ERAS: [string, ClientOptions][] = [
  ["auto", {}],
  ["2025-11-25", { protocolVersion: "2025-11-25" }],
];

const CASES = (["http", "sse", "ws"] as Kind[]).flatMap((kind) =>
  ERAS.map(([era, options]) => ({ kind, era, options })),
);

describe.each(CASES)("$kind transport, $era era", ({ kind, options }) => {
  it("sends custom headers and BearerAuth on every request; ctx.auth holds the verified identity", async () => {
    const { seen, url } = await serveSecure(kind);
    const client = await connect(makeTransport(kind, url, { "X-Team": "blue" }), {
      ...options,
      auth: new BearerAuth("tok"),
    });
    const result = await client.callTool("whoami");
    const data = result.data as { auth: unknown; headers: Record<string, string> | null };
    expect(data.auth).toEqual({ token: "tok", clientId: "me", scopes: ["a"] });
    // ctx.headers: the headers of the HTTP request behind the call (the POST on Streamable HTTP, the
    // stream's GET on SSE, the upgrade on WebSocket), lower-case names.
    expect(data.headers).toMatchObject({ authorization: "Bearer tok", "x-team": "blue" });
    // Every request that reached the server (POSTs, GET streams, the WebSocket upgrade) carried both.
    expect(seen.length).toBeGreaterThan(0);
    for (const request of seen) {
      expect(request.headers.authorization, `${request.method} ${request.url}`).toBe("Bearer tok");
      expect(request.headers["x-team"], `${request.method} ${request.url}`).toBe("blue");
    }
    if (kind === "ws") expect(seen.map((r) => r.method)).toEqual(["GET"]);
    else expect(seen.some((r) => r.method === "POST")).toBe(true);
  });

  it("accepts a token string as the auth option, and the URL auto-detected transport carries it", async () => {
    const { url } = await serveSecure(kind);
    const client = await connect(url, { ...options, auth: "tok" });
    expect(((await client.callTool("whoami")).data as { auth: unknown }).auth).toMatchObject({
      clientId: "me",
    });
  });

  it("fails to connect without a token, with an error naming 401", async () => {
    const { url } = await serveSecure(kind);
    const client = await connect(url, options, false);
    const error = await client.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/\b401\b/);
    expect((error as Error).message).toContain(url);
    expect(client.connected).toBe(false);
  });

  it("fails to connect with a wrong token, with an error naming 401", async () => {
    const { url } = await serveSecure(kind);
    const client = await connect(url, { ...options, auth: new BearerAuth("wrong") }, false);
    const error = await client.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/\b401\b/);
    expect(client.connected).toBe(false);
  });
});

describe("401 details over Streamable HTTP", () => {
  it("surfaces the server's reason and WWW-Authenticate challenge", async () => {
    const { url } = await serveSecure("http");
    const missing = await connect(url, {}, false);
    await expect(missing.connect()).rejects.toThrow(
      /HTTP 401 Unauthorized .*Missing bearer token.*WWW-Authenticate: Bearer realm="mcp"/,
    );
    const wrong = await connect(url, { auth: "nope" }, false);
    await expect(wrong.connect()).rejects.toThrow(
      /HTTP 401 .*Invalid or expired token.*error="invalid_token"/,
    );
    const raw = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
    });
    expect(raw.status).toBe(401);
    expect(raw.headers.get("www-authenticate")).toBe('Bearer realm="mcp"');
  });

  it("ctx.auth is undefined without a verifier", async () => {
    const { mcp } = createTestServer();
    const listening = await serve(mcp);
    const client = await connect(listening.url, { auth: "anything" });
    const data = (await client.callTool("whoami")).data as { auth: unknown; headers: Record<string, string> };
    expect(data.auth).toBeNull();
    expect(data.headers.authorization).toBe("Bearer anything");
  });
});
