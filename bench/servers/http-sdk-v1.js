// The benchmark's official-SDK v1 network server: the `add` server of bench/servers/sdk-v1.js on a
// plain node:http server, wired the way v1's documentation shows:
//   /stateless  StreamableHTTPServerTransport({ sessionIdGenerator: undefined }): a new McpServer
//               and transport per request (v1's stateless idiom; v1 speaks only 2025-era versions)
//   /mcp        stateful sessions: initialize creates a transport (and McpServer) per session,
//               later requests are routed by Mcp-Session-Id
//   /sse        legacy HTTP+SSE (SSEServerTransport), messages to /messages?sessionId=...
// Streamable HTTP runs with enableJsonResponse: true, so a reply is one JSON body as with
// fastmcp-ts (v1's default would wrap each reply in an SSE stream).
// Forked by bench/scenarios/http.js, which talks to it through bench/servers/control.js.
import { randomUUID } from "node:crypto";
import { createServer as createHttpServer } from "node:http";
import { SSEServerTransport } from "@modelcontextprotocol/sdk/server/sse.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { serveControl } from "./control.js";
import { createServer } from "./sdk-v1.js";

const sessions = new Map(); // Mcp-Session-Id -> StreamableHTTPServerTransport
const sseSessions = new Map(); // sessionId -> SSEServerTransport

function fail(res, status, message) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32000, message } }));
}

async function stateless(req, res) {
  const server = createServer();
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  res.on("close", () => {
    transport.close();
    server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res);
}

async function stateful(req, res) {
  const sessionId = req.headers["mcp-session-id"];
  if (sessionId) {
    const transport = sessions.get(sessionId);
    if (!transport) return fail(res, 404, "Session not found");
    return transport.handleRequest(req, res);
  }
  if (req.method !== "POST") return fail(res, 400, "Mcp-Session-Id header is required");
  // A request without a session id must be initialize; the transport itself rejects anything else.
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: () => randomUUID(),
    enableJsonResponse: true,
    onsessioninitialized: (id) => sessions.set(id, transport),
  });
  transport.onclose = () => {
    if (transport.sessionId) sessions.delete(transport.sessionId);
  };
  await createServer().connect(transport);
  return transport.handleRequest(req, res);
}

async function sse(res) {
  const transport = new SSEServerTransport("/messages", res);
  sseSessions.set(transport.sessionId, transport);
  res.on("close", () => sseSessions.delete(transport.sessionId));
  await createServer().connect(transport);
}

async function sseMessage(req, res, url) {
  const transport = sseSessions.get(url.searchParams.get("sessionId") ?? "");
  if (!transport) return fail(res, 404, "Session not found");
  return transport.handlePostMessage(req, res);
}

const http = createHttpServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://localhost");
  const route =
    url.pathname === "/stateless"
      ? stateless(req, res)
      : url.pathname === "/mcp"
        ? stateful(req, res)
        : url.pathname === "/sse" && req.method === "GET"
          ? sse(res)
          : url.pathname === "/messages" && req.method === "POST"
            ? sseMessage(req, res, url)
            : Promise.resolve(fail(res, 404, "Not found"));
  route.catch(() => {
    if (!res.headersSent) fail(res, 500, "Internal error");
    else res.end();
  });
});
await new Promise((resolve) => http.listen(0, "127.0.0.1", resolve));
const base = `http://127.0.0.1:${http.address().port}`;
serveControl({ stateless: `${base}/stateless`, legacy: `${base}/mcp`, sse: `${base}/sse` }, async () => {
  http.closeAllConnections();
  http.close();
});
