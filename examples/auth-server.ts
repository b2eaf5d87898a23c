/**
 * A server that wants a bearer token: `StaticTokenVerifier` holds a fixed set of tokens (for
 * development, tests and service-to-service use); swap in `JWTVerifier` for tokens from your
 * identity provider (docs/auth.md). The token's identity reaches handlers as `ctx.auth`.
 *
 *   MCP_TOKEN=s3cret npx tsx examples/auth-server.ts       # http://127.0.0.1:8000/mcp
 *   npx tsx examples/auth-client.ts http://127.0.0.1:8000/mcp s3cret
 */
import { FastMCP, StaticTokenVerifier } from "fastmcp-ts";
import { requireScopes } from "fastmcp-ts/server/auth";

const token = process.env.MCP_TOKEN ?? "dev-token";

const mcp = new FastMCP({
  name: "Auth Server",
  version: "1.0.0",
  // Each token maps to the identity it stands for. A request without one of these gets 401.
  auth: new StaticTokenVerifier({
    [token]: { clientId: "alice", scopes: ["read"] },
  }),
});

mcp.tool("whoami", { description: "Who the caller is." }, (_args, ctx) => `You are ${ctx.auth?.clientId}`);

// Shown and callable only for tokens holding the "admin" scope: hidden from alice.
mcp.tool("shutdown", { description: "Admins only.", auth: requireScopes("admin") }, () => "bye");

export default mcp;

if (import.meta.url === `file://${process.argv[1]}`) {
  await mcp.run({ transport: "http", host: "127.0.0.1", port: Number(process.env.PORT ?? 8000) });
}
