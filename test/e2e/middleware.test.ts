/**
 * Middleware over every transport: the same server (test/fixtures/middleware-server.ts) in memory,
 * over stdio, Streamable HTTP in both eras, SSE and WebSocket, and the same assertions on each:
 * order, argument rewriting, short-circuit, McpError and ToolError from middleware, list filtering
 * hiding a component from calls, and client notifications reaching `onNotification`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Client,
  type ClientOptions,
  ErrorCode,
  type FastMCP,
  type ListeningServer,
  SSETransport,
  StdioTransport,
  ToolError,
  WSTransport,
} from "../../src/index.js";
import { createMiddlewareServer, FORBIDDEN_CODE } from "../fixtures/middleware-server.js";
import { expectMcpError, uid } from "../helpers/matrix-rig.js";
import { ROOT } from "../helpers/paths.js";
import { LEGACY, META } from "../helpers/protocol.js";
import { until } from "../helpers/wait.js";

const FIXTURE = `${ROOT}test/fixtures/middleware-server.ts`;

type Column = "memory" | "stdio" | "http-modern" | "http-legacy" | "sse" | "ws";
const COLUMNS: { column: Column; transport: string; legacy: boolean }[] = [
  { column: "memory", transport: "memory", legacy: false },
  { column: "stdio", transport: "stdio", legacy: true },
  { column: "http-modern", transport: "http", legacy: false },
  { column: "http-legacy", transport: "http", legacy: true },
  { column: "sse", transport: "sse", legacy: true },
  { column: "ws", transport: "ws", legacy: false },
];

// One in-process server for memory, one listening server for HTTP, SSE and WebSocket, one stdio process.
let memoryServer: FastMCP;
let listening: ListeningServer;

beforeAll(async () => {
  memoryServer = createMiddlewareServer();
  listening = await createMiddlewareServer().listen({
    host: "127.0.0.1",
    port: 0,
    transport: ["http", "sse", "ws"],
  });
});

afterAll(async () => {
  await listening?.close();
});

function clientFor(column: Column, legacy: boolean): Client {
  const options: ClientOptions = legacy ? { protocolVersion: LEGACY } : {};
  const { urls } = listening;
  switch (column) {
    case "memory":
      return new Client(memoryServer, options);
    case "stdio":
      return new Client(
        new StdioTransport(process.execPath, ["--import", "tsx", FIXTURE], { cwd: ROOT, stderr: "pipe" }),
        options,
      );
    case "http-modern":
    case "http-legacy":
      return new Client(urls.http as string, options);
    case "sse":
      return new Client(new SSETransport(urls.sse as string), options);
    case "ws":
      return new Client(new WSTransport(urls.ws as string), options);
  }
}

function texts(result: { content: unknown[] }): string[] {
  return result.content.map((block) => (block as { text: string }).text);
}

describe.each(COLUMNS)("middleware over $column", ({ column, transport, legacy }) => {
  let client: Client;
  beforeAll(async () => {
    client = clientFor(column, legacy);
    await client.connect();
    expect(client.era).toBe(legacy ? "legacy" : "modern");
  });
  afterAll(async () => {
    await client?.close();
  });

  it("runs hooks outermost first on the way in and innermost first on the way out", async () => {
    const result = await client.callTool("trace");
    expect(texts(result)).toEqual([
      JSON.stringify([`outer.request:${transport}`, "inner.request", "outer.call", "inner.call"]),
      "inner.out",
      "outer.out",
    ]);
  });

  it("hands rewritten arguments and a rewritten name to the handler", async () => {
    // `add` is strict: `double` reaches it only if the middleware failed to rewrite the arguments.
    expect((await client.callTool("add", { a: 2, b: 3, double: true })).text).toBe("10");
    expect((await client.callTool("alias", { a: 2, b: 3 })).text).toBe("5");
  });

  it("answers without the handler when a middleware does not call next()", async () => {
    expect((await client.callTool("short")).text).toBe("answered by middleware");
  });

  it("turns an McpError thrown by a middleware into that JSON-RPC error", async () => {
    const error = await expectMcpError(client.callTool("forbidden"), FORBIDDEN_CODE);
    expect(error.message).toContain("forbidden by middleware");
    expect(error.data).toEqual({ tool: "forbidden" });
  });

  it("turns a ToolError thrown by a middleware into an isError result", async () => {
    const error = await client.callTool("refused").then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ToolError);
    expect((error as ToolError).message).toBe("refused by middleware");
    const result = await client.callTool("refused", {}, { raiseOnError: false });
    expect(result.isError).toBe(true);
    expect(result.text).toBe("refused by middleware");
  });

  it("gives middleware and handler the same Context", async () => {
    expect((await client.callTool("same_context")).text).toBe("same");
  });

  it("hides what a list hook filters out, from lists (paged after filtering) and from calls", async () => {
    const names = (await client.listTools()).map((tool) => tool.name);
    expect(names).toContain("visible_1");
    expect(names).toContain("visible_2");
    expect(names).not.toContain("hidden_tool");
    // pageSize 2: the first page holds two visible tools and a cursor to the rest.
    const first = await client.request("tools/list", {});
    expect((first.tools as { name: string }[]).map((tool) => tool.name)).toEqual(["trace", "add"]);
    expect(typeof first.nextCursor).toBe("string");

    const unknown = await expectMcpError(client.callTool("no_such_tool"), ErrorCode.InvalidParams);
    const hidden = await expectMcpError(client.callTool("hidden_tool"), ErrorCode.InvalidParams);
    expect(hidden.message).toBe(unknown.message.replace("no_such_tool", "hidden_tool"));

    expect((await client.listPrompts()).map((prompt) => prompt.name)).toEqual(["greet"]);
    await expectMcpError(client.getPrompt("hidden_prompt"), ErrorCode.InvalidParams);
    expect((await client.getPrompt("greet")).messages).toHaveLength(1);

    expect((await client.listResources()).map((resource) => resource.uri)).toEqual(["shown://public"]);
    const notFound = legacy ? ErrorCode.ResourceNotFound : ErrorCode.InvalidParams;
    const readHidden = await expectMcpError(client.readResource("hidden://secret"), notFound);
    expect(readHidden.message).toBe("Resource not found: hidden://secret");
    expect((await client.readResource("shown://public")).text).toBe("public");
  });

  it("passes client notifications to onNotification", async () => {
    const tag = uid("note");
    // A 2026-07-28 notification stands alone (no session): its envelope names the era.
    const meta = column === "http-modern" ? { _meta: META } : {};
    client.transport.sendNotification("notifications/roots/list_changed", { tag, ...meta });
    await until(
      async () => (await client.callTool("heard", { tag })).text === "notifications/roots/list_changed",
      10_000,
      "the middleware to hear the notification",
    );
  });
});
