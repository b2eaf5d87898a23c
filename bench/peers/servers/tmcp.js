// The benchmark's tmcp server: the same `add` tool (zod schema through @tmcp/adapter-zod) on tmcp's
// McpServer. Run directly it serves stdio (@tmcp/transport-stdio); imported, it only builds the server.
import { argv } from "node:process";
import { pathToFileURL } from "node:url";
import { ZodJsonSchemaAdapter } from "@tmcp/adapter-zod";
import { StdioTransport } from "@tmcp/transport-stdio";
import { McpServer } from "tmcp";
import { z } from "zod";

export function createServer() {
  const server = new McpServer(
    { name: "bench-tmcp", version: "1.0.0", description: "fastmcp-ts benchmark" },
    { adapter: new ZodJsonSchemaAdapter(), capabilities: { tools: {} } },
  );
  server.tool(
    { name: "add", description: "Add two numbers.", schema: z.object({ a: z.number(), b: z.number() }) },
    async ({ a, b }) => ({ content: [{ type: "text", text: String(a + b) }] }),
  );
  return server;
}

if (argv[1] && import.meta.url === pathToFileURL(argv[1]).href) {
  new StdioTransport(createServer()).listen();
}
