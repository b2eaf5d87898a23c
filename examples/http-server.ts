/**
 * The first server over Streamable HTTP (both protocol eras on one endpoint).
 *
 *   npx tsx examples/http-server.ts                  # serves http://127.0.0.1:8000/mcp
 *   PORT=0 npx tsx examples/http-server.ts           # any free port (printed on stderr)
 *   npx tsx examples/client.ts http://127.0.0.1:8000/mcp
 *
 * Ctrl-C stops it. Bind `host: "0.0.0.0"` to accept connections from other machines (and put it
 * behind auth: see examples/auth-server.ts).
 */
import { FastMCP } from "fastmcp-ts";
import { z } from "zod";

const mcp = new FastMCP({ name: "HTTP Server", version: "1.0.0" });

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

if (import.meta.url === `file://${process.argv[1]}`) {
  // Prints `[fastmcp-ts] HTTP Server serving http http://127.0.0.1:<port>/mcp` once it listens.
  await mcp.run({ transport: "http", host: "127.0.0.1", port: Number(process.env.PORT ?? 8000) });
}
