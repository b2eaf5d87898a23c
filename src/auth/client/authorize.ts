/**
 * One run of the authorization code flow (with PKCE S256, `state`, the RFC 8707 `resource` and the
 * RFC 9207 `iss` check): build the authorization URL, get the callback URL (from the app's
 * `redirectHandler`, or from the browser through a loopback listener), check it, and redeem the code.
 */
import type { AuthorizationServerMetadata } from "./discovery.js";
import { OAuthError } from "./errors.js";
import { peerText } from "./http.js";
import { createPkce, type Pkce, randomToken } from "./pkce.js";

/** The parameters of an authorization request. */
export interface AuthorizationRequest {
  server: AuthorizationServerMetadata;
  clientId: string;
  redirectUri: string;
  resource: string;
  scopes: string[];
}

/** An authorization request ready to send, with what the callback is checked against. */
export interface PreparedAuthorization {
  url: string;
  state: string;
  pkce: Pkce;
}

export async function prepareAuthorization(request: AuthorizationRequest): Promise<PreparedAuthorization> {
  const pkce = await createPkce();
  const state = randomToken(32);
  const url = new URL(request.server.authorizationEndpoint);
  const params = url.searchParams;
  params.set("response_type", "code");
  params.set("client_id", request.clientId);
  params.set("redirect_uri", request.redirectUri);
  params.set("state", state);
  params.set("code_challenge", pkce.challenge);
  params.set("code_challenge_method", pkce.method);
  params.set("resource", request.resource);
  if (request.scopes.length > 0) params.set("scope", request.scopes.join(" "));
  // OpenID Connect §11: a refresh token for offline use is granted only after explicit consent.
  if (request.scopes.includes("offline_access")) params.set("prompt", "consent");
  return { url: url.href, state, pkce };
}

/**
 * Checks an authorization response and returns its code: the `state` must be ours, `iss` (when
 * present, or when the server promised it) must be the issuer exactly, and an `error` is reported.
 */
export function readCallback(
  callback: URL,
  expectedState: string,
  server: AuthorizationServerMetadata,
): string {
  const params = callback.searchParams;
  if (params.get("state") !== expectedState)
    throw new OAuthError("callback", "the authorization response does not carry the state this client sent");
  const iss = params.get("iss");
  if (iss !== null && iss !== server.issuer) {
    throw new OAuthError(
      "authorization",
      `the authorization response names issuer ${peerText(iss)}, not ${server.issuer} (RFC 9207): refused`,
    );
  }
  if (iss === null && server.issParameterSupported) {
    throw new OAuthError(
      "authorization",
      `${server.issuer} advertises the iss response parameter (RFC 9207) but its response has none: refused`,
    );
  }
  const error = params.get("error");
  if (error !== null) {
    const description = params.get("error_description");
    const what = error === "access_denied" ? "access was denied" : "the authorization server refused";
    throw new OAuthError(
      "authorization",
      `${what} (${peerText(error, 60)})${description ? `: ${peerText(description)}` : ""}`,
      { oauthError: peerText(error, 60) },
    );
  }
  const code = params.get("code");
  if (!code) throw new OAuthError("authorization", "the authorization response has no code");
  return code;
}
