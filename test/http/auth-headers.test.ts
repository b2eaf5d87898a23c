/**
 * Custom transport headers and bearer auth reach the server over Streamable HTTP (both eras),
 * legacy SSE and WebSocket; a missing or wrong token makes connect() fail with an error naming 401.
 * A credentials provider (ClientAuthProvider) is told of each 401 and the request goes again with
 * its new credentials, at most twice.
 */
import { describe, expect, it } from "vitest";
import type { AuthInfo } from "../../src/auth/types.js";
import {
  type AuthChallenge,
  BearerAuth,
  type ClientAuthProvider,
  type ClientOptions,
  type ClientTransport,
  ConnectionError,
  FastMCP,
  SSETransport,
  StaticTokenVerifier,
  StreamableHttpTransport,
  type TokenVerifier,
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

/**
 * A credentials provider of the user's own (the interface OAuth and ClientCredentials implement):
 * it holds a token the server may refuse, and gets a new one when told of the refusal.
 */
class RotatingAuth implements ClientAuthProvider {
  readonly challenges: AuthChallenge[] = [];
  constructor(
    private current: string,
    private readonly next: string | undefined,
    private readonly async = false,
  ) {}
  headers(): Record<string, string> | Promise<Record<string, string>> {
    const headers = { Authorization: `Bearer ${this.current}` };
    return this.async ? Promise.resolve(headers) : headers;
  }
  async unauthorized(challenge: AuthChallenge): Promise<boolean> {
    this.challenges.push(challenge);
    if (this.next === undefined) return true; // keeps claiming it has something new
    this.current = this.next;
    return true;
  }
}

/** Tokens the server takes, changeable while it runs (a revoked token, a refreshed one). */
class MutableTokens implements TokenVerifier {
  readonly valid = new Set<string>();
  verify(token: string): AuthInfo | undefined {
    // A refreshed token of the same subject keeps its sessions (session-owner.ts keys on iss, client, sub).
    return this.valid.has(token)
      ? { token, clientId: "me", subject: "ada", claims: { iss: "test", sub: "ada" } }
      : undefined;
  }
}

async function serveMutable(kind: Kind) {
  const tokens = new MutableTokens();
  const mcp = new FastMCP({ name: "rotating", auth: tokens });
  mcp.tool("whoami", (_args, ctx) => ctx.auth?.token ?? null);
  mcp.tool("session", (_args, ctx) => ctx.sessionId ?? "none");
  const listening = await serve(mcp, { transport: kind });
  return { tokens, url: listening.urls[kind] as string };
}

describe.each(CASES)("a credentials provider, $kind transport, $era era", ({ kind, options }) => {
  it("is told of a 401 with the server's challenge and the request goes again with its new token", async () => {
    const { tokens, url } = await serveMutable(kind);
    tokens.valid.add("fresh");
    const auth = new RotatingAuth("stale", "fresh", kind === "sse");
    const client = await connect(makeTransport(kind, url, {}), { ...options, auth });
    expect((await client.callTool("whoami")).text).toBe("fresh");
    // One refusal, however many requests connecting took: the first one got the new token.
    expect(auth.challenges).toHaveLength(1);
    expect(auth.challenges[0]).toMatchObject({ url, status: 401 });
    expect(auth.challenges[0]?.wwwAuthenticate).toContain('error="invalid_token"');
  });

  it("a request refused again and again fails after two retries, with the 401", async () => {
    const { url } = await serveMutable(kind);
    const auth = new RotatingAuth("stale", undefined);
    const client = await connect(makeTransport(kind, url, {}), { ...options, auth }, false);
    const error = await client.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/\b401\b/);
    // The first refusal of the first request, then its two retries: asked twice, then given up.
    expect(auth.challenges).toHaveLength(2);
  });
});

// A WebSocket checks the token at its upgrade only: these are the transports with a request per message.
describe.each(CASES.filter(({ kind }) => kind !== "ws"))(
  "a credentials provider, $kind transport, $era era",
  ({ kind, options }) => {
    it("a token revoked mid-session: the next call is refused, retried with the new token, and the session goes on", async () => {
      const { tokens, url } = await serveMutable(kind);
      tokens.valid.add("first");
      const auth = new RotatingAuth("first", "second");
      const client = await connect(makeTransport(kind, url, {}), { ...options, auth });
      expect((await client.callTool("whoami")).text).toBe("first");
      const session = (await client.callTool("session")).text;
      tokens.valid.delete("first");
      tokens.valid.add("second");
      expect((await client.callTool("whoami")).text).toBe("second");
      expect(auth.challenges.map((c) => c.status)).toEqual([401]);
      expect((await client.callTool("whoami")).text).toBe("second");
      // The same session (a legacy one was not started anew behind the caller's back).
      expect((await client.callTool("session")).text).toBe(session);
    });
  },
);
