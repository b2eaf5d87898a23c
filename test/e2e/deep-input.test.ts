/**
 * Deeply nested peer input and internal error text (issue 8, item 5), against a real stdio
 * subprocess and a real HTTP listener, in both eras: arguments nested 100,000 levels deep are a
 * -32602 naming the limit (not a stack overflow reported as -32603), the server keeps serving, and
 * with maskErrorDetails on no internal message reaches the client.
 */
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { MAX_INPUT_DEPTH } from "../../src/server/depth.js";
import type { ListeningServer } from "../../src/transports/http/app.js";
import { createDeepInputServer, SECRET } from "../fixtures/deep-input-server.js";
import { ACCEPT_BOTH, modernHeaders, post } from "../helpers/modern-http.js";
import { META } from "../helpers/protocol.js";
import { RawStdio } from "../helpers/raw-stdio.js";
import { sseMessages } from "../helpers/sse.js";

const FIXTURE = fileURLToPath(new URL("../fixtures/deep-input-server.ts", import.meta.url));
const LEGACY = "2025-11-25";
const DEPTH = 100_000;
/** JSON text of arrays nested DEPTH levels deep (JSON.parse takes it; recursive walks do not). */
const DEEP = `${"[".repeat(DEPTH)}${"]".repeat(DEPTH)}`;
const MODERN_META = JSON.stringify({
  ...META,
  "io.modelcontextprotocol/clientCapabilities": { elicitation: { form: {} } },
});

/** A tools/call whose arguments hold DEEP, as text (JSON.stringify could not write it). */
function deepCall(id: number | string, name: string, modern: boolean, extra = ""): string {
  const meta = modern ? `,"_meta":${MODERN_META}` : "";
  return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":"tools/call","params":{"name":"${name}","arguments":{"x":${DEEP}}${extra}${meta}}}`;
}

function expectTooDeep(error: { code: number; message: string } | undefined): void {
  expect(error?.code).toBe(-32602);
  expect(error?.message).toContain(`${MAX_INPUT_DEPTH} levels`);
  expect(error?.message).not.toMatch(/call stack|Internal error/);
}

const running: (RawStdio | ListeningServer)[] = [];
afterEach(async () => {
  for (const item of running.splice(0)) {
    if (item instanceof RawStdio) await item[Symbol.asyncDispose]();
    else await item.close();
  }
});

function spawnServer(env: Record<string, string> = {}): RawStdio {
  const server = new RawStdio([FIXTURE], env);
  running.push(server);
  return server;
}

async function initializeStdio(server: RawStdio): Promise<void> {
  const init = await server.request({
    id: "init",
    method: "initialize",
    params: {
      protocolVersion: LEGACY,
      capabilities: { elicitation: { form: {} } },
      clientInfo: { name: "raw", version: "1" },
    },
  });
  expect(init.result.protocolVersion).toBe(LEGACY);
  server.send({ jsonrpc: "2.0", method: "notifications/initialized" });
}

describe("deeply nested input over stdio (a real subprocess)", () => {
  it("2026-07-28: an eliciting tool and a plain tool answer -32602 naming the limit, then serve the next call", async () => {
    const server = spawnServer();
    for (const [id, name, extra] of [
      ["ask", "ask", ""],
      ["echo", "echo", ""],
      // A retry presenting a requestState: refused before the state is opened or digested.
      ["retry", "ask", ',"requestState":"abc.def"'],
    ] as const) {
      server.send(deepCall(id, name, true, extra));
      const reply = await server.next(30_000);
      expect(reply.id).toBe(id);
      expectTooDeep(reply.error);
    }
    const next = await server.request({
      id: "after",
      method: "tools/call",
      params: { name: "echo", arguments: { x: 1 }, _meta: JSON.parse(MODERN_META) },
    });
    expect(next.result.structuredContent).toEqual({ x: 1 });
  });

  it("legacy: deep arguments and a deep elicitation answer are -32602, then the next call is served", async () => {
    const server = spawnServer();
    await initializeStdio(server);
    for (const name of ["ask", "echo"]) {
      server.send(deepCall(name, name, false));
      const reply = await server.next(30_000);
      expect(reply.id).toBe(name);
      expectTooDeep(reply.error);
    }
    // The client's answer to a server-to-client request is peer input too.
    server.send({
      jsonrpc: "2.0",
      id: "asked",
      method: "tools/call",
      params: { name: "ask", arguments: {} },
    });
    const elicit = await server.next();
    expect(elicit.method).toBe("elicitation/create");
    server.send(
      `{"jsonrpc":"2.0","id":${JSON.stringify(elicit.id)},"result":{"action":"accept","content":{"name":${DEEP}}}}`,
    );
    const asked = await server.next(30_000);
    expect(asked.id).toBe("asked");
    expectTooDeep(asked.error);
    expect(asked.error.message).toContain("elicitation/create");
    const next = await server.request({
      id: "after",
      method: "tools/call",
      params: { name: "echo", arguments: { x: 1 } },
    });
    expect(next.result.structuredContent).toEqual({ x: 1 });
  });

  it("input at the limit is accepted", async () => {
    const server = spawnServer();
    // params > arguments > x: the arrays start three levels down.
    const depth = MAX_INPUT_DEPTH - 2;
    const value = `${"[".repeat(depth)}${"]".repeat(depth)}`;
    server.send(
      `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"x":${value}},"_meta":${MODERN_META}}}`,
    );
    const reply = await server.next();
    expect(reply.error).toBeUndefined();
    expect(reply.result.isError).toBeUndefined();
    server.send(
      `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"x":[${value}]},"_meta":${MODERN_META}}}`,
    );
    expectTooDeep((await server.next()).error);
  });
});

/** Reads one JSON-RPC answer from a POST reply, JSON or SSE. */
async function answerOf(response: Response): Promise<any> {
  const text = await response.text();
  if (!(response.headers.get("content-type") ?? "").includes("text/event-stream")) return JSON.parse(text);
  return sseMessages(text).find((message) => "id" in message && !("method" in message));
}

async function listen(mask = false): Promise<string> {
  const listening = await createDeepInputServer({ mask }).listen({ host: "127.0.0.1", port: 0 });
  running.push(listening);
  return listening.url;
}

describe("deeply nested input over Streamable HTTP (a real socket)", () => {
  it("2026-07-28: -32602 (400) for an eliciting and a plain tool, then the next call is served", async () => {
    const url = await listen();
    for (const name of ["ask", "echo"]) {
      const response = await post(url, deepCall(1, name, true), modernHeaders("tools/call", name));
      expect(response.status).toBe(400);
      expectTooDeep((await answerOf(response)).error);
    }
    const next = await post(
      url,
      `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"x":1},"_meta":${MODERN_META}}}`,
      modernHeaders("tools/call", "echo"),
    );
    expect(next.status).toBe(200);
    expect((await answerOf(next)).result.structuredContent).toEqual({ x: 1 });
  });

  it("legacy session: -32602 for an eliciting and a plain tool, then the next call is served", async () => {
    const url = await listen();
    const headers = { "content-type": "application/json", accept: ACCEPT_BOTH };
    const init = await post(
      url,
      {
        jsonrpc: "2.0",
        id: 0,
        method: "initialize",
        params: { protocolVersion: LEGACY, capabilities: {}, clientInfo: { name: "raw", version: "1" } },
      },
      headers,
    );
    expect(init.status).toBe(200);
    const session = {
      ...headers,
      "mcp-session-id": init.headers.get("mcp-session-id") ?? "",
      "mcp-protocol-version": LEGACY,
    };
    await init.text();
    await (await post(url, { jsonrpc: "2.0", method: "notifications/initialized" }, session)).text();
    for (const name of ["ask", "echo"]) {
      const response = await post(url, deepCall(name, name, false), session);
      expectTooDeep((await answerOf(response)).error);
    }
    const next = await post(
      url,
      { jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "echo", arguments: { x: 1 } } },
      session,
    );
    expect((await answerOf(next)).result.structuredContent).toEqual({ x: 1 });
  });
});

describe("maskErrorDetails", () => {
  /** Requests whose handling fails inside the server: a result JSON cannot encode, a throwing resource and completer. */
  const failing = [
    { method: "tools/call", params: { name: "cycle", arguments: {} } },
    { method: "resources/read", params: { uri: "secret://boom" } },
    {
      method: "completion/complete",
      params: {
        ref: { type: "ref/resource", uri: "files://{name}" },
        argument: { name: "name", value: "a" },
      },
    },
  ];

  it("over stdio, no internal text reaches the client with masking on (both eras)", async () => {
    const server = spawnServer({ MASK: "1" });
    for (const [index, request] of failing.entries()) {
      const reply = await server.request({
        id: index,
        method: request.method,
        params: { ...request.params, _meta: JSON.parse(MODERN_META) },
      });
      expect(reply.error?.code).toBe(-32603);
      expect(JSON.stringify(reply)).not.toContain(SECRET);
      expect(JSON.stringify(reply)).not.toMatch(/call stack|encoded|JSON/);
    }
    await initializeStdio(server);
    for (const [index, request] of failing.entries()) {
      const reply = await server.request({ id: `legacy-${index}`, ...request });
      expect(reply.error?.code).toBe(-32603);
      expect(JSON.stringify(reply)).not.toContain(SECRET);
      expect(JSON.stringify(reply)).not.toMatch(/call stack|encoded|JSON/);
    }
  });

  it("over HTTP, no internal text reaches the client with masking on", async () => {
    const url = await listen(true);
    for (const request of failing) {
      const response = await post(
        url,
        { jsonrpc: "2.0", id: 1, method: request.method, params: { ...request.params, _meta: META } },
        modernHeaders(
          request.method,
          (request.params as { name?: string; uri?: string }).name ??
            (request.params as { uri?: string }).uri,
        ),
      );
      const reply = await answerOf(response);
      expect(reply.error?.code).toBe(-32603);
      expect(JSON.stringify(reply)).not.toContain(SECRET);
      expect(JSON.stringify(reply)).not.toMatch(/call stack|encoded|JSON/);
    }
  });

  it("with masking off, the detail is kept (today's behaviour) and the server keeps serving", async () => {
    const url = await listen(false);
    const response = await post(
      url,
      { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "cycle", arguments: {}, _meta: META } },
      modernHeaders("tools/call", "cycle"),
    );
    expect((await answerOf(response)).error).toEqual({
      code: -32603,
      message: "Internal error: The result could not be encoded as JSON",
    });
    const read = await post(
      url,
      { jsonrpc: "2.0", id: 2, method: "resources/read", params: { uri: "secret://boom", _meta: META } },
      modernHeaders("resources/read", "secret://boom"),
    );
    expect((await answerOf(read)).error.message).toContain(SECRET);
  });
});
