/**
 * Client-side auth. `BearerAuth` sends `Authorization: Bearer <token>` on every HTTP, SSE and
 * WebSocket request.
 *
 * @example
 * ```ts
 * import { BearerAuth } from "fastmcp-ts/client/auth";
 * const client = new Client("https://example.com/mcp", { auth: new BearerAuth(process.env.TOKEN!) });
 * ```
 */
import type { ClientAuthProvider } from "./provider.js";

export class BearerAuth implements ClientAuthProvider {
  readonly token: string;
  private readonly header: Record<string, string>;

  constructor(token: string) {
    if (typeof token !== "string" || token.length === 0)
      throw new TypeError("BearerAuth needs a non-empty token");
    this.token = token;
    this.header = { Authorization: `Bearer ${token}` };
  }

  /** The headers to add to each request. */
  headers(): Record<string, string> {
    return { ...this.header };
  }
}

/**
 * What a Client's `auth` option accepts: a provider (`BearerAuth`, `OAuth`, `ClientCredentials`,
 * or your own), `"oauth"` for an `OAuth` with its defaults (browser login), or a bare token string.
 */
export type ClientAuth = ClientAuthProvider | string;
