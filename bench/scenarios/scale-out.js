// Scale-out (issue 12): what the shared Redis store costs a call, and what three instances behind a
// round-robin give. The fastmcp-ts `add` server (bench/servers/http-fastmcp.js) runs as
//   (1) one instance without a store,
//   (2) one instance with a RedisStore,
//   (3) three instances sharing one RedisStore (same Redis, same prefix), the load client sending
//       each request to the next instance: a legacy session made on one instance hops over all three.
// For both eras (2026-07-28 stateless calls; 2025-11-25 sessions: initialize once per connection,
// then tools/call with Mcp-Session-Id), every answer checked. Rows are measured interleaved (the
// harness of the http scenario, bench/http-measure.js); ratios are to row (1), paired per round.
// A control row (3') runs (3)'s round-robin without a store (2026-07-28 only), to tell the store's
// cost from that of spreading the load over processes sharing the cores.
// Then Redis memory per open legacy session: `INFO memory` used_memory before and after opening
// `sessions` sessions, as bytes per session and sessions per GiB (and after a call, after DELETE).
// The bench starts its own redis-server on a free port; without one on PATH the scenario is skipped.
import { availableParallelism } from "node:os";
import { createClient } from "redis";
import { RedisServerMissingError, startRedisServer } from "../../test/helpers/redis-server.js";
import { formatRate, formatRatio, formatSpread, pairedRatio, rotate, table } from "../harness.js";
import { legacySessionConnection, modernConnection, rawClient, startServer } from "../http-load.js";
import { measureRows } from "../http-measure.js";

const SETUPS = [
  { key: "one", label: "1 instance, no store", short: "(1)" },
  { key: "redis", label: "1 instance + Redis", short: "(2)" },
  { key: "three", label: "3 instances + Redis, round-robin", short: "(3)" },
  // The control of (3): the same round-robin without a store, which only stateless calls survive.
  // What (3) loses against it is the store's; what it loses against (1) is spreading the load.
  { key: "three-plain", label: "3 instances, no store, round-robin", short: "(3')", eras: ["modern"] },
];

const ERAS = [
  {
    key: "modern",
    label: "2026-07-28 stateless",
    open: (urls, id) => modernConnection(urls.modern, id),
  },
  {
    key: "legacy",
    label: "2025-11-25 session",
    open: (urls, id) => legacySessionConnection(urls.legacy, id),
  },
];

/** One row per era and setup; `server` names the (possibly composite) server it loads. */
export const SCALE_OUT_ROWS = ERAS.flatMap((era) =>
  SETUPS.filter((setup) => !setup.eras || setup.eras.includes(era.key)).map((setup) => ({
    id: `${era.key}-${setup.key}`,
    era: era.key,
    setup: setup.key,
    label: `${setup.short} ${setup.label}`,
    eraLabel: era.label,
    server: setup.key,
    open: era.open,
  })),
);

// ---- Redis readings -----------------------------------------------------------------------------

const infoField = (info, name) => Number(new RegExp(`^${name}:([\\d.]+)`, "m").exec(info)?.[1]);

/** redis-server's CPU time so far (user + system), in µs. */
async function redisCpuMicros(redis) {
  const info = await redis.info("cpu");
  return Math.round((infoField(info, "used_cpu_user") + infoField(info, "used_cpu_sys")) * 1e6);
}

async function redisMemory(redis) {
  return {
    usedMemory: infoField(await redis.info("memory"), "used_memory"),
    keys: await redis.dbSize(),
  };
}

// ---- servers ------------------------------------------------------------------------------------

/**
 * One server for measureRows made of `instances` (its URLs are lists when there are several: the
 * load client goes round-robin over them). stats() sums the instances' CPU time and, with a store,
 * adds redis-server's as `storeCpuMicros`.
 */
function asOne(instances, redis) {
  const urlsOf = (kind) =>
    instances.length === 1 ? instances[0].urls[kind] : instances.map((instance) => instance.urls[kind]);
  return {
    urls: { modern: urlsOf("modern"), legacy: urlsOf("legacy") },
    async stats() {
      const [readings, storeCpuMicros] = await Promise.all([
        Promise.all(instances.map((instance) => instance.stats())),
        redis ? redisCpuMicros(redis) : undefined,
      ]);
      const cpuMicros = readings.reduce((sum, reading) => sum + reading.cpuMicros, 0);
      return storeCpuMicros === undefined ? { cpuMicros } : { cpuMicros, storeCpuMicros };
    },
  };
}

// ---- Redis memory per legacy session ------------------------------------------------------------

/** Opens `count` legacy sessions, `parallel` at a time, each made on the next of `urls`. */
async function openSessions(urls, count, parallel, client) {
  const opened = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const at = next++;
      opened.push(await legacySessionConnection(rotate(urls, at), "scale-out session", client));
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return opened;
}

/**
 * Redis memory per idle legacy session (initialize + notifications/initialized): warm up (open and
 * end `warmup` sessions), read used_memory and the key count, open `count` sessions over the three
 * instances, read again; then one call in every session (on an instance that did not make it, so
 * each session is shown to be usable everywhere), DELETE them all, and read what is left.
 */
async function sessionMemory(urls, redis, { count, warmup }) {
  const client = rawClient();
  try {
    const warm = await openSessions(urls, warmup, 8, client);
    await Promise.all(warm.map((session) => session.close()));
    const before = await redisMemory(redis);
    const sessions = await openSessions(urls, count, 16, client);
    const after = await redisMemory(redis);
    for (const session of sessions) await session.call();
    const called = await redisMemory(redis);
    for (const session of sessions) await session.close();
    const closed = await redisMemory(redis);
    const perSession = (reading) => ({
      bytes: (reading.usedMemory - before.usedMemory) / count,
      keys: (reading.keys - before.keys) / count,
    });
    const idle = perSession(after);
    return {
      sessions: count,
      bytesPerSession: idle.bytes,
      sessionsPerGiB: 2 ** 30 / idle.bytes,
      keysPerSession: idle.keys,
      afterOneCall: perSession(called),
      afterDelete: perSession(closed),
      before,
      after,
      called,
      closed,
    };
  } finally {
    client.destroy();
  }
}

// ---- entry --------------------------------------------------------------------------------------

/**
 * config: { rounds, durationMs, warmupMs, inFlight, sessions, sessionWarmup }. Resolves to
 * `{ skipped }` when redis-server is not on PATH, else `{ redis, rows, ratios, memory }`.
 */
export async function runScaleOut(config) {
  let redisServer;
  try {
    redisServer = await startRedisServer();
  } catch (error) {
    if (error instanceof RedisServerMissingError) return { skipped: error.message };
    throw error;
  }
  const redis = createClient({ url: redisServer.url });
  const started = [];
  const start = async (args) => {
    const server = await startServer("fastmcp", { args });
    started.push(server);
    return server;
  };
  try {
    await redis.connect();
    const store = (prefix) => [`--store=${redisServer.url}`, `--prefix=${prefix}`];
    const one = await start([]);
    const plain = [one, await start([]), await start([])];
    const solo = await start(store("solo:"));
    const trio = [];
    for (let i = 0; i < 3; i++) trio.push(await start(store("trio:")));
    const servers = {
      one: asOne([one]),
      redis: asOne([solo], redis),
      three: asOne(trio, redis),
      "three-plain": asOne(plain),
    };
    const rows = await measureRows(SCALE_OUT_ROWS, servers, config);
    const memory = await sessionMemory(servers.three.urls.legacy, redis, {
      count: config.sessions,
      warmup: config.sessionWarmup,
    });
    const version = /^redis_version:(.+)$/m.exec(await redis.info("server"))?.[1]?.trim();
    return { redis: { version }, rows, ratios: scaleOutRatios(rows), memory };
  } finally {
    await Promise.all(started.map((server) => server.stop()));
    await redis.close().catch(() => {});
    await redisServer.close();
  }
}

/**
 * Calls/s ratios paired per round: every row of an era ÷ its row (1), and (3) ÷ (3') (what the
 * store costs three instances).
 */
function scaleOutRatios(rows) {
  const ratio = (id, versus) => ({
    id,
    versus,
    sequential: pairedRatio(rows[id].sequential, rows[versus].sequential),
    concurrent: pairedRatio(rows[id].concurrent, rows[versus].concurrent),
  });
  return [
    ...SCALE_OUT_ROWS.filter((row) => row.setup !== "one").map((row) => ratio(row.id, `${row.era}-one`)),
    ratio("modern-three", "modern-three-plain"),
  ];
}

// ---- report -------------------------------------------------------------------------------------

/** The scenario's printed report: the table, the Redis memory per session, notes. */
export function scaleOutReport(result, config) {
  if (result.skipped) return `\nscale-out: skipped: ${result.skipped}`;
  const { inFlight } = config;
  const ms = (value) => (Number.isFinite(value) ? value.toFixed(2) : "n/a");
  const us = (summary) => (summary ? Math.round(summary.median).toLocaleString("en-US") : "-");
  const rate = (summary) => (summary ? `${formatRate(summary.median)} ${formatSpread(summary)}` : "-");
  const ratioOf = (id, versus) => result.ratios.find((entry) => entry.id === id && entry.versus === versus);
  const headers = [
    "scale-out (raw HTTP/1.1 load client)",
    "era",
    "seq calls/s",
    `x${inFlight} calls/s`,
    "seq ÷ (1)",
    `x${inFlight} ÷ (1)`,
    "p50 ms",
    "p99 ms",
    `p99 ms x${inFlight}`,
    "instances CPU µs/call",
    "Redis CPU µs/call",
  ];
  const rows = SCALE_OUT_ROWS.map((row) => {
    const entry = result.rows[row.id];
    const ratio = ratioOf(row.id, `${row.era}-one`);
    return [
      row.label,
      row.eraLabel,
      rate(entry.sequential),
      rate(entry.concurrent),
      ratio ? formatRatio(ratio.sequential) : "",
      ratio ? formatRatio(ratio.concurrent) : "",
      ms(entry.latencyMs.p50),
      ms(entry.latencyMs.p99),
      ms(entry.latencyInFlightMs.p99),
      us(entry.serverCpuMicrosPerCall.concurrent),
      us(entry.storeCpuMicrosPerCall?.concurrent),
    ];
  });
  const store = ratioOf("modern-three", "modern-three-plain");
  const memory = result.memory;
  const kib = (bytes) => `${(bytes / 1024).toFixed(2)} KiB`;
  return `
${table(headers, rows)}
(3) ÷ (3'), what the store costs three instances (2026-07-28): ${formatRatio(store.sequential)} sequential, ${formatRatio(store.concurrent)} x${inFlight}

Redis memory per open legacy session (${memory.sessions.toLocaleString("en-US")} sessions over the 3 instances): ${kib(memory.bytesPerSession)}, ${memory.keysPerSession.toFixed(1)} keys
  -> ${Math.round(memory.sessionsPerGiB).toLocaleString("en-US")} sessions per GiB of Redis; after one call in each: ${kib(memory.afterOneCall.bytes)}, ${memory.afterOneCall.keys.toFixed(1)} keys per session;
  after DELETE of all: ${kib(memory.afterDelete.bytes)} and ${memory.afterDelete.keys.toFixed(1)} keys per session left

Notes (scale-out): redis-server ${result.redis.version ?? "?"} started by the bench on a free port (nothing persisted);
  fastmcp-ts instances = bench/servers/http-fastmcp.js processes (--store=redis://... --prefix=..., one RedisStore each).
  (3): each HTTP request goes to the next of the three instances, a legacy session's too (initialize on one,
  calls on the others). One load connection per row (legacy: one session), x${inFlight} = ${inFlight} calls in flight on it.
  calls/s: median of ${config.rounds} interleaved rounds of ${config.durationMs} ms; ratios: medians of per-round ratios to (1).
  p50/p99: latency of the calls, all rounds pooled. CPU per call (x${inFlight}): the instances' user+system time summed,
  and redis-server's (INFO cpu). All processes share this machine's cores with the load client: three
  instances on ${availableParallelism()} cores measure the store's cost and the hop, not added capacity; (3') is (3)
  without the store (2026-07-28 only): (3) ÷ (3') is what the store costs the round-robin.
  Redis memory: used_memory (INFO memory) before and after opening the sessions (initialize +
  notifications/initialized, no call yet), after ${config.sessionWarmup} warm-up sessions; then one call in each session on an
  instance that did not make it, then DELETE of each; the figures are deltas from the reading before opening.`;
}
