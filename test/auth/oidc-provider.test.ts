/**
 * The server side against a real OpenID provider (npm oidc-provider on 127.0.0.1): tokens from its
 * token endpoint (client_credentials grant, RFC 8707 resource) reach a FastMCP tool over Streamable
 * HTTP through `JWTVerifier` (JWT access tokens, the provider's JWKS) and `IntrospectionVerifier`
 * (opaque tokens, RFC 7662), with the provider's client id and scopes in `ctx.auth`. Unknown and
 * revoked tokens are 401; the introspection cache saves the second request for a token.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import {
  IntrospectionVerifier,
  JWTVerifier,
  RemoteAuthProvider,
  type TokenVerifier,
} from "../../src/auth/server/index.js";
import { BearerAuth, Client, FastMCP, type ListeningServer } from "../../src/index.js";
import { callTool } from "../helpers/modern-http.js";
import { clientCredentialsToken, type OidcProvider, revoke, startOidcProvider } from "../helpers/oidc.js";

/** The resource indicators (token audiences) of the two MCP endpoints. */
const JWT_RESOURCE = "https://mcp-jwt.example.test/mcp";
const OPAQUE_RESOURCE = "https://mcp-opaque.example.test/mcp";
const OTHER_OPAQUE_RESOURCE = "https://other-service.example.test/api";
const INTROSPECTION_PATH = "/token/introspection";

let oidc: OidcProvider;
const servers: ListeningServer[] = [];

async function serveWith(verifier: TokenVerifier): Promise<string> {
  const mcp = new FastMCP({ name: "oidc", auth: verifier });
  mcp.tool("whoami", { inputSchema: z.object({}) }, (_args, ctx) => ({ auth: ctx.auth ?? null }));
  const listening = await mcp.listen({ host: "127.0.0.1", port: 0 });
  servers.push(listening);
  return listening.url;
}

function introspection(
  options: {
    cacheTtlMs?: number;
    maxCacheEntries?: number;
    requiredScopes?: string[];
    clientSecret?: string;
    url?: string;
    audience?: string;
    issuer?: string;
  } = {},
) {
  return new IntrospectionVerifier({
    introspectionUrl: options.url ?? oidc.introspectionEndpoint,
    clientId: oidc.resourceServer.clientId,
    clientSecret: options.clientSecret ?? oidc.resourceServer.clientSecret,
    ...(options.cacheTtlMs === undefined ? {} : { cacheTtlMs: options.cacheTtlMs }),
    ...(options.maxCacheEntries === undefined ? {} : { maxCacheEntries: options.maxCacheEntries }),
    ...(options.requiredScopes === undefined ? {} : { requiredScopes: options.requiredScopes }),
    ...(options.audience === undefined ? {} : { audience: options.audience }),
    ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
  });
}

/** ctx.auth as a Client calling `whoami` with this token sees it. */
async function whoami(url: string, token: string): Promise<Record<string, unknown>> {
  const client = new Client(url, { auth: new BearerAuth(token) });
  try {
    await client.connect();
    return ((await client.callTool("whoami")).data as { auth: Record<string, unknown> }).auth;
  } finally {
    await client.close();
  }
}

/** A raw tools/call with this token: the status and the challenge. */
async function rawCall(url: string, token: string) {
  const response = await callTool(url, "whoami", {}, { authorization: `Bearer ${token}` });
  await response.text();
  return { status: response.status, challenge: response.headers.get("www-authenticate") ?? "" };
}

let jwtUrl: string;
let cachedUrl: string; // IntrospectionVerifier with the default cache
let freshUrl: string; // IntrospectionVerifier that asks on every request

beforeAll(async () => {
  oidc = await startOidcProvider();
  oidc.addResource(JWT_RESOURCE, "jwt");
  oidc.addResource(OPAQUE_RESOURCE, "opaque");
  oidc.addResource(OTHER_OPAQUE_RESOURCE, "opaque");
  [jwtUrl, cachedUrl, freshUrl] = await Promise.all([
    serveWith(new JWTVerifier({ jwksUri: oidc.jwksUri, issuer: oidc.issuer, audience: JWT_RESOURCE })),
    serveWith(introspection()),
    serveWith(introspection({ cacheTtlMs: 0 })),
  ]);
});

afterAll(async () => {
  await Promise.allSettled(servers.map((server) => server.close()));
  await oidc?.close();
});

describe("FastMCP behind a real OpenID provider (oidc-provider)", () => {
  it("JWTVerifier: a client_credentials JWT from the provider reaches the tool with its client id and scopes", async () => {
    const { access_token: token, scope } = await clientCredentialsToken(oidc, JWT_RESOURCE);
    expect(token.split(".")).toHaveLength(3);
    expect(scope).toBe("mcp read");
    const auth = await whoami(jwtUrl, token);
    expect(auth).toMatchObject({
      token,
      clientId: oidc.app.clientId,
      scopes: ["mcp", "read"],
      claims: { iss: oidc.issuer, aud: JWT_RESOURCE, client_id: oidc.app.clientId },
    });
    expect(auth.expiresAt).toBeGreaterThan(Date.now() / 1000);
  });

  it("IntrospectionVerifier: an opaque token from the provider reaches the tool with its client id and scopes", async () => {
    const { access_token: token } = await clientCredentialsToken(oidc, OPAQUE_RESOURCE, "mcp");
    expect(token).not.toContain(".");
    const auth = await whoami(freshUrl, token);
    expect(auth).toMatchObject({
      token,
      clientId: oidc.app.clientId,
      scopes: ["mcp"],
      claims: { active: true, iss: oidc.issuer, aud: OPAQUE_RESOURCE, client_id: oidc.app.clientId },
    });
    expect(auth.expiresAt).toBeGreaterThan(Date.now() / 1000);
    expect(auth.expiresAt).toBeLessThanOrEqual(Date.now() / 1000 + 600);
  });

  it("an unknown token is 401 invalid_token on both verifiers; a token of the other kind too", async () => {
    const { access_token: jwt } = await clientCredentialsToken(oidc, JWT_RESOURCE);
    const { access_token: opaque } = await clientCredentialsToken(oidc, OPAQUE_RESOURCE);
    // The provider answers 400 to introspecting a JWT (it introspects opaque tokens only): a warning.
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const cases: [string, string, string][] = [
        ["JWTVerifier, made-up token", jwtUrl, "not-a-token-the-provider-issued"],
        ["IntrospectionVerifier, made-up token", freshUrl, "not-a-token-the-provider-issued"],
        ["JWTVerifier, opaque token", jwtUrl, opaque],
        ["IntrospectionVerifier, JWT", freshUrl, jwt],
      ];
      for (const [what, url, token] of cases) {
        const { status, challenge } = await rawCall(url, token);
        expect({ what, status }).toEqual({ what, status: 401 });
        expect(challenge).toContain('error="invalid_token"');
      }
      for (const args of warn.mock.calls) expect(args.join(" ")).not.toContain(jwt);
    } finally {
      warn.mockRestore();
    }
    // Each token is good where it belongs: the 401s above come from the tokens, not broken verifiers.
    expect((await rawCall(jwtUrl, jwt)).status).toBe(200);
    expect((await rawCall(freshUrl, opaque)).status).toBe(200);
  });

  it("a revoked token is 401 at the next introspection", async () => {
    const { access_token: token } = await clientCredentialsToken(oidc, OPAQUE_RESOURCE);
    expect((await rawCall(freshUrl, token)).status).toBe(200);
    await revoke(oidc, token);
    const { status, challenge } = await rawCall(freshUrl, token);
    expect(status).toBe(401);
    expect(challenge).toContain('error="invalid_token"');
  });

  it("the cache answers the second request for a token without introspecting it again", async () => {
    const { access_token: token } = await clientCredentialsToken(oidc, OPAQUE_RESOURCE);
    const before = oidc.hits(INTROSPECTION_PATH);
    expect((await rawCall(cachedUrl, token)).status).toBe(200);
    expect(oidc.hits(INTROSPECTION_PATH)).toBe(before + 1);
    expect((await rawCall(cachedUrl, token)).status).toBe(200);
    expect(oidc.hits(INTROSPECTION_PATH)).toBe(before + 1);
    // Without the cache, every request is one introspection.
    expect((await rawCall(freshUrl, token)).status).toBe(200);
    expect((await rawCall(freshUrl, token)).status).toBe(200);
    expect(oidc.hits(INTROSPECTION_PATH)).toBe(before + 3);
  });

  it("the cache is bounded: past maxCacheEntries the oldest answer is dropped and asked again", async () => {
    const url = await serveWith(introspection({ maxCacheEntries: 1 }));
    const { access_token: first } = await clientCredentialsToken(oidc, OPAQUE_RESOURCE);
    const { access_token: second } = await clientCredentialsToken(oidc, OPAQUE_RESOURCE);
    const before = oidc.hits(INTROSPECTION_PATH);
    for (const token of [first, first, second, second, first])
      expect((await rawCall(url, token)).status).toBe(200);
    // first (asked), first (cached), second (asked, drops first), second (cached), first (asked).
    expect(oidc.hits(INTROSPECTION_PATH)).toBe(before + 3);
  });

  it("requiredScopes: an introspected token without them is 403 insufficient_scope", async () => {
    const url = await serveWith(introspection({ requiredScopes: ["mcp"] }));
    const { access_token: readOnly } = await clientCredentialsToken(oidc, OPAQUE_RESOURCE, "read");
    const { access_token: full } = await clientCredentialsToken(oidc, OPAQUE_RESOURCE, "mcp read");
    const { status, challenge } = await rawCall(url, readOnly);
    expect(status).toBe(403);
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain('scope="mcp"');
    expect((await rawCall(url, full)).status).toBe(200);
  });

  it("a rejected introspection client or an unreachable endpoint refuses tokens with 401, without logging them", async () => {
    const { access_token: token } = await clientCredentialsToken(oidc, OPAQUE_RESOURCE);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const wrongSecret = await serveWith(introspection({ clientSecret: "wrong-secret-0123456789" }));
      const closed = await serveWith(introspection({ url: "http://127.0.0.1:1/token/introspection" }));
      for (const url of [wrongSecret, closed]) {
        const { status, challenge } = await rawCall(url, token);
        expect(status).toBe(401);
        expect(challenge).toContain('error="invalid_token"');
      }
      expect(warn).toHaveBeenCalled();
      for (const args of warn.mock.calls) expect(args.join(" ")).not.toContain(token);
    } finally {
      warn.mockRestore();
    }
    // The same token is good with the right client: the refusals above were the verifier's doing.
    expect((await rawCall(freshUrl, token)).status).toBe(200);
  });

  it("IntrospectionVerifier audience and issuer: a token issued for another service, or by another issuer, is 401", async () => {
    const [pinned, wrongIssuer] = await Promise.all([
      serveWith(introspection({ cacheTtlMs: 0, audience: OPAQUE_RESOURCE, issuer: oidc.issuer })),
      serveWith(introspection({ cacheTtlMs: 0, issuer: "https://someone-else.example.test" })),
    ]);
    const { access_token: ours } = await clientCredentialsToken(oidc, OPAQUE_RESOURCE, "mcp");
    const { access_token: theirs } = await clientCredentialsToken(oidc, OTHER_OPAQUE_RESOURCE, "mcp");
    expect((await rawCall(pinned, ours)).status).toBe(200);
    const refused = await rawCall(pinned, theirs);
    expect(refused.status).toBe(401);
    expect(refused.challenge).toContain('error="invalid_token"');
    // Without an audience of its own, the verifier takes a token for any audience (the provider's answer is the word).
    expect((await rawCall(freshUrl, theirs)).status).toBe(200);
    expect((await rawCall(wrongIssuer, ours)).status).toBe(401);
  });

  it("IntrospectionVerifier behind a RemoteAuthProvider: an answer naming another audience is 401, this resource's 200", async () => {
    const url = await serveWith(
      new RemoteAuthProvider({
        tokenVerifier: introspection({ cacheTtlMs: 0 }),
        authorizationServers: [oidc.issuer],
        baseUrl: new URL(OPAQUE_RESOURCE).origin, // the resource is then OPAQUE_RESOURCE (…/mcp)
      }),
    );
    const { access_token: ours } = await clientCredentialsToken(oidc, OPAQUE_RESOURCE, "mcp");
    const { access_token: theirs } = await clientCredentialsToken(oidc, OTHER_OPAQUE_RESOURCE, "mcp");
    expect((await rawCall(url, ours)).status).toBe(200);
    const refused = await rawCall(url, theirs);
    expect(refused.status).toBe(401);
    expect(refused.challenge).toContain("resource_metadata=");
  });
});
