/**
 * The token requests of `OAuth`: the authorization code (with its PKCE verifier) for tokens, and a
 * refresh token for new ones, sent through the shared {@link requestToken} (client authentication
 * as registered: HTTP Basic, form fields, or none; the answer checked; secrets redacted).
 */
import { type DPoPKey, type DPoPNonces, withTokenRequestProof } from "./dpop.js";
import { OAuthError, type OAuthStep } from "./errors.js";
import { type HttpContext, peerText } from "./http.js";
import type { StoredClient, StoredTokens } from "./storage.js";
import { type ClientAuthentication, requestToken } from "./token-request.js";

/** How a stored client authenticates: its secret as registered (Basic unless `_post`), else its ID only. */
export function storedClientAuthentication(client: StoredClient): ClientAuthentication {
  if (!client.clientSecret) return { clientId: client.clientId, method: "none" };
  const method =
    client.tokenEndpointAuthMethod === "client_secret_post" ? "client_secret_post" : "client_secret_basic";
  return { clientId: client.clientId, method, clientSecret: client.clientSecret };
}

export interface TokenRequest {
  tokenEndpoint: string;
  client: StoredClient;
  issuer: string;
  resource: string;
  /** What was asked for (kept with the tokens; the grant may be narrower). */
  requestedScopes: string[];
  /** DPoP (RFC 9449): the key to bind the tokens to, and the nonces the token endpoint asked for. */
  dpop?: { key: DPoPKey; nonces: DPoPNonces } | undefined;
}

async function post(
  http: HttpContext,
  step: OAuthStep,
  request: TokenRequest,
  grant: Record<string, string>,
  previous?: StoredTokens,
): Promise<StoredTokens> {
  const send = (headers: Record<string, string>) =>
    requestToken(http, request.tokenEndpoint, grant, storedClientAuthentication(request.client), {
      step,
      headers,
    });
  const { dpop } = request;
  const body = dpop
    ? await withTokenRequestProof(dpop.key, request.tokenEndpoint, dpop.nonces, send)
    : await send({});
  const type = body.token_type.toLowerCase();
  // With DPoP, a server that answers with a Bearer token is used as is (it does not bind tokens).
  if (type !== "bearer" && !(dpop && type === "dpop"))
    throw new OAuthError(
      step,
      `the token endpoint returned a ${peerText(body.token_type, 40)} token; only ${dpop ? "DPoP and " : ""}Bearer are supported`,
    );
  const tokens: StoredTokens = {
    accessToken: body.access_token,
    tokenType: type === "dpop" ? "DPoP" : "Bearer",
    requestedScopes: request.requestedScopes,
    grantedScopes:
      typeof body.scope === "string"
        ? body.scope.split(" ").filter(Boolean)
        : (previous?.grantedScopes ?? request.requestedScopes),
    issuer: request.issuer,
    resource: request.resource,
  };
  const refresh = body.refresh_token || previous?.refreshToken;
  if (refresh) tokens.refreshToken = refresh;
  if (dpop && type === "dpop") tokens.dpopKey = dpop.key.thumbprint;
  if (body.expires_in !== undefined && body.expires_in > 0)
    tokens.expiresAt = Date.now() + body.expires_in * 1000;
  return tokens;
}

/** Exchanges an authorization code for tokens. */
export function exchangeCode(
  http: HttpContext,
  request: TokenRequest & { code: string; codeVerifier: string; redirectUri: string },
): Promise<StoredTokens> {
  return post(http, "token", request, {
    grant_type: "authorization_code",
    code: request.code,
    code_verifier: request.codeVerifier,
    redirect_uri: request.redirectUri,
    resource: request.resource,
  });
}

/** Uses a refresh token for new tokens (the old refresh token stays when no new one comes). */
export function refreshTokens(
  http: HttpContext,
  request: TokenRequest,
  previous: StoredTokens,
): Promise<StoredTokens> {
  return post(
    http,
    "refresh",
    request,
    { grant_type: "refresh_token", refresh_token: previous.refreshToken ?? "", resource: request.resource },
    previous,
  );
}
