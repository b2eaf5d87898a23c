/**
 * Our own `Client` with `OAuth` logs in end to end: to a FastMCP resource server
 * (`RemoteAuthProvider` + `JWTVerifier`) of a real OpenID provider (oidc-provider,
 * test/helpers/oidc.ts), over Streamable HTTP in both eras, legacy SSE and WebSocket; refreshes
 * expired tokens, steps up on 403 insufficient_scope, keeps tokens in a FileTokenStorage; and logs
 * in through our own OAuthProxy in front of a GitHub-like provider. The user is `playUser` (or the
 * proxy rig's browser), called by the OAuth `redirectHandler` as an app would open a browser.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  FileTokenStorage,
  MemoryTokenStorage,
  OAuth,
  OAuthError,
  type OAuthOptions,
  type TokenStorage,
} from "../../src/auth/client/index.js";
import { Client, type ClientOptions, type ClientTarget, StreamableHttpTransport } from "../../src/index.js";
import { LEGACY_CLIENT } from "../helpers/clients.js";
import { type OidcProvider, type PlayUserOptions, playUser, startOidcProvider } from "../helpers/oidc.js";
import {
  type Identity,
  type ProtectedServer,
  type ProtectedServerOptions,
  protectedServer as startProtectedServer,
} from "../helpers/protected-server.js";
import { until } from "../helpers/wait.js";

let oidc: OidcProvider;
const servers: ProtectedServer[] = [];
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  oidc = await startOidcProvider();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});
afterAll(async () => {
  await Promise.allSettled(servers.map((server) => server.close()));
  await oidc?.close();
});

async function protectedServer(options: ProtectedServerOptions = {}): Promise<ProtectedServer> {
  const server = await startProtectedServer(oidc, options);
  servers.push(server);
  return server;
}

/** One HTTP exchange of the MCP transport: how a test sees the server's 401. */
interface Exchange {
  method: string;
  status: number;
  authorization: string | null;
  challenge: string | null;
}

/** A fetch for the Streamable HTTP transport that records each exchange. */
function recordingFetch(): { fetch: typeof fetch; exchanges: Exchange[] } {
  const exchanges: Exchange[] = [];
  const recorder = async (input: string | URL | Request, init?: RequestInit) => {
    const request = new Request(input, init);
    const response = await fetch(input, init);
    exchanges.push({
      method: request.method,
      status: response.status,
      authorization: request.headers.get("authorization"),
      challenge: response.headers.get("www-authenticate"),
    });
    return response;
  };
  return { fetch: recorder as typeof fetch, exchanges };
}

interface LoggingIn {
  client: Client;
  oauth: OAuth;
  storage: TokenStorage;
  /** The authorization URLs the redirectHandler was given, one per login. */
  authorizations: URL[];
}

/**
 * A Client whose OAuth sends the user through `playUser`: the n-th login plays `plays[n]` (the
 * last one again after the list ends). Closed after the test.
 */
function oauthClient(
  target: ClientTarget,
  plays: PlayUserOptions[] = [{ user: "ada" }],
  options: OAuthOptions & { client?: ClientOptions } = {},
): LoggingIn {
  const { client: clientOptions = {}, ...oauthOptions } = options;
  const authorizations: URL[] = [];
  const storage = oauthOptions.tokenStorage ?? new MemoryTokenStorage();
  const oauth = new OAuth({
    clientName: "e2e-client",
    tokenStorage: storage,
    redirectHandler: (url) => {
      authorizations.push(new URL(url));
      const play = plays[Math.min(authorizations.length, plays.length) - 1];
      return playUser(url, play);
    },
    ...oauthOptions,
  });
  const client = new Client(target, { timeout: 30_000, ...clientOptions, auth: oauth });
  cleanups.push(() => client.close());
  return { client, oauth, storage, authorizations };
}

async function whoami(client: Client): Promise<Identity> {
  return (await client.callTool("whoami", {})).structuredContent as Identity;
}

/** The tokens and client identity OAuth stored for `url`. */
async function stored(storage: TokenStorage, url: string) {
  const state = await storage.get(url);
  const tokens = state?.tokens;
  if (!tokens) throw new Error(`no tokens stored for ${url}`);
  const clientId = state?.clients?.[oidc.issuer]?.clientId;
  return { tokens, clientId };
}

describe("login at the OpenID provider, on every transport", () => {
  let server: ProtectedServer;
  beforeAll(async () => {
    // One server on three transports, one resource (the origin) covering all its endpoints.
    server = await protectedServer({ transport: ["http", "sse", "ws"], resourcePath: "/" });
  });

  const cases: Array<[name: string, endpoint: "http" | "sse" | "ws", options: ClientOptions]> = [
    ["Streamable HTTP, 2026-07-28", "http", {}],
    ["Streamable HTTP, legacy era", "http", LEGACY_CLIENT],
    ["legacy SSE", "sse", {}],
    ["WebSocket", "ws", {}],
  ];

  it.each(cases)(
    "%s: discovers from the 401, registers, logs the user in, and calls a tool as that user",
    async (_name, endpoint, options) => {
      const url = server.urls[endpoint] as string;
      const grantsBefore = oidc.issuedGrants.length;
      const { client, storage, authorizations } = oauthClient(url, [{ user: "ada" }], { client: options });
      await client.connect();
      const identity = await whoami(client);

      const { tokens, clientId } = await stored(storage, url);
      expect(clientId).toMatch(/\S/);
      expect(identity).toEqual({ subject: "ada", clientId, scopes: ["mcp"] });
      expect(authorizations).toHaveLength(1);
      const request = authorizations[0] as URL;
      expect(request.origin + request.pathname).toBe(oidc.authorizationEndpoint);
      expect(request.searchParams.get("client_id")).toBe(clientId);
      expect(request.searchParams.get("resource")).toBe(server.resource);
      expect(request.searchParams.get("code_challenge_method")).toBe("S256");
      expect(request.searchParams.get("scope")?.split(" ")).toContain("mcp");
      expect(decodeJwt(tokens.accessToken)).toMatchObject({
        iss: oidc.issuer,
        aud: server.resource,
        sub: "ada",
        client_id: clientId,
      });
      expect(tokens.refreshToken).toBeTypeOf("string");
      expect(oidc.issuedGrants.slice(grantsBefore)).toEqual(["authorization_code"]);
    },
  );
});

describe("a server on several transports whose resource is its Streamable HTTP endpoint", () => {
  it("a client at /sse is told the metadata names another resource, before any login", async () => {
    // RFC 9728 §3.3 (and the SDKs' check): the resource must be the URL connected to, or a parent
    // of it; `/mcp` is neither for `/sse`. Such a server needs `resource` set to a common parent.
    const server = await protectedServer({ transport: ["http", "sse", "ws"] });
    expect(server.resource).toBe(server.urls.http);
    const { client, authorizations } = oauthClient(server.urls.sse as string);
    const error = await client.connect().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OAuthError);
    expect((error as OAuthError).step).toBe("discovery");
    expect((error as OAuthError).message).toContain(`names resource ${server.urls.http}`);
    expect(authorizations).toHaveLength(0);
  });
});
