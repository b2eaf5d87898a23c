// The benchmark's official-SDK v1 server: the same `add` tool on `McpServer`.
// Run directly it serves stdio (`StdioServerTransport`); imported, it only builds the server.
import { argv } from "node:process";
import { pathToFileURL } from "node:url";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

export function createServer() {
  const server = new McpServer({ name: "bench-sdk-v1", version: "1.0.0" });
  server.registerTool(
    "add",
    { description: "Add two numbers.", inputSchema: z.object({ a: z.number(), b: z.number() }) },
    async ({ a, b }) => ({ content: [{ type: "text", text: String(a + b) }] }),
  );
  return server;
}

if (argv[1] && import.meta.url === pathToFileURL(argv[1]).href) {
  await createServer().connect(new StdioServerTransport());
}
