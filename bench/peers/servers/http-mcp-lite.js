// The benchmark's mcp-lite network server: the `add` server of ./mcp-lite.js behind mcp-lite's
// StreamableHttpTransport (web-standard, Request -> Response) on node:http through
// @hono/node-server's getRequestListener (the adapter the SDK v2 row uses too; mcp-lite's README
// shows Hono). mcp-lite speaks the 2025 era only (2025-06-18 and 2025-03-26):
//   /mcp       stateless, its default (no session adapter): every POST stands alone
//   /sessions  sessions, the way its README shows for one server: InMemorySessionAdapter
// Forked by bench/scenarios/http.js, which talks to it through bench/servers/control.js.
import { createServer as createHttpServer } from "node:http";
import { getRequestListener } from "@hono/node-server";
import { InMemorySessionAdapter, StreamableHttpTransport } from "mcp-lite";
import { serveControl } from "../../servers/control.js";
import { createHandler, createServer } from "./mcp-lite.js";

const stateless = createHandler();
const sessionful = new StreamableHttpTransport({
  sessionAdapter: new InMemorySessionAdapter({ maxEventBufferSize: 1024 }),
}).bind(createServer());

const listener = getRequestListener(
  (request) => {
    const { pathname } = new URL(request.url);
    if (pathname === "/mcp") return stateless(request);
    if (pathname === "/sessions") return sessionful(request);
    return new Response(null, { status: 404 });
  },
  { overrideGlobalObjects: false },
);
const http = createHttpServer(listener);
await new Promise((resolve) => http.listen(0, "127.0.0.1", resolve));
const base = `http://127.0.0.1:${http.address().port}`;
serveControl({ stateless: `${base}/mcp`, legacy: `${base}/sessions` }, async () => {
  http.closeAllConnections();
  http.close();
});
