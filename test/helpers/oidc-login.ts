/**
 * The MCP authorization flow against the test OpenID provider, written out by hand with fetch: a
 * public client registers (RFC 7591), its user logs in through `playUser`, and the code is redeemed
 * with PKCE and the resource indicator. For tests that need a user's token (with all scopes, or
 * fewer for step-up) without an OAuth client library, and for checking the provider itself.
 */
import { createHash, randomBytes } from "node:crypto";
import type { OidcProvider } from "./oidc.js";
import { type PlayUserOptions, playUser } from "./oidc-user.js";

/** Where the provider sends the user back by default; nothing listens there. */
export const TEST_REDIRECT_URI = "http://127.0.0.1/oauth/callback";

/** A client as the registration endpoint answered (the fields tests read). */
export interface RegisteredClient {
  client_id: string;
  token_endpoint_auth_method: string;
  redirect_uris: string[];
}

/**
 * Registers a public client (no secret, `token_endpoint_auth_method: none`) allowed the
 * authorization_code and refresh_token grants.
 */
export async function registerPublicClient(
  oidc: OidcProvider,
  options: { redirectUri?: string; scope?: string } = {},
): Promise<RegisteredClient> {
  const response = await fetch(oidc.registrationEndpoint, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_name: "fixture client",
      redirect_uris: [options.redirectUri ?? TEST_REDIRECT_URI],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
      ...(options.scope === undefined ? {} : { scope: options.scope }),
    }),
  });
  const body = (await response.json()) as RegisteredClient;
  if (response.status !== 201)
    throw new Error(`registration answered ${response.status}: ${JSON.stringify(body)}`);
  return body;
}

/** A PKCE verifier and its S256 challenge (RFC 7636). */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/** The authorization request URL (code flow, PKCE S256, the resource indicator, a state). */
export function authorizationRequest(
  oidc: OidcProvider,
  params: {
    clientId: string;
    challenge?: string;
    resource: string;
    scope: string;
    redirectUri?: string;
    state?: string;
  },
): URL {
  const url = new URL(oidc.authorizationEndpoint);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: params.clientId,
    redirect_uri: params.redirectUri ?? TEST_REDIRECT_URI,
    scope: params.scope,
    state: params.state ?? "state-123",
    resource: params.resource,
    ...(params.challenge ? { code_challenge: params.challenge, code_challenge_method: "S256" } : {}),
  }).toString();
  return url;
}

/** A token endpoint answer: tokens, or an OAuth error. */
export interface TokenAnswer {
  status: number;
  body: {
    access_token?: string;
    refresh_token?: string;
    /** With the `openid` scope. */
    id_token?: string;
    scope?: string;
    expires_in?: number;
    token_type?: string;
    error?: string;
    error_description?: string;
  };
}

/** POSTs a form to the token endpoint (public clients: `client_id` goes in the form). */
export async function tokenRequest(oidc: OidcProvider, params: Record<string, string>): Promise<TokenAnswer> {
  const response = await fetch(oidc.tokenEndpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(params).toString(),
  });
  return { status: response.status, body: (await response.json()) as TokenAnswer["body"] };
}

export interface UserTokenOptions extends PlayUserOptions {
  /** The resource indicator (the MCP endpoint URL) the token is for; declared with `addResource`. */
  resource: string;
  /** The scopes asked for; default `mcp`. `PlayUserOptions.scopes` is what the user then ticks. */
  scope?: string;
}

/**
 * A user's tokens by the whole authorization-code flow (a new public client each time). With
 * `scopes` the user ticks fewer than asked and the token carries only those.
 *
 * @example
 * ```ts
 * const { tokens } = await userToken(oidc, { resource, scope: "mcp write", user: "eve", scopes: ["mcp"] });
 * ```
 */
export async function userToken(
  oidc: OidcProvider,
  options: UserTokenOptions,
): Promise<{ clientId: string; callbackUrl: URL; tokens: TokenAnswer["body"] }> {
  const { resource, scope = "mcp", ...user } = options;
  const { client_id: clientId } = await registerPublicClient(oidc, { scope });
  const { verifier, challenge } = pkcePair();
  const callbackUrl = new URL(
    await playUser(authorizationRequest(oidc, { clientId, challenge, resource, scope }), user),
  );
  const code = callbackUrl.searchParams.get("code");
  if (!code) throw new Error(`no code in the callback: ${callbackUrl.search}`);
  const answer = await tokenRequest(oidc, {
    grant_type: "authorization_code",
    client_id: clientId,
    code,
    code_verifier: verifier,
    redirect_uri: TEST_REDIRECT_URI,
    resource,
  });
  if (answer.status !== 200)
    throw new Error(`the token endpoint answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return { clientId, callbackUrl, tokens: answer.body };
}
