/**
 * `run({ workers })` and graceful shutdown on real subprocesses and sockets: a node:cluster of two
 * workers on one port (both answer, a killed one is replaced, SIGTERM ends all with exit 0), the
 * refusals without a store, and SIGTERM while work and streams are open.
 */
import { type ChildProcess, type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { request as httpRequest } from "node:http";
import { type AddressInfo, createServer, connect as netConnect, type Socket } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { FastMCP } from "../../src/index.js";
import { restartDelay } from "../../src/transports/http/workers.js";
import { runCli, startCli } from "../helpers/cli.js";
import { callInSession, initialize, type Reply, send, tryInitialize } from "../helpers/legacy-http.js";
import { modernBody, modernHeaders } from "../helpers/modern-http.js";
import { ROOT } from "../helpers/paths.js";
import { isAlive } from "../helpers/processes.js";
import { LEGACY, META } from "../helpers/protocol.js";
import { head } from "../helpers/raw-socket.js";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.js";
import { SseReader, sseMessages } from "../helpers/sse.js";
import { within } from "../helpers/wait.js";

const FIXTURE = "test/fixtures/workers-server.ts";

interface Server {
  child: ChildProcessWithoutNullStreams;
  url: Promise<string>;
  stderr(): string;
  /** Resolves once stderr has a match for `pattern` (checked on what came so far, then on each chunk). */
  waitFor(pattern: RegExp, what: string): Promise<RegExpExecArray>;
  /** The exit code, once stderr has been read to its end. */
  exit: Promise<number | null>;
}

/** Killed after the test that started them, or with `shared`, after the file. */
const started: { child: ChildProcess }[] = [];
const shared: { child: ChildProcess }[] = [];
function killAll(servers: { child: ChildProcess }[]): void {
  for (const server of servers.splice(0))
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill("SIGKILL");
}
afterEach(() => killAll(started));
afterAll(() => killAll(shared));

function start(env: Record<string, string>, scope: "test" | "file" = "test"): Server {
  const clean = { ...process.env };
  for (const key of Object.keys(clean)) if (key.startsWith("FASTMCP_")) delete clean[key];
  const child = spawn(process.execPath, ["--import", "tsx", FIXTURE], {
    cwd: ROOT,
    env: { ...clean, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  const watchers = new Set<() => void>();
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    stderr += chunk;
    for (const watch of [...watchers]) watch();
  });
  const exit = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  const waitFor = (pattern: RegExp, what: string) =>
    within(
      new Promise<RegExpExecArray>((resolve, reject) => {
        const watch = () => {
          const found = pattern.exec(stderr);
          if (!found) return;
          watchers.delete(watch);
          resolve(found);
        };
        watchers.add(watch);
        watch();
        exit.then(() => reject(new Error(`exited before ${what}: ${stderr}`)));
      }),
      20_000,
      what,
    );
  const url = waitFor(/serving http (http:\/\/[^\s,]+)/, "the URL").then((found) => found[1] as string);
  url.catch(() => {});
  const server = { child, url, stderr: () => stderr, waitFor, exit };
  (scope === "file" ? shared : started).push(server);
  return server;
}

/** A 2026-07-28 tools/call over a fresh connection (no keep-alive: the cluster spreads connections). */
function callFresh(url: string, name: string): Promise<Reply> {
  return send(
    url,
    "POST",
    modernHeaders("tools/call", name),
    modernBody("tools/call", { name, arguments: {} }),
  );
}

function resultText(reply: Reply): string {
  expect(reply.status, reply.body).toBe(200);
  return JSON.parse(reply.body).result.content[0].text;
}

/** Calls `pid` on fresh connections until `wanted` holds for the pids seen (at most 30 calls). */
async function pidsUntil(url: string, wanted: (seen: Set<string>) => boolean): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < 30 && !wanted(seen); i++) seen.add(resultText(await callFresh(url, "pid")));
  return seen;
}

describe("run({ workers: 2, store }) on a real redis-server", { timeout: 60_000 }, () => {
  let redis: RedisServer;
  let url: string;
  beforeAll(async () => {
    redis = await startRedisServer();
    const server = start({ WORKERS: "2", TRANSPORT: "http,sse", REDIS_URL: redis.url }, "file");
    url = await server.url;
  }, 30_000);
  afterAll(async () => {
    killAll(shared);
    await redis?.close();
  });

  it("serves one legacy session from both workers", async () => {
    const session = await initialize(url);
    const pids = new Set<string>();
    for (let i = 0; i < 30 && pids.size < 2; i++) {
      const reply = await callInSession(url, session, "pid");
      expect(reply.status, reply.body).toBe(200);
      const answer = reply.body.startsWith("{") ? JSON.parse(reply.body) : sseMessages(reply.body).at(-1);
      pids.add(answer?.result.content[0].text);
    }
    expect(pids.size).toBe(2);
  });

  it("answers on an SSE stream the messages POSTed to either worker", async () => {
    const stream = await fetch(new URL("/sse", url), { headers: { accept: "text/event-stream" } });
    const reader = new SseReader(stream);
    const endpoint = await reader.next();
    expect(endpoint?.event).toBe("endpoint");
    const messages = new URL(endpoint?.data as string, url).href;
    // Fresh connections: the cluster hands them to the workers in turn, so half reach the other one.
    for (let id = 1; id <= 6; id++) {
      const reply = await send(
        messages,
        "POST",
        { "content-type": "application/json" },
        {
          jsonrpc: "2.0",
          id,
          method: "ping",
        },
      );
      expect(reply.status, reply.body).toBe(202);
      expect(await reader.message()).toEqual({ jsonrpc: "2.0", id, result: {} });
    }
    await reader.cancel();
  });
});

describe("run({ workers: 2 }) without a store", { timeout: 60_000 }, () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = start({ WORKERS: "2" }, "file");
    url = await server.url;
  }, 30_000);

  it("serves 2026-07-28 calls from both workers on the one port it prints, once", async () => {
    expect(new URL(url).port).not.toBe("0");
    const pids = await pidsUntil(url, (seen) => seen.size >= 2);
    expect(pids.size).toBe(2);
    expect(pids.has(String(server.child.pid))).toBe(false);
    expect(server.stderr().match(/serving/g)).toHaveLength(1);
    expect(server.stderr()).toContain("(2 workers)");
  });

  it("refuses a legacy initialize with an error naming the store option", async () => {
    const refused = await tryInitialize(url);
    expect("reply" in refused).toBe(true);
    const { reply } = refused as { reply: Reply };
    expect(reply.status).toBe(400);
    const body = JSON.parse(reply.body);
    expect(body.id).toBe(0);
    expect(body.error.code).toBe(-32600);
    expect(body.error.message).toContain("`store`");
    expect(reply.headers["mcp-session-id"]).toBeUndefined();
  });

  it("replaces a worker that dies, and SIGTERM to the primary ends every process with exit 0", async () => {
    const before = await pidsUntil(url, (seen) => seen.size >= 2);
    const [victim, survivor] = [...before];
    process.kill(Number(victim), "SIGKILL");
    const replaced = await server.waitFor(
      new RegExp(`worker (\\d+) is serving in place of worker ${victim}`),
      "the replacement",
    );
    const replacement = replaced[1] as string;
    expect(server.stderr()).toMatch(new RegExp(`worker ${victim} exited \\(signal SIGKILL\\)`));
    const after = await pidsUntil(url, (seen) => seen.has(replacement) && seen.has(survivor as string));
    expect([...after].sort()).toEqual([replacement, survivor].sort());

    server.child.kill("SIGTERM");
    expect(await within(server.exit, 15_000, "the primary to exit")).toBe(0);
    expect(server.stderr().match(/run\(\) resolved/g)).toHaveLength(3);
    expect([replacement, survivor].map((pid) => isAlive(Number(pid)))).toEqual([false, false]);
  });
});

describe("a store that cannot be reached at start", { timeout: 60_000 }, () => {
  it("is one line naming Redis and exit 1, on one process and on workers", async () => {
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const redisUrl = `redis://127.0.0.1:${closed}`;
    const servers = [start({ REDIS_URL: redisUrl }), start({ REDIS_URL: redisUrl, WORKERS: "2" })];
    const codes = await Promise.all(servers.map((server) => within(server.exit, 20_000, "the exit")));
    expect(codes).toEqual([1, 1]);
    for (const server of servers) {
      const lines = server.stderr().trim().split("\n");
      expect(lines.at(-1)).toMatch(new RegExp(`^\\[fastmcp-ts\\] .*Redis at ${redisUrl}.*ECONNREFUSED`));
      expect(server.stderr()).not.toMatch(/\n\s+at /);
    }
  });
});

describe("workers without a store: what cannot be shared", { timeout: 60_000 }, () => {
  it("refuses to start the SSE and WebSocket transports, with one line naming the store option", async () => {
    const servers = [
      start({ WORKERS: "2", TRANSPORT: "http,sse" }),
      start({ WORKERS: "3", TRANSPORT: "ws" }),
    ];
    const codes = await Promise.all(servers.map((server) => within(server.exit, 20_000, "the exit")));
    expect(codes).toEqual([1, 1]);
    const [sse, ws] = servers.map((server) => server.stderr().trim()) as [string, string];
    expect(sse).toBe(
      '[fastmcp-ts] scale-out: the sse transport needs the `store` option to run on 2 workers (a session lives in one worker, and the others cannot reach it): give a shared store (RedisStore from fastmcp-ts/redis), or serve "http" only',
    );
    expect(ws.split("\n")).toHaveLength(1);
    expect(ws).toContain("the ws transport needs the `store` option to run on 3 workers");
  });

  it("serves legacy requests with stateless: true on every worker (fastmcp-ts run --workers 2)", async () => {
    const server = startCli(["run", FIXTURE, "--workers", "2"], { env: { STATELESS: "1" } });
    started.push(server);
    const url = await within(server.url, 20_000, "the URL");
    const init = await send(url, "POST", legacyHeaders(), {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: LEGACY, capabilities: {}, clientInfo: { name: "raw", version: "1" } },
    });
    expect(init.status).toBe(200);
    expect(JSON.parse(init.body).result.protocolVersion).toBe(LEGACY);
    const pids = new Set<string>();
    for (let i = 0; i < 30 && pids.size < 2; i++) {
      const reply = await send(url, "POST", legacyHeaders(), {
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: { name: "pid", arguments: {} },
      });
      pids.add(resultText(reply));
    }
    expect(pids.size).toBe(2);
    expect(await within(server.stop(), 15_000, "the exit")).toBe(0);
    expect(server.stderr()).toContain("(2 workers)");
  });

  it("takes --workers and FASTMCP_WORKERS as whole numbers from 1 only", async () => {
    const [flag, env] = await Promise.all([
      runCli(["run", FIXTURE, "--transport", "http", "--workers", "0"]),
      runCli(["run", FIXTURE, "--transport", "http"], { env: { FASTMCP_WORKERS: "many" } }),
    ]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('--workers must be a whole number of at least 1, not "0"');
    expect(env.code).not.toBe(0);
    expect(env.stderr).toContain('FASTMCP_WORKERS must be a whole number of at least 1, not "many"');
    expect(flag.stderr + env.stderr).not.toContain("serving");
  });
});

function legacyHeaders(): Record<string, string> {
  return {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    "mcp-protocol-version": LEGACY,
  };
}

/** An open response read as it comes: its status, its text so far, and its end. */
interface OpenStream {
  status: Promise<number>;
  text(): string;
  ended: Promise<string>;
}

function openStream(url: string, headers: Record<string, string>): OpenStream {
  let text = "";
  let status!: (code: number) => void;
  let ended!: (text: string) => void;
  const out: OpenStream = {
    status: new Promise((resolve) => {
      status = resolve;
    }),
    text: () => text,
    ended: new Promise((resolve) => {
      ended = resolve;
    }),
  };
  const req = httpRequest(url, { method: "GET", headers, agent: false }, (res) => {
    status(res.statusCode ?? 0);
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      text += chunk;
    });
    res.once("end", () => ended(text));
    res.once("error", () => ended(text));
  });
  req.once("error", () => ended(text));
  req.end();
  return out;
}

interface RawReply {
  status: number;
  headers: string;
  body: string;
}

/** One whole response at the start of `data` (Content-Length or chunked), and its length; else undefined. */
function parseReply(data: string): { reply: RawReply; length: number } | undefined {
  const end = data.indexOf("\r\n\r\n");
  if (end < 0) return undefined;
  const headers = data.slice(0, end);
  const status = Number(headers.split(" ")[1]);
  let at = end + 4;
  const declared = /\r\ncontent-length: (\d+)/i.exec(headers);
  if (declared) {
    const length = Number(declared[1]);
    if (data.length < at + length) return undefined;
    return { reply: { status, headers, body: data.slice(at, at + length) }, length: at + length };
  }
  let body = "";
  for (;;) {
    const lineEnd = data.indexOf("\r\n", at);
    if (lineEnd < 0) return undefined;
    const size = Number.parseInt(data.slice(at, lineEnd), 16);
    if (data.length < lineEnd + 2 + size + 2) return undefined;
    body += data.slice(lineEnd + 2, lineEnd + 2 + size);
    at = lineEnd + 2 + size + 2;
    if (size === 0) return { reply: { status, headers, body }, length: at };
  }
}

/** A raw connection that sends requests as told and reads its responses in order (ASCII bodies). */
function rawConnection(port: number): {
  write(text: string): void;
  next(): Promise<RawReply>;
  close(): void;
} {
  const socket: Socket = netConnect(port, "127.0.0.1");
  let data = "";
  let notify: (() => void) | undefined;
  let closed = false;
  socket.setEncoding("latin1");
  socket.on("data", (chunk: string) => {
    data += chunk;
    notify?.();
  });
  socket.on("close", () => {
    closed = true;
    notify?.();
  });
  socket.on("error", () => {});
  return {
    write: (text) => socket.write(text),
    async next() {
      for (;;) {
        const found = parseReply(data);
        if (found) {
          data = data.slice(found.length);
          return found.reply;
        }
        if (closed) throw new Error(`connection closed: ${data}`);
        await new Promise<void>((resolve) => {
          notify = resolve;
        });
      }
    },
    close: () => socket.destroy(),
  };
}

function callHead(port: string, body: string): string {
  return head("POST", "/mcp", {
    host: `127.0.0.1:${port}`,
    ...modernHeaders("tools/call", "held"),
    "content-length": Buffer.byteLength(body),
  });
}

describe("graceful shutdown on SIGTERM", { timeout: 60_000 }, () => {
  it("finishes the call in flight, says draining, refuses new connections, tells streams to reconnect, exits 0", async () => {
    const server = start({ TRANSPORT: "http,sse,ws" });
    const url = await server.url;
    const { port } = new URL(url);
    // A legacy session's GET stream, an SSE-transport stream, a WebSocket.
    const session = await tryInitialize(url);
    if (!("id" in session)) throw new Error(`initialize refused: ${session.reply.body}`);
    const listen = openStream(url, {
      accept: "text/event-stream",
      "mcp-protocol-version": LEGACY,
      "mcp-session-id": session.id,
    });
    expect(await listen.status).toBe(200);
    const sse = openStream(new URL("/sse", url).href, { accept: "text/event-stream" });
    expect(await sse.status).toBe(200);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, "mcp");
    const wsClosed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    // Two calls in flight, each on a connection of its own: one streams (it reported progress, so
    // its reply's head is out), one has not answered anything yet.
    const streaming = rawConnection(Number(port));
    const plain = rawConnection(Number(port));
    const progress = { ...META, progressToken: "p1" };
    const streamed = JSON.stringify(modernBody("tools/call", { name: "held", arguments: {} }, progress));
    streaming.write(callHead(port, streamed) + streamed);
    await server.waitFor(/held: started/, "the streaming call to start");
    const quiet = JSON.stringify(modernBody("tools/call", { name: "held", arguments: {} }));
    plain.write(callHead(port, quiet) + quiet);
    await server.waitFor(/held: started[\s\S]*held: started/, "the plain call to start");

    server.child.kill("SIGTERM");
    await server.waitFor(/shutting down/, "the shutdown to begin");
    // The GET stream is told to come back in a second, and closed, while the call is still held.
    expect(await within(listen.ended, 10_000, "the GET stream to end")).toMatch(/retry: 1000\n\n$/);
    // On the streaming call's connection (kept alive: its head went out before), a new request is
    // answered after the stream, with 503 draining.
    streaming.write(head("GET", "/health", { host: `127.0.0.1:${port}` }));
    // A new connection is refused (or, had it got in, answered 503).
    const fresh = await fetch(new URL("/health", url)).then(
      (response) => response.status,
      (error: Error) => (error.cause as NodeJS.ErrnoException | undefined)?.code,
    );
    expect([503, "ECONNREFUSED"]).toContain(fresh);
    expect(sse.text()).toContain("event: endpoint");

    server.child.stdin.write("release\n");
    const answered = await streaming.next();
    expect(answered.status).toBe(200);
    expect(answered.headers).toMatch(/\r\ncontent-type: text\/event-stream/i);
    expect(sseMessages(answered.body).at(-1)?.result.content[0].text).toBe("released");
    const health = await streaming.next();
    expect(health.status).toBe(503);
    expect(JSON.parse(health.body)).toEqual({ status: "draining" });
    expect(health.headers).toMatch(/\r\nconnection: close\r\n/i);
    expect(health.headers).toMatch(/\r\nretry-after: 1\r\n/i);
    // The call that had not answered yet does, saying the connection will not be reused.
    const later = await plain.next();
    expect(later.status).toBe(200);
    expect(JSON.parse(later.body).result.content[0].text).toBe("released");
    expect(later.headers).toMatch(/\r\nconnection: close\r\n/i);

    expect(await within(sse.ended, 10_000, "the SSE stream to end")).toMatch(/retry: 1000\n\n$/);
    expect(await within(wsClosed, 10_000, "the WebSocket to close")).toBe(1001);
    expect(await within(server.exit, 10_000, "the exit")).toBe(0);
    expect(server.stderr()).toContain("run() resolved");
    streaming.close();
    plain.close();
  });

  it("cuts a call that never ends at the deadline (FASTMCP_SHUTDOWN_TIMEOUT_MS), and still exits 0", async () => {
    const server = start({ FASTMCP_SHUTDOWN_TIMEOUT_MS: "300" });
    const url = await server.url;
    const call = callFresh(url, "forever").then(
      (reply) => reply.status,
      (error: NodeJS.ErrnoException) => error.code,
    );
    await server.waitFor(/forever: started/, "the call to start");
    const signalled = Date.now();
    server.child.kill("SIGTERM");
    expect(await within(server.exit, 10_000, "the exit")).toBe(0);
    expect(Date.now() - signalled).toBeGreaterThanOrEqual(300);
    expect(await call).toBe("ECONNRESET");
    expect(server.stderr()).toContain("requests in flight have 300 ms to finish");
  });

  it("exits at once on a second signal, with code 1", async () => {
    const server = start({ SHUTDOWN_TIMEOUT_MS: "60000" });
    const url = await server.url;
    const call = callFresh(url, "forever").catch((error: NodeJS.ErrnoException) => error.code);
    await server.waitFor(/forever: started/, "the call to start");
    server.child.kill("SIGTERM");
    await server.waitFor(/shutting down/, "the shutdown to begin");
    server.child.kill("SIGINT");
    expect(await within(server.exit, 10_000, "the exit")).toBe(1);
    expect(await call).toBe("ECONNRESET");
    expect(server.stderr()).not.toContain("run() resolved");
  });
});

describe("ListeningServer.shutdown()", () => {
  it("drains in process: the GET stream gets a retry hint, the legacy session is kept, close() still ends it", async () => {
    const mcp = new FastMCP("in-process");
    const listening = await mcp.listen({ port: 0, retryMs: 250 });
    const session = await tryInitialize(listening.url);
    if (!("id" in session)) throw new Error(`initialize refused: ${session.reply.body}`);
    const listen = openStream(listening.url, {
      accept: "text/event-stream",
      "mcp-protocol-version": LEGACY,
      "mcp-session-id": session.id,
    });
    expect(await listen.status).toBe(200);
    const first = listening.shutdown({ timeoutMs: 5000 });
    expect(listening.shutdown()).toBe(first);
    expect(listening.app.draining).toBe(true);
    expect(await within(listen.ended, 5000, "the GET stream to end")).toMatch(/retry: 250\n\n$/);
    await within(first, 5000, "the shutdown");
    expect(listening.server.listening).toBe(false);
    expect(listening.app.streamable?.session(session.id)).toBeDefined();
    const refused = await listening.app.handle({
      method: "GET",
      url: new URL("http://127.0.0.1/health"),
      pathname: "/health",
      header: () => undefined,
      headers: () => ({}),
      text: async () => "",
      signal: new AbortController().signal,
      remoteAddress: "127.0.0.1",
    });
    expect(refused.status).toBe(503);
    expect("body" in refused && JSON.parse(refused.body ?? "")).toEqual({ status: "draining" });
    await listening.close();
    expect(listening.app.streamable?.session(session.id)).toBeUndefined();
  });
});

describe("restarts of crashed workers", () => {
  it("wait nothing for the first crash in a minute, then 100 ms doubling up to 30 s", () => {
    expect([1, 2, 3, 4, 10, 11, 12, 100].map(restartDelay)).toEqual([
      0, 100, 200, 400, 25_600, 30_000, 30_000, 30_000,
    ]);
  });
});
