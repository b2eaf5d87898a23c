/**
 * Small real peers for the client auth tests: a stub authorization server (RFC 8414 metadata and a
 * token endpoint that answers as the test says, counting what it got), a FastMCP behind
 * RemoteAuthProvider that takes one token, and a call that reports how it failed. Every server
 * listens on 127.0.0.1 and is closed by the given `Cleanup`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ClientAuthProvider } from "../../src/auth/client/index.js";
import { RemoteAuthProvider } from "../../src/auth/server/index.js";
import { Client, FastMCP, StaticTokenVerifier } from "../../src/index.js";
import { type Cleanup, freePort, serveAsync } from "./node-host.js";

/** The only token `protectedServer` takes. */
export const GOOD_TOKEN = "good-token-0123456789";

export function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
}

export async function readBody(req: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of req) text += chunk;
  return text;
}

/** What a stub token endpoint received. */
export interface TokenRequestsSeen {
  tokenRequests: number;
  authorizations: string[];
  bodies: string[];
}

/** A stub authorization server: RFC 8414 metadata, and a token endpoint answering as told. */
export async function stubAuthorizationServer(
  cleanup: Cleanup,
  answer: (res: ServerResponse, body: URLSearchParams) => void,
  metadata: (issuer: string) => Record<string, unknown> = (issuer) => ({
    issuer,
    token_endpoint: `${issuer}/token`,
  }),
): Promise<{ issuer: string; tokenEndpoint: string; seen: TokenRequestsSeen }> {
  const seen: TokenRequestsSeen = { tokenRequests: 0, authorizations: [], bodies: [] };
  const host = await serveAsync(cleanup, async (req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (req.method === "GET" && path === "/.well-known/oauth-authorization-server") {
      return json(res, 200, metadata(host.origin));
    }
    if (req.method === "POST" && path === "/token") {
      seen.tokenRequests++;
      seen.authorizations.push(req.headers.authorization ?? "");
      const body = await readBody(req);
      seen.bodies.push(body);
      return answer(res, new URLSearchParams(body));
    }
    res.writeHead(404).end();
  });
  return { issuer: host.origin, tokenEndpoint: `${host.origin}/token`, seen };
}

/** A real FastMCP behind RemoteAuthProvider naming `issuer`, taking only GOOD_TOKEN; its URL. */
export async function protectedServer(cleanup: Cleanup, issuer: string): Promise<string> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const mcp = new FastMCP({
    name: "protected",
    auth: new RemoteAuthProvider({
      tokenVerifier: new StaticTokenVerifier({ [GOOD_TOKEN]: { clientId: "app" } }),
      authorizationServers: [issuer],
      baseUrl: base,
    }),
  });
  mcp.tool("ping", () => "pong");
  const listening = await mcp.listen({ host: "127.0.0.1", port });
  cleanup.add(() => listening.close());
  return listening.url;
}

/** Connects with `auth` and calls `ping`; resolves with the error it failed with (or undefined). */
export async function failureOf(
  cleanup: Cleanup,
  url: string,
  auth: ClientAuthProvider,
): Promise<Error | undefined> {
  const client = new Client(url, { auth, timeout: 10_000 });
  cleanup.add(() => client.close());
  try {
    await client.connect();
    await client.callTool("ping");
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

/** An error's message and its causes', where a secret must not appear. */
export function fullText(error: Error | undefined): string {
  const parts: string[] = [];
  for (let e: unknown = error; e instanceof Error; e = e.cause) parts.push(e.message);
  return parts.join(" | ");
}
