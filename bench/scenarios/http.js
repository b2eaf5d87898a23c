// Network transports: Streamable HTTP (both eras), legacy HTTP+SSE and WebSocket. Every server runs
// in its own subprocess (bench/servers/http-*.js; the peer frameworks' in bench/peers/servers/)
// listening on 127.0.0.1; the load is generated here, by one raw client for all servers
// (bench/http-load.js), so the rows differ only by server. Rows: fastmcp-ts, the official SDKs v1
// and v2, tmcp, mcp-lite and punkpeye fastmcp (each in the era it speaks) and the floor (node:http
// with canned answers, bench/servers/http-floor.js).
//
// Per row: calls/s sequential and with `inFlight` calls in flight (interleaved, rotating rounds),
// p50/p99 latency of the sequential calls, server CPU per call (the server process's CPU time
// across each sample, read over its IPC control channel) and load-client CPU per call.
// Per session-keeping server: memory per open legacy session (`sessions` sessions opened on a fresh
// server process after a warm-up; heap and RSS after a forced GC, before and after).
// Secondary rows: each framework's own client against its own server over Streamable HTTP.
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as StreamableHTTPClientTransportV2,
} from "@modelcontextprotocol/client";
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as StreamableHTTPClientTransportV1 } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { Client } from "../../dist/index.js";
import { now, pairedRatio } from "../harness.js";
import {
  LEGACY,
  legacySessionConnection,
  legacyStatelessConnection,
  modernConnection,
  rawClient,
  sseConnection,
  startServer,
  wsConnection,
} from "../http-load.js";
import { measureRows } from "../http-measure.js";

const ARGS = { a: 20, b: 22 };
/** mcp-lite 0.10 knows 2025-06-18 and 2025-03-26 only: its rows ask for its newest. */
const MCP_LITE_VERSION = "2025-06-18";
const CLIENT_INFO = { name: "bench-client", version: "1.0.0" };

function checkText(text, id) {
  if (text !== "42") throw new Error(`${id}: add returned ${JSON.stringify(text)}, expected 42`);
}

/**
 * The rows measured with the raw load client. `server` names the subprocess, `url` its endpoint;
 * `peer` rows are what fastmcp-ts rows are compared with.
 */
export const HTTP_ROWS = [
  {
    id: "fastmcp-modern",
    short: "fastmcp-ts modern",
    label: "fastmcp-ts",
    transport: "Streamable HTTP",
    mode: "stateless",
    server: "fastmcp",
    open: (urls, id) => modernConnection(urls.modern, id),
  },
  {
    id: "sdk-v2-modern",
    peer: true,
    short: "SDK v2 modern",
    label: "SDK v2 createMcpHandler",
    transport: "Streamable HTTP",
    mode: "stateless",
    server: "sdk-v2",
    open: (urls, id) => modernConnection(urls.modern, id),
  },
  {
    id: "sdk-v1-stateless",
    peer: true,
    short: "SDK v1 stateless",
    label: "SDK v1 stateless",
    transport: "Streamable HTTP",
    mode: "no session",
    server: "sdk-v1",
    open: (urls, id) => legacyStatelessConnection(urls.stateless, id),
  },
  {
    id: "sdk-v2-stateless",
    peer: true,
    short: "SDK v2 legacy stateless",
    label: "SDK v2 legacy fallback",
    transport: "Streamable HTTP",
    mode: "no session",
    server: "sdk-v2",
    open: (urls, id) => legacyStatelessConnection(urls.stateless, id),
  },
  {
    id: "fastmcp-legacy",
    short: "fastmcp-ts legacy",
    label: "fastmcp-ts",
    transport: "Streamable HTTP",
    mode: "session",
    server: "fastmcp",
    open: (urls, id, client) => legacySessionConnection(urls.legacy, id, client),
    sessions: "http",
  },
  {
    id: "sdk-v1-legacy",
    peer: true,
    short: "SDK v1 stateful",
    label: "SDK v1 stateful",
    transport: "Streamable HTTP",
    mode: "session",
    server: "sdk-v1",
    open: (urls, id, client) => legacySessionConnection(urls.legacy, id, client),
    sessions: "http",
  },
  {
    id: "sdk-v2-legacy",
    peer: true,
    short: "SDK v2 stateful",
    label: "SDK v2 stateful",
    transport: "Streamable HTTP",
    mode: "session",
    server: "sdk-v2",
    open: (urls, id, client) => legacySessionConnection(urls.legacy, id, client),
    sessions: "http",
  },
  // ---- the peer frameworks (bench/peers/servers/http-*.js), each in the era it speaks ----------
  {
    id: "tmcp-modern",
    short: "tmcp modern",
    label: "tmcp @tmcp/transport-http",
    transport: "Streamable HTTP",
    mode: "stateless",
    server: "tmcp",
    peer: true,
    open: (urls, id) => modernConnection(urls.modern, id),
  },
  {
    id: "mcp-lite-stateless",
    short: "mcp-lite stateless",
    label: "mcp-lite (no session adapter)",
    transport: "Streamable HTTP",
    mode: "no session",
    server: "mcp-lite",
    peer: true,
    open: (urls, id) => legacyStatelessConnection(urls.stateless, id, MCP_LITE_VERSION),
  },
  {
    id: "punkpeye-stateless",
    short: "punkpeye stateless",
    label: "punkpeye fastmcp stateless",
    transport: "Streamable HTTP",
    mode: "no session",
    server: "punkpeye-fastmcp",
    peer: true,
    open: (urls, id) => legacyStatelessConnection(urls.stateless, id),
  },
  {
    id: "tmcp-legacy",
    short: "tmcp sessions",
    label: "tmcp @tmcp/transport-http",
    transport: "Streamable HTTP",
    mode: "session",
    server: "tmcp",
    peer: true,
    open: (urls, id, client) => legacySessionConnection(urls.legacy, id, client),
    sessions: "http",
  },
  {
    id: "mcp-lite-legacy",
    short: "mcp-lite sessions",
    label: "mcp-lite InMemorySessionAdapter",
    transport: "Streamable HTTP",
    mode: "session",
    server: "mcp-lite",
    peer: true,
    open: (urls, id, client) => legacySessionConnection(urls.legacy, id, client, MCP_LITE_VERSION),
    sessions: "http",
  },
  {
    id: "punkpeye-legacy",
    short: "punkpeye sessions",
    label: "punkpeye fastmcp",
    transport: "Streamable HTTP",
    mode: "session",
    server: "punkpeye-fastmcp",
    peer: true,
    open: (urls, id, client) => legacySessionConnection(urls.legacy, id, client),
    sessions: "http",
  },
  // ---- the floor: node:http + zod with canned answers, no MCP library (bench/servers/http-floor.js)
  {
    id: "floor-modern",
    short: "floor modern",
    label: "(floor: node:http + zod)",
    transport: "Streamable HTTP",
    mode: "stateless",
    server: "floor",
    floor: true,
    open: (urls, id) => modernConnection(urls.modern, id),
  },
  {
    id: "floor-stateless",
    short: "floor 2025",
    label: "(floor: node:http + zod)",
    transport: "Streamable HTTP",
    mode: "no session",
    server: "floor",
    floor: true,
    open: (urls, id) => legacyStatelessConnection(urls.stateless, id),
  },
  {
    id: "fastmcp-sse",
    short: "fastmcp-ts SSE",
    label: "fastmcp-ts",
    transport: "HTTP+SSE",
    mode: "session",
    server: "fastmcp",
    open: (urls, id) => sseConnection(urls.sse, id),
    sessions: "sse",
  },
  {
    id: "sdk-v1-sse",
    peer: true,
    short: "SDK v1 SSE",
    label: "SDK v1 SSEServerTransport",
    transport: "HTTP+SSE",
    mode: "session",
    server: "sdk-v1",
    open: (urls, id) => sseConnection(urls.sse, id),
    sessions: "sse",
  },
  {
    id: "fastmcp-ws",
    short: "fastmcp-ts WS",
    label: "fastmcp-ts",
    transport: "WebSocket",
    mode: "session",
    server: "fastmcp",
    open: (urls, id) => wsConnection(urls.ws, id),
    sessions: "ws",
  },
];

/** Secondary rows: each framework's own client against its own server. */
export const CLIENT_ROWS = [
  {
    id: "client:fastmcp-modern",
    label: "fastmcp-ts Client",
    transport: "Streamable HTTP",
    server: "fastmcp",
    open: (urls) => fastmcpClient(urls.modern),
  },
  {
    id: "client:fastmcp-legacy",
    label: "fastmcp-ts Client @2025-11-25",
    transport: "Streamable HTTP",
    server: "fastmcp",
    open: (urls) => fastmcpClient(urls.legacy, LEGACY),
  },
  {
    id: "client:sdk-v1",
    label: "SDK v1 Client (stateful server)",
    transport: "Streamable HTTP",
    server: "sdk-v1",
    open: (urls) => sdkV1Client(urls.legacy),
  },
  {
    id: "client:sdk-v2",
    label: "SDK v2 Client (auto)",
    transport: "Streamable HTTP",
    server: "sdk-v2",
    open: (urls) => sdkV2Client(urls.modern),
  },
];

/** fastmcp-ts rows and the rows they are compared with (ratios: ours ÷ other, paired per round). */
export const HTTP_COMPARISONS = [
  { ours: "fastmcp-modern", other: "sdk-v1-stateless" },
  { ours: "fastmcp-modern", other: "sdk-v1-legacy" },
  { ours: "fastmcp-modern", other: "sdk-v2-modern" },
  { ours: "fastmcp-legacy", other: "sdk-v1-legacy" },
  { ours: "fastmcp-legacy", other: "sdk-v2-legacy" },
  { ours: "fastmcp-sse", other: "sdk-v1-sse" },
  { ours: "fastmcp-modern", other: "tmcp-modern" },
  { ours: "fastmcp-modern", other: "mcp-lite-stateless" },
  { ours: "fastmcp-modern", other: "punkpeye-stateless" },
  { ours: "fastmcp-legacy", other: "tmcp-legacy" },
  { ours: "fastmcp-legacy", other: "mcp-lite-legacy" },
  { ours: "fastmcp-legacy", other: "punkpeye-legacy" },
  { ours: "fastmcp-modern", other: "floor-modern" },
];

async function fastmcpClient(url, protocolVersion) {
  const client = new Client(
    url,
    protocolVersion ? { protocolVersion, clientInfo: CLIENT_INFO } : { clientInfo: CLIENT_INFO },
  );
  await client.connect();
  return {
    call: async () => checkText((await client.callTool("add", ARGS)).text, "fastmcp client"),
    close: () => client.close(),
    protocolVersion: client.protocolVersion,
    era: client.era,
  };
}

async function sdkV1Client(url) {
  const transport = new StreamableHTTPClientTransportV1(new URL(url));
  const client = new ClientV1(CLIENT_INFO);
  await client.connect(transport);
  return {
    call: async () =>
      checkText((await client.callTool({ name: "add", arguments: ARGS })).content[0]?.text, "v1 client"),
    close: async () => {
      await transport.terminateSession().catch(() => {});
      await client.close();
    },
    protocolVersion: transport.protocolVersion,
    era: "legacy",
  };
}

async function sdkV2Client(url) {
  const client = new ClientV2(CLIENT_INFO, { versionNegotiation: { mode: "auto" } });
  await client.connect(new StreamableHTTPClientTransportV2(new URL(url)));
  return {
    call: async () =>
      checkText((await client.callTool({ name: "add", arguments: ARGS })).content[0]?.text, "v2 client"),
    close: () => client.close(),
    protocolVersion: client.getNegotiatedProtocolVersion(),
    era: client.getProtocolEra(),
  };
}

// ---- memory per open session ------------------------------------------------------------------

/** Opens `count` sessions of one kind, `parallel` at a time; resolves to their connections. */
async function openSessions(row, urls, count, parallel, client) {
  const opened = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      const id = `${row.id} session`;
      opened.push(
        row.sessions === "http"
          ? await row.open(urls, id, client)
          : row.sessions === "sse"
            ? await sseConnection(urls.sse, id, client)
            : await wsConnection(urls.ws, id),
      );
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return opened;
}

/**
 * Memory per session on a fresh server process: warm up (open and end `warmup` sessions, so lazily
 * loaded code and JIT state are not counted), force a GC, read heap and RSS, open `count` sessions,
 * force a GC, read again. The difference divided by `count` is what one idle session keeps.
 */
async function sessionMemory(row, { count, warmup }) {
  const server = await startServer(row.server);
  const client = rawClient();
  try {
    const warm = await openSessions(row, server.urls, warmup, 8, client);
    await Promise.all(warm.map((session) => session.close()));
    const before = await server.stats(true);
    const started = now();
    const sessions = await openSessions(row, server.urls, count, 16, client);
    const openMs = now() - started;
    const after = await server.stats(true);
    // A call on the last session proves they are usable, not just allocated.
    await sessions.at(-1)?.call();
    for (const session of sessions) await session.close();
    const kb = (bytes) => bytes / 1024 / count;
    return {
      sessions: count,
      heapKBPerSession: kb(after.heapUsed - before.heapUsed),
      externalKBPerSession: kb(after.external - before.external),
      rssKBPerSession: kb(after.rss - before.rss),
      openMsPerSession: openMs / count,
      before,
      after,
    };
  } finally {
    client.destroy();
    await server.stop();
  }
}

// ---- entry ------------------------------------------------------------------------------------

/**
 * config: { rounds, durationMs, warmupMs, inFlight, sessions, sessionWarmup, clients, cpuProfDir }.
 * Resolves to `{ servers, rows, clients, memory }`.
 */
export async function runHttp(config) {
  const names = [...new Set([...HTTP_ROWS, ...CLIENT_ROWS].map((row) => row.server))];
  const servers = {};
  const result = { servers: {}, rows: {}, clients: {}, memory: {} };
  try {
    for (const name of names) {
      servers[name] = await startServer(name, { cpuProfDir: config.cpuProfDir });
      result.servers[name] = { pid: servers[name].pid, urls: servers[name].urls };
    }
    result.rows = await measureRows(HTTP_ROWS, servers, config);
    if (config.clients) result.clients = await measureRows(CLIENT_ROWS, servers, config);
  } finally {
    await Promise.all(Object.values(servers).map((server) => server.stop()));
  }
  for (const row of HTTP_ROWS.filter((entry) => entry.sessions)) {
    result.memory[row.id] = await sessionMemory(row, {
      count: config.sessions,
      warmup: config.sessionWarmup,
    });
  }
  return result;
}

// ---- report -----------------------------------------------------------------------------------

/** Per-pair ratios: calls/s (sequential, in flight), server CPU per call and memory per session. */
export function httpRatios(result) {
  return HTTP_COMPARISONS.map(({ ours, other }) => {
    const a = result.rows[ours];
    const b = result.rows[other];
    const memA = result.memory[ours];
    const memB = result.memory[other];
    return {
      ours,
      other,
      sequential: a && b ? pairedRatio(a.sequential, b.sequential) : undefined,
      concurrent: a && b ? pairedRatio(a.concurrent, b.concurrent) : undefined,
      // How many times less server CPU ours spends per call (in flight): other ÷ ours.
      serverCpuAdvantage:
        a && b
          ? b.serverCpuMicrosPerCall.concurrent.median / a.serverCpuMicrosPerCall.concurrent.median
          : undefined,
      heapPerSession: memA && memB ? memA.heapKBPerSession / memB.heapKBPerSession : undefined,
    };
  });
}

/**
 * Issue 14's HTTP verdicts, in the shape of run.js's "versus best" list: fastmcp-ts against the best
 * other framework of its kind (any era; each peer runs in the era it speaks) over Streamable HTTP
 * (sequential and in flight), and against the floor; memory per session against the leanest peer.
 *   without a session: fastmcp-ts 2026-07-28 vs every sessionless peer row (modern or 2025-era)
 *   with sessions:     fastmcp-ts 2025-11-25 sessions vs every peer's sessions
 */
export function httpVersusBest(result, { target, floorTarget, inFlight }) {
  const peers = HTTP_ROWS.filter((row) => row.peer && row.transport === "Streamable HTTP");
  const out = [];
  for (const [ours, sessions, floorId, kind] of [
    ["fastmcp-modern", false, "floor-modern", "without a session"],
    ["fastmcp-legacy", true, undefined, "with sessions"],
  ]) {
    for (const [key, mode] of [
      ["sequential", "sequential"],
      ["concurrent", `${inFlight} in flight`],
    ]) {
      const a = result.rows[ours]?.[key];
      const measured = peers
        .filter((row) => (row.mode === "session") === sessions && result.rows[row.id]?.[key])
        .sort((x, y) => result.rows[y.id][key].median - result.rows[x.id][key].median);
      const best = measured[0];
      if (!a || !best) continue;
      const floor = floorId ? result.rows[floorId]?.[key] : undefined;
      out.push({
        key: `http:${sessions ? "session" : "stateless"}:${key}`,
        name: `Streamable HTTP calls/s ${kind}, ${mode}`,
        best: best.short,
        ratio: pairedRatio(a, result.rows[best.id][key]),
        target,
        lowerIsBetter: false,
        floorRatio: floor ? pairedRatio(a, floor) : undefined,
        floorTarget: floor ? floorTarget : undefined,
      });
    }
  }
  const ours = result.memory["fastmcp-legacy"];
  const leanest = peers
    .filter((row) => result.memory[row.id])
    .sort((x, y) => result.memory[x.id].heapKBPerSession - result.memory[y.id].heapKBPerSession)[0];
  if (ours && leanest) {
    out.push({
      key: "http:session-memory",
      name: "heap per legacy Streamable HTTP session (lower is better)",
      best: leanest.short,
      ratio: ours.heapKBPerSession / result.memory[leanest.id].heapKBPerSession,
      lowerIsBetter: true,
    });
  }
  return out;
}
