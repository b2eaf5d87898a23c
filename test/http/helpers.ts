/**
 * Shared helpers of the network transport tests: a test server with controllable tools, cleanup
 * bookkeeping, and small waiting helpers. Every server listens on 127.0.0.1 with port 0.
 */
import type { IncomingHttpHeaders } from "node:http";
import { afterEach } from "vitest";
import { z } from "zod";
import type { ClientTarget } from "../../src/client/detect.js";
import { Client, type ClientOptions, type FastMCP, type ListeningServer } from "../../src/index.js";
import type { ListenOptions } from "../../src/transports/http/app.js";
import { createEverythingServer } from "../fixtures/everything-server.js";

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  readonly settled: boolean;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let settled = false;
  const promise = new Promise<T>((r) => {
    resolve = (value) => {
      settled = true;
      r(value);
    };
  });
  return {
    promise,
    resolve: (value) => resolve(value),
    get settled() {
      return settled;
    },
  };
}

/** Rejects with a clear message when `promise` does not settle within `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Polls `check` until it is true (or fails after `ms`). */
export async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Hooks into the tools of a test server, fresh per server. */
export interface Hooks {
  /** `stream` emitted its progress and log and now waits for `release`. */
  streaming: Deferred<void>;
  release: Deferred<void>;
  /** `stream`'s ctx.signal aborted (the server gave up on the request). */
  streamAborted: Deferred<void>;
  /** `watch` started; it runs until its ctx.signal aborts. */
  watchStarted: Deferred<void>;
  /** The reason `watch`'s ctx.signal aborted with. */
  watchAborted: Deferred<unknown>;
}

/**
 * The everything server plus tools the network tests control: `stream` (progress and a log, then
 * waits for `hooks.release`), `watch` (runs until cancelled) and `whoami` (ctx.auth, ctx.headers,
 * ctx.sessionId).
 */
export function createTestServer(configure?: (mcp: FastMCP) => void): { mcp: FastMCP; hooks: Hooks } {
  const mcp = createEverythingServer();
  const hooks: Hooks = {
    streaming: deferred(),
    release: deferred(),
    streamAborted: deferred(),
    watchStarted: deferred(),
    watchAborted: deferred<unknown>(),
  };
  mcp.tool(
    "stream",
    { description: "Progress and a log, then waits to be released." },
    async (_args, ctx) => {
      ctx.signal.addEventListener("abort", () => hooks.streamAborted.resolve());
      ctx.reportProgress(1, 2, "half way");
      ctx.info("streaming");
      hooks.streaming.resolve();
      await hooks.release.promise;
      ctx.reportProgress(2, 2, "done");
      return "streamed";
    },
  );
  mcp.tool(
    "watch",
    { description: "Runs until cancelled." },
    (_args, ctx) =>
      new Promise((_resolve, reject) => {
        ctx.signal.addEventListener("abort", () => {
          hooks.watchAborted.resolve(ctx.signal.reason);
          reject(ctx.signal.reason);
        });
        hooks.watchStarted.resolve();
      }),
  );
  mcp.tool(
    "whoami",
    { description: "What the server knows about the caller.", inputSchema: z.object({}) },
    (_args, ctx) => ({
      auth: ctx.auth ?? null,
      headers: ctx.headers ?? null,
      sessionId: ctx.sessionId ?? null,
    }),
  );
  configure?.(mcp);
  return { mcp, hooks };
}

const clients: Client[] = [];
const servers: ListeningServer[] = [];
const cleanups: (() => unknown)[] = [];

/** Registers the afterEach that closes what the helpers opened; call once per test file. */
export function closeAfterEach(): void {
  afterEach(async () => {
    await Promise.allSettled(clients.splice(0).map((client) => client.close()));
    await Promise.allSettled(servers.splice(0).map((server) => server.close()));
    await Promise.allSettled(cleanups.splice(0).map((cleanup) => cleanup()));
  });
}

/** Runs `cleanup` after the current test. */
export function onCleanup(cleanup: () => unknown): void {
  cleanups.push(cleanup);
}

export async function serve(mcp: FastMCP, options: ListenOptions = {}): Promise<ListeningServer> {
  const listening = await mcp.listen({ host: "127.0.0.1", port: 0, ...options });
  servers.push(listening);
  return listening;
}

/** A client, closed after the test (connected unless `connect: false`). */
export async function connect(
  target: ClientTarget,
  options: ClientOptions = {},
  connectNow = true,
): Promise<Client> {
  const client = new Client(target, options);
  clients.push(client);
  if (connectNow) await client.connect();
  return client;
}

/** Records the headers of every HTTP request and WebSocket upgrade a listening server receives. */
export function recordRequests(listening: ListeningServer): {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}[] {
  const seen: { method: string; url: string; headers: IncomingHttpHeaders }[] = [];
  const record = (req: {
    method?: string | undefined;
    url?: string | undefined;
    headers: IncomingHttpHeaders;
  }) => seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
  listening.server.prependListener("request", record);
  listening.server.prependListener("upgrade", record);
  return seen;
}

/** Parses a complete SSE body into its events (enough for the tests' replies). */
export function parseSse(text: string): { id?: string; event?: string; data: string }[] {
  const events: { id?: string; event?: string; data: string }[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    const data: string[] = [];
    const event: { id?: string; event?: string; data: string } = { data: "" };
    let sawField = false;
    for (const line of block.split(/\r?\n/)) {
      if (line === "" || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
      sawField = true;
      if (field === "data") data.push(value);
      else if (field === "id") event.id = value;
      else if (field === "event") event.event = value;
    }
    if (!sawField) continue;
    event.data = data.join("\n");
    events.push(event);
  }
  return events;
}

/** The JSON-RPC messages of an SSE body (events without data, such as priming events, are skipped). */
export function sseMessages(text: string): Record<string, any>[] {
  return parseSse(text)
    .filter((event) => event.data !== "" && (event.event ?? "message") === "message")
    .map((event) => JSON.parse(event.data) as Record<string, any>);
}
