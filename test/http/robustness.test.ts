/**
 * Requests that used to take the server down or hold it up, against a server in a real subprocess
 * (so that a crash shows as a dead process): an unparseable Host header or request line on every
 * transport and embedding (issue 8 item 1), an exception inside the request handling, clients that
 * never finish their headers or body and bodies declared over the cap (item 6), and a port in use
 * (item 13).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer, connect as netConnect, type Server } from "node:net";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { ListenError } from "../../src/index.js";
import { createEverythingServer } from "../fixtures/everything-server.js";
import {
  ACCEPT_BOTH,
  callTool,
  expectAlive,
  modernBody,
  modernHeaders,
  post,
} from "../helpers/modern-http.js";
import { head, type RawResponse, rawRequest } from "../helpers/raw-socket.js";
import { SseReader } from "../helpers/sse.js";
import { until, within } from "../helpers/wait.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const children: ChildProcess[] = [];
const blockers: Server[] = [];
afterEach(async () => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await Promise.all(blockers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

interface Child {
  child: ChildProcess;
  port: number;
  base: string;
  stderr: () => string;
  /** The process has not exited. */
  alive: () => boolean;
}

/** Starts test/fixtures/http-robust-server.ts; resolves once it serves. */
async function startServer(env: Record<string, string>): Promise<Child> {
  const child = spawn(process.execPath, ["--import", "tsx", "test/fixtures/http-robust-server.ts"], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let stderr = "";
  let stdout = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    stderr += chunk;
  });
  const port = await within(
    new Promise<number>((resolve, reject) => {
      child.stdout?.setEncoding("utf8");
      child.stdout?.on("data", (chunk: string) => {
        stdout += chunk;
        const match = /READY (\d+)/.exec(stdout);
        if (match) resolve(Number(match[1]));
      });
      child.once("exit", (code) => reject(new Error(`server exited early (${code}): ${stderr}`)));
    }),
    30_000,
    "the server subprocess to start",
  );
  return {
    child,
    port,
    base: `http://127.0.0.1:${port}`,
    stderr: () => stderr,
    alive: () => child.exitCode === null && child.signalCode === null,
  };
}

/** Sends raw bytes; the reply must be `status` with a JSON-RPC error whose message matches. */
async function expectRawError(
  port: number,
  request: string,
  status: number,
  message: RegExp,
  code = -32000,
): Promise<RawResponse> {
  const response = await rawRequest(port, [request]);
  expect({ status: response.status, body: response.body }).toMatchObject({ status });
  expect(response.headers["content-type"]).toMatch(/^application\/json/);
  const body = JSON.parse(response.body);
  expect(body).toMatchObject({ jsonrpc: "2.0", id: null, error: { code } });
  expect(body.error.message).toMatch(message);
  return response;
}

const BAD_HOST = /^Bad Request: invalid Host header$/;
const BAD_TARGET = /^Bad Request: invalid request target$/;
const UPGRADE = { upgrade: "websocket", connection: "Upgrade", "sec-websocket-version": 13 };
const WS_KEY = { "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", "sec-websocket-protocol": "mcp" };

/** A modern tools/call (head and body) with the given Host header. */
function postWithHost(host: string, path = "/mcp"): string {
  const body = JSON.stringify(modernBody("tools/call", { name: "add", arguments: { a: 1, b: 2 } }));
  return (
    head("POST", path, {
      host,
      ...modernHeaders("tools/call", "add"),
      "content-length": Buffer.byteLength(body),
    }) + body
  );
}

describe("an unparseable Host header or request line gets 400 and the server lives (issue 8 item 1)", () => {
  const ALL = JSON.stringify({ transport: ["http", "sse", "ws"] });

  it("listen() with Streamable HTTP, SSE and WebSocket on one port", async () => {
    const server = await startServer({ MODE: "listen", OPTIONS: ALL });
    const { port } = server;
    // Streamable HTTP
    await expectRawError(port, postWithHost("a b"), 400, BAD_HOST);
    await expectRawError(port, postWithHost("["), 400, BAD_HOST);
    await expectRawError(port, postWithHost(""), 400, BAD_HOST);
    await expectRawError(port, postWithHost("127.0.0.1:99999"), 400, BAD_HOST);
    await expectRawError(port, head("GET", "http://[/mcp", { host: "127.0.0.1" }), 400, BAD_TARGET);
    // Legacy SSE: the stream and the messages endpoint
    await expectRawError(
      port,
      head("GET", "/sse", { host: "a b", accept: "text/event-stream" }),
      400,
      BAD_HOST,
    );
    await expectRawError(port, head("GET", "http://[/sse", { host: "127.0.0.1" }), 400, BAD_TARGET);
    await expectRawError(port, postWithHost("[", "/messages?session_id=x"), 400, BAD_HOST);
    // WebSocket upgrades, answered on the raw socket
    await expectRawError(port, head("GET", "/ws", { host: "[", ...UPGRADE, ...WS_KEY }), 400, BAD_HOST);
    await expectRawError(port, head("GET", "/ws", { host: "a b", ...UPGRADE, ...WS_KEY }), 400, BAD_HOST);
    await expectRawError(
      port,
      head("GET", "http://[/ws", { host: "127.0.0.1", ...UPGRADE, ...WS_KEY }),
      400,
      BAD_TARGET,
    );

    expect(server.alive()).toBe(true);
    await expectAlive(`${server.base}/mcp`);
    // Once a Host has been seen valid, its requests' targets are still checked and read as URL reads
    // them: a bad one gets 400, dot segments are resolved, an escaped path is not the endpoint.
    const host = `127.0.0.1:${port}`;
    await expectRawError(port, head("GET", "http://[/mcp", { host }), 400, BAD_TARGET);
    await expectRawError(port, head("GET", "//[/mcp", { host }), 400, BAD_TARGET);
    expect((await rawRequest(port, [postWithHost(host, "/nested/../mcp")])).status).toBe(200);
    expect((await rawRequest(port, [postWithHost(host, "/%2e/mcp?x=1")])).status).toBe(200);
    await expectRawError(port, postWithHost(host, "/%6Dcp"), 404, /^Not Found: \/%6Dcp$/);
    // A request the Host check itself must still refuse is refused as before.
    const foreign = await rawRequest(port, [postWithHost("evil.example")]);
    expect(foreign.status).toBe(403);
  });

  for (const mode of ["embedded", "embedded-next"] as const) {
    it(`mcp.nodeListener() in the user's own node:http server (${mode === "embedded" ? "no next" : "Express-style next"})`, async () => {
      const server = await startServer({
        MODE: mode,
        OPTIONS: JSON.stringify({ transports: ["http", "sse"] }),
      });
      const { port } = server;
      await expectRawError(port, postWithHost("a b"), 400, BAD_HOST);
      await expectRawError(port, postWithHost("["), 400, BAD_HOST);
      await expectRawError(port, head("GET", "http://[/mcp", { host: "127.0.0.1" }), 400, BAD_TARGET);
      await expectRawError(port, head("GET", "/sse", { host: "[" }), 400, BAD_HOST);
      expect(server.alive()).toBe(true);
      await expectAlive(`${server.base}/mcp`);
    });
  }
});

describe("an exception inside request handling gets 500 and the server lives (issue 8 item 1)", () => {
  it("a token verifier whose result throws, on Streamable HTTP, SSE and a WebSocket upgrade", async () => {
    const server = await startServer({
      MODE: "listen",
      AUTH: "1",
      OPTIONS: JSON.stringify({ transport: ["http", "sse", "ws"] }),
    });
    const { port } = server;
    const host = `127.0.0.1:${port}`;
    const auth = { authorization: "Bearer faulty" };
    const body = JSON.stringify(modernBody("tools/call", { name: "add", arguments: { a: 1, b: 2 } }));
    const internal = /^Internal error$/;
    await expectRawError(
      port,
      head("POST", "/mcp", {
        host,
        ...modernHeaders("tools/call", "add"),
        ...auth,
        "content-length": Buffer.byteLength(body),
      }) + body,
      500,
      internal,
      -32603,
    );
    await expectRawError(
      port,
      head("GET", "/sse", { host, accept: "text/event-stream", ...auth }),
      500,
      internal,
      -32603,
    );
    await expectRawError(
      port,
      head("GET", "/ws", { host, ...UPGRADE, ...WS_KEY, ...auth }),
      500,
      internal,
      -32603,
    );

    expect(server.alive()).toBe(true);
    // Logged on stderr, once per failure, with the cause. The pipe may deliver the last line after
    // the reply reached us: wait for it, then check there are no more.
    const failures = () => server.stderr().match(/\[fastmcp-ts\] .*failed/g)?.length ?? 0;
    await until(() => failures() >= 3, 5000, "the three failures to be logged");
    expect(server.stderr()).toContain("faulty verifier: expiresAt cannot be read");
    expect(failures()).toBe(3);
    const ok = await callTool(`${server.base}/mcp`, "add", { a: 2, b: 3 }, { authorization: "Bearer good" });
    expect(ok.status).toBe(200);
    expect((await ok.json()).result.content[0].text).toBe("5");
  });
});

describe("a client that resets its WebSocket upgrade while the token check runs (issue 8 item 1)", () => {
  it("does not raise an uncaught socket error", async () => {
    const server = await startServer({
      MODE: "listen",
      AUTH: "1",
      OPTIONS: JSON.stringify({ transport: ["http", "ws"] }),
    });
    const socket = netConnect(server.port, "127.0.0.1", () =>
      socket.write(
        head("GET", "/ws", {
          host: `127.0.0.1:${server.port}`,
          ...UPGRADE,
          ...WS_KEY,
          authorization: "Bearer hang",
        }),
      ),
    );
    socket.on("error", () => {});
    await within(
      new Promise<void>((resolve) => {
        const check = () => {
          if (server.stderr().includes("verifying hang")) resolve();
          else server.child.stderr?.once("data", check);
        };
        check();
      }),
      15_000,
      "the server to start verifying the token",
    );
    // node:http has handed the socket over and left it without an 'error' listener: a reset now
    // used to be an uncaught ECONNRESET.
    socket.resetAndDestroy();
    await new Promise<void>((resolve) => socket.once("close", () => resolve()));
    const ok = await callTool(`${server.base}/mcp`, "add", { a: 2, b: 3 }, { authorization: "Bearer good" });
    expect(ok.status).toBe(200);
    expect((await ok.json()).result.content[0].text).toBe("5");
    expect(server.alive()).toBe(true);
    expect(server.stderr()).not.toContain("ECONNRESET");
  });
});

/** A raw connection: what arrived, and a promise of its close. */
function openRaw(port: number, data: string): { received: () => string; closed: Promise<void> } {
  const socket = netConnect(port, "127.0.0.1", () => socket.write(data));
  let received = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    received += chunk;
  });
  socket.on("error", () => {});
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  return { received: () => received, closed };
}

/** Opens a legacy SSE session; resolves with its reader and its absolute messages endpoint. */
async function openSseSession(base: string): Promise<{ reader: SseReader; endpoint: string }> {
  const response = await fetch(`${base}/sse`, { headers: { accept: "text/event-stream" } });
  expect(response.status).toBe(200);
  const reader = new SseReader(response);
  const event = await reader.next();
  expect(event?.event).toBe("endpoint");
  return { reader, endpoint: new URL(event?.data ?? "", base).href };
}

describe("slow clients and oversized bodies (issue 8 item 6)", () => {
  it("closes a connection that never finishes its headers, or its body, within the timeouts", async () => {
    const server = await startServer({
      MODE: "listen",
      OPTIONS: JSON.stringify({ transport: ["http", "sse"], headersTimeoutMs: 300, requestTimeoutMs: 1000 }),
    });
    const host = `127.0.0.1:${server.port}`;
    // A long-lived reply, opened first: the request timeout must not cut it.
    const sse = await openSseSession(server.base);
    const headers = openRaw(server.port, `POST /mcp HTTP/1.1\r\nhost: ${host}\r\ncontent-type: appl`);
    const body = openRaw(
      server.port,
      `${head("POST", "/mcp", { host, ...modernHeaders("tools/list"), "content-length": 100 })}{"jsonrpc"`,
    );
    // Upper bounds only: node's own defaults (60 s, checked every 30 s) would miss them.
    await within(headers.closed, 15_000, "the server to close the connection with partial headers");
    await within(body.closed, 15_000, "the server to close the connection with a partial body");
    expect(headers.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(body.received()).toMatch(/^HTTP\/1\.1 408 /);
    // The SSE stream is now older than requestTimeoutMs and was there when the check fired: it
    // still carries answers.
    const sent = await post(
      sse.endpoint,
      modernBody("tools/call", { name: "add", arguments: { a: 4, b: 5 } }),
      {
        "content-type": "application/json",
      },
    );
    expect(sent.status).toBe(202);
    expect((await sse.reader.message()).result.content[0].text).toBe("9");
    await sse.reader.cancel();
    expect(server.alive()).toBe(true);
    await expectAlive(`${server.base}/mcp`);
  });

  it("answers a declared over-limit Content-Length with 413 before any body byte, and closes", async () => {
    const server = await startServer({
      MODE: "listen",
      OPTIONS: JSON.stringify({ transport: ["http", "sse"], maxBodyBytes: 1024 }),
    });
    const host = `127.0.0.1:${server.port}`;
    const declared = { "content-type": "application/json", "content-length": 50_000_000 };

    const expect413 = async (request: string) => {
      const connection = openRaw(server.port, request);
      // No body byte is ever sent: the reply and the close must come on the head alone.
      await within(connection.closed, 15_000, "the server to answer 413 and close the connection");
      const [headText, bodyText] = connection.received().split("\r\n\r\n") as [string, string];
      expect(headText).toMatch(/^HTTP\/1\.1 413 /);
      expect(headText.toLowerCase()).toContain("connection: close");
      expect(JSON.parse(bodyText)).toMatchObject({ jsonrpc: "2.0", error: { code: -32600 } });
    };

    await expect413(head("POST", "/mcp", { host, ...modernHeaders("tools/list"), ...declared }));

    // Legacy SSE: a real session's /messages endpoint.
    const sse = await openSseSession(server.base);
    await expect413(
      head("POST", new URL(sse.endpoint).pathname + new URL(sse.endpoint).search, {
        host,
        accept: ACCEPT_BOTH,
        ...declared,
      }),
    );
    await sse.reader.cancel();

    expect(server.alive()).toBe(true);
    await expectAlive(`${server.base}/mcp`);
  });
});

/** A TCP server holding a port on 127.0.0.1. */
async function occupiedPort(): Promise<number> {
  const blocker = createServer();
  blockers.push(blocker);
  await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
  return (blocker.address() as { port: number }).port;
}

/** Runs a command to its exit; resolves with its exit code and stderr. */
function runToExit(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  children.push(child);
  let stderr = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    stderr += chunk;
  });
  return within(
    new Promise((resolve) => child.once("close", (code) => resolve({ code, stderr }))),
    30_000,
    "the process to exit",
  );
}

function expectOneReadableLine(stderr: string, port: number): void {
  const lines = stderr.split("\n").filter((line) => line.trim() !== "");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(
    new RegExp(`Cannot listen on 127\\.0\\.0\\.1:${port}: the port is already in use`),
  );
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(stderr).not.toContain("EADDRINUSE");
}

describe("a port in use (issue 8 item 13)", () => {
  it("mcp.run() prints one readable line naming host and port and exits non-zero, no stack", async () => {
    const port = await occupiedPort();
    const { code, stderr } = await runToExit(["--import", "tsx", "test/fixtures/http-run-server.ts"], {
      PORT: String(port),
    });
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expectOneReadableLine(stderr, port);
  });

  it("fastmcp run --transport http does the same", async () => {
    const port = await occupiedPort();
    const { code, stderr } = await runToExit([
      "--import",
      "tsx",
      "src/cli/main.ts",
      "run",
      "examples/demo-server.ts",
      "--transport",
      "http",
      "--port",
      String(port),
    ]);
    expect(code).toBe(1);
    expectOneReadableLine(stderr, port);
  });

  it("listen() rejects with a ListenError naming host and port, node's error as its cause", async () => {
    const port = await occupiedPort();
    const error = await createEverythingServer()
      .listen({ host: "127.0.0.1", port })
      .then(
        () => undefined,
        (reason: unknown) => reason,
      );
    expect(error).toBeInstanceOf(ListenError);
    expect((error as ListenError).message).toBe(
      `Cannot listen on 127.0.0.1:${port}: the port is already in use (stop the other server or choose another port)`,
    );
    expect(error).toMatchObject({ host: "127.0.0.1", port, code: "EADDRINUSE" });
    expect(((error as Error).cause as NodeJS.ErrnoException).code).toBe("EADDRINUSE");
  });
});
