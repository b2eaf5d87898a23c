/**
 * A client sending a bearer token (`BearerAuth`, or just the token string as `auth`).
 *
 *   npx tsx examples/auth-client.ts http://127.0.0.1:8000/mcp dev-token
 */
import { BearerAuth, Client, ClientError } from "fastmcp-ts";

const [url = "http://127.0.0.1:8000/mcp", token = "dev-token"] = process.argv.slice(2);

await using client = await Client.connect(url, { auth: new BearerAuth(token) });
console.log((await client.callTool("whoami")).text);
console.log("tools:", (await client.listTools()).map((tool) => tool.name).join(", "));

// Without a token the server answers 401, and connecting fails.
try {
  await using anonymous = await Client.connect(url);
  console.log("connected without a token?", anonymous.serverInfo);
} catch (error) {
  console.log("without a token:", error instanceof ClientError ? error.message : error);
}
