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
export class BearerAuth {
  readonly token: string;

  constructor(token: string) {
    if (typeof token !== "string" || token.length === 0)
      throw new TypeError("BearerAuth needs a non-empty token");
    this.token = token;
  }

  /** The headers to add to each request. */
  headers(): Record<string, string> {
    return { Authorization: `Bearer ${this.token}` };
  }
}

/** What a Client's `auth` option accepts: a BearerAuth, or a bare token string. */
export type ClientAuth = BearerAuth | string;

export function authHeaders(auth: ClientAuth | undefined): Record<string, string> {
  if (auth === undefined) return {};
  return (typeof auth === "string" ? new BearerAuth(auth) : auth).headers();
}
