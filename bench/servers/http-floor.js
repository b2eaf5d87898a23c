// HTTP floor, not an MCP library: node:http plus the same zod schema as the other servers, reading
// each POST body and answering `tools/call` with one JSON body (the stdio floor, bench/servers/
// floor.js, over HTTP). It validates nothing else and keeps no state: `initialize` gets a canned
// result and a random Mcp-Session-Id it never looks at again, notifications get 202. No real
// server can answer the same requests faster on the same machine; the gap to it is what a
// framework costs per call.
// Forked by bench/scenarios/http.js, which talks to it through bench/servers/control.js.
import { randomUUID } from "node:crypto";
import { createServer as createHttpServer } from "node:http";
import { z } from "zod";
import { serveControl } from "./control.js";

const schema = z.object({ a: z.number(), b: z.number() });
const serverInfo = { name: "bench-floor", version: "1.0.0" };
const meta = { "io.modelcontextprotocol/serverInfo": serverInfo };

function answer(request) {
  if (request.method === "tools/call") {
    const { a, b } = schema.parse(request.params.arguments);
    const result = { content: [{ type: "text", text: String(a + b) }] };
    // A 2026-07-28 request carries its version in _meta; its result says it is complete.
    return request.params._meta?.["io.modelcontextprotocol/protocolVersion"]
      ? { ...result, resultType: "complete", _meta: meta }
      : result;
  }
  if (request.method === "initialize")
    return { protocolVersion: request.params.protocolVersion, capabilities: { tools: {} }, serverInfo };
  return undefined;
}

function reply(res, status, body, headers = {}) {
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

const http = createHttpServer((req, res) => {
  if (req.method === "DELETE") return reply(res, 200, "");
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    const request = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    if (request.id === undefined) return reply(res, 202, "");
    const result = answer(request);
    const message = result
      ? { jsonrpc: "2.0", id: request.id, result }
      : { jsonrpc: "2.0", id: request.id, error: { code: -32601, message: "Method not found" } };
    const headers = request.method === "initialize" ? { "mcp-session-id": randomUUID() } : {};
    reply(res, 200, JSON.stringify(message), headers);
  });
});
await new Promise((resolve) => http.listen(0, "127.0.0.1", resolve));
const url = `http://127.0.0.1:${http.address().port}/mcp`;
serveControl({ modern: url, stateless: url, legacy: url }, async () => {
  http.closeAllConnections();
  http.close();
});
