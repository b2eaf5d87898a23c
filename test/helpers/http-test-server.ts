/**
 * The network transport tests' server and clients: a test server with controllable tools, and
 * `serve`/`connect` whose servers and clients close after each test. Every server listens on
 * 127.0.0.1 with port 0.
 */
import type { IncomingHttpHeaders } from "node:http";
import { afterEach } from "vitest";
import { z } from "zod";
import type { ClientTarget } from "../../src/client/detect.js";
import { Client, type ClientOptions, type FastMCP, type ListeningServer } from "../../src/index.js";
import type { ListenOptions } from "../../src/transports/http/app.js";
import { createEverythingServer } from "../fixtures/everything-server.js";
import { type Deferred, deferred } from "./wait.js";

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
