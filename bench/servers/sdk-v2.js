// The benchmark's official-SDK v2 server: the same `add` tool on v2's `McpServer`, served by v2's
// `serveStdio` entry, which answers both eras (2026-07-28 and the initialize-based ones).
// Run directly it serves stdio; imported, `serve(transport)` serves any v2 transport (in memory).
import { argv } from "node:process";
import { pathToFileURL } from "node:url";
import { McpServer } from "@modelcontextprotocol/server";
import { serveStdio } from "@modelcontextprotocol/server/stdio";
import { z } from "zod";

export function createServer() {
  const server = new McpServer({ name: "bench-sdk-v2", version: "1.0.0" });
  server.registerTool(
    "add",
    { description: "Add two numbers.", inputSchema: z.object({ a: z.number(), b: z.number() }) },
    async ({ a, b }) => ({ content: [{ type: "text", text: String(a + b) }] }),
  );
  return server;
}

/** Serves over `transport` (default: this process's stdio); resolves to a handle with `close()`. */
export function serve(transport) {
  return serveStdio(createServer, transport ? { transport } : {});
}

if (argv[1] && import.meta.url === pathToFileURL(argv[1]).href) {
  serve();
}
