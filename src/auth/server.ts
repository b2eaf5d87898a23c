/**
 * Server-side bearer token checks for the HTTP transports: a verifier turns a token into an
 * identity (`ctx.auth`) or refuses it (401 with `WWW-Authenticate`).
 *
 * @example
 * ```ts
 * const mcp = new FastMCP({ name: "secure", auth: new StaticTokenVerifier({ "s3cret": { clientId: "ci" } }) });
 * ```
 */
import type { AuthInfo } from "./types.js";

/** Checks a bearer token; resolves to the identity, or undefined when the token is not valid. */
export interface TokenVerifier {
  verify(token: string): AuthInfo | undefined | Promise<AuthInfo | undefined>;
  /** Scopes every token must have (answered with 403 insufficient_scope otherwise). */
  readonly requiredScopes?: readonly string[];
}

/** A fixed set of tokens, for development, tests and service-to-service use. */
export class StaticTokenVerifier implements TokenVerifier {
  private readonly tokens: Map<string, Omit<AuthInfo, "token">>;
  readonly requiredScopes?: readonly string[];

  constructor(
    tokens: string[] | Record<string, Omit<AuthInfo, "token">>,
    options: { requiredScopes?: string[] } = {},
  ) {
    const entries: [string, Omit<AuthInfo, "token">][] = Array.isArray(tokens)
      ? tokens.map((token) => [token, {}])
      : Object.entries(tokens);
    this.tokens = new Map(entries);
    if (options.requiredScopes) this.requiredScopes = options.requiredScopes;
  }

  verify(token: string): AuthInfo | undefined {
    const info = this.tokens.get(token);
    return info ? { token, ...info } : undefined;
  }
}

export type AuthOutcome =
  | { ok: true; auth: AuthInfo }
  | { ok: false; status: 401 | 403; challenge: string; message: string };

/** Reads and checks the Authorization header. */
export async function authenticate(
  verifier: TokenVerifier,
  authorization: string | undefined,
): Promise<AuthOutcome> {
  const match = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  if (!match) {
    return { ok: false, status: 401, challenge: 'Bearer realm="mcp"', message: "Missing bearer token" };
  }
  let auth: AuthInfo | undefined;
  try {
    auth = await verifier.verify(match[1] as string);
  } catch {
    auth = undefined;
  }
  if (!auth || (auth.expiresAt !== undefined && auth.expiresAt * 1000 < Date.now())) {
    return {
      ok: false,
      status: 401,
      challenge:
        'Bearer realm="mcp", error="invalid_token", error_description="The token is invalid or expired"',
      message: "Invalid or expired token",
    };
  }
  const missing = (verifier.requiredScopes ?? []).filter((scope) => !auth.scopes?.includes(scope));
  if (missing.length > 0) {
    return {
      ok: false,
      status: 403,
      challenge: `Bearer realm="mcp", error="insufficient_scope", scope="${missing.join(" ")}"`,
      message: `Missing scopes: ${missing.join(" ")}`,
    };
  }
  return { ok: true, auth };
}
