/**
 * `IntrospectionVerifier`: checks opaque bearer tokens by asking the authorization server
 * (RFC 7662 token introspection), with a bounded cache of positive answers.
 */

import type { AuthInfo } from "../types.js";
import type { TokenVerifier } from "./core.js";

/** Tokens longer than this are refused without a request: no upstream work for an attacker's megabyte. */
const MAX_TOKEN_LENGTH = 8 * 1024;
/** At most one warning per this many ms while the introspection endpoint fails. */
const WARN_INTERVAL_MS = 30_000;

export interface IntrospectionVerifierOptions {
  /** The authorization server's `introspection_endpoint`. */
  introspectionUrl: string;
  /** This resource server's client credentials there (sent as `client_secret_basic`). */
  clientId: string;
  clientSecret: string;
  /** Scopes every token must carry (403 insufficient_scope otherwise). */
  requiredScopes?: string[];
  /**
   * Audiences this server accepts: an answer must carry an `aud` naming one of them. Without it,
   * behind a `RemoteAuthProvider`, an answer that carries an `aud` must name this server's
   * resource URL (an answer without `aud` is taken: RFC 7662 makes it optional).
   */
  audience?: string | string[];
  /** The issuer an answer's `iss` must be, when the answer carries one. */
  issuer?: string;
  /**
   * How long an active answer is reused, in ms (never past the token's `exp`). A revoked token is
   * still accepted for up to this long. `0` asks on every request. Default 30 000.
   */
  cacheTtlMs?: number;
  /** The most tokens kept in the cache (the oldest is dropped first). Default 1000. */
  maxCacheEntries?: number;
  /** How long one introspection request may take, in ms; a slower one refuses the token. Default 10 000. */
  timeoutMs?: number;
}

interface CacheEntry {
  info: AuthInfo;
  /** Epoch ms after which the answer is asked again. */
  until: number;
}

/**
 * Verifies opaque bearer tokens with the authorization server's introspection endpoint (RFC 7662):
 * `active: false` refuses the token; an active one gives `scope`, `client_id`, `sub`, `exp` and
 * every other member as `claims`. `verify` never throws: an unreachable, slow or failing endpoint
 * refuses the token. The token itself is never logged.
 *
 * @example
 * ```ts
 * import { IntrospectionVerifier } from "fastmcp-ts/server/auth";
 * const auth = new IntrospectionVerifier({
 *   introspectionUrl: "https://auth.example.com/oauth/introspect",
 *   clientId: "mcp-server",
 *   clientSecret: process.env.INTROSPECTION_SECRET ?? "",
 *   requiredScopes: ["mcp"],
 * });
 * const mcp = new FastMCP({ name: "secure", auth });
 * ```
 */
export class IntrospectionVerifier implements TokenVerifier {
  readonly requiredScopes?: readonly string[];
  private readonly url: string;
  private readonly authorization: string;
  private readonly cacheTtlMs: number;
  private readonly maxCacheEntries: number;
  private readonly timeoutMs: number;
  private readonly cache = new Map<string, CacheEntry>();
  /** Concurrent checks of one token share one request. */
  private readonly pending = new Map<string, Promise<AuthInfo | undefined>>();
  private warnedAt = Number.NEGATIVE_INFINITY;
  /** Accepted audiences, and whether an answer must name one (configured) or only may (the resource). */
  private audience: { values: readonly string[]; required: boolean } | undefined;
  private readonly issuer: string | undefined;

  constructor(options: IntrospectionVerifierOptions) {
    const url = new URL(options.introspectionUrl);
    if (url.protocol !== "https:" && url.protocol !== "http:")
      throw new TypeError("IntrospectionVerifier needs an http(s) introspectionUrl");
    if (!options.clientId) throw new TypeError("IntrospectionVerifier needs a clientId");
    this.url = url.href;
    // RFC 6749 §2.3.1: both parts are form-encoded before they are joined and base64-encoded.
    const credentials = `${formEncode(options.clientId)}:${formEncode(options.clientSecret ?? "")}`;
    this.authorization = `Basic ${Buffer.from(credentials).toString("base64")}`;
    this.cacheTtlMs = Math.max(0, options.cacheTtlMs ?? 30_000);
    this.maxCacheEntries = Math.max(1, options.maxCacheEntries ?? 1000);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    if (options.requiredScopes) this.requiredScopes = options.requiredScopes;
    if (options.audience !== undefined) {
      const values = Array.isArray(options.audience) ? options.audience : [options.audience];
      if (values.length === 0 || values.some((value) => typeof value !== "string" || value === ""))
        throw new TypeError("IntrospectionVerifier: audience must be a non-empty string or list of them");
      this.audience = { values, required: true };
    }
    this.issuer = options.issuer;
  }

  /** Behind a RemoteAuthProvider: an answer naming an audience must name this resource. */
  forResource(resource: string): void {
    if (!this.audience) this.audience = { values: [resource], required: false };
    else if (!this.audience.required && !this.audience.values.includes(resource))
      this.audience = { values: [...this.audience.values, resource], required: false };
  }

  verify(token: string): Promise<AuthInfo | undefined> | AuthInfo | undefined {
    if (typeof token !== "string" || token.length === 0 || token.length > MAX_TOKEN_LENGTH) return undefined;
    const cached = this.cache.get(token);
    if (cached) {
      if (cached.until > Date.now()) return cached.info;
      this.cache.delete(token);
    }
    let request = this.pending.get(token);
    if (!request) {
      request = this.introspect(token).finally(() => this.pending.delete(token));
      this.pending.set(token, request);
    }
    return request;
  }

  private async introspect(token: string): Promise<AuthInfo | undefined> {
    let body: unknown;
    try {
      const response = await fetch(this.url, {
        method: "POST",
        headers: {
          authorization: this.authorization,
          "content-type": "application/x-www-form-urlencoded",
          accept: "application/json",
        },
        body: new URLSearchParams({ token, token_type_hint: "access_token" }).toString(),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (!response.ok) {
        await response.body?.cancel();
        this.warn(`answered ${response.status}`);
        return undefined;
      }
      body = await response.json();
    } catch (error) {
      this.warn(
        (error as Error).name === "TimeoutError"
          ? `timed out after ${this.timeoutMs} ms`
          : (error as Error).message,
      );
      return undefined;
    }
    const info = toAuthInfo(token, body);
    if (!info || !this.acceptsAudience(info.claims?.aud)) return undefined;
    if (this.issuer !== undefined && info.claims?.iss !== undefined && info.claims.iss !== this.issuer)
      return undefined;
    this.remember(token, info);
    return info;
  }

  private acceptsAudience(aud: unknown): boolean {
    if (!this.audience) return true;
    if (aud === undefined) return !this.audience.required;
    const named = typeof aud === "string" ? [aud] : Array.isArray(aud) ? aud : [];
    return named.some((value) => typeof value === "string" && this.audience?.values.includes(value));
  }

  private remember(token: string, info: AuthInfo): void {
    const until = Math.min(
      Date.now() + this.cacheTtlMs,
      info.expiresAt === undefined ? Number.POSITIVE_INFINITY : info.expiresAt * 1000,
    );
    if (until <= Date.now()) return;
    if (this.cache.size >= this.maxCacheEntries) {
      // Maps iterate in insertion order: the first key is the oldest answer.
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.set(token, { info, until });
  }

  /** The endpoint and what went wrong, never the token; at most once per interval during an outage. */
  private warn(what: string): void {
    const now = Date.now();
    if (now - this.warnedAt < WARN_INTERVAL_MS) return;
    this.warnedAt = now;
    console.warn(`IntrospectionVerifier: the introspection endpoint ${this.url} ${what}; tokens are refused`);
  }
}

/** An RFC 7662 answer as an identity, or undefined unless it is an object with `active: true`. */
function toAuthInfo(token: string, body: unknown): AuthInfo | undefined {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined;
  const claims = body as Record<string, unknown>;
  if (claims.active !== true) return undefined;
  const now = Date.now() / 1000;
  if (typeof claims.exp === "number" && claims.exp <= now) return undefined;
  const info: AuthInfo = { token, scopes: scopesOf(claims.scope), claims: { ...claims } };
  if (typeof claims.client_id === "string") info.clientId = claims.client_id;
  if (typeof claims.sub === "string") info.subject = claims.sub;
  if (typeof claims.exp === "number") info.expiresAt = claims.exp;
  return info;
}

function scopesOf(raw: unknown): string[] {
  if (typeof raw === "string") return raw.split(/\s+/).filter((scope) => scope.length > 0);
  if (Array.isArray(raw)) return raw.filter((scope): scope is string => typeof scope === "string");
  return [];
}

/** `application/x-www-form-urlencoded` for one value (spaces as `+`). */
function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, "+");
}
