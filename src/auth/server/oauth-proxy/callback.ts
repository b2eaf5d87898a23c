/**
 * The upstream provider's redirect back to the proxy: the flow is found by the proxy's own state
 * (single use), must come from the browser that started it, and the upstream code is exchanged
 * with the proxy's PKCE verifier. The client then gets a fresh, short-lived code of the proxy's,
 * bound to it, its redirect URI and its PKCE challenge.
 */
import type { HttpReply, HttpRequestLike } from "../../../transports/http/exchange.js";
import { backToClient, type ProxyContext } from "./context.js";
import { randomToken, safeEqual, sha256 } from "./crypto.js";
import { cookie, errorPage, setCookie, singleValued } from "./http.js";
import type { CodeRecord, GrantRecord, TransactionRecord } from "./options.js";
import { UpstreamError } from "./upstream.js";

/** Upstream errors a client understands as they are (RFC 6749 §4.1.2.1); others become server_error. */
const PASSED_ON = new Set(["access_denied", "invalid_scope", "temporarily_unavailable"]);

export async function callback(context: ProxyContext, request: HttpRequestLike): Promise<HttpReply> {
  if (request.method !== "GET") return errorPage(405, "invalid_request", "Use GET");
  const parsed = singleValued(request.url.searchParams);
  if (!parsed.ok) return errorPage(400, "invalid_request", "A parameter is repeated");
  const params = parsed.value;
  const state = params.get("state");
  const flow = state
    ? await context.store.take<TransactionRecord & { cookie: string }>(`flow:${state}`)
    : undefined;
  if (!flow?.upstreamVerifier)
    return errorPage(400, "invalid_request", "Unknown or expired state: start the sign-in again");
  const browser = cookie(request, flow.cookie);
  if (browser === undefined || !safeEqual(sha256(browser), flow.browser ?? ""))
    return errorPage(
      403,
      "access_denied",
      "This sign-in was started in another browser: start it again from your application",
    );
  const clear = { "set-cookie": setCookie(flow.cookie, "", { ...context.cookies, maxAgeSec: 0 }) };
  const upstreamError = params.get("error");
  if (upstreamError !== undefined)
    return backToClient(
      context,
      flow.redirectUri,
      flow.state,
      {
        error: PASSED_ON.has(upstreamError) ? upstreamError : "server_error",
        error_description: "The upstream provider did not authorize the request",
      },
      clear,
    );
  const upstreamCode = params.get("code");
  if (!upstreamCode)
    return backToClient(
      context,
      flow.redirectUri,
      flow.state,
      { error: "server_error", error_description: "The upstream provider sent no code" },
      clear,
    );
  let upstream: GrantRecord["upstream"];
  try {
    upstream = await context.upstream.exchangeCode(upstreamCode, flow.upstreamVerifier);
  } catch (error) {
    const description = error instanceof UpstreamError ? error.message : "The upstream exchange failed";
    return backToClient(
      context,
      flow.redirectUri,
      flow.state,
      { error: "server_error", error_description: description },
      clear,
    );
  }
  const grantId = randomToken();
  const grant: GrantRecord = {
    clientId: flow.clientId,
    scopes: flow.scopes,
    ...(flow.resource !== undefined ? { resource: flow.resource } : {}),
    upstream,
  };
  await context.store.set(`grant:${grantId}`, grant, context.ttl.refreshTokenMs);
  const code = randomToken();
  const record: CodeRecord = {
    grantId,
    clientId: flow.clientId,
    redirectUri: flow.redirectUri,
    codeChallenge: flow.codeChallenge,
  };
  await context.store.set(`code:${sha256(code)}`, record, context.ttl.codeMs);
  return backToClient(context, flow.redirectUri, flow.state, { code }, clear);
}
