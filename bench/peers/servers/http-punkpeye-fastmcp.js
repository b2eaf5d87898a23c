// The benchmark's punkpeye fastmcp network server: the `add` server of ./punkpeye-fastmcp.js served
// by its own `start({ transportType: "httpStream" })` (mcp-proxy's HTTP server over the official
// SDK v1), twice, since one start serves one mode:
//   stateful   its default: a session (an SDK v1 server and transport) per initialize
//   stateless  `httpStream.stateless: true`: a new session object per request
// Both with enableJsonResponse: true, like the SDK v1 row. It speaks the 2025 era only (mcp-proxy
// refuses 2026-07-28 for a server built on SDK v1). `start` does not report the port it bound, so
// each gets a free port found just before (port 0 on a throwaway socket).
// Forked by bench/scenarios/http.js, which talks to it through bench/servers/control.js.
import { createServer as createNetServer } from "node:net";
import { serveControl } from "../../servers/control.js";
import { createServer } from "./punkpeye-fastmcp.js";

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

// Quiet: it logs every session it opens (console by default), and mcp-proxy console.logs every
// DELETE; the bench's output is not the place (errors still reach stderr).
const silent = { debug() {}, error() {}, info() {}, log() {}, warn() {} };
console.log = () => {};

async function start(stateless) {
  const server = createServer({ logger: silent });
  const port = await freePort();
  await server.start({
    transportType: "httpStream",
    httpStream: { host: "127.0.0.1", port, endpoint: "/mcp", enableJsonResponse: true, stateless },
  });
  return { server, url: `http://127.0.0.1:${port}/mcp` };
}

const stateful = await start(false);
const stateless = await start(true);
serveControl({ legacy: stateful.url, stateless: stateless.url }, async () => {
  await Promise.all([stateful.server.stop(), stateless.server.stop()]);
});
