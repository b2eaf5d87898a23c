// Import cost: what `import(entry)` costs a fresh Node process, for each of fastmcp-ts's entry
// points (from dist/) beside the official SDKs' server and client entries. Two measures, in
// separate processes so the second does not slow the first:
//   time:  performance.now() around the dynamic import, median of interleaved runs;
//   graph: the modules the import loads (file: URLs seen by a module.register load hook) and
//          their bytes on disk, split into this package's own files and other packages' (named),
//          plus the Node built-ins it imports (node: URLs seen by the same hook; ESM imports only:
//          a built-in that CommonJS code require()s does not pass the hook).
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { rotate, summarize } from "../harness.js";
import { PEERS_DIR } from "../peers.js";

const run = promisify(execFile);

/** The entries measured: [id, label, specifier, whose, peer (resolved from bench/peers/)]. */
export const IMPORT_ENTRIES = [
  ["node", "(bare node: import of node:path)", "node:path", "peer"],
  ["root", "fastmcp-ts", "fastmcp-ts", "ours"],
  ["client", "fastmcp-ts/client", "fastmcp-ts/client", "ours"],
  ["server-auth", "fastmcp-ts/server/auth", "fastmcp-ts/server/auth", "ours"],
  ["client-auth", "fastmcp-ts/client/auth", "fastmcp-ts/client/auth", "ours"],
  ["redis", "fastmcp-ts/redis", "fastmcp-ts/redis", "ours"],
  ["middleware", "fastmcp-ts/middleware", "fastmcp-ts/middleware", "ours"],
  ["sdk-v1-server", "SDK v1 server (sdk/server/mcp.js)", "@modelcontextprotocol/sdk/server/mcp.js", "peer"],
  [
    "sdk-v1-client",
    "SDK v1 client (sdk/client/index.js)",
    "@modelcontextprotocol/sdk/client/index.js",
    "peer",
  ],
  ["sdk-v2-server", "SDK v2 server (@modelcontextprotocol/server)", "@modelcontextprotocol/server", "peer"],
  ["sdk-v2-client", "SDK v2 client (@modelcontextprotocol/client)", "@modelcontextprotocol/client", "peer"],
  ["mcp-lite", "mcp-lite", "mcp-lite", "peer", true],
  ["tmcp", "tmcp (+ @tmcp/transport-stdio)", "tmcp+stdio", "peer", true],
  ["punkpeye", "punkpeye fastmcp", "fastmcp", "peer", true],
];

// "tmcp+stdio": what a tmcp stdio server imports (its server and its stdio transport).
const TIME_SCRIPT = `
const start = performance.now();
if (process.argv[1] === "tmcp+stdio") await Promise.all([import("tmcp"), import("@tmcp/transport-stdio")]);
else await import(process.argv[1]);
process.stdout.write(String(performance.now() - start));
`;

// A load hook (registered before the import) that reports every file module the import loads.
const GRAPH_SCRIPT = `
import { register } from "node:module";
import { MessageChannel } from "node:worker_threads";
import { statSync } from "node:fs";
import { fileURLToPath } from "node:url";
const { port1, port2 } = new MessageChannel();
const seen = [];
port1.on("message", (url) => seen.push(url));
port1.unref();
const hooks = "data:text/javascript," + encodeURIComponent(\`
  let port;
  export function initialize(data) { port = data.port; }
  export async function load(url, context, next) { if (url.startsWith("file:") || url.startsWith("node:")) port.postMessage(url); return next(url, context); }
\`);
register(hooks, { data: { port: port2 }, transferList: [port2] });
const before = new Set(seen);
if (process.argv[1] === "tmcp+stdio") await Promise.all([import("tmcp"), import("@tmcp/transport-stdio")]);
else await import(process.argv[1]);
await new Promise((resolve) => setImmediate(resolve));
const loaded = [...new Set(seen)].filter((url) => !before.has(url));
const builtins = loaded.filter((url) => url.startsWith("node:")).map((url) => url.slice(5)).sort();
const own = process.argv[2];
let ownModules = 0, ownBytes = 0, otherModules = 0, otherBytes = 0;
const packages = new Set();
for (const url of loaded.filter((url) => url.startsWith("file:"))) {
  const path = fileURLToPath(url);
  const bytes = statSync(path).size;
  if (path.startsWith(own) && !path.includes("/node_modules/")) { ownModules++; ownBytes += bytes; continue; }
  otherModules++; otherBytes += bytes;
  const parts = path.slice(path.lastIndexOf("/node_modules/") + 14).split("/");
  if (path.includes("/node_modules/")) packages.add(parts[0].startsWith("@") ? parts[0] + "/" + parts[1] : parts[0]);
}
process.stdout.write(JSON.stringify({ ownModules, ownBytes, otherModules, otherBytes, packages: [...packages].sort(), builtins }));
`;

async function node(script, args, cwd) {
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script, ...args], { cwd });
  return stdout;
}

/** Resolves each entry's specifier from the repository root (the package resolves itself by name). */
export async function runImportCost(root, { runs }) {
  const entries = IMPORT_ENTRIES.map(([id, label, specifier, whose, peer]) => ({
    id,
    label,
    specifier,
    whose,
    cwd: peer ? PEERS_DIR : root,
  }));
  const times = Object.fromEntries(entries.map((entry) => [entry.id, []]));
  for (let round = 0; round < runs; round++) {
    for (const entry of rotate(entries, round)) {
      times[entry.id].push(Number(await node(TIME_SCRIPT, [entry.specifier], entry.cwd)));
    }
  }
  const results = {};
  for (const entry of entries) {
    const graph = JSON.parse(await node(GRAPH_SCRIPT, [entry.specifier, `${root}dist/`], entry.cwd));
    results[entry.id] = { label: entry.label, whose: entry.whose, ms: summarize(times[entry.id]), ...graph };
  }
  return results;
}
