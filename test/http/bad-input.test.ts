/**
 * Bad input against real servers on 127.0.0.1: every malformed or forbidden request gets the
 * status the spec names and a JSON-RPC error body, and the server keeps serving afterwards.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import WebSocket from "ws";
import { StaticTokenVerifier } from "../../src/auth/server/core.js";
import { FastMCP } from "../../src/index.js";
import type { ListeningServer, ListenOptions } from "../../src/transports/http/app.js";
import { createEverythingServer } from "../fixtures/everything-server.js";
import {
  ACCEPT_BOTH,
  callTool,
  expectAlive,
  expectRpcError,
  modernBody,
  modernHeaders,
  post,
} from "../helpers/modern-http.js";
import { META, MODERN } from "../helpers/protocol.js";
import { head, rawRequest } from "../helpers/raw-socket.js";
import { SseReader } from "../helpers/sse.js";

const LEGACY = "2025-11-25";

const running: ListeningServer[] = [];
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await Promise.all(running.splice(0).map((listening) => listening.close()));
});

/** The everything server plus a tool whose arguments are mirrored into Mcp-Param-* headers. */
function makeServer(): FastMCP {
  const mcp = createEverythingServer();
  mcp.tool(
    "query",
    {
      description: "Runs a query in a region.",
      inputSchema: {
        type: "object",
        properties: {
          region: { type: "string", "x-mcp-header": "Region" },
          shard: { type: "integer", "x-mcp-header": "Shard" },
          query: { type: "string" },
        },
        required: ["query"],
      },
    },
    (args: Record<string, unknown>) =>
      `ran ${String(args.query)} in ${String(args.region)}/${String(args.shard)}`,
  );
  // Tool and prompt names are ASCII (MCP tool-name rules); a resource URI may hold non-ASCII (IRI).
  mcp.resource("text://grüße", { description: "A URI that is not header-safe." }, () => "hallo");
  return mcp;
}

async function start(options: ListenOptions = {}, mcp: FastMCP = makeServer()): Promise<ListeningServer> {
  const listening = await mcp.listen({ port: 0, ...options });
  running.push(listening);
  return listening;
}

function portOf(listening: ListeningServer): number {
  return Number(new URL(listening.url).port);
}

/** Starts a legacy session; returns its id. */
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
  const id = response.headers.get("mcp-session-id");
  expect(id).toBeTruthy();
  await response.text();
  const initialized = await post(
    url,
    { jsonrpc: "2.0", method: "notifications/initialized" },
    legacyHeaders(id as string),
  );
  expect(initialized.status).toBe(202);
  return id as string;
}

function legacyHeaders(sessionId?: string): Record<string, string> {
  return {
    "content-type": "application/json",
    accept: ACCEPT_BOTH,
    "mcp-protocol-version": LEGACY,
    ...(sessionId ? { "mcp-session-id": sessionId } : {}),
  };
}

/** A legacy `tools/call` of add(1, 1) in a session; resolves to the reply. */
function legacyAdd(url: string, sessionId: string): Promise<Response> {
  return post(
    url,
    { jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "add", arguments: { a: 1, b: 1 } } },
    { ...legacyHeaders(sessionId), accept: "application/json" },
  );
}

function b64(text: string): string {
  return `=?base64?${Buffer.from(text, "utf8").toString("base64")}?=`;
}

describe("Streamable HTTP: the request itself", () => {
  it("answers a wrong Content-Type with 415", async () => {
    const { url } = await start();
    const response = await post(url, modernBody("tools/list"), {
      ...modernHeaders("tools/list"),
      "content-type": "text/plain",
    });
    await expectRpcError(response, 415, -32600);
    await expectAlive(url);
  });

  it("answers an Accept header with neither JSON nor an event stream with 406", async () => {
    const { url } = await start();
    const response = await post(url, modernBody("tools/list"), {
      ...modernHeaders("tools/list"),
      accept: "text/html",
    });
    await expectRpcError(response, 406, -32600);
    await expectAlive(url);
  });

  it("refuses a JSON array (a batch) with 400 -32600", async () => {
    const { url } = await start();
    const response = await post(url, [modernBody("tools/list")], modernHeaders("tools/list"));
    const error = await expectRpcError(response, 400, -32600);
    expect(error.id).toBeNull();
    await expectAlive(url);
  });

  it("refuses malformed JSON with 400 -32700", async () => {
    const { url } = await start();
    const response = await post(url, '{"jsonrpc":"2.0","id":1,', modernHeaders("tools/list"));
    const error = await expectRpcError(response, 400, -32700);
    expect(error.id).toBeNull();
    await expectAlive(url);
  });

  it.each([
    ["a number", "42"],
    ["a string", '"tools/list"'],
    ["null", "null"],
    ["an object that is not JSON-RPC", '{"hello":"world"}'],
    ["params that are not an object", '{"jsonrpc":"2.0","id":1,"method":"tools/list","params":[1]}'],
  ])("refuses %s as the body with 400 -32600", async (_what, body) => {
    const { url } = await start();
    const response = await post(url, body, modernHeaders("tools/list"));
    await expectRpcError(response, 400, -32600);
    await expectAlive(url);
  });

  it("refuses an oversized body declared by Content-Length with 413", async () => {
    const listening = await start({ maxBodyBytes: 1024 });
    const big = modernBody("tools/call", { name: "echo", arguments: { message: "x".repeat(4000) } });
    const response = await post(listening.url, big, modernHeaders("tools/call", "echo"));
    await expectRpcError(response, 413, -32600);
    await expectAlive(listening.url);
  });

  it("refuses an oversized chunked body without Content-Length with 413", async () => {
    const listening = await start({ maxBodyBytes: 1024 });
    const body = JSON.stringify(
      modernBody("tools/call", { name: "echo", arguments: { message: "y".repeat(3000) } }),
    );
    const chunks = [body.slice(0, 800), body.slice(800, 1600), body.slice(1600)];
    const response = await rawRequest(portOf(listening), [
      head("POST", "/mcp", {
        host: `127.0.0.1:${portOf(listening)}`,
        "content-type": "application/json",
        accept: ACCEPT_BOTH,
        "mcp-protocol-version": MODERN,
        "mcp-method": "tools/call",
        "mcp-name": "echo",
        "transfer-encoding": "chunked",
      }),
      ...chunks.map((chunk) => `${Buffer.byteLength(chunk).toString(16)}\r\n${chunk}\r\n`),
      "0\r\n\r\n",
    ]);
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body).error.code).toBe(-32600);
    // A chunked body under the limit is read whole.
    const small = JSON.stringify(modernBody("tools/call", { name: "echo", arguments: { message: "ok" } }));
    const fine = await rawRequest(portOf(listening), [
      head("POST", "/mcp", {
        host: `127.0.0.1:${portOf(listening)}`,
        "content-type": "application/json",
        accept: ACCEPT_BOTH,
        "mcp-protocol-version": MODERN,
        "mcp-method": "tools/call",
        "mcp-name": "echo",
        "transfer-encoding": "chunked",
        connection: "close",
      }),
      `${Buffer.byteLength(small).toString(16)}\r\n${small}\r\n0\r\n\r\n`,
    ]);
    expect(fine.status).toBe(200);
    expect(JSON.parse(fine.body).result.content[0].text).toBe("ok");
    await expectAlive(listening.url);
  });

  it("answers other HTTP methods with 405", async () => {
    const { url } = await start();
    const response = await fetch(url, { method: "PUT", body: "{}", headers: modernHeaders("tools/list") });
    await expectRpcError(response, 405, -32000);
    expect(response.headers.get("allow")).toContain("POST");
    await expectAlive(url);
  });
});

describe("Streamable HTTP: legacy sessions", () => {
  it("answers a forged session id with 404 and a missing one with 400", async () => {
    const { url } = await start();
    const forged = await legacyAdd(url, crypto.randomUUID());
    await expectRpcError(forged, 404, -32001);
    const missing = await post(
      url,
      { jsonrpc: "2.0", id: 3, method: "tools/list" },
      { "content-type": "application/json", accept: ACCEPT_BOTH, "mcp-protocol-version": LEGACY },
    );
    const error = await expectRpcError(missing, 400, -32000);
    expect(error.id).toBe(3);
    // A real session still works.
    const id = await initialize(url);
    const ok = await legacyAdd(url, id);
    expect(ok.status).toBe(200);
    expect((await ok.json()).result.content[0].text).toBe("2");
  });

  it("answers a GET stream with a forged session id with 404", async () => {
    const { url } = await start();
    const response = await fetch(url, {
      headers: { accept: "text/event-stream", "mcp-session-id": "nope", "mcp-protocol-version": LEGACY },
    });
    await expectRpcError(response, 404, -32001);
  });

  it("treats an expired session as unknown (404)", async () => {
    const listening = await start({ idleTtlMs: 1000 });
    const id = await initialize(listening.url);
    const sessions = listening.app.streamable!;
    expect(sessions.stats().sessions).toBe(1);
    expect(sessions.sweep(Date.now() + 60_000)).toBe(1);
    expect(sessions.stats().sessions).toBe(0);
    expect(sessions.stats().sweeping).toBe(false);
    await expectRpcError(await legacyAdd(listening.url, id), 404, -32001);
    await expectAlive(listening.url);
  });

  it("does not expire a session that is still within its TTL", async () => {
    const listening = await start({ idleTtlMs: 60_000 });
    const id = await initialize(listening.url);
    expect(listening.app.streamable!.sweep()).toBe(0);
    expect((await legacyAdd(listening.url, id)).status).toBe(200);
  });

  it("answers DELETE of an unknown session with 404, and of a deleted one too", async () => {
    const { url } = await start();
    const unknown = await fetch(url, { method: "DELETE", headers: legacyHeaders(crypto.randomUUID()) });
    await expectRpcError(unknown, 404, -32001);
    const id = await initialize(url);
    const first = await fetch(url, { method: "DELETE", headers: legacyHeaders(id) });
    expect(first.status).toBe(200);
    await first.text();
    await expectRpcError(await fetch(url, { method: "DELETE", headers: legacyHeaders(id) }), 404, -32001);
    await expectRpcError(await legacyAdd(url, id), 404, -32001);
  });

  it("refuses an unsupported MCP-Protocol-Version inside a session with 400", async () => {
    const { url } = await start();
    const id = await initialize(url);
    const response = await post(
      url,
      { jsonrpc: "2.0", id: 9, method: "tools/list" },
      { ...legacyHeaders(id), "mcp-protocol-version": "1999-01-01" },
    );
    await expectRpcError(response, 400, -32000);
    expect((await legacyAdd(url, id)).status).toBe(200);
  });

  it("evicts the longest-idle free session past maxSessions", async () => {
    const listening = await start({ maxSessions: 2 });
    const a = await initialize(listening.url);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const b = await initialize(listening.url);
    await new Promise((resolve) => setTimeout(resolve, 5));
    // Touch a: b is now the longest idle.
    expect((await legacyAdd(listening.url, a)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const c = await initialize(listening.url);
    expect(listening.app.streamable!.stats().sessions).toBe(2);
    await expectRpcError(await legacyAdd(listening.url, b), 404, -32001);
    expect((await legacyAdd(listening.url, a)).status).toBe(200);
    expect((await legacyAdd(listening.url, c)).status).toBe(200);
  });

  it("answers 503 when every session is in use, and recovers when one frees up", async () => {
    const listening = await start({ maxSessions: 2 });
    const streams: SseReader[] = [];
    for (let i = 0; i < 2; i++) {
      const id = await initialize(listening.url);
      const get = await fetch(listening.url, {
        headers: { accept: "text/event-stream", "mcp-session-id": id, "mcp-protocol-version": LEGACY },
      });
      expect(get.status).toBe(200);
      expect(get.headers.get("content-type")).toBe("text/event-stream");
      streams.push(new SseReader(get));
    }
    const refused = await post(
      listening.url,
      {
        jsonrpc: "2.0",
        id: 5,
        method: "initialize",
        params: { protocolVersion: LEGACY, capabilities: {}, clientInfo: { name: "raw", version: "1" } },
      },
      { "content-type": "application/json", accept: ACCEPT_BOTH },
    );
    const error = await expectRpcError(refused, 503, -32000);
    expect(error.id).toBe(5);
    expect(refused.headers.get("mcp-session-id")).toBeNull();
    expect(listening.app.streamable!.stats().sessions).toBe(2);
    await expectAlive(listening.url);
    // Dropping one GET stream makes its session evictable.
    await streams[0]!.cancel();
    const sessions = listening.app.streamable!;
    let id: string | undefined;
    for (let attempt = 0; attempt < 100 && !id; attempt++) {
      const retry = await post(
        listening.url,
        {
          jsonrpc: "2.0",
          id: 6,
          method: "initialize",
          params: { protocolVersion: LEGACY, capabilities: {}, clientInfo: { name: "raw", version: "1" } },
        },
        { "content-type": "application/json", accept: ACCEPT_BOTH },
      );
      await retry.text();
      if (retry.status === 200) id = retry.headers.get("mcp-session-id") ?? undefined;
      else await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(id).toBeTruthy();
    expect(sessions.stats().sessions).toBe(2);
    await streams[1]!.cancel();
  });
});

describe("Streamable HTTP: 2026-07-28 headers against the body", () => {
  it("accepts a request whose headers all match", async () => {
    const { url } = await start();
    await expectAlive(url);
  });

  it("requires MCP-Protocol-Version (400 -32020)", async () => {
    const { url } = await start();
    const headers = modernHeaders("tools/call", "add");
    delete headers["mcp-protocol-version"];
    const response = await post(
      url,
      modernBody("tools/call", { name: "add", arguments: { a: 1, b: 2 } }),
      headers,
    );
    const error = await expectRpcError(response, 400, -32020);
    expect(error.message).toMatch(/MCP-Protocol-Version/i);
    await expectAlive(url);
  });

  it("refuses an MCP-Protocol-Version that differs from _meta (400 -32020)", async () => {
    const { url } = await start();
    const response = await post(url, modernBody("tools/list"), {
      ...modernHeaders("tools/list"),
      "mcp-protocol-version": LEGACY,
    });
    await expectRpcError(response, 400, -32020);
    await expectAlive(url);
  });

  it("requires Mcp-Method and refuses one that differs from the method (400 -32020)", async () => {
    const { url } = await start();
    const headers = modernHeaders("tools/list");
    delete headers["mcp-method"];
    await expectRpcError(await post(url, modernBody("tools/list"), headers), 400, -32020);
    const wrong = await post(url, modernBody("tools/list"), modernHeaders("prompts/list"));
    const error = await expectRpcError(wrong, 400, -32020);
    expect(error.message).toMatch(/Mcp-Method/);
    // Header values are case-sensitive.
    await expectRpcError(await post(url, modernBody("tools/list"), modernHeaders("Tools/List")), 400, -32020);
    await expectAlive(url);
  });

  it("requires Mcp-Name and refuses one that differs from the name (400 -32020)", async () => {
    const { url } = await start();
    const body = () => modernBody("tools/call", { name: "add", arguments: { a: 1, b: 2 } });
    await expectRpcError(await post(url, body(), modernHeaders("tools/call")), 400, -32020);
    const wrong = await expectRpcError(
      await post(url, body(), modernHeaders("tools/call", "echo")),
      400,
      -32020,
    );
    expect(wrong.message).toMatch(/Mcp-Name/);
    // resources/read compares the uri.
    const read = await post(
      url,
      modernBody("resources/read", { uri: "config://test" }),
      modernHeaders("resources/read", "config://other"),
    );
    await expectRpcError(read, 400, -32020);
    const readOk = await post(
      url,
      modernBody("resources/read", { uri: "config://test" }),
      modernHeaders("resources/read", "config://test"),
    );
    expect(readOk.status).toBe(200);
    expect((await readOk.json()).result.contents[0].uri).toBe("config://test");
    await expectAlive(url);
  });

  it("decodes a =?base64?...?= Mcp-Name and refuses bad base64", async () => {
    const { url } = await start();
    const body = () => modernBody("resources/read", { uri: "text://grüße" });
    const ok = await post(url, body(), modernHeaders("resources/read", b64("text://grüße")));
    expect(ok.status).toBe(200);
    expect((await ok.json()).result.contents[0].text).toBe("hallo");
    // An encoded plain name decodes too.
    const plain = await post(
      url,
      modernBody("tools/call", { name: "add", arguments: { a: 1, b: 1 } }),
      modernHeaders("tools/call", b64("add")),
    );
    expect(plain.status).toBe(200);
    await plain.text();
    // Encoded, but of another name.
    await expectRpcError(
      await post(url, body(), modernHeaders("resources/read", b64("text://grüsse"))),
      400,
      -32020,
    );
    // Not base64 at all, and base64 of bytes that are not UTF-8.
    await expectRpcError(
      await post(url, body(), modernHeaders("resources/read", "=?base64?*not*base64*?=")),
      400,
      -32020,
    );
    await expectRpcError(
      await post(url, body(), modernHeaders("resources/read", "=?base64?/w==?=")),
      400,
      -32020,
    );
    // The undecoded sentinel form is not taken literally.
    await expectRpcError(
      await post(
        url,
        modernBody("tools/call", { name: "add", arguments: { a: 1, b: 1 } }),
        modernHeaders("tools/call", "=?base64?add?="),
      ),
      400,
      -32020,
    );
    await expectAlive(url);
  });

  describe("Mcp-Param-* for an x-mcp-header tool", () => {
    const call = (url: string, args: Record<string, unknown>, headers: Record<string, string>) =>
      callTool(url, "query", args, headers);

    it("accepts the right headers (integers compared numerically)", async () => {
      const { url } = await start();
      const args = { region: "us-west1", shard: 42, query: "select 1" };
      for (const shard of ["42", "42.0", "4.2e1"]) {
        const response = await call(url, args, { "mcp-param-region": "us-west1", "mcp-param-shard": shard });
        expect(response.status).toBe(200);
        expect((await response.json()).result.content[0].text).toBe("ran select 1 in us-west1/42");
      }
      // Header names are case-insensitive; an encoded value is decoded.
      const encoded = await call(url, { region: "über", query: "q" }, { "Mcp-Param-REGION": b64("über") });
      expect(encoded.status).toBe(200);
      await encoded.text();
      // Parameters absent from the arguments need no header.
      const bare = await call(url, { query: "q" }, {});
      expect(bare.status).toBe(200);
      await bare.text();
    });

    it("refuses a missing header for a present argument (400 -32020)", async () => {
      const { url } = await start();
      const response = await call(url, { region: "eu", shard: 1, query: "q" }, { "mcp-param-region": "eu" });
      const error = await expectRpcError(response, 400, -32020);
      expect(error.message).toMatch(/Mcp-Param-Shard/);
      await expectAlive(url);
    });

    it("refuses a header whose value differs (400 -32020)", async () => {
      const { url } = await start();
      const args = { region: "eu", shard: 42, query: "q" };
      await expectRpcError(
        await call(url, args, { "mcp-param-region": "us", "mcp-param-shard": "42" }),
        400,
        -32020,
      );
      for (const shard of ["43", "42.5", "", "forty-two", "0x2a", "0b101010", "Infinity"]) {
        await expectRpcError(
          await call(url, args, { "mcp-param-region": "eu", "mcp-param-shard": shard }),
          400,
          -32020,
        );
      }
      // A header for an argument that is not there.
      await expectRpcError(await call(url, { query: "q" }, { "mcp-param-region": "eu" }), 400, -32020);
      // Bad base64 in a param header.
      await expectRpcError(
        await call(url, { region: "eu", query: "q" }, { "mcp-param-region": "=?base64?%%%?=" }),
        400,
        -32020,
      );
      await expectAlive(url);
    });
  });

  it("refuses an unsupported protocol version with 400 -32022 and the supported list", async () => {
    const { url } = await start();
    const meta = { ...META, "io.modelcontextprotocol/protocolVersion": "2099-01-01" };
    const response = await post(url, modernBody("tools/list", {}, meta), {
      ...modernHeaders("tools/list"),
      "mcp-protocol-version": "2099-01-01",
    });
    const error = await expectRpcError(response, 400, -32022);
    expect((error.data as { supported: string[] }).supported).toContain(MODERN);
    expect((error.data as { supported: string[] }).supported).toContain(LEGACY);
    await expectAlive(url);
  });

  it("refuses missing _meta fields with 400 -32602", async () => {
    const { url } = await start();
    // Capabilities missing.
    const noCaps = await post(
      url,
      modernBody("tools/list", {}, { "io.modelcontextprotocol/protocolVersion": MODERN }),
      modernHeaders("tools/list"),
    );
    await expectRpcError(noCaps, 400, -32602);
    // No _meta at all, with the modern header.
    const noMeta = await post(
      url,
      { jsonrpc: "2.0", id: 11, method: "tools/list" },
      modernHeaders("tools/list"),
    );
    const error = await expectRpcError(noMeta, 400, -32602);
    expect(error.id).toBe(11);
    // Client info that is not an object, and an unknown log level.
    for (const extra of [
      { "io.modelcontextprotocol/clientInfo": "raw" },
      { "io.modelcontextprotocol/logLevel": "loud" },
    ]) {
      const response = await post(
        url,
        modernBody("tools/list", {}, { ...META, ...extra }),
        modernHeaders("tools/list"),
      );
      await expectRpcError(response, 400, -32602);
    }
    await expectAlive(url);
  });

  it("answers an unknown method with 404 -32601", async () => {
    const { url } = await start();
    const response = await post(url, modernBody("nope/nothing"), modernHeaders("nope/nothing"));
    const error = await expectRpcError(response, 404, -32601);
    expect(typeof error.id).toBe("number");
    await expectAlive(url);
  });

  it("answers GET and DELETE from a modern client with 405", async () => {
    const { url } = await start();
    const get = await fetch(url, {
      headers: { accept: "text/event-stream", "mcp-protocol-version": MODERN },
    });
    await expectRpcError(get, 405, -32000);
    const getSession = await fetch(url, {
      headers: { accept: "text/event-stream", "mcp-protocol-version": MODERN, "mcp-session-id": "x" },
    });
    await expectRpcError(getSession, 405, -32000);
    const del = await fetch(url, {
      method: "DELETE",
      headers: { "mcp-protocol-version": MODERN, "mcp-session-id": "x" },
    });
    await expectRpcError(del, 405, -32000);
    await expectAlive(url);
  });

  it("ignores an Mcp-Session-Id on a modern request and mints none", async () => {
    const listening = await start();
    const response = await callTool(listening.url, "add", { a: 1, b: 1 }, { "mcp-session-id": "forged" });
    expect(response.status).toBe(200);
    expect(response.headers.get("mcp-session-id")).toBeNull();
    await response.text();
    expect(listening.app.streamable!.stats().sessions).toBe(0);
  });
});

describe("Streamable HTTP: who may ask", () => {
  it("refuses a foreign Origin with 403 and accepts a loopback one", async () => {
    const listening = await start();
    const evil = await callTool(listening.url, "add", { a: 1, b: 1 }, { origin: "http://evil.example" });
    await expectRpcError(evil, 403, -32000);
    const nul = await callTool(listening.url, "add", { a: 1, b: 1 }, { origin: "null" });
    await expectRpcError(nul, 403, -32000);
    const local = await callTool(
      listening.url,
      "add",
      { a: 1, b: 1 },
      { origin: `http://localhost:${portOf(listening)}` },
    );
    expect(local.status).toBe(200);
    await local.text();
    await expectAlive(listening.url);
  });

  it("refuses a foreign Host on a loopback bind with 403; the real host works", async () => {
    const listening = await start();
    const port = portOf(listening);
    const body = JSON.stringify(modernBody("tools/call", { name: "add", arguments: { a: 4, b: 4 } }));
    const send = (host: string) =>
      rawRequest(port, [
        head("POST", "/mcp", {
          host,
          ...modernHeaders("tools/call", "add"),
          "content-length": Buffer.byteLength(body),
          connection: "close",
        }),
        body,
      ]);
    for (const host of [`evil.example:${port}`, "evil.example", `127.0.0.1.evil.example:${port}`]) {
      const foreign = await send(host);
      expect(foreign.status).toBe(403);
      expect(JSON.parse(foreign.body)).toMatchObject({ jsonrpc: "2.0", error: { code: -32000 } });
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
      const own = await send(host);
      expect(own.status).toBe(200);
      expect(JSON.parse(own.body).result.content[0].text).toBe("8");
    }
  });

  it("takes only 127.0.0.0/8 addresses, localhost and [::1] as loopback hosts for the Origin check (not 127.evil.com)", async () => {
    // Embedded with nodeListener() and no allowedHosts, any Host passes; a loopback Origin is then
    // accepted only when the Host is loopback. A DNS name starting with "127." is not.
    const mcp = makeServer();
    const server = createServer(mcp.nodeListener());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = (server.address() as AddressInfo).port;
    const body = JSON.stringify(modernBody("tools/call", { name: "add", arguments: { a: 2, b: 3 } }));
    const send = (host: string) =>
      rawRequest(port, [
        head("POST", "/mcp", {
          host,
          origin: "http://localhost:5173",
          ...modernHeaders("tools/call", "add"),
          "content-length": Buffer.byteLength(body),
          connection: "close",
        }),
        body,
      ]);
    for (const host of [`127.evil.com:${port}`, "127.0.0.1.evil.com", "127.0.0.01", "127.1"]) {
      const foreign = await send(host);
      expect(foreign.status, host).toBe(403);
      expect(JSON.parse(foreign.body)).toMatchObject({ error: { code: -32000 } });
    }
    for (const host of [`127.0.0.1:${port}`, "127.1.2.3", `LOCALHOST:${port}`, `[::1]:${port}`]) {
      const own = await send(host);
      expect(own.status, host).toBe(200);
      expect(JSON.parse(own.body).result.content[0].text).toBe("5");
    }
  });

  it("asks for a bearer token with 401 and WWW-Authenticate", async () => {
    const guarded = new FastMCP({
      name: "secure",
      auth: new StaticTokenVerifier({ s3cret: { clientId: "ci" } }),
    });
    guarded.tool("whoami", (_args: Record<string, unknown>, ctx) => ctx.auth?.clientId ?? "nobody");
    const { url } = await start({}, guarded);
    const missing = await callTool(url, "whoami", {});
    await expectRpcError(missing, 401, -32000);
    expect(missing.headers.get("www-authenticate")).toMatch(/^Bearer /);
    const wrong = await callTool(url, "whoami", {}, { authorization: "Bearer nope" });
    await expectRpcError(wrong, 401, -32000);
    expect(wrong.headers.get("www-authenticate")).toMatch(/error="invalid_token"/);
    const notBearer = await callTool(url, "whoami", {}, { authorization: "Basic czNjcmV0" });
    await expectRpcError(notBearer, 401, -32000);
    const ok = await callTool(url, "whoami", {}, { authorization: "Bearer s3cret" });
    expect(ok.status).toBe(200);
    expect((await ok.json()).result.content[0].text).toBe("ci");
  });
});

describe("legacy HTTP+SSE transport", () => {
  async function openStream(base: string): Promise<{ reader: SseReader; endpoint: string }> {
    const response = await fetch(`${base}/sse`, { headers: { accept: "text/event-stream" } });
    expect(response.status).toBe(200);
    const reader = new SseReader(response);
    const first = await reader.next();
    expect(first?.event).toBe("endpoint");
    return { reader, endpoint: new URL(first!.data, base).href };
  }

  it("refuses POST /messages without a session_id (400) or with an unknown one (404)", async () => {
    const listening = await start({ transport: "sse" });
    const base = new URL(listening.url).origin;
    const init = { jsonrpc: "2.0", id: 1, method: "tools/list" };
    const json = { "content-type": "application/json" };
    await expectRpcError(await post(`${base}/messages`, init, json), 400, -32000);
    await expectRpcError(await post(`${base}/messages?session_id=nope`, init, json), 404, -32001);
    const { reader } = await openStream(base);
    expect(listening.app.sse!.size).toBe(1);
    await reader.cancel();
  });

  it("refuses malformed JSON with 400 -32700, and the session stays usable", async () => {
    const listening = await start({ transport: "sse" });
    const base = new URL(listening.url).origin;
    const { reader, endpoint } = await openStream(base);
    const json = { "content-type": "application/json" };
    const bad = await post(endpoint, "{oops", json);
    await expectRpcError(bad, 400, -32700);
    await expectRpcError(await post(endpoint, "[1,2]", json), 400, -32600);
    await expectRpcError(await post(endpoint, "{}", { "content-type": "text/plain" }), 415, -32600);
    const ok = await post(
      endpoint,
      modernBody("tools/call", { name: "add", arguments: { a: 20, b: 22 } }),
      json,
    );
    expect(ok.status).toBe(202);
    await ok.text();
    const answer = await reader.message();
    expect(answer.result.content[0].text).toBe("42");
    await reader.cancel();
  });

  it("refuses an oversized message with 413", async () => {
    const listening = await start({ transport: "sse", maxBodyBytes: 512 });
    const base = new URL(listening.url).origin;
    const { reader, endpoint } = await openStream(base);
    const big = modernBody("tools/call", { name: "echo", arguments: { message: "z".repeat(1000) } });
    await expectRpcError(await post(endpoint, big, { "content-type": "application/json" }), 413, -32600);
    const ok = await post(endpoint, modernBody("tools/call", { name: "add", arguments: { a: 1, b: 1 } }), {
      "content-type": "application/json",
    });
    expect(ok.status).toBe(202);
    await ok.text();
    expect((await reader.message()).result.content[0].text).toBe("2");
    await reader.cancel();
  });
});

describe("WebSocket transport", () => {
  function open(url: string, protocols: string | string[] = "mcp"): Promise<WebSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, protocols);
      sockets.push(ws);
      ws.once("open", () => resolve(ws));
      ws.once("error", reject);
      ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
  }

  function nextMessage(ws: WebSocket): Promise<any> {
    return new Promise((resolve, reject) => {
      ws.once("message", (data) => resolve(JSON.parse(data.toString())));
      ws.once("close", (code) => reject(new Error(`closed with ${code}`)));
    });
  }

  it("refuses a wrong subprotocol with 400", async () => {
    const listening = await start({ transport: "ws" });
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(listening.urls.ws!, "not-mcp");
      sockets.push(ws);
      ws.once("open", () => reject(new Error("opened")));
      ws.once("unexpected-response", (_req, res) => {
        resolve(res.statusCode ?? 0);
        res.resume();
      });
      ws.once("error", () => {});
    });
    expect(status).toBe(400);
    const ws = await open(listening.urls.ws!);
    expect(ws.protocol).toBe("mcp");
  });

  it("refuses a foreign Origin and a missing token at the upgrade", async () => {
    const guarded = new FastMCP({ name: "secure", auth: new StaticTokenVerifier(["s3cret"]) });
    const listening = await start({ transport: "ws" }, guarded);
    const statusOf = (options: WebSocket.ClientOptions) =>
      new Promise<{ status: number; challenge: string | undefined }>((resolve, reject) => {
        const ws = new WebSocket(listening.urls.ws!, "mcp", options);
        sockets.push(ws);
        ws.once("open", () => reject(new Error("opened")));
        ws.once("unexpected-response", (_req, res) => {
          resolve({ status: res.statusCode ?? 0, challenge: res.headers["www-authenticate"] as string });
          res.resume();
        });
        ws.once("error", () => {});
      });
    const noToken = await statusOf({});
    expect(noToken.status).toBe(401);
    expect(noToken.challenge).toMatch(/^Bearer /);
    expect(
      (await statusOf({ headers: { authorization: "Bearer s3cret", origin: "http://evil.example" } })).status,
    ).toBe(403);
    const ws = await open(listening.urls.ws!, "mcp").catch(() => undefined);
    expect(ws).toBeUndefined();
    const authed = await new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(listening.urls.ws!, "mcp", {
        headers: { authorization: "Bearer s3cret" },
      });
      sockets.push(socket);
      socket.once("open", () => resolve(socket));
      socket.once("error", reject);
    });
    expect(authed.readyState).toBe(WebSocket.OPEN);
  });

  it("closes with 1009 on a frame over maxFrameBytes", async () => {
    const listening = await start({ transport: "ws", maxFrameBytes: 1024 });
    const ws = await open(listening.urls.ws!);
    const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
    ws.send(
      JSON.stringify(modernBody("tools/call", { name: "echo", arguments: { message: "w".repeat(4000) } })),
    );
    expect(await closed).toBe(1009);
    // Other connections are unaffected.
    const other = await open(listening.urls.ws!);
    const reply = nextMessage(other);
    other.send(JSON.stringify(modernBody("tools/call", { name: "add", arguments: { a: 1, b: 2 } })));
    expect((await reply).result.content[0].text).toBe("3");
  });

  it("answers a malformed JSON frame with -32700 and stays usable", async () => {
    const listening = await start({ transport: "ws" });
    const ws = await open(listening.urls.ws!);
    const parse = nextMessage(ws);
    ws.send("{not json");
    const error = await parse;
    expect(error).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32700 } });
    const invalid = nextMessage(ws);
    ws.send("[]");
    expect((await invalid).error.code).toBe(-32600);
    const reply = nextMessage(ws);
    ws.send(JSON.stringify(modernBody("tools/call", { name: "add", arguments: { a: 2, b: 2 } })));
    expect((await reply).result.content[0].text).toBe("4");
  });

  it("answers a binary frame with an error and stays usable", async () => {
    const listening = await start({ transport: "ws" });
    const ws = await open(listening.urls.ws!);
    const binary = nextMessage(ws);
    ws.send(Buffer.from(JSON.stringify(modernBody("tools/list"))), { binary: true });
    const error = await binary;
    expect(error).toMatchObject({ jsonrpc: "2.0", error: { code: -32600 } });
    expect(error).not.toHaveProperty("result");
    const reply = nextMessage(ws);
    ws.send(JSON.stringify(modernBody("tools/call", { name: "add", arguments: { a: 3, b: 3 } })));
    expect((await reply).result.content[0].text).toBe("6");
  });
});
