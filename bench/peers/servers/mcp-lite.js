// The benchmark's mcp-lite server: the same `add` tool (zod schema; mcp-lite takes a Standard Schema
// and a JSON Schema converter) on mcp-lite's McpServer. mcp-lite is fetch-first and has no stdio
// transport: `createHandler()` is its StreamableHttpTransport bound to the server, Request -> Response
// (stateless, its default), used in memory as is and on node:http by http-mcp-lite.js.
import { McpServer, StreamableHttpTransport } from "mcp-lite";
import { z } from "zod";

export function createServer() {
  const mcp = new McpServer({
    name: "bench-mcp-lite",
    version: "1.0.0",
    schemaAdapter: (schema) => z.toJSONSchema(schema),
  });
  mcp.tool("add", {
    description: "Add two numbers.",
    inputSchema: z.object({ a: z.number(), b: z.number() }),
    handler: ({ a, b }) => ({ content: [{ type: "text", text: String(a + b) }] }),
  });
  return mcp;
}

/** mcp-lite's web-standard handler for a new server: (Request) => Promise<Response>. */
export function createHandler() {
  return new StreamableHttpTransport().bind(createServer());
}
