/**
 * `OAuth`: the MCP authorization flow for a Client, on the 401 and 403 answers of any URL transport.
 *
 * @example
 * ```ts
 * import { Client } from "fastmcp-ts";
 * import { FileTokenStorage, OAuth } from "fastmcp-ts/client/auth";
 *
 * const client = new Client("https://mcp.example.com/mcp", {
 *   auth: new OAuth({ scopes: ["mcp"], clientName: "my-app", tokenStorage: new FileTokenStorage(".oauth") }),
 * });
 * await client.connect(); // opens the browser on the first 401, then reuses the stored tokens
 * ```
 */
import { prepareAuthorization, readCallback } from "./authorize.js";
import { type BearerChallenge, parseBearerChallenge } from "./challenge.js";
import { type AuthorizationServerMetadata, checkCodeFlow, discoverAuthorization } from "./discovery.js";
import { DPoPKey, type DPoPNonces, presentDPoP, takeServerNonce } from "./dpop.js";
import { OAuthError } from "./errors.js";
import type { HttpContext } from "./http.js";
import type { AuthChallenge, AuthRequest, ClientAuthProvider } from "./provider.js";
import { checkClientMetadataUrl, resolveClient } from "./registration.js";
import {
  MemoryTokenStorage,
  type StoredClient,
  type StoredOAuthState,
  type StoredTokens,
  type TokenStorage,
} from "./storage.js";
import { exchangeCode, refreshTokens } from "./token-endpoint.js";
import { handlerRedirectUri, receiveCallback, startListener } from "./user-step.js";

/** Options of {@link OAuth}; all optional. */
export interface OAuthOptions {
  /**
   * Scopes to ask for when the server names none: its challenge's `scope` comes first, then its
   * protected resource metadata's `scopes_supported`, then these; with none of them, no `scope` is sent.
   */
  scopes?: string[] | string;
  /** `client_name` at dynamic registration. Default `"fastmcp-ts"`. */
  clientName?: string;
  /** A client ID registered beforehand at the authorization server (used before any other identity). */
  clientId?: string;
  /** The preregistered client's secret (sent as `client_secret_basic` or `_post`, as the server supports). */
  clientSecret?: string;
  /**
   * An https URL serving this client's metadata document (client ID metadata documents): used as
   * `client_id` at servers that advertise `client_id_metadata_document_supported`.
   */
  clientMetadataUrl?: string;
  /** More RFC 7591 fields for dynamic registration (e.g. `logo_uri`, `software_id`). */
  additionalClientMetadata?: Record<string, unknown>;
  /** Where tokens and registrations are kept, per server URL. Default: in memory. */
  tokenStorage?: TokenStorage;
  /**
   * Takes over the browser step: receives the authorization URL and resolves to the callback URL
   * the authorization server redirected to (with `code`, `state`...). Without it, the system browser
   * opens and a listener on 127.0.0.1 receives the callback.
   */
  redirectHandler?: (authorizationUrl: string) => Promise<string | URL>;
  /**
   * The redirect URI registered and sent with a `redirectHandler`. Default
   * `http://127.0.0.1:<callbackPort>/callback` (`http://127.0.0.1/callback` without a port).
   */
  redirectUri?: string;
  /** The loopback listener's port. Default: the port of the stored registration, else an ephemeral one. */
  callbackPort?: number;
  /** How long to wait for the browser's callback, ms. Default 300 000 (5 minutes). */
  callbackTimeout?: number;
  /** Opens the authorization URL for the user. Default: the system browser (xdg-open, open, rundll32). */
  openBrowser?: (authorizationUrl: string) => void | Promise<void>;
  /** Timeout of each request to the authorization server and metadata endpoints, ms. Default 30 000. */
  requestTimeout?: number;
  /** The fetch used for metadata, registration and token requests. Default: the global fetch. */
  fetch?: typeof globalThis.fetch;
  /**
   * DPoP (RFC 9449): bind tokens to a key pair made for this provider (kept in memory only), and
   * prove it on every request (`Authorization: DPoP`, a fresh `DPoP` proof); nonces asked for by the
   * token endpoint or the server are honoured. An authorization server that answers with a Bearer
   * token is used as is. Stored DPoP tokens of an earlier process are not used (their key is gone).
   */
  dpop?: boolean;
}

/**
 * Tokens are refreshed this long before they expire, or after half their lifetime when that is
 * shorter (a token of a few seconds is not refreshed at every request, nor right after it came).
 */
const REFRESH_MARGIN_MS = 60_000;
const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** What `OAuth` keeps for one MCP server URL. */
interface ServerEntry {
  url: string;
  loading?: Promise<void> | undefined;
  loaded: boolean;
  state: StoredOAuthState;
  header: Record<string, string>;
  /** When to refresh the access token before sending (ms since the epoch); undefined: never. */
  refreshAt?: number | undefined;
  /** The flow (or step-up) under way: concurrent refusals share it. */
  flow?: Promise<boolean> | undefined;
  refreshing?: Promise<void> | undefined;
  /** An access token got by a refresh after a 401: when refused too, only a new login helps. */
  refreshedAfter401?: string | undefined;
  /** The scope sets a step-up already asked for: the same 403 twice means it cannot succeed. */
  stepUps: Set<string>;
  /** The DPoP nonces the token endpoint and the server asked for. */
  nonces: DPoPNonces;
}

function scopeList(value: string[] | string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const list = (typeof value === "string" ? value.split(" ") : value).filter(Boolean);
  return list.length > 0 ? list : undefined;
}

function union(...lists: Array<string[] | undefined>): string[] {
  return [...new Set(lists.flatMap((list) => list ?? []))];
}

/**
 * Runs the MCP authorization flow when a server answers 401: protected resource metadata
 * (RFC 9728), authorization server metadata (RFC 8414 / OpenID Connect), a client identity
 * (preregistered, client ID metadata document, or dynamic registration), then the authorization
 * code flow with PKCE S256, `resource` (RFC 8707) and the `iss` check (RFC 9207). Refreshes tokens
 * before they expire, steps up on 403 `insufficient_scope`, and shares one flow among concurrent
 * refused requests. A failed flow rejects the request with an {@link OAuthError}.
 */
export class OAuth implements ClientAuthProvider {
  private readonly options: Readonly<OAuthOptions>;
  private readonly storage: TokenStorage;
  private readonly servers = new Map<string, ServerEntry>();
  private readonly dpopKey: Promise<DPoPKey> | undefined;

  constructor(options: OAuthOptions = {}) {
    if (options.clientMetadataUrl !== undefined) checkClientMetadataUrl(options.clientMetadataUrl);
    if (options.clientSecret !== undefined && options.clientId === undefined)
      throw new TypeError("OAuth: clientSecret needs a clientId");
    this.options = { ...options };
    this.storage = options.tokenStorage ?? new MemoryTokenStorage();
    if (options.dpop) {
      this.dpopKey = DPoPKey.generate();
      // Made now, used later: a failure surfaces at the first request, never unhandled.
      this.dpopKey.catch(() => {});
    }
  }

  /**
   * The header for `url`: a Bearer token's is cached and synchronous while the token is fresh; a
   * DPoP-bound token gets a fresh proof for `request` each time.
   */
  headers(url: string, request?: AuthRequest): Record<string, string> | Promise<Record<string, string>> {
    const entry = this.entry(url);
    const target = request ?? { method: "POST", url };
    const found = entry.loaded ? this.current(entry) : this.load(entry).then(() => this.current(entry));
    if (found instanceof Promise) return found.then((header) => this.present(entry, header, target));
    return this.present(entry, found, target);
  }

  /** `header` as is for Bearer; for a DPoP token, the DPoP scheme with a proof for `request`. */
  private present(
    entry: ServerEntry,
    header: Record<string, string>,
    request: AuthRequest,
  ): Record<string, string> | Promise<Record<string, string>> {
    const token = entry.state.tokens;
    if (!this.dpopKey || token?.tokenType !== "DPoP" || header === NO_HEADERS) return header;
    return this.dpopKey.then((key) => presentDPoP(key, token.accessToken, request, entry.nonces));
  }

  /** A server refused a request: log in, refresh, or step up; false when nothing can help. */
  unauthorized(challenge: AuthChallenge): Promise<boolean> {
    const entry = this.entry(challenge.url);
    if (entry.flow) return entry.flow;
    const flow = this.load(entry)
      .then(() => this.answer(entry, challenge))
      .finally(() => {
        if (entry.flow === flow) entry.flow = undefined;
      });
    entry.flow = flow;
    return flow;
  }

  /** Forgets the tokens and registrations kept for `url` (here and in the storage). */
  async logout(url: string): Promise<void> {
    const entry = this.entry(url);
    entry.state = {};
    entry.header = NO_HEADERS;
    entry.stepUps.clear();
    await this.storage.delete(url);
  }

  private entry(url: string): ServerEntry {
    let entry = this.servers.get(url);
    if (!entry) {
      entry = { url, loaded: false, state: {}, header: NO_HEADERS, stepUps: new Set(), nonces: {} };
      this.servers.set(url, entry);
    }
    return entry;
  }

  private load(entry: ServerEntry): Promise<void> {
    if (entry.loaded) return Promise.resolve();
    entry.loading ??= this.storage.get(entry.url).then(
      async (stored) => {
        entry.state = stored ?? {};
        const tokens = entry.state.tokens;
        // A DPoP-bound token is usable only with its key, which lives in the process that made it.
        const key = tokens?.tokenType === "DPoP" ? await this.dpopKey?.catch(() => undefined) : undefined;
        const usable =
          tokens?.tokenType !== "DPoP" || (key !== undefined && tokens.dpopKey === key.thumbprint);
        this.setTokens(entry, usable ? tokens : undefined, false);
        entry.loaded = true;
      },
      (error: unknown) => {
        entry.loading = undefined;
        throw new OAuthError("storage", `cannot read stored tokens: ${(error as Error)?.message}`, {
          cause: error,
        });
      },
    );
    return entry.loading;
  }

  /** The DPoP key and nonces of `entry`'s token requests, when DPoP is on. */
  private async dpop(entry: ServerEntry): Promise<{ key: DPoPKey; nonces: DPoPNonces } | undefined> {
    return this.dpopKey ? { key: await this.dpopKey, nonces: entry.nonces } : undefined;
  }

  private http(): HttpContext {
    return { fetch: this.options.fetch ?? globalThis.fetch, timeout: this.options.requestTimeout ?? 30_000 };
  }

  /** Keeps `tokens`; `fresh` when they just came from the token endpoint (their lifetime is known). */
  private setTokens(entry: ServerEntry, tokens: StoredTokens | undefined, fresh = true): void {
    if (tokens) entry.state.tokens = tokens;
    else delete entry.state.tokens;
    const expiresAt = tokens?.expiresAt;
    const lifetime = expiresAt !== undefined && fresh ? expiresAt - Date.now() : Number.POSITIVE_INFINITY;
    entry.refreshAt =
      expiresAt === undefined ? undefined : expiresAt - Math.min(REFRESH_MARGIN_MS, lifetime / 2);
    const scheme = tokens?.tokenType === "DPoP" ? "DPoP" : "Bearer";
    entry.header = tokens ? Object.freeze({ Authorization: `${scheme} ${tokens.accessToken}` }) : NO_HEADERS;
  }

  private async save(entry: ServerEntry): Promise<void> {
    try {
      await this.storage.set(entry.url, entry.state);
    } catch (error) {
      throw new OAuthError("storage", `cannot store tokens: ${(error as Error)?.message}`, { cause: error });
    }
  }

  private current(entry: ServerEntry): Record<string, string> | Promise<Record<string, string>> {
    const tokens = entry.state.tokens;
    if (!tokens?.expiresAt || entry.refreshAt === undefined || Date.now() < entry.refreshAt)
      return entry.header;
    if (tokens.refreshToken) {
      // A failed refresh leaves the request to go without a fresh token: its 401 starts a login.
      return this.refresh(entry).then(
        () => entry.header,
        () => ((entry.state.tokens?.expiresAt ?? 0) > Date.now() ? entry.header : NO_HEADERS),
      );
    }
    return tokens.expiresAt > Date.now() ? entry.header : NO_HEADERS;
  }

  private refresh(entry: ServerEntry): Promise<void> {
    entry.refreshing ??= this.runRefresh(entry).finally(() => {
      entry.refreshing = undefined;
    });
    return entry.refreshing;
  }

  private async runRefresh(entry: ServerEntry): Promise<void> {
    const tokens = entry.state.tokens;
    const client = tokens && entry.state.clients?.[tokens.issuer];
    if (!tokens?.refreshToken || !tokens.tokenEndpoint || !client)
      throw new OAuthError("refresh", "no refresh token");
    try {
      const fresh = await refreshTokens(
        this.http(),
        {
          tokenEndpoint: tokens.tokenEndpoint,
          client,
          issuer: tokens.issuer,
          resource: tokens.resource,
          requestedScopes: tokens.requestedScopes,
          dpop: await this.dpop(entry),
        },
        tokens,
      );
      fresh.tokenEndpoint = tokens.tokenEndpoint;
      this.setTokens(entry, fresh);
    } catch (error) {
      // A refused refresh token is dead: drop it (a network failure keeps it for the next try).
      if (error instanceof OAuthError && error.oauthError) {
        const { refreshToken: _dead, ...rest } = tokens;
        this.setTokens(entry, rest, false);
        await this.save(entry);
      }
      throw error;
    }
    await this.save(entry);
  }

  private async answer(entry: ServerEntry, challenge: AuthChallenge): Promise<boolean> {
    const bearer = parseBearerChallenge(challenge.wwwAuthenticate) ?? {};
    // The same request again with the server's DPoP nonce (RFC 9449 §9).
    if (bearer.error === "use_dpop_nonce" && this.dpopKey) return takeServerNonce(challenge, entry.nonces);
    // A late refusal: the request went with a token already replaced (a login or refresh finished
    // while it was on its way). The request goes again with the new one; no second login.
    const current = entry.header.Authorization;
    if (challenge.authorization !== undefined && current !== undefined && current !== challenge.authorization)
      return true;
    const tokens = entry.state.tokens;
    if (challenge.status === 403) {
      if (bearer.error !== "insufficient_scope") return false;
      if (!tokens) return this.login(entry, bearer);
      const wanted = bearer.scopes ?? [];
      // Already granted, and still refused: another login cannot change the answer.
      if (wanted.length > 0 && wanted.every((scope) => tokens.grantedScopes.includes(scope))) return false;
      const scopes = union(tokens.requestedScopes, wanted);
      const key = [...scopes].sort().join(" ");
      if (entry.stepUps.has(key)) return false;
      entry.stepUps.add(key);
      return this.login(entry, bearer, scopes);
    }
    if (tokens?.refreshToken && entry.refreshedAfter401 !== tokens.accessToken) {
      try {
        await this.refresh(entry);
        entry.refreshedAfter401 = entry.state.tokens?.accessToken;
        return true;
      } catch {
        // fall through to a new login
      }
    }
    return this.login(entry, bearer);
  }

  /** The whole flow: discovery, client identity, authorization, token. */
  private async login(
    entry: ServerEntry,
    bearer: BearerChallenge,
    stepUpScopes?: string[],
  ): Promise<boolean> {
    const http = this.http();
    const discovered = await discoverAuthorization(http, entry.url, bearer.resourceMetadata);
    const server = discovered.authorizationServer;
    checkCodeFlow(server);
    const { resource } = discovered;
    const scopes = this.chooseScopes(
      server,
      stepUpScopes ?? bearer.scopes ?? discovered.protectedResource?.scopesSupported,
    );

    const stored = entry.state.clients?.[server.issuer];
    const listener = await startListener(this.options, stored);
    try {
      const redirectUri = listener?.redirectUri ?? handlerRedirectUri(this.options);
      const { client, source } = await resolveClient(http, server, stored, {
        clientId: this.options.clientId,
        clientSecret: this.options.clientSecret,
        clientMetadataUrl: this.options.clientMetadataUrl,
        clientName: this.options.clientName ?? "fastmcp-ts",
        redirectUri,
        additionalClientMetadata: this.options.additionalClientMetadata,
      });
      if (source !== "stored") {
        entry.state.clients = { ...entry.state.clients, [server.issuer]: client };
        await this.save(entry);
      }
      const prepared = await prepareAuthorization({
        server,
        clientId: client.clientId,
        redirectUri,
        resource,
        scopes,
      });
      const callback = await receiveCallback(this.options, prepared.url, prepared.state, listener);
      const code = readCallback(callback, prepared.state, server);
      const tokens = await this.redeem(entry, server, client, {
        code,
        codeVerifier: prepared.pkce.verifier,
        redirectUri,
        resource,
        scopes,
      });
      this.setTokens(entry, tokens);
      entry.refreshedAfter401 = undefined;
      await this.save(entry);
      return true;
    } finally {
      await listener?.close();
    }
  }

  private chooseScopes(server: AuthorizationServerMetadata, fromServer: string[] | undefined): string[] {
    const scopes = [...(scopeList(fromServer) ?? scopeList(this.options.scopes) ?? [])];
    // SEP-2207: ask for offline_access (a refresh token) only where the authorization server offers it.
    if (
      scopes.length > 0 &&
      server.scopesSupported?.includes("offline_access") &&
      !scopes.includes("offline_access")
    )
      scopes.push("offline_access");
    return scopes;
  }

  private async redeem(
    entry: ServerEntry,
    server: AuthorizationServerMetadata,
    client: StoredClient,
    grant: { code: string; codeVerifier: string; redirectUri: string; resource: string; scopes: string[] },
  ): Promise<StoredTokens> {
    try {
      const tokens = await exchangeCode(this.http(), {
        tokenEndpoint: server.tokenEndpoint,
        client,
        issuer: server.issuer,
        resource: grant.resource,
        requestedScopes: grant.scopes,
        code: grant.code,
        codeVerifier: grant.codeVerifier,
        redirectUri: grant.redirectUri,
        dpop: await this.dpop(entry),
      });
      tokens.tokenEndpoint = server.tokenEndpoint;
      return tokens;
    } catch (error) {
      // The server no longer knows this registration: forget it, so the next login registers anew.
      if (
        error instanceof OAuthError &&
        error.oauthError === "invalid_client" &&
        entry.state.clients?.[server.issuer]
      ) {
        const { [server.issuer]: _gone, ...others } = entry.state.clients;
        entry.state.clients = others;
        await this.save(entry);
      }
      throw error;
    }
  }
}
