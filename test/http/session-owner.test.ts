/**
 * A session belongs to the identity that created it (issue 8, item 3). With two valid tokens, token
 * B gets exactly the unknown-session 404 for token A's Streamable HTTP session (POST, GET, GET with
 * Last-Event-ID, DELETE) and for POST /messages of A's SSE session; A's session is untouched. A
 * refreshed token of the same subject keeps its session, and each request's ctx.auth is the
 * caller's own.
 */
import { describe, expect, it } from "vitest";
import { FastMCP, StaticTokenVerifier } from "../../src/index.js";
import { closeAfterEach, serve } from "../helpers/http-test-server.js";
import {
  callInSession,
  deleteSession,
  getStream,
  initialize,
  legacyHeaders,
  type Reply,
  send,
} from "../helpers/legacy-http.js";
import { parseSse, SseReader } from "../helpers/sse.js";

closeAfterEach();

const TOKENS = {
  // The same client id: a client id names an application, not who uses it.
  tokA: { clientId: "app" },
  tokB: { clientId: "app" },
  alice1: { clientId: "app", claims: { sub: "alice", iss: "https://as.example" } },
  alice2: { clientId: "app", claims: { sub: "alice", iss: "https://as.example" } },
  bob: { clientId: "app", claims: { sub: "bob", iss: "https://as.example" } },
};

async function start() {
  const mcp = new FastMCP({ name: "owned", auth: new StaticTokenVerifier(TOKENS) });
  mcp.tool("whoami", (_args, ctx) => ({ token: ctx.auth?.token ?? null }));
  mcp.tool("progress", (_args, ctx) => {
    ctx.reportProgress(1, 1);
    return "done";
  });
  const listening = await serve(mcp, { transport: ["http", "sse"] });
  return { listening, url: listening.urls.http as string, sse: listening.urls.sse as string };
}

const UNKNOWN = "3f1c9a52-0d6e-4a37-9f1e-7b2f4c8d9e10";

/** The reply to another identity matches the reply for a session that does not exist. */
async function expectSameAsUnknown(forSession: (sessionId: string) => Promise<Reply>, owned: string) {
  const unknown = await forSession(UNKNOWN);
  const other = await forSession(owned);
  expect(unknown.status).toBe(404);
  expect({ status: other.status, type: other.headers["content-type"], body: other.body }).toEqual({
    status: unknown.status,
    type: unknown.headers["content-type"],
    body: unknown.body,
  });
  expect(other.headers["mcp-session-id"]).toBeUndefined();
}

function whoamiBody(id: number) {
  return { jsonrpc: "2.0", id, method: "tools/call", params: { name: "whoami", arguments: {} } };
}

async function whoami(url: string, sessionId: string, token: string): Promise<unknown> {
  const reply = await send(
    url,
    "POST",
    { ...legacyHeaders(sessionId, token), accept: "application/json, text/event-stream" },
    whoamiBody(1),
  );
  expect(reply.status).toBe(200);
  const message =
    reply.headers["content-type"] === "text/event-stream"
      ? JSON.parse(parseSse(reply.body).find((e) => e.data)!.data)
      : JSON.parse(reply.body);
  return message.result.structuredContent.token;
}

describe("Streamable HTTP: a legacy session belongs to the identity that created it", () => {
  it("token B gets the unknown-session 404 for POST, GET, GET with Last-Event-ID and DELETE on A's session", async () => {
    const { url, listening } = await start();
    const a = await initialize(url, "tokA");
    const call = await callInSession(url, a, "progress", {}, "tokA");
    expect(call.headers["content-type"]).toBe("text/event-stream");
    const eventId = parseSse(call.body)[0]?.id as string;
    expect(eventId).toBeTruthy();
    // A itself can resume its reply.
    expect((await getStream(url, a, eventId, "tokA")).status).toBe(200);

    await expectSameAsUnknown((id) => send(url, "POST", legacyHeaders(id, "tokB"), whoamiBody(7)), a);
    await expectSameAsUnknown(
      (id) =>
        send(url, "POST", legacyHeaders(id, "tokB"), { jsonrpc: "2.0", method: "notifications/initialized" }),
      a,
    );
    await expectSameAsUnknown((id) => getStream(url, id, undefined, "tokB"), a);
    await expectSameAsUnknown((id) => getStream(url, id, eventId, "tokB"), a);
    await expectSameAsUnknown((id) => deleteSession(url, id, "tokB"), a);

    // A's session is still there, and still A's.
    expect(listening.app.streamable!.stats().sessions).toBe(1);
    expect(await whoami(url, a, "tokA")).toBe("tokA");
    expect((await deleteSession(url, a, "tokA")).status).toBe(200);
  });

  it("a refreshed token of the same subject keeps the session, with its own token as ctx.auth", async () => {
    const { url } = await start();
    const session = await initialize(url, "alice1");
    expect(await whoami(url, session, "alice2")).toBe("alice2");
    expect(await whoami(url, session, "alice1")).toBe("alice1");
    // Another subject of the same client does not.
    await expectSameAsUnknown((id) => send(url, "POST", legacyHeaders(id, "bob"), whoamiBody(7)), session);
    expect((await deleteSession(url, session, "alice2")).status).toBe(200);
  });
});

/** Opens an SSE session with `token`, initializes it; its reader and message endpoint. */
async function openSse(sse: string, token: string) {
  const response = await fetch(sse, {
    headers: { accept: "text/event-stream", authorization: `Bearer ${token}` },
  });
  expect(response.status).toBe(200);
  const reader = new SseReader(response);
  const endpoint = new URL((await reader.next())!.data, sse).href;
  const post = (body: unknown, as = token) =>
    send(endpoint, "POST", { "content-type": "application/json", authorization: `Bearer ${as}` }, body);
  expect(
    (
      await post({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: "2024-11-05",
          capabilities: {},
          clientInfo: { name: "raw", version: "1" },
        },
      })
    ).status,
  ).toBe(202);
  expect((await reader.message()).id).toBe(1);
  expect((await post({ jsonrpc: "2.0", method: "notifications/initialized" })).status).toBe(202);
  return { reader, endpoint, post };
}

describe("legacy SSE: a session belongs to the identity that opened its stream", () => {
  it("token B's POST to A's session gets the unknown-session 404 and nothing reaches A's stream", async () => {
    const { sse } = await start();
    const a = await openSse(sse, "tokA");
    const unknownEndpoint = new URL(a.endpoint);
    unknownEndpoint.searchParams.set("session_id", UNKNOWN);
    const asB = (endpoint: string) =>
      send(
        endpoint,
        "POST",
        { "content-type": "application/json", authorization: "Bearer tokB" },
        whoamiBody(99),
      );
    const unknown = await asB(unknownEndpoint.href);
    const other = await asB(a.endpoint);
    expect(unknown.status).toBe(404);
    expect({ status: other.status, type: other.headers["content-type"], body: other.body }).toEqual({
      status: unknown.status,
      type: unknown.headers["content-type"],
      body: unknown.body,
    });
    // A's next message is the answer to A's own call: B's call never ran on A's session.
    expect((await a.post(whoamiBody(100))).status).toBe(202);
    const answer = await a.reader.message();
    expect(answer.id).toBe(100);
    expect(answer.result.structuredContent).toEqual({ token: "tokA" });
    await a.reader.cancel();
  });

  it("a refreshed token of the same subject may post, and its call runs with its own ctx.auth", async () => {
    const { sse } = await start();
    const alice = await openSse(sse, "alice1");
    expect((await alice.post(whoamiBody(5), "alice2")).status).toBe(202);
    expect((await alice.reader.message()).result.structuredContent).toEqual({ token: "alice2" });
    expect((await alice.post(whoamiBody(6), "bob")).status).toBe(404);
    await alice.reader.cancel();
  });
});
