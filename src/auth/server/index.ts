/**
 * `fastmcp-ts/server/auth`: bearer token verifiers and auth providers for a server's `auth`
 * option. Kept apart from the root entry so a server without auth never loads jose.
 *
 * @example
 * ```ts
 * import { FastMCP } from "fastmcp-ts";
 * import { JWTVerifier } from "fastmcp-ts/server/auth";
 * const mcp = new FastMCP({
 *   name: "secure",
 *   auth: new JWTVerifier({ jwksUri: "https://auth.example.com/.well-known/jwks.json", issuer: "https://auth.example.com/" }),
 * });
 * ```
 *
 * @module fastmcp-ts/server/auth
 */

/** What an AuthProvider's `handle` receives and returns (its own routes). */
export type { HttpReply, HttpRequestLike } from "../../transports/http/exchange.js";
export type { AuthCheck, AuthInfo } from "../types.js";
export {
  type AuthProvider,
  type ProtectedResource,
  type ProtectedResourceMetadata,
  StaticTokenVerifier,
  type TokenVerifier,
} from "./core.js";
export { GitHubTokenVerifier, type GitHubTokenVerifierOptions } from "./github.js";
export { IntrospectionVerifier, type IntrospectionVerifierOptions } from "./introspection.js";
export { JWTVerifier, type JWTVerifierOptions, type PublicKeyInput } from "./jwt.js";
export {
  MemoryOAuthProxyStore,
  type MemoryOAuthProxyStoreOptions,
  OAuthProxy,
  type OAuthProxyOptions,
  type OAuthProxyStore,
} from "./oauth-proxy/index.js";
export { RemoteAuthProvider, type RemoteAuthProviderOptions } from "./remote-provider.js";
export { requireScopes } from "./scopes.js";
