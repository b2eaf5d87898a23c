/**
 * Requests to the token endpoint: the authorization code (with its PKCE verifier) for tokens, and
 * a refresh token for new ones. The client authenticates as registered: HTTP Basic
 * (`client_secret_basic`), form fields (`client_secret_post`) or not at all (`none`).
 */
import { OAuthError, type OAuthStep } from "./errors.js";
import { type HttpContext, networkReason, oauthErrorOf, peerText, requestJson } from "./http.js";
import type { StoredClient, StoredTokens } from "./storage.js";

/** RFC 6749 §2.3.1: each part form-encoded, then joined and base64-encoded. */
function basicCredentials(clientId: string, secret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, "+");
  const bytes = new TextEncoder().encode(`${encode(clientId)}:${encode(secret)}`);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `Basic ${btoa(binary)}`;
}

/** Adds the client's authentication to a token request. */
function authenticate(client: StoredClient, form: URLSearchParams, headers: Record<string, string>): void {
  const method = client.clientSecret ? (client.tokenEndpointAuthMethod ?? "client_secret_basic") : "none";
  if (method === "client_secret_basic" && client.clientSecret) {
    headers.Authorization = basicCredentials(client.clientId, client.clientSecret);
    return;
  }
  form.set("client_id", client.clientId);
  if (method === "client_secret_post" && client.clientSecret) form.set("client_secret", client.clientSecret);
}

export interface TokenRequest {
  tokenEndpoint: string;
  client: StoredClient;
  issuer: string;
  resource: string;
  /** What was asked for (kept with the tokens; the grant may be narrower). */
  requestedScopes: string[];
}

async function post(
  http: HttpContext,
  step: OAuthStep,
  request: TokenRequest,
  form: URLSearchParams,
  previous?: StoredTokens,
): Promise<StoredTokens> {
  const headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded" };
  authenticate(request.client, form, headers);
  let answer: Awaited<ReturnType<typeof requestJson>>;
  try {
    answer = await requestJson(http, request.tokenEndpoint, {
      method: "POST",
      headers,
      body: form.toString(),
    });
  } catch (error) {
    throw new OAuthError(step, `cannot reach ${request.tokenEndpoint}: ${networkReason(error)}`, {
      cause: error,
    });
  }
  if (!answer.ok) {
    const { error, description } = oauthErrorOf(answer.body);
    throw new OAuthError(
      step,
      `the token endpoint answered HTTP ${answer.status}${error ? ` ${error}` : ""}${description ? `: ${description}` : ""}`,
      error ? { oauthError: error } : undefined,
    );
  }
  const body = answer.body ?? {};
  if (typeof body.access_token !== "string" || body.access_token.length === 0)
    throw new OAuthError(step, "the token endpoint returned no access_token");
  const tokenType = typeof body.token_type === "string" ? body.token_type : "Bearer";
  if (tokenType.toLowerCase() !== "bearer")
    throw new OAuthError(
      step,
      `the token endpoint returned a ${peerText(tokenType, 40)} token; only Bearer is supported`,
    );
  const tokens: StoredTokens = {
    accessToken: body.access_token,
    tokenType: "Bearer",
    requestedScopes: request.requestedScopes,
    grantedScopes:
      typeof body.scope === "string"
        ? body.scope.split(" ").filter(Boolean)
        : (previous?.grantedScopes ?? request.requestedScopes),
    issuer: request.issuer,
    resource: request.resource,
  };
  const refresh =
    typeof body.refresh_token === "string" && body.refresh_token
      ? body.refresh_token
      : previous?.refreshToken;
  if (refresh) tokens.refreshToken = refresh;
  const expiresIn = Number(body.expires_in);
  if (Number.isFinite(expiresIn) && expiresIn > 0) tokens.expiresAt = Date.now() + expiresIn * 1000;
  return tokens;
}

/** Exchanges an authorization code for tokens. */
export function exchangeCode(
  http: HttpContext,
  request: TokenRequest & { code: string; codeVerifier: string; redirectUri: string },
): Promise<StoredTokens> {
  const form = new URLSearchParams({
    grant_type: "authorization_code",
    code: request.code,
    code_verifier: request.codeVerifier,
    redirect_uri: request.redirectUri,
    resource: request.resource,
  });
  return post(http, "token", request, form);
}

/** Uses a refresh token for new tokens (the old refresh token stays when no new one comes). */
export function refreshTokens(
  http: HttpContext,
  request: TokenRequest,
  previous: StoredTokens,
): Promise<StoredTokens> {
  const form = new URLSearchParams({
    grant_type: "refresh_token",
    refresh_token: previous.refreshToken ?? "",
    resource: request.resource,
  });
  return post(http, "refresh", request, form, previous);
}
