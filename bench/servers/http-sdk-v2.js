// The benchmark's official-SDK v2 network server: the `add` server of bench/servers/sdk-v2.js on a
// plain node:http server. v2's HTTP entries are web-standard (Request -> Response); they are
// mounted with @hono/node-server's getRequestListener, the adapter v1's StreamableHTTPServerTransport
// (and v2's @modelcontextprotocol/node) use internally.
//   /mcp       createMcpHandler(factory): 2026-07-28 requests served statelessly by a per-request
//              instance, 2025-era requests by its stateless legacy fallback (its defaults)
//   /sessions  2025-era sessions: WebStandardStreamableHTTPServerTransport with a session id
//              generator, one McpServer per session, routed by Mcp-Session-Id (enableJsonResponse,
//              like the v1 server). Legacy traffic only, so no isLegacyRequest() probe in front.
// Forked by bench/scenarios/http.js, which talks to it through bench/servers/control.js.
import { createServer as createHttpServer } from "node:http";
import { getRequestListener } from "@hono/node-server";
import { createMcpHandler, WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/server";
import { serveControl } from "./control.js";
import { createServer } from "./sdk-v2.js";

const handler = createMcpHandler(() => createServer());
const sessions = new Map(); // Mcp-Session-Id -> WebStandardStreamableHTTPServerTransport

function fail(status, message) {
  return Response.json({ jsonrpc: "2.0", id: null, error: { code: -32000, message } }, { status });
}

async function sessionful(request) {
  const sessionId = request.headers.get("mcp-session-id");
  if (sessionId) {
    const transport = sessions.get(sessionId);
    return transport ? transport.handleRequest(request) : fail(404, "Session not found");
  }
  if (request.method !== "POST") return fail(400, "Mcp-Session-Id header is required");
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: () => crypto.randomUUID(),
    enableJsonResponse: true,
    onsessioninitialized: (id) => sessions.set(id, transport),
  });
  transport.onclose = () => {
    if (transport.sessionId) sessions.delete(transport.sessionId);
  };
  await createServer().connect(transport);
  return transport.handleRequest(request);
}

const listener = getRequestListener(
  (request) => {
    const { pathname } = new URL(request.url);
    if (pathname === "/mcp") return handler.fetch(request);
    if (pathname === "/sessions") return sessionful(request);
    return fail(404, "Not found");
  },
  { overrideGlobalObjects: false },
);
const http = createHttpServer(listener);
await new Promise((resolve) => http.listen(0, "127.0.0.1", resolve));
const base = `http://127.0.0.1:${http.address().port}`;
serveControl({ modern: `${base}/mcp`, stateless: `${base}/mcp`, legacy: `${base}/sessions` }, async () => {
  await handler.close();
  http.closeAllConnections();
  http.close();
});
