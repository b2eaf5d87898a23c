/**
 * Streamable HTTP specifics over real sockets: the legacy session (Mcp-Session-Id minted and reused,
 * DELETE on close, transparent re-initialize after a 404, the GET stream, Last-Event-ID
 * resumption) and the stateless 2026-07-28 exchange (per-request headers, JSON or SSE replies,
 * cancellation by closing the stream).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import {
  type Client,
  type ClientOptions,
  ConnectionError,
  type JSONRPCNotification,
  type ListeningServer,
  StreamableHttpTransport,
  type StreamableHttpTransportOptions,
} from "../../src/index.js";
import {
  closeAfterEach,
  connect,
  createTestServer,
  type Hooks,
  recordRequests,
  serve,
} from "../helpers/http-test-server.js";
import { deferred, until, within } from "../helpers/wait.js";

closeAfterEach();

const LEGACY: ClientOptions = { protocolVersion: "2025-11-25" };

interface Exchange {
  method: string;
  headers: Record<string, string>;
  body: Record<string, any> | undefined;
  status?: number;
  contentType?: string;
  sessionId?: string | null;
}

/** A fetch that records every exchange the client transport makes. */
function recordingFetch(): { fetch: typeof fetch; log: Exchange[] } {
  const log: Exchange[] = [];
  const recording: typeof fetch = async (input, init) => {
    const entry: Exchange = {
      method: init?.method ?? "GET",
      headers: Object.fromEntries(new Headers(init?.headers)),
      body: typeof init?.body === "string" ? (JSON.parse(init.body) as Record<string, any>) : undefined,
    };
    log.push(entry);
    const response = await fetch(input, init);
    entry.status = response.status;
    entry.contentType = response.headers.get("content-type") ?? "";
    entry.sessionId = response.headers.get("mcp-session-id");
    return response;
  };
  return { fetch: recording, log };
}

async function setup(
  clientOptions: ClientOptions = LEGACY,
  transportOptions: Partial<StreamableHttpTransportOptions> = {},
): Promise<{
  client: Client;
  transport: StreamableHttpTransport;
  listening: ListeningServer;
  hooks: Hooks;
  log: Exchange[];
  mcp: ReturnType<typeof createTestServer>["mcp"];
}> {
  const { mcp, hooks } = createTestServer();
  const listening = await serve(mcp);
  const { fetch, log } = recordingFetch();
  const transport = new StreamableHttpTransport({ url: listening.url, fetch, ...transportOptions });
  const client = await connect(transport, clientOptions);
  return { client, transport, listening, hooks, log, mcp };
}

function sessionsOf(listening: ListeningServer) {
  const streamable = listening.app.streamable;
  if (!streamable) throw new Error("no Streamable HTTP handler");
  return streamable;
}

const bodyMethod = (exchange: Exchange) => exchange.body?.method as string | undefined;

describe("legacy sessions (2025-11-25)", () => {
  it("mints an Mcp-Session-Id on initialize and sends it on every later request", async () => {
    const { client, transport, listening, log } = await setup();
    const sessionId = transport.sessionId as string;
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sessionsOf(listening).stats().sessions).toBe(1);
    expect(sessionsOf(listening).session(sessionId)).toBeDefined();

    await client.callTool("add", { a: 1, b: 1 });
    await client.listTools();
    const whoami = (await client.callTool("whoami")).data as {
      sessionId: string;
      headers: Record<string, string>;
    };
    expect(whoami.sessionId).toBe(sessionId);
    expect(whoami.headers["mcp-session-id"]).toBe(sessionId);
    expect(whoami.headers["mcp-protocol-version"]).toBe("2025-11-25");

    const initialize = log[0] as Exchange;
    expect(bodyMethod(initialize)).toBe("initialize");
    expect(initialize.headers["mcp-session-id"]).toBeUndefined();
    expect(initialize.sessionId).toBe(sessionId);
    const later = log.slice(1);
    expect(later.map(bodyMethod)).toEqual(
      expect.arrayContaining(["notifications/initialized", "tools/call", "tools/list"]),
    );
    for (const exchange of later) {
      expect(exchange.headers["mcp-session-id"], `${exchange.method} ${bodyMethod(exchange)}`).toBe(
        sessionId,
      );
      expect(exchange.headers["mcp-protocol-version"]).toBe("2025-11-25");
      // Legacy requests carry no 2026-07-28 routing headers.
      expect(exchange.headers["mcp-method"]).toBeUndefined();
    }
    // Still one session on the server after all those requests.
    expect(sessionsOf(listening).stats().sessions).toBe(1);
  });

  it("ends the session with DELETE when the client closes", async () => {
    const { client, transport, listening, log } = await setup();
    const sessionId = transport.sessionId as string;
    // A second client gets a session of its own.
    const other = await connect(listening.url, LEGACY);
    expect(sessionsOf(listening).stats().sessions).toBe(2);
    await client.close();
    const deletes = log.filter((exchange) => exchange.method === "DELETE");
    expect(deletes).toHaveLength(1);
    expect(deletes[0]?.headers["mcp-session-id"]).toBe(sessionId);
    expect(deletes[0]?.status).toBe(200);
    expect(sessionsOf(listening).stats().sessions).toBe(1);
    expect(sessionsOf(listening).session(sessionId)).toBeUndefined();
    expect(transport.sessionId).toBeUndefined();
    // The other session is untouched.
    expect((await other.callTool("add", { a: 2, b: 2 })).text).toBe("4");
    await other.close();
    expect(sessionsOf(listening).stats().sessions).toBe(0);
  });

  it("re-initializes transparently when the server forgot the session (404)", async () => {
    const { client, transport, listening, log } = await setup();
    const first = transport.sessionId as string;
    await until(
      () => sessionsOf(listening).session(first)?.getStream === true,
      5000,
      "the session to be initialized with its GET stream open",
    );
    expect(sessionsOf(listening).endSession(first)).toBe(true);
    expect(sessionsOf(listening).stats().sessions).toBe(0);

    const result = await client.callTool("add", { a: 5, b: 3 });
    expect(result.text).toBe("8");
    const second = transport.sessionId as string;
    expect(second).toMatch(/^[0-9a-f-]{36}$/);
    expect(second).not.toBe(first);
    expect(sessionsOf(listening).stats().sessions).toBe(1);
    expect(sessionsOf(listening).session(second)?.initialized).toBe(true);

    // What happened on the wire: the call got a 404, a new initialize minted the new session, and
    // the call was sent again with it.
    const calls = log.filter((exchange) => bodyMethod(exchange) === "tools/call");
    expect(calls.map((exchange) => [exchange.headers["mcp-session-id"], exchange.status])).toEqual([
      [first, 404],
      [second, 200],
    ]);
    const initializes = log.filter((exchange) => bodyMethod(exchange) === "initialize");
    expect(initializes).toHaveLength(2);
    expect(initializes[1]?.sessionId).toBe(second);
    // The new session is fully usable, with its own GET stream.
    expect((await client.callTool("whoami")).data).toMatchObject({ sessionId: second });
    await until(
      () => sessionsOf(listening).session(second)?.getStream === true,
      5000,
      "the GET stream of the new session",
    );
  });

  it("re-initializes once when several requests in flight get the 404", async () => {
    const { client, transport, listening, log } = await setup();
    const first = transport.sessionId as string;
    await until(
      () => sessionsOf(listening).session(first)?.getStream === true,
      5000,
      "the session to be initialized with its GET stream open",
    );
    sessionsOf(listening).endSession(first);
    const results = await Promise.all([
      client.callTool("add", { a: 1, b: 1 }),
      client.callTool("add", { a: 2, b: 2 }),
      client.callTool("echo", { message: "three" }),
      client.listTools(),
    ]);
    expect(results.slice(0, 3).map((result) => (result as { text: string }).text)).toEqual([
      "2",
      "4",
      "three",
    ]);
    expect(log.filter((exchange) => bodyMethod(exchange) === "initialize")).toHaveLength(2);
    expect(sessionsOf(listening).stats().sessions).toBe(1);
    expect(sessionsOf(listening).session(transport.sessionId as string)).toBeDefined();
  });

  it("delivers list_changed notifications on the GET stream when tools are added and removed", async () => {
    const notifications: JSONRPCNotification[] = [];
    const { client, transport, listening, mcp, log } = await setup({
      ...LEGACY,
      onNotification: (notification) => notifications.push(notification),
    });
    const sessionId = transport.sessionId as string;
    await until(
      () => sessionsOf(listening).session(sessionId)?.getStream === true,
      5000,
      "the client to open its GET stream",
    );
    const get = log.find((exchange) => exchange.method === "GET");
    expect(get?.headers["mcp-session-id"]).toBe(sessionId);
    expect(get?.headers.accept).toContain("text/event-stream");
    expect(get?.contentType).toContain("text/event-stream");

    const handle = mcp.tool("late", () => "I am new");
    await until(() => notifications.length >= 1, 5000, "tools/list_changed after adding a tool");
    expect(notifications.map((n) => n.method)).toEqual(["notifications/tools/list_changed"]);
    expect((await client.listTools()).map((tool) => tool.name)).toContain("late");
    expect((await client.callTool("late")).text).toBe("I am new");

    handle.disable();
    await until(() => notifications.length >= 2, 5000, "tools/list_changed after disabling");
    expect((await client.listTools()).map((tool) => tool.name)).not.toContain("late");
    handle.enable();
    await until(() => notifications.length >= 3, 5000, "tools/list_changed after enabling");
    handle.remove();
    await until(() => notifications.length >= 4, 5000, "tools/list_changed after removing");
    expect((await client.listTools()).map((tool) => tool.name)).not.toContain("late");

    mcp.prompt("another", () => "hi");
    mcp.resource("memo://one", () => "one");
    await until(() => notifications.length >= 6, 5000, "prompt and resource list_changed");
    expect(notifications.map((n) => n.method)).toEqual([
      "notifications/tools/list_changed",
      "notifications/tools/list_changed",
      "notifications/tools/list_changed",
      "notifications/tools/list_changed",
      "notifications/prompts/list_changed",
      "notifications/resources/list_changed",
    ]);
  });

  it("resumes a dropped SSE reply with Last-Event-ID and still gets the result", async () => {
    const { mcp, hooks } = createTestServer();
    const listening = await serve(mcp);
    // Keep hold of every POST's server-side response, to cut the connection of the one in flight.
    const posts: { req: IncomingMessage; res: ServerResponse }[] = [];
    listening.server.prependListener("request", (req: IncomingMessage, res: ServerResponse) => {
      if (req.method === "POST") posts.push({ req, res });
    });
    const seen = recordRequests(listening);
    const { fetch, log } = recordingFetch();
    const progress: unknown[] = [];
    const sawProgress = deferred();
    const client = await connect(
      new StreamableHttpTransport({
        url: listening.url,
        fetch,
        reconnect: { initialDelayMs: 50, maxRetries: 5 },
      }),
      {
        ...LEGACY,
        onProgress: (value, total, message) => {
          progress.push([value, total, message]);
          sawProgress.resolve();
        },
      },
    );
    const sessionId = (client.transport as StreamableHttpTransport).sessionId as string;
    const call = client.callTool("stream");
    await within(hooks.streaming.promise, 5000, "the stream tool to start");
    await within(sawProgress.promise, 5000, "the first progress event");

    const inFlight = posts.filter(({ res }) => !res.writableEnded);
    expect(inFlight).toHaveLength(1);
    inFlight[0]?.req.socket.destroy();

    // The client reconnects with GET + Last-Event-ID; only then does the tool finish.
    await until(
      () =>
        seen.some((request) => request.method === "GET" && request.headers["last-event-id"] !== undefined),
      5000,
      "a GET with Last-Event-ID",
    );
    const resume = seen.find((request) => request.headers["last-event-id"] !== undefined);
    expect(resume?.headers["mcp-session-id"]).toBe(sessionId);
    expect(resume?.headers["last-event-id"]).toMatch(new RegExp(`^${sessionId}-\\d+\\.\\d+$`));
    hooks.release.resolve();

    const result = await within(call, 5000, "the result after resumption");
    expect(result.text).toBe("streamed");
    // Nothing was lost or delivered twice.
    expect(progress).toEqual([
      [1, 2, "half way"],
      [2, 2, "done"],
    ]);
    expect(log.filter((exchange) => bodyMethod(exchange) === "tools/call")).toHaveLength(1);
    expect(log.find((exchange) => exchange.headers["last-event-id"])?.contentType).toContain(
      "text/event-stream",
    );
    // In the legacy era a dropped connection is not a cancellation: the handler ran on.
    expect(hooks.streamAborted.settled).toBe(false);
    // The session survived the dropped connection.
    expect((await client.callTool("add", { a: 5, b: 3 })).text).toBe("8");
  });

  it("sends notifications/cancelled with the session id to cancel a call", async () => {
    const { client, transport, hooks, log } = await setup();
    const controller = new AbortController();
    const call = client.callTool("watch", {}, { signal: controller.signal });
    await within(hooks.watchStarted.promise, 5000, "the watch tool to start");
    controller.abort();
    await expect(call).rejects.toMatchObject({ name: "AbortError" });
    await within(hooks.watchAborted.promise, 5000, "the handler's signal to abort");
    const watchId = log.find((e) => bodyMethod(e) === "tools/call" && e.body?.params?.name === "watch")?.body
      ?.id;
    const cancel = log.find((e) => bodyMethod(e) === "notifications/cancelled");
    expect(cancel?.body?.params?.requestId).toBe(watchId);
    expect(cancel?.headers["mcp-session-id"]).toBe(transport.sessionId);
    await until(() => cancel?.status !== undefined, 5000, "the answer to notifications/cancelled");
    expect(cancel?.status).toBe(202);
  });

  it("fails an in-flight call with ConnectionError when the server goes away", async () => {
    const { client, listening, hooks } = await setup(LEGACY, {
      reconnect: { initialDelayMs: 20, maxRetries: 2 },
    });
    const call = client.callTool("stream");
    await within(hooks.streaming.promise, 5000, "the stream tool to start");
    await listening.close();
    const error = await within(
      call.catch((e: unknown) => e),
      5000,
      "the call to fail",
    );
    expect(error).toBeInstanceOf(ConnectionError);
  });
});

describe("2026-07-28 stateless exchange", () => {
  it("sends the routing headers, keeps no session and opens no GET stream", async () => {
    const { client, transport, listening, log } = await setup({});
    expect(client.protocolVersion).toBe("2026-07-28");
    await client.callTool("add", { a: 5, b: 3 });
    await client.readResource("config://test");
    await client.getPrompt("greet", { name: "Ada" });
    expect(transport.sessionId).toBeUndefined();
    expect(sessionsOf(listening).stats().sessions).toBe(0);
    expect(log.every((exchange) => exchange.method === "POST")).toBe(true);
    for (const exchange of log) {
      expect(exchange.headers["mcp-protocol-version"]).toBe("2026-07-28");
      expect(exchange.headers["mcp-method"]).toBe(bodyMethod(exchange));
      expect(exchange.headers["mcp-session-id"]).toBeUndefined();
      expect(exchange.sessionId).toBeNull();
    }
    const named = (method: string) =>
      log.find((exchange) => bodyMethod(exchange) === method)?.headers["mcp-name"];
    expect(named("tools/call")).toBe("add");
    expect(named("resources/read")).toBe("config://test");
    expect(named("prompts/get")).toBe("greet");
    expect(named("tools/list")).toBeUndefined();
    const whoami = (await client.callTool("whoami")).data as {
      sessionId: unknown;
      headers: Record<string, string>;
    };
    expect(whoami.sessionId).toBeNull();
    expect(whoami.headers["mcp-name"]).toBe("whoami");
    await client.close();
    expect(log.some((exchange) => exchange.method === "DELETE")).toBe(false);
  });

  it("answers with JSON, or with SSE when something precedes the result", async () => {
    const logs: unknown[] = [];
    const { client, hooks, log } = await setup({ onLog: (message) => logs.push(message) });
    await client.callTool("add", { a: 5, b: 3 });
    const plain = log.find((exchange) => exchange.body?.params?.name === "add");
    expect(plain?.contentType).toContain("application/json");
    hooks.release.resolve();
    expect((await client.callTool("stream", {}, { onProgress: () => {} })).text).toBe("streamed");
    const streamed = log.find((exchange) => exchange.body?.params?.name === "stream");
    expect(streamed?.contentType).toContain("text/event-stream");
    expect(logs).toHaveLength(1);
  });

  it("cancels by closing the reply stream (no notifications/cancelled is sent)", async () => {
    const { client, hooks, log } = await setup({});
    const controller = new AbortController();
    const call = client.callTool("watch", {}, { signal: controller.signal });
    await within(hooks.watchStarted.promise, 5000, "the watch tool to start");
    controller.abort();
    await expect(call).rejects.toMatchObject({ name: "AbortError" });
    await within(hooks.watchAborted.promise, 5000, "the handler's signal to abort");
    expect(log.some((exchange) => bodyMethod(exchange) === "notifications/cancelled")).toBe(false);
  });

  it("fails the call with ConnectionError when its reply stream drops (no resumption without a session)", async () => {
    const { mcp, hooks } = createTestServer();
    const listening = await serve(mcp);
    const posts: { req: IncomingMessage; res: ServerResponse }[] = [];
    listening.server.prependListener("request", (req: IncomingMessage, res: ServerResponse) => {
      if (req.method === "POST") posts.push({ req, res });
    });
    const client = await connect(listening.url, { onProgress: () => {} });
    const call = client.callTool("stream");
    await within(hooks.streaming.promise, 5000, "the stream tool to start");
    await until(() => posts.some(({ res }) => res.headersSent && !res.writableEnded), 5000, "the SSE reply");
    for (const { req, res } of posts) if (!res.writableEnded) req.socket.destroy();
    const error = await within(
      call.catch((e: unknown) => e),
      5000,
      "the call to fail",
    );
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/dropped|ended/);
    // In this era a dropped reply stream is a cancellation: the server aborts the handler.
    await within(hooks.streamAborted.promise, 5000, "the server to abort the handler");
    hooks.release.resolve();
    // The client is still usable for new requests.
    expect((await client.callTool("add", { a: 5, b: 3 })).text).toBe("8");
  });
});

describe("the request a handler sees (ctx.headers, notifications)", () => {
  // The headers are copied from the HTTP request when a handler first reads them: each request
  // gets its own copy, one object however often it is read.
  const ERAS: [string, ClientOptions, { stateless?: boolean }][] = [
    ["2026-07-28", {}, {}],
    ["legacy session", LEGACY, {}],
    ["legacy stateless", LEGACY, { stateless: true }],
  ];

  it.each(ERAS)(
    "%s: ctx.headers is this request's, one object on every read",
    async (_era, options, served) => {
      const { mcp } = createTestServer((server) =>
        server.tool("headers-twice", (_args, ctx) => {
          const first = ctx.headers;
          const second = ctx.headers;
          return { same: first === second, tag: second?.["x-tag"] ?? null };
        }),
      );
      const listening = await serve(mcp, served);
      for (const tag of ["first", "second"]) {
        const client = await connect(
          new StreamableHttpTransport({ url: listening.url, headers: { "X-Tag": tag } }),
          options,
        );
        const data = (await client.callTool("headers-twice")).data as { same: boolean; tag: string };
        expect(data).toEqual({ same: true, tag });
      }
    },
  );

  it.each(ERAS)(
    "%s: a handler's progress and log reach the caller before its result",
    async (_era, options, served) => {
      const { mcp, hooks } = createTestServer();
      const listening = await serve(mcp, served);
      const logs: unknown[] = [];
      const client = await connect(listening.url, { ...options, onLog: (message) => logs.push(message) });
      const progress: unknown[] = [];
      const call = client.callTool("stream", {}, { onProgress: (value) => progress.push(value) });
      await within(hooks.streaming.promise, 5000, "the stream tool to start");
      hooks.release.resolve();
      expect((await call).text).toBe("streamed");
      expect(progress).toEqual([1, 2]);
      expect(logs).toHaveLength(1);
    },
  );
});
