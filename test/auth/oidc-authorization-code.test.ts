/**
 * The test OpenID provider's authorization-code flow, as the MCP authorization spec has a client
 * run it, checked by hand with fetch before any SDK relies on it: open dynamic registration, PKCE
 * S256 required, the RFC 8707 resource as the JWT's audience, RFC 9207 `iss` in the callback,
 * rotating refresh tokens, a user who denies or ticks fewer scopes, and a browser session kept in
 * a cookie jar.
 */
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  authorizationRequest,
  CookieJar,
  type OidcProvider,
  pkcePair,
  playUser,
  registerPublicClient,
  startOidcProvider,
  TEST_REDIRECT_URI,
  tokenRequest,
  userToken,
} from "../helpers/oidc.js";

const RESOURCE = "http://127.0.0.1:9/mcp";
const OTHER_RESOURCE = "http://127.0.0.1:9/other";

let oidc: OidcProvider;

beforeAll(async () => {
  oidc = await startOidcProvider();
  oidc.addResource(RESOURCE, "jwt", { scopes: ["mcp", "write"] });
  oidc.addResource(OTHER_RESOURCE, "jwt");
});
afterAll(() => oidc?.close());

const token = (params: Record<string, string>) => tokenRequest(oidc, params);
const register = () => registerPublicClient(oidc, { scope: "mcp write" });
const authorizationUrl = (clientId: string, challenge: string | undefined) =>
  authorizationRequest(oidc, {
    clientId,
    resource: RESOURCE,
    scope: "mcp write",
    ...(challenge ? { challenge } : {}),
  });
const logIn = (options: Parameters<typeof playUser>[1] = {}) =>
  userToken(oidc, { resource: RESOURCE, scope: "mcp write", ...options });

describe("test OpenID provider: authorization code flow", () => {
  it("registers a public client, signs the user in, and issues a JWT for the resource with a refresh token", async () => {
    const { clientId: client_id, callbackUrl: callback, tokens } = await logIn({ user: "ada" });
    expect(callback.origin + callback.pathname).toBe(TEST_REDIRECT_URI);
    expect(callback.searchParams.get("state")).toBe("state-123");
    expect(callback.searchParams.get("iss")).toBe(oidc.issuer);
    const { access_token, refresh_token, scope, expires_in } = tokens;
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
    const { clientId: client_id, tokens } = await logIn();
    const first = tokens.refresh_token ?? "";
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

    const { challenge } = pkcePair();
    const good = new URL(await playUser(authorizationUrl(client_id, challenge)));
    const exchanged = await token({
      grant_type: "authorization_code",
      client_id,
      code: good.searchParams.get("code") ?? "",
      code_verifier: pkcePair().verifier,
      redirect_uri: TEST_REDIRECT_URI,
    });
    expect(exchanged).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
  });

  it("a user who denies sends the client access_denied", async () => {
    const { client_id } = await register();
    const callback = new URL(
      await playUser(authorizationUrl(client_id, pkcePair().challenge), { approve: false }),
    );
    expect(callback.searchParams.get("error")).toBe("access_denied");
    expect(callback.searchParams.get("code")).toBeNull();
    expect(callback.searchParams.get("state")).toBe("state-123");
  });

  it("a user who ticks fewer scopes gets a token with only those (the start of a step-up)", async () => {
    const { tokens } = await logIn({ scopes: ["mcp"] });
    expect(tokens.scope).toBe("mcp");
    expect(decodeJwt(tokens.access_token ?? "")).toMatchObject({ scope: "mcp" });
  });

  it("an unknown resource is invalid_target", async () => {
    const { client_id } = await register();
    const url = new URL(authorizationUrl(client_id, pkcePair().challenge));
    url.searchParams.set("resource", "http://127.0.0.1:9/unknown");
    const callback = new URL(await playUser(url));
    expect(callback.searchParams.get("error")).toBe("invalid_target");
  });

  it("a kept cookie jar is a kept session: the second authorization asks nothing", async () => {
    const jar = new CookieJar();
    const { client_id } = await register();
    await playUser(authorizationUrl(client_id, pkcePair().challenge), { user: "grace", jar });
    // Another user name would show if a sign-in page were filled in again: the session's user stays.
    const { verifier, challenge } = pkcePair();
    const again = new URL(await playUser(authorizationUrl(client_id, challenge), { user: "mallory", jar }));
    const exchanged = await token({
      grant_type: "authorization_code",
      client_id,
      code: again.searchParams.get("code") ?? "",
      code_verifier: verifier,
      redirect_uri: TEST_REDIRECT_URI,
    });
    expect(decodeJwt(exchanged.body.access_token ?? "").sub).toBe("grace");
  });

  it("the login and consent pages refuse requests out of turn with 400, and the provider keeps working", async () => {
    const post = (url: URL, jar: CookieJar, body: string) =>
      fetch(url, {
        method: "POST",
        redirect: "manual",
        headers: { cookie: jar.header(url), "content-type": "application/x-www-form-urlencoded" },
        body,
      });
    // No interaction cookie: nothing to show.
    const stranger = await fetch(`${oidc.issuer}/interaction/not-a-uid`);
    expect(stranger.status).toBe(400);
    await stranger.body?.cancel();

    const jar = new CookieJar();
    const { client_id } = await register();
    const start = authorizationUrl(client_id, pkcePair().challenge);
    const redirected = await fetch(start, { redirect: "manual" });
    jar.store(start, redirected);
    const page = new URL(redirected.headers.get("location") ?? "", start);
    expect(page.pathname).toMatch(/^\/interaction\//);
    // Consent before signing in, and a sign-in without a name.
    const early = await post(new URL(`${page.pathname}/consent`, page), jar, "decision=approve&scope=mcp");
    expect(early.status).toBe(400);
    await early.body?.cancel();
    const nameless = await post(new URL(`${page.pathname}/login`, page), jar, "user=");
    expect(nameless.status).toBe(400);
    await nameless.body?.cancel();

    const { tokens } = await logIn({ user: "ada" });
    expect(decodeJwt(tokens.access_token ?? "").sub).toBe("ada");
  });
});
