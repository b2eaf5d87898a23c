// The benchmark's punkpeye fastmcp server (npm `fastmcp`, built on the official SDK v1): the same
// `add` tool with a zod schema. Run directly it serves stdio (`start({ transportType: "stdio" })`);
// imported, it only builds the server (connected in memory with `server.connect(transport)`).
import { argv } from "node:process";
import { pathToFileURL } from "node:url";
import { FastMCP } from "fastmcp";
import { z } from "zod";

/** `options`: more FastMCP constructor options (the HTTP server passes a quiet logger). */
export function createServer(options = {}) {
  const server = new FastMCP({ name: "bench-punkpeye-fastmcp", version: "1.0.0", ...options });
  server.addTool({
    name: "add",
    description: "Add two numbers.",
    parameters: z.object({ a: z.number(), b: z.number() }),
    execute: async ({ a, b }) => String(a + b),
  });
  return server;
}

if (argv[1] && import.meta.url === pathToFileURL(argv[1]).href) {
  await createServer().start({ transportType: "stdio" });
}
