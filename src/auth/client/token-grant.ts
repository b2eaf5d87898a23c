/**
 * What every non-interactive token provider shares (client credentials, JWT bearer): finding the
 * token endpoint (given, or discovered on the first 401), one cached token per MCP server, a new one
 * shortly before it expires or when the server refuses it, and step-up on 403 `insufficient_scope`.
 * A subclass only says which grant to send.
 */
import {
  type DiscoveredAuthorization,
  discoverAuthorization,
  httpForm,
  parseChallenge,
} from "./discovery.js";
import type { AuthChallenge, ClientAuthProvider } from "./provider.js";
import { type ClientAuthentication, OAuthError, requestToken, type TokenResponse } from "./token-request.js";

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
  /** The fetch to use for discovery and token requests (default: the global one). */
  fetch?: typeof fetch;
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
  headers: Record<string, string>;
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
    };
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

  /** Whether a failed token request may be tried again on the next server refusal (default: yes). */
  protected retryAfterFailure(): boolean {
    return true;
  }

  headers(url: string): Record<string, string> | Promise<Record<string, string>> {
    const state = this.state(url);
    const token = state.token;
    if (token && Date.now() < token.renewAt) return { ...token.headers };
    if (!this.canRequest(state)) return {};
    if (state.failure && !this.retryAfterFailure()) return Promise.reject(state.failure);
    return this.renew(url, state).then((fresh) => ({ ...fresh.headers }));
  }

  async unauthorized(challenge: AuthChallenge): Promise<boolean> {
    const state = this.state(challenge.url);
    const params = parseChallenge(challenge.wwwAuthenticate);
    if (challenge.status === 403) {
      if (params.error !== "insufficient_scope") return false;
      const wanted = splitScopes(params.scope);
      const have = new Set([...this.currentScopes(state)]);
      const missing = wanted.filter((scope) => !have.has(scope));
      // Asking again for what we already hold cannot help.
      if (missing.length === 0) return false;
      state.extraScopes.push(...missing);
    } else if (params.scope !== undefined && this.scopes.length === 0) {
      state.challengeScopes = splitScopes(params.scope);
    }
    if (state.failure && !this.retryAfterFailure()) return false;
    if (state.pending) {
      await state.pending;
      return true;
    }
    if (!this.grantOptions.tokenEndpoint && !state.discovered) {
      state.discovered = await discoverAuthorization(challenge.url, challenge.wwwAuthenticate, {
        ...(this.grantOptions.fetch ? { fetch: this.grantOptions.fetch } : {}),
        ...(this.grantOptions.authorizationServer
          ? { authorizationServer: this.grantOptions.authorizationServer }
          : {}),
      });
      if (!state.discovered.authorizationServer.token_endpoint)
        throw new OAuthError(
          `The authorization server ${state.discovered.authorizationServer.issuer} publishes no token_endpoint`,
        );
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
      state = { extraScopes: [] };
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
        : (state.challengeScopes ?? state.discovered?.protectedResource?.scopes_supported ?? []);
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
      this.grantOptions.tokenEndpoint ?? (state.discovered?.authorizationServer.token_endpoint as string);
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
    const answer = await requestToken(tokenEndpoint, params, this.clientAuthentication(context), {
      ...(this.grantOptions.fetch ? { fetch: this.grantOptions.fetch } : {}),
    });
    return cache(answer, tokenEndpoint, started);
  }
}

function cache(answer: TokenResponse, tokenEndpoint: string, started: number): CachedToken {
  if (answer.token_type.toLowerCase() !== "bearer")
    throw new OAuthError(
      `The token endpoint ${tokenEndpoint} issued a ${answer.token_type.slice(0, 20)} token, not a Bearer one`,
    );
  let renewAt = Number.POSITIVE_INFINITY;
  if (answer.expires_in !== undefined) {
    const lifetime = answer.expires_in * 1000;
    renewAt = started + lifetime - Math.min(MAX_RENEW_MARGIN_MS, lifetime / 10);
  }
  return { headers: { Authorization: `Bearer ${answer.access_token}` }, renewAt };
}
