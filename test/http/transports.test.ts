/**
 * The seed's multi-transport scenario over real sockets: one FastMCP server under each network mode
 * of run() (Streamable HTTP, legacy HTTP+SSE, WebSocket), reached by URL auto-detection and by the
 * explicit transport classes, in both protocol eras.
 */
import { describe, expect, it } from "vitest";
import {
  type Client,
  type ClientOptions,
  type ClientTransport,
  type JSONRPCNotification,
  type ListeningServer,
  SSETransport,
  StreamableHttpTransport,
  TimeoutError,
  ToolError,
  WSTransport,
} from "../../src/index.js";
import { closeAfterEach, connect, createTestServer, type Hooks, serve } from "../helpers/http-test-server.js";
import { deferred, until, within } from "../helpers/wait.js";

closeAfterEach();

type Kind = "http" | "sse" | "ws";

const CLASSES: Record<Kind, new (options: { url: string }) => ClientTransport> = {
  http: StreamableHttpTransport,
  sse: SSETransport,
  ws: WSTransport,
};

const ERAS: { era: string; options: ClientOptions; version: string }[] = [
  { era: "auto", options: {}, version: "2026-07-28" },
  { era: "pinned 2025-11-25", options: { protocolVersion: "2025-11-25" }, version: "2025-11-25" },
];

const CASES = (["http", "sse", "ws"] as Kind[]).flatMap((kind) =>
  (["url", "class"] as const).flatMap((how) => ERAS.map((era) => ({ kind, how, ...era }))),
);

describe.each(CASES)("$kind transport, reached by $how, $era era", ({ kind, how, options, version }) => {
  async function setup(
    clientOptions: ClientOptions = {},
  ): Promise<{ client: Client; listening: ListeningServer; hooks: Hooks }> {
    const { mcp, hooks } = createTestServer();
    const listening = await serve(mcp, { transport: kind });
    const url = listening.urls[kind];
    expect(url).toBeDefined();
    const target = how === "url" ? (url as string) : new CLASSES[kind]({ url: url as string });
    const client = await connect(target, { ...options, ...clientOptions });
    return { client, listening, hooks };
  }

  it("connects with the expected transport class and protocol version", async () => {
    const { client } = await setup();
    expect(client.transport).toBeInstanceOf(CLASSES[kind]);
    expect(client.protocolVersion).toBe(version);
    expect(client.serverInfo?.name).toBe("everything");
    expect(client.instructions).toBe("A test server.");
    if (kind === "http") {
      const transport = client.transport as StreamableHttpTransport;
      // Only the legacy era has sessions on Streamable HTTP.
      if (version === "2026-07-28") expect(transport.sessionId).toBeUndefined();
      else expect(transport.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it("lists tools and calls add (5 + 3 gives 8)", async () => {
    const { client } = await setup();
    const names = (await client.listTools()).map((tool) => tool.name);
    expect(names).toEqual(expect.arrayContaining(["add", "echo", "sleep", "fail", "weather", "stream"]));
    const result = await client.callTool("add", { a: 5, b: 3 });
    expect(result.text).toBe("8");
    expect(result.isError).toBe(false);
  });

  it("returns structured output", async () => {
    const { client } = await setup();
    const tools = await client.listTools();
    expect(tools.find((tool) => tool.name === "weather")?.outputSchema).toMatchObject({ type: "object" });
    const result = await client.callTool("weather", { city: "Oslo" });
    expect(result.structuredContent).toEqual({ city: "Oslo", celsius: 21 });
    expect(result.data).toEqual({ city: "Oslo", celsius: 21 });
    expect(JSON.parse(result.text)).toEqual({ city: "Oslo", celsius: 21 });
  });

  it("turns an isError result into a thrown ToolError, or returns it with raiseOnError: false", async () => {
    const { client } = await setup();
    const error = await client.callTool("fail").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolError);
    expect((error as ToolError).message).toBe("this tool always fails");
    const result = await client.callTool("fail", {}, { raiseOnError: false });
    expect(result.isError).toBe(true);
    expect(result.text).toBe("this tool always fails");
    // The connection is still usable afterwards.
    expect((await client.callTool("echo", { message: "still here" })).text).toBe("still here");
  });

  it("reads a static resource and a template resource", async () => {
    const { client } = await setup();
    expect((await client.listResources()).map((r) => r.uri)).toContain("config://test");
    expect((await client.listResourceTemplates()).map((t) => t.uriTemplate)).toContain(
      "users://{id}/profile",
    );
    const config = await client.readResource("config://test");
    expect(config.json()).toEqual({ test: true, env: "development" });
    const profile = await client.readResource("users://42/profile");
    expect(profile.contents[0]?.uri).toBe("users://42/profile");
    expect(profile.json()).toEqual({ id: "42", name: "User 42" });
  });

  it("gets a prompt", async () => {
    const { client } = await setup();
    expect((await client.listPrompts()).map((p) => p.name)).toEqual(["greet"]);
    const prompt = await client.getPrompt("greet", { name: "Ada" });
    expect(prompt.messages).toHaveLength(1);
    expect(prompt.messages[0]?.role).toBe("user");
    expect(prompt.text).toBe("Say hello to Ada");
  });

  it("delivers progress and logs while the call is still running", async () => {
    const logs: unknown[] = [];
    const sawLog = deferred();
    const { client, hooks } = await setup({
      onLog: (message) => {
        logs.push(message);
        sawLog.resolve();
      },
    });
    const progress: unknown[] = [];
    const sawProgress = deferred();
    const call = client.callTool(
      "stream",
      {},
      {
        onProgress: (value, total, message) => {
          progress.push([value, total, message]);
          sawProgress.resolve();
        },
      },
    );
    // The tool waits for `release`: the progress and the log must reach us before its result.
    await within(hooks.streaming.promise, 5000, "the stream tool to start");
    await within(
      Promise.all([sawProgress.promise, sawLog.promise]),
      5000,
      "progress and log during the call",
    );
    expect(progress).toEqual([[1, 2, "half way"]]);
    expect(logs).toEqual([expect.objectContaining({ level: "info", data: "streaming" })]);
    hooks.release.resolve();
    const result = await within(call, 5000, "the stream tool's result");
    expect(result.text).toBe("streamed");
    expect(progress).toEqual([
      [1, 2, "half way"],
      [2, 2, "done"],
    ]);
  });

  it("cancels a call by AbortSignal, and the server handler's ctx.signal aborts", async () => {
    const { client, hooks } = await setup();
    const controller = new AbortController();
    const call = client.callTool("watch", {}, { signal: controller.signal });
    await within(hooks.watchStarted.promise, 5000, "the watch tool to start");
    controller.abort("user gave up");
    const error = await call.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe("AbortError");
    await within(hooks.watchAborted.promise, 5000, "the server handler's ctx.signal to abort");
    // Still connected and usable.
    expect((await client.callTool("add", { a: 1, b: 2 })).text).toBe("3");
  });

  it("fails a call that exceeds its timeout with TimeoutError, and the server handler is cancelled", async () => {
    const { client, hooks } = await setup();
    const started = Date.now();
    const error = await client.callTool("watch", {}, { timeout: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(5000);
    await within(hooks.watchAborted.promise, 5000, "the server handler to be cancelled after the timeout");
    // The client-wide default timeout applies too.
    const { client: quick } = await setup({ timeout: 200 });
    await expect(quick.callTool("sleep", { ms: 5000 })).rejects.toBeInstanceOf(TimeoutError);
    expect((await quick.callTool("add", { a: 2, b: 2 })).text).toBe("4");
  });
});

describe.each(["http", "sse", "ws"] as Kind[])("legacy session over %s", (kind) => {
  it("tells the client about tools, prompts and resources added and removed", async () => {
    const { mcp } = createTestServer();
    const listening = await serve(mcp, { transport: kind });
    const notifications: JSONRPCNotification[] = [];
    const client = await connect(listening.urls[kind] as string, {
      protocolVersion: "2025-11-25",
      onNotification: (notification) => notifications.push(notification),
    });
    // List changes go to initialized sessions only: wait for notifications/initialized to land.
    await until(
      () => mcp.sessions().some((session) => session.initialized),
      5000,
      "the session to be initialized",
    );
    if (kind === "http") {
      // Over Streamable HTTP these travel on the GET stream: wait until the client opened it.
      const sessionId = (client.transport as StreamableHttpTransport).sessionId as string;
      await until(
        () => listening.app.streamable?.session(sessionId)?.getStream === true,
        5000,
        "the GET stream",
      );
    }
    const tool = mcp.tool("late", () => "late");
    await until(() => notifications.length === 1, 5000, "tools/list_changed");
    expect((await client.callTool("late")).text).toBe("late");
    tool.remove();
    mcp.prompt("late", () => "hi");
    mcp.resource("memo://late", () => "memo");
    await until(() => notifications.length === 4, 5000, "three more list_changed notifications");
    expect(notifications.map((notification) => notification.method)).toEqual([
      "notifications/tools/list_changed",
      "notifications/tools/list_changed",
      "notifications/prompts/list_changed",
      "notifications/resources/list_changed",
    ]);
    expect((await client.listTools()).map((t) => t.name)).not.toContain("late");
    expect((await client.readResource("memo://late")).text).toBe("memo");
  });
});

describe("all network modes at once on one port", () => {
  it("serves http, sse and ws side by side from one FastMCP server", async () => {
    const { mcp } = createTestServer();
    const listening = await serve(mcp, { transport: ["http", "sse", "ws"] });
    expect(listening.url).toBe(listening.urls.http);
    const port = new URL(listening.url).port;
    expect(listening.urls).toEqual({
      http: `http://127.0.0.1:${port}/mcp`,
      sse: `http://127.0.0.1:${port}/sse`,
      ws: `ws://127.0.0.1:${port}/ws`,
    });
    for (const kind of ["http", "sse", "ws"] as const) {
      for (const era of ERAS) {
        const client = await connect(listening.urls[kind] as string, era.options);
        expect(client.transport).toBeInstanceOf(CLASSES[kind]);
        expect(client.protocolVersion).toBe(era.version);
        expect((await client.callTool("add", { a: 5, b: 3 })).text).toBe("8");
        await client.close();
      }
    }
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
  });
});
