// The fastmcp-ts server of the cold-start comparison without a schema library: the same `add` tool
// declared with a plain JSON Schema (a first-class form in fastmcp-ts), so no zod is loaded.
import { argv } from "node:process";
import { pathToFileURL } from "node:url";
import { FastMCP } from "../../dist/index.js";

export function createServer() {
  const mcp = new FastMCP({ name: "bench-fastmcp-json", version: "1.0.0" });
  mcp.tool(
    "add",
    {
      description: "Add two numbers.",
      inputSchema: {
        type: "object",
        properties: { a: { type: "number" }, b: { type: "number" } },
        required: ["a", "b"],
      },
    },
    ({ a, b }) => a + b,
  );
  return mcp;
}

if (argv[1] && import.meta.url === pathToFileURL(argv[1]).href) {
  await createServer().run();
}
