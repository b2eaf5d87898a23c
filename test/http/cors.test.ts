/**
 * CORS: preflights answered (or refused) with exactly the headers a browser checks, and the
 * Access-Control headers on JSON replies, SSE streams, errors and 401s, over a real `listen()` and
 * over `webHandler()`; the Host check still applies; without `cors` nothing changes (OPTIONS 405).
 * No browser here, so the headers are asserted exactly.
 */
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FastMCP, type ListeningServer, StaticTokenVerifier } from "../../src/index.js";
import { createTestServer } from "../helpers/http-test-server.js";
import { initialize, legacyHeaders, type Reply, send } from "../helpers/legacy-http.js";
import { modernBody, modernHeaders } from "../helpers/modern-http.js";
import { LEGACY } from "../helpers/protocol.js";

const APP = "https://app.example.com";
const EVIL = "https://evil.example";
const EXPOSED = "Mcp-Session-Id, MCP-Protocol-Version, WWW-Authenticate";
const BASE_ALLOW =
  "content-type, authorization, mcp-protocol-version, mcp-session-id, last-event-id, mcp-method, mcp-name";

/** The Access-Control-* and Vary headers of a reply (what CORS adds), by lower-case name. */
function corsHeaders(headers: Record<string, string> | Headers): Record<string, string> {
  const entries = headers instanceof Headers ? [...headers] : Object.entries(headers);
  return Object.fromEntries(
    entries.filter(([name]) => name.startsWith("access-control-") || name === "vary"),
  );
}

function preflightHeaders(origin: string, asked = "content-type, mcp-protocol-version") {
  return {
    origin,
    "access-control-request-method": "POST",
    "access-control-request-headers": asked,
  };
}

/** The status and headers of a reply that streams (SSE): the request is dropped once they arrive. */
function headersOnly(url: string, headers: Record<string, string>): Promise<Omit<Reply, "body">> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: "GET", headers, agent: false }, (res) => {
      resolve({
        status: res.statusCode ?? 0,
        headers: Object.fromEntries(
          Object.entries(res.headers).map(([name, value]) => [name, String(value)]),
        ),
      });
      req.destroy();
    });
    req.once("error", reject);
    req.end();
  });
}

let open: ListeningServer;
let closed: ListeningServer;
let secure: ListeningServer;

beforeAll(async () => {
  const options = { host: "127.0.0.1", port: 0 } as const;
  open = await createTestServer().mcp.listen({
    ...options,
    cors: { origins: [APP], allowHeaders: ["X-Team"], exposeHeaders: ["X-Trace"], maxAgeSec: 120 },
  });
  closed = await createTestServer().mcp.listen(options);
  const auth = new FastMCP({ name: "secure", auth: new StaticTokenVerifier({ tok: { clientId: "me" } }) });
  secure = await auth.listen({ ...options, cors: { credentials: true } });
});

afterAll(async () => {
  await Promise.all([open, closed, secure].map((server) => server?.close()));
});

describe("listen({ cors })", () => {
  it("answers a preflight from an allowed origin with 204 and exactly the CORS headers", async () => {
    const reply = await send(
      open.url,
      "OPTIONS",
      preflightHeaders(APP, "Content-Type, Mcp-Param-City, x-evil, mcp-param-a\u00e9"),
    );
    expect(reply.status).toBe(204);
    expect(reply.body).toBe("");
    expect(corsHeaders(reply.headers)).toEqual({
      "access-control-allow-origin": APP,
      "access-control-allow-methods": "GET, POST, DELETE, OPTIONS",
      // The MCP headers, the option's, and the Mcp-Param-* asked for; not x-evil, not a non-token.
      "access-control-allow-headers": `${BASE_ALLOW}, x-team, mcp-param-city`,
      "access-control-max-age": "120",
      vary: "Origin",
    });
  });

  it("refuses a preflight from another origin with 403 and no CORS headers", async () => {
    const reply = await send(open.url, "OPTIONS", preflightHeaders(EVIL));
    expect(reply.status).toBe(403);
    expect(JSON.parse(reply.body).error.message).toContain(EVIL);
    expect(corsHeaders(reply.headers)).toEqual({});
  });

  it("still checks the Host: a preflight or request on a rebound name is refused", async () => {
    const host = `attacker.example:${new URL(open.url).port}`;
    const preflight = await send(open.url, "OPTIONS", { ...preflightHeaders(APP), host });
    expect(preflight.status).toBe(403);
    expect(preflight.body).toContain("host attacker.example");
    expect(corsHeaders(preflight.headers)).toEqual({});
    const post = await send(
      open.url,
      "POST",
      { ...modernHeaders("tools/list"), origin: APP, host },
      modernBody("tools/list"),
    );
    expect(post.status).toBe(403);
    expect(post.body).toContain("host attacker.example");
  });

  it("a 2026-07-28 POST from an allowed origin passes the Origin check and exposes the MCP headers", async () => {
    const reply = await send(
      open.url,
      "POST",
      { ...modernHeaders("tools/list"), origin: APP },
      modernBody("tools/list"),
    );
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body).result.tools.length).toBeGreaterThan(0);
    expect(corsHeaders(reply.headers)).toEqual({
      "access-control-allow-origin": APP,
      "access-control-expose-headers": `${EXPOSED}, X-Trace`,
      vary: "Origin",
    });
    // Another cross-origin page is still refused by the Origin check, with nothing to read.
    const evil = await send(
      open.url,
      "POST",
      { ...modernHeaders("tools/list"), origin: EVIL },
      modernBody("tools/list"),
    );
    expect(evil.status).toBe(403);
    expect(corsHeaders(evil.headers)).toEqual({ vary: "Origin" });
  });

  it("a legacy initialize exposes Mcp-Session-Id, and the session's GET stream carries the headers", async () => {
    const init = await send(
      open.url,
      "POST",
      { ...legacyHeaders(undefined), origin: APP },
      {
        jsonrpc: "2.0",
        id: 0,
        method: "initialize",
        params: { protocolVersion: LEGACY, capabilities: {}, clientInfo: { name: "page", version: "1" } },
      },
    );
    expect(init.status).toBe(200);
    expect(init.headers["mcp-session-id"]).toMatch(/.+/);
    expect(init.headers["access-control-allow-origin"]).toBe(APP);
    expect(init.headers["access-control-expose-headers"]).toContain("Mcp-Session-Id");

    const sessionId = await initialize(open.url);
    const stream = await headersOnly(open.url, {
      accept: "text/event-stream",
      "mcp-protocol-version": LEGACY,
      "mcp-session-id": sessionId,
      origin: APP,
    });
    expect(stream.status).toBe(200);
    expect(stream.headers["content-type"]).toBe("text/event-stream");
    expect(corsHeaders(stream.headers)).toEqual({
      "access-control-allow-origin": APP,
      "access-control-expose-headers": `${EXPOSED}, X-Trace`,
      vary: "Origin",
    });
  });

  it("a 401 names the origin (never *) with credentials, so the page can read WWW-Authenticate", async () => {
    const origin = "https://any.example";
    const preflight = await send(secure.url, "OPTIONS", preflightHeaders(origin, "authorization"));
    expect(preflight.status).toBe(204);
    expect(preflight.headers["access-control-allow-origin"]).toBe(origin);
    expect(preflight.headers["access-control-allow-credentials"]).toBe("true");
    expect(preflight.headers["access-control-max-age"]).toBe("600");

    const reply = await send(
      secure.url,
      "POST",
      { ...modernHeaders("tools/list"), origin },
      modernBody("tools/list"),
    );
    expect(reply.status).toBe(401);
    expect(reply.headers["www-authenticate"]).toMatch(/^Bearer/);
    expect(corsHeaders(reply.headers)).toEqual({
      "access-control-allow-origin": origin,
      "access-control-allow-credentials": "true",
      "access-control-expose-headers": EXPOSED,
      vary: "Origin",
    });
  });

  it("without cors: OPTIONS is still 405 and no reply carries CORS headers", async () => {
    const preflight = await send(closed.url, "OPTIONS", preflightHeaders("http://localhost:3000"));
    expect(preflight.status).toBe(405);
    expect(corsHeaders(preflight.headers)).toEqual({});
    // A loopback page passes the Origin check as before, but gets nothing that lets a browser read.
    const post = await send(
      closed.url,
      "POST",
      { ...modernHeaders("tools/list"), origin: "http://localhost:3000" },
      modernBody("tools/list"),
    );
    expect(post.status).toBe(200);
    expect(corsHeaders(post.headers)).toEqual({});
    const evil = await send(
      closed.url,
      "POST",
      { ...modernHeaders("tools/list"), origin: APP },
      modernBody("tools/list"),
    );
    expect(evil.status).toBe(403);
  });
});

describe("webHandler({ cors })", () => {
  const handler = createTestServer().mcp.webHandler({
    cors: { origins: (origin) => origin.endsWith(".trusted.example") },
  });
  const url = "http://mcp.example.com/mcp";

  it("a function decides which origins get preflights and replies", async () => {
    const good = "https://app.trusted.example";
    const preflight = await handler(new Request(url, { method: "OPTIONS", headers: preflightHeaders(good) }));
    expect(preflight.status).toBe(204);
    expect(corsHeaders(preflight.headers)).toEqual({
      "access-control-allow-origin": good,
      "access-control-allow-methods": "GET, POST, DELETE, OPTIONS",
      "access-control-allow-headers": BASE_ALLOW,
      "access-control-max-age": "600",
      vary: "Origin",
    });
    const refused = await handler(new Request(url, { method: "OPTIONS", headers: preflightHeaders(EVIL) }));
    expect(refused.status).toBe(403);
    expect(corsHeaders(refused.headers)).toEqual({});

    const post = await handler(
      new Request(url, {
        method: "POST",
        headers: { ...modernHeaders("tools/list"), origin: good },
        body: JSON.stringify(modernBody("tools/list")),
      }),
    );
    expect(post.status).toBe(200);
    expect((await post.json()).result.tools.length).toBeGreaterThan(0);
    expect(corsHeaders(post.headers)).toEqual({
      "access-control-allow-origin": good,
      "access-control-expose-headers": EXPOSED,
      vary: "Origin",
    });
  });
});
