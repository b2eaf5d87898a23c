/**
 * A first MCP server: one tool, one resource, one prompt, served over stdio.
 *
 *   npx tsx examples/first-server.ts                 # speaks MCP on stdin/stdout (Ctrl-D ends it)
 *   npx tsx examples/client.ts                       # a client that starts this file and calls it
 *
 * Point an MCP host (Claude Desktop, Cursor, the MCP Inspector) at the command
 * `npx tsx /path/to/first-server.ts`. In your own project, `import { FastMCP } from "fastmcp-ts"`
 * works the same; in this repository tsconfig.json maps `fastmcp-ts` to src/, and tsx follows it.
 */
import { FastMCP } from "fastmcp-ts";
import { z } from "zod";

const mcp = new FastMCP({ name: "First Server", version: "1.0.0" });

mcp.tool(
  "add",
  { description: "Add two numbers.", inputSchema: z.object({ a: z.number(), b: z.number() }) },
  ({ a, b }) => a + b,
);

mcp.resource("config://app", { description: "The app's settings" }, () => ({ theme: "dark" }));

mcp.prompt(
  "greet",
  { description: "Greet someone", argsSchema: z.object({ name: z.string() }) },
  ({ name }) => `Say hello to ${name}.`,
);

export default mcp;

// Serve when run as a program, not when imported (by a test, or by `fastmcp-ts run`).
if (import.meta.url === `file://${process.argv[1]}`) await mcp.run();
