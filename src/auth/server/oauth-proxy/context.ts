/** What the proxy's endpoints share: settings, store, clients, upstream, and the redirect back to a client. */
import type { HttpReply } from "../../../transports/http/exchange.js";
import { redirect } from "./http.js";
import type { ClientRegistry } from "./registration.js";
import type { OAuthProxyStore } from "./store.js";
import type { Upstream } from "./upstream.js";

export interface ProxyRoutes {
  authorize: string;
  consent: string;
  token: string;
  register: string;
  callback: string;
}

export interface ProxyContext {
  readonly store: OAuthProxyStore;
  readonly clients: ClientRegistry;
  readonly upstream: Upstream;
  /** The issuer: baseUrl without a trailing slash. */
  readonly issuer: string;
  /** Absolute URLs of the routes. */
  readonly urls: ProxyRoutes;
  readonly consent: boolean;
  readonly validScopes: readonly string[] | undefined;
  readonly defaultScopes: readonly string[];
  readonly ttl: {
    accessTokenMs: number;
    refreshTokenMs: number;
    codeMs: number;
    transactionMs: number;
  };
  /** Cookies: Secure on https, scoped to the base path. */
  readonly cookies: { secure: boolean; path: string };
  /** The protected resources (MCP endpoint URLs), once the HTTP app has asked for them. */
  resources(): ReadonlySet<string>;
}

/**
 * Sends the browser back to the client's (checked) redirect URI with `params`, the client's state
 * and the issuer (RFC 9207).
 */
export function backToClient(
  context: ProxyContext,
  redirectUri: string,
  state: string | undefined,
  params: Record<string, string>,
  headers: Record<string, string> = {},
): HttpReply {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  if (state !== undefined) url.searchParams.set("state", state);
  url.searchParams.set("iss", context.issuer);
  return redirect(url.href, headers);
}
