/**
 * What a legacy Streamable HTTP session keeps is small (issue 14): its times are kept on the
 * endpoint's own clock (ms since an epoch that moves up every 2^29 ms, 6 days), and the session is
 * its server session's options. What users see must not change: the views of a session report its
 * fields, the idle sweep ends a session idle past its TTL, and the per-client cap evicts the
 * longest-idle session, also after the clock moved up (Date is faked to make days pass).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { FastMCP } from "../../src/index.js";
import type { ListenOptions } from "../../src/transports/http/app.js";
import { closeAfterEach, serve } from "../helpers/http-test-server.js";
import { callInSession, deleteSession, initialize, legacyHeaders, send } from "../helpers/legacy-http.js";
import { LEGACY } from "../helpers/protocol.js";

closeAfterEach();
afterEach(() => {
  vi.useRealTimers();
});

const DAY = 24 * 3_600_000;

async function start(options: ListenOptions = {}) {
  const mcp = new FastMCP({ name: "clock" });
  mcp.tool("whoami", (_args, ctx) => ({ session: ctx.sessionId ?? null, client: ctx.clientInfo ?? null }));
  const listening = await serve(mcp, { transport: "http", ...options });
  return { mcp, listening, url: listening.urls.http as string, sessions: listening.app.streamable! };
}

/** A call in the session: 200 with its own session id while it lives, 404 once it ended. */
async function whoami(url: string, id: string): Promise<number> {
  const reply = await callInSession(url, id, "whoami");
  if (reply.status === 200) {
    expect(JSON.parse(reply.body).result.structuredContent).toEqual({
      session: id,
      client: { name: "raw", version: "1" },
    });
  }
  return reply.status;
}

describe("a legacy session's fields", () => {
  it("the endpoint's view and the server's sessions() report them", async () => {
    const { mcp, url, sessions } = await start();
    const id = await initialize(url);
    expect(sessions.session(id)).toEqual({
      id,
      inFlight: 0,
      initialized: true,
      getStream: false,
      openStreams: 0,
      attachedStreams: 0,
    });
    expect(mcp.sessions()).toEqual([
      {
        id,
        transport: "http",
        protocolVersion: LEGACY,
        initialized: true,
        inFlight: 0,
        clientInfo: { name: "raw", version: "1" },
      },
    ]);
    expect(mcp.stats().sessions).toBe(1);
    expect(sessions.stats()).toEqual({ sessions: 1, inFlight: 0, sweeping: true });
    expect(await whoami(url, id)).toBe(200);

    const second = await send(url, "POST", legacyHeaders(undefined), {
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: {
        protocolVersion: "2025-03-26",
        capabilities: {},
        clientInfo: { name: "other", version: "2" },
      },
    });
    const other = second.headers["mcp-session-id"] as string;
    expect(sessions.session(other)?.initialized).toBe(false);
    expect(mcp.sessions().find((session) => session.id === other)).toEqual({
      id: other,
      transport: "http",
      protocolVersion: "2025-03-26",
      initialized: false,
      inFlight: 0,
      clientInfo: { name: "other", version: "2" },
    });

    expect((await deleteSession(url, id)).status).toBe(200);
    expect(sessions.session(id)).toBeUndefined();
    expect(mcp.sessions().map((session) => session.id)).toEqual([other]);
  });
});

describe("the sessions' clock", () => {
  it("over weeks, the sweep ends only sessions idle past the TTL and the cap evicts the longest-idle", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const start0 = Date.now();
    const { url, sessions } = await start({ idleTtlMs: 20 * DAY, maxSessionsPerClient: 2 });
    const a = await initialize(url);
    const b = await initialize(url);

    // 13 days on (past 2^29 ms: the clock moves up at each sweep from here), b is used.
    vi.setSystemTime(start0 + 13 * DAY);
    expect(await whoami(url, b)).toBe(200);
    expect(sessions.sweep()).toBe(0);
    // A third session for this client evicts the longest-idle one: a.
    const c = await initialize(url);
    expect(await whoami(url, a)).toBe(404);
    expect(await whoami(url, b)).toBe(200);

    vi.setSystemTime(start0 + 23 * DAY);
    expect(await whoami(url, c)).toBe(200);
    expect(sessions.sweep()).toBe(0);

    // 34 days: b was last used 21 days ago (past the TTL), c 11 days ago.
    vi.setSystemTime(start0 + 34 * DAY);
    expect(sessions.sweep()).toBe(1);
    expect(sessions.session(b)).toBeUndefined();
    expect(sessions.session(c)?.id).toBe(c);
    // A sweep at a time to come still reads the sessions' times right: c reaches its TTL in 9 days.
    expect(sessions.sweep(Date.now() + 9 * DAY - 1000)).toBe(0);
    expect(sessions.sweep(Date.now() + 9 * DAY + 1000)).toBe(1);
    expect(sessions.stats()).toEqual({ sessions: 0, inFlight: 0, sweeping: false });
  });
});
