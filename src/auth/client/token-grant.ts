/**
 * What every non-interactive token provider shares (client credentials, JWT bearer): finding the
 * token endpoint (given, or discovered on the first 401), one cached token per MCP server, a new one
 * shortly before it expires or when the server refuses it, and step-up on 403 `insufficient_scope`.
 * A subclass only says which grant to send.
 */
import { parseBearerChallenge } from "./challenge.js";
import { type DiscoveredAuthorization, discoverAuthorization, httpForm } from "./discovery.js";
import { DPoPKey, type DPoPNonces, presentDPoP, takeServerNonce, withTokenRequestProof } from "./dpop.js";
import { OAuthError } from "./errors.js";
import { type HttpContext, peerText } from "./http.js";
import type { AuthChallenge, AuthRequest, ClientAuthProvider } from "./provider.js";
import { type ClientAuthentication, requestToken, type TokenResponse } from "./token-request.js";

/** Options every token-grant provider takes. */
export interface TokenGrantOptions {
  /** Scopes to ask for. Without them: the scope the server's challenge names, else its metadata's `scopes_supported`. */
  scopes?: string[] | string;
  /** The token endpoint. Without it, it is discovered on the server's first 401 (RFC 9728, then RFC 8414 / OpenID discovery). */
  tokenEndpoint?: string;
  /**
   * The resource indicator sent with the token request (RFC 8707). Default: the `resource` of the
   * server's protected-resource metadata, else the server URL. `false` sends none.
   */
  resource?: string | false;
  /**
   * The issuer of the authorization server this client trusts. With discovery, a server naming
   * another one is refused before any credential is sent (otherwise a hostile MCP server could name
   * its own token endpoint and receive the client's secret).
   */
  authorizationServer?: string;
  /**
   * DPoP (RFC 9449): bind tokens to a key pair made for this provider, and prove it on every
   * request (the server must support DPoP; an authorization server that answers with a Bearer
   * token is used as is). Nonces asked for by the token endpoint or the server are honoured.
   */
  dpop?: boolean;
  /** The fetch to use for discovery and token requests (default: the global one). */
  fetch?: typeof fetch;
  /** Timeout of each request to the authorization server and metadata endpoints, ms. Default 30 000. */
  requestTimeout?: number;
}

/** What a subclass gets to build its grant. */
export interface GrantContext {
  /** The MCP server URL the token is for. */
  serverUrl: string;
  tokenEndpoint: string;
  /** Discovery's result, when the endpoint was discovered. */
  discovered: DiscoveredAuthorization | undefined;
  /** The resource indicator to send, or undefined for none. */
  resource: string | undefined;
  /** The scopes to ask for (may be empty). */
  scopes: string[];
}

interface CachedToken {
  /** The headers of a Bearer token; a DPoP-bound one gets a fresh proof per request instead. */
  headers: Record<string, string>;
  /** Set for a DPoP-bound token. */
  dpopToken?: string;
  /** Epoch ms after which a new token is fetched before use, or Infinity. */
  renewAt: number;
}

interface ServerState {
  discovered?: DiscoveredAuthorization | undefined;
  token?: CachedToken | undefined;
  pending?: Promise<CachedToken> | undefined;
  /** Scopes learnt from challenges (step-up), added to the configured ones. */
  extraScopes: string[];
  /** The scope of the last 401 challenge, used when none are configured. */
  challengeScopes?: string[];
  /** Why the last token request failed, until one succeeds. */
  failure?: unknown;
  /** The DPoP nonces the token endpoint and the server asked for. */
  nonces: DPoPNonces;
}

/** The longest a token is renewed before its expiry; shorter-lived tokens are renewed at 90% of their life. */
const MAX_RENEW_MARGIN_MS = 30_000;

function splitScopes(scopes: string[] | string | undefined): string[] {
  if (scopes === undefined) return [];
  const list = typeof scopes === "string" ? scopes.split(/\s+/) : scopes;
  return list.filter((scope) => scope.length > 0);
}

function httpUrl(value: string, what: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`${what} is not a URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new TypeError(`${what} is not an http(s) URL`);
  return url.href;
}

export abstract class TokenGrantAuth implements ClientAuthProvider {
  protected readonly grantOptions: TokenGrantOptions;
  private readonly scopes: string[];
  private readonly states = new Map<string, ServerState>();
  private readonly dpopKey: Promise<DPoPKey> | undefined;

  constructor(options: TokenGrantOptions) {
    // Only these: a subclass's options may hold secrets, which must not sit where inspection shows them.
    this.grantOptions = {
      ...(options.scopes === undefined ? {} : { scopes: options.scopes }),
      ...(options.tokenEndpoint === undefined ? {} : { tokenEndpoint: options.tokenEndpoint }),
      ...(options.resource === undefined ? {} : { resource: options.resource }),
      ...(options.authorizationServer === undefined
        ? {}
        : { authorizationServer: options.authorizationServer }),
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      ...(options.requestTimeout === undefined ? {} : { requestTimeout: options.requestTimeout }),
    };
    if (options.dpop) {
      this.dpopKey = DPoPKey.generate();
      // Made now, used later: a failure surfaces at the first token request, never unhandled.
      this.dpopKey.catch(() => {});
    }
    this.scopes = splitScopes(options.scopes);
    if (options.tokenEndpoint !== undefined) httpUrl(options.tokenEndpoint, "tokenEndpoint");
    if (typeof options.resource === "string") httpUrl(options.resource, "resource");
    if (options.authorizationServer !== undefined)
      httpUrl(options.authorizationServer, "authorizationServer");
  }

  /** The grant's parameters (`grant_type` and what goes with it). */
  protected abstract grant(context: GrantContext): Promise<Record<string, string>> | Record<string, string>;

  /** How the client authenticates at the token endpoint, or undefined for not at all. */
  protected abstract clientAuthentication(context: GrantContext): ClientAuthentication | undefined;

  /** The fetch and timeout of discovery and token requests (a subclass's own requests use them too). */
  protected http(): HttpContext {
    return {
      fetch: this.grantOptions.fetch ?? globalThis.fetch,
      timeout: this.grantOptions.requestTimeout ?? 30_000,
    };
  }

  /** Whether a failed token request may be tried again on the next server refusal (default: yes). */
  protected retryAfterFailure(): boolean {
    return true;
  }

  headers(url: string, request?: AuthRequest): Record<string, string> | Promise<Record<string, string>> {
    const state = this.state(url);
    const token = state.token;
    const target = request ?? { method: "POST", url };
    if (token && Date.now() < token.renewAt) return this.present(token, target, state);
    if (!this.canRequest(state)) return {};
    if (state.failure && !this.retryAfterFailure()) return Promise.reject(state.failure);
    return this.renew(url, state).then((fresh) => this.present(fresh, target, state));
  }

  /** The headers that carry `token` on `request`: as is for Bearer, with a fresh proof for DPoP. */
  private present(
    token: CachedToken,
    request: AuthRequest,
    state: ServerState,
  ): Record<string, string> | Promise<Record<string, string>> {
    if (token.dpopToken === undefined || !this.dpopKey) return { ...token.headers };
    const accessToken = token.dpopToken;
    return this.dpopKey.then((key) => presentDPoP(key, accessToken, request, state.nonces));
  }

  async unauthorized(challenge: AuthChallenge): Promise<boolean> {
    const state = this.state(challenge.url);
    const params = parseBearerChallenge(challenge.wwwAuthenticate) ?? {};
    // The same request again with the server's nonce (RFC 9449 §9).
    if (params.error === "use_dpop_nonce" && this.dpopKey) return takeServerNonce(challenge, state.nonces);
    // A late refusal: the request went with a token already replaced; it goes again with the new one.
    const token = state.token;
    if (challenge.authorization !== undefined && token && Date.now() < token.renewAt) {
      const current = token.dpopToken === undefined ? token.headers.Authorization : `DPoP ${token.dpopToken}`;
      if (current !== challenge.authorization) return true;
    }
    if (challenge.status === 403) {
      if (params.error !== "insufficient_scope") return false;
      const wanted = params.scopes ?? [];
      const have = new Set([...this.currentScopes(state)]);
      const missing = wanted.filter((scope) => !have.has(scope));
      // Asking again for what we already hold cannot help.
      if (missing.length === 0) return false;
      state.extraScopes.push(...missing);
    } else if (params.scopes !== undefined && this.scopes.length === 0) {
      state.challengeScopes = params.scopes;
    }
    if (state.failure && !this.retryAfterFailure()) return false;
    if (state.pending) {
      await state.pending;
      return true;
    }
    if (!this.grantOptions.tokenEndpoint && !state.discovered) {
      state.discovered = await discoverAuthorization(this.http(), challenge.url, params.resourceMetadata, {
        authorizationServer: this.grantOptions.authorizationServer,
      });
    }
    state.token = undefined;
    await this.renew(challenge.url, state);
    return true;
  }

  /**
   * Forgets every cached token and failure: the next request gets a new token (for `JWTBearer`,
   * whose refused grant is not sent again on its own, this is how to try again, e.g. after the
   * workload's token was rotated).
   */
  clear(): void {
    for (const state of this.states.values()) {
      state.token = undefined;
      state.failure = undefined;
    }
  }

  private state(url: string): ServerState {
    let state = this.states.get(url);
    if (!state) {
      state = { extraScopes: [], nonces: {} };
      this.states.set(url, state);
    }
    return state;
  }

  private canRequest(state: ServerState): boolean {
    return this.grantOptions.tokenEndpoint !== undefined || state.discovered !== undefined;
  }

  private currentScopes(state: ServerState): string[] {
    const base =
      this.scopes.length > 0
        ? this.scopes
        : (state.challengeScopes ?? state.discovered?.protectedResource?.scopesSupported ?? []);
    return [...new Set([...base, ...state.extraScopes])];
  }

  private renew(url: string, state: ServerState): Promise<CachedToken> {
    if (!state.pending) {
      state.pending = this.fetchToken(url, state).then(
        (token) => {
          state.token = token;
          state.failure = undefined;
          state.pending = undefined;
          return token;
        },
        (error: unknown) => {
          state.failure = error;
          state.pending = undefined;
          throw error;
        },
      );
    }
    return state.pending;
  }

  private async fetchToken(url: string, state: ServerState): Promise<CachedToken> {
    const tokenEndpoint =
      this.grantOptions.tokenEndpoint ?? (state.discovered?.authorizationServer.tokenEndpoint as string);
    const resource =
      this.grantOptions.resource === false
        ? undefined
        : (this.grantOptions.resource ?? state.discovered?.resource ?? httpForm(url));
    const context: GrantContext = {
      serverUrl: url,
      tokenEndpoint,
      discovered: state.discovered,
      resource,
      scopes: this.currentScopes(state),
    };
    const params: Record<string, string> = { ...(await this.grant(context)) };
    if (resource !== undefined) params.resource = resource;
    if (context.scopes.length > 0) params.scope = context.scopes.join(" ");
    const started = Date.now();
    const http = this.http();
    if (!this.dpopKey) {
      const answer = await requestToken(http, tokenEndpoint, params, this.clientAuthentication(context));
      return cache(answer, tokenEndpoint, started, false);
    }
    const key = await this.dpopKey;
    const answer = await withTokenRequestProof(key, tokenEndpoint, state.nonces, (headers) =>
      requestToken(http, tokenEndpoint, params, this.clientAuthentication(context), { headers }),
    );
    return cache(answer, tokenEndpoint, started, true);
  }
}

function cache(answer: TokenResponse, tokenEndpoint: string, started: number, dpop: boolean): CachedToken {
  const type = answer.token_type.toLowerCase();
  if (type !== "bearer" && !(dpop && type === "dpop"))
    throw new OAuthError(
      "token",
      `the token endpoint ${tokenEndpoint} issued a ${peerText(answer.token_type, 20)} token, not a ${dpop ? "DPoP or " : ""}Bearer one`,
    );
  let renewAt = Number.POSITIVE_INFINITY;
  if (answer.expires_in !== undefined) {
    const lifetime = answer.expires_in * 1000;
    renewAt = started + lifetime - Math.min(MAX_RENEW_MARGIN_MS, lifetime / 10);
  }
  return {
    headers: { Authorization: `Bearer ${answer.access_token}` },
    ...(type === "dpop" ? { dpopToken: answer.access_token } : {}),
    renewAt,
  };
}
