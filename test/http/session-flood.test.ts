/**
 * Session floods must not evict real users (issue 8, item 4). Sessions are bounded per client (the
 * authenticated identity, else the remote address): a client at its bound displaces its own
 * longest-idle session (429 when all are busy), and at the global cap a client over its fair share
 * only displaces its own. Floods come from token B, or without auth from 127.0.0.2, while a
 * session of token A, or of 127.0.0.1, stays usable.
 */
import { describe, expect, it } from "vitest";
import { FastMCP, StaticTokenVerifier } from "../../src/index.js";
import type { ListenOptions } from "../../src/transports/http/app.js";
import { closeAfterEach, serve } from "../helpers/http-test-server.js";
import { floodInitialize, initialize, legacyHeaders, send, tryInitialize } from "../helpers/legacy-http.js";
import { SseReader } from "../helpers/sse.js";
import { deferred, until } from "../helpers/wait.js";

closeAfterEach();

const TOKENS = { tokA: { clientId: "app" }, tokB: { clientId: "app" }, tokC: { clientId: "app" } };

function server(auth: boolean) {
  const release = deferred();
  let running = 0;
  const mcp = new FastMCP({ name: "flooded", ...(auth ? { auth: new StaticTokenVerifier(TOKENS) } : {}) });
  mcp.tool("whoami", (_args, ctx) => ({ token: ctx.auth?.token ?? null }));
  mcp.tool("hold", async () => {
    running++;
    await release.promise;
    return "released";
  });
  return { mcp, release, running: () => running };
}

async function start(auth: boolean, options: ListenOptions = {}) {
  const made = server(auth);
  const listening = await serve(made.mcp, { transport: ["http", "sse"], ...options });
  return { ...made, listening, url: listening.urls.http as string, sse: listening.urls.sse as string };
}

/** A call in the session answers (the session survived). */
async function expectUsable(url: string, sessionId: string, token?: string, localAddress?: string) {
  const reply = await send(
    url,
    "POST",
    { ...legacyHeaders(sessionId, token), accept: "application/json" },
    { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "whoami", arguments: {} } },
    localAddress,
  );
  expect({ status: reply.status, body: reply.body }).toMatchObject({ status: 200 });
  expect(JSON.parse(reply.body).result.structuredContent).toEqual({ token: token ?? null });
}

describe("Streamable HTTP session floods", () => {
  it("token B flooding initialize only ever evicts its own sessions (maxSessionsPerClient)", async () => {
    const { url, listening } = await start(true, { maxSessions: 20, maxSessionsPerClient: 5 });
    const a = await initialize(url, "tokA");
    const statuses = await floodInitialize(url, 200, { token: "tokB" });
    expect(Object.fromEntries(statuses)).toEqual({ 200: 200 });
    expect(listening.app.streamable!.stats().sessions).toBe(6);
    await expectUsable(url, a, "tokA");
  });

  it("at the global cap, a client over its fair share displaces only its own; one under it gets room", async () => {
    const { url, listening } = await start(true, { maxSessions: 10 });
    const a = await initialize(url, "tokA");
    const statuses = await floodInitialize(url, 60, { token: "tokB" });
    expect(Object.fromEntries(statuses)).toEqual({ 200: 60 });
    expect(listening.app.streamable!.stats().sessions).toBe(10);
    await expectUsable(url, a, "tokA");
    // A newcomer is under its fair share: the largest client (B) gives way.
    const c = await initialize(url, "tokC");
    await expectUsable(url, c, "tokC");
    await expectUsable(url, a, "tokA");
    expect(listening.app.streamable!.stats().sessions).toBe(10);
  });

  it("a client whose sessions are all busy is refused with 429; others still get sessions", async () => {
    const { url, release, running } = await start(true, { maxSessionsPerClient: 2 });
    const b1 = await initialize(url, "tokB");
    const b2 = await initialize(url, "tokB");
    const held = [b1, b2].map((id) =>
      send(
        url,
        "POST",
        { ...legacyHeaders(id, "tokB"), accept: "application/json" },
        { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "hold", arguments: {} } },
      ),
    );
    await until(() => running() === 2, 5000, "both calls to start");
    const refused = await tryInitialize(url, "tokB");
    expect("reply" in refused && refused.reply.status).toBe(429);
    if ("reply" in refused) {
      const body = JSON.parse(refused.reply.body);
      expect(body.error.message).toMatch(/Too many sessions for this client/);
    }
    const a = await initialize(url, "tokA");
    await expectUsable(url, a, "tokA");
    release.resolve();
    for (const reply of await Promise.all(held)) expect(reply.status).toBe(200);
    // Idle again: B's next session evicts its own longest-idle one.
    const b3 = await initialize(url, "tokB");
    await expectUsable(url, b3, "tokB");
  });

  it("without auth, a flood from 127.0.0.2 leaves 127.0.0.1's session alone", async () => {
    const { url, listening } = await start(false, { maxSessions: 20, maxSessionsPerClient: 5 });
    const a = await initialize(url, undefined, "127.0.0.1");
    const statuses = await floodInitialize(url, 200, { localAddress: "127.0.0.2" });
    expect(Object.fromEntries(statuses)).toEqual({ 200: 200 });
    expect(listening.app.streamable!.stats().sessions).toBe(6);
    await expectUsable(url, a, undefined, "127.0.0.1");
  });

  it("with the default caps, 10,000 initialize requests from token B leave token A's session usable", async () => {
    const { url, listening } = await start(true);
    const a = await initialize(url, "tokA");
    const started = Date.now();
    const statuses = await floodInitialize(url, 10_000, { token: "tokB", concurrency: 16 });
    console.log(`10,000 initialize requests in ${Date.now() - started} ms`);
    expect(Object.fromEntries(statuses)).toEqual({ 200: 10_000 });
    expect(listening.app.streamable!.stats().sessions).toBe(101);
    await expectUsable(url, a, "tokA");
  }, 120_000);
});

describe("legacy SSE session floods", () => {
  async function openStream(sse: string, token: string) {
    const response = await fetch(sse, {
      headers: { accept: "text/event-stream", authorization: `Bearer ${token}` },
    });
    if (response.status !== 200) return { status: response.status, body: await response.text() };
    const reader = new SseReader(response);
    const endpoint = new URL((await reader.next())!.data, sse).href;
    return { status: 200, reader, endpoint };
  }

  it("token B's streams count against B only: a newcomer still gets a stream, and A's session works", async () => {
    const { sse, listening } = await start(true, { maxSessions: 20, maxSessionsPerClient: 5 });
    const a = await openStream(sse, "tokA");
    const opened = [];
    for (let i = 0; i < 30; i++) {
      const b = await openStream(sse, "tokB");
      expect(b.status).toBe(200);
      opened.push(b);
    }
    expect(listening.app.sse!.size).toBe(6);
    // B's older streams were ended by the server to make room for its newer ones.
    expect(await opened[0]!.reader!.ended()).toBe(true);
    const c = await openStream(sse, "tokC");
    expect(c.status).toBe(200);
    // A's session still answers on its stream.
    const post = await send(
      a.endpoint!,
      "POST",
      { "content-type": "application/json", authorization: "Bearer tokA" },
      {
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: "2024-11-05",
          capabilities: {},
          clientInfo: { name: "raw", version: "1" },
        },
      },
    );
    expect(post.status).toBe(202);
    expect((await a.reader!.message()).id).toBe(1);
    for (const stream of [a, c, ...opened]) await stream.reader?.cancel();
  });
});

describe("the web handler", () => {
  it("bounds sessions by the address its remoteAddress option reports", async () => {
    const { mcp } = server(false);
    const handler = mcp.webHandler({
      maxSessionsPerClient: 2,
      remoteAddress: (request) => request.headers.get("x-test-peer") ?? undefined,
    });
    const init = async (peer: string) => {
      const response = await handler(
        new Request("http://localhost/mcp", {
          method: "POST",
          headers: { ...legacyHeaders(undefined), "x-test-peer": peer },
          body: JSON.stringify({
            jsonrpc: "2.0",
            id: 0,
            method: "initialize",
            params: {
              protocolVersion: "2025-11-25",
              capabilities: {},
              clientInfo: { name: "w", version: "1" },
            },
          }),
        }),
      );
      await response.text();
      return response.headers.get("mcp-session-id") as string;
    };
    const ping = async (sessionId: string, peer: string) =>
      (
        await handler(
          new Request("http://localhost/mcp", {
            method: "POST",
            headers: { ...legacyHeaders(sessionId), "x-test-peer": peer },
            body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
          }),
        )
      ).status;
    const a = await init("10.0.0.1");
    const flood = [];
    for (let i = 0; i < 5; i++) flood.push(await init("10.0.0.2"));
    expect(await ping(a, "10.0.0.1")).toBe(200);
    expect(await ping(flood[4]!, "10.0.0.2")).toBe(200);
    expect(await ping(flood[0]!, "10.0.0.2")).toBe(404);
  });
});
