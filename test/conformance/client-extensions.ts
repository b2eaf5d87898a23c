/**
 * The conformance client for the suite's auth extension scenarios (client credentials, enterprise
 * managed authorization / cross-app access, workload identity, DPoP): what
 * `@modelcontextprotocol/conformance client --command` runs as `CMD <url>`, with the scenario in
 * MCP_CONFORMANCE_SCENARIO and its credentials in MCP_CONFORMANCE_CONTEXT (JSON). It builds the
 * auth provider a user would for that scenario from `fastmcp-ts/client/auth`, then lists the
 * server's tools and calls each one. A scenario it has no provider for fails (exit 1).
 *
 * Run: `node --import tsx test/conformance/client-extensions.ts http://localhost:PORT/mcp`.
 */
import {
  type ClientAuthProvider,
  ClientCredentials,
  CrossAppAccess,
  JWTBearer,
  OAuth,
} from "../../src/auth/client/index.js";
import { Client } from "../../src/index.js";
import { followAuthorization } from "./follow-authorization.js";

const url = process.argv[2];
const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? "";
const context = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT ?? "{}") as Record<string, string | undefined>;

function need(field: string): string {
  const value = context[field];
  if (typeof value !== "string" || value.length === 0)
    throw new Error(`MCP_CONFORMANCE_CONTEXT has no ${field} for ${scenario}`);
  return value;
}

/** The provider a user would configure for the scenario, from the credentials it hands out. */
function authFor(name: string): ClientAuthProvider {
  switch (name) {
    case "auth/client-credentials-basic":
      return new ClientCredentials({ clientId: need("client_id"), clientSecret: need("client_secret") });
    case "auth/client-credentials-jwt":
      return new ClientCredentials({
        clientId: need("client_id"),
        privateKey: need("private_key_pem"),
        algorithm: need("signing_algorithm"),
      });
    case "auth/wif-jwt-bearer":
      // The workload's own JWT; the context's wrong-audience and expired ones are not for a working client.
      return new JWTBearer({ clientId: need("client_id"), assertion: need("valid_jwt") });
    case "auth/enterprise-managed-authorization":
    case "auth/cross-app-access-complete-flow":
      return new CrossAppAccess({
        clientId: need("client_id"),
        clientSecret: need("client_secret"),
        idpClientId: need("idp_client_id"),
        idToken: need("idp_id_token"),
        idpTokenEndpoint: need("idp_token_endpoint"),
      });
    case "auth/dpop":
    case "auth/dpop-nonce":
      // The authorization code flow (the suite's authorization server approves at once), with DPoP.
      return new OAuth({
        clientName: "fastmcp-ts-conformance-auth-client",
        redirectUri: "http://localhost:3000/callback",
        redirectHandler: followAuthorization,
        dpop: true,
      });
    default:
      throw new Error(`no auth provider for scenario ${name}`);
  }
}

async function main(): Promise<void> {
  if (!url)
    throw new Error("usage: client-extensions.ts <server-url> (scenario in MCP_CONFORMANCE_SCENARIO)");
  const client = new Client(url, {
    clientInfo: { name: "fastmcp-ts-conformance-auth-client", version: "1.0.0" },
    timeout: 20_000,
    auth: authFor(scenario),
  });
  await client.connect();
  try {
    for (const tool of await client.listTools())
      await client.callTool(tool.name, {}, { raiseOnError: false });
  } finally {
    await client.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `conformance auth client (${scenario}): ${(error as Error)?.stack ?? String(error)}\n`,
    );
    process.exit(1);
  },
);
