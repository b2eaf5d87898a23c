/**
 * Middleware: code that runs around every request, the same on every transport and in both
 * protocol eras. Built-ins come from `fastmcp-ts/middleware`; your own is an object of hooks.
 *
 *   npx tsx examples/middleware-server.ts                          # stdio
 *   npx tsx examples/client.ts "npx tsx examples/middleware-server.ts"
 */
import { FastMCP, ToolError } from "fastmcp-ts";
import { type Middleware, rateLimit, timing } from "fastmcp-ts/middleware";
import { z } from "zod";

const mcp = new FastMCP({ name: "Middleware Server", version: "1.0.0" });

mcp.tool(
  "add",
  { description: "Add two numbers.", inputSchema: z.object({ a: z.number(), b: z.number() }) },
  ({ a, b }) => a + b,
);
mcp.tool("_reindex", { description: "Maintenance only." }, () => "reindexed");

/** Hides tools whose name starts with "_" (calling one answers as an unknown tool) and refuses negative numbers. */
const house: Middleware = {
  name: "house-rules",
  async onListTools(_ctx, next) {
    return (await next()).filter((tool) => !tool.name.startsWith("_"));
  },
  async onCallTool(ctx, next) {
    if (Object.values(ctx.arguments).some((value) => typeof value === "number" && value < 0)) {
      throw new ToolError(`${ctx.name}: negative numbers are not allowed here`);
    }
    return next();
  },
};

// The first one given runs outermost: timing measures everything inside it.
mcp.use(timing(), rateLimit({ perSecond: 20, burst: 40 }), house);

export default mcp;

if (import.meta.url === `file://${process.argv[1]}`) await mcp.run();
