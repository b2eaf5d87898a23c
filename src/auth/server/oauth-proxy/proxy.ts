/**
 * OAuthProxy: the MCP server as an OAuth 2.1 authorization server in front of a provider that has
 * no dynamic client registration (GitHub, Google...). MCP clients register with the proxy (RFC 7591,
 * or a client ID metadata document), authorize with PKCE and a consent page, and get the proxy's
 * own tokens; upstream, the proxy signs users in with its one preregistered app and keeps the
 * upstream tokens in its store, bound to the tokens it issued.
 *
 * @example
 * ```ts
 * import { FastMCP } from "fastmcp-ts";
 * import { GitHubTokenVerifier, OAuthProxy } from "fastmcp-ts/server/auth";
 *
 * const mcp = new FastMCP({
 *   name: "github-tools",
 *   auth: new OAuthProxy({
 *     upstreamAuthorizationEndpoint: "https://github.com/login/oauth/authorize",
 *     upstreamTokenEndpoint: "https://github.com/login/oauth/access_token",
 *     upstreamClientId: process.env.GITHUB_CLIENT_ID!,
 *     upstreamClientSecret: process.env.GITHUB_CLIENT_SECRET!,
 *     tokenVerifier: new GitHubTokenVerifier(),
 *     baseUrl: "https://mcp.example.com", // GitHub app callback: https://mcp.example.com/auth/callback
 *   }),
 * });
 * ```
 */
import { SharedOAuthProxyStore } from "../../../stores/shared-oauth-proxy-store.js";
import { isStore, type Store } from "../../../stores/store.js";
import type { HttpReply, HttpRequestLike } from "../../../transports/http/exchange.js";
import type { AuthInfo } from "../../types.js";
import type { AuthProvider, ProtectedResource, TokenVerifier } from "../core.js";
import { RemoteAuthProvider } from "../remote-provider.js";
import { authorize, consent } from "./authorize.js";
import { callback } from "./callback.js";
import type { ProxyContext } from "./context.js";
import { sha256 } from "./crypto.js";
import { oauthError, PUBLIC_CORS, preflight } from "./http.js";
import { authorizationServerMetadata } from "./metadata.js";
import { DEFAULTS, type GrantRecord, httpUrl, type OAuthProxyOptions, type TokenRecord } from "./options.js";
import { ClientRegistry } from "./registration.js";
import { MemoryOAuthProxyStore, type OAuthProxyStore } from "./store.js";
import { token } from "./token.js";
import { Upstream } from "./upstream.js";

const WELL_KNOWN_AS = "/.well-known/oauth-authorization-server";

/** The default store: in memory until the server scales out, then the server's shared store. */
class SwitchableStore implements OAuthProxyStore {
  constructor(public backing: OAuthProxyStore) {}
  get<T>(key: string): Promise<T | undefined> {
    return this.backing.get<T>(key);
  }
  set(key: string, value: unknown, ttlMs: number): Promise<void> {
    return this.backing.set(key, value, ttlMs);
  }
  delete(key: string): Promise<void> {
    return this.backing.delete(key);
  }
  take<T>(key: string): Promise<T | undefined> {
    return this.backing.take<T>(key);
  }
}

export class OAuthProxy implements AuthProvider {
  readonly requiredScopes?: readonly string[];
  /** Where state lives (the memory default unless `store` was given). */
  readonly store: OAuthProxyStore;
  private readonly verifier: TokenVerifier;
  private readonly resourceProvider: RemoteAuthProvider;
  private readonly context: ProxyContext;
  private readonly routes: Map<string, (request: HttpRequestLike) => Promise<HttpReply>>;
  private readonly metadataPaths: Set<string>;
  private readonly metadataBody: string;
  /** The protected resources (one per MCP endpoint the HTTP app serves), once it has asked. */
  private readonly resources = new Set<string>();
  private readonly basePath: string;

  constructor(options: OAuthProxyOptions) {
    if (!options.tokenVerifier || typeof options.tokenVerifier.verify !== "function")
      throw new TypeError("OAuthProxy needs a tokenVerifier");
    for (const name of ["upstreamClientId", "upstreamClientSecret"] as const)
      if (typeof options[name] !== "string" || options[name].length === 0)
        throw new TypeError(`OAuthProxy needs ${name}`);
    httpUrl(options.upstreamAuthorizationEndpoint, "upstreamAuthorizationEndpoint");
    httpUrl(options.upstreamTokenEndpoint, "upstreamTokenEndpoint");
    const base = httpUrl(options.baseUrl, "baseUrl");
    const basePath = base.pathname.replace(/\/+$/, "");
    const issuer = `${base.origin}${basePath}`;
    const redirectPath = options.redirectPath ?? DEFAULTS.redirectPath;
    if (!redirectPath.startsWith("/")) throw new TypeError("OAuthProxy: redirectPath must start with /");

    this.verifier = options.tokenVerifier;
    if (options.tokenVerifier.requiredScopes) this.requiredScopes = options.tokenVerifier.requiredScopes;
    const store = options.store ?? new SwitchableStore(new MemoryOAuthProxyStore());
    this.store = isStore(store) ? new SharedOAuthProxyStore(store) : store;
    this.resourceProvider = new RemoteAuthProvider({
      tokenVerifier: options.tokenVerifier,
      authorizationServers: [issuer],
      baseUrl: issuer,
      ...(options.validScopes ? { scopesSupported: options.validScopes } : {}),
    });
    const paths = {
      authorize: `${basePath}/authorize`,
      consent: `${basePath}/consent`,
      token: `${basePath}/token`,
      register: `${basePath}/register`,
      callback: `${basePath}${redirectPath}`,
    };
    const urls = Object.fromEntries(
      Object.entries(paths).map(([name, path]) => [name, `${base.origin}${path}`]),
    ) as typeof paths;
    const documents = options.clientMetadataDocuments ?? true;
    const metadataFetch =
      documents === false
        ? undefined
        : {
            allowPrivateNetwork: documents !== true && documents.allowPrivateNetwork === true,
            timeoutMs: (documents !== true && documents.timeoutMs) || DEFAULTS.metadataTimeoutMs,
            maxBytes: (documents !== true && documents.maxBytes) || DEFAULTS.metadataMaxBytes,
          };
    this.context = {
      store: this.store,
      clients: new ClientRegistry(
        this.store,
        options.validScopes,
        options.registrationTtlMs ?? DEFAULTS.registrationTtlMs,
        metadataFetch,
      ),
      upstream: new Upstream({
        authorizationEndpoint: options.upstreamAuthorizationEndpoint,
        tokenEndpoint: options.upstreamTokenEndpoint,
        clientId: options.upstreamClientId,
        clientSecret: options.upstreamClientSecret,
        authMethod: options.upstreamTokenAuthMethod ?? "client_secret_basic",
        callbackUrl: urls.callback,
        extraAuthorizeParams: options.extraAuthorizeParams ?? {},
        fetch: options.fetch ?? ((input, init) => fetch(input, init)),
      }),
      issuer,
      urls,
      consent: options.consent ?? true,
      validScopes: options.validScopes,
      defaultScopes: options.defaultScopes ?? [],
      ttl: {
        accessTokenMs: options.accessTokenTtlMs ?? DEFAULTS.accessTokenTtlMs,
        refreshTokenMs: options.refreshTokenTtlMs ?? DEFAULTS.refreshTokenTtlMs,
        codeMs: options.codeTtlMs ?? DEFAULTS.codeTtlMs,
        transactionMs: options.transactionTtlMs ?? DEFAULTS.transactionTtlMs,
      },
      cookies: { secure: base.protocol === "https:", path: basePath || "/" },
      resources: () => this.resources,
    };
    this.metadataBody = JSON.stringify(
      authorizationServerMetadata(this.context, metadataFetch !== undefined),
    );
    // RFC 8414 §3: the well-known segment goes between the host and the issuer's path.
    // A base path is where the app is mounted publicly; behind a reverse proxy that strips it the
    // app sees the paths without it (as RemoteAuthProvider assumes), so both forms are served.
    this.basePath = basePath;
    this.metadataPaths = new Set([`${WELL_KNOWN_AS}${basePath}`, WELL_KNOWN_AS]);
    if (basePath) this.metadataPaths.add(`${basePath}${WELL_KNOWN_AS}`);
    const context = this.context;
    this.routes = new Map([
      [paths.authorize, (request) => authorize(context, request)],
      [paths.consent, (request) => consent(context, request)],
      [paths.token, (request) => token(context, request)],
      [paths.register, (request) => this.register(request)],
      [paths.callback, (request) => callback(context, request)],
    ]);
  }

  /**
   * Keeps the proxy's state in the server's shared store when the server scales out, unless a
   * `store` option was given: any instance then finishes a login another one started.
   */
  useSharedStore(store: Store): void {
    if (this.store instanceof SwitchableStore) this.store.backing = new SharedOAuthProxyStore(store);
  }

  /** The RFC 9728 metadata, naming this proxy as the authorization server. */
  protectedResource(mcpPath: string): ProtectedResource {
    const resource = this.resourceProvider.protectedResource(mcpPath);
    this.resources.add(resource.metadata.resource);
    return resource;
  }

  /** Serves the authorization server's routes; undefined for any other path. */
  async handle(request: HttpRequestLike): Promise<HttpReply | undefined> {
    const path =
      request.url.pathname.length > 1 ? request.url.pathname.replace(/\/$/, "") : request.url.pathname;
    if (this.metadataPaths.has(path)) {
      if (request.method === "OPTIONS") return preflight();
      if (request.method !== "GET" && request.method !== "HEAD")
        return oauthError(405, "invalid_request", "Use GET", { allow: "GET, HEAD, OPTIONS" });
      return {
        status: 200,
        headers: {
          "content-type": "application/json",
          "cache-control": "public, max-age=3600",
          ...PUBLIC_CORS,
        },
        ...(request.method === "GET" ? { body: this.metadataBody } : {}),
      };
    }
    const route =
      this.routes.get(path) ?? (this.basePath ? this.routes.get(`${this.basePath}${path}`) : undefined);
    if (!route) return undefined;
    try {
      return await route(request);
    } catch {
      // A store or network failure: say so without detail (it could name internal hosts).
      return oauthError(500, "server_error", "The authorization server failed to handle the request");
    }
  }

  private async register(request: HttpRequestLike): Promise<HttpReply> {
    if (request.method === "OPTIONS") return preflight();
    if (request.method !== "POST")
      return oauthError(405, "invalid_request", "Use POST", { allow: "POST, OPTIONS" });
    return this.context.clients.register(request);
  }

  /**
   * Checks a token the proxy issued: its grant must stand (not revoked by a replayed code or
   * refresh token), and the upstream token behind it must still pass `tokenVerifier`. `ctx.auth`
   * then holds the upstream identity with `token` set to the upstream access token (for calling
   * the upstream API) and `clientId` set to the MCP client's id.
   */
  async verify(presented: string): Promise<AuthInfo | undefined> {
    const record = await this.store.get<TokenRecord>(`token:${sha256(presented)}`);
    const now = Math.floor(Date.now() / 1000);
    if (!record || record.expiresAt <= now) return undefined;
    const grant = await this.store.get<GrantRecord>(`grant:${record.grantId}`);
    if (!grant) return undefined;
    const upstream = await this.verifier.verify(grant.upstream.accessToken);
    if (!upstream) return undefined;
    const expiresAt = Math.min(record.expiresAt, upstream.expiresAt ?? record.expiresAt);
    return {
      ...upstream,
      token: grant.upstream.accessToken,
      clientId: record.clientId,
      scopes: upstream.scopes ?? record.scopes,
      expiresAt,
    };
  }
}
