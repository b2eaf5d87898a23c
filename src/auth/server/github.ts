/**
 * GitHubTokenVerifier: checks a GitHub OAuth token (opaque) by asking GitHub who it belongs to
 * (`GET /user`), with a short bounded cache so each MCP request does not cost an API call. The
 * usual `tokenVerifier` of an OAuthProxy in front of GitHub.
 *
 * @example
 * ```ts
 * new OAuthProxy({ ..., tokenVerifier: new GitHubTokenVerifier({ requiredScopes: ["read:user"] }) });
 * ```
 */
import { createHash } from "node:crypto";
import type { AuthInfo } from "../types.js";
import type { TokenVerifier } from "./core.js";

export interface GitHubTokenVerifierOptions {
  /** The API root (default `https://api.github.com`; GitHub Enterprise: `https://HOST/api/v3`). */
  apiBaseUrl?: string;
  /** OAuth scopes the token must carry (GitHub reports them in `X-OAuth-Scopes`). */
  requiredScopes?: string[];
  /** How long an answer is reused, in ms (default 60000; 0 for none). */
  cacheTtlMs?: number;
  /** Most answers cached (default 1000; the oldest goes first). */
  cacheSize?: number;
  /** Deadline of each API call, in ms (default 10000). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** Verifies GitHub tokens with the user API; `ctx.auth.subject` is the user id, `claims` holds login, name, email. */
export class GitHubTokenVerifier implements TokenVerifier {
  readonly requiredScopes?: readonly string[];
  private readonly userUrl: string;
  private readonly cache = new Map<string, { info: AuthInfo | undefined; until: number }>();
  private readonly ttlMs: number;
  private readonly size: number;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;

  constructor(options: GitHubTokenVerifierOptions = {}) {
    const base = (options.apiBaseUrl ?? "https://api.github.com").replace(/\/+$/, "");
    this.userUrl = new URL(`${base}/user`).href;
    if (options.requiredScopes) this.requiredScopes = options.requiredScopes;
    this.ttlMs = options.cacheTtlMs ?? 60_000;
    this.size = options.cacheSize ?? 1000;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  async verify(token: string): Promise<AuthInfo | undefined> {
    const key = createHash("sha256").update(token).digest("base64url");
    const cached = this.cache.get(key);
    if (cached && cached.until > Date.now()) return cached.info && { ...cached.info, token };
    const info = await this.ask(token);
    // Only settled answers are cached: a network failure is asked again next time.
    if (info !== null && this.ttlMs > 0) {
      this.cache.delete(key);
      if (this.cache.size >= this.size) {
        const oldest = this.cache.keys().next().value;
        if (oldest !== undefined) this.cache.delete(oldest);
      }
      this.cache.set(key, { info, until: Date.now() + this.ttlMs });
    }
    return info ?? undefined;
  }

  /** The identity, undefined when GitHub refuses the token, null when GitHub could not be asked. */
  private async ask(token: string): Promise<AuthInfo | undefined | null> {
    let response: Response;
    try {
      response = await this.fetch(this.userUrl, {
        headers: {
          authorization: `Bearer ${token}`,
          accept: "application/vnd.github+json",
          "user-agent": "fastmcp-ts",
          "x-github-api-version": "2022-11-28",
        },
        redirect: "error",
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch {
      return null;
    }
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok) {
      await response.body?.cancel();
      return null;
    }
    let user: Record<string, unknown>;
    try {
      user = (await response.json()) as Record<string, unknown>;
    } catch {
      return null;
    }
    if (typeof user !== "object" || user === null || user.id === undefined) return undefined;
    const scopes = (response.headers.get("x-oauth-scopes") ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    const claims: Record<string, unknown> = {};
    for (const field of ["id", "login", "name", "email", "avatar_url"])
      if (user[field] !== undefined) claims[field] = user[field];
    return { token, subject: String(user.id), scopes, claims };
  }
}
