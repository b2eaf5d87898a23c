/**
 * `fastmcp-ts/client/auth`: credentials for a Client talking to a protected server over HTTP,
 * SSE or WebSocket. Kept apart from the root entry so a client without OAuth never loads it.
 *
 * @example
 * ```ts
 * import { Client } from "fastmcp-ts";
 * import { BearerAuth, ClientCredentials, FileTokenStorage, OAuth } from "fastmcp-ts/client/auth";
 * const client = new Client("https://example.com/mcp", { auth: new BearerAuth(process.env.TOKEN!) });
 * const user = new Client("https://example.com/mcp", {
 *   auth: new OAuth({ clientName: "my-app", tokenStorage: new FileTokenStorage(".oauth") }),
 * });
 * const service = new Client("https://example.com/mcp", {
 *   auth: new ClientCredentials({ clientId: "job", clientSecret: process.env.SECRET!, scopes: ["mcp"] }),
 * });
 * ```
 *
 * @module fastmcp-ts/client/auth
 */
export { BearerAuth, type ClientAuth } from "./bearer.js";
export type { ClientAssertionKey, PrivateKeyInput } from "./client-assertion.js";
export { ClientCredentials, type ClientCredentialsOptions } from "./client-credentials.js";
export type { ClientIdentityOptions } from "./client-identity.js";
export { CrossAppAccess, type CrossAppAccessOptions } from "./cross-app-access.js";
export type {
  AuthorizationServerMetadata,
  DiscoveredAuthorization,
  ProtectedResourceMetadata,
} from "./discovery.js";
export { OAuthError, type OAuthErrorOptions, type OAuthStep } from "./errors.js";
export { type AssertionSource, JWT_BEARER_GRANT, JWTBearer, type JWTBearerOptions } from "./jwt-bearer.js";
export { OAuth, type OAuthOptions } from "./oauth.js";
export type { AuthChallenge, AuthRequest, ClientAuthProvider } from "./provider.js";
export {
  FileTokenStorage,
  MemoryTokenStorage,
  type StoredClient,
  type StoredOAuthState,
  type StoredTokens,
  type TokenStorage,
} from "./storage.js";
export { type GrantContext, TokenGrantAuth, type TokenGrantOptions } from "./token-grant.js";
export type { TokenEndpointAuthMethod, TokenResponse } from "./token-request.js";
