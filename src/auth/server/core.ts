/**
 * Server-side bearer token checks for the HTTP transports: a verifier turns a token into an
 * identity (`ctx.auth`) or refuses it (401 with `WWW-Authenticate`).
 *
 * @example
 * ```ts
 * const mcp = new FastMCP({ name: "secure", auth: new StaticTokenVerifier({ "s3cret": { clientId: "ci" } }) });
 * ```
 */
import type { Store } from "../../stores/store.js";
import type { HttpReply, HttpRequestLike } from "../../transports/http/exchange.js";
import type { AuthInfo } from "../types.js";
import type { TokenVerifier } from "./token-verifier.js";

export { StaticTokenVerifier, type TokenVerifier } from "./token-verifier.js";

/** Where RFC 9728 puts the metadata; a resource with a path gets it appended (`…/mcp`). */
export const PROTECTED_RESOURCE_WELL_KNOWN = "/.well-known/oauth-protected-resource";

/** RFC 9728 protected resource metadata, as served at `/.well-known/oauth-protected-resource`. */
export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  scopes_supported?: string[];
  bearer_methods_supported: string[];
  resource_name?: string;
  resource_documentation?: string;
}

/** What an auth provider publishes for one MCP endpoint. */
export interface ProtectedResource {
  readonly metadata: ProtectedResourceMetadata;
  /** Absolute URL of the metadata document: named in every 401/403 challenge. */
  readonly metadataUrl: string;
}

/**
 * A token verifier that also describes the resource it protects (RFC 9728): the HTTP app serves the
 * metadata and names it in its challenges. `FastMCP({ auth })` takes either.
 */
export interface AuthProvider extends TokenVerifier {
  /** The metadata for the MCP endpoint served at `mcpPath` (e.g. `/mcp`). */
  protectedResource(mcpPath: string): ProtectedResource;
  /**
   * Serves the provider's own routes (an authorization server's metadata, `/authorize`, `/token`,
   * ...). Every HTTP entry (`listen`, `run`, `webHandler`, `nodeListener`) asks it about each
   * request for a path that is not an MCP endpoint, after the Host check: a reply serves it,
   * undefined lets the app go on routing (and answer 404).
   */
  handle?(request: HttpRequestLike): Promise<HttpReply | undefined> | HttpReply | undefined;
  /**
   * Told the server's shared store when the server scales out (its `store` option), before any
   * request: a provider that keeps state (OAuthProxy) keeps it there unless given a store of its own.
   */
  useSharedStore?(store: Store): void;
}

export function isAuthProvider(verifier: TokenVerifier): verifier is AuthProvider {
  return typeof (verifier as Partial<AuthProvider>).protectedResource === "function";
}

/** `Bearer` challenge: the error parameters, then where to discover how to get a token. */
function challenge(resourceMetadataUrl: string | undefined, params: string[] = []): string {
  const where = resourceMetadataUrl ? `resource_metadata="${resourceMetadataUrl}"` : 'realm="mcp"';
  return resourceMetadataUrl
    ? `Bearer ${[...params, where].join(", ")}`
    : `Bearer ${[where, ...params].join(", ")}`;
}

/** Seconds past `expiresAt` a token is still taken (the clock skew JWTVerifier allows by default). */
const EXPIRY_SKEW_SEC = 30;

export type AuthOutcome =
  | { ok: true; auth: AuthInfo }
  | { ok: false; status: 401 | 403; challenge: string; message: string };

/**
 * Reads and checks the Authorization header. With `resourceMetadataUrl` (RFC 9728), every challenge
 * names it so the client can discover the authorization server.
 */
export async function authenticate(
  verifier: TokenVerifier,
  authorization: string | undefined,
  resourceMetadataUrl?: string,
): Promise<AuthOutcome> {
  const match = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  if (!match) {
    return {
      ok: false,
      status: 401,
      challenge: challenge(resourceMetadataUrl),
      message: "Missing bearer token",
    };
  }
  let auth: AuthInfo | undefined;
  try {
    auth = await verifier.verify(match[1] as string);
  } catch {
    auth = undefined;
  }
  // A verifier that reads `exp` itself (JWTVerifier) allows clock skew; this catch-all for the
  // others must not undo that, so it allows the same skew.
  if (!auth || (auth.expiresAt !== undefined && (auth.expiresAt + EXPIRY_SKEW_SEC) * 1000 < Date.now())) {
    return {
      ok: false,
      status: 401,
      challenge: challenge(resourceMetadataUrl, [
        'error="invalid_token"',
        'error_description="The token is invalid or expired"',
      ]),
      message: "Invalid or expired token",
    };
  }
  const missing = (verifier.requiredScopes ?? []).filter((scope) => !auth.scopes?.includes(scope));
  if (missing.length > 0) {
    return {
      ok: false,
      status: 403,
      // The scopes the client must ask for: every required one, not only those missing (RFC 6750 §3).
      challenge: challenge(resourceMetadataUrl, [
        'error="insufficient_scope"',
        `scope="${(verifier.requiredScopes ?? []).join(" ")}"`,
      ]),
      message: `Missing scopes: ${missing.join(" ")}`,
    };
  }
  return { ok: true, auth };
}
