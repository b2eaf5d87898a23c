// The benchmark's fastmcp-ts server: one `add` tool with a zod input schema.
// Run directly (`node bench/servers/fastmcp.js`) it serves stdio; imported, it only builds the server.
import { argv } from "node:process";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { FastMCP } from "../../dist/index.js";

export function createServer({ middleware = false } = {}) {
  const mcp = new FastMCP({ name: "bench-fastmcp", version: "1.0.0" });
  mcp.tool(
    "add",
    { description: "Add two numbers.", inputSchema: z.object({ a: z.number(), b: z.number() }) },
    ({ a, b }) => a + b,
  );
  // What one pass-through middleware costs a call (the server without it must pay nothing).
  if (middleware)
    mcp.use({ name: "pass-through", onRequest: (_ctx, next) => next(), onCallTool: (_ctx, next) => next() });
  return mcp;
}

if (argv[1] && import.meta.url === pathToFileURL(argv[1]).href) {
  await createServer().run();
}
