/**
 * The official SDK clients log in to a FastMCP server with their own OAuth code: the server is a
 * resource server (`RemoteAuthProvider` + `JWTVerifier`) of a real OpenID provider (oidc-provider,
 * test/helpers/oidc.ts). Each client (v1 `@modelcontextprotocol/sdk` and v2
 * `@modelcontextprotocol/client`, over Streamable HTTP and legacy SSE) gets our 401, reads the RFC
 * 9728 metadata it names, registers at the provider, sends its user through login and consent
 * (`playUser`), redeems the code with PKCE and the resource indicator, and calls a tool that sees
 * the user as `ctx.auth.subject`. With short-lived tokens it refreshes on the server's 401.
 * Plain fetch checks the challenges for tokens meant for another resource or from another issuer.
 */
import {
  Client as V2Client,
  StreamableHTTPClientTransport as V2HTTP,
  SSEClientTransport as V2SSE,
  UnauthorizedError as V2Unauthorized,
} from "@modelcontextprotocol/client";
import { UnauthorizedError as V1Unauthorized } from "@modelcontextprotocol/sdk/client/auth.js";
import { Client as V1Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport as V1SSE } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport as V1HTTP } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { decodeJwt } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { JWTVerifier, RemoteAuthProvider } from "../../src/auth/server/index.js";
import { FastMCP, type ListeningServer } from "../../src/index.js";
import { callTool } from "../helpers/modern-http.js";
import { freePort } from "../helpers/node-host.js";
import { clientCredentialsToken, type OidcProvider, startOidcProvider, userToken } from "../helpers/oidc.js";
import { PlayedUserOAuthProvider, SDK_REDIRECT_URL } from "../helpers/sdk-oauth.js";
import { until } from "../helpers/wait.js";

let oidc: OidcProvider;
const servers: ListeningServer[] = [];

beforeAll(async () => {
  oidc = await startOidcProvider();
});
afterAll(async () => {
  await Promise.allSettled(servers.map((server) => server.close()));
  await oidc?.close();
});

interface ProtectedServer {
  /** Where clients connect (`…/mcp` or `…/sse`). */
  url: string;
  /** The resource indicator: the audience of its tokens. */
  resource: string;
}

/**
 * A FastMCP resource server of the test provider on 127.0.0.1, whose public URL is its own (the
 * SDKs check that the metadata's `resource` is the URL they connect to). `baseUrl` must name the
 * port before `listen()`, so the port is picked first and picked again if taken meanwhile.
 */
async function protectedServer(
  transport: "http" | "sse",
  accessTokenTtlSec?: number,
): Promise<ProtectedServer> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const mcp = new FastMCP({
      name: "protected",
      auth: new RemoteAuthProvider({
        // No clock skew: a token is refused the second it expires, so a test sees expiry soon.
        tokenVerifier: new JWTVerifier({
          jwksUri: oidc.jwksUri,
          issuer: oidc.issuer,
          requiredScopes: ["mcp"],
          clockToleranceSec: 0,
        }),
        authorizationServers: [oidc.issuer],
        baseUrl,
      }),
    });
    mcp.tool("whoami", (_args, ctx) => ({
      subject: ctx.auth?.subject ?? null,
      clientId: ctx.auth?.clientId ?? null,
      scopes: ctx.auth?.scopes ?? null,
    }));
    try {
      const listening = await mcp.listen({ host: "127.0.0.1", port, transport });
      servers.push(listening);
      const resource = `${baseUrl}/${transport === "http" ? "mcp" : "sse"}`;
      oidc.addResource(resource, "jwt", accessTokenTtlSec === undefined ? {} : { accessTokenTtlSec });
      return { url: listening.url, resource };
    } catch (error) {
      if ((error as { code?: string }).code !== "EADDRINUSE" || attempt === 3) throw error;
    }
  }
}

/** One HTTP exchange a client made: enough to read the order of a login. */
interface Exchange {
  method: string;
  url: string;
  status: number;
  authorization: string | null;
}

function recordingFetch(): { fetch: typeof fetch; exchanges: Exchange[] } {
  const exchanges: Exchange[] = [];
  const recorder = async (input: string | URL | Request, init?: RequestInit) => {
    const request = new Request(input, init);
    const response = await fetch(input, init);
    exchanges.push({
      method: request.method,
      url: request.url,
      status: response.status,
      authorization: request.headers.get("authorization"),
    });
    return response;
  };
  return { fetch: recorder as typeof fetch, exchanges };
}

/** What `whoami` answered. */
interface Identity {
  subject: string | null;
  clientId: string | null;
  scopes: string[] | null;
}

/** A connected SDK client, whatever its version and transport. */
interface Session {
  whoami(): Promise<Identity>;
  close(): Promise<void>;
}

/** How one SDK client connects: a first try that must meet UnauthorizedError, then finishAuth. */
interface SdkClient {
  name: string;
  transport: "http" | "sse";
  /** Connects once with a fresh transport; `finish` redeems the callback on that transport first. */
  connect(
    url: string,
    provider: PlayedUserOAuthProvider,
    fetchFn: typeof fetch,
  ): Promise<{ session?: Session; error?: unknown; finish(params: URLSearchParams): Promise<void> }>;
  isUnauthorized(error: unknown): boolean;
}

function v1(transport: "http" | "sse"): SdkClient {
  return {
    name: `SDK v1 ${transport === "http" ? "StreamableHTTPClientTransport" : "SSEClientTransport"}`,
    transport,
    async connect(url, provider, fetchFn) {
      const options = { authProvider: provider, fetch: fetchFn };
      const t = transport === "http" ? new V1HTTP(new URL(url), options) : new V1SSE(new URL(url), options);
      const client = new V1Client({ name: "sdk-v1", version: "1.0.0" });
      const finish = (params: URLSearchParams) => t.finishAuth(params.get("code") ?? "");
      try {
        await client.connect(t);
      } catch (error) {
        return { error, finish };
      }
      return {
        finish,
        session: {
          whoami: async () =>
            (await client.callTool({ name: "whoami", arguments: {} })).structuredContent as Identity,
          close: () => client.close(),
        },
      };
    },
    isUnauthorized: (error) => error instanceof V1Unauthorized,
  };
}

function v2(transport: "http" | "sse"): SdkClient {
  return {
    name: `SDK v2 ${transport === "http" ? "StreamableHTTPClientTransport" : "SSEClientTransport"}`,
    transport,
    async connect(url, provider, fetchFn) {
      const options = { authProvider: provider, fetch: fetchFn };
      const t = transport === "http" ? new V2HTTP(new URL(url), options) : new V2SSE(new URL(url), options);
      const client = new V2Client({ name: "sdk-v2", version: "1.0.0" });
      // v2 reads `iss` from the callback and checks it against the issuer (RFC 9207).
      const finish = (params: URLSearchParams) => t.finishAuth(params);
      try {
        await client.connect(t);
      } catch (error) {
        return { error, finish };
      }
      return {
        finish,
        session: {
          whoami: async () =>
            (await client.callTool({ name: "whoami", arguments: {} })).structuredContent as Identity,
          close: () => client.close(),
        },
      };
    },
    isUnauthorized: (error) => error instanceof V2Unauthorized,
  };
}

const SDK_CLIENTS: SdkClient[] = [v1("http"), v1("sse"), v2("http"), v2("sse")];

const sessions: Session[] = [];
afterEach(async () => {
  await Promise.allSettled(sessions.splice(0).map((session) => session.close()));
});

/**
 * The whole login as an app writes it with an SDK: connect, meet UnauthorizedError (the SDK has
 * sent the user to the provider), redeem the callback, connect again.
 */
async function logIn(sdk: SdkClient, url: string, provider: PlayedUserOAuthProvider, fetchFn: typeof fetch) {
  const first = await sdk.connect(url, provider, fetchFn);
  if (first.session) sessions.push(first.session);
  expect(first.session).toBeUndefined();
  expect(sdk.isUnauthorized(first.error), String(first.error)).toBe(true);
  await first.finish(provider.callback());
  const second = await sdk.connect(url, provider, fetchFn);
  if (!second.session) throw second.error;
  sessions.push(second.session);
  return second.session;
}

/** The path of a recorded URL, with the provider's origin shown as `AS` and ours as `RS`. */
function where(exchange: Exchange, server: string): string {
  const url = new URL(exchange.url);
  const origin =
    url.origin === new URL(oidc.issuer).origin ? "AS" : url.origin === server ? "RS" : url.origin;
  return `${exchange.method} ${origin}${url.pathname} ${exchange.status}`;
}

describe.each(SDK_CLIENTS)("$name logs in to FastMCP at a real OpenID provider", (sdk) => {
  it("discovers from our 401, registers, sends the user through login and consent, and calls a tool as that user", async () => {
    const server = await protectedServer(sdk.transport);
    const provider = new PlayedUserOAuthProvider({ user: "ada" });
    const { fetch: fetchFn, exchanges } = recordingFetch();
    const grantsBefore = oidc.issuedGrants.length;

    const session = await logIn(sdk, server.url, provider, fetchFn);
    const identity = await session.whoami();

    expect(identity).toEqual({ subject: "ada", clientId: provider.clientId, scopes: ["mcp"] });
    expect(provider.authorizations).toBe(1);
    const callback = new URL(provider.callbackUrl ?? "");
    expect(`${callback.origin}${callback.pathname}`).toBe(SDK_REDIRECT_URL);
    expect(callback.searchParams.get("iss")).toBe(oidc.issuer);
    const token = provider.tokens()?.access_token ?? "";
    expect(decodeJwt(token)).toMatchObject({
      iss: oidc.issuer,
      aud: server.resource,
      sub: "ada",
      scope: "mcp",
    });
    expect(oidc.issuedGrants.slice(grantsBefore)).toEqual(["authorization_code"]);

    // The way there: our 401, our metadata, the provider's metadata and registration, the code
    // redeemed, then our endpoint again with the token.
    const origin = new URL(server.url).origin;
    const steps = exchanges.map((exchange) => where(exchange, origin));
    const firstRefusal = steps.findIndex(
      (step) => step.startsWith(`${sdk.transport === "http" ? "POST" : "GET"} RS`) && step.endsWith(" 401"),
    );
    expect(firstRefusal, steps.join("\n")).toBe(0);
    const metadataAt = steps.indexOf(
      `GET RS/.well-known/oauth-protected-resource/${sdk.transport === "http" ? "mcp" : "sse"} 200`,
    );
    const registrationAt = steps.indexOf("POST AS/reg 201");
    const tokenAt = steps.indexOf("POST AS/token 200");
    expect(
      [metadataAt, registrationAt, tokenAt].every((i) => i > 0),
      steps.join("\n"),
    ).toBe(true);
    expect(metadataAt).toBeLessThan(registrationAt);
    expect(registrationAt).toBeLessThan(tokenAt);
    const authorized = exchanges.slice(tokenAt + 1).filter((e) => e.url.startsWith(origin));
    expect(authorized.length).toBeGreaterThan(0);
    for (const exchange of authorized) expect(exchange.authorization).toBe(`Bearer ${token}`);
  });

  it("refreshes after the access token expires: our 401, a refresh_token grant, the call goes through, no new login", async () => {
    const server = await protectedServer(sdk.transport, 2);
    const provider = new PlayedUserOAuthProvider({ user: "grace" });
    const { fetch: fetchFn, exchanges } = recordingFetch();
    const session = await logIn(sdk, server.url, provider, fetchFn);
    expect((await session.whoami()).subject).toBe("grace");
    const firstToken = provider.tokens()?.access_token;
    const refusedBefore = exchanges.filter((e) => e.status === 401).length;

    // The token lives 2 s; call until the server has refused it once (the expiry, seen as a 401).
    let identity: Identity | undefined;
    await until(
      async () => {
        identity = await session.whoami();
        return exchanges.filter((e) => e.status === 401).length > refusedBefore;
      },
      20_000,
      "the server to refuse the expired token",
    );

    expect(identity?.subject).toBe("grace");
    expect(provider.authorizations).toBe(1);
    // Our 401 for the expired token, the refresh at the provider, the same request again with the new token.
    const origin = new URL(server.url).origin;
    const refusedAt = exchanges.findIndex(
      (e) => e.status === 401 && e.authorization === `Bearer ${firstToken}`,
    );
    expect(where(exchanges[refusedAt] as Exchange, origin)).toMatch(/^POST RS\/(mcp|messages)\b/);
    const after = exchanges.slice(refusedAt + 1).map((e) => where(e, origin));
    const refreshAt = after.indexOf("POST AS/token 200");
    expect(refreshAt, after.join("\n")).toBeGreaterThanOrEqual(0);
    const retried = exchanges[refusedAt + 1 + refreshAt + 1] as Exchange;
    // 200 on Streamable HTTP, 202 Accepted on the SSE transport's message endpoint.
    const refusedRequest = where(exchanges[refusedAt] as Exchange, origin).replace(/ 401$/, "");
    expect(where(retried, origin)).toMatch(new RegExp(`^${refusedRequest} 20[02]$`));
    expect(provider.savedTokens.length).toBe(2);
    const refreshed = provider.tokens();
    expect(refreshed?.access_token).not.toBe(firstToken);
    expect(refreshed?.refresh_token).not.toBe(provider.savedTokens[0]?.refresh_token);
    expect(retried.authorization).toBe(`Bearer ${refreshed?.access_token}`);
    expect(oidc.issuedGrants.at(-1)).toBe("refresh_token");
    // And the new token keeps working.
    expect((await session.whoami()).subject).toBe("grace");
  });
});

/** A raw tools/call with a bearer token: the status, the challenge and the body. */
async function rawCall(url: string, token: string) {
  const response = await callTool(url, "whoami", {}, { authorization: `Bearer ${token}` });
  return {
    status: response.status,
    challenge: response.headers.get("www-authenticate") ?? "",
    body: await response.text(),
  };
}

describe("FastMCP's challenges for tokens of the real provider that are not for it (plain fetch)", () => {
  let server: ProtectedServer;
  const metadata = () =>
    `resource_metadata="${new URL(server.url).origin}/.well-known/oauth-protected-resource/mcp"`;

  beforeAll(async () => {
    server = await protectedServer("http");
  });

  it("a token for another resource of the same provider is 401 invalid_token", async () => {
    const other = `${new URL(server.url).origin}/other-mcp`;
    oidc.addResource(other, "jwt", { scopes: ["mcp"] });
    const { access_token: wrongAudience } = await clientCredentialsToken(oidc, other, "mcp");
    expect(decodeJwt(wrongAudience)).toMatchObject({ iss: oidc.issuer, aud: other, scope: "mcp" });
    const refused = await rawCall(server.url, wrongAudience);
    expect(refused.status).toBe(401);
    expect(refused.challenge).toMatch(/^Bearer /);
    expect(refused.challenge).toContain('error="invalid_token"');
    expect(refused.challenge).toContain(metadata());
    expect(refused.body).not.toContain(wrongAudience);
    // The same request with a token for this resource goes through.
    const { access_token: right } = await clientCredentialsToken(oidc, server.resource, "mcp");
    expect((await rawCall(server.url, right)).status).toBe(200);
  });

  it("a token from another issuer, for this very resource, is 401 invalid_token", async () => {
    const stranger = await startOidcProvider();
    try {
      stranger.addResource(server.resource, "jwt", { scopes: ["mcp"] });
      const { access_token: foreign } = await clientCredentialsToken(stranger, server.resource, "mcp");
      expect(decodeJwt(foreign)).toMatchObject({ iss: stranger.issuer, aud: server.resource });
      const refused = await rawCall(server.url, foreign);
      expect(refused.status).toBe(401);
      expect(refused.challenge).toContain('error="invalid_token"');
      expect(refused.challenge).toContain(metadata());
      expect(refused.body).not.toContain(foreign);
    } finally {
      await stranger.close();
    }
  });

  it("a user who unticks the required scope gets a token that is 403 insufficient_scope, naming it", async () => {
    const { tokens } = await userToken(oidc, {
      resource: server.resource,
      scope: "mcp read",
      user: "eve",
      scopes: ["read"],
    });
    const narrow = tokens.access_token ?? "";
    expect(tokens.scope).toBe("read");
    const refused = await rawCall(server.url, narrow);
    expect(refused.status).toBe(403);
    expect(refused.challenge).toContain('error="insufficient_scope"');
    expect(refused.challenge).toContain('scope="mcp"');
    expect(refused.challenge).toContain(metadata());
  });
});
