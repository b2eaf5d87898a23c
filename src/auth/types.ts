/** The identity an HTTP request was verified as: what a token verifier returns and `ctx.auth` holds. */

/** Verified identity from a token verifier (HTTP transports). */
export interface AuthInfo {
  token: string;
  clientId?: string;
  /** The token's subject (`sub`): the user or client it was issued for. */
  subject?: string;
  scopes?: string[];
  expiresAt?: number;
  claims?: Record<string, unknown>;
}

/**
 * Decides whether a caller may see and use a component (its `auth` option). Gets `undefined` when
 * the request carried no verified identity (stdio, memory, or an HTTP server without `auth`).
 */
export type AuthCheck = (auth: AuthInfo | undefined) => boolean;
