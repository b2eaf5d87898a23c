/** OAuthProxy's options, their checked form, and the records it keeps in its store. */

import type { Store } from "../../../stores/store.js";
import type { TokenVerifier } from "../core.js";
import type { OAuthProxyStore } from "./store.js";

/** Options of {@link OAuthProxy}. Durations are milliseconds. */
export interface OAuthProxyOptions {
  /** The upstream provider's authorization endpoint (GitHub: `https://github.com/login/oauth/authorize`). */
  upstreamAuthorizationEndpoint: string;
  /** The upstream provider's token endpoint (GitHub: `https://github.com/login/oauth/access_token`). */
  upstreamTokenEndpoint: string;
  /** The app registered at the upstream provider. */
  upstreamClientId: string;
  upstreamClientSecret: string;
  /** Checks upstream access tokens (for GitHub: `new GitHubTokenVerifier()`); its answer becomes `ctx.auth`. */
  tokenVerifier: TokenVerifier;
  /**
   * The public URL of this server (scheme, host, optional path prefix): the issuer, and the base of
   * the proxy's routes. Register `<baseUrl>/auth/callback` (see `redirectPath`) at the upstream app.
   */
  baseUrl: string;
  /** The callback path the upstream provider redirects to, under `baseUrl` (default `/auth/callback`). */
  redirectPath?: string;
  /** How the proxy authenticates at the upstream token endpoint (default `client_secret_basic`). */
  upstreamTokenAuthMethod?: "client_secret_basic" | "client_secret_post";
  /** Scopes clients may request and that metadata advertises; others are refused with invalid_scope. */
  validScopes?: string[];
  /** Scopes asked of the upstream provider when the client asks for none. */
  defaultScopes?: string[];
  /** Extra parameters sent to the upstream authorization endpoint (e.g. `{ prompt: "consent" }`). */
  extraAuthorizeParams?: Record<string, string>;
  /**
   * Show a consent page naming the client and where it will be redirected before going upstream
   * (default true). Skipping it lets any registered client obtain a token for a user who is
   * already signed in upstream without them seeing who asks: only for trusted setups.
   */
  consent?: boolean;
  /**
   * State: registrations, pending authorizations, codes, tokens (default a bounded memory store, or
   * the server's shared `store` when it has one). A shared {@link Store} (such as `RedisStore` from
   * `fastmcp-ts/redis`) is used through `SharedOAuthProxyStore`, so every instance can finish a
   * login another one started.
   */
  store?: OAuthProxyStore | Store;
  /** Lifetime of the proxy's access tokens when the upstream says none (default 1 hour). */
  accessTokenTtlMs?: number;
  /** Lifetime of refresh tokens (default 30 days). */
  refreshTokenTtlMs?: number;
  /** Lifetime of authorization codes (default 5 minutes; codes are single-use). */
  codeTtlMs?: number;
  /** How long a user has to finish consent and the upstream login (default 10 minutes). */
  transactionTtlMs?: number;
  /** How long a dynamic registration is kept (default 30 days). */
  registrationTtlMs?: number;
  /**
   * Client ID metadata documents (a `client_id` that is an https URL): on by default. Fetches
   * refuse loopback and private-network addresses unless `allowPrivateNetwork` (for tests and
   * intranets), which also allows http URLs.
   */
  clientMetadataDocuments?:
    | boolean
    | { allowPrivateNetwork?: boolean; timeoutMs?: number; maxBytes?: number };
  /** Requests for the upstream token endpoint (default the global fetch). */
  fetch?: typeof fetch;
}

/** A client as the proxy knows it: registered (RFC 7591) or read from its metadata document. */
export interface ClientRecord {
  client_id: string;
  /** SHA-256 of the secret, for confidential clients. */
  secretHash?: string;
  redirect_uris: string[];
  token_endpoint_auth_method: "none" | "client_secret_post" | "client_secret_basic";
  client_name?: string;
  client_uri?: string;
  scope?: string;
}

/** An authorization between `/authorize` and the upstream callback. */
export interface TransactionRecord {
  clientId: string;
  redirectUri: string;
  /** The client's state, echoed back unchanged. */
  state?: string;
  codeChallenge: string;
  scopes: string[];
  resource?: string;
  /** CSRF value the consent form must send back. */
  csrf: string;
  /** Set once the proxy has sent the browser upstream: the cookie that must come back with the callback. */
  browser?: string;
  /** The proxy's own PKCE verifier towards the upstream provider. */
  upstreamVerifier?: string;
  /** The id the upstream `state` carries. */
  upstreamState?: string;
}

/** Upstream tokens, as the upstream token endpoint gave them. */
export interface UpstreamTokens {
  accessToken: string;
  refreshToken?: string;
  /** Epoch seconds. */
  expiresAt?: number;
  scope?: string;
}

/** One user's consent to one client: revoking it (deleting the grant) invalidates every token issued under it. */
export interface GrantRecord {
  clientId: string;
  scopes: string[];
  resource?: string;
  upstream: UpstreamTokens;
}

/** An authorization code: what it may be exchanged for, and by whom. */
export interface CodeRecord {
  grantId: string;
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
}

/** An access or refresh token the proxy issued. */
export interface TokenRecord {
  grantId: string;
  clientId: string;
  scopes: string[];
  /** Epoch seconds. */
  expiresAt: number;
}

export const DEFAULTS = {
  redirectPath: "/auth/callback",
  accessTokenTtlMs: 60 * 60 * 1000,
  refreshTokenTtlMs: 30 * 24 * 60 * 60 * 1000,
  codeTtlMs: 5 * 60 * 1000,
  transactionTtlMs: 10 * 60 * 1000,
  registrationTtlMs: 30 * 24 * 60 * 60 * 1000,
  /** Largest form or registration body accepted. */
  maxBodyBytes: 16 * 1024,
  metadataTimeoutMs: 5000,
  metadataMaxBytes: 5 * 1024,
} as const;

/** Checks an option that must be an absolute http(s) URL. */
export function httpUrl(value: unknown, option: string): URL {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw new TypeError(`OAuthProxy: ${option} must be an absolute URL, got ${JSON.stringify(value)}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new TypeError(`OAuthProxy: ${option} must be an http(s) URL, got ${String(value)}`);
  return url;
}
