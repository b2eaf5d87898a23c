// A tool call through a proxy: the fastmcp-ts client calls `add` over Streamable HTTP (both eras) on
// `FastMCP.asProxy` (bench/servers/http-proxy.js), which forwards it over stdio to the `add` server
// of bench/servers/fastmcp.js; compared with the same client calling that stdio server directly.
// The proxy keeps one upstream connection, so a call through it costs one more hop, never a new
// connection. Target: the proxied call costs at most 1.5x the direct one (calls/s ratio >= 1/1.5).
import { execPath } from "node:process";
import { fileURLToPath } from "node:url";
import { Client, StdioTransport } from "../../dist/index.js";
import { measureConnections } from "../harness.js";
import { legacySessionConnection, modernConnection, startServer } from "../http-load.js";

const ARGS = { a: 20, b: 22 };
const CLIENT_INFO = { name: "bench-client", version: "1.0.0" };
const upstream = fileURLToPath(new URL("../servers/fastmcp.js", import.meta.url));

async function open(id, target, options) {
  const client = new Client(target, { clientInfo: CLIENT_INFO, ...options });
  await client.connect();
  return {
    call: async () => {
      const text = (await client.callTool("add", ARGS)).text;
      if (text !== "42") throw new Error(`${id}: add returned ${JSON.stringify(text)}, expected 42`);
    },
    close: () => client.close(),
    protocolVersion: client.protocolVersion,
    era: client.era,
  };
}

/**
 * Rows: the direct stdio call, and the call through the proxy in each era, from the fastmcp-ts
 * Client and from the raw HTTP load client of the http scenario (node:http with keep-alive, no
 * client library), which shows the proxy's own cost apart from the HTTP client's.
 */
export const PROXY_ROWS = [
  { id: "direct-stdio", label: "direct: client -> stdio server" },
  { id: "proxy-modern", label: "proxy: client -(http 2026-07-28)-> proxy -(stdio)-> server" },
  { id: "proxy-legacy", label: "proxy: client -(http 2025-11-25)-> proxy -(stdio)-> server" },
  { id: "direct-http-raw", label: "reference: raw HTTP client -> the same server on HTTP (2026-07-28)" },
  { id: "proxy-modern-raw", label: "proxy, raw HTTP client (2026-07-28)" },
  { id: "proxy-legacy-raw", label: "proxy, raw HTTP client (2025-11-25 session)" },
];

export async function runProxy(config) {
  const server = await startServer("proxy");
  // The same `add` server served on HTTP directly: what the HTTP hop alone costs, for reference.
  const plain = await startServer("fastmcp");
  try {
    const stacks = [
      { id: "direct-stdio", open: () => open("direct-stdio", new StdioTransport(execPath, [upstream]), {}) },
      { id: "proxy-modern", open: () => open("proxy-modern", server.urls.modern, {}) },
      {
        id: "proxy-legacy",
        open: () => open("proxy-legacy", server.urls.legacy, { protocolVersion: "2025-11-25" }),
      },
      { id: "direct-http-raw", open: async () => modernConnection(plain.urls.modern, "direct-http-raw") },
      { id: "proxy-modern-raw", open: async () => modernConnection(server.urls.modern, "proxy-modern-raw") },
      {
        id: "proxy-legacy-raw",
        open: () => legacySessionConnection(server.urls.legacy, "proxy-legacy-raw"),
      },
    ];
    return await measureConnections(stacks, (stack) => stack.open(), config);
  } finally {
    await server.stop();
    await plain.stop();
  }
}

/** Median of per-round ratios a/b (interleaved rounds: drift cancels out). */
function pairedCost(a, b) {
  const ratios = a.samples.map((value, i) => value / b.samples[i]).sort((x, y) => x - y);
  const mid = ratios.length >> 1;
  return ratios.length % 2 ? ratios[mid] : (ratios[mid - 1] + ratios[mid]) / 2;
}

/**
 * Cost of a proxied call relative to a direct stdio call (direct calls/s over proxied calls/s, per
 * round), the target; and, for the raw-client rows, relative to a direct HTTP call to the same
 * server, which shows what the proxy adds to the HTTP hop it needs.
 */
export function proxyCosts(results) {
  const rows = [];
  const cost = (id, baseId, versus) => {
    const base = results[baseId];
    const proxied = results[id];
    if (!base || !proxied) return;
    rows.push({
      id,
      versus,
      sequential: pairedCost(base.sequential, proxied.sequential),
      concurrent: pairedCost(base.concurrent, proxied.concurrent),
    });
  };
  for (const id of ["proxy-modern", "proxy-legacy", "proxy-modern-raw", "proxy-legacy-raw"]) {
    cost(id, "direct-stdio", "a direct stdio call");
  }
  for (const id of ["proxy-modern-raw", "proxy-legacy-raw"])
    cost(id, "direct-http-raw", "a direct HTTP call");
  cost("direct-http-raw", "direct-stdio", "a direct stdio call (reference, no proxy)");
  return rows;
}
