/**
 * `POST /token`: codes and refresh tokens for the proxy's own tokens. Every code and refresh token
 * is taken from the store once; a second use finds the "used" mark and revokes the whole grant
 * (RFC 6749 §4.1.2, OAuth 2.1 §4.3.1: a replayed code or refresh token means it leaked).
 */
import type { HttpReply, HttpRequestLike } from "../../../transports/http/exchange.js";
import type { ProxyContext } from "./context.js";
import { PKCE_VERIFIER, pkceChallenge, randomToken, safeEqual, sha256 } from "./crypto.js";
import { oauthError, oauthJson, preflight, readForm } from "./http.js";
import {
  type ClientRecord,
  type CodeRecord,
  DEFAULTS,
  type GrantRecord,
  type TokenRecord,
} from "./options.js";
import { UpstreamError } from "./upstream.js";

/** Refresh the upstream token this long before it expires. */
const UPSTREAM_REFRESH_MARGIN_SEC = 60;

const invalidGrant = (description: string) => oauthError(400, "invalid_grant", description);

export async function token(context: ProxyContext, request: HttpRequestLike): Promise<HttpReply> {
  if (request.method === "OPTIONS") return preflight();
  if (request.method !== "POST")
    return oauthError(405, "invalid_request", "Use POST", { allow: "POST, OPTIONS" });
  const form = await readForm(request, DEFAULTS.maxBodyBytes);
  if (!form.ok) return form.reply;
  const client = await context.clients.authenticate(request, form.value);
  if (!client.ok) return client.reply;
  const grantType = form.value.get("grant_type");
  if (grantType === "authorization_code") return exchangeCode(context, client.value, form.value);
  if (grantType === "refresh_token") return refresh(context, client.value, form.value);
  return oauthError(400, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token");
}

async function exchangeCode(
  context: ProxyContext,
  client: ClientRecord,
  form: Map<string, string>,
): Promise<HttpReply> {
  const code = form.get("code");
  const verifier = form.get("code_verifier");
  if (!code) return oauthError(400, "invalid_request", "code is missing");
  if (!verifier || !PKCE_VERIFIER.test(verifier))
    return oauthError(400, "invalid_request", "code_verifier is missing or malformed");
  const taken = await takeOnce<CodeRecord>(context, "code", code, context.ttl.codeMs, {
    replayed: "The code was already used: the tokens issued for it are revoked",
    unknown: "The code is invalid or expired",
  });
  if ("reply" in taken) return taken.reply;
  const { record } = taken;
  const redirectUri = form.get("redirect_uri");
  const problem =
    record.clientId !== client.client_id
      ? "The code was issued to another client"
      : redirectUri !== undefined && redirectUri !== record.redirectUri
        ? "redirect_uri does not match the authorization request"
        : !safeEqual(pkceChallenge(verifier), record.codeChallenge)
          ? "The code_verifier does not match the code_challenge"
          : undefined;
  if (problem) {
    // The code is burned; whoever presented it may have stolen it, so nothing issued under it stands.
    await context.store.delete(`grant:${record.grantId}`);
    return invalidGrant(problem);
  }
  const grant = await context.store.get<GrantRecord>(`grant:${record.grantId}`);
  if (!grant) return invalidGrant("The authorization was revoked");
  return issue(context, record.grantId, grant, grant.scopes);
}

/**
 * Takes a single-use credential (a code, a refresh token) from the store by its hash, and remembers
 * it as used for `ttlMs`: presented again, it revokes the grant it was issued under.
 */
async function takeOnce<T extends { grantId: string }>(
  context: ProxyContext,
  kind: "code" | "refresh",
  presented: string,
  ttlMs: number,
  messages: { replayed: string; unknown: string },
): Promise<{ record: T } | { reply: HttpReply }> {
  const key = sha256(presented);
  const record = await context.store.take<T>(`${kind}:${key}`);
  if (!record) {
    const used = await context.store.get<{ grantId: string }>(`used${kind}:${key}`);
    if (!used) return { reply: invalidGrant(messages.unknown) };
    await context.store.delete(`grant:${used.grantId}`);
    return { reply: invalidGrant(messages.replayed) };
  }
  await context.store.set(`used${kind}:${key}`, { grantId: record.grantId }, ttlMs);
  return { record };
}

async function refresh(
  context: ProxyContext,
  client: ClientRecord,
  form: Map<string, string>,
): Promise<HttpReply> {
  const presented = form.get("refresh_token");
  if (!presented) return oauthError(400, "invalid_request", "refresh_token is missing");
  const taken = await takeOnce<TokenRecord>(context, "refresh", presented, context.ttl.refreshTokenMs, {
    replayed: "The refresh token was already used: the grant is revoked",
    unknown: "The refresh token is invalid or expired",
  });
  if ("reply" in taken) return taken.reply;
  const { record } = taken;
  if (record.clientId !== client.client_id) {
    await context.store.delete(`grant:${record.grantId}`);
    return invalidGrant("The refresh token was issued to another client");
  }
  const grant = await context.store.get<GrantRecord>(`grant:${record.grantId}`);
  if (!grant) return invalidGrant("The authorization was revoked");
  const asked = (form.get("scope") ?? "").split(" ").filter(Boolean);
  const wider = asked.filter((s) => !grant.scopes.includes(s));
  if (wider.length > 0) return oauthError(400, "invalid_scope", `Not granted: ${wider.join(" ")}`);
  const now = Math.floor(Date.now() / 1000);
  if (
    grant.upstream.refreshToken &&
    grant.upstream.expiresAt !== undefined &&
    grant.upstream.expiresAt - UPSTREAM_REFRESH_MARGIN_SEC <= now
  ) {
    try {
      const fresh = await context.upstream.refresh(grant.upstream.refreshToken, grant.scopes);
      grant.upstream = { refreshToken: grant.upstream.refreshToken, ...fresh };
    } catch (error) {
      if (error instanceof UpstreamError && error.error === "invalid_grant") {
        await context.store.delete(`grant:${record.grantId}`);
        return invalidGrant("The upstream provider no longer honours this authorization");
      }
      return oauthError(502, "temporarily_unavailable", "The upstream provider could not refresh the token");
    }
  }
  if (grant.upstream.expiresAt !== undefined && grant.upstream.expiresAt <= Math.floor(Date.now() / 1000))
    return invalidGrant("The upstream token has expired and cannot be renewed: sign in again");
  return issue(context, record.grantId, grant, asked.length > 0 ? asked : grant.scopes);
}

/** Issues an access and a refresh token under `grantId`, and renews the grant's lifetime. */
async function issue(
  context: ProxyContext,
  grantId: string,
  grant: GrantRecord,
  scopes: string[],
): Promise<HttpReply> {
  const now = Math.floor(Date.now() / 1000);
  let lifetime = Math.floor(context.ttl.accessTokenMs / 1000);
  // Never outlive the upstream token when it cannot be renewed behind the client's back.
  if (grant.upstream.expiresAt !== undefined)
    lifetime = Math.max(1, Math.min(lifetime, grant.upstream.expiresAt - now));
  const accessToken = randomToken();
  const refreshToken = randomToken();
  const access: TokenRecord = { grantId, clientId: grant.clientId, scopes, expiresAt: now + lifetime };
  const refreshLifetimeMs = context.ttl.refreshTokenMs;
  const renewal: TokenRecord = {
    grantId,
    clientId: grant.clientId,
    scopes: grant.scopes,
    expiresAt: now + Math.floor(refreshLifetimeMs / 1000),
  };
  await context.store.set(`grant:${grantId}`, grant, refreshLifetimeMs);
  await context.store.set(`token:${sha256(accessToken)}`, access, lifetime * 1000);
  await context.store.set(`refresh:${sha256(refreshToken)}`, renewal, refreshLifetimeMs);
  return oauthJson(200, {
    access_token: accessToken,
    token_type: "Bearer",
    expires_in: lifetime,
    refresh_token: refreshToken,
    ...(scopes.length > 0 ? { scope: scopes.join(" ") } : {}),
  });
}
