// `npm run bench`: fastmcp-ts against the official MCP TypeScript SDKs (v1 and v2), side by side.
//
//   node bench/run.js [--quick] [--only=in-memory,stdio,cold-start]
//
// Runs on the built dist/ (no tsx), prints a table and writes .bench-results/latest.json.
import { readFileSync } from "node:fs";
import { arch, availableParallelism, cpus, loadavg, platform } from "node:os";
import { argv, version as nodeVersion } from "node:process";
import { fileURLToPath } from "node:url";
import { formatMs, formatRate, formatRatio, formatSpread, pairedRatio, table, writeJson } from "./harness.js";
import { runColdStart } from "./scenarios/cold-start.js";
import { runInMemory } from "./scenarios/in-memory.js";
import { runStdio } from "./scenarios/stdio.js";
import { COMPARISONS, FLOOR, STACKS } from "./stacks.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const quick = argv.includes("--quick");
const onlyArg = argv.find((arg) => arg.startsWith("--only="));
const only = onlyArg ? new Set(onlyArg.slice("--only=".length).split(",")) : undefined;
const enabled = (name) => !only || only.has(name);

const IN_FLIGHT = 32;
const CONFIG = quick
  ? {
      inMemory: { rounds: 2, durationMs: 200, warmupMs: 200, inFlight: IN_FLIGHT },
      stdio: { rounds: 2, durationMs: 200, warmupMs: 200, inFlight: IN_FLIGHT },
      coldStart: { runs: 3, settleMs: 50 },
    }
  : {
      inMemory: { rounds: 7, durationMs: 350, warmupMs: 500, inFlight: IN_FLIGHT },
      stdio: { rounds: 7, durationMs: 350, warmupMs: 500, inFlight: IN_FLIGHT },
      coldStart: { runs: 10, settleMs: 100 },
    };

const TARGETS = {
  inMemory: 3, // fastmcp-ts calls/s at least 3x SDK v1's, in memory
  stdioConcurrent: 2, // ... at least 2x SDK v1's over stdio with 32 in flight
  coldStart: 0.5, // cold start under half of SDK v1's
};

function packageVersion(name) {
  try {
    return JSON.parse(readFileSync(`${root}node_modules/${name}/package.json`, "utf8")).version;
  } catch {
    return undefined;
  }
}

function gitCommit() {
  try {
    const head = readFileSync(`${root}.git/HEAD`, "utf8").trim();
    if (!head.startsWith("ref: ")) return head;
    return readFileSync(`${root}.git/${head.slice(5)}`, "utf8").trim();
  } catch {
    return undefined;
  }
}

async function phase(name, run) {
  const start = performance.now();
  process.stdout.write(`running ${name}... `);
  const result = await run();
  process.stdout.write(`${((performance.now() - start) / 1000).toFixed(1)} s\n`);
  return result;
}

// ---- run --------------------------------------------------------------------------------------

const meta = {
  date: new Date().toISOString(),
  node: nodeVersion,
  platform: `${platform()} ${arch()}`,
  cpu: cpus()[0]?.model,
  cores: availableParallelism(),
  commit: gitCommit(),
  loadAverage: loadavg(),
  versions: {
    "fastmcp-ts": JSON.parse(readFileSync(`${root}package.json`, "utf8")).version,
    "@modelcontextprotocol/sdk": packageVersion("@modelcontextprotocol/sdk"),
    "@modelcontextprotocol/server": packageVersion("@modelcontextprotocol/server"),
    "@modelcontextprotocol/client": packageVersion("@modelcontextprotocol/client"),
    zod: packageVersion("zod"),
  },
  config: CONFIG,
};

console.log(
  `fastmcp-ts benchmark: node ${meta.node}, ${meta.platform}, ${meta.cores} cores (${meta.cpu})${quick ? ", QUICK" : ""}`,
);
if (meta.loadAverage[0] > meta.cores / 2) {
  console.log(
    `note: load average ${meta.loadAverage[0].toFixed(2)} on ${meta.cores} cores: other work is running, expect noisy numbers`,
  );
}
console.log(
  `SDK v1 = @modelcontextprotocol/sdk ${meta.versions["@modelcontextprotocol/sdk"]}, SDK v2 = @modelcontextprotocol/server+client ${meta.versions["@modelcontextprotocol/server"]}\n`,
);

const started = performance.now();
const results = {};
const coldStacks = [...STACKS, FLOOR];
if (enabled("in-memory"))
  results.inMemory = await phase("in-memory", () => runInMemory(STACKS, CONFIG.inMemory));
if (enabled("stdio")) results.stdio = await phase("stdio", () => runStdio(STACKS, CONFIG.stdio));
if (enabled("cold-start")) {
  results.coldStart = await phase("cold start", () => runColdStart(coldStacks, CONFIG.coldStart));
}
meta.seconds = (performance.now() - started) / 1000;
meta.loadAverageAtEnd = loadavg();

// ---- report -----------------------------------------------------------------------------------

/** Headline samples of one stack: calls/s (higher is better) and cold start ms (lower is better). */
function metricsOf(id) {
  return {
    inMemorySequential: results.inMemory?.[id]?.sequential,
    inMemoryConcurrent: results.inMemory?.[id]?.concurrent,
    stdioSequential: results.stdio?.[id]?.sequential,
    stdioConcurrent: results.stdio?.[id]?.concurrent,
    coldStart: results.coldStart?.[id]?.total,
  };
}

const COLUMNS = [
  ["inMemorySequential", "in-memory seq"],
  ["inMemoryConcurrent", `in-memory x${IN_FLIGHT}`],
  ["stdioSequential", "stdio seq"],
  ["stdioConcurrent", `stdio x${IN_FLIGHT}`],
  ["coldStart", "stdio cold start"],
];

function protocolOf(id) {
  const seen = [results.inMemory?.[id], results.stdio?.[id], results.coldStart?.[id]]
    .filter(Boolean)
    .map((entry) => `${entry.protocolVersion ?? "?"} ${entry.era ?? "?"}`);
  return [...new Set(seen)].join(" / ") || "n/a";
}

const absoluteRows = coldStacks.map((stack) => {
  const metrics = metricsOf(stack.id);
  return [
    stack.label,
    protocolOf(stack.id),
    ...COLUMNS.map(([key]) => {
      const summary = metrics[key];
      if (!summary) return "-";
      const value = key === "coldStart" ? formatMs(summary.median) : formatRate(summary.median);
      return `${value} ${formatSpread(summary)}`;
    }),
  ];
});

const label = (id) => coldStacks.find((stack) => stack.id === id)?.label ?? id;
const ratios = [];
for (const { ours, v1, v2 } of COMPARISONS) {
  for (const other of [v1, v2]) {
    const a = metricsOf(ours);
    const b = metricsOf(other);
    const entry = { ours, other, label: `${label(ours)} ÷ ${label(other)}` };
    for (const [key] of COLUMNS) entry[key] = a[key] && b[key] ? pairedRatio(a[key], b[key]) : undefined;
    ratios.push(entry);
  }
}
const ratioRows = ratios.map((entry) => [
  entry.label,
  "",
  ...COLUMNS.map(([key]) => formatRatio(entry[key])),
]);

const headers = [
  "calls/s (median ± CV) | cold start ms",
  "protocol negotiated",
  ...COLUMNS.map(([, t]) => t),
];
const divider = ["ratios (paired per round; cold start: of times)", "", ...COLUMNS.map(() => "")];
console.log(`\n${table(headers, [...absoluteRows, divider, ...ratioRows])}`);
console.log(`
Notes:
  calls/s: median of ${CONFIG.inMemory.rounds} interleaved rounds of ${CONFIG.inMemory.durationMs} ms, ± coefficient of variation;
  x${IN_FLIGHT} = ${IN_FLIGHT} calls in flight. Cold start: spawn to first tool result, median of ${CONFIG.coldStart.runs} interleaved runs.
  Ratios are medians of per-round (per-run) ratios. fastmcp-ts rows are compared with SDK v2 of the same era.
  SDK v2 (auto) = versionNegotiation "auto" (probes server/discover; over stdio v2 runs that probe on a
  short-lived extra server process); SDK v2 (default) = its default "legacy" mode (initialize only).
  SDK v2 in memory: v2's InMemoryTransport.createLinkedPair(), served by v2's serveStdio({ transport }) entry.`);

// ---- targets ----------------------------------------------------------------------------------

const headline = ratios.find((entry) => entry.ours === "fastmcp" && entry.other === "sdk-v1");
const verdict = (value, ok) => (value === undefined ? "not measured" : ok ? "MET" : "MISSED");
const targets = [
  {
    name: `in-memory calls/s >= ${TARGETS.inMemory}x SDK v1 (sequential)`,
    ratio: headline?.inMemorySequential,
    met: headline?.inMemorySequential >= TARGETS.inMemory,
  },
  {
    name: `in-memory calls/s >= ${TARGETS.inMemory}x SDK v1 (${IN_FLIGHT} in flight)`,
    ratio: headline?.inMemoryConcurrent,
    met: headline?.inMemoryConcurrent >= TARGETS.inMemory,
  },
  {
    name: `stdio calls/s with ${IN_FLIGHT} in flight >= ${TARGETS.stdioConcurrent}x SDK v1`,
    ratio: headline?.stdioConcurrent,
    met: headline?.stdioConcurrent >= TARGETS.stdioConcurrent,
  },
  {
    name: `cold start < ${TARGETS.coldStart}x SDK v1's`,
    ratio: headline?.coldStart,
    met: headline?.coldStart < TARGETS.coldStart,
  },
];
console.log(`\nTargets (fastmcp-ts with default negotiation vs SDK v1)`);
for (const target of targets) {
  console.log(
    `  ${verdict(target.ratio, target.met).padEnd(12)} ${target.name}: ${formatRatio(target.ratio)}`,
  );
}
console.log(`\nTotal ${meta.seconds.toFixed(1)} s.`);

const output = `${root}.bench-results/latest.json`;
await writeJson(output, {
  meta,
  stacks: coldStacks.map(({ id, label: name, family }) => ({ id, label: name, family })),
  results,
  ratios,
  targets,
});
console.log(`Results written to ${output}`);
