/**
 * `fastmcp-ts/client/auth`: credentials for a Client talking to a protected server over HTTP,
 * SSE or WebSocket. Kept apart from the root entry so a client without OAuth never loads it.
 *
 * @example
 * ```ts
 * import { Client } from "fastmcp-ts";
 * import { BearerAuth } from "fastmcp-ts/client/auth";
 * const client = new Client("https://example.com/mcp", { auth: new BearerAuth(process.env.TOKEN!) });
 * ```
 */
export { BearerAuth, type ClientAuth } from "./bearer.js";
export type { AuthChallenge, ClientAuthProvider } from "./provider.js";
