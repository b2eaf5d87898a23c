/**
 * FastMCP's answers to tokens that the real OpenID provider (test/helpers/oidc.ts) issued, but not
 * for it, checked with plain fetch: a token for another resource of the same provider (wrong
 * audience), a token for this resource from another provider (wrong issuer), the provider's ID
 * token presented as a bearer token, and a user's token lacking the required scope. Each is refused
 * with the challenge that names the RFC 9728 metadata, and never echoes the token.
 */
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callTool } from "../helpers/modern-http.js";
import { clientCredentialsToken, type OidcProvider, startOidcProvider, userToken } from "../helpers/oidc.js";
import { type ProtectedServer, protectedServer } from "../helpers/protected-server.js";

let oidc: OidcProvider;

beforeAll(async () => {
  oidc = await startOidcProvider();
});
afterAll(async () => {
  await oidc?.close();
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
  const metadata = () => `resource_metadata="${server.metadataUrl}"`;

  beforeAll(async () => {
    server = await protectedServer(oidc);
  });
  afterAll(() => server?.close());

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

  it("the provider's ID token, sent as a bearer token, is 401 invalid_token", async () => {
    const { clientId, tokens } = await userToken(oidc, { resource: server.resource, scope: "openid mcp" });
    const idToken = tokens.id_token ?? "";
    // Signed by the same provider with the same key, but issued to the client, not to this resource.
    expect(decodeJwt(idToken)).toMatchObject({ iss: oidc.issuer, aud: clientId, sub: "alice" });
    const refused = await rawCall(server.url, idToken);
    expect(refused.status).toBe(401);
    expect(refused.challenge).toContain('error="invalid_token"');
    expect(refused.challenge).toContain(metadata());
    expect((await rawCall(server.url, tokens.access_token ?? "")).status).toBe(200);
  });
});
