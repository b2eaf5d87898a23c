/**
 * `GET /authorize` and the consent step. The client and its redirect URI are checked first: until
 * both are known good, errors are shown as a page and never redirected (no open redirect). Then
 * the user approves on a page bound to their browser (a cookie set with the page plus a CSRF value
 * in the form; the page cannot be framed), and the browser goes upstream carrying the proxy's own
 * state and PKCE challenge. The same cookie must come back with the upstream callback, so a flow
 * started in one browser cannot be finished in another.
 */
import type { HttpReply, HttpRequestLike } from "../../../transports/http/exchange.js";
import { backToClient, type ProxyContext } from "./context.js";
import { PKCE_CHALLENGE, pkceChallenge, randomToken, safeEqual, sha256 } from "./crypto.js";
import {
  cookie,
  errorPage,
  escapeHtml,
  htmlPage,
  readForm,
  redirect,
  setCookie,
  singleValued,
} from "./http.js";
import { DEFAULTS, type TransactionRecord } from "./options.js";
import { redirectUriMatches } from "./redirect-uris.js";

/** The same resource, give or take a trailing slash. */
function sameResource(a: string, b: string): boolean {
  return a.replace(/\/+$/, "") === b.replace(/\/+$/, "");
}

/** The browser-binding cookie of one transaction. */
function cookieName(txnId: string): string {
  return `mcp_oauth_${txnId.slice(0, 12)}`;
}

export async function authorize(context: ProxyContext, request: HttpRequestLike): Promise<HttpReply> {
  if (request.method !== "GET") return errorPage(405, "invalid_request", "Use GET");
  const parsed = singleValued(request.url.searchParams);
  if (!parsed.ok) return errorPage(400, "invalid_request", "A parameter is repeated");
  const params = parsed.value;
  const clientId = params.get("client_id");
  if (!clientId) return errorPage(400, "invalid_request", "client_id is missing");
  const client = await context.clients.get(clientId);
  if (!client) return errorPage(400, "invalid_client", "Unknown client");
  let redirectUri = params.get("redirect_uri");
  if (redirectUri === undefined && client.redirect_uris.length === 1) redirectUri = client.redirect_uris[0];
  if (redirectUri === undefined || !redirectUriMatches(redirectUri, client.redirect_uris))
    return errorPage(400, "invalid_request", "redirect_uri is not registered for this client");

  // From here the redirect URI is trusted: errors go back to the client.
  const state = params.get("state");
  const fail = (error: string, description: string) =>
    backToClient(context, redirectUri, state, { error, error_description: description });
  if (params.get("response_type") !== "code")
    return fail("unsupported_response_type", "response_type must be code");
  const challenge = params.get("code_challenge");
  if (!challenge || !PKCE_CHALLENGE.test(challenge))
    return fail("invalid_request", "code_challenge (PKCE) is required");
  if (params.get("code_challenge_method") !== "S256")
    return fail("invalid_request", "code_challenge_method must be S256");
  const requested = (params.get("scope") ?? "").split(" ").filter(Boolean);
  if (context.validScopes) {
    const unknown = requested.filter((s) => !context.validScopes?.includes(s));
    if (unknown.length > 0) return fail("invalid_scope", `Unknown scopes: ${unknown.join(" ")}`);
  }
  const scopes = requested.length > 0 ? requested : [...context.defaultScopes];
  const resource = params.get("resource");
  const served = context.resources();
  if (resource !== undefined && served.size > 0 && ![...served].some((one) => sameResource(resource, one)))
    return fail("invalid_target", "resource is not this server");

  const txnId = randomToken();
  const browserSecret = randomToken();
  const txn: TransactionRecord = {
    clientId: client.client_id,
    redirectUri,
    ...(state !== undefined ? { state } : {}),
    codeChallenge: challenge,
    scopes,
    ...(resource !== undefined ? { resource } : {}),
    csrf: randomToken(),
    browser: sha256(browserSecret),
  };
  const bind = setCookie(cookieName(txnId), browserSecret, {
    ...context.cookies,
    maxAgeSec: Math.ceil(context.ttl.transactionMs / 1000),
  });
  if (!context.consent) return goUpstream(context, txnId, txn, { "set-cookie": bind });
  await context.store.set(`txn:${txnId}`, txn, context.ttl.transactionMs);
  const page = consentPage(context, txnId, txn, client.client_name);
  return { ...page, headers: { ...page.headers, "set-cookie": bind } };
}

/** Saves the flow under a fresh upstream state and sends the browser to the upstream provider. */
async function goUpstream(
  context: ProxyContext,
  txnId: string,
  txn: TransactionRecord,
  headers: Record<string, string> = {},
): Promise<HttpReply> {
  const upstreamVerifier = randomToken();
  const upstreamState = randomToken();
  const flow: TransactionRecord & { cookie: string } = {
    ...txn,
    upstreamVerifier,
    upstreamState,
    cookie: cookieName(txnId),
  };
  await context.store.set(`flow:${upstreamState}`, flow, context.ttl.transactionMs);
  return redirect(
    context.upstream.authorizationUrl(upstreamState, pkceChallenge(upstreamVerifier), txn.scopes),
    headers,
  );
}

function consentPage(
  context: ProxyContext,
  txnId: string,
  txn: TransactionRecord,
  clientName: string | undefined,
): HttpReply {
  const target = new URL(txn.redirectUri);
  const name = clientName ?? txn.clientId;
  const scopes =
    txn.scopes.length > 0 ? txn.scopes.map((s) => `<li>${escapeHtml(s)}</li>`).join("") : "<li>(none)</li>";
  const html = `<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Authorize ${escapeHtml(name)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem}code{word-break:break-all}button{font-size:1rem;padding:.5rem 1.2rem;margin-right:.5rem}</style></head>
<body><h1>Authorize access</h1>
<p><strong>${escapeHtml(name)}</strong> wants to access this MCP server on your behalf.</p>
<p>You will be signed in at the upstream provider, then sent back to:<br><code>${escapeHtml(target.href)}</code><br>(host <strong>${escapeHtml(target.host || target.protocol)}</strong>)</p>
<p>Client ID: <code>${escapeHtml(txn.clientId)}</code></p>
<p>Scopes:</p><ul>${scopes}</ul>
<p>Only approve if you started this sign-in and trust this application.</p>
<form method="post" action="${escapeHtml(context.urls.consent)}">
<input type="hidden" name="txn" value="${escapeHtml(txnId)}">
<input type="hidden" name="csrf" value="${escapeHtml(txn.csrf)}">
<button type="submit" name="action" value="approve">Approve</button>
<button type="submit" name="action" value="deny">Deny</button>
</form></body></html>`;
  // Chrome applies form-action to the redirects after the post: upstream (approve) and the client (deny).
  const targets = [new URL(context.upstream.authorizationUrl("x", "x", [])).origin, target.origin];
  return htmlPage(
    200,
    html,
    targets.filter((origin) => origin !== "null"),
  );
}

/** `POST /consent`: the user's answer, with the page's CSRF value and the browser's cookie. */
export async function consent(context: ProxyContext, request: HttpRequestLike): Promise<HttpReply> {
  if (request.method !== "POST") return errorPage(405, "invalid_request", "Use POST");
  const form = await readForm(request, DEFAULTS.maxBodyBytes);
  if (!form.ok) return errorPage(400, "invalid_request", "The consent form could not be read");
  const txnId = form.value.get("txn") ?? "";
  const csrf = form.value.get("csrf") ?? "";
  const txn = txnId ? await context.store.get<TransactionRecord>(`txn:${txnId}`) : undefined;
  if (!txn) return errorPage(400, "invalid_request", "This authorization request is unknown or has expired");
  const browser = cookie(request, cookieName(txnId));
  if (!safeEqual(csrf, txn.csrf) || browser === undefined || !safeEqual(sha256(browser), txn.browser ?? ""))
    return errorPage(403, "access_denied", "The consent could not be verified (CSRF check failed)");
  // Single use: a second submission finds nothing.
  const taken = await context.store.take<TransactionRecord>(`txn:${txnId}`);
  if (!taken) return errorPage(400, "invalid_request", "This authorization request was already answered");
  if (form.value.get("action") !== "approve")
    return backToClient(context, taken.redirectUri, taken.state, {
      error: "access_denied",
      error_description: "The user denied the request",
    });
  return goUpstream(context, txnId, taken);
}
