// Benchmark harness: timing, throughput loops, interleaved rounds, statistics and table printing.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

export const now = () => performance.now();
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- garbage collection between samples -------------------------------------------------------

let gcFn = globalThis.gc;
if (typeof gcFn !== "function") {
  try {
    setFlagsFromString("--expose-gc");
    gcFn = runInNewContext("gc");
  } catch {
    gcFn = undefined;
  }
}

/** Collects garbage (when possible) so one sample does not pay for the previous one's garbage. */
export function collectGarbage() {
  gcFn?.();
}

// ---- statistics -------------------------------------------------------------------------------

export function median(values) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function mean(values) {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Summary of a list of samples: median (the headline number), mean, min, max, spread. */
export function summarize(samples) {
  const med = median(samples);
  const avg = mean(samples);
  const sd = Math.sqrt(mean(samples.map((value) => (value - avg) ** 2)));
  return {
    median: med,
    mean: avg,
    min: Math.min(...samples),
    max: Math.max(...samples),
    cv: avg ? sd / avg : 0,
    samples,
  };
}

// ---- measurement ------------------------------------------------------------------------------

/**
 * Calls `call` from `concurrency` loops until `durationMs` elapses; each loop awaits its call before
 * the next, so exactly `concurrency` calls are in flight. Returns completed calls per second.
 */
export async function throughput(call, { concurrency = 1, durationMs }) {
  let calls = 0;
  const start = now();
  const deadline = start + durationMs;
  const loop = async () => {
    while (now() < deadline) {
      await call();
      calls++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return calls / ((now() - start) / 1000);
}

/** Rotates `items` by `by` positions, so each round starts with a different stack. */
export function rotate(items, by) {
  const k = by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

/**
 * Measures several connections interleaved: a warm-up of each, then `rounds` rounds in which every
 * connection is measured once for `durationMs`, in an order that rotates each round.
 * `targets` is a list of `{ id, call }`; returns `{ [id]: summary of calls/s }`.
 */
export async function interleavedThroughput(targets, { concurrency, rounds, durationMs, warmupMs }) {
  for (const target of targets) await throughput(target.call, { concurrency, durationMs: warmupMs });
  const samples = Object.fromEntries(targets.map((target) => [target.id, []]));
  for (let round = 0; round < rounds; round++) {
    for (const target of rotate(targets, round)) {
      collectGarbage();
      samples[target.id].push(await throughput(target.call, { concurrency, durationMs }));
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([id, values]) => [id, summarize(values)]));
}

/**
 * Ratio of two stacks measured in the same interleaved rounds: the median of the per-round ratios.
 * Pairing samples taken seconds apart cancels most of the drift of a busy machine.
 */
export function pairedRatio(a, b) {
  const count = Math.min(a.samples.length, b.samples.length);
  const ratios = [];
  for (let i = 0; i < count; i++) ratios.push(a.samples[i] / b.samples[i]);
  return median(ratios);
}

// ---- formatting -------------------------------------------------------------------------------

export function formatRate(value) {
  if (value === undefined || Number.isNaN(value)) return "n/a";
  return Math.round(value).toLocaleString("en-US");
}

export function formatMs(value) {
  if (value === undefined || Number.isNaN(value)) return "n/a";
  return `${value.toFixed(1)} ms`;
}

export function formatRatio(value) {
  if (value === undefined || !Number.isFinite(value)) return "n/a";
  return `${value.toFixed(2)}x`;
}

export function formatSpread(summary) {
  return summary ? `±${(summary.cv * 100).toFixed(0)}%` : "";
}

/** Renders rows (arrays of strings) as an aligned text table; column 0 left-aligned, others right. */
export function table(headers, rows) {
  const widths = headers.map((header, col) => Math.max(header.length, ...rows.map((row) => row[col].length)));
  const line = (cells) =>
    cells.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]) : cell.padStart(widths[col]))).join("  ");
  const rule = widths.map((width) => "-".repeat(width)).join("  ");
  return [line(headers), rule, ...rows.map(line)].join("\n");
}

export async function writeJson(path, data) {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(data, null, 2)}\n`);
}

/**
 * Opens one connection per stack with `open(stack)`, checks each answers, measures tool calls per
 * second sequentially and with `inFlight` concurrent calls (interleaved rounds), then closes them.
 */
export async function measureConnections(stacks, open, { inFlight, ...config }) {
  const connections = [];
  try {
    for (const stack of stacks) connections.push({ id: stack.id, ...(await open(stack)) });
    for (const connection of connections) await connection.call();
    const sequential = await interleavedThroughput(connections, { ...config, concurrency: 1 });
    const concurrent = await interleavedThroughput(connections, { ...config, concurrency: inFlight });
    return Object.fromEntries(
      connections.map(({ id, protocolVersion, era }) => [
        id,
        { protocolVersion, era, sequential: sequential[id], concurrent: concurrent[id] },
      ]),
    );
  } finally {
    for (const connection of connections) await connection.close().catch(() => {});
  }
}
