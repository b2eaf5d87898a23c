/**
 * `fastmcp-ts/client/auth`: credentials for a Client talking to a protected server over HTTP,
 * SSE or WebSocket. Kept apart from the root entry so a client without OAuth never loads it.
 *
 * @example
 * ```ts
 * import { Client } from "fastmcp-ts";
 * import { BearerAuth, FileTokenStorage, OAuth } from "fastmcp-ts/client/auth";
 * const client = new Client("https://example.com/mcp", { auth: new BearerAuth(process.env.TOKEN!) });
 * const user = new Client("https://example.com/mcp", {
 *   auth: new OAuth({ clientName: "my-app", tokenStorage: new FileTokenStorage(".oauth") }),
 * });
 * ```
 */
export { BearerAuth, type ClientAuth } from "./bearer.js";
export { OAuthError, type OAuthStep } from "./errors.js";
export { OAuth, type OAuthOptions } from "./oauth.js";
export type { AuthChallenge, ClientAuthProvider } from "./provider.js";
export {
  FileTokenStorage,
  MemoryTokenStorage,
  type StoredClient,
  type StoredOAuthState,
  type StoredTokens,
  type TokenStorage,
} from "./storage.js";
