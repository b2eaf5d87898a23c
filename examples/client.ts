/**
 * A client: connects to a server, lists what it offers and calls it.
 *
 *   npx tsx examples/client.ts                               # starts examples/first-server.ts over stdio
 *   npx tsx examples/client.ts http://127.0.0.1:8000/mcp     # a server over HTTP (examples/http-server.ts)
 *   npx tsx examples/client.ts "npx -y @modelcontextprotocol/server-everything"   # any command line
 *
 * The target is anything `new Client(target)` takes: a URL, a command line, a script path, a
 * FastMCP instance (in memory) or an `{ mcpServers: ... }` config.
 */
import { Client, StdioTransport } from "fastmcp-ts";

const target =
  process.argv[2] ??
  // The default: run the first server with tsx, as `npx tsx examples/first-server.ts` would.
  new StdioTransport(process.execPath, ["--import", "tsx", "examples/first-server.ts"]);

// `await using` closes the client (and stops a stdio server) when this scope ends.
await using client = await Client.connect(target);
console.log(`connected to ${client.serverInfo?.name} over ${client.protocolVersion}`);

const tools = await client.listTools();
console.log("tools:", tools.map((tool) => tool.name).join(", "));

const sum = await client.callTool("add", { a: 5, b: 3 });
console.log("add(5, 3) =", sum.text);

const config = await client.readResource("config://app");
console.log("config://app:", config.content);

const prompt = await client.getPrompt("greet", { name: "Ada" });
console.log("greet:", prompt.text);
