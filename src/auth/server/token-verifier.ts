/**
 * What checks a bearer token (`TokenVerifier`), and the fixed-token verifier: all a server's
 * `auth` option needs when it is made. The checks the HTTP transports run with it (core.ts) load
 * with them.
 *
 * @example
 * ```ts
 * const mcp = new FastMCP({ name: "secure", auth: new StaticTokenVerifier({ "s3cret": { clientId: "ci" } }) });
 * ```
 */
import type { AuthInfo } from "../types.js";

/** Checks a bearer token; resolves to the identity, or undefined when the token is not valid. */
export interface TokenVerifier {
  verify(token: string): AuthInfo | undefined | Promise<AuthInfo | undefined>;
  /**
   * Told the URL of the resource it protects, once an auth provider knows it (JWTVerifier takes it
   * as its audience when it has none).
   */
  forResource?(resource: string): void;
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
