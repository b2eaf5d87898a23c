/**
 * Leaks: clients that vanish mid-stream, sessions that end, servers that close. Each test counts
 * what is left behind: handlers still running, sessions, sweeper timers, open streams, sockets.
 */
import { connect as netConnect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { z } from "zod";
import type { FastMCP } from "../../src/index.js";
import type { ListeningServer, ListenOptions } from "../../src/transports/http/app.js";
import { createEverythingServer } from "../fixtures/everything-server.js";
import { callInSession } from "../helpers/legacy-http.js";
import { ACCEPT_BOTH, expectAlive, modernBody, modernHeaders, post } from "../helpers/modern-http.js";
import { META } from "../helpers/protocol.js";
import { head } from "../helpers/raw-socket.js";
import { SseReader } from "../helpers/sse.js";
import { deferred, until, within } from "../helpers/wait.js";

const LEGACY = "2025-11-25";

/** Handlers of the `hang` tool: how many run now, and how each one ended. */
interface Probe {
  running: number;
  started: number;
  aborted: number;
  finished: number;
  reasons: unknown[];
}

const running: ListeningServer[] = [];
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await Promise.all(running.splice(0).map((listening) => listening.close()));
});

/**
 * The everything server plus `hang`: it sends a progress notification (so the reply becomes an
 * SSE stream), then waits `ms` (forever by default) or until its ctx.signal aborts.
 */
function makeServer(): { mcp: FastMCP; probe: Probe } {
  const probe: Probe = { running: 0, started: 0, aborted: 0, finished: 0, reasons: [] };
  const mcp = createEverythingServer();
  mcp.tool(
    "hang",
    { description: "Hangs until cancelled.", inputSchema: z.object({ ms: z.number().optional() }) },
    async ({ ms }, ctx) => {
      probe.running++;
      probe.started++;
      try {
        ctx.reportProgress(1, 2, "started");
        ctx.info("hanging");
        await new Promise<void>((resolve, reject) => {
          const timer = ms === undefined ? undefined : setTimeout(resolve, ms);
          const onAbort = () => {
            clearTimeout(timer);
            probe.aborted++;
            probe.reasons.push(ctx.signal.reason);
            reject(ctx.signal.reason);
          };
          if (ctx.signal.aborted) onAbort();
          else ctx.signal.addEventListener("abort", onAbort, { once: true });
        });
        probe.finished++;
        return "woke up";
      } finally {
        probe.running--;
      }
    },
  );
  return { mcp, probe };
}

async function start(
  options: ListenOptions = {},
): Promise<{ listening: ListeningServer; probe: Probe; mcp: FastMCP }> {
  const { mcp, probe } = makeServer();
  const listening = await mcp.listen({ port: 0, ...options });
  running.push(listening);
  countExchanges(listening);
  return { listening, probe, mcp };
}

/** HTTP exchanges (requests whose response, SSE streams included, has not closed) per server. */
const exchanges = new WeakMap<ListeningServer, { open: number }>();

function countExchanges(listening: ListeningServer): void {
  const counter = { open: 0 };
  exchanges.set(listening, counter);
  listening.server.on("request", (_req, res) => {
    counter.open++;
    res.once("close", () => counter.open--);
  });
}

/** Waits until no HTTP exchange (no response, no SSE stream) is open on the server. */
function noOpenExchange(listening: ListeningServer): Promise<void> {
  const counter = exchanges.get(listening)!;
  return until(() => counter.open === 0, 5000, `open exchanges to close (${counter.open} open)`);
}

function portOf(listening: ListeningServer): number {
  return Number(new URL(listening.url).port);
}

const PROGRESS_META = { ...META, progressToken: "p1", "io.modelcontextprotocol/logLevel": "debug" };

async function initialize(url: string): Promise<string> {
  const response = await post(
    url,
    {
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: LEGACY, capabilities: {}, clientInfo: { name: "raw", version: "1" } },
    },
    { "content-type": "application/json", accept: ACCEPT_BOTH },
  );
  expect(response.status).toBe(200);
  await response.text();
  const id = response.headers.get("mcp-session-id") as string;
  expect(id).toBeTruthy();
  const initialized = await post(
    url,
    { jsonrpc: "2.0", method: "notifications/initialized" },
    legacyHeaders(id),
  );
  expect(initialized.status).toBe(202);
  return id;
}

function legacyHeaders(sessionId: string): Record<string, string> {
  return {
    "content-type": "application/json",
    accept: ACCEPT_BOTH,
    "mcp-protocol-version": LEGACY,
    "mcp-session-id": sessionId,
  };
}

async function openGetStream(url: string, sessionId: string): Promise<SseReader> {
  const response = await fetch(url, {
    headers: { accept: "text/event-stream", "mcp-session-id": sessionId, "mcp-protocol-version": LEGACY },
  });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("text/event-stream");
  return new SseReader(response);
}

/** Resolves to the value, or to "pending" if it is not settled within `ms`. */
function settledWithin<T>(promise: Promise<T>, ms: number): Promise<T | "pending"> {
  return Promise.race([
    promise,
    new Promise<"pending">((resolve) => setTimeout(() => resolve("pending"), ms)),
  ]);
}

describe("a client killed mid-stream (2026-07-28)", () => {
  it("aborting the fetch during an SSE reply aborts the handler's ctx.signal", async () => {
    const { listening, probe } = await start();
    const controller = new AbortController();
    const response = await post(
      listening.url,
      modernBody("tools/call", { name: "hang", arguments: {} }, PROGRESS_META),
      modernHeaders("tools/call", "hang"),
      { signal: controller.signal },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const reader = new SseReader(response);
    const first = await reader.message();
    expect(first.method).toBe("notifications/progress");
    expect(probe.running).toBe(1);
    controller.abort();
    await until(() => probe.running === 0, 5000, "the handler to end");
    expect(probe.aborted).toBe(1);
    expect(probe.finished).toBe(0);
    expect(String(probe.reasons[0])).toMatch(/closed the connection/);
    await noOpenExchange(listening);
    await expectAlive(listening.url);
    expect(listening.app.streamable!.stats().sessions).toBe(0);
  });

  it("destroying the socket during an SSE reply aborts the handler's ctx.signal", async () => {
    const { listening, probe } = await start();
    const port = portOf(listening);
    const body = JSON.stringify(modernBody("tools/call", { name: "hang", arguments: {} }, PROGRESS_META));
    const socket = netConnect(port, "127.0.0.1");
    let received = "";
    const gotEvent = new Promise<void>((resolve) => {
      socket.on("data", (chunk: Buffer) => {
        received += chunk.toString("utf8");
        if (received.includes("notifications/progress")) resolve();
      });
    });
    socket.on("error", () => {});
    socket.write(
      head("POST", "/mcp", {
        host: `127.0.0.1:${port}`,
        ...modernHeaders("tools/call", "hang"),
        "content-length": Buffer.byteLength(body),
      }) + body,
    );
    await gotEvent;
    expect(received).toMatch(/^HTTP\/1\.1 200/);
    expect(received).toMatch(/content-type: text\/event-stream/i);
    expect(probe.running).toBe(1);
    socket.destroy();
    await until(() => probe.running === 0, 5000, "the handler to end");
    expect(probe.aborted).toBe(1);
    await connectionsDropTo(listening, 0);
    await noOpenExchange(listening);
  });

  it("a client gone before any reply byte aborts a JSON-reply handler too", async () => {
    const { listening, probe } = await start();
    const controller = new AbortController();
    // No progress token and no log level: nothing precedes the result, so the reply would be JSON.
    const pending = post(
      listening.url,
      modernBody(
        "tools/call",
        { name: "hang", arguments: {} },
        { ...META, "io.modelcontextprotocol/logLevel": "emergency" },
      ),
      modernHeaders("tools/call", "hang"),
      { signal: controller.signal },
    ).catch((error: unknown) => error);
    await until(() => probe.running === 1, 5000, "the handler to start");
    controller.abort();
    expect(await pending).toBeInstanceOf(Error);
    await until(() => probe.running === 0, 5000, "the handler to end");
    expect(probe.aborted).toBe(1);
    await expectAlive(listening.url);
  });
  it("a handler that reads ctx.signal only after its client went away finds it aborted", async () => {
    const { listening, mcp } = await start();
    const gate = deferred();
    const running = deferred();
    const seen = deferred<boolean>();
    mcp.tool("late", { description: "Looks at its signal late." }, async (_args, ctx) => {
      running.resolve();
      await gate.promise;
      seen.resolve(ctx.signal.aborted);
      return "done";
    });
    const controller = new AbortController();
    const pending = post(
      listening.url,
      modernBody("tools/call", { name: "late", arguments: {} }),
      modernHeaders("tools/call", "late"),
      { signal: controller.signal },
    ).catch((error: unknown) => error);
    await within(running.promise, 5000, "the handler to start");
    controller.abort();
    expect(await pending).toBeInstanceOf(Error);
    await noOpenExchange(listening);
    gate.resolve();
    expect(await within(seen.promise, 5000, "the handler to look at its signal")).toBe(true);
    await expectAlive(listening.url);
  });
});

describe("a client killed mid-stream (legacy session)", () => {
  it("the handler runs to its end, nothing stays in flight, and DELETE leaves nothing", async () => {
    const { listening, probe } = await start();
    const sessions = listening.app.streamable!;
    const id = await initialize(listening.url);
    const controller = new AbortController();
    const response = await post(
      listening.url,
      {
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "hang", arguments: { ms: 150 }, _meta: { progressToken: "p" } },
      },
      legacyHeaders(id),
      { signal: controller.signal },
    );
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const reader = new SseReader(response);
    expect((await reader.message()).method).toBe("notifications/progress");
    expect(sessions.session(id)?.inFlight).toBe(1);
    controller.abort();
    // In the legacy era a dropped connection is not a cancellation: the request completes.
    await until(() => probe.running === 0, 5000, "the handler to end");
    expect(probe.finished).toBe(1);
    expect(probe.aborted).toBe(0);
    expect(sessions.session(id)?.inFlight).toBe(0);
    await until(() => sessions.session(id)?.openStreams === 0, 5000, "streams to end");
    expect(sessions.session(id)?.attachedStreams).toBe(0);
    const deleted = await fetch(listening.url, { method: "DELETE", headers: legacyHeaders(id) });
    expect(deleted.status).toBe(200);
    expect(sessions.stats()).toEqual({ sessions: 0, inFlight: 0, sweeping: false });
    expect(sessions.session(id)).toBeUndefined();
    await noOpenExchange(listening);
  });

  it("notifications/cancelled after the client dropped the stream aborts the handler", async () => {
    const { listening, probe } = await start();
    const sessions = listening.app.streamable!;
    const id = await initialize(listening.url);
    const socketController = new AbortController();
    const response = await post(
      listening.url,
      {
        jsonrpc: "2.0",
        id: 77,
        method: "tools/call",
        params: { name: "hang", arguments: {}, _meta: { progressToken: 1 } },
      },
      legacyHeaders(id),
      { signal: socketController.signal },
    );
    const reader = new SseReader(response);
    await reader.message();
    socketController.abort();
    // Wait until the server has seen the drop (the response closed and the stream let go of it):
    // the handler must still run after that, as a drop is not a cancellation in this era.
    await noOpenExchange(listening);
    await until(
      () => sessions.session(id)?.attachedStreams === 0,
      5000,
      "the stream to let go of the dropped connection",
    );
    expect(probe.running).toBe(1);
    expect(probe.aborted).toBe(0);
    const cancelled = await post(
      listening.url,
      { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 77, reason: "bye" } },
      legacyHeaders(id),
    );
    expect(cancelled.status).toBe(202);
    await until(() => probe.running === 0, 5000, "the handler to end");
    expect(probe.aborted).toBe(1);
    expect(sessions.session(id)?.inFlight).toBe(0);
  });

  it("a cancelled request's reply ends without an answer: its SSE stream closes, a JSON reply is an empty 202", async () => {
    for (const jsonResponse of [false, true]) {
      const { listening, probe } = await start({ jsonResponse });
      const id = await initialize(listening.url);
      const call = post(
        listening.url,
        {
          jsonrpc: "2.0",
          id: 78,
          method: "tools/call",
          params: { name: "hang", arguments: {}, _meta: { progressToken: 1 } },
        },
        legacyHeaders(id),
      );
      const reader = jsonResponse ? undefined : new SseReader(await call);
      if (reader) expect((await reader.message()).method).toBe("notifications/progress");
      else await until(() => probe.running === 1, 5000, "the handler to start");
      const cancelled = await post(
        listening.url,
        { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 78, reason: "bye" } },
        legacyHeaders(id),
      );
      expect(cancelled.status).toBe(202);
      await until(() => probe.running === 0, 5000, "the handler to end");
      expect(probe.aborted).toBe(1);
      if (reader) {
        // Whatever else came, no answer to the cancelled request: the stream just ends.
        for (let event = await reader.next(); event; event = await reader.next()) {
          expect(JSON.parse(event.data)).not.toHaveProperty("id", 78);
        }
      } else {
        const reply = await call;
        expect(reply.status).toBe(202);
        expect(await reply.text()).toBe("");
      }
      await noOpenExchange(listening);
      // The session serves on.
      const after = await callInSession(listening.url, id, "add", { a: 1, b: 2 });
      expect(after.status).toBe(200);
      expect(after.body).toContain('"text":"3"');
    }
  });

  it("deleting a session aborts its in-flight handlers and ends its streams", async () => {
    const { listening, probe } = await start();
    const sessions = listening.app.streamable!;
    const id = await initialize(listening.url);
    const get = await openGetStream(listening.url, id);
    const response = await post(
      listening.url,
      {
        jsonrpc: "2.0",
        id: 5,
        method: "tools/call",
        params: { name: "hang", arguments: {}, _meta: { progressToken: 1 } },
      },
      legacyHeaders(id),
    );
    const reply = new SseReader(response);
    await reply.message();
    expect(probe.running).toBe(1);
    const deleted = await fetch(listening.url, { method: "DELETE", headers: legacyHeaders(id) });
    expect(deleted.status).toBe(200);
    expect(sessions.stats().sessions).toBe(0);
    expect(sessions.stats().sweeping).toBe(false);
    // Both the GET stream and the request's reply stream end.
    expect(await settledWithin(get.ended(), 5000)).toBe(true);
    expect(await settledWithin(drain(reply), 5000)).not.toBe("pending");
    // A request whose session ended must not keep running.
    await until(() => probe.running === 0, 5000, "the handler to end");
    expect(probe.aborted).toBe(1);
    await noOpenExchange(listening);
  });
});

/** Reads a reply stream to its end; resolves to the messages read. */
async function drain(reader: SseReader): Promise<unknown[]> {
  const messages: unknown[] = [];
  for (;;) {
    const event = await reader.next();
    if (!event) return messages;
    messages.push(JSON.parse(event.data));
  }
}

/**
 * Polls until the server holds at most `most` connections (for clients that open no spare ones:
 * raw sockets and WebSockets; fetch may hold an idle spare connection for its pool).
 */
async function connectionsDropTo(listening: ListeningServer, most: number): Promise<void> {
  const count = () =>
    new Promise<number>((resolve, reject) =>
      listening.server.getConnections((error, n) => (error ? reject(error) : resolve(n))),
    );
  const start = Date.now();
  let now = await count();
  while (now > most) {
    if (Date.now() - start > 5000)
      throw new Error(`the server still holds ${now} connections (want <= ${most})`);
    await new Promise((resolve) => setTimeout(resolve, 5));
    now = await count();
  }
}

describe("legacy sessions that end", () => {
  it("deleted and expired sessions leave no session, no sweeper and no open stream", async () => {
    const { listening } = await start({ idleTtlMs: 1000 });
    const sessions = listening.app.streamable!;
    expect(sessions.stats().sweeping).toBe(false);
    const a = await initialize(listening.url);
    expect(sessions.stats().sweeping).toBe(true);
    const b = await initialize(listening.url);
    const c = await initialize(listening.url);
    const streamA = await openGetStream(listening.url, a);
    const streamB = await openGetStream(listening.url, b);
    expect(sessions.stats().sessions).toBe(3);

    const deleted = await fetch(listening.url, { method: "DELETE", headers: legacyHeaders(a) });
    expect(deleted.status).toBe(200);
    expect(await settledWithin(streamA.ended(), 5000)).toBe(true);
    expect(sessions.stats().sessions).toBe(2);
    expect(sessions.stats().sweeping).toBe(true);

    // b and c expire; a session with an open GET stream expires as well once idle past the TTL.
    expect(sessions.sweep(Date.now() + 5_000)).toBe(2);
    expect(await settledWithin(streamB.ended(), 5000)).toBe(true);
    expect(sessions.stats().sessions).toBe(0);
    expect(sessions.stats().sweeping).toBe(false);
    const expired = await post(
      listening.url,
      { jsonrpc: "2.0", id: 1, method: "tools/list" },
      legacyHeaders(c),
    );
    expect(expired.status).toBe(404);
    await expired.text();
    // c had no stream; a's and b's GET streams are closed on the server side too.
    await noOpenExchange(listening);
  });

  it("the sweeper ends idle sessions by itself", async () => {
    const { listening } = await start({ idleTtlMs: 300 });
    const sessions = listening.app.streamable!;
    await initialize(listening.url);
    expect(sessions.stats().sweeping).toBe(true);
    await until(() => sessions.stats().sessions === 0, 5000, "the sweeper to end the session");
    expect(sessions.stats().sweeping).toBe(false);
  });

  it("a busy session is not swept, and is once its request ends", async () => {
    const { listening, probe } = await start({ idleTtlMs: 60_000 });
    const sessions = listening.app.streamable!;
    const id = await initialize(listening.url);
    const pending = post(
      listening.url,
      { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "hang", arguments: { ms: 100 } } },
      { ...legacyHeaders(id), accept: "application/json" },
    );
    await until(() => probe.running === 1, 5000, "the handler to start");
    expect(sessions.sweep(Date.now() + 3_600_000)).toBe(0);
    expect(sessions.stats().sessions).toBe(1);
    const response = await pending;
    expect(response.status).toBe(200);
    expect((await response.json()).result.content[0].text).toBe("woke up");
    expect(probe.finished).toBe(1);
    expect(sessions.sweep(Date.now() + 3_600_000)).toBe(1);
    expect(sessions.stats().sessions).toBe(0);
    expect(sessions.stats().sweeping).toBe(false);
  });
});

describe("legacy HTTP+SSE sessions", () => {
  it("are removed when the GET stream drops, aborting in-flight handlers", async () => {
    const { listening, probe } = await start({ transport: "sse" });
    const sse = listening.app.sse!;
    const base = new URL(listening.url).origin;
    const controller = new AbortController();
    const response = await fetch(`${base}/sse`, {
      headers: { accept: "text/event-stream" },
      signal: controller.signal,
    });
    const reader = new SseReader(response);
    const endpoint = new URL((await reader.next())!.data, base).href;
    expect(sse.size).toBe(1);
    const accepted = await post(
      endpoint,
      modernBody("tools/call", { name: "hang", arguments: {} }, PROGRESS_META),
      { "content-type": "application/json" },
    );
    expect(accepted.status).toBe(202);
    expect((await reader.message()).method).toBe("notifications/progress");
    expect(probe.running).toBe(1);
    controller.abort();
    await until(() => sse.size === 0, 5000, "the SSE session to go");
    await until(() => probe.running === 0, 5000, "the handler to end");
    expect(probe.aborted).toBe(1);
    // Messages to the dropped session are refused.
    const late = await post(endpoint, modernBody("tools/list"), { "content-type": "application/json" });
    expect(late.status).toBe(404);
    await late.text();
    await noOpenExchange(listening);
  });

  it("are all removed by close()", async () => {
    const { listening } = await start({ transport: "sse" });
    const base = new URL(listening.url).origin;
    const readers: SseReader[] = [];
    for (let i = 0; i < 3; i++) {
      const reader = new SseReader(await fetch(`${base}/sse`, { headers: { accept: "text/event-stream" } }));
      await reader.next();
      readers.push(reader);
    }
    expect(listening.app.sse!.size).toBe(3);
    await listening.close();
    expect(listening.app.sse!.size).toBe(0);
    for (const reader of readers)
      expect(
        await settledWithin(
          reader.ended().catch(() => true),
          5000,
        ),
      ).toBe(true);
  });
});

describe("WebSocket sessions", () => {
  function open(url: string): Promise<WebSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, "mcp");
      sockets.push(ws);
      ws.once("open", () => resolve(ws));
      ws.once("error", reject);
    });
  }

  it("dropping the socket closes the session and aborts the in-flight handler", async () => {
    const { listening, probe, mcp: server } = await start({ transport: "ws" });
    const before = server.stats().sessions;
    const ws = await open(listening.urls.ws!);
    await until(() => server.stats().sessions === before + 1, 5000, "the session to register");
    const progress = new Promise<any>((resolve) =>
      ws.once("message", (data) => resolve(JSON.parse(String(data)))),
    );
    ws.send(JSON.stringify(modernBody("tools/call", { name: "hang", arguments: {} }, PROGRESS_META)));
    expect((await progress).method).toBe("notifications/progress");
    expect(probe.running).toBe(1);
    ws.terminate();
    await until(() => probe.running === 0, 5000, "the handler to end");
    expect(probe.aborted).toBe(1);
    await until(() => server.stats().sessions === before, 5000, "the session to go");
    await connectionsDropTo(listening, 0);
  });

  it("a clean close does the same", async () => {
    const { listening, probe, mcp: server } = await start({ transport: "ws" });
    const ws = await open(listening.urls.ws!);
    const progress = new Promise<void>((resolve) => ws.once("message", () => resolve()));
    ws.send(JSON.stringify(modernBody("tools/call", { name: "hang", arguments: {} }, PROGRESS_META)));
    await progress;
    ws.close(1000);
    await until(() => probe.running === 0, 5000, "the handler to end");
    expect(probe.aborted).toBe(1);
    await until(() => server.stats().sessions === 0, 5000, "the session to go");
  });
});

describe("close()", () => {
  function resourceCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const name of process.getActiveResourcesInfo()) counts.set(name, (counts.get(name) ?? 0) + 1);
    return counts;
  }

  function leftOver(before: Map<string, number>): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, count] of resourceCounts()) {
      const extra = count - (before.get(name) ?? 0);
      if (extra > 0 && /TCP|Timeout|Pipe/.test(name)) out[name] = extra;
    }
    return out;
  }

  it("leaves no timer, server or socket behind, with sessions and streams of every kind open", async () => {
    const before = resourceCounts();
    const { mcp, probe } = makeServer();
    const listening = await mcp.listen({ port: 0, transport: ["http", "sse", "ws"], keepAliveMs: 20 });
    running.push(listening);
    const base = new URL(listening.url).origin;
    expect(leftOver(before)).toHaveProperty("TCPServerWrap");

    // A legacy session with a GET stream and an in-flight SSE reply.
    const id = await initialize(listening.url);
    const get = await openGetStream(listening.url, id);
    const legacyReply = await post(
      listening.url,
      {
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "hang", arguments: {}, _meta: { progressToken: 1 } },
      },
      legacyHeaders(id),
    );
    const legacyReader = new SseReader(legacyReply);
    await legacyReader.message();
    // A modern in-flight SSE reply.
    const modernReader = new SseReader(
      await post(
        listening.url,
        modernBody("tools/call", { name: "hang", arguments: {} }, PROGRESS_META),
        modernHeaders("tools/call", "hang"),
      ),
    );
    await modernReader.message();
    // An SSE-transport session and a WebSocket session with a request in flight.
    const sseReader = new SseReader(await fetch(`${base}/sse`, { headers: { accept: "text/event-stream" } }));
    await sseReader.next();
    const ws = await new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(listening.urls.ws!, "mcp");
      socket.once("open", () => resolve(socket));
      socket.once("error", reject);
    });
    const wsClosed = new Promise<void>((resolve) => ws.once("close", () => resolve()));
    ws.send(JSON.stringify(modernBody("tools/call", { name: "hang", arguments: {} }, PROGRESS_META)));
    await until(() => probe.running === 3, 5000, "three handlers to run");
    // The keep-alive timers run: a keep-alive comment has come on each SSE stream that has them.
    const keepAlives = Promise.all(
      [get, legacyReader, modernReader, sseReader].map((reader) => reader.comment()),
    );
    expect(await settledWithin(keepAlives, 5000)).toEqual(Array(4).fill(expect.stringMatching(/^:/)));

    await listening.close();
    expect(listening.server.listening).toBe(false);
    expect(listening.app.streamable!.stats().sessions).toBe(0);
    expect(listening.app.streamable!.stats().sweeping).toBe(false);
    expect(listening.app.sse!.size).toBe(0);
    expect(mcp.stats().sessions).toBe(0);
    await wsClosed;
    for (const reader of [get, legacyReader, modernReader, sseReader]) {
      expect(
        await settledWithin(
          reader.ended().catch(() => true),
          5000,
        ),
      ).toBe(true);
    }
    // Every handler was aborted: nothing runs on after close.
    await until(() => probe.running === 0, 5000, "every handler to end");
    await until(() => Object.keys(leftOver(before)).length === 0, 5000, "resources to be released").catch(
      () => {
        throw new Error(`left over after close(): ${JSON.stringify(leftOver(before))}`);
      },
    );
  });
});
