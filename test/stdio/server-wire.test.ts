/**
 * The stdio server on the wire: raw lines in, raw lines out, against a real subprocess. Bad input
 * gets a clear JSON-RPC error and the server keeps serving.
 */
import { once } from "node:events";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { FastMCP, serveStdio } from "../../src/index.js";
import { META } from "../helpers/protocol.js";
import { RawStdio } from "../helpers/raw-stdio.js";

const SERVER = "test/fixtures/everything-server.ts";

describe("stdio server: bad input is answered and loses nothing", () => {
  it("answers malformed JSON with -32700 and goes on", async () => {
    await using server = new RawStdio([SERVER]);
    server.send("{not json");
    const error = await server.next();
    expect(error).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32700 } });
    const ok = await server.request({
      id: 1,
      method: "tools/call",
      params: { name: "add", arguments: { a: 2, b: 2 }, _meta: META },
    });
    expect(ok.result.content[0].text).toBe("4");
  });

  it("answers non-object messages and batches with -32600", async () => {
    await using server = new RawStdio([SERVER]);
    for (const line of ["42", '"text"', "null", "[]", '[{"jsonrpc":"2.0","id":1,"method":"tools/list"}]']) {
      server.send(line);
      expect(await server.next()).toMatchObject({ id: null, error: { code: -32600 } });
    }
    server.send({ jsonrpc: "1.0", id: 7, method: "tools/list" });
    expect(await server.next()).toMatchObject({ id: 7, error: { code: -32600 } });
    server.send({ jsonrpc: "2.0", id: { nested: true }, method: "tools/list" });
    expect(await server.next()).toMatchObject({ id: null, error: { code: -32600 } });
    const ok = await server.request({ id: 2, method: "server/discover", params: { _meta: META } });
    expect(ok.result.supportedVersions).toContain("2026-07-28");
  });

  it("answers an unknown method with -32601", async () => {
    await using server = new RawStdio([SERVER]);
    const reply = await server.request({ id: 1, method: "tools/explode", params: { _meta: META } });
    expect(reply.error.code).toBe(-32601);
    expect(reply.error.message).toContain("tools/explode");
  });

  it("reports wrong argument types naming the field, and an unknown tool with -32602", async () => {
    await using server = new RawStdio([SERVER]);
    const wrong = await server.request({
      id: 1,
      method: "tools/call",
      params: { name: "add", arguments: { a: "one", b: 2 }, _meta: META },
    });
    expect(wrong.result.isError).toBe(true);
    expect(wrong.result.content[0].text).toMatch(/^Invalid arguments for tool add: a: /);
    const unknown = await server.request({
      id: 2,
      method: "tools/call",
      params: { name: "nope", _meta: META },
    });
    expect(unknown.error).toMatchObject({ code: -32602, message: "Unknown tool: nope" });
    const notObject = await server.request({
      id: 3,
      method: "tools/call",
      params: { name: "add", arguments: [1, 2], _meta: META },
    });
    expect(notObject.error.code).toBe(-32602);
  });

  it("rejects a 2026-07-28 request without its _meta envelope with -32602", async () => {
    await using server = new RawStdio([SERVER]);
    const none = await server.request({ id: 1, method: "tools/list" });
    expect(none.error.code).toBe(-32602);
    expect(none.error.message).toContain("io.modelcontextprotocol/protocolVersion");
    const noCaps = await server.request({
      id: 2,
      method: "tools/list",
      params: { _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28" } },
    });
    expect(noCaps.error.code).toBe(-32602);
    expect(noCaps.error.message).toContain("clientCapabilities");
  });

  it("rejects an unsupported version with -32022 listing the supported ones", async () => {
    await using server = new RawStdio([SERVER]);
    const reply = await server.request({
      id: 1,
      method: "tools/list",
      params: { _meta: { ...META, "io.modelcontextprotocol/protocolVersion": "1999-01-01" } },
    });
    expect(reply.error.code).toBe(-32022);
    expect(reply.error.data.requested).toBe("1999-01-01");
    expect(reply.error.data.supported).toEqual([
      "2026-07-28",
      "2025-11-25",
      "2025-06-18",
      "2025-03-26",
      "2024-11-05",
    ]);
  });

  it("answers methods removed in 2026-07-28 with -32601 under a modern claim", async () => {
    await using server = new RawStdio([SERVER]);
    for (const method of ["initialize", "ping", "logging/setLevel"]) {
      const reply = await server.request({ id: method, method, params: { _meta: META } });
      expect(reply.error.code).toBe(-32601);
    }
  });

  it("drops an oversized line with an error and keeps serving", async () => {
    await using server = new RawStdio([SERVER], { MAX_LINE_BYTES: "1024" });
    server.send({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "echo", arguments: { message: "x".repeat(5000) }, _meta: META },
    });
    const error = await server.next();
    // The request's id is read from the line's start, so the client's call fails at once.
    expect(error).toMatchObject({ id: 1, error: { code: -32600 } });
    expect(error.error.message).toMatch(/too large: \d+ bytes exceeds the server's 1024-byte line limit/);
    // With its id nowhere near either end, the error has a null id.
    server.send(
      `{"jsonrpc":"2.0","params":{"a":"${"y".repeat(5000)}"},"id":7,"params2":"${"y".repeat(5000)}"}`,
    );
    expect(await server.next()).toMatchObject({ id: null, error: { code: -32600 } });
    const ok = await server.request({
      id: 2,
      method: "tools/call",
      params: { name: "echo", arguments: { message: "small" }, _meta: META },
    });
    expect(ok.result.content[0].text).toBe("small");
  });

  it("keeps stdout for protocol messages only, even when a handler uses console.log", async () => {
    await using server = new RawStdio([SERVER]);
    const reply = await server.request({
      id: 1,
      method: "tools/call",
      params: { name: "noisy", _meta: META },
    });
    expect(reply.result.content[0].text).toBe("quiet");
    await server.request({ id: 2, method: "server/discover", params: { _meta: META } });
    for (const line of server.stdoutLines) expect(JSON.parse(line).jsonrpc).toBe("2.0");
  });
});

describe("stdio server: both eras and lifecycle", () => {
  it("serves a legacy session after initialize, on the same process as modern requests", async () => {
    await using server = new RawStdio([SERVER]);
    const init = await server.request({
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "old", version: "1" } },
    });
    expect(init.result).toMatchObject({ protocolVersion: "2025-06-18", serverInfo: { name: "everything" } });
    expect(init.result).not.toHaveProperty("resultType");
    server.send({ jsonrpc: "2.0", method: "notifications/initialized" });
    const legacy = await server.request({
      id: 2,
      method: "tools/call",
      params: { name: "add", arguments: { a: 1, b: 1 } },
    });
    expect(legacy.result).toEqual({ content: [{ type: "text", text: "2" }] });
    expect((await server.request({ id: 3, method: "ping" })).result).toEqual({});
    const modern = await server.request({
      id: 4,
      method: "tools/call",
      params: { name: "add", arguments: { a: 1, b: 1 }, _meta: META },
    });
    expect(modern.result.resultType).toBe("complete");
  });

  it("answers an unknown initialize version with its newest legacy version", async () => {
    await using server = new RawStdio([SERVER]);
    const init = await server.request({
      id: 1,
      method: "initialize",
      params: {
        protocolVersion: "2099-01-01",
        capabilities: {},
        clientInfo: { name: "future", version: "1" },
      },
    });
    expect(init.result.protocolVersion).toBe("2025-11-25");
  });

  it("stops a cancelled request and sends no response for it", async () => {
    await using server = new RawStdio([SERVER]);
    server.send({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "sleep", arguments: { ms: 300 }, _meta: META },
    });
    server.send({
      jsonrpc: "2.0",
      method: "notifications/cancelled",
      params: { requestId: 1, reason: "changed my mind" },
    });
    // The sentinel: the same 300 ms sleep, started after the cancelled one (same-duration timers
    // fire in creation order, and stdout is one ordered pipe), so an answer to 1 would come first.
    const sentinel = await server.request({
      id: 2,
      method: "tools/call",
      params: { name: "sleep", arguments: { ms: 300 }, _meta: META },
    });
    expect(sentinel.result.content[0].text).toBe("slept 300");
    expect(server.stdoutLines.map((line) => JSON.parse(line).id)).toEqual([2]);
  });

  it("answers every request of a many-line write, an oversized one among them, when stdin ends right after", async () => {
    // The server handles a chunk's lines a few at a time (so answers start leaving early); lines
    // still waiting when stdin ends must be handled, not lost.
    await using server = new RawStdio([SERVER], { MAX_LINE_BYTES: "1024" });
    const lines = Array.from({ length: 60 }, (_, i) => {
      const id = i + 1;
      const args = id === 30 ? { a: 1, b: 1, pad: "x".repeat(5000) } : { a: id, b: 1000 };
      return JSON.stringify({
        jsonrpc: "2.0",
        id,
        method: "tools/call",
        params: { name: "add", arguments: args, _meta: META },
      });
    });
    server.child.stdin.end(`${lines.join("\n")}\n`);
    expect(await server.exited).toBe(0);
    const replies = server.stdoutLines.map((line) => JSON.parse(line));
    expect(replies.map((reply) => reply.id).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 60 }, (_, i) => i + 1),
    );
    for (const reply of replies) {
      if (reply.id === 30) expect(reply.error.code).toBe(-32600);
      else expect(reply.result.content[0].text).toBe(String(reply.id + 1000));
    }
  });

  it("answers requests already read, then exits when stdin ends", async () => {
    await using server = new RawStdio([SERVER]);
    server.send({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "sleep", arguments: { ms: 50 }, _meta: META },
    });
    server.child.stdin.end();
    expect(await server.exited).toBe(0);
    expect(JSON.parse(server.stdoutLines[0] as string)).toMatchObject({
      id: 1,
      result: { content: [{ text: "slept 50" }] },
    });
  });
});

describe("serveStdio on given streams", () => {
  it("sends console output to stderr from the call on, serves, and puts the console back when input ends", async () => {
    const mcp = new FastMCP("streams");
    mcp.tool("add", { inputSchema: { type: "object", properties: { a: {}, b: {} } } }, ({ a, b }) =>
      String(Number(a) + Number(b)),
    );
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const log = console.log;
    const serving = serveStdio(mcp, { stdin, stdout, redirectConsole: true });
    // At once, not when the serving code has loaded: a line logged now must not reach stdout.
    expect(console.log).toBe(console.error);
    const line = once(stdout, "data");
    stdin.write(
      `${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "add", arguments: { a: 2, b: 3 }, _meta: META } })}\n`,
    );
    const [chunk] = (await line) as [Buffer];
    expect(JSON.parse(chunk.toString())).toMatchObject({ id: 1, result: { content: [{ text: "5" }] } });
    stdin.end();
    await serving;
    expect(console.log).toBe(log);
  });
});
