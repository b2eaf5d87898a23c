/**
 * The test OpenID provider's authorization-code flow, as the MCP authorization spec has a client
 * run it, checked by hand with fetch before any SDK relies on it: open dynamic registration, PKCE
 * S256 required, the RFC 8707 resource as the JWT's audience, RFC 9207 `iss` in the callback,
 * rotating refresh tokens, a user who denies or ticks fewer scopes, and a browser session kept in
 * a cookie jar.
 */
import { createHash, randomBytes } from "node:crypto";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CookieJar, type OidcProvider, playUser, startOidcProvider } from "../helpers/oidc.js";

const RESOURCE = "http://127.0.0.1:9/mcp";
const OTHER_RESOURCE = "http://127.0.0.1:9/other";
const REDIRECT_URI = "http://127.0.0.1:9/callback";

let oidc: OidcProvider;

beforeAll(async () => {
  oidc = await startOidcProvider();
  oidc.addResource(RESOURCE, "jwt", { scopes: ["mcp", "write"] });
  oidc.addResource(OTHER_RESOURCE, "jwt");
});
afterAll(() => oidc?.close());

interface Registered {
  client_id: string;
  token_endpoint_auth_method: string;
}

async function register(scope = "mcp write"): Promise<Registered> {
  const response = await fetch(oidc.registrationEndpoint, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_name: "fixture test",
      redirect_uris: [REDIRECT_URI],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
      scope,
    }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as Registered;
}

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

function authorizationUrl(clientId: string, challenge: string | undefined, scope = "mcp write"): string {
  const url = new URL(oidc.authorizationEndpoint);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    scope,
    state: "state-123",
    resource: RESOURCE,
    ...(challenge ? { code_challenge: challenge, code_challenge_method: "S256" } : {}),
  }).toString();
  return url.href;
}

interface TokenResponse {
  access_token?: string;
  refresh_token?: string;
  scope?: string;
  expires_in?: number;
  error?: string;
}

async function token(params: Record<string, string>): Promise<{ status: number; body: TokenResponse }> {
  const response = await fetch(oidc.tokenEndpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(params).toString(),
  });
  return { status: response.status, body: (await response.json()) as TokenResponse };
}

async function logIn(options: Parameters<typeof playUser>[1] = {}, scope?: string) {
  const { client_id } = await register();
  const { verifier, challenge } = pkce();
  const callback = new URL(await playUser(authorizationUrl(client_id, challenge, scope), options));
  const code = callback.searchParams.get("code") ?? "";
  const exchanged = await token({
    grant_type: "authorization_code",
    client_id,
    code,
    code_verifier: verifier,
    redirect_uri: REDIRECT_URI,
    resource: RESOURCE,
  });
  return { client_id, callback, exchanged };
}

describe("test OpenID provider: authorization code flow", () => {
  it("registers a public client, signs the user in, and issues a JWT for the resource with a refresh token", async () => {
    const { client_id, callback, exchanged } = await logIn({ user: "ada" });
    expect(callback.origin + callback.pathname).toBe(REDIRECT_URI);
    expect(callback.searchParams.get("state")).toBe("state-123");
    expect(callback.searchParams.get("iss")).toBe(oidc.issuer);
    expect(exchanged.status).toBe(200);
    const { access_token, refresh_token, scope, expires_in } = exchanged.body;
    expect(scope).toBe("mcp write");
    expect(expires_in).toBe(600);
    expect(refresh_token).toBeTruthy();
    expect(decodeJwt(access_token ?? "")).toMatchObject({
      iss: oidc.issuer,
      aud: RESOURCE,
      sub: "ada",
      client_id,
      scope: "mcp write",
    });
  });

  it("refresh tokens rotate: the new one works; the used one is refused and its reuse revokes the grant", async () => {
    const { client_id, exchanged } = await logIn();
    const first = exchanged.body.refresh_token ?? "";
    const refreshed = await token({
      grant_type: "refresh_token",
      client_id,
      refresh_token: first,
      resource: RESOURCE,
    });
    expect(refreshed.status).toBe(200);
    const second = refreshed.body.refresh_token ?? "";
    expect(second).toBeTruthy();
    expect(second).not.toBe(first);
    const third = await token({ grant_type: "refresh_token", client_id, refresh_token: second });
    expect(third.status).toBe(200);
    const latest = third.body.refresh_token ?? "";
    expect(decodeJwt(refreshed.body.access_token ?? "")).toMatchObject({ aud: RESOURCE, scope: "mcp write" });
    const reused = await token({ grant_type: "refresh_token", client_id, refresh_token: second });
    expect(reused).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
    // Reuse detection (OAuth 2.1 §4.3.1): the rotated family is revoked, the newest token with it.
    expect(await token({ grant_type: "refresh_token", client_id, refresh_token: latest })).toMatchObject({
      status: 400,
      body: { error: "invalid_grant" },
    });
  });

  it("PKCE is required, and a wrong verifier is refused", async () => {
    const { client_id } = await register();
    const callback = new URL(await playUser(authorizationUrl(client_id, undefined)));
    expect(callback.searchParams.get("error")).toBe("invalid_request");
    expect(callback.searchParams.get("error_description")).toMatch(/PKCE/);

    const { challenge } = pkce();
    const good = new URL(await playUser(authorizationUrl(client_id, challenge)));
    const exchanged = await token({
      grant_type: "authorization_code",
      client_id,
      code: good.searchParams.get("code") ?? "",
      code_verifier: pkce().verifier,
      redirect_uri: REDIRECT_URI,
    });
    expect(exchanged).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
  });

  it("a user who denies sends the client access_denied", async () => {
    const { client_id } = await register();
    const callback = new URL(
      await playUser(authorizationUrl(client_id, pkce().challenge), { approve: false }),
    );
    expect(callback.searchParams.get("error")).toBe("access_denied");
    expect(callback.searchParams.get("code")).toBeNull();
    expect(callback.searchParams.get("state")).toBe("state-123");
  });

  it("a user who ticks fewer scopes gets a token with only those (the start of a step-up)", async () => {
    const { exchanged } = await logIn({ scopes: ["mcp"] });
    expect(exchanged.body.scope).toBe("mcp");
    expect(decodeJwt(exchanged.body.access_token ?? "")).toMatchObject({ scope: "mcp" });
  });

  it("an unknown resource is invalid_target", async () => {
    const { client_id } = await register();
    const url = new URL(authorizationUrl(client_id, pkce().challenge));
    url.searchParams.set("resource", "http://127.0.0.1:9/unknown");
    const callback = new URL(await playUser(url));
    expect(callback.searchParams.get("error")).toBe("invalid_target");
  });

  it("a kept cookie jar is a kept session: the second authorization asks nothing", async () => {
    const jar = new CookieJar();
    const { client_id } = await register();
    await playUser(authorizationUrl(client_id, pkce().challenge), { user: "grace", jar });
    // Another user name would show if a sign-in page were filled in again: the session's user stays.
    const { verifier, challenge } = pkce();
    const again = new URL(await playUser(authorizationUrl(client_id, challenge), { user: "mallory", jar }));
    const exchanged = await token({
      grant_type: "authorization_code",
      client_id,
      code: again.searchParams.get("code") ?? "",
      code_verifier: verifier,
      redirect_uri: REDIRECT_URI,
    });
    expect(decodeJwt(exchanged.body.access_token ?? "").sub).toBe("grace");
  });
});
