// Measuring rows of HTTP load against server subprocesses (bench/scenarios/http.js, scale-out.js):
// calls/s sequential and with `inFlight` calls in flight (interleaved, rotating rounds), latency
// percentiles of both, server CPU per call (the server's CPU time across each sample, read over its
// IPC control channel; `storeCpuMicros` too when the server reports one) and load-client CPU per call.
import { collectGarbage, now, rotate, summarize } from "./harness.js";

/**
 * One sample: `concurrency` loops calling for `durationMs`. Returns calls/s, server CPU per call
 * (µs), the store's CPU per call when `server.stats()` reports `storeCpuMicros`, and this process's
 * CPU per call; records each call's latency (ms) into `latencies`.
 */
async function sample(connection, server, { concurrency, durationMs, latencies }) {
  collectGarbage();
  const serverBefore = await server.stats();
  const clientBefore = process.cpuUsage();
  let calls = 0;
  const start = now();
  const deadline = start + durationMs;
  const loop = async () => {
    while (now() < deadline) {
      const began = now();
      await connection.call();
      latencies?.push(now() - began);
      calls++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const seconds = (now() - start) / 1000;
  const client = process.cpuUsage(clientBefore);
  const serverAfter = await server.stats();
  return {
    rate: calls / seconds,
    serverCpu: (serverAfter.cpuMicros - serverBefore.cpuMicros) / calls,
    storeCpu:
      serverAfter.storeCpuMicros === undefined
        ? undefined
        : (serverAfter.storeCpuMicros - serverBefore.storeCpuMicros) / calls,
    clientCpu: (client.user + client.system) / calls,
  };
}

/** Warm-up, then `rounds` rounds over every connection in rotating order. */
async function interleaved(connections, servers, { concurrency, rounds, durationMs, warmupMs }) {
  for (const connection of connections) {
    await sample(connection, servers[connection.server], { concurrency, durationMs: warmupMs });
  }
  const out = Object.fromEntries(
    connections.map(({ id }) => [
      id,
      { rate: [], serverCpu: [], storeCpu: [], clientCpu: [], latencies: [] },
    ]),
  );
  for (let round = 0; round < rounds; round++) {
    for (const connection of rotate(connections, round)) {
      const entry = out[connection.id];
      const result = await sample(connection, servers[connection.server], {
        concurrency,
        durationMs,
        latencies: entry.latencies,
      });
      entry.rate.push(result.rate);
      entry.serverCpu.push(result.serverCpu);
      if (result.storeCpu !== undefined) entry.storeCpu.push(result.storeCpu);
      entry.clientCpu.push(result.clientCpu);
    }
  }
  return out;
}

function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const latencySummary = (latencies) => ({
  p50: percentile(latencies, 50),
  p99: percentile(latencies, 99),
  calls: latencies.length,
});

/**
 * Opens each row's connection (`row.open(servers[row.server].urls, row.id)`), checks one call, then
 * measures every row sequentially and with `config.inFlight` in flight, interleaved.
 * config: { rounds, durationMs, warmupMs, inFlight }. Resolves to `{ [row.id]: entry }`; latencyMs
 * is of the sequential calls (all rounds pooled), latencyInFlightMs of the calls in flight.
 */
export async function measureRows(rows, servers, config) {
  const connections = [];
  try {
    for (const row of rows) {
      const connection = await row.open(servers[row.server].urls, row.id);
      connections.push({ ...connection, id: row.id, server: row.server });
    }
    for (const connection of connections) await connection.call();
    const sequential = await interleaved(connections, servers, { ...config, concurrency: 1 });
    const concurrent = await interleaved(connections, servers, { ...config, concurrency: config.inFlight });
    return Object.fromEntries(
      connections.map(({ id, protocolVersion, era }) => {
        const seq = sequential[id];
        const par = concurrent[id];
        return [
          id,
          {
            protocolVersion,
            era,
            sequential: summarize(seq.rate),
            concurrent: summarize(par.rate),
            latencyMs: latencySummary(seq.latencies),
            latencyInFlightMs: latencySummary(par.latencies),
            serverCpuMicrosPerCall: {
              sequential: summarize(seq.serverCpu),
              concurrent: summarize(par.serverCpu),
            },
            ...(par.storeCpu.length
              ? {
                  storeCpuMicrosPerCall: {
                    sequential: summarize(seq.storeCpu),
                    concurrent: summarize(par.storeCpu),
                  },
                }
              : {}),
            clientCpuMicrosPerCall: {
              sequential: summarize(seq.clientCpu),
              concurrent: summarize(par.clientCpu),
            },
          },
        ];
      }),
    );
  } finally {
    for (const connection of connections) await connection.close().catch(() => {});
  }
}
